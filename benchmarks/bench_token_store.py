"""Token stores: warm per-call cost, multi-process cold start, and a hanging token endpoint.

1. Warm: ``TokenKeeper.token()`` with a fresh token in the memory, file and Redis stores,
   interleaved batches, median microseconds per call side by side.
2. Cold start: P processes x T threads call getPath on an empty store against a loopback
   stub of stable_token (50 ms per token) -> token requests made, time to the first and
   the last result (file and Redis stores; memory is per process, shown for contrast).
3. Outage: 32 threads, a token endpoint that accepts and never answers, 1 s timeout ->
   token requests made, median and max time to fail.

Needs redis-server on PATH (Debian: apt-get install redis-server) and redis-py
(pip install 'wx-cloudfn[redis]'); without them the Redis rows are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import cloudfn as cloud  # noqa: E402
from cloudfn import CloudSDKError  # noqa: E402
from cloudfn.tokens import FileTokenStore, MemoryTokenStore, Token, TokenStore, open_store  # noqa: E402
from cloudfn.tokens.keeper import TokenKeeper  # noqa: E402
from tests.tokens_support import HangingServer, PlatformStub, redis_server  # noqa: E402

APPID, SECRET = "wxbenchtoken0001", "bench-secret"
ROUNDS, BATCH = 31, 500

CHILD = r"""
import json, sys, threading, time
import cloudfn as cloud
base, store, appid, secret, threads, start_at = sys.argv[1:7]
cloud.init(transport="https", appid=appid, secret=secret, api_base=base, token_store=store or None)
done = []
def work():
    time.sleep(max(float(start_at) - time.time(), 0))
    cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    done.append(time.time())
ts = [threading.Thread(target=work) for _ in range(int(threads))]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps(done))
"""


def warm(stores: Dict[str, TokenStore]) -> None:
    keepers = {}
    for name, store in stores.items():
        store.set(APPID, Token("warm-token-value", time.time() + 3600))
        keepers[name] = TokenKeeper(store, APPID)
    samples: Dict[str, List[float]] = {name: [] for name in stores}

    def never(force: bool) -> Token:
        raise AssertionError("warm: no fetch expected")

    for _ in range(ROUNDS):
        for name, keeper in keepers.items():
            started = time.perf_counter()
            for _ in range(BATCH):
                keeper.token("bench", 1.0, never)
            samples[name].append((time.perf_counter() - started) / BATCH)
    base = statistics.median(samples["memory"])
    print(f"1. warm token() per call, median of {ROUNDS} interleaved batches of {BATCH}:")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"   {name:7s} {median * 1e6:8.2f} us   ({median / base:6.1f}x memory)")


def cold(label: str, store: str, processes: int, threads: int) -> None:
    with PlatformStub({APPID: SECRET}, token_delay=0.05) as stub:
        start_at = time.time() + 4.0  # every process imported and waiting (2 busy cores need the margin)
        args = [sys.executable, "-c", CHILD, stub.base_url, store, APPID, SECRET, str(threads), str(start_at)]
        procs = [subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(processes)]
        times = sorted(t for p in procs for t in json.loads(p.communicate(timeout=120)[0]))
        print(
            f"   {label:7s} {processes} x {threads}: {len(stub.requests())} token request(s), "
            f"first result {(times[0] - start_at) * 1e3:6.0f} ms, last {(times[-1] - start_at) * 1e3:6.0f} ms ({len(times)} calls)"
        )


def outage() -> None:
    with HangingServer() as server:
        cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=server.base_url, timeout=1000, token_store=MemoryTokenStore())
        took: List[float] = []
        barrier = threading.Barrier(32)

        def work() -> None:
            barrier.wait()
            started = time.monotonic()
            try:
                cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
            except CloudSDKError:
                took.append(time.monotonic() - started)

        ts = [threading.Thread(target=work) for _ in range(32)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        print("3. hanging token endpoint, 32 threads, 1 s timeout:")
        median, worst = statistics.median(took), max(took)
        print(f"   {server.token_requests} token request(s); {len(took)} callers failed, median {median:.2f} s, max {worst:.2f} s")


def main() -> None:
    have_redis = shutil.which("redis-server") is not None
    try:
        import redis  # noqa: F401
    except ImportError:
        have_redis = False
    tmp = tempfile.mkdtemp(prefix="cloudfn-bench-tokens-")
    with redis_server() if have_redis else _nothing() as url:
        stores: Dict[str, TokenStore] = {"memory": MemoryTokenStore(), "file": FileTokenStore(os.path.join(tmp, "warm"))}
        if url:
            stores["redis"] = open_store(url)
        warm(stores)
        print("2. cold start on an empty store (stable_token answers in 50 ms):")
        for processes, threads in ((8, 8), (16, 4)):
            cold("memory", "", processes, threads)
            cold("file", os.path.join(tmp, f"cold-{processes}"), processes, threads)
            if url:
                import redis as redis_py

                redis_py.Redis.from_url(url).flushall()
                cold("redis", url, processes, threads)
    outage()
    shutil.rmtree(tmp, ignore_errors=True)


class _nothing:
    def __enter__(self) -> Any:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


if __name__ == "__main__":
    main()
