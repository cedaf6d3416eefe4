"""cloudfn: wx-server-sdk's ``cloud.openapi.logistics`` for Python.

    import cloudfn as cloud
    cloud.init(env=cloud.DYNAMIC_CURRENT_ENV)
    cloud.openapi.logistics.bindAccount(type="bind", bizId="123456", deliveryId="YUNDA")

Importing cloudfn imports no HTTP library; the chosen transport loads on first call. The
public names load on first use (PEP 562), so ``import cloudfn.spec`` or ``cloudfn.validate``
(the emulator's model) does not load the call path (core, config, tokens, transports).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # IDEs and type checkers see the real objects and the typed view generated from the model
    from ._logistics import OpenAPI as _TypedOpenAPI
    from .config import DYNAMIC_CURRENT_ENV
    from .core import Cloud, getWXContext, init, reset
    from .errors import ERR_CODE, CloudSDKError
    from .result import Result

    openapi: _TypedOpenAPI

__version__ = "0.1.0"
__all__ = ["DYNAMIC_CURRENT_ENV", "ERR_CODE", "Cloud", "CloudSDKError", "Result", "getWXContext", "init", "openapi", "reset"]

_LAZY = {
    "DYNAMIC_CURRENT_ENV": "config",
    "Cloud": "core",
    "getWXContext": "core",
    "init": "core",
    "openapi": "core",
    "reset": "core",
    "ERR_CODE": "errors",
    "CloudSDKError": "errors",
    "Result": "result",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cloudfn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # next time a plain module attribute
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))
