"""Rendering: the HTML waybill label (getOrder's ``print_html``) and previewTemplate's placeholders."""

from __future__ import annotations

import base64
import html
import re
from typing import Any, Dict, List, Optional

from .carriers import CARRIERS
from .store import Order
from .wechat import ok
from .wechat_error import WeChatError

_PLACEHOLDER = re.compile(r"\$\{\s*([^{}\s]+)\s*\}|\{\{\s*([^{}\s]+)\s*\}\}")


def parse_waybill_data(text: Any) -> Optional[List[Dict[str, str]]]:
    """``##k1##v1##k2##v2##`` -> [{key, value}], None when malformed."""
    if not isinstance(text, str):
        return None
    if text in ("", "####"):
        return []
    if not (text.startswith("##") and text.endswith("##")):
        return None
    parts = text[2:-2].split("##")
    if len(parts) % 2:
        return None
    return [{"key": parts[i], "value": parts[i + 1]} for i in range(0, len(parts), 2)]


def _person(p: Dict[str, Any]) -> str:
    e = html.escape
    phone = p.get("mobile") or p.get("tel") or ""
    where = "".join(str(p.get(k, "")) for k in ("province", "city", "area", "address"))
    return f"{e(str(p.get('name', '')))} {e(str(phone))}<br>{e(where)}"


def label(order: Order, print_type: int) -> str:
    """The base64 HTML label of an order (``print_type`` 1: one-part label)."""
    e = html.escape
    body = order.body
    data = "".join(f"<tr><th>{e(d['key'])}</th><td>{e(d['value'])}</td></tr>" for d in order.waybill_data)
    name = CARRIERS[order.delivery_id][0] if order.delivery_id in CARRIERS else order.delivery_id
    parts = "一联单" if print_type == 1 else "二联单"
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(order.waybill_id)}</title></head><body>'
        f'<div class="waybill" data-print-type="{print_type}"><h1>{e(name)} ({parts})</h1>'
        f'<p class="waybill-id">{e(order.waybill_id)}</p><p class="order-id">{e(order.order_id)}</p>'
        f'<div class="receiver">收 {_person(body["receiver"])}</div><div class="sender">寄 {_person(body["sender"])}</div>'
        f'<table class="waybill-data">{data}</table><p class="remark">{e(str(body.get("custom_remark", "")))}</p></div></body></html>'
    )
    return base64.b64encode(page.encode("utf-8")).decode("ascii")


def _custom(custom: Any, name: str) -> str:
    node: Any = custom
    for part in name.replace("[", ".").replace("]", "").split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            node = None
        if node is None:
            return ""
    return "" if isinstance(node, (dict, list)) else str(node)


def preview_template(body: Dict[str, Any], appid: str) -> Dict[str, Any]:
    """previewTemplate: decode, substitute ``${name}``/``{{name}}``, encode."""
    try:
        template = base64.b64decode(body["waybill_template"], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise WeChatError(9300512, "template format error: waybill_template must be base64 of UTF-8 HTML") from None
    data = parse_waybill_data(body["waybill_data"])
    if data is None:
        raise WeChatError(9300502, "waybill_data format error: expected ##key##value##...")
    values = {"waybilldata." + d["key"]: d["value"] for d in data}
    values["sys.waybillid"] = body["waybill_id"]
    values["sys.wxaappid"] = appid

    def lookup(name: str) -> str:
        if name in values:
            return values[name]
        return _custom(body["custom"], name[len("custom."):]) if name.startswith("custom.") else ""

    rendered = _PLACEHOLDER.sub(lambda m: html.escape(lookup(m.group(1) or m.group(2))), template)
    return ok(waybill_id=body["waybill_id"], rendered_waybill_template=base64.b64encode(rendered.encode("utf-8")).decode("ascii"))
