"""The ``cloudcall`` transport: same results and errors as https/cloudbase, gateway errors as Node shows them."""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests

import cloudfn as cloud
from cloudfn import CloudSDKError, diff
from cloudfn.config import resolve
from cloudfn.emulator import Emulator, running
from cloudfn.emulator.gateway import parse_multipart
from cloudfn.pb import CommApiData
from cloudfn.permission_hint import no_permission_message
from cloudfn.transports.cloudcall import CloudcallTransport, gateway_url
from tests.stub_server import LoopbackHandler, LoopbackServer

SECRET_ID = "AKIDcloudcalltest"
SECRET_KEY = "cloudcall-secret-key-DO-NOT-LEAK"
GET_PATH = {"deliveryId": "TEST", "waybillId": "W1"}


def corpus_outcomes(transport: str) -> List[Dict[str, Any]]:
    calls = diff.load_calls(json.loads(diff.corpus_path().read_text(encoding="utf-8")))
    return diff.run_target(diff.PythonTarget(transport), calls)


@pytest.fixture(scope="module")
def https_outcomes() -> List[Dict[str, Any]]:
    return corpus_outcomes("https")


@pytest.mark.parametrize("transport", ["cloudbase", "cloudcall"])
def test_corpus_gives_identical_results_and_errors_on_every_transport(https_outcomes: List[Dict[str, Any]], transport: str) -> None:
    """Every method and seed error code (the shipped corpus), each transport on a fresh emulator."""
    assert corpus_outcomes(transport) == https_outcomes
    codes = {o["error"]["errCode"] for o in https_outcomes if "error" in o}
    assert {-1, 9300517, 9300529, 9300530, 9300531, 9300532, 40199, 9300507} <= codes


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


def init_cloudcall(emulator: Emulator, monkeypatch: pytest.MonkeyPatch, token: str = "", **options: Any) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRETID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", SECRET_KEY)
    if token:
        monkeypatch.setenv("WX_API_TOKEN", token)
    cloud.init(transport="cloudcall", service_url=emulator.base_url + "/admin", env="e1", **options)


def mint(emulator: Emulator, permissions: List[str]) -> str:
    r = requests.post(emulator.base_url + "/_emulator/api-tokens", json={"function": "fn", "permissions": permissions}, timeout=10)
    return r.json()["token"]


def test_auto_picks_cloudcall_when_wx_api_token_is_present(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFN_SERVICE_URL", emu.base_url + "/admin")
    monkeypatch.setenv("WX_API_TOKEN", mint(emu, ["logistics.getAllDelivery"]))
    monkeypatch.setenv("TCB_ENV", "e1")
    assert cloud.openapi.logistics.getAllDelivery()["errMsg"] == "openapi.logistics.getAllDelivery:ok"
    assert type(cloud.core.current().transport("x")) is CloudcallTransport


def test_token_outside_its_permissions_raises_604101(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    init_cloudcall(emu, monkeypatch, token=mint(emu, ["logistics.getPath"]))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getAllAccount()
    assert (info.value.errCode, info.value.errMsg) == (-604101, no_permission_message("logistics.getAllAccount"))
    denied = no_permission_message("logistics.getAllAccount")
    assert str(info.value) == "errCode: -604101 function has no permission to call this API | errMsg: " + denied


def test_strict_emulator_rejects_an_anonymous_cloud_call(monkeypatch: pytest.MonkeyPatch) -> None:
    with running(strict=True) as emu:
        init_cloudcall(emu, monkeypatch)
        with pytest.raises(CloudSDKError) as info:
            cloud.openapi.logistics.getAllDelivery()
        assert info.value.errCode == -604104


def test_signature_verifies_at_a_gateway_that_knows_the_secret_key(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.gateway.verify_key = SECRET_KEY
    init_cloudcall(emu, monkeypatch)
    assert cloud.openapi.logistics.getAllDelivery()["errCode"] == 0
    emu.gateway.verify_key = "another-key"
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getAllDelivery()
    assert info.value.errCode == -501001
    assert info.value.errMsg.startswith("openapi.logistics.getAllDelivery:fail -501001 resource system error. signature mismatch")


class Gateway(LoopbackServer):
    """A scripted stand-in gateway that records requests."""

    def __init__(self, replies: List[Tuple[int, str, bytes]]) -> None:
        self.replies = replies
        self.seen: List[Dict[str, Any]] = []
        outer = self

        class Handler(LoopbackHandler):
            def do_POST(self) -> None:
                body = self.read_body()
                outer.seen.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.reply(*outer.replies.pop(0))

        super().__init__(Handler, "/admin")


@pytest.fixture
def scripted() -> Iterator[Any]:
    made: List[Gateway] = []

    def make(*replies: Tuple[int, str, bytes]) -> Gateway:
        made.append(Gateway(list(replies)))
        return made[-1]

    yield make
    for g in made:
        g.close()


def _json(doc: Dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize("code, errcode, text", [
    ("INVALID_PARAM", -501007, "invalid parameters"),
    ("EXCEED_REQUEST_LIMIT", -501003, "exceed request limit"),
    ("NO_SUCH_CODE", -501001, "resource system error"),
    ("INVALID_ENV", -501001, "resource system error"),
    ("INVALIID_ENV", -501005, "invalid env"),
])
def test_gateway_json_failures_become_node_shaped_errors(scripted: Any, monkeypatch: pytest.MonkeyPatch, code: str, errcode: int, text: str) -> None:
    gw = scripted((200, "application/json; charset=utf-8", _json({"code": code, "message": "gateway says no", "requestId": "r"})))
    cloud.init(transport="cloudcall", service_url=gw.url, env="e1")
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(GET_PATH)
    assert (info.value.errCode, info.value.errMsg) == (errcode, f"openapi.logistics.getPath:fail {errcode} {text}. gateway says no")


def test_non_200_gateway_status_is_resource_system_error_naming_the_url(scripted: Any) -> None:
    gw = scripted((502, "text/plain", b"bad gateway"))
    cloud.init(transport="cloudcall", service_url=gw.url, env="e1")
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(GET_PATH)
    query = gw.seen[0]["path"].split("?", 1)[1]
    assert info.value.errCode == -501001
    assert info.value.errMsg == f"openapi.logistics.getPath:fail -501001 resource system error. 502 Bad Gateway | [{gw.url}?{query}]"


def test_request_is_node_shaped_multipart_signed_with_tc3(scripted: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudfn import tc3
    from cloudfn.pb import CommOpenApiResp

    gw = scripted((200, "application/octet-stream", CommOpenApiResp(b'{"errcode":0,"errmsg":"ok"}', "application/json", 0, 200).encode()))
    monkeypatch.setenv("TENCENTCLOUD_SECRETID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", SECRET_KEY)
    monkeypatch.setenv("TCB_SESSIONTOKEN", "tcb-session")
    cloud.init(transport="cloudcall", service_url=gw.url, env="e1", api_token="api-token-1")
    args = {"type": "bind", "bizId": "123456", "deliveryId": "YUNDA", "password": "pw", "remarkContent": None}
    assert cloud.openapi.logistics.bindAccount(args) == {"errMsg": "openapi.logistics.bindAccount:ok", "errCode": 0}
    (seen,) = gw.seen
    assert seen["path"].startswith("/admin?env=e1&seqId=")
    headers = seen["headers"]
    parts = parse_multipart(seen["body"], headers["content-type"])
    assert [p for p in parts] == ["action", "apiName", "requestData", "envName", "wxCloudApiToken", "tcb_sessionToken", "crossAuthorizationToken"]
    assert parts["action"].text() == "wx.openApi" and parts["apiName"].text() == "logistics.bindAccount"
    assert parts["wxCloudApiToken"].text() == "api-token-1" and parts["tcb_sessionToken"].text() == "tcb-session"
    pairs = CommApiData.decode(parts["requestData"].data).pairs
    # the order wx-server-sdk sends them in (its case conversion emits unchanged keys first)
    assert [(p.key, p.value) for p in pairs] == [("type", b'"bind"'), ("password", b'"pw"'), ("biz_id", b'"123456"'), ("delivery_id", b'"YUNDA"')]
    fields = {n: (p.data if p.content_type == "application/octet-stream" else p.text()) for n, p in parts.items()}
    auth = tc3.parse_authorization(headers["authorization"])
    assert auth is not None and auth.signed_params == ["action", "apiname", "envname", "requestdata", "tcb_sessiontoken", "wxcloudapitoken"]
    assert tc3.verify(SECRET_KEY, "post", "http://" + headers["host"] + seen["path"], headers, fields, headers["authorization"],
                      int(headers["x-timestamp"]))


def test_secrets_never_show_in_reprs_or_logs(emu: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    init_cloudcall(emu, monkeypatch, token="api-token-SECRETVALUE")
    cloud.openapi.logistics.getAllDelivery()
    transport = cloud.core.current().transport("x")
    text = repr(transport) + repr(cloud.core.current()) + caplog.text
    for secret in (SECRET_KEY, "api-token-SECRETVALUE"):
        assert secret not in text


def test_missing_credentials_for_the_real_gateway_fail_before_any_network_call() -> None:
    config = resolve({"transport": "cloudcall", "env": "prod-1a2b", "api_token": "t"}, environ={"TENCENTCLOUD_REGION": "ap-shanghai"})
    client = cloud.core.Client(config)
    with pytest.raises(CloudSDKError) as info:
        client.call("logistics.getPath", GET_PATH)
    assert info.value.errCode == -501007
    assert info.value.errMsg == ("openapi.logistics.getPath:fail -501007 invalid parameters. "
                                 "missing secretId or secretKey of tencent cloud, please set secretId and secretKey in config")


@pytest.mark.parametrize("env, environ, region, url", [
    ({}, {}, None, "https://prod-1.tcb-api.tencentcloudapi.com/admin"),
    ({}, {"TENCENTCLOUD_REGION": "ap-shanghai"}, None, "https://prod-1.ap-shanghai.tcb-api.tencentcloudapi.com/admin"),
    ({}, {"TENCENTCLOUD_REGION": "ap-shanghai", "TENCENTCLOUD_RUNENV": "SCF"}, None,
     "http://prod-1.internal.ap-shanghai.tcb-api.tencentcloudapi.com/admin"),
    ({}, {"TENCENTCLOUD_REGION": "ap-shanghai", "TENCENTCLOUD_RUNENV": "SCF"}, "ap-guangzhou",
     "http://prod-1.ap-guangzhou.tcb-api.tencentcloudapi.com/admin"),
    ({"env": "Not_Valid.Env"}, {}, None, "https://tcb-api.tencentcloudapi.com/admin"),
    ({"service_url": "http://127.0.0.1:9/admin"}, {"TENCENTCLOUD_RUNENV": "SCF"}, None, "http://127.0.0.1:9/admin"),
])
def test_gateway_url_is_built_like_the_node_sdk(env: Dict[str, str], environ: Dict[str, str], region: Any, url: str) -> None:
    options: Dict[str, Any] = {"env": "prod-1", **env}
    if region:
        options["region"] = region
    assert gateway_url(resolve(options, environ=environ)) == url


def test_connection_refused_is_a_network_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cloud.init(transport="cloudcall", service_url=f"http://127.0.0.1:{port}/admin", env="e1")
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(GET_PATH)
    assert info.value.errCode == -601003
    assert info.value.errMsg.startswith("openapi.logistics.getPath:fail network error talking to 127.0.0.1:")


def test_slow_gateway_times_out_as_604102(emu: Emulator) -> None:
    requests.post(emu.base_url + "/_emulator/faults", json={"api": "getPath", "delay_ms": 800}, timeout=10).raise_for_status()
    cloud.init(transport="cloudcall", service_url=emu.base_url + "/admin", env="e1", timeout=200)
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(GET_PATH)
    assert info.value.errCode == -604102
    assert info.value.errMsg.startswith("openapi.logistics.getPath:fail request timed out after 0.2s waiting for 127.0.0.1:")
    time.sleep(0.8)  # let the delayed request finish before the emulator closes its data file (not a timing assertion)


def test_appid_option_travels_in_commapidata(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    init_cloudcall(emu, monkeypatch)
    other = cloud.openapi(appid="wxother0000000001")
    assert other.logistics.bindAccount(type="bind", bizId="o1", deliveryId="YUNDA", password="pw")["errCode"] == 0
    assert cloud.openapi.logistics.getAllAccount()["count"] == 0
    assert [a["bizId"] for a in other.logistics.getAllAccount()["list"]] == ["o1"]


def test_timer_trigger_uses_the_trigger_token(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_SRC", "timer")
    monkeypatch.setenv("WX_TRIGGER_API_TOKEN_V0", mint(emu, ["logistics.getAllDelivery"]))
    init_cloudcall(emu, monkeypatch, token=mint(emu, []))  # WX_API_TOKEN allows nothing
    assert cloud.openapi.logistics.getAllDelivery()["errCode"] == 0
