"""Cost of hostile message-push bodies vs a normal push, through ``Router.main_handler``.

Each body goes in as the API-gateway event a deployed receiver gets. Prints the median time
of each case over REPEATS runs, interleaved so that drift hits every case alike. Goal: a
hostile 1 MiB body is answered (403/413, or parsed when it is signed and well-formed) in
under 50 ms; the normal push is the comparison.
"""

from __future__ import annotations

import json
import logging
import statistics
import time
from typing import Callable, Dict, List, Tuple

from cloudfn.events import Router, crypto, to_xml

TOKEN, APPID = "bench-token", "wxbench000000000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
MIB = 1024 * 1024
REPEATS = 21

PATH_EVENT = {
    "ToUserName": "gh_bench", "FromUserName": "oBench", "CreateTime": 1700000000, "MsgType": "event",
    "Event": "add_express_path", "DeliveryID": "SF", "WayBillId": "SF123456789", "OrderId": "o-1", "Version": 3, "Count": 3,
    "Actions": [{"ActionTime": 1700000000 + i, "ActionType": 100001 + i, "ActionMsg": "运输中"} for i in range(3)],
}  # fmt: skip


def fill(unit: bytes, head: bytes = b"<xml>", tail: bytes = b"</xml>") -> bytes:
    """``head + unit * n + tail`` just under 1 MiB."""
    return head + unit * ((MIB - len(head) - len(tail)) // len(unit)) + tail


def nest(open_: bytes, close: bytes, middle: bytes = b"1") -> bytes:
    n = (MIB - len(middle)) // (len(open_) + len(close))
    return open_ * n + middle + close * n


LAUGHS = (
    '<!DOCTYPE xml [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    "<xml><Event>add_express_path</Event><WayBillId>&c;</WayBillId><Pad>"
)
HOSTILE: Dict[str, bytes] = {
    "repeated XML elements": fill(b"<A>x</A>"),
    "deep JSON": nest(b"[", b"]"),
    "deep XML": fill(b"<a>", b"<xml>", b""),
    "JSON list of empty lists": b'{"a":[' + b"[]," * ((MIB - 8) // 3) + b"[]]}",
    "JSON string of brackets": b'{"Event":"x","a":"' + b"[{" * ((MIB - 30) // 2) + b'"}',
    "billion laughs, UTF-16LE": (LAUGHS + "x" * ((MIB - 2 * len(LAUGHS)) // 2 - 16) + "</Pad></xml>").encode("utf-16-le"),
}


def gateway(body: bytes, signed: bool, aes: bool = False) -> Dict[str, object]:
    ts, nonce = str(int(time.time())), str(time.perf_counter_ns())
    query = {"timestamp": ts, "nonce": nonce, "signature": crypto.signature(TOKEN if signed else "forged", ts, nonce)}
    if aes:
        enc = crypto.encrypt(body, AES_KEY, APPID)
        body = json.dumps({"ToUserName": "gh_bench", "Encrypt": enc}).encode()
        query.update({"encrypt_type": "aes", "msg_signature": crypto.msg_signature(TOKEN, ts, nonce, enc)})
    return {"httpMethod": "POST", "queryString": query, "headers": {}, "body": body.decode("utf-8", "replace"), "isBase64Encoded": False}


def cases() -> List[Tuple[str, Callable[[], Dict[str, object]], Router]]:
    plain = Router(token=TOKEN, appid=APPID)
    safe = Router(token=TOKEN, aes_key=AES_KEY, appid=APPID)
    for router in (plain, safe):
        router.on("onPathUpdate")(lambda event: None)
    json_body, xml_body = json.dumps(PATH_EVENT, ensure_ascii=False).encode(), to_xml(PATH_EVENT).encode()
    out: List[Tuple[str, Callable[[], Dict[str, object]], Router]] = [
        ("normal push, JSON", lambda: gateway(json_body, True), plain),
        ("normal push, XML", lambda: gateway(xml_body, True), plain),
        ("normal push, safe mode JSON", lambda: gateway(json_body, True, aes=True), safe),
        ("1 MiB + 1 body, signed (413 unread)", lambda: gateway(b"x" * (MIB + 1), True), plain),
    ]
    for name, body in HOSTILE.items():
        out.append((f"1 MiB {name}, unsigned", lambda body=body: gateway(body, False), plain))  # type: ignore[misc]
        out.append((f"1 MiB {name}, signed", lambda body=body: gateway(body, True), plain))  # type: ignore[misc]
    return out


def main() -> None:
    logging.getLogger("cloudfn.events").setLevel(logging.ERROR)  # one warning per rejection otherwise
    runs = cases()
    times: Dict[str, List[float]] = {name: [] for name, _, _ in runs}
    status: Dict[str, int] = {}
    for _ in range(REPEATS):
        for name, make, router in runs:
            event = make()
            start = time.perf_counter()
            reply = router.main_handler(event, None)
            times[name].append(time.perf_counter() - start)
            status[name] = int(reply["statusCode"])
    print(f"Router.main_handler on an API-gateway event, median of {REPEATS} interleaved runs:")
    for name, _, _ in runs:
        print(f"  {name:<44} {statistics.median(times[name]) * 1e3:9.3f} ms  -> HTTP {status[name]}")
    hostile = [statistics.median(times[n]) for n, _, _ in runs if n.startswith("1 MiB")]
    print(f"  slowest hostile 1 MiB body: {max(hostile) * 1e3:.3f} ms (goal < 50 ms)")


if __name__ == "__main__":
    main()
