"""The emulator's HTTP layer: one asyncio event loop (standard library) in the emulator's thread
serving every connection (:mod:`~cloudfn.emulator.connection`; requests and the header reader in
:mod:`~cloudfn.emulator.request`), a route table ``(method, path) -> handler``, request guards and bounds.

Why a loop, not a thread per connection: under the GIL, 128 connection threads starve one another;
one loop answers in arrival order, and only routes that may block run in worker threads
(docs/emulator/operations.md).

Bounds: at most ``max_connections`` open connections (more are answered 503 and closed), a request
head at most 64 KiB of request line plus 64 KiB and 100 lines of headers, bodies at most 1 MiB
(chunked bodies decoded), and ``idle_timeout`` seconds to send a whole request (or to read a reply)
before the connection is closed. Every failure, malformed HTTP included, is a WeChat-style
``{"errcode", "errmsg"}`` JSON reply: never a traceback or a bare 500.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Callable, Dict, Iterable, Optional, Set, Tuple

from .connection import MAX_BODY, MAX_REQUEST_LINE, Connection, reply_bytes
from .guard import Guard
from .request import MAX_HEADER_BYTES, EmuRequest, HeaderError, Headers, Reply, RouteHandler, json_reply, read_headers
from .wechat import dumps, error
from .workers import Workers

__all__ = ["MAX_BODY", "EmuRequest", "EmulatorServer", "HeaderError", "Headers", "Reply", "RouteHandler", "json_reply", "read_headers"]

MAX_CONNECTIONS = 256
IDLE_TIMEOUT = 120


class EmulatorServer:
    """Serves the route table on one event loop; ``add_route`` extends it (also after start).

    The socket is bound when the server is made; ``serve_forever()`` runs the loop in the calling
    thread until ``shutdown()``."""

    def __init__(self, address: Tuple[str, int], max_connections: int = MAX_CONNECTIONS, allow_hosts: Iterable[str] = ()) -> None:
        self.routes: Dict[Tuple[str, str], Tuple[RouteHandler, Optional[Callable[[], bool]]]] = {}
        self.paths: Set[str] = set()
        self.max_connections = max_connections
        self.idle_timeout: float = IDLE_TIMEOUT  # seconds to send a whole request, or to read a reply
        self.workers = Workers()
        self._connections: Set[Connection] = set()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop: Optional[asyncio.Event] = None
        self.ready = threading.Event()  # set once the loop accepts connections
        self._done = threading.Event()
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(address)
            self.socket.listen(1024)
        except OSError:
            self.socket.close()
            raise
        self.server_address: Tuple[str, int] = self.socket.getsockname()[:2]
        self.guard = Guard(address[0], self.server_address[1], allow_hosts)

    def add_route(self, method: str, path: str, handler: RouteHandler, inline: Optional[Callable[[], bool]] = None) -> None:
        """Serve ``method path`` with ``handler(req) -> (status, headers, body)``. It runs in a worker thread
        unless ``inline()`` says, at each request, that it cannot block: then on the event loop itself."""
        self.routes[(method.upper(), path)] = (handler, inline)
        self.paths.add(path)

    def resolve(self, method: str, path: str) -> Optional[Tuple[RouteHandler, Optional[Callable[[], bool]]]]:
        return self.routes.get((method, path))

    @property
    def connections(self) -> int:
        return len(self._connections)

    def serve_forever(self) -> None:
        """Serve until ``shutdown()``, which also closes every open connection."""
        try:
            asyncio.run(self._serve())
        finally:
            self._done.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        listener = await asyncio.start_server(self._accept, sock=self.socket, limit=MAX_REQUEST_LINE + MAX_HEADER_BYTES + 4)
        sweeper = asyncio.ensure_future(self._sweep())
        self.ready.set()
        try:
            await self._stop.wait()
        finally:
            sweeper.cancel()
            listener.close()
            self._abort_all()
            self.workers.close()
            for _ in range(3):  # let the aborted connections see it and end before the loop cancels what is left
                await asyncio.sleep(0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= self.max_connections:  # answered at once: the cap holds whatever the client does
            body = dumps(error(-1, f"system busy: over {self.max_connections} open connections"))
            writer.write(reply_bytes(503, body, None, close=True))
            writer.close()
            return
        conn = Connection(self, reader, writer)
        self._connections.add(conn)
        try:
            await conn.serve()
        except asyncio.CancelledError:  # the emulator stopping: end quietly (asyncio logs a cancelled connection task)
            pass
        finally:
            self._connections.discard(conn)

    async def _sweep(self) -> None:
        """Close connections that have waited on their client longer than ``idle_timeout``."""
        while True:
            await asyncio.sleep(min(1.0, self.idle_timeout / 4))
            deadline = asyncio.get_running_loop().time() - self.idle_timeout
            for conn in list(self._connections):
                if conn.since is not None and conn.since < deadline:
                    conn.abort()

    def shutdown(self) -> None:
        """Stop serving (open connections are closed); returns once the loop has ended."""
        self.ready.wait(timeout=10)  # a shutdown right after start waits for the loop to exist
        loop, stop = self._loop, self._stop
        if loop is None or stop is None or self._done.is_set():
            return
        try:
            loop.call_soon_threadsafe(stop.set)
        except RuntimeError:  # the loop already ended
            return
        self._done.wait(timeout=10)

    def _abort_all(self) -> None:
        for conn in list(self._connections):
            conn.abort()

    def server_close(self) -> None:
        self.socket.close()
