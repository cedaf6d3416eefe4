"""The one error type emulator handlers raise; one layer turns it into WeChat's JSON reply.

Public API: ``WeChatError(errcode: int, errmsg: str)`` with attributes ``errcode``, ``errmsg``
and ``to_dict() -> {"errcode": int, "errmsg": str}``. ``errmsg`` is the bare message
("invalid appid"); the layer that answers HTTP appends WeChat's `` rid: ...`` suffix.
"""

from __future__ import annotations

from typing import Any, Dict


class WeChatError(Exception):
    """A refusal the platform answers with ``{"errcode": errcode, "errmsg": errmsg}``."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errcode, errmsg)
        self.errcode = errcode
        self.errmsg = errmsg

    def to_dict(self) -> Dict[str, Any]:
        return {"errcode": self.errcode, "errmsg": self.errmsg}

    def __str__(self) -> str:
        return f"{self.errcode} {self.errmsg}"
