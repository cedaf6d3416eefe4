"""Typed dispatch of logistics push events to handlers, and the reply the platform expects.

    from cloudfn.events import Router
    router = Router()                        # token / EncodingAESKey / appid from the env

    @router.on("add_express_path")           # or router.on("onPathUpdate")
    def path(event): print(event["WayBillId"], event["Actions"])

    @router.on("onAddOrder")                 # == "add_waybill"
    def add(event): return {"WayBillID": "SF123", "ResultCode": 0, "ResultMsg": "ok"}

    def main_handler(event, context):        # CloudBase push trigger or API-gateway trigger
        return router.main_handler(event, context)

Handlers get the event dict with the platform's keys. For provider events the router fills
the reply's echo fields (ToUserName/FromUserName swapped, CreateTime, MsgType, Event and the
Token/OrderID/BizID/WayBillID echoes); ``add_express_path`` is answered ``success``. A reply
to a safe-mode push is encrypted. With an EncodingAESKey only safe-mode pushes are accepted,
unless ``Router(compat=True)`` (WeChat's compatible mode); bodies over ``max_body`` bytes
(default 1 MiB) are refused unread. The event tables live in ``tables``.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

from ..errors import CloudSDKError
from . import crypto, wire
from .errors import VALIDATE_SIGNATURE_ERROR, http_status, push_error
from .parse import Message, PushConfig, gateway_query, is_gateway_event, parse, parse_http
from .tables import ALIASES, ECHO_FIELDS, PROVIDER_EVENTS

__all__ = ["ALIASES", "PROVIDER_EVENTS", "Router", "event_name", "provider_reply"]

log = logging.getLogger("cloudfn.events")

Handler = Callable[[Dict[str, Any]], Any]


def event_name(name: str) -> str:
    """The platform's event name for ``name`` (an alias like ``onAddOrder`` or the name itself)."""
    low = name.strip().lower()
    return ALIASES.get(low, low)


def provider_reply(event: Mapping[str, Any], result: Optional[Mapping[str, Any]], now: Optional[int] = None) -> Dict[str, Any]:
    """The reply dict for a provider event: echo fields filled around the handler's result."""
    name = str(event.get("Event", ""))
    reply: Dict[str, Any] = {
        "ToUserName": event.get("FromUserName", ""),
        "FromUserName": event.get("ToUserName", ""),
        "CreateTime": int(time.time()) if now is None else now,
        "MsgType": "event",
        "Event": name,
    }
    for key in ECHO_FIELDS.get(name.lower(), ()):
        if key in event:
            reply[key] = event[key]
    reply.update({"ResultCode": 0, "ResultMsg": "ok"})
    if result:
        reply.update(result)
    return reply


class Router:
    """Handlers per event name; verifies, decrypts, dispatches and builds the reply."""

    def __init__(
        self,
        token: Optional[str] = None,
        aes_key: Optional[str] = None,
        appid: Optional[str] = None,
        max_age: Optional[float] = None,
        config: Optional[PushConfig] = None,
        *,
        compat: Optional[bool] = None,
        max_body: Optional[int] = None,
    ) -> None:
        """``compat=True`` accepts plain pushes although an EncodingAESKey is set (WeChat's
        compatible mode, 兼容模式); ``max_body`` is the largest body read, in bytes."""
        self._args = (token, aes_key, appid, max_age)
        self._compat, self._max_body = compat, max_body
        self._config = config
        self.handlers: Dict[str, Handler] = {}

    @property
    def config(self) -> PushConfig:
        """Resolved on first use, so env vars set after import (by ``cloudfn invoke``) count."""
        if self._config is None:
            self._config = PushConfig.resolve(*self._args, compat=self._compat, max_body=self._max_body)
        return self._config

    def on(self, name: str) -> Callable[[Handler], Handler]:
        """Decorator: ``@router.on("add_waybill")`` or ``@router.on("onAddOrder")``."""

        def register(fn: Handler) -> Handler:
            self.handlers[event_name(name)] = fn
            return fn

        return register

    def dispatch(self, message: Message) -> Union[str, Dict[str, Any]]:
        """Run the handler for a verified message; its reply (``"success"`` or a dict)."""
        name = event_name(message.name)
        handler = self.handlers.get(name)
        if handler is None:
            log.info("no handler for push event %r; answering success", name)
            return "success"
        try:
            result = handler(dict(message.event))
        except Exception:
            if message.replay_key and self.config.replay is not None:
                self.config.replay.discard(message.replay_key)  # let the platform's retry through
            raise
        if name in PROVIDER_EVENTS:
            if result is not None and not isinstance(result, Mapping):
                raise TypeError(f"a {name} handler must return a dict of reply fields, not {type(result).__name__}")
            return provider_reply(message.event, result)
        if isinstance(result, Mapping):
            return dict(result)
        return "success" if result is None else str(result)

    def handle(self, event: Mapping[str, Any], now: Optional[float] = None) -> Union[str, Dict[str, Any]]:
        """Verify and dispatch a CloudBase push dict; the reply for the platform."""
        return self.dispatch(parse(event, self.config, now))

    def handle_http(self, method: str, query: Mapping[str, str], body: Union[bytes, str], now: Optional[float] = None) -> Tuple[int, str, bytes]:
        """(status, content type, body) for a raw HTTP push; raises CloudSDKError when rejected."""
        if method.upper() == "GET":  # the URL check the console makes when the push URL is saved
            cfg = self.config
            expected = crypto.signature(cfg.token or "", query.get("timestamp", ""), query.get("nonce", ""))
            if not cfg.token or not crypto.same(query.get("signature"), expected):
                raise push_error(VALIDATE_SIGNATURE_ERROR, "URL verification signature does not match")
            return 200, "text/plain; charset=utf-8", str(query.get("echostr", "")).encode("utf-8")
        message = parse_http(query, body, self.config, now)
        reply = self.dispatch(message)
        return (200, *self.render(reply, message))

    def render(self, reply: Union[str, Mapping[str, Any]], message: Message) -> Tuple[str, bytes]:
        """(content type, body) of a reply in the push's format, encrypted for a safe-mode push."""
        if isinstance(reply, str):  # "success" / "" go back in clear, as the docs say
            return "text/plain; charset=utf-8", reply.encode("utf-8")
        text = wire.dumps(dict(reply), message.fmt)
        if message.encrypted:
            cfg = self.config
            wrapped = crypto.encrypted_reply(text, cfg.token or "", cfg.aes_key or "", cfg.appid or "", message.nonce or "")
            text = wire.dumps(wrapped, message.fmt)
        ctype = "application/xml; charset=utf-8" if message.fmt == "xml" else "application/json; charset=utf-8"
        return ctype, text.encode("utf-8")

    def main_handler(self, event: Mapping[str, Any], context: Any = None) -> Any:
        """An SCF entry point for either trigger.

        A CloudBase push dict gets the reply object; an API-gateway event gets the gateway's
        integration response ``{"isBase64Encoded", "statusCode", "headers", "body"}`` (a
        rejected push: 403, or 413 for an oversized body, with the error; no handler run).
        """
        if isinstance(event, Mapping) and is_gateway_event(event):
            return self.gateway_response(event)
        return self.handle(event)

    def gateway_response(self, event: Mapping[str, Any], now: Optional[float] = None) -> Dict[str, Any]:
        """The API-gateway integration response to a gateway event (query checked before the body is read)."""
        try:
            if str(event.get("httpMethod") or "POST").upper() == "GET":
                status, ctype, body = self.handle_http("GET", gateway_query(event), b"", now)
            else:
                message = parse(event, self.config, now)
                status, (ctype, body) = 200, self.render(self.dispatch(message), message)
        except CloudSDKError as err:
            log.warning("push rejected: %s", err.errMsg)
            status, ctype = http_status(err.errCode), "application/json; charset=utf-8"
            body = json.dumps(err.to_dict(), ensure_ascii=False).encode("utf-8")
        return {"isBase64Encoded": False, "statusCode": status, "headers": {"Content-Type": ctype}, "body": body.decode("utf-8")}
