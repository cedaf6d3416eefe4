"""Async twins of the https, cloudbase and cloudcall transports.

Each wraps its sync transport for everything that is not the HTTP exchange: token acquisition
and refresh (run in a worker thread, single-flight per instance and event loop: one coroutine
asks, the others await the same future), the cloud call's request building and reply reading.
Only the exchange itself goes through aiohttp (:mod:`cloudfn.aio.http`).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, Optional, Tuple

from ..errors import CloudSDKError
from ..transports.base import Request, Response
from ..transports.https import token_error
from .http import Sessions, exchange


class AsyncTransport:
    """Base: wraps a sync transport of the same name and adds this instance's aiohttp sessions."""

    name = "base"

    def __init__(self, sync: Any) -> None:
        self.sync = sync
        self.config = sync.config
        self.sessions = Sessions()

    async def send(self, request: Request) -> Response:
        raise NotImplementedError

    async def http(self, request: Request, path: str, params: Dict[str, str], body: Optional[bytes],
                   method: Optional[str] = None, headers: Optional[Dict[str, str]] = None) -> Response:
        url = self.sync.base + path
        if params:
            from urllib.parse import urlencode

            url += ("&" if "?" in url else "?") + urlencode(params)
        return await exchange(self.sessions, request, url, body, method, headers)

    async def aclose(self) -> None:
        await self.sessions.close()
        self.sync.close()

    def discard(self) -> None:
        """Release connections without awaiting (best effort; see :meth:`Sessions.discard`)."""
        self.sessions.discard()
        self.sync.close()

    def __repr__(self) -> str:
        return f"<async {self.sync!r}>"


class _SingleFlight:
    """Concurrent callers with the same key share one run of a blocking function in a worker thread."""

    def __init__(self) -> None:
        self._running: Dict[Tuple[asyncio.AbstractEventLoop, Any], Tuple[asyncio.Future, str]] = {}

    async def run(self, key: Any, request: Request, fn: Callable[..., str], *args: Any) -> str:
        loop = asyncio.get_running_loop()
        slot = (loop, key)
        flight = self._running.get(slot)
        if flight is None:
            future = loop.run_in_executor(None, fn, request, *args)
            flight = self._running[slot] = (future, request.display)
            future.add_done_callback(lambda _: self._running.pop(slot, None))
        future, leader = flight
        try:
            return await asyncio.shield(future)  # a cancelled waiter does not cancel the others
        except CloudSDKError as exc:
            # Every waiter fails with the same error, in its own name (a new object: no shared traceback).
            message = exc.errMsg
            if leader != request.display and message.startswith(leader + ":"):
                message = request.display + message[len(leader):]
            raise CloudSDKError(exc.errCode, message) from None


class AsyncHttpsTransport(AsyncTransport):
    name = "https"

    def __init__(self, sync: Any) -> None:
        super().__init__(sync)
        self._tokens = _SingleFlight()

    async def send(self, request: Request) -> Response:
        sync = self.sync
        token = sync.cached_token() or await self._tokens.run("token", request, sync.token)
        response = await self.http(request, request.path, {"access_token": token}, request.body)
        if token_error(response):
            token = await self._tokens.run(("refresh", token), request, sync.refresh, token)
            response = await self.http(request, request.path, {"access_token": token}, request.body)
        return response


class AsyncCloudbaseTransport(AsyncTransport):
    name = "cloudbase"

    async def send(self, request: Request) -> Response:
        sync = self.sync
        token = sync.token(request)  # a fixed value, or a stat of a small local file
        response = await self.http(request, request.path, {"cloudbase_access_token": token}, request.body)
        if token_error(response):
            fresh = sync.reread(request, token)
            if fresh is not None:
                response = await self.http(request, request.path, {"cloudbase_access_token": fresh}, request.body)
        return response


class AsyncCloudcallTransport(AsyncTransport):
    name = "cloudcall"

    async def send(self, request: Request) -> Response:
        path, body, headers, url = self.sync.build(request)
        response = await self.http(request, path, {}, body, method="POST", headers=headers)
        return self.sync.read(request, response, url)


REGISTRY = {cls.name: cls for cls in (AsyncHttpsTransport, AsyncCloudbaseTransport, AsyncCloudcallTransport)}
