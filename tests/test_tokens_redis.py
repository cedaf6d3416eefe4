"""The Redis token store against a real redis-server: single flight across processes, a killed
lock holder, per-app keys, renewal once for all, and the force_refresh rules under storms."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Dict, Iterator, List

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.tokens import open_store
from tests.tokens_support import PlatformStub, redis_server

redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install 'wx-cloudfn[redis]')")

APPID, SECRET = "wxredis000000001", "redis-secret-DO-NOT-LEAK"
ARGS = {"deliveryId": "TEST", "waybillId": "W1"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = r"""
import json, sys, threading, time
import cloudfn as cloud
base, url, appid, secret, threads, offset, timeout_ms, start_at = sys.argv[1:9]
cloud.init(transport="https", appid=appid, secret=secret, api_base=base, token_store=url, timeout=int(timeout_ms))
store = cloud.core.current().config.token_store
if float(offset):
    store.clock = lambda: time.time() + float(offset)
out = []
def work():
    time.sleep(max(float(start_at) - time.time(), 0))
    started = time.monotonic()
    try:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
        out.append(["ok", time.monotonic() - started])
    except cloud.CloudSDKError as exc:
        out.append([exc.errCode, time.monotonic() - started])
workers = [threading.Thread(target=work) for _ in range(int(threads))]
for w in workers: w.start()
for w in workers: w.join()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def redis_base() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def redis_url(redis_base: str) -> Iterator[str]:
    client = redis.Redis.from_url(redis_base)
    client.flushall()
    yield redis_base
    client.flushall()
    client.close()


def _spawn(stub: Any, url: str, threads: int, offset: float = 0.0, timeout_ms: int = 10000, start_at: float = 0.0) -> subprocess.Popen:
    """A process calling getPath from ``threads`` threads at ``start_at``, through ``stub`` (anything with a base_url)."""
    args = [sys.executable, "-c", CHILD, stub.base_url, url, APPID, SECRET, str(threads), str(offset), str(timeout_ms), str(start_at)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})


def _results(procs: List[subprocess.Popen]) -> List[Any]:
    out: List[Any] = []
    for p in procs:
        stdout, _ = p.communicate(timeout=120)
        assert p.returncode == 0
        out.extend(json.loads(stdout))
    return out


def test_cold_store_8_processes_x_8_threads_make_one_token_request(redis_url: str) -> None:
    with PlatformStub({APPID: SECRET}, token_delay=0.3) as stub:
        start_at = time.time() + 2.0  # every process is up and waiting by then
        procs = [_spawn(stub, redis_url, 8, start_at=start_at) for _ in range(8)]
        results = _results(procs)
        assert [r[0] for r in results] == ["ok"] * 64
        assert stub.requests() == [(APPID, False)]
        assert len(set(stub.api_tokens)) == 1


def test_cold_store_8_processes_x_8_threads_against_the_emulator_make_one_token_request(redis_url: str) -> None:
    """The same single flight against the emulator, which answers stable_token by the platform's rules."""
    from cloudfn.emulator import running

    with running(apps={APPID: SECRET}) as emu:
        start_at = time.time() + 2.0
        results = _results([_spawn(emu, redis_url, 8, start_at=start_at) for _ in range(8)])
        assert len(results) == 64
        assert not [r for r in results if r[0] in (40001, 40014, 42001, -604102, -601003, -1)]  # no token or transport failure
        assert emu.calls["stable_token"] == 1


def test_lock_holder_killed_mid_fetch_others_get_a_token_after_the_lock_ttl(redis_url: str) -> None:
    url = redis_url + "?lock_ttl=2"
    client = redis.Redis.from_url(redis_url)
    with PlatformStub({APPID: SECRET}) as stub:
        stub.hold.set()  # the first fetch hangs until released
        holder = _spawn(stub, url, 1, timeout_ms=30000)
        assert stub.token_seen.wait(30)
        assert client.exists(f"cloudfn:https:{APPID}:lock") == 1
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        stub.hold.clear()
        stub.release.set()
        left = client.pttl(f"cloudfn:https:{APPID}:lock") / 1000
        assert 0 < left <= 2

        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=url, timeout=5000)
        started = time.monotonic()
        results: List[Any] = []
        threads = [threading.Thread(target=lambda: results.append(cloud.openapi.logistics.getPath(ARGS))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        took = time.monotonic() - started
        assert [r["errCode"] for r in results] == [0] * 8
        assert left - 0.2 <= took < left + 2.0  # blocked by the dead holder for its lock's TTL, no longer
        assert stub.requests() == [(APPID, False), (APPID, False)]  # the killed one, then one for all 8
    client.close()


def test_two_appids_never_share_a_key(redis_url: str) -> None:
    other = "wxredis000000002"
    client = redis.Redis.from_url(redis_url)
    with PlatformStub({APPID: SECRET, other: SECRET}) as stub:
        for appid in (APPID, other, APPID):
            cloud.init(transport="https", appid=appid, secret=SECRET, api_base=stub.base_url, token_store=redis_url)
            assert cloud.openapi.logistics.getPath(ARGS)["errCode"] == 0
        assert [stub.owner[t] for t in stub.api_tokens] == [APPID, other, APPID]
        assert sorted(k.decode() for k in client.keys("*")) == [f"cloudfn:https:{APPID}:token", f"cloudfn:https:{other}:token"]

        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=redis_url + "?prefix=team2")
        cloud.openapi.logistics.getPath(ARGS)
        assert client.exists(f"team2:https:{APPID}:token") == 1
        assert len(stub.requests(APPID)) == 2  # another prefix is another namespace
    client.close()


def test_expired_token_is_renewed_once_for_all_processes(redis_url: str) -> None:
    with PlatformStub({APPID: SECRET}, token_delay=0.2) as stub:
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=redis_url)
        cloud.openapi.logistics.getPath(ARGS)
        first = stub.api_tokens[-1]
        offset = 7200 - 300 + 1  # one second into the platform's 5-minute renewal window
        stub.advance(offset)
        start_at = time.time() + 2.0
        results = _results([_spawn(stub, redis_url, 8, offset=offset, start_at=start_at) for _ in range(4)])
        assert [r[0] for r in results] == ["ok"] * 32
        assert stub.requests() == [(APPID, False), (APPID, False)]
        renewed = set(stub.api_tokens[1:])
        assert len(renewed) == 1 and first not in renewed


def _two_hosts(stub: PlatformStub, url: str) -> List[Any]:
    """Two stores on one Redis (two hosts: own connections, own in-process flights), on the stub's clock."""
    from cloudfn.tokens.redis_store import RedisTokenStore

    stores = [RedisTokenStore(url) for _ in range(2)]
    for s in stores:
        s.clock = stub.now
    return stores


def _storm(stub: PlatformStub, stores: List[Any], threads: int = 6) -> List[Any]:
    """Every host calls getPath from several threads at once; results or errors."""
    out: List[Any] = []
    clouds = [cloud.Cloud() for _ in stores]
    for c, s in zip(clouds, stores):
        c.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=s, timeout=5000)
    barrier = threading.Barrier(threads * len(stores))

    def work(c: Any) -> None:
        barrier.wait()
        try:
            out.append(c.openapi.logistics.getPath(ARGS))
        except CloudSDKError as exc:
            out.append(exc)

    workers = [threading.Thread(target=work, args=(c,)) for c in clouds for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return out


def test_rejected_token_storms_never_exceed_the_force_refresh_budget(redis_url: str) -> None:
    with PlatformStub({APPID: SECRET}) as stub:
        stub.advance(_seconds_to_china_noon(stub.now()))  # 20 storms 31 s apart stay within one day
        stores = _two_hosts(stub, redis_url)
        assert all(isinstance(r, dict) for r in _storm(stub, stores))
        for storm in range(20):
            stub.poison(APPID)
            normal = len(stub.requests(force=False))
            results = _storm(stub, stores)
            assert [r["errCode"] for r in results] == [0] * 12, storm
            assert len(stub.requests(force=True)) == storm + 1  # one force_refresh per storm, for both hosts
            assert len(stub.requests(force=False)) == normal + 1  # after one normal-mode try, by one caller
            stub.advance(31)
        stub.poison(APPID)
        results = _storm(stub, stores)
        assert all(isinstance(r, CloudSDKError) and r.errCode == 45009 for r in results)
        assert "budget" in results[0].errMsg and "20 of 20" in results[0].errMsg and "00:00 China time" in results[0].errMsg
        assert len(stub.requests(force=True)) == 20  # the platform never saw a 21st
        stub.advance(86400)  # the next day: the budget is back (and the token expired: normal mode renews it)
        assert all(isinstance(r, dict) for r in _storm(stub, stores))
        stub.poison(APPID)
        assert all(isinstance(r, dict) for r in _storm(stub, stores))
        assert len(stub.requests(force=True)) == 21


def test_force_refresh_waits_30_s_and_a_lower_budget_is_kept(redis_url: str) -> None:
    with PlatformStub({APPID: SECRET}) as stub:
        stub.advance(_seconds_to_china_noon(stub.now()))
        stores = _two_hosts(stub, redis_url + "?force_refresh_per_day=2")
        assert all(store.force_refresh_per_day == 2 for store in stores)
        _storm(stub, stores)
        stub.poison(APPID)
        assert all(isinstance(r, dict) for r in _storm(stub, stores))
        stub.advance(10)
        stub.poison(APPID)
        results = _storm(stub, stores)
        assert all(isinstance(r, CloudSDKError) and r.errCode == 45011 for r in results)
        assert "retry in 20s" in results[0].errMsg
        assert len(stub.requests(force=True)) == 1
        stub.advance(21)  # past the gap and the 5 s failure memory
        assert all(isinstance(r, dict) for r in _storm(stub, stores))
        stub.advance(31)
        stub.poison(APPID)
        results = _storm(stub, stores)
        assert all(isinstance(r, CloudSDKError) and r.errCode == 45009 and "2 of 2" in r.errMsg for r in results)
        assert len(stub.requests(force=True)) == 2


def test_normal_mode_first_when_the_platform_already_has_a_new_token(redis_url: str) -> None:
    with PlatformStub({APPID: SECRET}) as stub:
        stores = _two_hosts(stub, redis_url)
        _storm(stub, stores)
        stub.advance(7200 - 299)  # the platform renews; our cached token is rejected as if revoked
        stub.poison(APPID)
        assert all(isinstance(r, dict) for r in _storm(stub, stores))
        assert stub.requests(force=True) == []


def _seconds_to_china_noon(now: float) -> float:
    day_start = (now + 8 * 3600) // 86400 * 86400 - 8 * 3600
    noon = day_start + 12 * 3600
    return noon - now if noon > now else noon + 86400 - now


def test_environment_variable_and_init_option_select_redis(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFN_TOKEN_STORE", redis_url + "?prefix=envtest")
    monkeypatch.setenv("CLOUDFN_TOKEN_DIR", "/nonexistent-dir")
    cloud.init(transport="https", appid=APPID, secret=SECRET)
    store = cloud.core.current().config.token_store
    assert type(store).__name__ == "RedisTokenStore" and store.prefix == "envtest"
    assert open_store(redis_url + "?prefix=envtest") is store  # one store (one pool) per URL and process


def test_import_cloudfn_never_imports_redis() -> None:
    code = "import sys, cloudfn; cloudfn.init(transport='https', appid='wx1', secret='s'); print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    assert out == "False"


def test_unreachable_redis_is_a_clear_error_without_the_password() -> None:
    from tests.tokens_support import free_port

    url = f"redis://:hunter2-redis-pw@127.0.0.1:{free_port()}/0?socket_connect_timeout=0.5"
    with PlatformStub({APPID: SECRET}) as stub:
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=url)
        store = cloud.core.current().config.token_store
        assert "hunter2" not in repr(store) and "***@127.0.0.1" in repr(store)
        with pytest.raises(CloudSDKError) as info:
            cloud.openapi.logistics.getPath(ARGS)
    assert info.value.errCode == -601003 and "Redis token store redis://***@127.0.0.1" in info.value.errMsg
    assert "hunter2" not in str(info.value) and info.value.__cause__ is None and info.value.__suppress_context__
    assert stub.requests() == []


def test_rediss_url_opens_a_tls_store_without_connecting() -> None:
    store = open_store("rediss://127.0.0.1:6390/2?prefix=tls")
    pool: Dict[str, Any] = store.client.connection_pool.connection_kwargs
    assert store.client.connection_pool.connection_class.__name__ == "SSLConnection"
    assert pool["db"] == 2 and store.prefix == "tls"
