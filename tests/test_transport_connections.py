"""Connections stay bounded whatever the thread churn; proxies are resolved once and still honoured."""

from __future__ import annotations

import threading
from typing import Iterator, List

import pytest
import requests

import cloudfn as cloud
from cloudfn import core
from cloudfn.transports.http import POOL_MAXSIZE
from tests.stub_server import LoopbackHandler, LoopbackServer, StubWeChat

PATH = "/cgi-bin/express/business/path/get"
ARGS = {"deliveryId": "TEST", "waybillId": "W1"}
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy")


def established_to(port: int) -> int:
    """Client-side TCP connections to 127.0.0.1:port that are open (ESTABLISHED), from /proc/net/tcp."""
    count = 0
    with open("/proc/net/tcp", encoding="ascii") as f:
        next(f)
        for line in f:
            fields = line.split()
            remote, state = fields[2], fields[3]
            if state == "01" and remote == f"0100007F:{port:04X}":
                count += 1
    return count


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


def test_a_thousand_short_lived_threads_leave_a_bounded_number_of_connections(no_proxy_env: None, sdk, stub: StubWeChat) -> None:
    port = int(stub.base_url.rsplit(":", 1)[1])
    errors: List[BaseException] = []

    def once() -> None:
        try:
            cloud.openapi.logistics.getPath(ARGS)
        except BaseException as exc:  # reported below
            errors.append(exc)

    for _ in range(20):  # 20 waves of 50 concurrent threads, each thread calls once and ends
        wave = [threading.Thread(target=once) for _ in range(50)]
        for t in wave:
            t.start()
        for t in wave:
            t.join()
    assert errors == []
    assert len(stub.calls(PATH)) == 1000
    assert established_to(port) <= POOL_MAXSIZE
    cloud.reset()  # close() releases them all
    assert established_to(port) == 0


class ForwardProxy(LoopbackServer):
    """A loopback HTTP forward proxy (absolute-URI requests) that records what it forwarded."""

    def __init__(self) -> None:
        self.seen: List[str] = []
        outer = self

        class Handler(LoopbackHandler):
            def _forward(self) -> None:
                body = self.read_body()
                outer.seen.append(self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection", "connection")}
                r = requests.request(self.command, self.path, data=body, headers=headers, timeout=10, proxies={"http": "", "https": ""})
                self.reply(r.status_code, r.headers.get("Content-Type", ""), r.content)

            do_GET = do_POST = _forward

        super().__init__(Handler)


@pytest.fixture
def proxy(no_proxy_env: None) -> Iterator[ForwardProxy]:
    p = ForwardProxy()
    yield p
    p.close()


def test_http_proxy_from_the_environment_is_used(proxy: ForwardProxy, sdk, stub: StubWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert cloud.openapi.logistics.getPath(ARGS)["errCode"] == 0
    assert any(seen.startswith(stub.base_url + PATH) for seen in proxy.seen)
    assert core.current().transport("x").proxies["http"] == proxy.url


def test_no_proxy_covering_the_host_goes_direct(proxy: ForwardProxy, sdk, stub: StubWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert cloud.openapi.logistics.getPath(ARGS)["errCode"] == 0
    assert proxy.seen == [] and len(stub.calls(PATH)) == 1
    assert core.current().transport("x").proxies == {}


def test_proxies_are_resolved_once_per_transport(proxy: ForwardProxy, sdk, stub: StubWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    cloud.openapi.logistics.getPath(ARGS)  # session made: no proxy in the environment
    monkeypatch.setenv("HTTP_PROXY", proxy.url)  # later changes are not looked up per call
    cloud.openapi.logistics.getPath(ARGS)
    assert proxy.seen == [] and len(stub.calls(PATH)) == 2
    cloud.init(transport="https", appid="wxp", secret="p-secret", api_base=stub.base_url)  # a new transport reads it again
    cloud.openapi.logistics.getPath(ARGS)
    assert len(proxy.seen) >= 1
