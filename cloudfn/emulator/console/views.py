"""The console's JSON: plain dicts built from the emulator's parts (no HTTP here).

Phone numbers are partly masked (``138****0000``) and call bodies are masked as cloudfn's logs mask
them (:func:`cloudfn.redact.redact` with the call's own secret fields), so nothing secret reaches the page.
"""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Union

from ... import redact, spec
from .. import rendering, tracks
from ..carriers import CARRIERS
from ..store import Order, OrderState

Listed = Union[Order, OrderState]

if TYPE_CHECKING:
    from .. import Emulator

ACTION_WORDS: Dict[int, str] = {
    tracks.PICKED_UP: "picked up", tracks.PICKUP_FAILED: "pickup failed", tracks.COURIER_ASSIGNED: "courier assigned",
    tracks.IN_TRANSIT: "in transit", tracks.OUT_FOR_DELIVERY: "out for delivery", tracks.DELIVERED: "delivered",
    tracks.DELIVERY_FAILED: "delivery failed", tracks.CANCELLED: "cancelled", tracks.HELD: "held",
}
STATUSES = ("created", *ACTION_WORDS.values())
ACCOUNT_STATES = {0: "bound", 1: "under review", 2: "review rejected"}
MAX_BODY_CHARS = 20_000
MAX_ORDERS = 500
RECENT_ERRORS = 20
_DIGIT = re.compile(r"\d")


def mask_phone(value: Any) -> str:
    """``13800000000`` -> ``138****0000``: the first 3 and last 4 digits stay (the last 2 of a short number)."""
    text = str(value or "")
    digits = [m.start() for m in _DIGIT.finditer(text)]
    keep = set(digits[:3] + digits[-4:]) if len(digits) >= 8 else set(digits[-2:])
    return "".join("*" if i in digits and i not in keep else c for i, c in enumerate(text))


def status_of(order: Listed) -> str:
    """The order's state in words: its last path step, ``cancelled``, or ``created`` before any step."""
    if order.order_status == 1:
        return "cancelled"
    if not order.path:
        return "created"
    return action_words(order.path[-1].get("action_type"))


def action_words(action: Any) -> str:
    """A path item's action type in words (``picked up``...)."""
    return ACTION_WORDS.get(action, f"action {action}") if isinstance(action, int) else f"action {action}"


def carrier_name(delivery_id: str) -> str:
    return CARRIERS[delivery_id][0] if delivery_id in CARRIERS else delivery_id


def order_summary(order: Listed) -> Dict[str, Any]:
    last = order.path[-1] if order.path else None
    return {"appid": order.appid, "order_id": order.order_id, "waybill_id": order.waybill_id, "delivery_id": order.delivery_id,
            "carrier": carrier_name(order.delivery_id), "status": status_of(order), "steps": len(order.path),
            "last_msg": last["action_msg"] if last else "", "last_time": last["action_time"] if last else None,
            "create_time": order.create_time}


def find_orders(orders: Iterable[Listed], query: Mapping[str, str]) -> Dict[str, Any]:
    """Orders matching ``appid``, ``delivery_id``, ``status`` and ``q`` (part of an order id or waybill id), newest first."""
    appid, carrier, status = query.get("appid") or None, query.get("delivery_id") or None, query.get("status") or None
    text = (query.get("q") or "").strip().lower()
    limit = bounded_int(query.get("limit"), MAX_ORDERS, 1, MAX_ORDERS)
    found = [o for o in orders if (appid is None or o.appid == appid) and (carrier is None or o.delivery_id == carrier)
             and (status is None or status_of(o) == status) and (not text or text in o.order_id.lower() or text in o.waybill_id.lower())]
    found.reverse()
    return {"count": len(found), "orders": [order_summary(o) for o in found[:limit]], "limit": limit}


def _person(p: Mapping[str, Any]) -> Dict[str, Any]:
    out = {k: p.get(k, "") for k in ("name", "company", "province", "city", "area", "address", "post_code")}
    out.update(mobile=mask_phone(p.get("mobile")), tel=mask_phone(p.get("tel")))
    return out


def order_detail(order: Order, events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One order's page: people (phones masked), cargo, the label HTML (getOrder's print_html, decoded), path, pushes."""
    body = order.body
    path = [dict(item, action=action_words(item.get("action_type"))) for item in order.path]
    mine = [e for e in events if _about(e.get("payload") or {}, order)]
    return dict(order_summary(order), biz_id=order.biz_id, sender=_person(body.get("sender") or {}), receiver=_person(body.get("receiver") or {}),
                cargo=body.get("cargo"), service=body.get("service"), insured=body.get("insured"), shop=body.get("shop"),
                custom_remark=body.get("custom_remark", ""), waybill_data=order.waybill_data, path=path, pushes=mine,
                label_html=base64.b64decode(rendering.label(order, 0)).decode("utf-8"))


def _about(payload: Mapping[str, Any], order: Order) -> bool:
    waybill = payload.get("WayBillId") or payload.get("WayBillID") or payload.get("waybill_id")
    if waybill:
        return bool(waybill == order.waybill_id)
    return bool(payload.get("OrderID") == order.order_id and payload.get("ShopAppID", order.appid) == order.appid)


def bounded_int(value: Any, default: int, low: int, high: int) -> int:
    """``value`` as an int clipped to [low, high]; ``default`` when it is not a number."""
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def _parsed(value: Any) -> Any:
    """A logged body (bytes or JSON text) as JSON, or None when it is not JSON (empty, cut short...)."""
    try:
        return json.loads(value) if value else None
    except ValueError:
        return None


def _masked_text(value: Any, secrets: List[str]) -> Optional[str]:
    if value is None:
        return None
    parsed = _parsed(value)
    if parsed is not None:
        text = json.dumps(parsed, ensure_ascii=False, indent=1)
    else:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = redact.redact(text, secrets)
    return text if len(text) <= MAX_BODY_CHARS else text[:MAX_BODY_CHARS] + f"... ({len(text) - MAX_BODY_CHARS} more characters)"


def call_view(entry: Mapping[str, Any]) -> Dict[str, Any]:
    """One logged call as the console shows it: errcode and errmsg read from the reply, bodies masked."""
    reply = entry.get("reply")
    errcode: Optional[int] = None
    errmsg = ""
    if reply is None:
        errmsg = "connection closed without an answer (injected fault)"
    else:
        parsed = _parsed(reply)
        if isinstance(parsed, dict):
            errcode = parsed.get("errcode", 0) if isinstance(parsed.get("errcode", 0), int) else None
            errmsg = str(parsed.get("errmsg", ""))
    request = _parsed(entry.get("request"))
    secrets = redact.call_secrets(request) if request is not None else []
    return {"id": entry["id"], "at": entry["at"], "api": entry["api"], "appid": entry.get("appid"), "transport": entry["transport"],
            "status": entry.get("status"), "errcode": errcode, "errmsg": redact.redact(errmsg, secrets), "ms": entry.get("ms"),
            "fault": entry.get("fault"), "request": _masked_text(entry.get("request"), secrets), "reply": _masked_text(reply, secrets)}


def failed(call: Mapping[str, Any]) -> bool:
    return call["status"] != 200 or call["errcode"] not in (0, None) or call["reply"] is None


def overview(emu: "Emulator") -> Dict[str, Any]:
    """Apps with their accounts (review state, quota) and printers (tag ids), orders by status, recent errors."""
    parts = emu.started()
    store = parts.store
    orders = store.order_states()
    apps = []
    for appid in emu.apps:
        by_status: Dict[str, int] = {}
        for o in orders:
            if o.appid == appid:
                by_status[status_of(o)] = by_status.get(status_of(o), 0) + 1
        apps.append({
            "appid": appid, "default": appid == emu.appid, "orders": sum(by_status.values()), "orders_by_status": by_status,
            "accounts": [{"delivery_id": a.delivery_id, "carrier": carrier_name(a.delivery_id), "biz_id": a.biz_id,
                          "state": ACCOUNT_STATES.get(a.status_code, str(a.status_code)), "status_code": a.status_code,
                          "quota_num": a.quota_num, "alias": a.alias, "remark_wrong_msg": a.remark_wrong_msg} for a in store.accounts(appid)],
            "printers": [{"openid": p.openid, "tagid_list": [t for t in p.tagid_list.split(",") if t]} for p in store.printers(appid)],
        })
    totals: Dict[str, int] = {}
    for o in orders:
        totals[status_of(o)] = totals.get(status_of(o), 0) + 1
    calls = [call_view(e) for e in parts.calls.entries()]
    errors = [c for c in calls if failed(c)][-RECENT_ERRORS:]
    failed_events = [e for e in parts.pusher.events(outcome="failed")][-RECENT_ERRORS:]
    return {
        "base_url": emu.base_url, "clock": {"now": emu.clock.now(), "offset": emu.clock.offset}, "apps": apps,
        "orders": len(orders), "orders_by_status": totals, "statuses": list(STATUSES), "carriers": sorted(CARRIERS),
        "methods": sorted(spec.methods()) + ["token", "stable_token"], "faults": parts.faults.list(),
        "calls": parts.calls.snapshot(), "recent_errors": errors[::-1], "failed_events": failed_events[::-1],
        "pushes": {"push_url": redact.redact(parts.pusher.push_url) if parts.pusher.push_url else None, "provider": parts.pusher.has_provider},
    }
