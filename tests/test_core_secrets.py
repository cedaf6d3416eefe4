"""Secrets never reach logs, reprs or error messages, even with the root logger at DEBUG."""

from __future__ import annotations

import io
import json
import logging
import socket
from pathlib import Path
from typing import Any, Iterator

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError, core
from cloudfn.redact import redact
from cloudfn.tokens import FileTokenStore, MemoryTokenStore, Token
from tests.stub_server import LoopbackHandler, LoopbackServer, Reply, StubWeChat

SECRET = "app-secret-0123456789abcdef"
PASSWORD = "carrier-password-42"
CB_TOKEN = "cloudbase-token-zyxwv"


@pytest.fixture
def debug_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_https_calls_leak_nothing_at_debug(debug_log: io.StringIO, stub: StubWeChat) -> None:
    cloud.init(transport="https", appid="wxsecret", secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    cloud.openapi.logistics.bindAccount(type="bind", bizId="1", deliveryId="YUNDA", password=PASSWORD)
    stub.reply("/cgi-bin/express/business/account/bind", Reply({"errcode": 42001, "errmsg": "expired"}), Reply(drop=True))
    errors = []
    for _ in range(2):
        try:
            cloud.openapi.logistics.bindAccount(type="bind", bizId="1", deliveryId="YUNDA", password=PASSWORD)
        except CloudSDKError as err:
            errors.append(err)
    text = debug_log.getvalue()
    assert "access_token=***" in text  # urllib3 did log the URL, masked
    everything = text + "".join(str(e) + repr(e) for e in errors) + repr(core.current()) + repr(core.current().transport("x"))
    for secret in (SECRET, PASSWORD, "TOKEN-1-secretvalue", "TOKEN-2-secretvalue"):
        assert secret not in everything
    assert errors and errors[0].errCode == -601003


def test_cloudbase_token_never_shows(debug_log: io.StringIO, stub: StubWeChat) -> None:
    cloud.init(transport="cloudbase", cloudbase_token=CB_TOKEN, api_base=stub.base_url)
    cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    text = debug_log.getvalue() + repr(core.current()) + repr(core.current().transport("x"))
    assert "cloudbase_access_token=***" in debug_log.getvalue()
    assert CB_TOKEN not in text


def test_reprs_mask_secrets(tmp_path: Path) -> None:
    cloud.init(transport="https", appid="wxr", secret=SECRET, cloudbase_token=CB_TOKEN, token_store=FileTokenStore(str(tmp_path)))
    config = core.current().config
    assert "secret='***'" in repr(config) and "cloudbase_token='***'" in repr(config)
    assert SECRET not in repr(config) and CB_TOKEN not in repr(config)
    assert "abc-token-value" not in repr(Token("abc-token-value", 1.0))


def test_network_error_messages_carry_no_token(stub: StubWeChat) -> None:
    cloud.init(transport="https", appid="wxn", secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    stub.reply("/cgi-bin/express/business/path/get", Reply(drop=True), Reply(drop=True))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert "TOKEN-1" not in str(info.value) and "access_token" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None  # nothing chained at all


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("GET /x?access_token=abc123&b=1", "GET /x?access_token=***&b=1"),
        ("/y?cloudbase_access_token=zz", "/y?cloudbase_access_token=***"),
        ('{"secret": "s3", "appid": "wx"}', '{"secret": "***", "appid": "wx"}'),
        ('{"password":"pw"}', '{"password":"***"}'),
    ],
)
def test_redact_masks_credential_parameters_and_fields(raw: str, clean: str) -> None:
    assert redact(raw) == clean


# --------------------------------------------------------------------------- errors echo no secret
# A server (or a proxy in front of it) that echoes the request puts every credential of the call
# into its reply; the reply's text becomes errMsg. Nothing cloudfn knows as secret may survive.

BIND = "/cgi-bin/express/business/account/bind"
ADD = "/cgi-bin/express/business/order/add"
BIZ_PWD = "biz-pwd-value-777"


def exception_texts(exc: BaseException) -> str:
    """str, repr and args of ``exc`` and of every exception chained to it (cause and context)."""
    out, seen, stack = [], set(), [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        out += [str(e), repr(e), repr(e.args), repr(getattr(e, "errMsg", ""))]
        stack += [e.__cause__, e.__context__]
    return "\n".join(out)


ECHOING_REPLIES = {
    "5xx page": Reply("upstream failed for ECHO", status=503, content_type="text/html", echo=True),
    "5xx json": Reply({"errcode": -1, "errmsg": "busy: ECHO"}, status=502, echo=True),
    "invalid json": Reply("not json: ECHO", content_type="application/json", echo=True),
    "errmsg echo": Reply({"errcode": 47001, "errmsg": "data format error: ECHO"}, echo=True),
    "4xx page": Reply("<html>denied ECHO</html>", status=403, content_type="text/html", echo=True),
    "200 page": Reply("<html>captive portal ECHO</html>", content_type="text/html", echo=True),
}


@pytest.mark.parametrize("reply", ECHOING_REPLIES.values(), ids=list(ECHOING_REPLIES))
def test_https_errors_from_an_echoing_server_carry_no_secret(stub: StubWeChat, reply: Reply) -> None:
    cloud.init(transport="https", appid="wxecho", secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    stub.reply(BIND, reply)
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.bindAccount(type="bind", bizId="biz-1", deliveryId="YUNDA", password=PASSWORD)
    text = exception_texts(info.value)
    assert "biz-1" in text  # the echo did arrive in the message (the test can fail)
    for secret in (SECRET, PASSWORD, "TOKEN-1-secretvalue"):
        assert secret not in text


def test_custom_secret_looking_fields_of_the_call_are_masked(sdk, stub: StubWeChat) -> None:
    from tests.test_core_methods import camel_body

    stub.reply(ADD, Reply({"errcode": 9300501, "errmsg": "carrier says: ECHO"}, echo=True))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.addOrder({**camel_body("addOrder"), "bizPwd": BIZ_PWD})
    assert info.value.errCode == 9300501
    assert BIZ_PWD not in exception_texts(info.value) and "carrier says: " in info.value.errMsg


def test_cloudbase_refused_connection_chain_has_no_token() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cloud.init(transport="cloudbase", cloudbase_token=CB_TOKEN, api_base=f"http://127.0.0.1:{port}")
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert info.value.errCode == -601003
    assert info.value.__context__ is None and info.value.__cause__ is None
    assert CB_TOKEN not in exception_texts(info.value)


def test_https_read_timeout_chain_has_no_token(stub: StubWeChat) -> None:
    cloud.init(transport="https", appid="wxto", secret=SECRET, api_base=stub.base_url, timeout=200, token_store=MemoryTokenStore())
    stub.reply("/cgi-bin/express/business/path/get", Reply(sleep=0.6))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert info.value.errCode == -604102
    assert info.value.__context__ is None
    assert "TOKEN-1-secretvalue" not in exception_texts(info.value)


def test_redact_takes_extra_secrets_for_the_token_endpoint() -> None:
    """What the token fetch calls on WeChat's errmsg: the secret it sent is masked, wherever it is."""
    text = "invalid appsecret, view more at ... hint: [x-secret-value-123] rid: 1"
    assert redact(text, extra_secrets=["x-secret-value-123"]) == "invalid appsecret, view more at ... hint: [***] rid: 1"


def test_call_secrets_are_found_by_model_mark_and_by_name() -> None:
    from cloudfn.redact import call_secrets

    wire = {"password": "pw-1234", "biz_id": "b-1", "extra": [{"api_key": "k-1234"}, {"note": "n-1234"}], "updatepath_token": "t-1234"}
    assert sorted(call_secrets(wire)) == ["k-1234", "pw-1234", "t-1234"]


# --------------------------------------------------------------------------- cloud call gateway echoes
API_TOKEN = "wx-api-token-DO-NOT-LEAK"
TC_ID = "AKIDsecretid0001"
TC_KEY = "tc-secret-key-DO-NOT-LEAK"
TC_SESSION = "tc-session-token-DO-NOT-LEAK"
TCB_SESSION = "tcb-session-token-DO-NOT-LEAK"


class EchoGateway(LoopbackServer):
    """A gateway that answers every call with a reply made by ``make(echo)``, echo = every request value."""

    def __init__(self, make: Any) -> None:
        class Handler(LoopbackHandler):
            def do_POST(self) -> None:
                from cloudfn.emulator.gateway import parse_multipart

                parts = parse_multipart(self.read_body(), self.headers["Content-Type"])
                values = [p.data.decode("utf-8", "replace") for p in parts.values()] + list(self.headers.values()) + [self.path]
                self.reply(*make(" ".join(values).replace('"', "'")))

        super().__init__(Handler, "/admin")


def _wechat_echo(echo: str) -> Any:
    from cloudfn.pb import CommOpenApiResp

    data = json.dumps({"errcode": 47001, "errmsg": "data format error " + echo}).encode()
    return 200, "application/octet-stream", CommOpenApiResp(data, "application/json", 0, 200).encode()


GATEWAY_ECHOES = {
    "gateway json message": lambda e: (200, "application/json; charset=utf-8", json.dumps({"code": "INVALID_PARAM", "message": e}).encode()),
    "gateway message, other type": lambda e: (200, "text/plain", json.dumps({"code": "SYS_ERR", "message": e}).encode()),
    "gateway json, no message": lambda e: (200, "text/plain", json.dumps({"code": "SYS_ERR", "detail": e}).encode()),
    "wechat errmsg via gateway": _wechat_echo,
}


@pytest.fixture
def echo_gateway() -> Iterator[Any]:
    made = []

    def make(reply: Any) -> EchoGateway:
        made.append(EchoGateway(reply))
        return made[-1]

    yield make
    for g in made:
        g.close()


@pytest.mark.parametrize("reply", GATEWAY_ECHOES.values(), ids=list(GATEWAY_ECHOES))
def test_cloudcall_errors_from_an_echoing_gateway_carry_no_secret(echo_gateway: Any, monkeypatch: pytest.MonkeyPatch, reply: Any) -> None:
    gw = echo_gateway(reply)
    for name, value in (("WX_API_TOKEN", API_TOKEN), ("TENCENTCLOUD_SECRETID", TC_ID), ("TENCENTCLOUD_SECRETKEY", TC_KEY),
                        ("TENCENTCLOUD_SESSIONTOKEN", TC_SESSION), ("TCB_SESSIONTOKEN", TCB_SESSION)):
        monkeypatch.setenv(name, value)
    cloud.init(transport="cloudcall", service_url=gw.url, env="e1")
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.bindAccount(type="bind", bizId="biz-1", deliveryId="YUNDA", password=PASSWORD)
    text = exception_texts(info.value)
    assert "biz-1" in text or "logistics.bindAccount" in text.split("fail", 1)[-1]  # the echo arrived
    for secret in (API_TOKEN, TC_ID, TC_KEY, TC_SESSION, TCB_SESSION, PASSWORD):
        assert secret not in text, secret
