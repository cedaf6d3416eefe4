"""https and cloudbase transports: tokens, refresh, stores, selection."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.tokens import FileTokenStore, MemoryTokenStore, Token
from tests.stub_server import Reply, StubWeChat

PATH = "/cgi-bin/express/business/path/get"
ARGS = {"deliveryId": "TEST", "waybillId": "W1"}
OK = {"errMsg": "openapi.logistics.getPath:ok", "errCode": 0}


def test_token_request_is_stable_token_post_with_client_credential(sdk, stub: StubWeChat) -> None:
    cloud.openapi.logistics.getPath(ARGS)
    (token_call,) = stub.calls("/cgi-bin/stable_token")
    assert token_call.method == "POST"
    assert token_call.json == {
        "grant_type": "client_credential",
        "appid": "wxstub0000000001",
        "secret": "stub-app-secret-DO-NOT-LEAK",
        "force_refresh": False,
    }
    assert stub.api_calls()[0].query == {"access_token": "TOKEN-1-secretvalue"}


def test_cold_cache_32_threads_make_exactly_one_token_request() -> None:
    with StubWeChat(token_delay=0.3) as stub:
        cloud.init(transport="https", appid="wxsf", secret="sf-secret", api_base=stub.base_url, token_store=MemoryTokenStore())
        results, barrier = [], threading.Barrier(32)

        def worker() -> None:
            barrier.wait()
            results.append(cloud.openapi.logistics.getPath(ARGS))

        threads = [threading.Thread(target=worker) for _ in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [OK] * 32
        assert stub.tokens_issued == 1
        assert {c.query["access_token"] for c in stub.api_calls()} == {"TOKEN-1-secretvalue"}


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
@pytest.mark.parametrize(
    "method, path, args",
    [
        ("getPath", PATH, ARGS),
        ("cancelOrder", "/cgi-bin/express/business/order/cancel", {"orderId": "o", "deliveryId": "TEST", "waybillId": "w"}),
    ],
)
def test_token_error_refreshes_once_and_retries_once(sdk, stub: StubWeChat, errcode: int, method: str, path: str, args: dict) -> None:
    stub.reply(path, Reply({"errcode": errcode, "errmsg": "access_token expired"}))
    assert getattr(cloud.openapi.logistics, method)(args)["errCode"] == 0
    assert stub.tokens_issued == 2
    assert [c.query["access_token"] for c in stub.calls(path)] == ["TOKEN-1-secretvalue", "TOKEN-2-secretvalue"]


def test_second_token_error_is_not_retried_again(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply({"errcode": 40001, "errmsg": "invalid credential"}), Reply({"errcode": 40001, "errmsg": "invalid credential"}))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(ARGS)
    assert info.value.errCode == 40001
    assert len(stub.calls(PATH)) == 2


def test_token_is_refetched_after_it_goes_stale(sdk, stub: StubWeChat) -> None:
    store = cloud.core.current().config.token_store
    cloud.openapi.logistics.getPath(ARGS)
    store.set("wxstub0000000001", Token("TOKEN-1-secretvalue", time.time() - 1))
    cloud.openapi.logistics.getPath(ARGS)
    assert stub.tokens_issued == 2


def test_token_endpoint_error_is_reported_with_its_code(stub: StubWeChat) -> None:
    stub.token_errors.append({"errcode": 40125, "errmsg": "invalid appsecret rid: 1"})
    cloud.init(transport="https", appid="wxbad", secret="wrong-secret", api_base=stub.base_url, token_store=MemoryTokenStore())
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(ARGS)
    assert info.value.errCode == 40125
    assert info.value.errMsg == "openapi.logistics.getPath:fail cannot get access_token: invalid appsecret rid: 1"
    assert stub.api_calls() == []


def test_reinit_reconfigures_and_each_appid_has_its_own_token(stub: StubWeChat) -> None:
    store = MemoryTokenStore()
    for appid in ("wxA", "wxB", "wxA"):
        cloud.init(transport="https", appid=appid, secret="s-" + appid, api_base=stub.base_url, token_store=store)
        cloud.openapi.logistics.getPath(ARGS)
    assert [c.json["appid"] for c in stub.calls("/cgi-bin/stable_token")] == ["wxA", "wxB"]
    assert [c.query["access_token"] for c in stub.api_calls()] == ["TOKEN-1-secretvalue", "TOKEN-2-secretvalue", "TOKEN-1-secretvalue"]


def test_file_store_shares_one_token_between_processes(tmp_path: Path) -> None:
    script = (
        "import cloudfn as cloud, sys\n"
        "cloud.init(transport='https', appid='wxfile', secret='file-secret', api_base=sys.argv[1], token_store=sys.argv[2])\n"
        "print(cloud.openapi.logistics.getPath(deliveryId='TEST', waybillId='W')['errCode'])\n"
    )
    with StubWeChat(token_delay=0.5) as stub:
        procs = [
            subprocess.Popen([sys.executable, "-c", script, stub.base_url, str(tmp_path / "tokens")], stdout=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
        assert outputs == ["0"] * 4
        assert stub.tokens_issued == 1
    files = list((tmp_path / "tokens").glob("token-*.json"))
    assert len(files) == 1 and (files[0].stat().st_mode & 0o777) == 0o600


def test_file_store_invalidate_only_forgets_the_rejected_token(tmp_path: Path) -> None:
    store = FileTokenStore(str(tmp_path))
    store.set("wx1", Token("new-token", time.time() + 100))
    store.invalidate("wx1", "old-token")
    assert store.get("wx1").value == "new-token"
    store.invalidate("wx1", "new-token")
    assert store.get("wx1") is None


def test_cloudbase_token_from_environment(stub: StubWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WX_CLOUDBASE_ACCESSTOKEN", "cb-token-from-env")
    monkeypatch.setenv("CLOUDFN_API_BASE", stub.base_url)
    cloud.init()
    assert cloud.openapi.logistics.getPath(ARGS) == OK
    assert stub.api_calls()[0].query == {"cloudbase_access_token": "cb-token-from-env"}
    assert stub.calls("/cgi-bin/stable_token") == []


def test_cloudbase_token_file_is_reread_when_it_changes(stub: StubWeChat, tmp_path: Path) -> None:
    token_file = tmp_path / "cloudbase_access_token"
    token_file.write_text("cb-one\n")
    cloud.init(transport="cloudbase", cloudbase_token_file=str(token_file), api_base=stub.base_url)
    cloud.openapi.logistics.getPath(ARGS)
    token_file.write_text("cb-two-longer\n")
    cloud.openapi.logistics.getPath(ARGS)
    assert [c.query["cloudbase_access_token"] for c in stub.api_calls()] == ["cb-one", "cb-two-longer"]


def test_cloudbase_token_error_rereads_a_rotated_file_and_retries(stub: StubWeChat, tmp_path: Path) -> None:
    token_file = tmp_path / "tok"
    token_file.write_text("cb-old")
    cloud.init(transport="cloudbase", cloudbase_token_file=str(token_file), api_base=stub.base_url)
    cloud.openapi.logistics.getPath(ARGS)
    stat = token_file.stat()
    token_file.write_text("cb-new")
    os.utime(token_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime and size: looks unchanged
    stub.reply(PATH, Reply({"errcode": 42001, "errmsg": "expired"}))
    assert cloud.openapi.logistics.getPath(ARGS) == OK
    assert [c.query["cloudbase_access_token"] for c in stub.api_calls()] == ["cb-old", "cb-old", "cb-new"]


def test_cloudbase_missing_file_says_how_to_configure(tmp_path: Path) -> None:
    cloud.init(transport="cloudbase", cloudbase_token_file=str(tmp_path / "absent"))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(ARGS)
    assert info.value.errCode == -501009
    assert "WX_CLOUDBASE_ACCESSTOKEN" in info.value.errMsg


def test_auto_prefers_cloudbase_then_https_then_explains(stub: StubWeChat, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLOUDFN_API_BASE", stub.base_url)
    monkeypatch.setenv("CLOUDFN_CLOUDBASE_TOKEN_FILE", str(tmp_path / "none"))
    cloud.init()
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(ARGS)
    assert info.value.errCode == -501009
    assert "WX_APPID and WX_APPSECRET" in info.value.errMsg and "WX_CLOUDBASE_ACCESSTOKEN" in info.value.errMsg

    monkeypatch.setenv("WX_APPID", "wxauto")
    monkeypatch.setenv("WX_APPSECRET", "auto-secret")
    cloud.init()
    cloud.openapi.logistics.getPath(ARGS)
    assert "access_token" in stub.api_calls()[-1].query

    monkeypatch.setenv("WX_CLOUDBASE_ACCESSTOKEN", "cb-auto")
    cloud.init()
    cloud.openapi.logistics.getPath(ARGS)
    assert stub.api_calls()[-1].query == {"cloudbase_access_token": "cb-auto"}

    monkeypatch.setenv("CLOUDFN_TRANSPORT", "https")
    cloud.init()
    cloud.openapi.logistics.getPath(ARGS)
    assert "access_token" in stub.api_calls()[-1].query


def test_dotenv_is_loaded_and_the_real_environment_wins(stub: StubWeChat, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("WX_APPID=wxdotenv\nWX_APPSECRET=dotenv-secret\nCLOUDFN_API_BASE=http://127.0.0.1:9\n")
    monkeypatch.setenv("CLOUDFN_API_BASE", stub.base_url)
    cloud.init(token_store=MemoryTokenStore())
    cloud.openapi.logistics.getPath(ARGS)
    assert stub.calls("/cgi-bin/stable_token")[0].json["appid"] == "wxdotenv"
    assert "WX_APPID" not in os.environ  # .env is read, not exported into the process


def test_unknown_init_option_and_transport_are_clear_errors() -> None:
    with pytest.raises(CloudSDKError, match="unknown option"):
        cloud.init(enviroment="typo")
    with pytest.raises(CloudSDKError, match="transport must be one of auto, https, cloudbase, cloudcall, got 'carrier-pigeon'"):
        cloud.init(transport="carrier-pigeon")


def test_dynamic_current_env_reads_tcb_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCB_ENV", "prod-1a2b")
    cloud.init(env=cloud.DYNAMIC_CURRENT_ENV)
    assert cloud.core.current().config.env == "prod-1a2b"
    cloud.init({"env": "explicit-env"})  # Node-style options dict
    assert cloud.core.current().config.env == "explicit-env"


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'{"errcode":42001,"errmsg":"access_token expired"}', True),
        (b'{"errmsg": "invalid credential", "errcode": 40001}', True),
        (b'{"errcode" : 40014}', True),
        (b'{"errcode":0,"errmsg":"ok","path_item_num":0}', False),
        (b'{"errcode":400010,"errmsg":"other"}', False),
        (b'{"errcode":9300529,"errmsg":"42001 in the text"}', False),
    ],
)
def test_token_error_detection_without_parsing(body: bytes, expected: bool) -> None:
    from cloudfn.transports.base import Response
    from cloudfn.transports.https import token_error

    assert token_error(Response(200, "application/json", body)) is expected
