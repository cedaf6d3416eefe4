"""Emulator throughput, latency and memory.

1. Starts ``cloudfn emulator`` as a subprocess on a file database, creates one TEST order.
2. Drives getPath (valid token) from 32 keep-alive connections of a SEPARATE load-generator
   process: ``wrk`` when installed (``apt-get install wrk``), else a Python multi-process
   generator (http.client keep-alive). Reports requests/s, p50/p99 latency and errors, median
   of 3 runs (after a warm-up run).
3. Inserts 100,000 orders THROUGH THE API (addOrder over HTTP, same load generator) and reads
   the emulator's resident memory (VmRSS and peak VmHWM from /proc/<pid>/status).

Targets (issue 4): >= 2,000 req/s, p99 < 25 ms, zero errors, RSS < 80 MB. Figures are
printed, never asserted. ``--help`` for options.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from cloudfn.emulator.testing import order_wire  # noqa: E402

GETPATH = "/cgi-bin/express/business/path/get"
ADDORDER = "/cgi-bin/express/business/order/add"

WRK_SCRIPT = r"""
local threads = {}
local counter = 0
local tid = 0
local prefix = ""
errors = 0

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local f = io.open(args[1]); template = f:read("*a"); f:close()
  prefix = args[2] or ""
  unique = template:find("__ID__") ~= nil
  if not unique then wrk.body = template end
end

function request()
  if unique then
    counter = counter + 1
    local body = template:gsub("__ID__", prefix .. "t" .. tid .. "-" .. counter)
    return wrk.format(nil, nil, nil, body)
  end
  return wrk.format()
end

function response(status, headers, body)
  if status ~= 200 or body:sub(1, 13) ~= '{"errcode":0,' then errors = errors + 1 end
end

function done(summary, latency, requests)
  local errs = 0
  for _, t in ipairs(threads) do errs = errs + t:get("errors") end
  local s = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errs,
    s.connect + s.read + s.write + s.timeout + s.status))
end
"""


# ---------------------------------------------------------------- emulator process


def start_emulator(data: str) -> Tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=ROOT)
    for key in ("WX_APPID", "WX_APPSECRET"):
        env.pop(key, None)
    proc = subprocess.Popen([sys.executable, "-m", "cloudfn.cli", "emulator", "--port", "0", "--data", data],
                            cwd=os.path.dirname(data), env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for _ in range(10):
        line = proc.stdout.readline()
        match = re.match(r"export CLOUDFN_API_BASE=http://([\d.]+):(\d+)", line)
        if match:
            return proc, f"{match.group(1)}:{match.group(2)}"
    proc.kill()
    raise SystemExit("the emulator did not start")


def call(hostport: str, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    host, port = hostport.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers={"Content-Type": "application/json"})
    reply = json.loads(conn.getresponse().read())
    conn.close()
    return reply


def rss_kb(pid: int) -> Dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


# ---------------------------------------------------------------- load generators


def run_wrk(hostport: str, path: str, body_file: str, connections: int, duration: float, prefix: str = "") -> Dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT)
        script = f.name
    threads = 2 if prefix else 1  # addOrder bodies are built in Lua: two threads
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", script,
           f"http://{hostport}{path}", "--", body_file, prefix]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(script)
    result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "errors": result["errors"] + result["socket_errors"],
        "requests": result["requests"],
    }


def _py_worker(args: Tuple[str, str, str, int, float, str, int, Any]) -> None:
    import threading

    hostport, path, template, nthreads, duration, prefix, wid, queue = args
    host, port = hostport.split(":")
    latencies: List[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def loop(tid: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        mine: List[float] = []
        bad = 0
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            body = template.replace("__ID__", f"{prefix}p{wid}-{tid}-{n}").encode()
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                if r.status != 200 or not data.startswith(b'{"errcode":0,'):
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(nthreads)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((latencies, errors[0], time.perf_counter() - started))


def run_python(hostport: str, path: str, body_file: str, connections: int, duration: float, prefix: str = "") -> Dict[str, float]:
    with open(body_file) as f:
        template = f.read()
    procs = min(4, connections)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_py_worker, args=((hostport, path, template, connections // procs + (i < connections % procs),
                                                     duration, prefix, i, queue),)) for i in range(procs)]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    latencies = sorted(x for r in results for x in r[0])
    elapsed = max(r[2] for r in results)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        "errors": sum(r[1] for r in results),
        "requests": len(latencies),
    }


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs; the median is reported (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--orders", type=int, default=100_000, help="orders to insert for the memory figure (0 to skip)")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto", help="load generator (default: wrk if installed)")
    args = parser.parse_args()

    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk"))
    generate = run_wrk if use_wrk else run_python
    tmp = tempfile.mkdtemp(prefix="cloudfn-bench-emulator-")
    data = os.path.join(tmp, "emulator.sqlite3")
    proc, hostport = start_emulator(data)
    try:
        token = call(hostport, "POST", "/cgi-bin/stable_token",
                     {"grant_type": "client_credential", "appid": "wx0000000000000000", "secret": "cloudfn-demo-secret"})["access_token"]
        added = call(hostport, "POST", f"{ADDORDER}?access_token={token}", order_wire("bench-order"))
        assert added["errcode"] == 0, added
        call(hostport, "POST", f"/cgi-bin/express/business/test_update_order?access_token={token}",
             {"biz_id": "test_biz_id", "order_id": "bench-order", "delivery_id": "TEST", "waybill_id": added["waybill_id"],
              "action_time": int(time.time()), "action_type": 100001, "action_msg": "揽件成功"})
        getpath_file = os.path.join(tmp, "getpath.json")
        with open(getpath_file, "w") as f:
            json.dump({"delivery_id": "TEST", "waybill_id": added["waybill_id"], "order_id": "bench-order"}, f)
        url = f"{GETPATH}?access_token={token}"

        print(f"load generator: {'wrk' if use_wrk else 'python (multi-process, http.client keep-alive)'}, "
              f"{args.connections} connections, {args.runs} x {args.duration:g} s (+ warm-up)")
        generate(hostport, url, getpath_file, args.connections, min(3.0, args.duration))
        runs = []
        for i in range(args.runs):
            r = generate(hostport, url, getpath_file, args.connections, args.duration)
            runs.append(r)
            print(f"  run {i + 1}: {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms  errors {r['errors']}")
        med = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50_ms", "p99_ms", "errors")}
        print(f"getPath median: {med['rps']:.0f} req/s, p50 {med['p50_ms']:.2f} ms, p99 {med['p99_ms']:.2f} ms, errors {med['errors']:.0f}"
              f"  (targets: >= 2000 req/s, p99 < 25 ms, 0 errors)")
        result: Dict[str, Any] = {"getPath": med}

        if args.orders:
            template = json.dumps(order_wire("bench-__ID__"), ensure_ascii=False)
            order_file = os.path.join(tmp, "order.json")
            with open(order_file, "w") as f:
                f.write(template)
            before = rss_kb(proc.pid)
            started = time.perf_counter()
            inserted, chunk, rate = 0, 0, 0.0
            while inserted < args.orders:  # timed chunks until enough (the last one sized from the measured rate)
                chunk += 1
                seconds = 5.0 if not rate else min(60.0, max(1.0, (args.orders - inserted) / rate + 0.5))
                r = generate(hostport, f"{ADDORDER}?access_token={token}", order_file, args.connections, seconds, f"c{chunk}-")
                rate = r["rps"] or 1.0
                db = sqlite3.connect(data, timeout=30)
                inserted = db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] - 1
                db.close()
            elapsed = time.perf_counter() - started
            after = rss_kb(proc.pid)
            print(f"addOrder via HTTP: {inserted} orders in {elapsed:.1f} s ({inserted / elapsed:.0f} orders/s)")
            print(f"emulator RSS: {before['VmRSS'] / 1024:.1f} MB before, {after['VmRSS'] / 1024:.1f} MB after {inserted} orders "
                  f"(peak {after['VmHWM'] / 1024:.1f} MB; target < 80 MB); data file {os.path.getsize(data) / 1e6:.1f} MB")
            r = generate(hostport, url, getpath_file, args.connections, args.duration)
            print(f"getPath with {inserted} orders stored: {r['rps']:.0f} req/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
                  f"errors {r['errors']}")
            result.update(orders=inserted, rss_mb=after["VmRSS"] / 1024, peak_rss_mb=after["VmHWM"] / 1024,
                          addorder_per_s=inserted / elapsed, getPath_after_orders=r)
        print("RESULT " + json.dumps(result))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
