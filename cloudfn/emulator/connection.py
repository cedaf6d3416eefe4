"""One client connection on the emulator's event loop: read a request (asyncio's stream framing, the
header block through :func:`~cloudfn.emulator.server.read_headers`), run its route, write the reply,
repeat while the connection is kept alive.

A route runs on the loop itself when it says it cannot block (``inline()`` true: the API routes
while no fault and no carrier hook is set), else in a worker thread. Every failure, malformed HTTP
included, is a WeChat-style ``{"errcode", "errmsg"}`` JSON reply, never a traceback.
"""

from __future__ import annotations

import asyncio
import io
import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Dict, Optional, Tuple

from .pipeline import Drop
from .request import MAX_HEADER_BYTES, EmuRequest, HeaderError, Headers, json_reply, query, read_headers
from .wechat import CONTENT_TYPE, dumps, error, rid

if TYPE_CHECKING:
    from .server import EmulatorServer

log = logging.getLogger("cloudfn.emulator")

MAX_BODY = 1024 * 1024  # 1 MiB
MAX_REQUEST_LINE = 65536
_PHRASES = {s.value: s.phrase for s in HTTPStatus}


class BadRequest(Exception):
    """Malformed HTTP: answered with ``status`` and a JSON error, then the connection closes."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def reply_bytes(status: int, payload: bytes, headers: Optional[Dict[str, str]], close: bool) -> bytes:
    """Status line, headers (Content-Type by default, Content-Length, ``Connection: close``) and body, in one buffer."""
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
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def parse_head(head: bytes) -> Tuple[str, str, str, Headers]:
    """(method, target, version, headers) of a request head ending in an empty line; BadRequest otherwise."""
    line, _, block = head.partition(b"\n")
    if len(line) > MAX_REQUEST_LINE:
        raise BadRequest(414, f"request line over {MAX_REQUEST_LINE} bytes")
    words = line.decode("iso-8859-1").split()
    if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
        if len(words) == 3 and words[2].startswith("HTTP/"):
            raise BadRequest(505, "unsupported HTTP version")
        raise BadRequest(400, "malformed request line (expected METHOD TARGET HTTP/1.x)")
    try:
        headers = read_headers(io.BytesIO(block))
    except HeaderError as exc:
        raise BadRequest(exc.status, str(exc)) from None
    return words[0], words[1], words[2], headers


class Connection:
    """Serves one connection; ``since`` is when it started waiting on its client (None while a route runs)."""

    def __init__(self, server: "EmulatorServer", reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.loop = asyncio.get_running_loop()
        self.since: Optional[float] = self.loop.time()
        peer = writer.get_extra_info("peername")
        self.client: Tuple[str, int] = (peer[0], peer[1]) if isinstance(peer, tuple) else ("", 0)

    async def serve(self) -> None:
        try:
            while await self._one():
                pass
        except (ConnectionError, asyncio.IncompleteReadError, Drop, OSError, ValueError):
            pass  # the client went away, sent garbage mid-body, or a fault dropped the connection
        finally:
            if not self.writer.transport.is_closing():
                self.writer.close()  # sends what is buffered, then closes

    def abort(self) -> None:
        """Close at once, dropping what is unsent (an idle or stuck client, the emulator stopping)."""
        self.writer.transport.abort()

    async def _send(self, status: int, payload: bytes, headers: Optional[Dict[str, str]] = None, close: bool = False) -> None:
        self.writer.write(reply_bytes(status, payload, headers, close))
        if self.writer.transport.get_write_buffer_size() > 65536:
            self.since = self.loop.time()  # a client that stops reading is timed out like a silent one
            await self.writer.drain()

    async def _refuse(self, status: int, code: int, message: str) -> bool:
        await self._send(status, dumps(error(code, message)), close=True)
        return False

    async def _head(self) -> Optional[bytes]:
        """The request line and header block; None when the client closed between requests."""
        try:
            return await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise BadRequest(400, "incomplete request head") from None
            return None
        except asyncio.LimitOverrunError:
            start = await self.reader.read(MAX_REQUEST_LINE + 1)
            if b"\n" not in start:
                raise BadRequest(414, f"request line over {MAX_REQUEST_LINE} bytes") from None
            raise BadRequest(431, f"request headers over {MAX_HEADER_BYTES} bytes") from None

    async def _one(self) -> bool:
        """Serve one request; whether to keep the connection."""
        self.since = self.loop.time()
        try:
            head = await self._head()
            if head is None:
                return False
            method, target, version, headers = parse_head(head)
        except BadRequest as exc:
            return await self._refuse(exc.status, -1, f"bad request: {exc}")
        connection = headers.get("connection", "").lower()
        close = "keep-alive" not in connection if version == "HTTP/1.0" else "close" in connection
        path, _, query_text = target.partition("?")
        refused = self.server.guard.refuse(method, path, headers)
        if refused is not None:
            return await self._refuse(403, -1, f"forbidden: {refused}")
        if headers.get("expect", "").lower() == "100-continue":
            self.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # the client waits for it before sending the body
        body = await self._body(headers)
        if body is None:
            return False
        self.since = None
        status, out, payload = await self._route(method, path, query_text, headers, body)
        await self._send(status, payload, out, close)
        return not close

    async def _route(self, method: str, path: str, query_text: str, headers: Headers, body: bytes) -> Tuple[int, Dict[str, str], bytes]:
        server = self.server
        route = server.resolve(method, path)
        if route is None:
            if path in server.paths:
                return json_reply(error(43002 if method != "GET" else 43001, f"require another HTTP method than {method}"), 405)
            return json_reply(error(40066, f"invalid url: {path}"), 404)
        req = EmuRequest(method, path, query(query_text) if query_text else {}, headers, body, self.client)
        handler, inline = route
        try:
            if inline is not None and inline():
                return handler(req)
            result: Tuple[int, Dict[str, str], bytes] = await server.workers.run(self.loop, lambda: handler(req))
            return result
        except Drop:
            raise
        except Exception:  # never a traceback or a bare 500 to the client
            log.exception("emulator: %s %s failed", method, path)
            return json_reply({"errcode": -1, "errmsg": f"system error rid: {rid()}"})

    async def _body(self, headers: Headers) -> Optional[bytes]:
        """The request body (de-chunked), or None after an error reply was sent."""
        if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
            return await self._chunked()
        length_text = headers.get("Content-Length")
        if not length_text:
            return b""
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            await self._refuse(400, 47001, "data format error hint: invalid Content-Length")
            return None
        if length > MAX_BODY:
            if length <= 16 * MAX_BODY:  # read it away so the client sees the reply, not a reset
                await self._discard(length)
            await self._too_large()
            return None
        return await self.reader.readexactly(length)

    async def _discard(self, length: int) -> None:
        while length > 0:
            got = await self.reader.read(min(length, 65536))
            if not got:
                return
            length -= len(got)

    async def _chunked(self) -> Optional[bytes]:
        out = bytearray()
        while True:
            line = await self.reader.readline()
            if not line:
                raise ConnectionError("client closed mid-body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16) if len(line) <= 1026 else -1
                if size < 0:
                    raise ValueError
            except ValueError:
                await self._refuse(400, 47001, "data format error hint: malformed chunked body")
                return None
            if size == 0:
                for _ in range(100):  # trailers up to the empty line
                    if await self.reader.readline() in (b"\r\n", b"\n", b""):
                        break
                return bytes(out)
            if len(out) + size > MAX_BODY:
                await self._too_large()
                return None
            out += await self.reader.readexactly(size)
            await self.reader.readline()

    async def _too_large(self) -> None:
        await self._refuse(413, 45002, f"content size out of limit hint: request body over {MAX_BODY} bytes")
