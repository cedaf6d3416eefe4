"""The text of a platform error such as -604101 (an open API the function's ``config.json`` does not grant)."""

from __future__ import annotations

from .errors import OPENAPI_NO_PERMISSION


def no_permission_message(api: str) -> str:
    """Node's ``system error: error code: -604101``, then which API and where to grant it."""
    return (
        f"system error: error code: {OPENAPI_NO_PERMISSION} ({api} is not granted to this function: "
        f'add "{api}" to permissions.openapi in the function\'s config.json)'
    )


def platform_error_message(code: int, display: str) -> str:
    """The errMsg for a platform error code carried beside a cloud-call reply (``display``: ``openapi.logistics.x``)."""
    if code == OPENAPI_NO_PERMISSION:
        return no_permission_message(display.partition(".")[2] if display.startswith("openapi.") else display)
    return f"system error: error code: {code}"
