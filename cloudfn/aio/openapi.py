"""``cloudfn.aio``'s ``cloud.openapi``: Node's proxy, every method a coroutine function.

The sync proxy (:class:`cloudfn.core.OpenAPI`) with one change, how a method is called, so both
APIs accept and refuse exactly the same options and names. A bad call raises when awaited, as
Node's promise rejects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional

from .. import core

if TYPE_CHECKING:
    from .cloud import Cloud


class OpenAPI(core.OpenAPI):
    """``cloud.openapi`` bound to an async :class:`~cloudfn.aio.Cloud`."""

    label = "cloudfn.aio openapi"
    _cloud: "Cloud"

    def _function(self, api: str) -> Callable[..., Any]:
        async def call(data: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
            if kwargs:
                data = {**(data or {}), **kwargs}
            return await self._cloud.client().call(api, data, self._convert_case, self._appid)

        return call
