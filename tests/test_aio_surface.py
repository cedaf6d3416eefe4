"""cloudfn.aio's surface: what it exports, lazy imports, and everything decided before any I/O."""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys

import pytest

import cloudfn
import cloudfn.aio as cloud
from cloudfn import spec
from cloudfn.tokens import MemoryTokenStore
from tests.conftest import APPID, SECRET
from tests.stub_server import StubWeChat

ARGS = {"deliveryId": "TEST", "waybillId": "W1"}


def _modules_after(statement: str) -> set:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(json.loads(done.stdout))


def test_import_cloudfn_imports_neither_aiohttp_nor_asyncio() -> None:
    loaded = _modules_after("import cloudfn")
    assert not {m for m in loaded if m.split(".")[0] in ("aiohttp", "asyncio", "yarl", "multidict", "cloudfn.aio")}, loaded
    assert "cloudfn.aio" not in loaded


def test_import_cloudfn_aio_defers_aiohttp_to_the_first_call() -> None:
    loaded = _modules_after("import cloudfn.aio")
    assert "cloudfn.aio" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("aiohttp", "yarl")}


def test_surface_matches_cloudfn() -> None:
    for name in ("init", "openapi", "Cloud", "getWXContext", "reset", "CloudSDKError", "DYNAMIC_CURRENT_ENV", "ERR_CODE"):
        assert hasattr(cloud, name), name
    assert cloud.CloudSDKError is cloudfn.CloudSDKError
    assert cloud.DYNAMIC_CURRENT_ENV is cloudfn.DYNAMIC_CURRENT_ENV
    assert inspect.iscoroutinefunction(cloud.close) and callable(cloud.handler)


@pytest.mark.parametrize("name", sorted(spec.methods()))
def test_every_open_api_method_is_a_coroutine_function(name: str) -> None:
    method = getattr(cloud.openapi.logistics, name)
    assert inspect.iscoroutinefunction(method)
    assert method.__name__ == name and method.__doc__ == spec.method(name)["doc"]
    assert inspect.iscoroutinefunction(getattr(cloud.Cloud(transport="https", appid="wx", secret="s").openapi.logistics, name))


def test_bad_input_raises_on_await_and_sends_nothing(stub: StubWeChat) -> None:
    cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    pending = cloud.openapi.logistics.getPath(deliveryId=1)  # no error yet: Node's promise rejects when awaited
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(pending)
    assert info.value.errCode == -501007
    assert info.value.errMsg == ("openapi.logistics.getPath:fail invalid parameters: deliveryId must be a string, got integer; "
                                 "waybillId is required")
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(cloud.openapi.logistics.getPath(["not", "an", "object"]))
    assert info.value.errMsg == "openapi.logistics.getPath:fail invalid parameters: data must be an object, got list"
    assert stub.calls() == []  # not even a token request


def test_same_errors_as_the_sync_api_for_everything_decided_before_io(stub: StubWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [
        ("getPath", {"deliveryId": 1}),
        ("noSuchMethod", {}),
        ("addOrder", {"orderId": "o"}),
        ("getAllAccount", {}),  # not in the function's permissions
    ]
    monkeypatch.setenv("CLOUDFN_OPENAPI_PERMISSIONS", "logistics.getPath,logistics.addOrder,logistics.noSuchMethod")
    options = dict(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    sync_cloud, async_cloud = cloudfn.Cloud(options), cloud.Cloud(options)

    async def outcomes() -> list:
        found = []
        for name, args in cases:
            with pytest.raises(cloud.CloudSDKError) as info:
                await getattr(async_cloud.openapi.logistics, name)(args)
            found.append(info.value.to_dict())
        return found

    expected = []
    for name, args in cases:
        with pytest.raises(cloud.CloudSDKError) as info:
            getattr(sync_cloud.openapi.logistics, name)(args)
        expected.append(info.value.to_dict())
    assert asyncio.run(outcomes()) == expected
    assert [e["errCode"] for e in expected] == [-501007, -604100, -501007, -604101]
    assert stub.calls() == []


def test_no_credentials_is_the_sync_error() -> None:
    async def call() -> None:
        await cloud.openapi.logistics.getAllDelivery()

    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(call())
    with pytest.raises(cloud.CloudSDKError) as sync_info:
        cloudfn.openapi.logistics.getAllDelivery()
    assert info.value.to_dict() == sync_info.value.to_dict()
    assert info.value.errCode == -501009


def test_unknown_init_option_is_refused_as_in_cloudfn() -> None:
    with pytest.raises(cloud.CloudSDKError) as info:
        cloud.Cloud(transport="https", no_such_option=1)
    with pytest.raises(cloud.CloudSDKError) as sync_info:
        cloudfn.Cloud(transport="https", no_such_option=1)
    assert info.value.to_dict() == sync_info.value.to_dict()


def test_openapi_options_are_checked_like_the_sync_proxy() -> None:
    with pytest.raises(cloud.CloudSDKError) as info:
        cloud.openapi(convertcase=False)
    with pytest.raises(cloud.CloudSDKError) as sync_info:
        cloudfn.openapi(convertcase=False)
    assert info.value.to_dict() == sync_info.value.to_dict()
    raw = cloud.openapi(convertCase=False, appid="wxother")
    assert (raw._convert_case, raw._appid) == (False, "wxother")
    assert inspect.iscoroutinefunction(raw.logistics.getPath)


def test_module_level_default_is_the_one_cloudfn_init_configures(stub: StubWeChat) -> None:
    cloudfn.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    assert asyncio.run(cloud.openapi.logistics.getPath(ARGS)) == cloudfn.openapi.logistics.getPath(ARGS)
    assert stub.tokens_issued == 1  # one configuration, one token cache
    cloud.reset()
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(cloud.openapi.logistics.getPath(ARGS))
    assert info.value.errCode == -501009  # reset dropped the configuration for both APIs


def test_reinit_switches_the_async_transport_too(stub: StubWeChat) -> None:
    async def both() -> None:
        for appid in ("wxA", "wxB"):
            cloud.init(transport="https", appid=appid, secret="s-" + appid, api_base=stub.base_url, token_store=MemoryTokenStore())
            await cloud.openapi.logistics.getPath(ARGS)
        await cloud.close()

    asyncio.run(both())
    assert [c.json["appid"] for c in stub.calls("/cgi-bin/stable_token")] == ["wxA", "wxB"]


def test_get_wx_context_is_synchronous_as_in_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WX_CONTEXT_KEYS", "WX_OPENID,WX_APPID")
    monkeypatch.setenv("WX_OPENID", "oUser")
    monkeypatch.setenv("WX_APPID", "wxapp")
    assert cloud.getWXContext() == cloudfn.getWXContext() == {"OPENID": "oUser", "APPID": "wxapp"}
    assert cloud.Cloud(transport="https", appid="wx", secret="s").getWXContext() == {"OPENID": "oUser", "APPID": "wxapp"}


def test_reprs_hold_no_secret() -> None:
    instance = cloud.Cloud(transport="https", appid="wxrepr", secret="repr-secret-DO-NOT-LEAK")
    assert "repr-secret" not in repr(instance)
    assert "repr-secret" not in repr(instance.client())
