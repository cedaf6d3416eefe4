"""Async instances: the sync :class:`cloudfn.core.Cloud` for configuration, an async transport for I/O.

An async call is the sync call path with the exchange awaited: ``Client.prepare`` (model lookup,
permission, case conversion, validation; nothing sent on a problem) -> the async twin of the
configured transport -> ``shape_result``. The module-level default acts on the same default
instance (the same configuration) as ``cloudfn.init`` / ``cloudfn.openapi``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

from .. import core
from ..errors import TCB_RESOURCE_NOT_INITIALIZED, CloudSDKError
from .openapi import OpenAPI

if TYPE_CHECKING:
    from .transports import AsyncTransport


class AsyncClient:
    """A configured sync :class:`cloudfn.core.Client` whose transport is awaited."""

    def __init__(self, client: core.Client) -> None:
        self.client = client
        self._transport: Optional[AsyncTransport] = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<cloudfn.aio.AsyncClient {self.client.config!r}>"

    def transport(self, display: str) -> "AsyncTransport":
        sync = self.client.transport(display)  # chooses, and reports missing credentials, as the sync path does
        current = self._transport
        if current is None or current.sync is not sync:
            from .transports import REGISTRY  # imports aiohttp: only on the first call

            with self._lock:
                current = self._transport
                if current is None or current.sync is not sync:
                    cls = REGISTRY.get(sync.name)
                    if cls is None:
                        raise CloudSDKError(TCB_RESOURCE_NOT_INITIALIZED, f"{display}:fail cloudfn.aio has no async {sync.name} transport")
                    current = self._transport = cls(sync)
        return current

    async def call(self, api: str, data: Any, convert_case: bool = True, appid: Optional[str] = None) -> Dict[str, Any]:
        """Call open API ``api`` (``logistics.getPath``) with ``data``; wx-server-sdk semantics."""
        request = self.client.prepare(api, data, convert_case, appid)
        response = await self.transport(request.display).send(request)
        return core.shape_result(response, request.display, convert_case)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()

    def discard(self) -> None:
        if self._transport is not None:
            self._transport.discard()


class Cloud:
    """Node's ``new cloud.Cloud({...})`` whose open-API methods are coroutine functions.

    Takes the options of :class:`cloudfn.Cloud`; has ``init``, ``openapi``, ``getWXContext``,
    ``await close()`` and ``async with``. Each instance has its own configuration, token cache,
    and one aiohttp session per event loop.
    """

    def __init__(self, options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        self._cloud: Optional[core.Cloud] = core.Cloud(options, **kwargs)
        self._client: Optional[AsyncClient] = None
        self._lock = threading.Lock()
        self.openapi = OpenAPI(self)

    def sync(self) -> core.Cloud:
        """The sync instance holding this one's configuration."""
        assert self._cloud is not None
        return self._cloud

    def init(self, options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        """(Re)configure this instance (Node: ``cloud.init({...})``)."""
        self.sync().init(options, **kwargs)

    def client(self) -> AsyncClient:
        """The async client of the current configuration (rebuilt after ``init``)."""
        sync = self.sync().client()
        current = self._client
        if current is None or current.client is not sync:
            with self._lock:
                current = self._client
                if current is None or current.client is not sync:
                    if current is not None:
                        current.discard()
                    current = self._client = AsyncClient(sync)
        return current

    def getWXContext(self) -> Dict[str, Any]:
        """The invocation's context (synchronous, as in Node)."""
        return core.getWXContext()

    async def close(self) -> None:
        """Close this instance's connections; it can be used again (it reconnects)."""
        client = self._client
        if client is not None:
            await client.aclose()

    def discard(self) -> None:
        """Drop the async client, closing what can be closed without awaiting."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.discard()

    async def __aenter__(self) -> "Cloud":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<cloudfn.aio.Cloud {self.sync()!r}>"


class _DefaultCloud(Cloud):
    """The module-level instance: a view of :func:`cloudfn.core.default` (one configuration for both APIs)."""

    def __init__(self) -> None:
        self._cloud = None
        self._client = None
        self._lock = threading.Lock()
        self.openapi = OpenAPI(self)

    def sync(self) -> core.Cloud:
        return core.default()


DEFAULT = _DefaultCloud()


def init(options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
    """Configure the default instance (the same one ``cloudfn.init`` configures)."""
    core.init(options, **kwargs)


def reset() -> None:
    """Drop the default instance and its connections (``cloudfn.reset()`` for both APIs)."""
    core.reset()
    DEFAULT.discard()


async def close() -> None:
    """Close the default instance's connections in this event loop."""
    await DEFAULT.close()


def getWXContext() -> Dict[str, Any]:
    """OPENID, APPID, UNIONID, ENV, SOURCE... of the current invocation (synchronous, as in Node)."""
    return core.getWXContext()
