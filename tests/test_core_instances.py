"""``cloudfn.Cloud`` instances: own configuration, transport and token cache; every transport; no mixing under load."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.core import default
from cloudfn.emulator import Emulator, running
from cloudfn.pb import CommApiData
from cloudfn.tokens import DEFAULT_STORE, MemoryTokenStore
from tests.stub_server import StubWeChat

GET_PATH = {"deliveryId": "TEST", "waybillId": "W1"}
BIND = {"type": "bind", "deliveryId": "YUNDA", "password": "pw"}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with running(cloudbase_token="cb-token-DO-NOT-LEAK") as emulator:
        yield emulator


def instance(emulator: Emulator, transport: str, **options: Any) -> cloud.Cloud:
    if transport == "https":
        return cloud.Cloud(transport="https", appid=emulator.appid, secret=emulator.secret, apiBase=emulator.base_url, **options)
    if transport == "cloudbase":
        return cloud.Cloud(transport="cloudbase", cloudbaseToken=emulator.cloudbase_token, apiBase=emulator.base_url, **options)
    return cloud.Cloud({"serviceUrl": emulator.base_url + "/admin", "env": "e1", "transport": "cloudcall", **options})


@pytest.mark.parametrize("transport", ["https", "cloudbase", "cloudcall"])
def test_instance_calls_the_emulator_on_every_transport(emu: Emulator, transport: str) -> None:
    with instance(emu, transport) as c:
        assert c.openapi.logistics.bindAccount(bizId="i-" + transport, **BIND) == {"errMsg": "openapi.logistics.bindAccount:ok", "errCode": 0}
        accounts = c.openapi.logistics.getAllAccount()
        assert [a.bizId for a in accounts.list] == ["i-" + transport]
        assert c.openapi({"convertCase": False}).logistics.getAllAccount()["list"][0]["biz_id"] == "i-" + transport
        with pytest.raises(CloudSDKError) as info:
            c.openapi.logistics.getPath(deliveryId="TEST")
        assert info.value.errCode == -501007
    # the module default was never configured by the instance
    assert default()._client is None


def test_instance_reconnects_after_close_and_reinit_keeps_its_token_cache(emu: Emulator) -> None:
    c = instance(emu, "https")
    c.openapi.logistics.getAllDelivery()
    store = c.client().config.token_store
    assert isinstance(store, MemoryTokenStore) and store is not DEFAULT_STORE
    c.close()
    assert c.openapi.logistics.getAllDelivery()["errCode"] == 0
    c.init(transport="https", appid=emu.appid, secret=emu.secret, apiBase=emu.base_url)
    assert c.client().config.token_store is store
    shared = MemoryTokenStore()
    assert cloud.Cloud(token_store=shared).client().config.token_store is shared


def test_module_default_keeps_the_process_wide_token_store(emu: Emulator) -> None:
    cloud.init(transport="https", appid=emu.appid, secret=emu.secret, api_base=emu.base_url)
    assert default().client().config.token_store is DEFAULT_STORE


def test_resource_appid_travels_in_commapidata_and_resource_env_selects_the_env(emu: Emulator) -> None:
    other = instance(emu, "cloudcall", resourceAppid="wxresource00000001", resourceEnv="e1")
    assert other.client().config.env == "e1"
    assert other.openapi.logistics.bindAccount(bizId="shared", **BIND)["errCode"] == 0
    mine = instance(emu, "cloudcall")
    assert mine.openapi.logistics.getAllAccount()["count"] == 0
    assert [a.bizId for a in other.openapi.logistics.getAllAccount().list] == ["shared"]
    # an explicit openapi(appid=...) still wins over the instance's resourceAppid
    assert mine.openapi(appid="wxresource00000001").logistics.getAllAccount()["count"] == 1


def test_resource_env_wins_over_env() -> None:
    assert cloud.Cloud(env="a", resourceEnv="b", transport="cloudcall").client().config.env == "b"


def test_resource_appid_is_refused_where_the_token_belongs_to_one_app(emu: Emulator) -> None:
    c = instance(emu, "https", resourceAppid="wxsomeoneelse00001")
    with pytest.raises(CloudSDKError) as info:
        c.openapi.logistics.getAllDelivery()
    assert info.value.errCode == -501007
    assert "resourceAppid wxsomeoneelse00001 needs the cloudcall transport: over https every call is made as appid " + emu.appid in info.value.errMsg
    same = instance(emu, "https", resourceAppid=emu.appid)
    assert same.openapi.logistics.getAllDelivery()["errCode"] == 0
    with pytest.raises(CloudSDKError, match="over cloudbase every call is made as the cloudbase_access_token's mini program"):
        instance(emu, "cloudbase", resourceAppid="wxsomeoneelse00001").openapi.logistics.getAllDelivery()


def test_two_instances_never_mix_tokens_or_credentials_under_load() -> None:
    """32 threads, two apps, one WeChat stub: every call carries a token issued to its own app's credentials."""
    apps = {"wxapp00000000000a": "secret-a-DO-NOT-LEAK", "wxapp00000000000b": "secret-b-DO-NOT-LEAK"}
    with StubWeChat(token_delay=0.05) as stub:
        stub.server.socket.listen(128)  # 32 threads connect at once: a backlog of 5 would reset some on a loaded machine
        clouds = {appid: cloud.Cloud(transport="https", appid=appid, secret=secret, apiBase=stub.base_url) for appid, secret in apps.items()}
        barrier = threading.Barrier(32)

        def work(n: int) -> None:
            appid = list(apps)[n % 2]
            barrier.wait()
            for i in range(20):
                clouds[appid].openapi.logistics.getPath(deliveryId="TEST", waybillId=f"{appid}-{n}-{i}")

        with ThreadPoolExecutor(32) as pool:
            list(pool.map(work, range(32)))
        for seen in stub.calls("/cgi-bin/stable_token"):
            assert seen.json["secret"] == apps[seen.json["appid"]]
        issued: Dict[str, str] = stub.issued_to  # numbered as issued, which two concurrent fetches may not do in arrival order
        assert sorted(issued.values()) == sorted(apps)  # one token per app: single-flight per instance
        calls = stub.api_calls()
        assert len(calls) == 32 * 20
        owners: List[str] = [issued[c.query["access_token"]] for c in calls]
        assert owners == [c.json["waybill_id"].split("-")[0] for c in calls]


def test_two_instances_on_two_backends_keep_their_state_apart() -> None:
    with running(appid="wxbackend0000000a", secret="sa") as a, running(appid="wxbackend0000000b", secret="sb") as b:
        ca = cloud.Cloud(transport="https", appid=a.appid, secret="sa", apiBase=a.base_url)
        cb = cloud.Cloud(transport="https", appid=b.appid, secret="sb", apiBase=b.base_url)

        def bind(n: int) -> None:
            (ca if n % 2 else cb).openapi.logistics.bindAccount(bizId=f"{'a' if n % 2 else 'b'}{n}", **BIND)

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(bind, range(64)))
        assert {x.bizId[0] for x in ca.openapi.logistics.getAllAccount().list} == {"a"}
        assert {x.bizId[0] for x in cb.openapi.logistics.getAllAccount().list} == {"b"}
        assert ca.openapi.logistics.getAllAccount().count == cb.openapi.logistics.getAllAccount().count == 32


def test_commapidata_carries_resource_appid() -> None:
    from cloudfn.transports.base import Request
    from cloudfn.transports.cloudcall import request_data

    request = cloud.Cloud(resourceAppid="wxres", transport="cloudcall").client().prepare("logistics.getAllDelivery", {})
    assert request.appid == "wxres"
    assert CommApiData.decode(request_data(Request(**{s: getattr(request, s) for s in Request.__slots__}))).appid == "wxres"

