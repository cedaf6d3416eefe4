"""The one aiohttp boundary of :mod:`cloudfn.aio`: a session per event loop, and faults translated.

Retry rule and messages are those of :mod:`cloudfn.transports.http`: a request that certainly
never reached the server (connection refused, connect timeout) may be sent again; a read is
retried once on any connection error; a write is never sent twice once it may have arrived; a
read timeout is not retried. aiohttp/asyncio errors become the same ``CloudSDKError`` codes and
texts as the requests-based transports give for the same fault.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
import time
from typing import Any, AsyncIterator, Dict, List, Optional, Set, Tuple

import aiohttp
import yarl

from .. import redact
from ..errors import OPENAPI_TIMEOUT, WX_SYSTEM_NETWORK_ERROR, CloudSDKError, fail_msg
from ..transports.base import Request, Response

log = logging.getLogger("cloudfn.aio")
redact.install_log_filter()

POOL_SIZE = 100  # connections per instance per event loop (aiohttp queues callers beyond it)
_CONNECT_TIMEOUT = getattr(aiohttp, "ConnectionTimeoutError", ())  # aiohttp >= 3.10


class _Entry:
    """A loop's session, the async generator that closes it at loop shutdown, and its requests in flight."""

    __slots__ = ("finaliser", "inflight", "session")

    def __init__(self, session: aiohttp.ClientSession, finaliser: Any) -> None:
        self.session = session
        self.finaliser = finaliser
        self.inflight = 0  # touched only from the session's own loop

    async def retire(self) -> None:
        """Close once the requests in flight are done (each ends by its own timeout at the latest)."""
        while self.inflight:
            await asyncio.sleep(0.02)
        await self.finaliser.aclose()  # closes the session; nothing left for the loop to finalise later


_retiring: Set[Any] = set()  # strong references to closing tasks until they finish
_orphans: List[Tuple[asyncio.AbstractEventLoop, _Entry]] = []  # sessions of idle loops, closed when those loops shut down


class Sessions:
    """One ``aiohttp.ClientSession`` per event loop, made there on first use; a bounded pool each.

    A session is closed by :meth:`close` (the calling loop's) or :meth:`discard` (all, once their
    requests in flight are done), or when its loop shuts down (``asyncio.run`` ends,
    ``loop.shutdown_asyncgens()``): it is tied to an async generator the loop finalises.
    """

    def __init__(self, pool_size: int = POOL_SIZE) -> None:
        self.pool_size = pool_size
        self._by_loop: Dict[asyncio.AbstractEventLoop, _Entry] = {}
        self._lock = threading.Lock()

    async def get(self) -> _Entry:
        loop = asyncio.get_running_loop()
        entry = self._by_loop.get(loop)
        if entry is not None and not entry.session.closed:
            return entry
        with self._lock:
            for old in [lp for lp in self._by_loop if lp.is_closed()]:
                del self._by_loop[old]  # its loop is gone: nothing can close it any more
        connector = aiohttp.TCPConnector(limit=self.pool_size, limit_per_host=self.pool_size, ttl_dns_cache=60)
        session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": "cloudfn"}, trust_env=False)
        finaliser = _close_at_shutdown(session)
        await finaliser.__anext__()  # registers it with this loop's shutdown_asyncgens()
        entry = self._by_loop[loop] = _Entry(session, finaliser)
        return entry

    async def close(self) -> None:
        """Close the calling loop's session (other loops keep theirs until they end)."""
        with self._lock:
            entry = self._by_loop.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry.retire()

    def discard(self) -> None:
        """Forget every session, closing each on its own loop once its requests are done (no await needed)."""
        with self._lock:
            entries, self._by_loop = list(self._by_loop.items()), {}
        try:
            running: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, entry in entries:
            if loop.is_closed() or entry.session.closed:
                continue
            if loop is running:
                task: Any = loop.create_task(entry.retire())
            elif loop.is_running():
                task = asyncio.run_coroutine_threadsafe(entry.retire(), loop)
            elif running is None:
                loop.run_until_complete(entry.finaliser.aclose())  # an idle loop (a handler's, between invocations)
                continue
            else:
                with self._lock:  # an idle loop we cannot drive from here: its shutdown closes it; keep it until then
                    _orphans[:] = [(lp, e) for lp, e in _orphans if not lp.is_closed() and not e.session.closed]
                    _orphans.append((loop, entry))
                continue
            _retiring.add(task)
            task.add_done_callback(_retiring.discard)


async def _close_at_shutdown(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


async def exchange(
    sessions: Sessions,
    request: Request,
    url: str,
    body: Optional[bytes],
    method: Optional[str] = None,
    headers: Optional[Dict[str, str]] = None,
) -> Response:
    """One HTTP exchange, faults translated; retried only where it is safe."""
    method = method or request.method
    if headers is None:
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else {}
    host = yarl.URL(url, encoded=True).raw_authority
    timeout = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=request.timeout, sock_read=request.timeout)
    attempts = 0
    while True:
        attempts += 1
        started = time.perf_counter()
        entry = await sessions.get()
        entry.inflight += 1
        failure: Optional[CloudSDKError] = None
        try:
            async with entry.session.request(method, yarl.URL(url, encoded=True), data=body, headers=headers, timeout=timeout) as r:
                data = await r.read()
                status, content_type = r.status, r.headers.get("Content-Type", "")
        except asyncio.TimeoutError as exc:  # aiohttp's timeouts subclass it
            connecting = isinstance(exc, _CONNECT_TIMEOUT) or "Connection timeout" in str(exc)
            if attempts == 1 and connecting:
                continue
            what = "connecting to" if connecting else "waiting for"
            failure = CloudSDKError(OPENAPI_TIMEOUT, fail_msg(request.display, f"request timed out after {request.timeout:g}s {what} {host}"))
        except (aiohttp.ClientError, OSError) as exc:
            if attempts == 1 and (request.idempotent or _never_reached(exc)):
                log.debug("%s %s: %s; retrying once", method, request.api, type(exc).__name__)
                continue
            failure = CloudSDKError(WX_SYSTEM_NETWORK_ERROR, fail_msg(request.display, f"network error talking to {host}: {describe(exc)}"))
        finally:
            entry.inflight -= 1
        if failure is not None:
            # Raised here, outside the except block: no __context__ chains aiohttp's exception
            # (whose text may hold the URL with its ?access_token=) to ours.
            raise failure
        log.debug("%s %s -> %s in %.1f ms", method, request.api, status, (time.perf_counter() - started) * 1000)
        return Response(status, content_type, data, request=request)


def _never_reached(exc: BaseException) -> bool:
    """True when the request cannot have reached the server (no connection was made)."""
    return isinstance(exc, aiohttp.ClientConnectorError) and not isinstance(exc, aiohttp.ClientSSLError)


def describe(exc: BaseException) -> str:
    """The text :mod:`cloudfn.transports.http` gives for the same fault; secret-free."""
    os_error = getattr(exc, "os_error", None) or (exc if isinstance(exc, OSError) else None)
    if isinstance(exc, aiohttp.ClientConnectorError) or isinstance(os_error, socket.gaierror):
        if isinstance(os_error, ConnectionRefusedError):
            return "ConnectionError (Connection refused)"
        if isinstance(os_error, socket.gaierror) or type(exc).__name__ == "ClientConnectorDNSError":
            return "ConnectionError (Name or service not known)"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "ConnectionError (RemoteDisconnected)"
    if isinstance(os_error, ConnectionResetError) or getattr(os_error, "errno", None) == errno.ECONNRESET:
        return "ConnectionError (Connection reset by peer)"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "ChunkedEncodingError (IncompleteRead)"
    if isinstance(exc, aiohttp.ClientResponseError):  # a reply that is not HTTP
        return "ConnectionError (Connection aborted)"
    return redact.redact(f"{type(exc).__name__} ({str(exc)[:200]})")
