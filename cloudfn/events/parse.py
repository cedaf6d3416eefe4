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

HTTP forms are verified: ``signature`` (plain mode) or ``msg_signature`` over ``Encrypt`` (safe
mode) with the configured token, the timestamp must lie within ``max_age`` seconds of now, and
a (timestamp, nonce) pair is accepted once within that window. Safe-mode bodies are
decrypted and their appid checked. Every failure is a ``CloudSDKError`` (codes in
``cloudfn.events.errors``).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Union

from . import crypto, wire
from .errors import (
    COMPUTE_SIGNATURE_ERROR,
    PARSE_ERROR,
    REPLAYED_MESSAGE,
    STALE_TIMESTAMP,
    VALIDATE_SIGNATURE_ERROR,
    push_error,
)

DEFAULT_MAX_AGE = 300  # seconds
# getWXContext().SOURCE values of a function called by a mini program (wx.cloud.callFunction),
# whose event dict the caller wrote: never a platform push
CLIENT_SOURCES = frozenset({"wx_client", "wx_devtools"})


class NonceCache:
    """Remembers accepted (timestamp, nonce) pairs for ``window`` seconds. Thread-safe."""

    def __init__(self, window: float = DEFAULT_MAX_AGE) -> None:
        self.window = window
        self._seen: Dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, key: str, now: Optional[float] = None) -> bool:
        """Record ``key``; False when it was already recorded within the window."""
        t = time.time() if now is None else now
        with self._lock:
            if len(self._seen) > 1024:
                for k in [k for k, exp in self._seen.items() if exp <= t]:
                    del self._seen[k]
            exp = self._seen.get(key)
            if exp is not None and exp > t:
                return False
            self._seen[key] = t + self.window
            return True

    def discard(self, key: str) -> None:
        """Forget ``key`` (a handler failed: let the platform's retry through)."""
        with self._lock:
            self._seen.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


@dataclass
class PushConfig:
    """Token, EncodingAESKey and appid; ``None`` fields come from the environment."""

    token: Optional[str] = None
    aes_key: Optional[str] = field(default=None, repr=False)
    appid: Optional[str] = None
    max_age: float = DEFAULT_MAX_AGE
    replay: Optional[NonceCache] = None
    reject_client_calls: bool = True

    def __repr__(self) -> str:  # never show the token or key
        token, key = "set" if self.token else None, "set" if self.aes_key else None
        return f"PushConfig(token={token}, aes_key={key}, appid={self.appid!r}, max_age={self.max_age})"

    @classmethod
    def resolve(
        cls,
        token: Optional[str] = None,
        aes_key: Optional[str] = None,
        appid: Optional[str] = None,
        max_age: Optional[float] = None,
        environ: Optional[Mapping[str, str]] = None,
    ) -> "PushConfig":
        """Arguments over ``WX_PUSH_TOKEN`` / ``WX_PUSH_AES_KEY`` / ``WX_APPID`` / ``WX_PUSH_MAX_AGE``."""
        env = os.environ if environ is None else environ
        age = max_age if max_age is not None else float(env.get("WX_PUSH_MAX_AGE") or DEFAULT_MAX_AGE)
        return cls(
            token=token if token is not None else (env.get("WX_PUSH_TOKEN") or None),
            aes_key=aes_key if aes_key is not None else (env.get("WX_PUSH_AES_KEY") or None),
            appid=appid if appid is not None else (env.get("WX_APPID") or None),
            max_age=age,
            replay=NonceCache(age),
        )


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


def gateway_parts(event: Mapping[str, Any]) -> "tuple[Dict[str, str], bytes]":
    query = event.get("queryString") or event.get("queryStringParameters") or {}
    if not isinstance(query, Mapping):
        raise push_error(PARSE_ERROR, "queryString is not an object")
    body = event.get("body") or ""
    if isinstance(body, str):
        raw = body.encode("utf-8")
        if event.get("isBase64Encoded"):
            try:
                raw = base64.b64decode(raw)
            except ValueError:
                raise push_error(PARSE_ERROR, "isBase64Encoded body is not base64") from None
    elif isinstance(body, (bytes, bytearray)):
        raw = bytes(body)
    else:
        raise push_error(PARSE_ERROR, "body is not text")
    flat = {str(k): (v[0] if isinstance(v, list) and v else v) for k, v in query.items()}
    return {k: str(v) for k, v in flat.items() if v is not None}, raw


def parse(event: Union[Mapping[str, Any], bytes, str], config: Optional[PushConfig] = None, now: Optional[float] = None) -> Message:
    """A verified ``Message`` from a CloudBase push dict or an SCF API-gateway event."""
    cfg = config or PushConfig.resolve()
    if isinstance(event, Mapping) and is_gateway_event(event):
        query, body = gateway_parts(event)
        return parse_http(query, body, cfg, now)
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


def parse_http(query: Mapping[str, str], body: Union[bytes, str], config: Optional[PushConfig] = None, now: Optional[float] = None) -> Message:
    """A verified ``Message`` from a raw HTTP push (query dict + body bytes, JSON or XML)."""
    cfg = config or PushConfig.resolve()
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    if not cfg.token:
        raise push_error(COMPUTE_SIGNATURE_ERROR, "no push token configured (pass token= or set WX_PUSH_TOKEN)")
    timestamp, nonce = query.get("timestamp"), query.get("nonce")
    if not nonce:
        raise push_error(VALIDATE_SIGNATURE_ERROR, "nonce query parameter missing")
    outer, fmt = wire.loads(raw)
    encrypted = "Encrypt" in outer or query.get("encrypt_type") == "aes"
    if encrypted:
        enc = outer.get("Encrypt")
        if not isinstance(enc, str) or not enc:
            raise push_error(PARSE_ERROR, "safe-mode body has no Encrypt text")
        if not crypto.same(query.get("msg_signature"), crypto.msg_signature(cfg.token, str(timestamp), nonce, enc)):
            raise push_error(VALIDATE_SIGNATURE_ERROR, "msg_signature does not match token, timestamp, nonce and Encrypt")
    elif not crypto.same(query.get("signature"), crypto.signature(cfg.token, str(timestamp), nonce)):
        raise push_error(VALIDATE_SIGNATURE_ERROR, "signature does not match token, timestamp and nonce")
    ts = _check_time(timestamp, cfg, now)
    if encrypted:
        plain = crypto.decrypt(outer["Encrypt"], cfg.aes_key or "", cfg.appid)
        event, _ = wire.loads(plain)
    else:
        event = outer
    key = f"{ts}:{nonce}"
    if cfg.replay is not None and not cfg.replay.add(key, now):
        raise push_error(REPLAYED_MESSAGE, "this timestamp and nonce were already accepted")
    return Message(event=event, source="http", fmt=fmt, encrypted=encrypted, timestamp=str(ts), nonce=nonce, replay_key=key)
