"""The emulator's HTTP layer: thin handlers over :class:`~cloudfn.emulator.models.Backend`.

Stdlib ``ThreadingHTTPServer``, HTTP/1.1 keep-alive, Nagle off, each response written
in one ``sendall``. Logistics routes come from the model (``cloudfn.spec.by_path()``),
so a method added to the model is routed here without code. Every failure, including
malformed HTTP, is a WeChat-style ``{"errcode", "errmsg"}`` JSON reply; never a
traceback or a bare 500.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qsl

from .. import spec
from .models import error, rid

if TYPE_CHECKING:
    from . import Emulator

log = logging.getLogger("cloudfn.emulator")

MAX_BODY = 1024 * 1024  # 1 MiB
CONTENT_TYPE = "application/json; encoding=utf-8"
Reply = Tuple[int, Dict[str, str], bytes]
RouteHandler = Callable[["EmuRequest"], Reply]
_TOKEN_APIS = ("token", "stable_token")


class EmuRequest:
    """What a route handler sees; the body is already de-chunked."""

    __slots__ = ("body", "client", "headers", "method", "path", "query")

    def __init__(self, method: str, path: str, query: Dict[str, str], headers: Any, body: bytes, client: Tuple[str, int]) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client

    def json(self) -> Any:
        """The body as JSON (``{}`` when empty); ValueError when it is not JSON."""
        return loads(self.body) if self.body else {}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(body: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity; ValueError otherwise."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_reply(value: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": CONTENT_TYPE}, dumps(value)


class Faults:
    """Injected faults: for one API (or ``*``: every logistics method), the next N calls."""

    KINDS = ("errcode", "status", "delay_ms", "drop")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: List[Dict[str, Any]] = []
        self._ids = 0

    def add(self, spec_: Any) -> Dict[str, Any]:
        """Validate and register a fault; ValueError explains what is wrong."""
        if not isinstance(spec_, dict):
            raise ValueError("a fault is a JSON object")
        api = spec_.get("api", "*")
        known = set(spec.methods()) | set(_TOKEN_APIS) | {"*"}
        if api not in known:
            raise ValueError(f"api must be '*' or a logistics method name (or token, stable_token), got {api!r}")
        fault: Dict[str, Any] = {"api": api}
        for key in self.KINDS:
            if key not in spec_ or spec_[key] is None:
                continue
            value = spec_[key]
            if key == "drop":
                if not isinstance(value, bool):
                    raise ValueError("drop must be true or false")
            elif not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{key} must be an integer")
            elif key == "status" and not 400 <= value <= 599:
                raise ValueError("status must be an HTTP error status (400-599)")
            elif key == "delay_ms" and not 0 <= value <= 600000:
                raise ValueError("delay_ms must be between 0 and 600000")
            fault[key] = value
        if not any(k in fault for k in self.KINDS):
            raise ValueError("give one of errcode, status, delay_ms, drop")
        count = spec_.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("count must be a positive integer")
        with self._lock:
            self._ids += 1
            fault.update(id=self._ids, count=count, remaining=count)
            self._items.append(fault)
            return dict(fault)

    def take(self, api: str) -> Optional[Dict[str, Any]]:
        """The first pending fault for ``api``, consumed once; None when there is none."""
        if not self._items:
            return None
        with self._lock:
            for fault in self._items:
                if fault["api"] == api or (fault["api"] == "*" and api not in _TOKEN_APIS):
                    fault["remaining"] -= 1
                    if fault["remaining"] <= 0:
                        self._items.remove(fault)
                    return dict(fault)
        return None

    def list(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [dict(f) for f in self._items]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Calls:
    """How many requests reached each API path (faulted, rejected and failed ones included)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Dict[str, int] = {}

    def hit(self, api: str) -> None:
        with self._lock:
            self.counts[api] = self.counts.get(api, 0) + 1

    def snapshot(self) -> Dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()


class _Drop(Exception):
    """Close the connection without answering."""


class EmulatorServer(ThreadingHTTPServer):
    """The HTTP server; ``add_route`` extends it (also after start)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, emulator: "Emulator", address: Tuple[str, int]) -> None:
        self.emulator = emulator
        self.backend = emulator.backend
        self.faults = Faults()
        self.calls = Calls()
        self.routes: Dict[Tuple[str, str], RouteHandler] = {}
        self.api_paths = {path: m["name"] for path, m in spec.by_path().items()}
        self._connections: Set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)
        self._admin_routes()

    def add_route(self, method: str, path: str, handler: RouteHandler) -> None:
        """Serve ``method path`` with ``handler(req) -> (status, headers, body)``."""
        self.routes[(method.upper(), path)] = handler

    # connection tracking, so that stop() also ends idle keep-alive connections
    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            (self._connections.add if alive else self._connections.discard)(conn)

    def close_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:  # no traceback on stderr
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    # ------------------------------------------------------------------ built-in routes

    def _admin_routes(self) -> None:
        backend = self.backend
        emulator = self.emulator

        def health(req: EmuRequest) -> Reply:
            return json_reply({"ok": True})

        def reset(req: EmuRequest) -> Reply:
            emulator.reset()
            return json_reply({"ok": True})

        def orders(req: EmuRequest) -> Reply:
            items = backend.orders()
            return json_reply({"count": len(items), "orders": items})

        def faults_get(req: EmuRequest) -> Reply:
            return json_reply({"faults": self.faults.list()})

        def faults_post(req: EmuRequest) -> Reply:
            try:
                body = req.json()
                items = body if isinstance(body, list) else [body]
                added = [self.faults.add(item) for item in items]
            except ValueError as exc:
                return json_reply(error(47001, f"data format error hint: {exc}"), 400)
            return json_reply({"ok": True, "faults": added})

        def faults_delete(req: EmuRequest) -> Reply:
            self.faults.clear()
            return json_reply({"ok": True})

        def calls(req: EmuRequest) -> Reply:
            return json_reply({"calls": self.calls.snapshot()})

        def expire(req: EmuRequest) -> Reply:
            return json_reply({"ok": True, "expired": backend.expire_tokens()})

        def token(req: EmuRequest) -> Reply:
            q = req.query
            return json_reply(backend.issue_token(q.get("appid"), q.get("secret"), q.get("grant_type")))

        def stable_token(req: EmuRequest) -> Reply:
            try:
                body = req.json()
            except ValueError:
                return json_reply(error(47001, "data format error hint: request body is not valid JSON"))
            if not isinstance(body, dict):
                return json_reply(error(47001, "data format error hint: request body must be a JSON object"))
            force = body.get("force_refresh") is True
            return json_reply(backend.issue_token(body.get("appid"), body.get("secret"), body.get("grant_type"), stable=True, force_refresh=force))

        for method, path, fn in (
            ("GET", "/_emulator/health", health),
            ("POST", "/_emulator/reset", reset),
            ("GET", "/_emulator/orders", orders),
            ("GET", "/_emulator/faults", faults_get),
            ("POST", "/_emulator/faults", faults_post),
            ("DELETE", "/_emulator/faults", faults_delete),
            ("GET", "/_emulator/calls", calls),
            ("POST", "/_emulator/tokens/expire", expire),
        ):
            self.add_route(method, path, fn)
        self.add_route("GET", "/cgi-bin/token", self._counted("token", token))
        self.add_route("POST", "/cgi-bin/stable_token", self._counted("stable_token", stable_token))

    def _counted(self, api: str, fn: RouteHandler) -> RouteHandler:
        def route(req: EmuRequest) -> Reply:
            self.calls.hit(api)
            fault = self.faults.take(api)
            if fault is not None:
                injected = self.apply_fault(fault)
                if injected is not None:
                    return injected
            return fn(req)

        return route

    def apply_fault(self, fault: Dict[str, Any]) -> Optional[Reply]:
        """Carry out a fault: sleep, drop (raises), or the injected reply; None to go on normally."""
        if fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000.0)
        if fault.get("drop"):
            raise _Drop()
        if "status" in fault:
            return json_reply(error(-1, f"system error (injected HTTP {fault['status']})"), fault["status"])
        if "errcode" in fault:
            return json_reply(error(fault["errcode"], "injected fault"))
        return None

    def logistics(self, name: str, req: EmuRequest) -> Reply:
        """A logistics method call: count, faults, credential, body, backend."""
        self.calls.hit(name)
        fault = self.faults.take(name)
        if fault is not None:
            injected = self.apply_fault(fault)
            if injected is not None:
                return injected
        q = req.query
        appid, problem = self.backend.authenticate(q.get("access_token"), q.get("cloudbase_access_token"))
        if problem is not None:
            return json_reply(problem)
        body: Any = {}
        if req.body and spec.method(name)["http"] == "POST":
            try:
                body = loads(req.body)
            except ValueError:
                return json_reply(error(47001, "data format error hint: request body is not valid JSON"))
        return json_reply(self.backend.handle(name, body, appid))


_PHRASES = {s.value: s.phrase for s in HTTPStatus}


def _query(text: str) -> Dict[str, str]:
    """Query parameters; a plain split when nothing is percent- or plus-encoded."""
    if "%" in text or "+" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    out: Dict[str, str] = {}
    for part in text.split("&"):
        if part:
            key, _, value = part.partition("=")
            out[key] = value
    return out


class _Headers(dict):
    """Request headers: lower-case keys, case-insensitive ``get`` and ``[]``."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key.lower() if isinstance(key, str) else key)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "cloudfn-emulator"
    timeout = 300  # idle keep-alive connections end after this many seconds
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # no per-request logging
        pass

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Malformed HTTP (bad request line, headers...): a JSON reply, then close."""
        self.close_connection = True
        text = message or _PHRASES.get(code, "error")
        self._write(code, dumps(error(-1, f"bad request: {text}")), close=True)

    def parse_request(self) -> bool:
        """A lean HTTP/1.x request-line and header parser (the stdlib's email parser costs ~60 us)."""
        self.command = ""
        self.request_version = "HTTP/1.1"
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if len(words) != 3 or not words[2].startswith("HTTP/1."):
            self.send_error(HTTPStatus.BAD_REQUEST, "malformed request line (expected METHOD TARGET HTTP/1.x)")
            return False
        self.command, self.path, self.request_version = words
        version = words[2]
        headers = _Headers()
        readline = self.rfile.readline
        for _ in range(101):
            line = readline(65537)
            if len(line) > 65536:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            name, sep, value = line.decode("iso-8859-1").partition(":")
            if not sep or not name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, "malformed header line")
                return False
            key = name.strip().lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        else:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many headers")
            return False
        self.headers = headers  # type: ignore[assignment]
        connection = headers.get("connection", "").lower()
        if version == "HTTP/1.0":
            self.close_connection = "keep-alive" not in connection
        else:
            self.close_connection = "close" in connection
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._dispatch()
            self.wfile.flush()
        except (TimeoutError, ConnectionError, _Drop):
            self.close_connection = True

    def _write(self, status: int, payload: bytes, headers: Optional[Dict[str, str]] = None, close: bool = False) -> None:
        lines = [f"HTTP/1.1 {status} {_PHRASES.get(status, 'Unknown')}"]
        ctype = False
        for key, value in (headers or {}).items():
            if key.lower() in ("content-length", "connection"):
                continue
            ctype = ctype or key.lower() == "content-type"
            lines.append(f"{key}: {value}")
        if not ctype:
            lines.append(f"Content-Type: {CONTENT_TYPE}")
        lines.append(f"Content-Length: {len(payload)}")
        if close or self.close_connection:
            self.close_connection = True
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + payload)

    def _read_body(self) -> Optional[bytes]:
        """The request body (de-chunked), or None after an error reply was sent."""
        encoding = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in encoding:
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if not length_text:
            return b""
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            self._write(400, dumps(error(47001, "data format error hint: invalid Content-Length")), close=True)
            return None
        if length > MAX_BODY:
            if length <= 16 * MAX_BODY:  # read it away so the client sees the reply, not a reset
                remaining = length
                while remaining > 0:
                    got = self.rfile.read(min(remaining, 65536))
                    if not got:
                        break
                    remaining -= len(got)
            self._too_large()
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            raise ConnectionError("client closed mid-body")
        return body

    def _read_chunked(self) -> Optional[bytes]:
        out = bytearray()
        while True:
            line = self.rfile.readline(1026)
            if not line:
                raise ConnectionError("client closed mid-body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size < 0:
                    raise ValueError
            except ValueError:
                self._write(400, dumps(error(47001, "data format error hint: malformed chunked body")), close=True)
                return None
            if size == 0:
                while True:  # trailers up to the empty line
                    trailer = self.rfile.readline(65537)
                    if trailer in (b"\r\n", b"\n", b""):
                        return bytes(out)
            if len(out) + size > MAX_BODY:
                self._too_large()
                return None
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise ConnectionError("client closed mid-chunk")
            out += chunk
            self.rfile.readline(3)

    def _too_large(self) -> None:
        self._write(413, dumps(error(45002, f"content size out of limit hint: request body over {MAX_BODY} bytes")), close=True)

    def _dispatch(self) -> None:
        server = self.server
        target, _, query_text = self.path.partition("?")
        query = _query(query_text) if query_text else {}
        body = self._read_body()
        if body is None:
            return
        req = EmuRequest(self.command, target, query, self.headers, body, self.client_address)
        try:
            route = server.routes.get((self.command, target))
            if route is not None:
                status, headers, payload = route(req)
            elif target in server.api_paths and self.command in ("GET", "POST"):
                status, headers, payload = server.logistics(server.api_paths[target], req)
            elif target in server.api_paths or any(path == target for _, path in server.routes):
                code = 43002 if self.command != "GET" else 43001
                status, headers, payload = json_reply(error(code, f"require another HTTP method than {self.command}"), 405)
            else:
                status, headers, payload = json_reply(error(40066, f"invalid url: {target}"), 404)
        except _Drop:
            raise
        except Exception:  # never a traceback or a bare 500 to the client
            log.exception("emulator: %s %s failed", self.command, target)
            status, headers, payload = json_reply({"errcode": -1, "errmsg": f"system error rid: {rid()}"})
        self._write(status, payload, headers)
