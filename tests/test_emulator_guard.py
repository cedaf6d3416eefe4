"""Attacks on the emulator's bounds (issue 11 item 10): each fails on the emulator before 2.0."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
import tracemalloc
from typing import Any, Dict, Iterator, Tuple

import pytest
import requests

from cloudfn.emulator import Emulator, running
from cloudfn.emulator.testing import Raw

DELIVERY = "/cgi-bin/express/business/delivery/getall"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


def raw_request(emu: Emulator, data: bytes) -> Tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(data)
        buf = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
            if b"\r\n\r\n" in buf:
                head, _, rest = buf.partition(b"\r\n\r\n")
                lengths = [int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")]
                if lengths and len(rest) >= lengths[0]:
                    break
    return int(buf.split(b" ")[1]), buf


def test_foreign_host_is_refused_dns_rebinding(emu: Emulator) -> None:
    reply = requests.get(emu.base_url + "/_emulator/orders", headers={"Host": f"attacker.example:{emu.port}"}, timeout=10)
    assert reply.status_code == 403 and reply.json()["errcode"] == -1 and "orders" not in reply.json()
    for host in (f"127.0.0.1:{emu.port}", f"localhost:{emu.port}", "localhost"):
        assert requests.get(emu.base_url + "/_emulator/health", headers={"Host": host}, timeout=10).json() == {"ok": True}


def test_allow_host_accepts_a_named_proxy() -> None:
    with running(allow_hosts=["emulator.internal"]) as emu:
        assert requests.get(emu.base_url + "/_emulator/health", headers={"Host": "emulator.internal"}, timeout=10).status_code == 200


@pytest.mark.parametrize("path,body", [
    ("/_emulator/faults", b'{"api": "*", "errcode": -1, "count": 100}'),
    ("/admin", b'{"action": "wx.api", "apiName": "logistics.bindAccount", "requestData": "{}"}'),
])
def test_cross_origin_text_plain_post_is_refused(emu: Emulator, path: str, body: bytes) -> None:
    headers = {"Content-Type": "text/plain", "Origin": "http://evil.example"}
    reply = requests.post(emu.base_url + path, data=body, headers=headers, timeout=10)
    assert reply.status_code == 403 and reply.json()["errcode"] == -1
    assert requests.get(emu.base_url + "/_emulator/faults", timeout=10).json()["faults"] == []  # nothing injected
    no_origin = requests.post(emu.base_url + path, data=body, headers={"Content-Type": "text/plain"}, timeout=10)
    assert no_origin.status_code == 403  # text/plain on admin/gateway routes, whatever the origin


def test_browser_requests_from_another_site_are_refused_on_api_routes(emu: Emulator) -> None:
    token = Raw(emu.base_url).token(emu.appid, emu.secret)
    url = f"{emu.base_url}{DELIVERY}?access_token={token}"
    assert requests.get(url, headers={"Origin": "http://evil.example"}, timeout=10).status_code == 403
    assert requests.get(url, headers={"Sec-Fetch-Site": "cross-site"}, timeout=10).status_code == 403
    assert requests.get(url, headers={"Origin": "null"}, timeout=10).status_code == 403
    assert requests.get(url, headers={"Origin": f"http://127.0.0.1:{emu.port}", "Sec-Fetch-Site": "same-origin"}, timeout=10).json()["errcode"] == 0
    assert requests.get(url, timeout=10).json()["errcode"] == 0  # curl / the SDK: no Origin


def test_header_block_is_bounded(emu: Emulator) -> None:
    headers = "".join(f"X-Pad-{i}: {'a' * 60000}\r\n" for i in range(3))  # 180 KB of headers
    status, data = raw_request(emu, f"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
    assert status == 431 and b'"errcode":-1' in data
    many = "".join(f"X-{i}: 1\r\n" for i in range(150))
    status, _ = raw_request(emu, f"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n{many}\r\n".encode())
    assert status == 431


def test_connections_are_capped() -> None:
    with running(max_connections=4) as emu:
        held = [socket.create_connection(("127.0.0.1", emu.port), timeout=10) for _ in range(4)]
        try:
            for sock in held:  # each is served, then idles on keep-alive
                sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            status, data = raw_request(emu, b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert status == 503 and b"over 4 open connections" in data
            assert threading.active_count() < 20
        finally:
            for sock in held:
                sock.close()


@pytest.mark.parametrize("sent", [b"", b"POST /_emulator/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"],
                         ids=["idle keep-alive", "body that never comes"])
def test_a_silent_connection_is_closed_after_the_idle_timeout(sent: bytes) -> None:
    with running() as emu:
        emu.server.idle_timeout = 0.5  # type: ignore[union-attr]
        with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
            sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            sock.sendall(sent)
            started = time.monotonic()
            assert sock.recv(4096) == b""  # closed by the server, not by our 10 s timeout
            assert time.monotonic() - started < 5
            assert emu.server.connections == 0 or _eventually(lambda: emu.server.connections == 0)  # type: ignore[union-attr]


def _eventually(check: Any, seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_carrier_passwords_are_stored_only_as_hashes(tmp_path: Any) -> None:
    data = str(tmp_path / "emu.sqlite3")
    password = "carrier-pass-8d1e5a"
    with running(data=data) as emu:
        assert emu.backend.handle("bindAccount", {"type": "bind", "biz_id": "b1", "delivery_id": "ZTO", "password": password},
                                  emu.appid)["errcode"] == 0
        listed = emu.backend.handle("getAllAccount", {}, emu.appid)["list"]
        assert [a["biz_id"] for a in listed] == ["b1"] and password not in json.dumps(listed)
        assert password not in json.dumps(emu.export_state(with_tokens=True))
    with open(data, "rb") as f:
        assert password.encode() not in f.read()
    stored = sqlite3.connect(data).execute("SELECT password FROM accounts").fetchone()[0]
    assert stored.startswith("pbkdf2_sha256$")


def _allocated(fn: Any) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_token_table_is_bounded_and_not_rebuilt_per_issue() -> None:
    from cloudfn.emulator.clock import Clock
    from cloudfn.emulator.credentials import Credentials
    from cloudfn.emulator.store import Store

    store = Store()
    creds = Credentials({"wxa": "s"}, store, Clock(), max_tokens=500)
    for _ in range(3000):
        creds.token({"grant_type": "client_credential", "appid": "wxa", "secret": "s"})
    assert len(creds.tokens()) <= 500
    assert len(store.tokens()) == 1  # the app's current token, not one row per issue


def test_event_record_is_bounded() -> None:
    from cloudfn.emulator.push import Pusher

    pusher = Pusher("wxa", max_events=50)
    payload: Dict[str, Any] = {"Event": "add_express_path", "Actions": [{"ActionMsg": "x" * 1000}] * 8}
    for _ in range(2000):
        pusher._record("add_express_path", "push", None, payload)
    assert len(pusher.events()) == 50 and pusher.events()[-1]["id"] == 2000
