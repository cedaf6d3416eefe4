"""End to end: emulator -> signed push over HTTP -> receiver (cloudfn.events / the receiver functions).

Receivers are loopback HTTP servers started here; each request becomes the SCF API-gateway
event a deployed function would get and goes through ``main_handler``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List

import pytest

import cloudfn
from cloudfn.emulator import running
from cloudfn.emulator.push import Pusher, parse_provider_urls
from cloudfn.emulator.testing import order_body
from cloudfn.events import Router, crypto, from_xml
from cloudfn.tokens import MemoryTokenStore

TOKEN = "push-token-for-tests"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Receiver:
    """A loopback HTTP endpoint feeding each request, as an API-gateway event, to ``handler``."""

    def __init__(self, handler: Callable[[Dict[str, Any], Any], Any], fail_first: int = 0) -> None:
        self.handler = handler
        self.fail_first = fail_first
        self.requests: List[Dict[str, Any]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append({"query": query, "body": body, "headers": dict(self.headers)})
                if len(outer.requests) <= outer.fail_first:
                    self._send(500, "text/plain", b"temporarily down")
                    return
                event = {"httpMethod": "POST", "path": parts.path, "queryString": query, "headers": dict(self.headers),
                         "body": body.decode("utf-8"), "isBase64Encoded": False}  # fmt: skip
                out = outer.handler(event, None)
                self._send(out["statusCode"], out["headers"]["Content-Type"], out["body"].encode("utf-8"))

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/push"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    made: List[Receiver] = []

    def make(handler: Callable[[Dict[str, Any], Any], Any], fail_first: int = 0) -> Receiver:
        r = Receiver(handler, fail_first)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def load_function(name: str) -> Any:
    """A fresh import of functions/<name>/index.py (its Router reads the env on first use)."""
    path = os.path.join(ROOT, "functions", name, "index.py")
    spec = importlib.util.spec_from_file_location(f"_fn_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any], Any]]:
    """``sdk(emu)``: cloudfn pointed at ``emu`` (https transport, fresh token cache)."""

    def point(emu: Any) -> Any:
        monkeypatch.setenv("CLOUDFN_API_BASE", emu.base_url)
        monkeypatch.setenv("WX_APPID", emu.appid)
        monkeypatch.setenv("WX_APPSECRET", emu.secret)
        monkeypatch.delenv("CLOUDFN_OPENAPI_PERMISSIONS", raising=False)
        cloudfn.init(transport="https", token_store=MemoryTokenStore())
        return cloudfn.openapi.logistics

    yield point
    cloudfn.reset()


def capture_router(appid: str, token: str = TOKEN, aes_key: Any = None) -> "tuple[Router, List[Dict[str, Any]]]":
    router = Router(token=token, aes_key=aes_key, appid=appid)
    seen: List[Dict[str, Any]] = []
    router.on("onPathUpdate")(seen.append)
    return router, seen


def move(logistics: Any, order_id: str = "e2e-1", steps: Any = ((100001, "揽件成功"), (200001, "运输中"))) -> str:
    waybill = logistics.addOrder(order_body(order_id))["waybillId"]
    for i, (kind, msg) in enumerate(steps):
        logistics.testUpdateOrder({"bizId": "test_biz_id", "orderId": order_id, "deliveryId": "TEST", "waybillId": waybill,
                                   "actionTime": 1700000000 + i, "actionType": kind, "actionMsg": msg})  # fmt: skip
    return waybill


def events(emu: Any, **query: str) -> List[Dict[str, Any]]:
    url = emu.base_url + "/_emulator/events" + ("?" + urllib.parse.urlencode(query) if query else "")
    with urllib.request.urlopen(url, timeout=10) as resp:
        data = json.loads(resp.read())
    assert data["count"] == len(data["events"])
    return data["events"]


# ---------------------------------------------------------------- business path pushes


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_path_updates_reach_the_business_signed_in_plain_mode(receivers, sdk, fmt):
    emu_appid = "wx0000000000000000"
    router, seen = capture_router(emu_appid)
    recv = receivers(router.main_handler)
    with running(push_url=recv.url, push_token=TOKEN, push_format=fmt) as emu:
        waybill = move(sdk(emu))
        assert emu.pusher.drain(20)
        assert [e["Version"] for e in seen] == [1, 2]
        last = seen[-1]
        assert last["Event"] == "add_express_path" and last["MsgType"] == "event"
        assert (last["WayBillId"], last["OrderId"], last["DeliveryID"], last["Count"]) == (waybill, "e2e-1", "TEST", 2)
        assert last["Actions"] == [
            {"ActionTime": 1700000000, "ActionType": 100001, "ActionMsg": "揽件成功"},
            {"ActionTime": 1700000001, "ActionType": 200001, "ActionMsg": "运输中"},
        ]
        raw = recv.requests[-1]
        assert raw["query"]["signature"] == crypto.signature(TOKEN, raw["query"]["timestamp"], raw["query"]["nonce"])
        assert "encrypt_type" not in raw["query"]
        if fmt == "xml":
            assert raw["body"].startswith(b"<xml>") and raw["body"].count(b"<Actions>") == 2
            assert b"<WayBillId><![CDATA[" + waybill.encode() + b"]]></WayBillId>" in raw["body"]
        else:
            assert json.loads(raw["body"])["WayBillId"] == waybill
        recs = events(emu, event="add_express_path")
        assert [r["outcome"] for r in recs] == ["delivered", "delivered"]
        assert all(len(r["attempts"]) == 1 and r["attempts"][0]["status"] == 200 and r["reply"] == "success" for r in recs)
        assert recs[-1]["format"] == fmt and recs[-1]["encrypted"] is False


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_path_updates_in_safe_mode_are_encrypted_and_decrypted_by_the_receiver_function(receivers, sdk, monkeypatch, capfd, fmt):
    monkeypatch.setenv("WX_PUSH_TOKEN", TOKEN)
    monkeypatch.setenv("WX_PUSH_AES_KEY", AES_KEY)
    monkeypatch.setenv("WX_APPID", "wx0000000000000000")
    fn = load_function("path_receiver")
    recv = receivers(fn.main_handler)
    with running(push_url=recv.url, push_token=TOKEN, push_aes_key=AES_KEY, push_format=fmt) as emu:
        waybill = move(sdk(emu), steps=((100001, "揽件成功"),))
        assert emu.pusher.drain(20)
        raw = recv.requests[-1]
        q = raw["query"]
        assert q["encrypt_type"] == "aes"
        outer = from_xml(raw["body"]) if fmt == "xml" else json.loads(raw["body"])
        assert set(outer) == {"ToUserName", "Encrypt"} and waybill.encode() not in raw["body"]
        assert q["msg_signature"] == crypto.msg_signature(TOKEN, q["timestamp"], q["nonce"], outer["Encrypt"])
        recs = events(emu)
        assert recs[-1]["outcome"] == "delivered" and recs[-1]["encrypted"] is True and recs[-1]["reply"] == "success"
    logged = [json.loads(line) for line in capfd.readouterr().out.splitlines() if line.startswith("{")]
    assert {"path_update": waybill, "version": 1, "count": 1, "latest_action_type": 100001}.items() <= logged[-1].items()


def test_failed_deliveries_are_retried_three_times_and_recorded(receivers, sdk):
    router, seen = capture_router("wx0000000000000000")
    flaky = receivers(router.main_handler, fail_first=2)
    with running(push_url=flaky.url, push_token=TOKEN) as emu:
        emu.pusher.backoff = 0.01
        move(sdk(emu), steps=((100001, "揽件成功"),))
        assert emu.pusher.drain(20)
        (rec,) = events(emu)
        assert [a["status"] for a in rec["attempts"]] == [500, 500, 200]
        assert rec["outcome"] == "delivered" and len(seen) == 1
        nonces = {r["query"]["nonce"] for r in flaky.requests}
        assert len(nonces) == 3  # each attempt freshly signed


def test_a_receiver_with_another_token_rejects_every_attempt_and_the_push_fails(receivers, sdk):
    router, seen = capture_router("wx0000000000000000", token="the-business-token")
    recv = receivers(router.main_handler)
    with running(push_url=recv.url, push_token="a-forger-token") as emu:
        emu.pusher.backoff = 0.01
        move(sdk(emu), steps=((100001, "揽件成功"),))
        assert emu.pusher.drain(20)
        (rec,) = events(emu)
        assert rec["outcome"] == "failed" and len(rec["attempts"]) == 4  # first try + 3 retries
        assert all(a["status"] == 403 and "-40001" in a["body"] for a in rec["attempts"])
        assert seen == []
        assert events(emu, outcome="failed") == [rec] and events(emu, outcome="delivered") == []


def test_unreachable_push_url_is_recorded_failed_and_the_api_call_still_succeeds(sdk):
    with running(push_url="http://127.0.0.1:9/nothing", push_token=TOKEN) as emu:
        emu.pusher.backoff = 0.01
        logistics = sdk(emu)
        waybill = move(logistics, steps=((100001, "揽件成功"),))
        assert logistics.getPath({"orderId": "e2e-1", "deliveryId": "TEST", "waybillId": waybill})["pathItemNum"] == 1
        assert emu.pusher.drain(20)
        (rec,) = events(emu)
        assert rec["outcome"] == "failed" and all(a["error"] for a in rec["attempts"])


def test_reset_clears_the_event_record(receivers, sdk):
    router, _ = capture_router("wx0000000000000000")
    recv = receivers(router.main_handler)
    with running(push_url=recv.url, push_token=TOKEN) as emu:
        move(sdk(emu), steps=((100001, "揽件成功"),))
        assert emu.pusher.drain(20) and len(events(emu)) == 1
        req = urllib.request.Request(emu.base_url + "/_emulator/reset", data=b"{}", method="POST")
        urllib.request.urlopen(req, timeout=10).close()
        assert events(emu) == []


# ---------------------------------------------------------------- provider events


@pytest.mark.parametrize(("fmt", "aes"), [("json", False), ("json", True), ("xml", True)])
def test_provider_reply_sets_the_waybill_id_the_business_sees_in_get_order(receivers, sdk, monkeypatch, fmt, aes):
    monkeypatch.setenv("WX_PUSH_TOKEN", TOKEN)
    monkeypatch.setenv("WX_PUSH_AES_KEY", AES_KEY if aes else "")
    monkeypatch.setenv("WX_APPID", "wx0000000000000000")
    provider = load_function("provider_receiver")
    recv = receivers(provider.main_handler)
    with running(provider_url=recv.url, push_token=TOKEN, push_aes_key=AES_KEY if aes else None, push_format=fmt) as emu:
        logistics = sdk(emu)
        added = logistics.addOrder(order_body("prov-1"))
        expected = provider.waybill_id("test_biz_id", "prov-1")
        assert added["waybillId"] == expected
        assert {"key": "PV_bagAddr", "value": "深圳市"} in added["waybillData"]
        got = logistics.getOrder({"orderId": "prov-1", "deliveryId": "TEST", "waybillId": expected})
        assert got["waybillId"] == expected and got["orderStatus"] == 0
        (rec,) = events(emu, event="add_waybill")
        assert rec["direction"] == "provider" and rec["outcome"] == "answered" and rec["encrypted"] is aes
        assert rec["reply"]["WayBillID"] == expected and rec["reply"]["Token"] == rec["payload"]["Token"]
        assert rec["reply"]["ToUserName"] == rec["payload"]["FromUserName"]
        if aes:
            assert recv.requests[-1]["query"]["encrypt_type"] == "aes" and b"prov-1" not in recv.requests[-1]["body"]
        assert recv.requests[-1]["body"].startswith(b"<xml>" if fmt == "xml" else b"{")
        # the same order again: no new provider event, same waybill
        assert logistics.addOrder(order_body("prov-1"))["waybillId"] == expected
        cancelled = logistics.cancelOrder({"orderId": "prov-1", "deliveryId": "TEST", "waybillId": expected, "openid": "oBuyer0001"})
        assert cancelled["errCode"] == 0
        (cancel,) = events(emu, event="cancel_waybill")
        assert cancel["outcome"] == "answered" and cancel["reply"]["ResultCode"] == 0 and cancel["reply"]["WayBillID"] == expected


def test_provider_check_biz_and_get_quota_answers_are_applied(receivers, sdk, monkeypatch):
    monkeypatch.setenv("WX_PUSH_TOKEN", TOKEN)
    monkeypatch.setenv("WX_APPID", "wx0000000000000000")
    monkeypatch.setenv("PROVIDER_QUOTA", "321")
    provider = load_function("provider_receiver")
    recv = receivers(provider.main_handler)
    with running(provider_url=f"YTO={recv.url}", push_token=TOKEN, push_format="xml") as emu:
        logistics = sdk(emu)
        assert logistics.bindAccount({"type": "bind", "bizId": "shop-1", "deliveryId": "YTO", "password": "secret-pw"})["errCode"] == 0
        with pytest.raises(cloudfn.CloudSDKError) as info:
            logistics.bindAccount({"type": "bind", "bizId": "unknown-9", "deliveryId": "YTO", "password": "pw"})
        assert info.value.errCode == 9300531
        assert logistics.getQuota({"deliveryId": "YTO", "bizId": "shop-1"})["quotaNum"] == 321
        checks = events(emu, event="check_biz")
        assert [c["reply"]["ResultCode"] for c in checks] == [0, 10001]
        assert all(c["payload"]["BizPwd"] == "***" for c in checks)  # the record never shows the password
        assert b"<xml>" in recv.requests[0]["body"] and b"secret-pw" in recv.requests[0]["body"]
        (quota,) = events(emu, event="get_quota")
        assert quota["reply"]["Quota"] == 321


def test_provider_down_falls_back_to_the_emulator_and_is_recorded(sdk):
    with running(provider_url="http://127.0.0.1:9/down", push_token=TOKEN) as emu:
        emu.pusher.backoff = 0.01
        added = sdk(emu).addOrder(order_body("down-1"))
        assert added["waybillId"].startswith("TEST")
        (rec,) = events(emu, event="add_waybill")
        assert rec["outcome"] == "failed" and len(rec["attempts"]) == 4 and rec["reply"] is None


def test_provider_url_per_delivery_id():
    assert parse_provider_urls("http://a/x") == ("http://a/x", {})
    assert parse_provider_urls("SF=http://s/p?x=1,ZTO=https://z/p") == (None, {"SF": "http://s/p?x=1", "ZTO": "https://z/p"})
    assert parse_provider_urls("SF=http://s, *=http://all") == ("http://all", {"SF": "http://s"})
    with pytest.raises(ValueError):
        parse_provider_urls("SF=not-a-url")
    p = Pusher(appid="wx", provider_url="SF=http://s,TEST=http://t")
    assert p.provider_for({"DeliveryID": "TEST"}) == "http://t"
    assert p.provider_for({"DeliveryID": "ZTO"}) is None
    assert Pusher(appid="wx", provider_url="YTO=http://y").provider_for({"BizID": "b"}) == "http://y"


def test_bad_push_settings_fail_at_start():
    with pytest.raises(cloudfn.CloudSDKError):
        Pusher(appid="wx", push_url="http://x", token=TOKEN, aes_key="too-short")
    with pytest.raises(ValueError):
        Pusher(appid="wx", push_url="http://x", token=TOKEN, fmt="yaml")
