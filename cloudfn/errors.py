"""The one exception type, ``CloudSDKError``, and the error-code table.

Codes and descriptions are wx-server-sdk's (``ERR_CODE``); ``str(err)`` renders like
Node's ``err.message``: ``errCode: <code> <description> | errMsg: <errMsg>`` (two
spaces when the code has no description, exactly as Node prints it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict

if TYPE_CHECKING:
    from .result import Result

# wx-server-sdk 4.0.2 src/config/error.config.ts: the codes an open-API call can meet.
ERR_CODE: Dict[int, str] = {
    -1: "unknown error",
    -601001: "system error",
    -601002: "system args error",
    -601003: "system network error",
    -601004: "api permission denied",
    -601008: "server-side request timedout",
    -604100: "API not found",
    -604101: "function has no permission to call this API",
    -604102: "call open API timeout",
    -604103: "call open API system error",
    -604104: "illegal source of invocation",
    -501001: "resource system error",
    -501002: "resource server timeout",
    -501003: "exceed request limit",
    -501004: "exceed concurrent request limit",
    -501005: "invalid env",
    -501006: "invalid common parameters",
    -501007: "invalid parameters",
    -501008: "invalid request source",
    -501009: "resource not initialized",
}

# Names for the codes cloudfn itself raises (docs: errors/index.md, reference/error-codes.md).
UNKNOWN_ERROR = -1
WX_SYSTEM_ERROR = -601001
WX_SYSTEM_NETWORK_ERROR = -601003
OPENAPI_NOT_FOUND = -604100
OPENAPI_NO_PERMISSION = -604101
OPENAPI_TIMEOUT = -604102
TCB_RESOURCE_SYSTEM_ERROR = -501001
TCB_INVALID_PARAM = -501007
TCB_RESOURCE_NOT_INITIALIZED = -501009

# The gateway's string codes (cloud call) as wx-server-sdk 4.0.2's TCB_ERR_CODE maps them, spelled
# as it spells them: "INVALIID_ENV" included, so a gateway "INVALID_ENV" falls back to -501001 as in Node.
TCB_ERR_CODE: Dict[str, int] = {
    "SUCCESS": 0,
    "SYS_ERR": -501001,
    "SERVER_TIMEOUT": -501002,
    "EXCEED_REQUEST_LIMIT": -501003,
    "EXCEED_CONCURRENT_REQUEST_LIMIT": -501004,
    "INVALIID_ENV": -501005,
    "INVALID_COMMON_PARAM": -501006,
    "INVALID_PARAM": -501007,
    "INVALID_REQUEST_SOURCE": -501008,
    "RESOURCE_NOT_INITIAL": -501009,
}


class CloudSDKError(Exception):
    """Every failure of a cloudfn call: WeChat errors, bad input, transport faults."""

    errCode: int
    errMsg: str

    def __init__(self, errCode: int = UNKNOWN_ERROR, errMsg: str = "") -> None:
        self.errCode = errCode or UNKNOWN_ERROR  # Node: options.errCode || -1
        self.errMsg = errMsg
        super().__init__(self.errCode, self.errMsg)

    @property
    def message(self) -> str:
        """Node's ``err.message``."""
        return f"errCode: {self.errCode} {ERR_CODE.get(self.errCode, '')} | errMsg: {self.errMsg}"

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"CloudSDKError(errCode={self.errCode!r}, errMsg={self.errMsg!r})"

    def to_dict(self) -> "Result":
        """What ``JSON.stringify(err)`` gives in Node: ``{errCode, errMsg}`` (a dict with attribute access)."""
        from .result import Result

        return Result(errCode=self.errCode, errMsg=self.errMsg)


def fail_msg(api_display: str, detail: str) -> str:
    """``openapi.logistics.bindAccount:fail <detail>`` (Node's apiFailMsg)."""
    return f"{api_display}:fail {detail}"
