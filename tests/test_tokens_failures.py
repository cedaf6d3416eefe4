"""A failing or hanging token endpoint: one request, every waiter fails at once, the failure is remembered; waits are bounded."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import List, Tuple

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.tokens import FileTokenStore, MemoryTokenStore, TokenStore
from tests.tokens_support import HangingServer, PlatformStub

ARGS = {"deliveryId": "TEST", "waybillId": "W1"}
APPID, SECRET = "wxfail0000000001", "fail-secret-DO-NOT-LEAK"


def _storm(n: int) -> List[Tuple[float, object]]:
    """n threads call getPath together; (seconds taken, result or error) each."""
    out: List[Tuple[float, object]] = []
    barrier = threading.Barrier(n)

    def worker() -> None:
        barrier.wait()
        started = time.monotonic()
        try:
            result: object = cloud.openapi.logistics.getPath(ARGS)
        except CloudSDKError as exc:
            result = exc
        out.append((time.monotonic() - started, result))

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


@pytest.mark.parametrize("make_store", [MemoryTokenStore, lambda: FileTokenStore(str(Path(__import__("tempfile").mkdtemp()) / "t"))])
def test_hanging_endpoint_32_threads_one_request_all_fail_within_the_timeout(make_store) -> None:
    store: TokenStore = make_store()
    with HangingServer() as server:
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=server.base_url, timeout=1000, token_store=store)
        results = _storm(32)
        assert len(results) == 32
        assert all(isinstance(r, CloudSDKError) and r.errCode == -604102 for _, r in results)
        assert server.token_requests == 1
        assert max(took for took, _ in results) < 2.0  # the fetch's 1 s timeout, shared, not 32 in turn

        # remembered: the next caller fails at once without a request
        started = time.monotonic()
        with pytest.raises(CloudSDKError) as info:
            cloud.openapi.logistics.getPath(ARGS)
        assert time.monotonic() - started < 0.5
        assert info.value.errCode == -604102 and "remembered" in info.value.errMsg and "timed out after 1s" in info.value.errMsg
        assert server.token_requests == 1


def test_remembered_failure_expires_after_failure_ttl() -> None:
    now = [1_700_000_000.0]
    store = MemoryTokenStore(clock=lambda: now[0], failure_ttl=5)
    with PlatformStub({APPID: SECRET}) as stub:
        stub.token_replies.append((200, {"errcode": 40125, "errmsg": "invalid appsecret"}))
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=store)
        for _ in range(3):
            with pytest.raises(CloudSDKError) as info:
                cloud.openapi.logistics.getPath(ARGS)
            assert info.value.errCode == 40125
        assert len(stub.requests()) == 1
        now[0] += 4.9
        with pytest.raises(CloudSDKError, match="remembered"):
            cloud.openapi.logistics.getPath(ARGS)
        now[0] += 0.2
        assert cloud.openapi.logistics.getPath(ARGS)["errCode"] == 0
        assert len(stub.requests()) == 2


def test_file_store_failure_is_shared_by_another_process_store(tmp_path: Path) -> None:
    with HangingServer() as server:
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=server.base_url, timeout=300, token_store=FileTokenStore(str(tmp_path)))
        with pytest.raises(CloudSDKError):
            cloud.openapi.logistics.getPath(ARGS)
        # a second store on the same directory stands for another process on the host
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=server.base_url, timeout=300, token_store=FileTokenStore(str(tmp_path)))
        with pytest.raises(CloudSDKError, match="remembered"):
            cloud.openapi.logistics.getPath(ARGS)
        assert server.token_requests == 1


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_lock_wait_is_bounded_by_the_call_timeout(kind: str, tmp_path: Path) -> None:
    store: TokenStore = MemoryTokenStore() if kind == "memory" else FileTokenStore(str(tmp_path))
    holder = FileTokenStore(str(tmp_path)) if kind == "file" else store  # the file lock held by "another process"
    with PlatformStub({APPID: SECRET}) as stub:
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, timeout=300, token_store=store)
        held, done = threading.Event(), threading.Event()

        def hold_lock() -> None:
            with holder.lock(APPID, wait=5):
                held.set()
                done.wait(10)

        t = threading.Thread(target=hold_lock)
        t.start()
        held.wait(5)
        started = time.monotonic()
        try:
            with pytest.raises(CloudSDKError) as info:
                cloud.openapi.logistics.getPath(ARGS)
        finally:
            done.set()
            t.join()
        assert 1.2 < time.monotonic() - started < 3.0  # the 0.3 s timeout + 1 s grace
        assert info.value.errCode == -604102 and "waiting for another caller" in info.value.errMsg
        assert stub.requests() == []


@pytest.mark.parametrize(
    "status, body, code",
    [
        (503, {"errcode": -1, "errmsg": "system busy, request was " + '{"appid":"x","secret":"' + SECRET + '"}'}, -601001),
        (500, {"errmsg": "upstream echoed secret=" + SECRET}, -601001),
        (200, {"errcode": 40125, "errmsg": "invalid appsecret " + SECRET + " rid: 1"}, 40125),
    ],
)
def test_token_endpoint_errors_carry_their_code_and_no_secret(status: int, body: dict, code: int) -> None:
    with PlatformStub({APPID: SECRET}) as stub:
        stub.token_replies.append((status, body))
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
        with pytest.raises(CloudSDKError) as info:
            cloud.openapi.logistics.getPath(ARGS)
    err = info.value
    assert err.errCode == code
    if status >= 500:
        assert f"HTTP {status}" in err.errMsg
    for text in (err.errMsg, str(err), repr(err), repr(err.__cause__), repr(err.__context__)):
        assert SECRET not in text
    assert "***" in err.errMsg
