"""cloudfn: wx-server-sdk's ``cloud.openapi.logistics`` for Python.

    import cloudfn as cloud
    cloud.init(env=cloud.DYNAMIC_CURRENT_ENV)
    cloud.openapi.logistics.bindAccount(type="bind", bizId="123456", deliveryId="YUNDA")

Importing cloudfn imports no HTTP library; the chosen transport loads on first call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import DYNAMIC_CURRENT_ENV
from .core import Cloud, getWXContext, init, reset
from .errors import ERR_CODE, CloudSDKError

if TYPE_CHECKING:  # IDEs and type checkers see the typed view generated from the model
    from ._logistics import OpenAPI as _TypedOpenAPI

    openapi: _TypedOpenAPI
else:
    from .core import openapi

__version__ = "0.1.0"
__all__ = ["DYNAMIC_CURRENT_ENV", "ERR_CODE", "Cloud", "CloudSDKError", "getWXContext", "init", "openapi", "reset"]
