"""WeChat's reply shapes: ``WeChatError`` (raised by handlers), ``ok``, ``error``, JSON in and out.

Handlers raise :class:`~cloudfn.emulator.wechat_error.WeChatError` (or :class:`DeliveryError`); one
layer (``Backend.handle``, the pipeline) turns it into ``{"errcode", "errmsg": "... rid: ..."}``.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from typing import Any, Dict

from .wechat_error import WeChatError

CONTENT_TYPE = "application/json; encoding=utf-8"
_rid_counter = itertools.count(1)


def rid() -> str:
    """A request id like WeChat's (``65a1b2c3-0000002a-9f8e7d6c``)."""
    return f"{int(time.time()):08x}-{next(_rid_counter) & 0xFFFFFFFF:08x}-{os.urandom(4).hex()}"


def error(code: int, message: str, **extra: Any) -> Dict[str, Any]:
    """A WeChat error reply: errcode, errmsg ending in `` rid: ...``, then extra fields."""
    reply: Dict[str, Any] = {"errcode": code, "errmsg": f"{message} rid: {rid()}"}
    reply.update(extra)
    return reply


def ok(**fields: Any) -> Dict[str, Any]:
    reply: Dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
    reply.update(fields)
    return reply


class DeliveryError(WeChatError):
    """A refusal that carries more reply fields (``delivery_resultcode``, ``delivery_resultmsg``)."""

    def __init__(self, errcode: int, errmsg: str, **extra: Any) -> None:
        super().__init__(errcode, errmsg)
        self.extra = extra


def reply_of(exc: WeChatError) -> Dict[str, Any]:
    """The WeChat reply of a refusal: ``{errcode, errmsg: "... rid: ...", **extra}``."""
    return error(exc.errcode, exc.errmsg, **getattr(exc, "extra", {}))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# made once: json.loads/json.dumps with options build a new decoder/encoder on every call
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def loads(body: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity; ValueError otherwise."""
    try:
        return _DECODER.decode(body.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None


def dumps(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def body_object(body: bytes) -> Dict[str, Any]:
    """A JSON object body (``{}`` when empty); WeChatError 47001 otherwise."""
    try:
        value = loads(body) if body else {}
    except ValueError:
        raise WeChatError(47001, "data format error hint: request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise WeChatError(47001, "data format error hint: request body must be a JSON object")
    return value
