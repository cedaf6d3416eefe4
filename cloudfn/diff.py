"""``cloudfn diff``: run one call list through Node wx-server-sdk and through cloudfn, report every difference.

    cloudfn diff CALLS.json [--node-dir DIR] [--transports https,cloudbase,cloudcall] [--no-node]

CALLS.json is a JSON list; each entry is ``[method, camelCaseArgs]`` or an object
``{"method": ..., "args": {...}, "validate": false, "fault": {...}, "note": "..."}``:

- ``validate: false`` runs cloudfn without client-side validation for that call (Node has
  none), so server-side errors such as 9300517 can be compared;
- ``fault`` is posted to the emulator's ``/_emulator/faults`` just before the call (for
  example ``{"errcode": -1}``; ``api`` defaults to the call's method);
- string values ``${order:<order_id>.<field>}`` (``token``, ``waybill_id``...) and ``${appid}``
  are filled in from the emulator (``GET /_emulator/orders``) right before the call.

Each target (Node, then cloudfn on each transport) runs the whole list against its own fresh
emulator, so generated ids line up. Outcomes are ``{"ok": result}`` or ``{"error": {errCode,
errMsg}}``; volatile values are normalised first (the `` rid: ...`` suffix, timestamps near
now, tokens). Every difference in result shape or value, errCode or errMsg is printed; the exit
status is 1 when there is any, 0 when none, 2 when a target cannot run (no Node, no wx-server-sdk).

Node needs ``wx-server-sdk`` installed in ``--node-dir`` (default: ``$CLOUDFN_NODE_DIR`` or the
current directory): ``npm install wx-server-sdk@4.0.2``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import requests

from .errors import CloudSDKError

TRANSPORTS = ("https", "cloudbase", "cloudcall")
CLOUDBASE_TOKEN = "cloudfn-diff-cloudbase-token"
SECRET_ID = "AKIDcloudfndiff"
SECRET_KEY = "cloudfn-diff-secret-key"
ENV_ID = "cloudfn-diff"

# The Node side of the harness, shipped as package data and shared with the tests.
RUNNER_JS_PATH = Path(__file__).with_name("data") / "run_calls.js"


def runner_js() -> str:
    """The Node script that runs calls through the unmodified wx-server-sdk (``node -e``, cwd = the node dir)."""
    return RUNNER_JS_PATH.read_text(encoding="utf-8")

_PLATFORM_PREFIXES = ("WX_", "TCB_", "SCF_", "TENCENTCLOUD", "TRIGGER_SRC", "CLOUDFN_", "CLOUDBASE_", "CBR_", "SUMERU_")
_PLACEHOLDER = re.compile(r"\$\{(appid|order:([^.}]+)\.([a-z_]+))\}")
_RID = re.compile(r" rid: [0-9A-Za-z-]+")
_VOLATILE_KEYS = frozenset({"token", "rid"})


class SetupError(Exception):
    """A target cannot run (Node or wx-server-sdk missing, a bad call list)."""


# --------------------------------------------------------------------------- call list


class Call:
    def __init__(self, method: str, args: Any, validate: bool = True, fault: Optional[Dict[str, Any]] = None, note: str = "") -> None:
        self.method = method
        self.args = args if args is not None else {}
        self.validate = validate
        self.fault = fault
        self.note = note

    def __repr__(self) -> str:
        return f"<Call {self.method}>"


def load_calls(data: Any) -> List[Call]:
    """Parse a call list (the JSON document), raising SetupError with the entry number."""
    if not isinstance(data, list):
        raise SetupError("the call list must be a JSON array of [method, args] or {\"method\", \"args\"} entries")
    calls = []
    for i, entry in enumerate(data):
        if isinstance(entry, list) and len(entry) in (1, 2) and isinstance(entry[0], str):
            calls.append(Call(entry[0], entry[1] if len(entry) == 2 else {}))
        elif isinstance(entry, dict) and isinstance(entry.get("method"), str):
            unknown = set(entry) - {"method", "args", "validate", "fault", "note"}
            if unknown:
                raise SetupError(f"call #{i}: unknown key(s) {', '.join(sorted(unknown))}")
            fault = entry.get("fault")
            if fault is not None and not isinstance(fault, dict):
                raise SetupError(f"call #{i}: fault must be an object such as {{\"errcode\": -1}}")
            calls.append(Call(entry["method"], entry.get("args", {}), entry.get("validate", True) is not False, fault, entry.get("note", "")))
        else:
            raise SetupError(f"call #{i}: expected [method, args] or {{\"method\": ..., \"args\": ...}}, got {json.dumps(entry)[:80]}")
    return calls


def resolve(value: Any, emulator: Any) -> Any:
    """Fill ``${appid}`` and ``${order:ID.field}`` placeholders from the emulator."""
    orders: Optional[Dict[str, Dict[str, Any]]] = None

    def fill(text: str) -> Any:
        nonlocal orders
        m = _PLACEHOLDER.fullmatch(text)
        if not m:
            return text
        if m.group(1) == "appid":
            return emulator.appid
        if orders is None:
            got = requests.get(emulator.base_url + "/_emulator/orders", timeout=10).json()
            orders = {o["order_id"]: o for o in got["orders"]}
        order = orders.get(m.group(2))
        if order is None or m.group(3) not in order:
            return text  # left as is: the call then fails the same way everywhere
        return order[m.group(3)]

    def walk(v: Any) -> Any:
        if isinstance(v, str) and "${" in v:
            return fill(v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    return walk(value)


# --------------------------------------------------------------------------- targets


class NodeTarget:
    """wx-server-sdk in ``node_dir``, one interactive process per emulator."""

    name = "node"

    def __init__(self, node_dir: Path) -> None:
        self.node_dir = node_dir
        if shutil.which("node") is None:
            raise SetupError("`node` is not on PATH: install Node.js (>= 16) to compare with wx-server-sdk, or pass --no-node")
        if not (node_dir / "node_modules" / "wx-server-sdk" / "package.json").is_file():
            raise SetupError(f"wx-server-sdk is not installed in {node_dir}: run `npm install wx-server-sdk@4.0.2` there, or pass --node-dir")
        self.proc: Optional[subprocess.Popen] = None

    def start(self, emulator: Any) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_PLATFORM_PREFIXES)}
        self.proc = subprocess.Popen(
            ["node", "-e", runner_js()], cwd=self.node_dir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8",
        )
        self._send({"env": ENV_ID, "serviceUrl": emulator.base_url + "/admin", "secretId": SECRET_ID, "secretKey": SECRET_KEY})

    def _send(self, doc: Any) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(doc, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()

    def call(self, call: Call, args: Any) -> Dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        self._send([call.method, args])
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise SetupError(f"the Node runner ended early: {err[-2000:]}")
        outcome = json.loads(line)
        if "error" in outcome:
            outcome["error"] = {"errCode": outcome["error"].get("errCode"), "errMsg": outcome["error"].get("errMsg")}
        return outcome

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.stdin:
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for stream in (self.proc.stdout, self.proc.stderr):
                if stream:
                    stream.close()
            self.proc = None


class PythonTarget:
    """cloudfn on one transport, configured for the emulator with nothing from the environment."""

    def __init__(self, transport: str) -> None:
        self.transport = transport
        self.name = f"cloudfn/{transport}"
        self.clients: Dict[bool, Any] = {}

    def start(self, emulator: Any) -> None:
        from .config import resolve as resolve_config
        from .core import Client
        from .tokens import MemoryTokenStore

        options: Dict[str, Any] = {"transport": self.transport, "env": ENV_ID, "token_store": MemoryTokenStore()}
        environ: Dict[str, str] = {}
        if self.transport == "https":
            options.update(appid=emulator.appid, secret=emulator.secret, api_base=emulator.base_url)
        elif self.transport == "cloudbase":
            options.update(cloudbase_token=emulator.cloudbase_token, api_base=emulator.base_url)
        else:
            options.update(service_url=emulator.base_url + "/admin")
            environ.update(TENCENTCLOUD_SECRETID=SECRET_ID, TENCENTCLOUD_SECRETKEY=SECRET_KEY)
        self.clients = {flag: Client(resolve_config(dict(options, validate=flag), environ=environ)) for flag in (True, False)}

    def call(self, call: Call, args: Any) -> Dict[str, Any]:
        try:
            result = self.clients[call.validate].call("logistics." + call.method, args)
        except CloudSDKError as exc:
            return {"error": {"errCode": exc.errCode, "errMsg": exc.errMsg}}
        return {"ok": json.loads(json.dumps(result, default=_jsonable, ensure_ascii=False))}

    def stop(self) -> None:
        for client in self.clients.values():
            client.close()
        self.clients = {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"$buffer": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"{type(value).__name__} is not JSON")


def run_target(target: Any, calls: Sequence[Call]) -> List[Dict[str, Any]]:
    """All calls through one target against its own fresh emulator; normalised outcomes."""
    from .emulator import running

    outcomes = []
    with running(cloudbase_token=CLOUDBASE_TOKEN) as emulator:
        target.start(emulator)
        try:
            for call in calls:
                if call.fault is not None:
                    fault = dict({"api": call.method}, **call.fault)
                    requests.post(emulator.base_url + "/_emulator/faults", json=fault, timeout=10).raise_for_status()
                outcomes.append(normalise(target.call(call, resolve(call.args, emulator))))
        finally:
            target.stop()
    return outcomes


# --------------------------------------------------------------------------- comparison


def normalise(value: Any, now: Optional[float] = None, key: str = "") -> Any:
    """Volatile values replaced: rid suffixes, timestamps within a day of now, tokens."""
    now = time.time() if now is None else now
    if isinstance(value, dict):
        return {k: ("<volatile>" if k in _VOLATILE_KEYS else normalise(v, now, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, now, key) for v in value]
    if isinstance(value, str):
        return _RID.sub(" rid: <rid>", value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value - now) < 86400:
        return "<time>"
    return value


def differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Human-readable differences between two normalised outcomes."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in expected:
            if k not in actual:
                yield f"{path}.{k}: missing (expected {_short(expected[k])})"
        for k in actual:
            if k not in expected:
                yield f"{path}.{k}: unexpected {_short(actual[k])}"
        for k in expected:
            if k in actual:
                yield from differences(expected[k], actual[k], f"{path}.{k}")
        if list(expected) != list(actual) and set(expected) == set(actual):
            yield f"{path or '.'}: key order {list(actual)} != {list(expected)}"
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{path}: {len(actual)} items != {len(expected)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            yield from differences(e, a, f"{path}[{i}]")
    elif type(expected) is not type(actual) or expected != actual:
        yield f"{path or '.'}: {_short(actual)} != {_short(expected)}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def compare(calls: Sequence[Call], runs: Dict[str, List[Dict[str, Any]]], baseline: str) -> List[str]:
    """Every difference of each target against ``baseline``, one line each."""
    lines = []
    for name, outcomes in runs.items():
        if name == baseline:
            continue
        for i, (call, want, got) in enumerate(zip(calls, runs[baseline], outcomes)):
            for diff in differences(want, got):
                lines.append(f"call #{i} {call.method}: {name} vs {baseline}: {diff}")
    return lines


def run(args: argparse.Namespace) -> int:
    try:
        with open(args.calls, encoding="utf-8") as f:
            calls = load_calls(json.load(f))
        names = [t.strip() for t in args.transports.split(",") if t.strip()]
        bad = [t for t in names if t not in TRANSPORTS]
        if bad:
            raise SetupError(f"unknown transport(s) {', '.join(bad)}: choose from {', '.join(TRANSPORTS)}")
        targets: List[Any] = []
        if not args.no_node:
            targets.append(NodeTarget(Path(args.node_dir or os.environ.get("CLOUDFN_NODE_DIR") or ".").resolve()))
        targets += [PythonTarget(t) for t in names]
        if len(targets) < 2:
            raise SetupError("nothing to compare: give at least two targets")
        runs = {target.name: run_target(target, calls) for target in targets}
    except (SetupError, OSError, ValueError) as exc:
        print(f"cloudfn diff: {exc}", file=sys.stderr)
        return 2
    baseline = targets[0].name
    found = compare(calls, runs, baseline)
    if args.json:
        print(json.dumps({"targets": list(runs), "baseline": baseline, "differences": found, "outcomes": runs}, ensure_ascii=False, indent=1))
    else:
        for line in found:
            print(line)
        summary = f"{len(calls)} calls x {len(runs)} targets ({', '.join(runs)}): "
        print(summary + (f"{len(found)} difference(s)" if found else "no differences"), file=sys.stderr)
    return 1 if found else 0


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = "Run a call list through Node wx-server-sdk and cloudfn's transports, each on a fresh emulator; print differences."
    parser.add_argument("calls", help="JSON list of [method, camelCaseArgs] or {method, args, validate, fault} entries")
    parser.add_argument("--node-dir", help="directory with node_modules/wx-server-sdk (default: $CLOUDFN_NODE_DIR or the current directory)")
    parser.add_argument("--transports", default=",".join(TRANSPORTS), help="cloudfn transports to compare (default: %(default)s)")
    parser.add_argument("--no-node", action="store_true", help="compare cloudfn transports with each other only (the first is the baseline)")
    parser.add_argument("--json", action="store_true", help="print outcomes and differences as JSON")
    parser.set_defaults(func=run)


def corpus_path() -> Path:
    """The shipped corpus: every logistics method and every seed error code."""
    return Path(__file__).resolve().parent / "data" / "diff-corpus.json"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="cloudfn diff")
    register(parser)
    ns = parser.parse_args(argv)
    return ns.func(ns)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__: Tuple[str, ...] = ("TRANSPORTS", "Call", "NodeTarget", "PythonTarget", "compare", "load_calls", "normalise", "register", "run", "run_target")
