"""The emulator's HTTP layer: the standard library's ``ThreadingHTTPServer`` (a thread per connection,
the keep-alive loop), a lean reader of the request line and headers (``read_headers``; the standard
library's header parser alone halved the request rate, see docs/notes/emulator-followup.md), a route
table ``(method, path) -> handler``, request guards and bounds.

Bounds: at most ``max_connections`` open connections (one thread each; more are answered 503
and closed), request headers at most 64 KiB in all and 100 lines, bodies at most 1 MiB (chunked
bodies decoded). Every failure, malformed HTTP included, is a WeChat-style ``{"errcode",
"errmsg"}`` JSON reply: never a traceback or a bare 500.
"""

from __future__ import annotations

import logging
import re
import socket
import struct
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterable, Mapping, NamedTuple, Optional, Set, Tuple
from urllib.parse import parse_qsl

from .guard import Guard
from .pipeline import Drop
from .wechat import CONTENT_TYPE, dumps, error, loads, rid

log = logging.getLogger("cloudfn.emulator")

MAX_BODY = 1024 * 1024  # 1 MiB
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_LINES = 100
MAX_CONNECTIONS = 256
IDLE_TIMEOUT = 120


class Reply(NamedTuple):
    status: int
    headers: Dict[str, str]
    body: bytes


def json_reply(value: Any, status: int = 200) -> Reply:
    return Reply(status, {"Content-Type": CONTENT_TYPE}, dumps(value))


class EmuRequest:
    """What a route handler sees; the body is already de-chunked."""

    __slots__ = ("body", "client", "headers", "method", "path", "query")

    def __init__(self, method: str, path: str, query: Dict[str, str], headers: Mapping[str, str], body: bytes, client: Tuple[str, int]) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client

    def json(self) -> Any:
        """The body as JSON (``{}`` when empty); ValueError when it is not JSON."""
        return loads(self.body) if self.body else {}


RouteHandler = Callable[[EmuRequest], Tuple[int, Dict[str, str], bytes]]


class Headers(Dict[str, str]):
    """Request headers: lower-case names, looked up by any case; a repeated header's values joined
    with ", " (so two different Host or Content-Length values are refused, never one picked)."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key.lower() if isinstance(key, str) else key)


_PHRASES = {s.value: s.phrase for s in HTTPStatus}
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class HeaderError(ValueError):
    """A header block that is refused; ``status`` is the HTTP answer (400 or 431)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_headers(rfile: Any, max_bytes: int = MAX_HEADER_BYTES, max_lines: int = MAX_HEADER_LINES) -> Headers:
    """The header block up to its empty line: at most ``max_bytes`` in all and ``max_lines`` lines; a
    line without a colon, a name that is no token (spaces before the colon) or a folded line is refused."""
    headers, left = Headers(), max_bytes
    for _ in range(max_lines + 1):
        line = rfile.readline(left + 1)
        left -= len(line)
        if left < 0:
            raise HeaderError(431, f"request headers over {max_bytes} bytes")
        if line in (b"\r\n", b"\n", b""):
            return headers
        name, sep, value = line.decode("iso-8859-1").partition(":")
        if not sep or not _TOKEN.match(name):
            raise HeaderError(400, "malformed header line" if line[:1] not in (b" ", b"\t") else "folded header lines are not accepted")
        key, value = name.lower(), value.strip(" \t\r\n")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    raise HeaderError(431, f"more than {max_lines} header lines")


class EmulatorServer(ThreadingHTTPServer):
    """Serves the route table; ``add_route`` extends it (also after start)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: Tuple[str, int], max_connections: int = MAX_CONNECTIONS, allow_hosts: Iterable[str] = ()) -> None:
        self.routes: Dict[Tuple[str, str], RouteHandler] = {}
        self.paths: Set[str] = set()
        self.max_connections = max_connections
        self.idle_timeout: float = IDLE_TIMEOUT  # a connection silent this long (between or within requests) is closed
        self._connections: Set[Any] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)
        self.guard = Guard(address[0], self.server_address[1], allow_hosts)

    def add_route(self, method: str, path: str, handler: RouteHandler) -> None:
        """Serve ``method path`` with ``handler(req) -> (status, headers, body)``."""
        self.routes[(method.upper(), path)] = handler
        self.paths.add(path)

    @property
    def connections(self) -> int:
        return len(self._connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            full = len(self._connections) >= self.max_connections
            if not full:
                self._connections.add(request)
        if full:  # answered here, no thread: the cap holds whatever the client does
            body = dumps(error(-1, f"system busy: over {self.max_connections} open connections"))
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: " + CONTENT_TYPE.encode()
                                + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            except OSError:
                pass
            super().shutdown_request(request)
            return
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection (idle keep-alive ones too)."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:  # no traceback on stderr
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def resolve(self, method: str, path: str) -> Optional[RouteHandler]:
        return self.routes.get((method, path))


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


def kernel_timeouts(sock: socket.socket, seconds: float) -> None:
    """A read or write blocked ``seconds`` fails (SO_RCVTIMEO / SO_SNDTIMEO), at no cost per call.

    A timed-out read then returns no data, so the connection ends as if the client had closed it.
    Where the options are missing, Python's socket timeout does the same at a higher cost per read.
    """
    whole = int(seconds)
    timeval = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
    except (OSError, AttributeError):
        sock.settimeout(seconds)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "cloudfn-emulator"
    timeout = None  # Python's socket timeout polls before every recv (a third of a keep-alive request's cost): see setup
    wbufsize = 65536  # head and body leave in one write, at flush
    server: EmulatorServer

    def setup(self) -> None:
        super().setup()
        kernel_timeouts(self.connection, self.server.idle_timeout)

    def log_message(self, format: str, *args: Any) -> None:  # no per-request logging
        pass

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Malformed HTTP (bad request line, headers...): a JSON reply, then close."""
        text = message or HTTPStatus(code).phrase
        self.request_version = "HTTP/1.1"  # answer in HTTP/1.1 even when the request line was unreadable
        self._write(code, dumps(error(-1, f"bad request: {text}")), close=True)

    def parse_request(self) -> bool:
        """The request line (HTTP/1.0 or 1.1) and the header block (``read_headers``), read here: the standard
        library's ``parse_headers`` runs the ``email`` parser, which costs more than the whole API call."""
        self.command, self.request_version, self.close_connection = "", "HTTP/1.1", True
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
            bad_version = len(words) == 3 and words[2].startswith("HTTP/")
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED if bad_version else HTTPStatus.BAD_REQUEST,
                            "unsupported HTTP version" if bad_version else "malformed request line (expected METHOD TARGET HTTP/1.x)")
            return False
        self.command, self.path, self.request_version = words
        try:
            headers = read_headers(self.rfile)
        except HeaderError as exc:
            self.send_error(exc.status, str(exc))
            return False
        self.headers = headers  # type: ignore[assignment]
        connection = headers.get("connection", "").lower()
        self.close_connection = "keep-alive" not in connection if self.request_version == "HTTP/1.0" else "close" in connection
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()  # the client waits for it before sending the body
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
            if self.parse_request():
                self._dispatch()
            self.wfile.flush()
        except (TimeoutError, ConnectionError, BlockingIOError, Drop):  # BlockingIOError: a kernel timeout on write
            self.close_connection = True

    def _write(self, status: int, payload: bytes, headers: Optional[Dict[str, str]] = None, close: bool = False) -> None:
        lines = [f"HTTP/1.1 {status} {_PHRASES.get(status, 'Unknown')}"]
        ctype = False
        for key, value in (headers or {}).items():
            low = key.lower()
            if low not in ("content-length", "connection"):
                ctype = ctype or low == "content-type"
                lines.append(f"{key}: {value}")
        if not ctype:
            lines.append(f"Content-Type: {CONTENT_TYPE}")
        lines.append(f"Content-Length: {len(payload)}")
        if close or self.close_connection:
            self.close_connection = True
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)

    def _read_body(self, headers: Headers) -> Optional[bytes]:
        """The request body (de-chunked), or None after an error reply was sent."""
        if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_text = headers.get("Content-Length")
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
                for _ in range(100):  # trailers up to the empty line
                    if self.rfile.readline(65537) in (b"\r\n", b"\n", b""):
                        break
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
        headers: Headers = self.headers  # type: ignore[assignment]
        refused = server.guard.refuse(self.command, target, headers)
        if refused is not None:
            self._write(403, dumps(error(-1, f"forbidden: {refused}")), close=True)
            return
        body = self._read_body(headers)
        if body is None:
            return
        req = EmuRequest(self.command, target, _query(query_text) if query_text else {}, headers, body, self.client_address)
        route = server.resolve(self.command, target)
        try:
            if route is not None:
                status, out, payload = route(req)
            elif target in server.paths:
                code = 43002 if self.command != "GET" else 43001
                status, out, payload = json_reply(error(code, f"require another HTTP method than {self.command}"), 405)
            else:
                status, out, payload = json_reply(error(40066, f"invalid url: {target}"), 404)
        except Drop:
            raise
        except Exception:  # never a traceback or a bare 500 to the client
            log.exception("emulator: %s %s failed", self.command, target)
            status, out, payload = json_reply({"errcode": -1, "errmsg": f"system error rid: {rid()}"})
        self._write(status, payload, out)
