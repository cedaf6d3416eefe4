"""cloudfn.aio's faults and tokens against loopback servers: same codes, texts and retry rules as the sync API."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from typing import Any, Callable, Iterator, List, Tuple

import pytest
import requests

import cloudfn
import cloudfn.aio as cloud
from cloudfn.emulator import running
from cloudfn.tokens import MemoryTokenStore
from tests.conftest import APPID, SECRET
from tests.stub_server import Reply, StubWeChat
from tests.test_core_methods import camel_body

PATH = "/cgi-bin/express/business/path/get"
ADD = "/cgi-bin/express/business/order/add"
ARGS = {"deliveryId": "TEST", "waybillId": "W1"}
OK = {"errMsg": "openapi.logistics.getPath:ok", "errCode": 0}


def wide(stub: StubWeChat) -> StubWeChat:
    """The stub with a listen backlog for 100 simultaneous connects (socketserver's default is 5)."""
    stub.server.socket.listen(256)
    return stub


def https(base_url: str, **extra: Any) -> cloud.Cloud:
    return cloud.Cloud(transport="https", appid=APPID, secret=SECRET, api_base=base_url, token_store=MemoryTokenStore(), **extra)


async def _call(instance: cloud.Cloud, method: str, args: Any) -> Any:
    async with instance:
        return await getattr(instance.openapi.logistics, method)(args)


def outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except cloudfn.CloudSDKError as err:
        return err.to_dict()


# --------------------------------------------------------------------------- tokens


def test_100_coroutines_on_a_cold_cache_make_one_token_request() -> None:
    with StubWeChat(token_delay=0.3) as stub:
        wide(stub)
        instance = https(stub.base_url)

        async def main() -> List[Any]:
            async with instance:
                return await asyncio.gather(*[instance.openapi.logistics.getPath(ARGS) for _ in range(100)])

        assert asyncio.run(main()) == [OK] * 100
        assert stub.tokens_issued == 1 and len(stub.calls("/cgi-bin/stable_token")) == 1
        assert {c.query["access_token"] for c in stub.api_calls()} == {"TOKEN-1-secretvalue"}


def test_single_flight_holds_across_event_loops_in_threads() -> None:
    with StubWeChat(token_delay=0.3) as stub:
        wide(stub)
        instance = https(stub.base_url)
        barrier, results = threading.Barrier(4), []

        def worker() -> None:
            async def main() -> List[Any]:
                barrier.wait()
                async with instance:
                    return await asyncio.gather(*[instance.openapi.logistics.getPath(ARGS) for _ in range(10)])

            results.extend(asyncio.run(main()))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [OK] * 40
        assert stub.tokens_issued == 1


def test_a_failing_token_endpoint_fails_every_waiter_together_each_in_its_own_name() -> None:
    with StubWeChat(token_delay=0.2) as stub:
        wide(stub)
        stub.token_errors.append({"errcode": 40125, "errmsg": "invalid appsecret rid: 1"})
        instance = https(stub.base_url)

        async def main() -> List[Any]:
            async with instance:
                logistics = instance.openapi.logistics
                calls = [logistics.getPath(ARGS) for _ in range(20)] + [logistics.getAllDelivery()]
                return await asyncio.gather(*calls, return_exceptions=True)

        started = time.monotonic()
        errors = asyncio.run(main())
        assert time.monotonic() - started < 2
        assert all(isinstance(e, cloud.CloudSDKError) and e.errCode == 40125 for e in errors), errors
        assert {e.errMsg for e in errors[:20]} == {"openapi.logistics.getPath:fail cannot get access_token: invalid appsecret rid: 1"}
        assert errors[20].errMsg == "openapi.logistics.getAllDelivery:fail cannot get access_token: invalid appsecret rid: 1"
        assert len({id(e) for e in errors}) == 21  # one error object per waiter
        assert len(stub.calls("/cgi-bin/stable_token")) == 1
        assert stub.api_calls() == []


def test_a_hanging_token_endpoint_fails_every_waiter_within_about_the_timeout() -> None:
    with StubWeChat(token_delay=3.0) as stub:
        wide(stub)
        instance = https(stub.base_url, timeout=300)

        async def main() -> List[Any]:
            async with instance:
                return await asyncio.gather(*[instance.openapi.logistics.getPath(ARGS) for _ in range(30)], return_exceptions=True)

        started = time.monotonic()
        errors = asyncio.run(main())
        elapsed = time.monotonic() - started
        assert elapsed < 1.5, elapsed  # together, not 30 x 0.3 s one after another
        assert {(e.errCode, e.errMsg) for e in errors} == {
            (-604102, f"openapi.logistics.getPath:fail request timed out after 0.3s waiting for {stub.base_url[7:]}")
        }
        assert len(stub.calls("/cgi-bin/stable_token")) == 1


@pytest.mark.parametrize("method, path, args", [("getPath", PATH, ARGS), ("cancelOrder", "/cgi-bin/express/business/order/cancel",
                                                                           {"orderId": "o", "deliveryId": "TEST", "waybillId": "w"})])
def test_token_error_refreshes_once_and_resends_once(stub: StubWeChat, method: str, path: str, args: Any) -> None:
    stub.reply(path, Reply({"errcode": 40001, "errmsg": "invalid credential"}))
    assert asyncio.run(_call(https(stub.base_url), method, args))["errCode"] == 0
    assert [c.query["access_token"] for c in stub.calls(path)] == ["TOKEN-1-secretvalue", "TOKEN-2-secretvalue"]


def test_many_coroutines_rejected_with_one_token_refresh_it_once() -> None:
    with running() as emu:
        instance = cloud.Cloud(transport="https", appid=emu.appid, secret=emu.secret, api_base=emu.base_url, token_store=MemoryTokenStore())

        async def main() -> List[Any]:
            async with instance:
                await instance.openapi.logistics.getAllDelivery()  # warm: one token
                requests.post(emu.base_url + "/_emulator/tokens/expire", timeout=10).raise_for_status()
                return await asyncio.gather(*[instance.openapi.logistics.getAllDelivery() for _ in range(20)])

        assert [r["errCode"] for r in asyncio.run(main())] == [0] * 20
        assert emu.calls["stable_token"] == 2
        assert emu.calls["getAllDelivery"] == 41  # 1 warm + 20 rejected + 20 resent


def test_second_token_error_is_not_retried_again(stub: StubWeChat) -> None:
    stub.reply(PATH, Reply({"errcode": 40001, "errmsg": "invalid credential"}), Reply({"errcode": 40001, "errmsg": "invalid credential"}))
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(_call(https(stub.base_url), "getPath", ARGS))
    assert info.value.errCode == 40001 and len(stub.calls(PATH)) == 2


# --------------------------------------------------------------------------- the HTTP exchange


def test_dropped_connection_on_a_read_is_retried_once(stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(drop=True))
    assert asyncio.run(_call(https(stub.base_url), "getPath", ARGS)) == OK
    assert len(stub.calls(PATH)) == 2


def test_dropped_connection_twice_on_a_read_fails_after_two_attempts(stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(drop=True), Reply(drop=True))
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(_call(https(stub.base_url), "getPath", ARGS))
    assert info.value.errCode == -601003
    assert info.value.errMsg == f"openapi.logistics.getPath:fail network error talking to {stub.base_url[7:]}: ConnectionError (RemoteDisconnected)"
    assert len(stub.calls(PATH)) == 2


@pytest.mark.parametrize("method, path", [("addOrder", ADD), ("cancelOrder", "/cgi-bin/express/business/order/cancel"),
                                          ("updatePath", "/cgi-bin/express/delivery/path/update")])
def test_a_write_is_never_sent_twice_when_the_connection_drops(stub: StubWeChat, method: str, path: str) -> None:
    stub.reply(path, Reply(drop=True))
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(_call(https(stub.base_url), method, camel_body(method)))
    assert info.value.errCode == -601003
    assert len(stub.calls(path)) == 1


def read_request(conn: socket.socket) -> bytes:
    """Read one whole HTTP request (head and Content-Length body); its request line."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next((line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), b"0"))
    while len(body) < length:
        body += conn.recv(65536)
    return head.split(b"\r\n")[0]


class ResettingServer:
    """Reads each request whole, counts it, then resets the connection (RST) without answering."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests: List[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.requests.append(read_request(conn))
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def resetting() -> Iterator[ResettingServer]:
    server = ResettingServer()
    yield server
    server.close()


def test_a_write_is_never_sent_twice_when_the_connection_is_reset_after_sending(resetting: ResettingServer) -> None:
    instance = cloud.Cloud(transport="cloudbase", cloudbase_token="cb", api_base=resetting.base_url)
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(_call(instance, "addOrder", camel_body("addOrder")))
    assert info.value.errCode == -601003
    assert info.value.errMsg.startswith(f"openapi.logistics.addOrder:fail network error talking to {resetting.base_url[7:]}: ConnectionError (")
    assert len(resetting.requests) == 1 and resetting.requests[0].startswith(b"POST /cgi-bin/express/business/order/add?")


def test_a_read_is_sent_twice_when_the_connection_is_reset(resetting: ResettingServer) -> None:
    instance = cloud.Cloud(transport="cloudbase", cloudbase_token="cb", api_base=resetting.base_url)
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(_call(instance, "getPath", ARGS))
    assert info.value.errCode == -601003 and len(resetting.requests) == 2


def test_cloudcall_write_is_never_sent_twice_either(resetting: ResettingServer) -> None:
    instance = cloud.Cloud(transport="cloudcall", service_url=resetting.base_url + "/admin", env="e1")
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(_call(instance, "addOrder", camel_body("addOrder")))
    assert info.value.errCode == -601003 and len(resetting.requests) == 1
    assert resetting.requests[0].startswith(b"POST /admin?env=e1&seqId=")


def test_read_timeout_is_call_timeout_and_is_not_retried(stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(sleep=1.0))
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(_call(https(stub.base_url, timeout=200), "getPath", ARGS))
    assert info.value.errCode == -604102
    assert info.value.errMsg == f"openapi.logistics.getPath:fail request timed out after 0.2s waiting for {stub.base_url[7:]}"
    assert len(stub.calls(PATH)) == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _raw_server(behaviour: Callable[[socket.socket], None]) -> Tuple[socket.socket, str]:
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            read_request(conn)  # all of it: closing with unread data would reset instead
            behaviour(conn)

    threading.Thread(target=serve, daemon=True).start()
    return server, f"http://127.0.0.1:{server.getsockname()[1]}"


def _short_body(conn: socket.socket) -> None:
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"errcode"')
    conn.close()


def _not_http(conn: socket.socket) -> None:
    conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    conn.close()


@pytest.mark.parametrize("behaviour", [None, _short_body, _not_http, socket.socket.close], ids=["refused", "short-body", "not-http", "closed"])
@pytest.mark.parametrize("method", ["getPath", "addOrder"])
def test_fault_codes_and_messages_equal_the_sync_transports(behaviour: Any, method: str) -> None:
    server = None
    if behaviour is None:
        base = f"http://127.0.0.1:{_closed_port()}"
    else:
        server, base = _raw_server(behaviour)
    try:
        options = {"transport": "cloudbase", "cloudbase_token": "cb", "api_base": base}
        args = camel_body(method) if method == "addOrder" else ARGS
        sync_outcome = outcome(lambda: getattr(cloudfn.Cloud(options).openapi.logistics, method)(args))
        async_outcome = outcome(lambda: asyncio.run(_call(cloud.Cloud(options), method, args)))
    finally:
        if server is not None:
            server.close()
    assert async_outcome == sync_outcome
    assert async_outcome["errCode"] == -601003


def test_secrets_stay_out_of_errors_and_reprs(stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(drop=True), Reply(drop=True))
    instance = https(stub.base_url)
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(_call(instance, "getPath", ARGS))
    text = f"{info.value} {info.value!r} {info.value.__cause__!r} {info.value.__context__!r} {instance!r} {instance.client()!r}"
    assert SECRET not in text and "TOKEN-1-secretvalue" not in text
    assert info.value.__cause__ is None and info.value.__context__ is None  # nothing chained at all


def test_a_fresh_cached_token_is_read_on_the_loop_without_a_worker_thread(stub: StubWeChat) -> None:
    """Warm calls skip the thread hop: they still work once the loop's default executor is gone."""

    async def main() -> Any:
        async with https(stub.base_url) as instance:
            await instance.openapi.logistics.getPath(ARGS)  # cold: the token is fetched in a worker thread
            await asyncio.get_running_loop().shutdown_default_executor()
            return await instance.openapi.logistics.getPath(ARGS)

    assert asyncio.run(main()) == OK
    assert len(stub.calls("/cgi-bin/stable_token")) == 1
