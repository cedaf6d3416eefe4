"""The route table: ``(method, path) -> handler`` for the WeChat endpoints and the admin API.

Handlers are thin: parse, call one part, serialise. Logistics paths come from the model
(``cloudfn.spec.by_path()``), so a method added to the model is routed without code.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple

from .. import spec
from .pipeline import Answer, Pipeline
from .request import EmuRequest, Reply, RouteHandler
from .wechat import body_object, error, loads
from .wechat_error import WeChatError

if TYPE_CHECKING:
    from . import Emulator, Parts

Route = Tuple[str, str, RouteHandler]
ADMIN_JSON = "application/json; charset=utf-8"


def _reply(a: Answer) -> Reply:
    return Reply(a.status, {"Content-Type": a.content_type}, a.body)


def _admin(value: Any, status: int = 200) -> Reply:
    return Reply(status, {"Content-Type": ADMIN_JSON}, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _bad(message: str) -> Reply:
    return _admin(error(47001, f"data format error hint: {message}"), 400)


def _json_body(req: EmuRequest) -> Any:
    try:
        return loads(req.body) if req.body else {}
    except ValueError:
        raise ValueError("request body is not valid JSON") from None


INDEX = {"emulator": "cloudfn WeChat logistics emulator", "health": "/_emulator/health", "console": "/_emulator/ui",
         "api": "/cgi-bin/express/...", "token": "/cgi-bin/token"}  # fmt: skip


def _index(req: EmuRequest) -> Reply:
    """``GET /``: where to go. A browser gets a page of links, anything else JSON."""
    if "text/html" not in (req.headers.get("Accept") or ""):
        return _admin(INDEX)
    links = "".join(f'<li>{k}: <a href="{v}">{v}</a></li>' for k, v in INDEX.items() if v.startswith("/_"))
    page = f"<!doctype html><meta charset=utf-8><title>cloudfn emulator</title><h1>{INDEX['emulator']}</h1><ul>{links}</ul>"
    return Reply(200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8"))


def api_routes(pipeline: Pipeline, authenticate: Callable[[Dict[str, str]], str]) -> List[Route]:
    """GET and POST of every model path, through the pipeline."""
    routes: List[Route] = []
    for path, method in spec.by_path().items():
        name, posts = method["name"], method["http"] == "POST"

        def handler(req: EmuRequest, name: str = name, posts: bool = posts) -> Reply:
            body = (lambda: body_object(req.body)) if posts else (lambda: {})
            return _reply(pipeline.call(name, lambda: authenticate(req.query), body, raw=req.body))

        routes += [("GET", path, handler), ("POST", path, handler)]
    return routes


class Admin:
    """Handlers of ``/_emulator/*`` and the token endpoints, over the emulator's parts."""

    def __init__(self, emulator: "Emulator") -> None:
        self.emu = emulator

    @property
    def parts(self) -> "Parts":
        return self.emu.started()

    def routes(self) -> List[Route]:
        from .console import routes as console_routes

        return console_routes(self.emu) + [
            ("GET", "/", _index),
            ("GET", "/_emulator/health", lambda req: _admin({"ok": True})),
            ("POST", "/_emulator/reset", self.reset),
            ("GET", "/_emulator/orders", self.orders),
            ("POST", "/_emulator/orders/advance", self.advance),
            ("GET", "/_emulator/faults", lambda req: _admin({"faults": self.parts.faults.list()})),
            ("POST", "/_emulator/faults", self.add_faults),
            ("DELETE", "/_emulator/faults", self.clear_faults),
            ("GET", "/_emulator/calls", lambda req: _admin({"calls": self.parts.calls.snapshot()})),
            ("POST", "/_emulator/tokens/expire", lambda req: _admin({"ok": True, "expired": self.parts.credentials.expire_all()})),
            ("GET", "/_emulator/clock", self.clock),
            ("POST", "/_emulator/clock", self.advance_clock),
            ("GET", "/_emulator/state", self.state),
            ("PUT", "/_emulator/state", self.replace_state),
            ("GET", "/_emulator/events", self.events),
            ("GET", "/cgi-bin/token", self.token),
            ("POST", "/cgi-bin/stable_token", self.stable_token),
        ]

    def token(self, req: EmuRequest) -> Reply:
        parts = self.parts
        return _reply(parts.pipeline.token("token", lambda: parts.credentials.token(req.query), req.query.get("appid"), dict(req.query)))

    def stable_token(self, req: EmuRequest) -> Reply:
        parts = self.parts
        try:
            body = body_object(req.body)
        except WeChatError:
            body = {}
        appid = body.get("appid") if isinstance(body.get("appid"), str) else None
        return _reply(parts.pipeline.token("stable_token", lambda: parts.credentials.stable_token(body_object(req.body)), appid, req.body))

    def reset(self, req: EmuRequest) -> Reply:
        self.emu.reset()
        return _admin({"ok": True})

    def orders(self, req: EmuRequest) -> Reply:
        items = self.parts.backend.orders()
        return _admin({"count": len(items), "orders": items})

    def add_faults(self, req: EmuRequest) -> Reply:
        try:
            body = _json_body(req)
            faults = self.parts.faults
            items = body if isinstance(body, list) else [body]
            added = [faults.add(item).to_dict() for item in items]
        except ValueError as exc:
            return _bad(str(exc))
        return _admin({"ok": True, "faults": added})

    def clear_faults(self, req: EmuRequest) -> Reply:
        self.parts.faults.clear()
        return _admin({"ok": True})

    def _clock_view(self) -> Dict[str, Any]:
        clock = self.emu.clock
        return {"now": clock.now(), "offset": clock.offset}

    def clock(self, req: EmuRequest) -> Reply:
        return _admin(self._clock_view())

    def advance_clock(self, req: EmuRequest) -> Reply:
        try:
            body = _json_body(req)
            seconds = body.get("advance_s") if isinstance(body, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
                raise ValueError('give {"advance_s": seconds} (a number >= 0)')
            self.emu.clock.advance(seconds)
        except ValueError as exc:
            return _bad(str(exc))
        moved = self.parts.mover.tick()
        return _admin(dict(self._clock_view(), ok=True, moved=moved))

    def advance(self, req: EmuRequest) -> Reply:
        try:
            body = _json_body(req)
            if not isinstance(body, dict) or not isinstance(body.get("waybill_id"), str):
                raise ValueError('give {"waybill_id": "...", "to": "next" | "delivered" | "failed"}')
            added = self.parts.mover.advance(body["waybill_id"], body.get("to", "next"))
        except ValueError as exc:
            return _bad(str(exc))
        except WeChatError as exc:
            return _admin(error(exc.errcode, exc.errmsg), 404)
        return _admin({"ok": True, "waybill_id": body["waybill_id"], "added": added})

    def state(self, req: EmuRequest) -> Reply:
        return _admin(self.emu.export_state(with_tokens=req.query.get("tokens") in ("1", "true")))

    def replace_state(self, req: EmuRequest) -> Reply:
        try:
            self.emu.import_state(_json_body(req))
        except ValueError as exc:
            return _bad(str(exc))
        return _admin({"ok": True})

    def events(self, req: EmuRequest) -> Reply:
        q = req.query
        recs = self.parts.pusher.events(event=q.get("event") or None, outcome=q.get("outcome") or None)
        return _admin({"count": len(recs), "events": recs})
