"""Read a pushed message from whatever a function receives, verified and decrypted.

Three input forms:

- the decoded event dict a CloudBase message-push trigger hands to ``main_handler``
  (``{"ToUserName": ..., "MsgType": "event", "Event": ..., ...}``): the platform delivered it
  already decoded and carries no signature, so it is taken as is, unless the invocation came
  from a mini program (``TCB_SOURCE`` / ``getWXContext().SOURCE`` ``wx_client`` or
  ``wx_devtools``: a ``wx.cloud.callFunction`` whose caller wrote the event);
- the SCF API-gateway event (``{"queryString": {...}, "body": "...", "headers": {...},
  "isBase64Encoded": false, ...}``, ``queryStringParameters`` also accepted);
- a raw HTTP request: ``parse_http(query, body)``.

HTTP forms are verified in this order, each step before anything later is read:

1. the query: ``signature`` (token, timestamp, nonce), a timestamp within ``max_age`` seconds
   of now, and the mode: with an EncodingAESKey only safe mode (``encrypt_type=aes`` with a
   ``msg_signature``) unless ``compat`` is set;
2. the body's size (at most ``max_body`` bytes, else -40014, unread);
3. the body (JSON or XML, linear, depth-limited), then in safe mode ``msg_signature`` over its
   ``Encrypt``, decryption and the appid inside; the clear fields a compatible-mode body
   also carries are ignored (no signature covers them);
4. the (timestamp, nonce) pair, accepted once within the window.

Every failure is a ``CloudSDKError`` (codes in ``cloudfn.events.errors``).
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Union

from . import crypto, wire
from .config import DEFAULT_MAX_AGE, DEFAULT_MAX_BODY, NonceCache, PushConfig
from .errors import (
    BODY_TOO_LARGE,
    COMPUTE_SIGNATURE_ERROR,
    PARSE_ERROR,
    REPLAYED_MESSAGE,
    STALE_TIMESTAMP,
    VALIDATE_SIGNATURE_ERROR,
    push_error,
)

__all__ = ["DEFAULT_MAX_AGE", "DEFAULT_MAX_BODY", "Message", "NonceCache", "PushConfig", "parse", "parse_http"]

# getWXContext().SOURCE values of a function called by a mini program (wx.cloud.callFunction),
# whose event dict the caller wrote: never a platform push
CLIENT_SOURCES = frozenset({"wx_client", "wx_devtools"})


@dataclass
class Message:
    """A verified push: ``event`` holds the platform's keys (what a Node function sees)."""

    event: Dict[str, Any]
    source: str  # "event" (CloudBase trigger dict) or "http"
    fmt: str = "json"  # body format of an HTTP push: "json" or "xml"
    encrypted: bool = False
    timestamp: Optional[str] = None
    nonce: Optional[str] = None
    replay_key: Optional[str] = None

    @property
    def name(self) -> str:
        """The event name, lower-cased (WeChat: event names are case-insensitive)."""
        return str(self.event.get("Event") or self.event.get("MsgType") or "").lower()


def is_gateway_event(event: Mapping[str, Any]) -> bool:
    """True for an SCF API-gateway event (query string + body), False for a push dict."""
    return ("body" in event or "httpMethod" in event) and any(k in event for k in ("queryString", "queryStringParameters", "httpMethod", "headers"))


def gateway_query(event: Mapping[str, Any]) -> Dict[str, str]:
    """The query parameters of an API-gateway event (first value of a repeated one)."""
    query = event.get("queryString") or event.get("queryStringParameters") or {}
    if not isinstance(query, Mapping):
        raise push_error(PARSE_ERROR, "queryString is not an object")
    flat = {str(k): (v[0] if isinstance(v, list) and v else v) for k, v in query.items()}
    return {k: str(v) for k, v in flat.items() if v is not None}


def _too_large(size: int, limit: int) -> None:
    if size > limit:
        raise push_error(BODY_TOO_LARGE, f"body of {size} bytes is over the {limit}-byte limit (max_body / WX_PUSH_MAX_BODY)")


def gateway_body(event: Mapping[str, Any], max_body: int = DEFAULT_MAX_BODY) -> bytes:
    """The body bytes of an API-gateway event; refused unread (-40014) above ``max_body`` bytes."""
    body = event.get("body") or ""
    if isinstance(body, (bytes, bytearray)):
        _too_large(len(body), max_body)
        return bytes(body)
    if not isinstance(body, str):
        raise push_error(PARSE_ERROR, "body is not text")
    b64 = bool(event.get("isBase64Encoded"))
    _too_large(len(body) // 4 * 3 if b64 else len(body), max_body)  # before decoding anything
    try:
        raw = base64.b64decode(body) if b64 else body.encode("utf-8")
    except (binascii.Error, ValueError):
        raise push_error(PARSE_ERROR, "isBase64Encoded body is not base64 (or holds a lone surrogate)") from None
    _too_large(len(raw), max_body)
    return raw


def parse(event: Union[Mapping[str, Any], bytes, str], config: Optional[PushConfig] = None, now: Optional[float] = None) -> Message:
    """A verified ``Message`` from a CloudBase push dict or an SCF API-gateway event."""
    cfg = config or PushConfig.resolve()
    if isinstance(event, Mapping) and is_gateway_event(event):
        query = gateway_query(event)
        checked = _verify_query(query, cfg, now)
        return _read_body(checked, gateway_body(event, cfg.max_body), cfg, now)
    if isinstance(event, Mapping):
        source = os.environ.get("TCB_SOURCE", "")
        if cfg.reject_client_calls and CLIENT_SOURCES & set(source.split(",")):
            raise push_error(VALIDATE_SIGNATURE_ERROR, f"a direct call from a mini program (SOURCE {source}) is not a platform push")
        if "Encrypt" in event:
            raise push_error(VALIDATE_SIGNATURE_ERROR, "an encrypted message arrived without its msg_signature query parameters")
        if "MsgType" not in event and "Event" not in event:
            raise push_error(PARSE_ERROR, "event has neither MsgType nor Event: not a message push")
        return Message(event=dict(event), source="event")
    raise push_error(PARSE_ERROR, f"cannot read a push from {type(event).__name__}")


def _check_time(timestamp: Optional[str], cfg: PushConfig, now: Optional[float]) -> int:
    try:
        ts = int(str(timestamp))
    except (TypeError, ValueError):
        raise push_error(STALE_TIMESTAMP, "timestamp query parameter missing or not an integer") from None
    t = time.time() if now is None else now
    if abs(t - ts) > cfg.max_age:
        raise push_error(STALE_TIMESTAMP, f"timestamp is {int(t - ts)} s away from now (accepted window {int(cfg.max_age)} s)")
    return ts


@dataclass
class _Checked:
    """What the query established: the push's time, nonce and mode."""

    query: Mapping[str, str]
    timestamp: int
    nonce: str
    encrypted: bool
    raw_timestamp: str  # as signed


def _verify_query(query: Mapping[str, str], cfg: PushConfig, now: Optional[float]) -> _Checked:
    """Step 1: signature, time and mode, from the query alone."""
    if not cfg.token:
        raise push_error(COMPUTE_SIGNATURE_ERROR, "no push token configured (pass token= or set WX_PUSH_TOKEN)")
    timestamp, nonce = str(query.get("timestamp", "")), query.get("nonce")
    if not nonce:
        raise push_error(VALIDATE_SIGNATURE_ERROR, "nonce query parameter missing")
    if not crypto.same(query.get("signature"), crypto.signature(cfg.token, timestamp, nonce)):
        raise push_error(VALIDATE_SIGNATURE_ERROR, "signature does not match token, timestamp and nonce")
    ts = _check_time(timestamp, cfg, now)
    encrypted = str(query.get("encrypt_type", "")).lower() == "aes"
    if encrypted:
        if not query.get("msg_signature"):
            raise push_error(VALIDATE_SIGNATURE_ERROR, "encrypt_type=aes without a msg_signature query parameter")
        crypto.aes_key(cfg.aes_key)  # -40004 now rather than after reading the body
    elif cfg.aes_key and not cfg.compat:
        raise push_error(
            VALIDATE_SIGNATURE_ERROR,
            "plaintext push refused: an EncodingAESKey is configured, so pushes must be encrypted "
            "(encrypt_type=aes, msg_signature, Encrypt); set compat=True (WX_PUSH_COMPAT=1) to accept plain pushes",
        )
    return _Checked(query, ts, nonce, encrypted, timestamp)


def _read_body(checked: _Checked, raw: bytes, cfg: PushConfig, now: Optional[float]) -> Message:
    """Steps 3 and 4: the body, its ciphertext, and the replay record."""
    outer, fmt = wire.loads(raw)
    if checked.encrypted:
        enc = outer.get("Encrypt")
        if not isinstance(enc, str) or not enc:
            raise push_error(PARSE_ERROR, "safe-mode body has no Encrypt text")
        expected = crypto.msg_signature(cfg.token or "", checked.raw_timestamp, checked.nonce, enc)
        if not crypto.same(checked.query.get("msg_signature"), expected):
            raise push_error(VALIDATE_SIGNATURE_ERROR, "msg_signature does not match token, timestamp, nonce and Encrypt")
        event, _ = wire.loads(crypto.decrypt(enc, cfg.aes_key or "", cfg.appid))
    elif "Encrypt" in outer:
        raise push_error(VALIDATE_SIGNATURE_ERROR, "an encrypted body arrived without encrypt_type=aes and msg_signature")
    else:
        event = outer
    key = f"{checked.timestamp}:{checked.nonce}"
    if cfg.replay is not None and not cfg.replay.add(key, now):
        raise push_error(REPLAYED_MESSAGE, "this timestamp and nonce were already accepted")
    return Message(event, "http", fmt, checked.encrypted, str(checked.timestamp), checked.nonce, replay_key=key)


def parse_http(query: Mapping[str, str], body: Union[bytes, str], config: Optional[PushConfig] = None, now: Optional[float] = None) -> Message:
    """A verified ``Message`` from a raw HTTP push (query dict + body bytes, JSON or XML)."""
    cfg = config or PushConfig.resolve()
    checked = _verify_query(query, cfg, now)
    if not isinstance(body, (bytes, bytearray, str)):
        raise push_error(PARSE_ERROR, f"body is {type(body).__name__}, not bytes or text")
    _too_large(len(body), cfg.max_body)
    try:
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    except UnicodeEncodeError:
        raise push_error(PARSE_ERROR, "body text holds a lone surrogate") from None
    _too_large(len(raw), cfg.max_body)
    return _read_body(checked, raw, cfg, now)
