"""Per-call overhead: getPath through cloudfn vs the same request with a bare requests.Session.

Both talk to the same loopback stub (TCP_NODELAY, one-piece responses), with a warm token
and warm keep-alive connections, interleaved in small batches so that drift hits both
alike. Prints the median per-call time of each and their ratio (goal: <= 1.10x).
"""

from __future__ import annotations

import json
import statistics
import time

import requests
from _stub import GETPATH_REPLY, StubWeChat

import cloudfn as cloud
from cloudfn.tokens import MemoryTokenStore

PATH = "/cgi-bin/express/business/path/get"
ROUNDS, BATCH = 40, 100


def main() -> None:
    with StubWeChat() as stub:
        stub.default(PATH, GETPATH_REPLY)
        cloud.init(transport="https", appid="wxbench", secret="bench-secret", api_base=stub.base_url, token_store=MemoryTokenStore())
        logistics = cloud.openapi.logistics
        args = {"orderId": "o1", "deliveryId": "TEST", "waybillId": "W123456", "openid": "oBench"}
        logistics.getPath(args)  # token + connection warm

        session = requests.Session()
        token = stub.calls("/cgi-bin/stable_token") and "TOKEN-1-secretvalue"
        url = stub.base_url + PATH
        wire = {"order_id": "o1", "delivery_id": "TEST", "waybill_id": "W123456", "openid": "oBench"}

        def bare() -> dict:
            r = session.post(
                url,
                params={"access_token": token},
                data=json.dumps(wire, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=15,
            )
            data = r.json()
            if data.get("errcode"):
                raise RuntimeError(data)
            return data

        bare()
        sdk_times, bare_times = [], []
        for _ in range(ROUNDS):
            for fn, sink in ((lambda: logistics.getPath(args), sdk_times), (bare, bare_times)):
                start = time.perf_counter()
                for _ in range(BATCH):
                    fn()
                sink.append((time.perf_counter() - start) / BATCH)
        sdk_ms, bare_ms = statistics.median(sdk_times) * 1e3, statistics.median(bare_times) * 1e3
        print(f"getPath per call, median of {ROUNDS} batches of {BATCH} (interleaved):")
        print(f"  bare requests.Session : {bare_ms:.3f} ms")
        print(f"  cloudfn               : {sdk_ms:.3f} ms")
        print(f"  ratio cloudfn / bare  : {sdk_ms / bare_ms:.3f}x  (goal <= 1.10x)")


if __name__ == "__main__":
    main()
