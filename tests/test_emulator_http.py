"""The emulator at the HTTP level: tokens, credentials, body handling, routing, admin API."""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from typing import Any, Iterator, Tuple

import pytest

from cloudfn import spec
from cloudfn.emulator import DEMO_APPID, DEMO_SECRET, Emulator, running
from cloudfn.emulator.server import MAX_BODY
from cloudfn.emulator.testing import Raw

PRINTER = "/cgi-bin/express/business/printer/update"
DELIVERY = "/cgi-bin/express/business/delivery/getall"


@pytest.fixture
def emu(cloudfn_emulator: Emulator) -> Emulator:
    return cloudfn_emulator


@pytest.fixture
def raw(emu: Emulator) -> Iterator[Raw]:
    client = Raw(emu.base_url)
    yield client
    client.close()


def send_raw(emu: Emulator, data: bytes) -> Tuple[int, Any, bytes]:
    """Write bytes on a fresh socket, read one response (status, JSON body, raw head)."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return int(head.split(b" ")[1]), json.loads(rest[:length]), head


# ---------------------------------------------------------------- tokens


def test_token_get_and_stable(raw: Raw, emu: Emulator) -> None:
    status, reply = raw.get(f"/cgi-bin/token?grant_type=client_credential&appid={emu.appid}&secret={emu.secret}")
    assert status == 200 and reply["expires_in"] == 7200 and reply["access_token"]
    first = raw.token(emu.appid, emu.secret)
    assert raw.token(emu.appid, emu.secret) == first  # stable_token: same token while valid
    _, forced = raw.post("/cgi-bin/stable_token", {"grant_type": "client_credential", "appid": emu.appid, "secret": emu.secret,
                                                   "force_refresh": True})
    assert forced["access_token"] != first


def test_token_errors(raw: Raw, emu: Emulator) -> None:
    _, wrong_secret = raw.get(f"/cgi-bin/token?grant_type=client_credential&appid={emu.appid}&secret=nope")
    assert wrong_secret["errcode"] == 40125 and " rid: " in wrong_secret["errmsg"]
    assert emu.secret not in json.dumps(wrong_secret)
    _, unknown_app = raw.post("/cgi-bin/stable_token", {"grant_type": "client_credential", "appid": "wxnobody", "secret": emu.secret})
    assert unknown_app["errcode"] == 40013
    _, grant = raw.get(f"/cgi-bin/token?grant_type=password&appid={emu.appid}&secret={emu.secret}")
    assert grant["errcode"] == 40002


def test_credential_errors_40001_42001(raw: Raw, emu: Emulator) -> None:
    assert raw.get(DELIVERY)[1]["errcode"] == 40001
    assert raw.get(DELIVERY + "?access_token=made-up")[1]["errcode"] == 40001
    token = raw.token(emu.appid, emu.secret)
    assert raw.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] == 0
    assert raw.post("/_emulator/tokens/expire", {})[0] == 200
    assert raw.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] == 42001
    fresh = raw.token(emu.appid, emu.secret)
    assert fresh != token and raw.get(f"{DELIVERY}?access_token={fresh}")[1]["errcode"] == 0


def test_token_ttl_expires() -> None:
    with running(token_ttl=1) as emu:
        client = Raw(emu.base_url)
        token = client.token(emu.appid, emu.secret)
        assert client.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] == 0
        time.sleep(1.2)
        assert client.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] == 42001
        client.close()


def test_cloudbase_access_token() -> None:
    with running(cloudbase_token="cb-token-1234", appid="wxcloudbase00001", secret="s3cret") as emu:
        client = Raw(emu.base_url)
        assert client.get(f"{DELIVERY}?cloudbase_access_token=cb-token-1234")[1]["errcode"] == 0
        assert client.get(f"{DELIVERY}?cloudbase_access_token=other")[1]["errcode"] == 40001
        assert client.token("wxcloudbase00001", "s3cret")
        client.close()
    with running() as plain:  # no --cloudbase-token: none accepted
        client = Raw(plain.base_url)
        assert client.get(f"{DELIVERY}?cloudbase_access_token=cb-token-1234")[1]["errcode"] == 40001
        client.close()


def test_demo_pair_and_options() -> None:
    emu = Emulator()
    assert (emu.appid, emu.secret) == (DEMO_APPID, DEMO_SECRET)
    assert emu.options["push_format"] == "json" and emu.options["data"] == ":memory:"
    assert DEMO_SECRET not in repr(emu)


# ---------------------------------------------------------------- bodies and routing


def test_chunked_request_body(raw: Raw, emu: Emulator) -> None:
    token = raw.token(emu.appid, emu.secret)
    body = json.dumps({"openid": "oChunk", "update_type": "bind", "tagid_list": "7,8"}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    request = (f"POST {PRINTER}?access_token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
               "Content-Type: application/json\r\n\r\n").encode() + chunks
    status, reply, _ = send_raw(emu, request)
    assert (status, reply["errcode"]) == (200, 0)
    assert emu.backend.handle("getPrinter", {}, emu.appid)["openid"] == ["oChunk"]


def test_keep_alive_serves_many_requests_on_one_connection(raw: Raw, emu: Emulator) -> None:
    token = raw.token(emu.appid, emu.secret)
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        f = sock.makefile("rb")
        for _ in range(3):
            sock.sendall(f"GET {DELIVERY}?access_token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            assert f.readline().startswith(b"HTTP/1.1 200")
            length = 0
            while True:
                line = f.readline()
                if line == b"\r\n":
                    break
                if line.lower().startswith(b"content-length"):
                    length = int(line.split(b":")[1])
            assert json.loads(f.read(length))["errcode"] == 0


def test_body_over_one_mib(raw: Raw, emu: Emulator) -> None:
    token = raw.token(emu.appid, emu.secret)
    big = b'{"openid": "' + b"x" * MAX_BODY + b'", "update_type": "bind"}'
    status, reply = raw.request("POST", f"{PRINTER}?access_token={token}", big, {"Content-Type": "application/json"})
    assert status == 413 and reply["errcode"] == 45002
    chunked = (f"POST {PRINTER}?access_token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunked += b"%x\r\n" % (MAX_BODY + 10) + b"x" * 100
    status, reply, head = send_raw(emu, chunked)
    assert status == 413 and reply["errcode"] == 45002 and b"Connection: close" in head
    assert raw.get("/_emulator/health")[1] == {"ok": True}


def test_non_json_and_wrong_shapes(raw: Raw, emu: Emulator) -> None:
    token = raw.token(emu.appid, emu.secret)
    url = f"{PRINTER}?access_token={token}"
    for body in (b"not json", b"\xff\xfe", b"[1, 2]", b'{"openid": NaN}', b"[" * 100000):
        status, reply = raw.request("POST", url, body, {"Content-Type": "application/json"})
        assert status == 200 and reply["errcode"] == 47001, (body[:10], reply)
    status, reply = raw.post(url, {"openid": 5, "update_type": "bind"})
    assert reply["errcode"] == 47001 and "openid must be a string, got integer" in reply["errmsg"]
    status, reply = raw.post(url, {"update_type": "bind"})
    assert reply["errcode"] == 47001 and reply["errmsg"].startswith("data format error hint: openid is required rid: ")
    status, reply = raw.post(url, {"openid": "o", "update_type": "bind", "tagid_list": ",".join(str(i) for i in range(11))})
    assert reply["errcode"] == 9300526


def test_unknown_path_and_wrong_method(raw: Raw, emu: Emulator) -> None:
    status, reply = raw.get("/cgi-bin/express/business/nothing")
    assert status == 404 and reply["errcode"] == 40066
    status, reply = raw.request("DELETE", DELIVERY)
    assert status == 405 and reply["errcode"] == 43002


def test_malformed_http_gets_json(emu: Emulator) -> None:
    status, reply, _ = send_raw(emu, b"GARBAGE\r\n\r\n")
    assert status == 400 and reply["errcode"] == -1
    status, reply, _ = send_raw(emu, b"POST /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n")
    assert status == 400 and reply["errcode"] == 47001


def test_every_model_path_is_routed(emu: Emulator) -> None:
    assert {path for _, path in emu.server.routes} >= set(spec.by_path())
    client = Raw(emu.base_url)
    for path in spec.by_path():
        assert client.post(path, {})[1]["errcode"] == 40001  # routed (credential checked), not 404
    client.close()


# ---------------------------------------------------------------- admin


def test_admin_reset_orders_faults(raw: Raw, emu: Emulator) -> None:
    from cloudfn.emulator.testing import order_wire

    emu.backend.handle("addOrder", order_wire("admin-1"), emu.appid)
    status, orders = raw.get("/_emulator/orders")
    assert status == 200 and orders["count"] == 1
    assert set(orders["orders"][0]) >= {"order_id", "waybill_id", "delivery_id", "biz_id", "status", "token", "path"}
    assert raw.post("/_emulator/faults", {"api": "nope", "errcode": 1})[1]["errcode"] == 47001
    assert raw.post("/_emulator/faults", {"api": "getPath"})[1]["errcode"] == 47001
    assert raw.post("/_emulator/faults", {"api": "getPath", "status": 200})[1]["errcode"] == 47001
    assert raw.post("/_emulator/faults", {"api": "getPath", "errcode": 1, "count": 0})[1]["errcode"] == 47001
    assert raw.post("/_emulator/faults", {"api": "getPath", "errcode": 1, "count": 3})[0] == 200
    assert len(raw.get("/_emulator/faults")[1]["faults"]) == 1
    assert raw.post("/_emulator/reset", {})[1] == {"ok": True}
    assert raw.get("/_emulator/orders")[1]["count"] == 0
    assert raw.get("/_emulator/faults")[1]["faults"] == []
    assert raw.request("DELETE", "/_emulator/faults")[1] == {"ok": True}


def test_fault_on_token_endpoint(raw: Raw, emu: Emulator) -> None:
    raw.post("/_emulator/faults", {"api": "stable_token", "status": 502})
    status, reply = raw.post("/cgi-bin/stable_token", {"grant_type": "client_credential", "appid": emu.appid, "secret": emu.secret})
    assert status == 502 and reply["errcode"] == -1
    assert raw.token(emu.appid, emu.secret)


def test_added_route_after_start(emu: Emulator, raw: Raw) -> None:
    seen = []

    def handler(req: Any) -> Tuple[int, dict, bytes]:
        seen.append((req.method, req.path, req.query, req.body))
        return 201, {"Content-Type": "application/json"}, b'{"hello": 1}'

    emu.server.add_route("POST", "/_emulator/test-extra", handler)
    assert raw.request("POST", "/_emulator/test-extra?a=1", b"xyz") == (201, {"hello": 1})
    assert seen == [("POST", "/_emulator/test-extra", {"a": "1"}, b"xyz")]


def test_handler_exception_is_minus_one_not_500(emu: Emulator, raw: Raw) -> None:
    def broken(req: Any) -> Any:
        raise RuntimeError("boom")

    emu.server.add_route("GET", "/_emulator/test-broken", broken)
    status, reply = raw.get("/_emulator/test-broken")
    assert status == 200 and reply["errcode"] == -1 and "boom" not in reply["errmsg"]


def test_update_path_action_type_enum(raw: Raw, emu: Emulator) -> None:
    from cloudfn.emulator.testing import order_wire

    added = emu.backend.handle("addOrder", order_wire("enum-1"), emu.appid)
    token = emu.backend.orders()[0]["token"]
    tok = raw.token(emu.appid, emu.secret)
    body = {"token": token, "waybill_id": added["waybill_id"], "action_time": 1, "action_type": 300001, "action_msg": "x"}
    status, reply = raw.post(f"/cgi-bin/express/delivery/path/update?access_token={tok}", body)
    assert status == 200 and reply["errcode"] == 47001 and "action_type must be one of" in reply["errmsg"]
    assert emu.backend.orders()[0]["path"] == []


def test_concurrent_clients_same_order_id(emu: Emulator) -> None:
    """Twenty connections race to add the same order and twenty others add distinct ones: one waybill each."""
    import threading

    from cloudfn.emulator.testing import order_wire

    token = Raw(emu.base_url).token(emu.appid, emu.secret)
    replies: list = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        client = Raw(emu.base_url)
        order_id = "race" if i % 2 == 0 else f"solo-{i}"
        for _ in range(3):
            status, reply = client.post(f"/cgi-bin/express/business/order/add?access_token={token}", order_wire(order_id))
            with lock:
                replies.append((order_id, status, reply))
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(status == 200 and reply["errcode"] == 0 for _, status, reply in replies)
    race = {reply["waybill_id"] for order_id, _, reply in replies if order_id == "race"}
    assert len(race) == 1
    orders = emu.backend.orders()
    assert len(orders) == 21 and len({o["waybill_id"] for o in orders}) == 21


def test_backend_handle_contract(emu: Emulator) -> None:
    backend = emu.backend
    reply = backend.handle("bindAccount", {"type": "bind", "biz_id": "h1", "delivery_id": "ZTO"}, emu.appid)
    assert list(reply)[:2] == ["errcode", "errmsg"] and reply["errcode"] == 9300531
    assert re.search(r" rid: [0-9a-f-]+$", reply["errmsg"])
    assert backend.handle("noSuchMethod", {}, emu.appid)["errcode"] == 40066
    assert backend.handle("getAllDelivery", None, emu.appid)["errcode"] == 0
    assert backend.handle("getPrinter", {}, "wxanotherapp00001") == {"errcode": 0, "errmsg": "ok", "count": 0, "openid": [], "tagid_list": []}


def test_sdk_cloudbase_transport_against_emulator() -> None:
    import cloudfn as cloud

    with running(cloudbase_token="cb-sdk-token") as emu:
        cloud.init(transport="cloudbase", cloudbase_token="cb-sdk-token", api_base=emu.base_url)
        assert cloud.openapi.logistics.getAllDelivery()["errCode"] == 0
        cloud.init(transport="cloudbase", cloudbase_token="not-the-token", api_base=emu.base_url)
        with pytest.raises(cloud.CloudSDKError) as info:
            cloud.openapi.logistics.getAllDelivery()
        assert info.value.errCode == 40001


def test_running_releases_the_port() -> None:
    with running() as emu:
        port = emu.port
        client = Raw(emu.base_url)
        assert client.get("/_emulator/health") == (200, {"ok": True})
        client.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_import_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, cloudfn.emulator, cloudfn.emulator.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m in ('sqlite3', 'http.server', 'cloudfn.emulator.models', 'cloudfn.emulator.server')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
    out = subprocess.run([sys.executable, "-c", "import sys, cloudfn; print('cloudfn.emulator' in sys.modules)"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_a_request_in_flight_when_the_emulator_stops_is_no_crash(caplog: pytest.LogCaptureFixture) -> None:
    import cloudfn as cloud

    caplog.set_level(logging.ERROR, logger="cloudfn.emulator")
    with running() as emu:
        emu.faults.add({"api": "getAllAccount", "delay_ms": 400})
        cloud.init(transport="https", appid=emu.appid, secret=emu.secret, api_base=emu.base_url, timeout=100)
        with pytest.raises(cloud.CloudSDKError) as info:
            cloud.openapi.logistics.getAllAccount()
        assert info.value.errCode == -604102
    time.sleep(0.6)  # the delayed handler now runs against the stopped emulator
    assert [r for r in caplog.records if r.name.startswith("cloudfn.emulator")] == []
