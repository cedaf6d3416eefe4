"""Emulator figures (issue 13.6, issue 11.10), printed, never asserted; medians of --runs runs.

Side by side in one run, each server in its own process, load from wrk (``apt-get install wrk``;
without it a slower Python load generator is used, and the figures say so):

- floor: a standard-library ``ThreadingHTTPServer`` answering a fixed JSON body (HTTP/1.1 keep-alive);
- direct getPath at 32 connections, random waybills among 1,000 and among 100,000 stored orders;
- the gateway (``POST /admin``, action wx.api, getPath) at 128 connections: rate and p99;
- addOrder at 32 connections, every request a new order id (each wrk thread its own id space);
- memory after 100,000 token issues and after 100,000 recorded events (in-process, tracemalloc);
- the console's overview (``GET /_emulator/overview``) at 100,000 orders, in-process.

Targets: getPath >= 15k req/s; gateway >= 0.7x direct with p99 < 50 ms; getPath at 100k within
1.2x of 1k. ``python benchmarks/bench_emulator.py --help`` for options.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from typing import Any, Callable, Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

GETPATH = "/cgi-bin/express/business/path/get"
ADDORDER = "/cgi-bin/express/business/order/add"

# wrk runs this chunk in every thread's own Lua state; setup() (main state) gives each thread its
# id with thread:set. ``tid`` must stay a global: a chunk-level ``local tid`` would shadow it and
# every thread would send the same order ids.
WRK_SCRIPT = r"""
local counter = 0
local nthreads = 0
function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
end
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  mode = args[1]; first = tonumber(args[2]); count = tonumber(args[3]); run = args[4]
  math.randomseed(os.time() + (tid or 0) * 7919)
end
local function waybill()
  return string.format("TEST%012d", first + math.random(0, count - 1))
end
function request()
  counter = counter + 1
  local body
  if mode == "getpath" or mode == "floor" then
    body = '{"delivery_id":"TEST","waybill_id":"' .. waybill() .. '"}'
  elseif mode == "gateway" then
    body = '{"action":"wx.api","apiName":"logistics.getPath","requestData":'
      .. '"{\\"delivery_id\\":\\"TEST\\",\\"waybill_id\\":\\"' .. waybill() .. '\\"}"}'
  else
    body = ORDER:gsub("__ID__", run .. "-" .. tid .. "-" .. counter)
  end
  return wrk.format(nil, nil, nil, body)
end
function response(status, headers, body)
  if status ~= 200 or (not body:find('"errcode":0') and not body:find('responseData') and mode ~= "floor") then
    errors = (errors or 0) + 1
  end
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f %.3f %d\n", summary.requests, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def serve(orders: int, root: str = "") -> None:
    """Child process: an in-memory emulator with ``orders`` TEST orders; prints its URL and token.
    ``root``: serve the emulator of another source tree (``--compare REF``) instead of this one."""
    if root:
        sys.path.insert(0, root)
    from cloudfn.emulator import Emulator
    from cloudfn.emulator.testing import Raw

    emu = Emulator(port=0).start()
    emu.backend.bulk_orders(orders)
    token = Raw(emu.base_url).token(emu.appid, emu.secret)
    first = int(emu.backend.orders()[0]["waybill_id"][4:]) if orders else 1
    print(json.dumps({"url": emu.base_url, "token": token, "first": first}), flush=True)
    threading.Event().wait()


def floor() -> None:
    """Child process: the standard-library server floor (fixed JSON reply, keep-alive)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = b'{"errcode":0,"errmsg":"ok"}'

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # the emulator's settings: Nagle off, one write per reply
        wbufsize = 65536

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:  # wrk resets connections at its end: no traceback
            pass

    server = Server(("127.0.0.1", 0), H)
    print(json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}", "token": "", "first": 1}), flush=True)
    server.serve_forever()


def child(kind: str, orders: int = 0, root: str = "") -> Tuple[subprocess.Popen, Dict[str, Any]]:
    extra = ["--root", root] if root else []
    proc = subprocess.Popen([sys.executable, __file__, f"--{kind}", str(orders), *extra], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline() if proc.stdout else ""
    return proc, json.loads(line)


def run_wrk(url: str, connections: int, duration: float, args: List[str], order: str = "") -> Dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(f"ORDER = [==[{order}]==]\n" + WRK_SCRIPT)
    try:
        command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, int(duration))}s", "--latency", "-s", f.name, url, "--", *args]
        out = subprocess.run(command,
                             capture_output=True, text=True, timeout=duration + 60).stdout
    finally:
        os.unlink(f.name)
    m = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) (\d+)", out)
    if not m:
        raise RuntimeError(f"wrk printed no result: {out[-500:]}")
    return {"rps": int(m.group(1)) / duration, "p50_ms": float(m.group(2)), "p99_ms": float(m.group(3)), "errors": int(m.group(4))}


def run_python(url: str, connections: int, duration: float, args: List[str], order: str = "") -> Dict[str, float]:
    """Fallback load generator (threads, http.client keep-alive): far weaker than wrk."""
    import random

    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1] if url.count("/") > 2 else "/"
    mode, first, count = args[0], int(args[1]), int(args[2])
    lat: List[float] = []
    errors = [0]
    deadline = time.monotonic() + duration

    def loop(tid: int) -> None:
        conn, n = http.client.HTTPConnection(host, int(port), timeout=30), 0
        while time.monotonic() < deadline:
            n += 1
            wb = f"TEST{first + random.randrange(count):012d}"
            body = (order.replace("__ID__", f"{args[3]}-{tid}-{n}") if mode == "addorder" else json.dumps({"delivery_id": "TEST", "waybill_id": wb}))
            start = time.perf_counter()
            conn.request("POST", path, body.encode(), {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            lat.append(time.perf_counter() - start)
            errors[0] += r.status != 200

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(min(connections, 32))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    return {"rps": len(lat) / duration, "p50_ms": lat[len(lat) // 2] * 1000, "p99_ms": lat[int(len(lat) * 0.99)] * 1000, "errors": errors[0]}


def median(runs: List[Dict[str, float]]) -> Dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def measure(load: Callable[..., Dict[str, float]], url: str, conns: int, duration: float, runs: int, args: List[str],
            order: str = "") -> Dict[str, float]:
    def run_id(i: str) -> List[str]:
        return [i] if args[0] == "addorder" else []

    load(url, conns, 1.0, args + run_id("warm"), order)  # warm-up
    return median([load(url, conns, duration, args + run_id(str(i)), order) for i in range(runs)])


def memory_figures() -> Dict[str, float]:
    from cloudfn.emulator.clock import Clock
    from cloudfn.emulator.credentials import Credentials
    from cloudfn.emulator.push import Pusher
    from cloudfn.emulator.store import Store

    tracemalloc.start()
    creds = Credentials({"wxbench": "s"}, Store(), Clock())
    start = time.perf_counter()
    for _ in range(100_000):
        creds.token({"grant_type": "client_credential", "appid": "wxbench", "secret": "s"})
    per_issue_us = (time.perf_counter() - start) * 10
    tokens_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    tracemalloc.start()
    pusher = Pusher("wxbench")
    action = {"ActionTime": 1, "ActionType": 100001, "ActionMsg": "x" * 40}
    payload = {"Event": "add_express_path", "WayBillId": "TEST000000000001", "Actions": [action] * 8}
    for _ in range(100_000):
        pusher._record("add_express_path", "push", None, payload)
    events_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    return {"tokens_rows": len(creds.tokens()), "tokens_mb": tokens_mb, "token_issue_us": per_issue_us, "events_mb": events_mb,
            "events_kept": len(pusher.events())}


def console_overview_ms() -> float:
    """Median time of the console's overview over 100,000 stored orders (in-process, no HTTP)."""
    from cloudfn.emulator import running
    from cloudfn.emulator.console import views

    with running() as emu:
        emu.backend.bulk_orders(100_000)
        times = []
        for _ in range(3):
            start = time.perf_counter()
            views.overview(emu)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _load_average(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {when}: {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count() or 0} CPUs)"


def _compared(load: Callable[..., Dict[str, float]], a: argparse.Namespace, procs: List[Any]) -> List[Tuple[str, Dict[str, float]]]:
    """Direct getPath of the emulator at git ref ``a.compare`` (its own source tree, in a temporary directory)."""
    with tempfile.TemporaryDirectory() as tree:
        subprocess.run(f"git archive {a.compare} | tar -x -C {tree}", shell=True, check=True, cwd=ROOT)
        p, old = child("serve", 1_000, tree)
        procs.append(p)
        url = f"{old['url']}{GETPATH}?access_token={old['token']}"
        figure = measure(load, url, 32, a.duration, a.runs, ["getpath", str(old["first"]), "1000"])
        return [(f"getPath direct at {a.compare}, 1,000 orders, 32 conns", figure)]


def _figures(load: Callable[..., Dict[str, float]], a: argparse.Namespace, order: str) -> List[Tuple[str, Dict[str, float]]]:
    rows: List[Tuple[str, Dict[str, float]]] = []
    procs: List[Any] = []
    try:
        p, floor_srv = child("floor")
        procs.append(p)
        rows.append(("stdlib floor, fixed reply, 32 conns", measure(load, floor_srv["url"] + "/", 32, a.duration, a.runs, ["floor", "1", "1"])))
        if a.compare:
            rows += _compared(load, a, procs)
        for n in (1_000, 100_000):
            p, emu = child("serve", n)
            procs.append(p)
            url = f"{emu['url']}{GETPATH}?access_token={emu['token']}"
            figure = measure(load, url, 32, a.duration, a.runs, ["getpath", str(emu["first"]), str(n)])
            rows.append((f"getPath direct, {n:,} orders, 32 conns", figure))
            if n == 1_000:
                rows.append(("gateway wx.api getPath, 1,000 orders, 128 conns",
                             measure(load, emu["url"] + "/admin", 128, a.duration, a.runs, ["gateway", str(emu["first"]), str(n)])))
                rows.append(("addOrder, unique ids, 32 conns",
                             measure(load, f"{emu['url']}{ADDORDER}?access_token={emu['token']}", 32, a.duration, 1, ["addorder", "1", "1"], order)))
                conn = http.client.HTTPConnection(emu["url"][7:])
                conn.request("GET", "/_emulator/orders")
                stored = json.loads(conn.getresponse().read())["count"] - n
                rows.append(("addOrder orders stored (unique inserts)", {"rps": stored, "p50_ms": 0, "p99_ms": 0, "errors": 0}))
    finally:
        for p in procs:
            p.kill()
            p.wait()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run (default 5)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is printed (default 3)")
    parser.add_argument("--compare", metavar="REF", help="also measure direct getPath of the emulator at git REF (e.g. 83c59a9), side by side")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--root", default="", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.serve is not None:
        serve(a.serve, a.root)
        return 0
    if a.floor is not None:
        floor()
        return 0
    from cloudfn.emulator.testing import order_wire

    load = run_wrk if shutil.which("wrk") else run_python
    print(f"load generator: {'wrk' if load is run_wrk else 'Python threads (wrk is missing: apt-get install wrk); figures understate the emulator'}")
    print(_load_average("before"))
    rows = _figures(load, a, json.dumps(order_wire("__ID__"), ensure_ascii=False))
    print(f"{'figure':52} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in rows:
        print(f"{name:52} {r['rps']:>9,.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors']:>7.0f}")
    fig = dict(rows)
    direct, direct_100k = fig["getPath direct, 1,000 orders, 32 conns"], fig["getPath direct, 100,000 orders, 32 conns"]
    gateway = fig["gateway wx.api getPath, 1,000 orders, 128 conns"]
    print(f"getPath vs floor: {direct['rps'] / fig['stdlib floor, fixed reply, 32 conns']['rps']:.2f}x; "
          f"100k/1k orders: {direct['rps'] / direct_100k['rps']:.2f}x slower; gateway/direct: {gateway['rps'] / direct['rps']:.2f}x, "
          f"gateway p99 {gateway['p99_ms']:.1f} ms")
    print(_load_average("after"))
    mem = memory_figures()
    print(f"memory after 100,000 token issues: {mem['tokens_mb']:.2f} MB, {mem['tokens_rows']:.0f} tokens held "
          f"({mem['token_issue_us']:.1f} us per issue, persisted); "
          f"after 100,000 events: {mem['events_mb']:.2f} MB ({mem['events_kept']:.0f} kept)")
    print(f"console overview at 100,000 orders: {console_overview_ms():.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
