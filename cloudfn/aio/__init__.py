"""cloudfn with coroutine open-API methods: port a Node function with its ``await``s kept.

    import asyncio
    import cloudfn.aio as cloud

    cloud.init(env=cloud.DYNAMIC_CURRENT_ENV)

    async def main(event, context):
        path, order = await asyncio.gather(                       # Node: Promise.all([...])
            cloud.openapi.logistics.getPath(deliveryId="YTO", waybillId=event["waybillId"]),
            cloud.openapi.logistics.getOrder(deliveryId="YTO", orderId=event["orderId"]),
        )
        return {"path": path, "order": order}

    main_handler = cloud.handler(main)                            # SCF calls main_handler synchronously

Same results, errors, validation, permission checks and fault handling as :mod:`cloudfn`; the
module-level ``init`` / ``openapi`` act on the same default instance as ``cloudfn``'s. HTTP goes
through aiohttp (``pip install 'wx-cloudfn[aio]'``), imported on the first call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import DYNAMIC_CURRENT_ENV
from ..errors import ERR_CODE, CloudSDKError
from .cloud import DEFAULT, Cloud, close, getWXContext, init, reset
from .handler import handler

if TYPE_CHECKING:  # the typed async view generated from the model (awaitable results)
    from .._logistics import AsyncOpenAPI  # type: ignore[attr-defined,unused-ignore]

    openapi: AsyncOpenAPI
else:
    openapi = DEFAULT.openapi

__all__ = ["DYNAMIC_CURRENT_ENV", "ERR_CODE", "Cloud", "CloudSDKError", "close", "getWXContext", "handler", "init", "openapi", "reset"]
