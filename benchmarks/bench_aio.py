"""cloudfn.aio: 100 concurrent getPath calls, and the per-call overhead against bare aiohttp.

1. Against a loopback stub that answers getPath after 20 ms (a WeChat round trip), the median
   wall time of 100 getPath calls: through cloudfn.aio (asyncio.gather), through sync cloudfn
   on 8 and on 32 threads, and one after another.
2. The async library, re-measured side by side: 100 concurrent bare POSTs through aiohttp and
   through httpx.AsyncClient (when installed), against the stub answering at once and after 20 ms.
3. Per-call overhead: sequential getPath through cloudfn.aio vs the same request through a bare
   aiohttp session (stub answering at once, warm token and connections, interleaved batches).

Run: python benchmarks/bench_aio.py   (needs the 'aio' extra; httpx optional)
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, List

import aiohttp
from _stub import GETPATH_REPLY, Reply, StubWeChat

import cloudfn
import cloudfn.aio as aio
from cloudfn.tokens import MemoryTokenStore

PATH = "/cgi-bin/express/business/path/get"
ARGS = {"orderId": "o1", "deliveryId": "TEST", "waybillId": "W123456", "openid": "oBench"}
WIRE = json.dumps({"order_id": "o1", "delivery_id": "TEST", "waybill_id": "W123456", "openid": "oBench"}).encode()
CONCURRENCY = 100


def stub(delay: float) -> StubWeChat:
    server = StubWeChat()
    server.default(PATH, Reply(GETPATH_REPLY.body, sleep=delay))
    server.server.socket.listen(512)  # 100 simultaneous connects (socketserver's default backlog is 5)
    return server


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def median_of(rounds: int, fn: Callable[[], Any]) -> float:
    fn()  # warm: token, connections
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def concurrency(loop: asyncio.AbstractEventLoop, base_url: str) -> None:
    options = dict(transport="https", appid="wxbench", secret="bench-secret", api_base=base_url, token_store=MemoryTokenStore())
    instance = aio.Cloud(options)
    sync = cloudfn.Cloud(options)

    def through_aio() -> None:
        async def gather() -> List[Any]:
            return await asyncio.gather(*[instance.openapi.logistics.getPath(ARGS) for _ in range(CONCURRENCY)])

        assert all(r["errCode"] == 0 for r in loop.run_until_complete(gather()))

    def threads(n: int) -> Callable[[], None]:
        pool = ThreadPoolExecutor(n)

        def run() -> None:
            assert all(r["errCode"] == 0 for r in pool.map(lambda _: sync.openapi.logistics.getPath(ARGS), range(CONCURRENCY)))

        return run

    def sequential() -> None:
        for _ in range(CONCURRENCY):
            sync.openapi.logistics.getPath(ARGS)

    print("100 getPath calls, stub answering after 20 ms (median wall time)")
    print(f"  cloudfn.aio, asyncio.gather  {ms(median_of(15, through_aio))}")
    print(f"  cloudfn, 32 threads          {ms(median_of(15, threads(32)))}")
    print(f"  cloudfn, 8 threads           {ms(median_of(7, threads(8)))}")
    print(f"  cloudfn, sequential          {ms(median_of(3, sequential))}")
    loop.run_until_complete(instance.close())
    sync.close()


def libraries(loop: asyncio.AbstractEventLoop, base_url: str, label: str) -> None:
    url = base_url + PATH + "?access_token=t"
    headers = {"Content-Type": "application/json; charset=utf-8"}

    async def with_aiohttp(session: aiohttp.ClientSession) -> None:
        async def one() -> bytes:
            async with session.post(url, data=WIRE, headers=headers) as r:
                return await r.read()

        await asyncio.gather(*[one() for _ in range(CONCURRENCY)])

    session = loop.run_until_complete(_session())
    line = f"  aiohttp        {ms(median_of(15, lambda: loop.run_until_complete(with_aiohttp(session))))}"
    loop.run_until_complete(session.close())
    try:
        import httpx
    except ImportError:
        print(f"100 concurrent bare POSTs, {label}\n{line}\n  httpx          (not installed)")
        return
    client = httpx.AsyncClient(limits=httpx.Limits(max_connections=CONCURRENCY))

    async def with_httpx() -> None:
        await asyncio.gather(*[client.post(url, content=WIRE, headers=headers) for _ in range(CONCURRENCY)])

    httpx_line = f"  httpx          {ms(median_of(15, lambda: loop.run_until_complete(with_httpx())))}"
    loop.run_until_complete(client.aclose())
    print(f"100 concurrent bare POSTs, {label} (median wall time)\n{line}\n{httpx_line}")


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY))


def overhead(loop: asyncio.AbstractEventLoop, base_url: str) -> None:
    instance = aio.Cloud(transport="https", appid="wxbench", secret="bench-secret", api_base=base_url, token_store=MemoryTokenStore())
    session = loop.run_until_complete(_session())
    url = base_url + PATH + "?access_token=TOKEN-1-secretvalue"
    headers = {"Content-Type": "application/json; charset=utf-8"}

    async def bare() -> Any:
        async with session.post(url, data=WIRE, headers=headers) as r:
            return json.loads(await r.read())

    async def sdk() -> Any:
        return await instance.openapi.logistics.getPath(ARGS)

    def per_call(fn: Callable[[], Awaitable[Any]], n: int = 50) -> float:
        async def batch() -> None:
            for _ in range(n):
                await fn()

        started = time.perf_counter()
        loop.run_until_complete(batch())
        return (time.perf_counter() - started) / n

    per_call(sdk, 5)
    per_call(bare, 5)
    bare_times, sdk_times = [], []
    for _ in range(30):  # interleaved: drift hits both alike
        bare_times.append(per_call(bare))
        sdk_times.append(per_call(sdk))
    b, s = statistics.median(bare_times), statistics.median(sdk_times)
    print("Sequential getPath, stub answering at once (median per call)")
    print(f"  bare aiohttp   {b * 1e6:8.0f} us")
    print(f"  cloudfn.aio    {s * 1e6:8.0f} us   ratio {s / b:.2f}x, overhead {(s - b) * 1e6:.0f} us per call")
    loop.run_until_complete(session.close())
    loop.run_until_complete(instance.close())


def main() -> None:
    loop = asyncio.new_event_loop()
    with stub(0.020) as slow, stub(0.0) as fast:
        concurrency(loop, slow.base_url)
        libraries(loop, fast.base_url, "stub answering at once")
        libraries(loop, slow.base_url, "stub answering after 20 ms")
        overhead(loop, fast.base_url)
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


if __name__ == "__main__":
    main()
