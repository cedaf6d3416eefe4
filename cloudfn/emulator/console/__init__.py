"""The emulator console: a page at ``/_emulator/ui`` that shows and drives the emulator, and the
admin routes it reads (``/_emulator/overview``, ``/_emulator/orders/search``, ``/_emulator/orders/detail``,
``/_emulator/calls/log``). Plain HTML, CSS and JS shipped as package data (``assets/``): no
framework, no CDN, no build step. The page is served with a Content-Security-Policy that allows
scripts, styles and fetches from the emulator itself only; the server's guard (Host, Origin,
Sec-Fetch-Site) applies to every route here as to the rest of the admin API.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple

if TYPE_CHECKING:
    from .. import Emulator
    from ..request import EmuRequest, Reply

UI_PATH = "/_emulator/ui"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_ASSETS = {
    UI_PATH: ("index.html", "text/html; charset=utf-8"),
    UI_PATH + "/": ("index.html", "text/html; charset=utf-8"),
    UI_PATH + "/console.js": ("console.js", "text/javascript; charset=utf-8"),
    UI_PATH + "/console.css": ("console.css", "text/css; charset=utf-8"),
}
_JSON = "application/json; charset=utf-8"

__all__ = ["CSP", "UI_PATH", "console_url", "routes"]


def console_url(base_url: str) -> str:
    return base_url + UI_PATH


def _asset(name: str) -> bytes:
    from importlib import resources

    return resources.files(__name__).joinpath("assets").joinpath(name).read_bytes()


def _headers(ctype: str) -> Dict[str, str]:
    return {"Content-Type": ctype, "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _json(value: Any, status: int = 200) -> "Reply":
    from ..request import Reply

    return Reply(status, _headers(_JSON), json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def routes(emu: "Emulator") -> List[Tuple[str, str, Callable[["EmuRequest"], "Reply"]]]:
    """The console page, its assets and its JSON routes, for the emulator's route table."""
    from ..request import Reply
    from . import views

    cache: Dict[str, bytes] = {}

    def page(req: "EmuRequest") -> "Reply":
        name, ctype = _ASSETS[req.path]
        if name not in cache:
            cache[name] = _asset(name)
        return Reply(200, _headers(ctype), cache[name])

    def detail(req: "EmuRequest") -> "Reply":
        parts = emu.started()
        order = parts.store.order_by_waybill(req.query.get("waybill_id", ""))
        if order is None:
            return _json({"errcode": 40199, "errmsg": "waybill_id not found"}, 404)
        return _json(views.order_detail(order, parts.pusher.events()))

    def search(req: "EmuRequest") -> "Reply":
        return _json(views.find_orders(emu.started().store.order_states(), req.query))

    def call_log(req: "EmuRequest") -> "Reply":
        after = views.bounded_int(req.query.get("after"), 0, 0, 2**62)
        log = emu.started().calls
        calls = [views.call_view(e) for e in log.entries(after)]
        return _json({"count": len(calls), "oldest": log.oldest(), "calls": calls})

    out: List[Tuple[str, str, Callable[["EmuRequest"], "Reply"]]] = [("GET", path, page) for path in _ASSETS]
    return out + [
        ("GET", "/_emulator/overview", lambda req: _json(views.overview(emu))),
        ("GET", "/_emulator/orders/search", search),
        ("GET", "/_emulator/orders/detail", detail),
        ("GET", "/_emulator/calls/log", call_log),
    ]
