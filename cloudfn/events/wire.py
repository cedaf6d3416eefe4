"""Push bodies on the wire: WeChat's JSON and XML shapes.

XML follows the docs' examples: ``<xml>`` root, strings in CDATA, numbers bare, nested
objects as nested elements, lists as repeated elements (``<Actions>...</Actions>`` once per
trace node). XML carries no types, so reading it back uses the known numeric and list
fields of the logistics events to give a handler the same dict a JSON push (and a Node
function) would see.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any, Dict, List

from .errors import PARSE_ERROR, push_error

# fields that are numbers in the JSON form of the logistics events (and the safe-mode reply)
INT_FIELDS = frozenset(
    {
        "CreateTime", "Version", "Count", "ActionTime", "ActionType", "ResultCode", "Quota",
        "UseInsured", "InsuredValue", "ServiceType", "TimeStamp",
    }
)  # fmt: skip
FLOAT_FIELDS = frozenset({"Weight", "Space_X", "Space_Y", "Space_Z"})
# fields that are always lists, even with one element
LIST_FIELDS = frozenset({"Actions", "DetailList"})
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml_value(key: str, value: Any) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml_value(k, v) for k, v in value.items())
        return f"<{key}>{inner}</{key}>"
    if isinstance(value, (list, tuple)):
        return "".join(_xml_value(key, v) for v in value)
    if isinstance(value, bool):
        return f"<{key}>{int(value)}</{key}>"
    if isinstance(value, (int, float)):
        return f"<{key}>{value}</{key}>"
    if value is None:
        return f"<{key}></{key}>"
    return f"<{key}>{_cdata(str(value))}</{key}>"


def to_xml(message: Dict[str, Any]) -> str:
    """``<xml>...</xml>`` for a message dict."""
    return "<xml>" + "".join(_xml_value(k, v) for k, v in message.items()) + "</xml>"


def _number(tag: str, text: str) -> Any:
    try:
        if tag in INT_FIELDS:
            return int(text)
        if tag in FLOAT_FIELDS:
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
    except ValueError:
        pass
    return text


def _element(el: ET.Element) -> Any:
    children = list(el)
    if not children:
        return _number(el.tag, (el.text or "").strip() if el.tag in INT_FIELDS | FLOAT_FIELDS else (el.text or ""))
    out: Dict[str, Any] = {}
    for child in children:
        value = _element(child)
        if child.tag in LIST_FIELDS:
            out.setdefault(child.tag, []).append(value)
        elif child.tag in out:  # an unknown repeated element: make it a list
            prev = out[child.tag]
            out[child.tag] = (prev if isinstance(prev, list) else [prev]) + [value]
        else:
            out[child.tag] = value
    return out


def from_xml(body: bytes) -> Dict[str, Any]:
    """The message dict of an ``<xml>`` body (no DTDs or entities accepted)."""
    if _DOCTYPE.search(body):
        raise push_error(PARSE_ERROR, "XML with a DOCTYPE or ENTITY is not a WeChat push")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise push_error(PARSE_ERROR, f"body is not well-formed XML ({exc})") from None
    value = _element(root)
    if not isinstance(value, dict):
        return {}
    for key in LIST_FIELDS:  # an empty list element still means a list
        if key in value and not isinstance(value[key], list):
            value[key] = [value[key]]
    return value


def loads(body: bytes) -> "tuple[Dict[str, Any], str]":
    """(message, "json" | "xml") of a push body."""
    text = body.lstrip()
    if text.startswith(b"<"):
        return from_xml(body), "xml"
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise push_error(PARSE_ERROR, f"body is neither JSON nor XML ({exc.__class__.__name__})") from None
    if not isinstance(value, dict):
        raise push_error(PARSE_ERROR, "JSON body is not an object")
    return value, "json"


def dumps(message: Dict[str, Any], fmt: str) -> str:
    """The body text of a message in ``fmt`` ("json" or "xml")."""
    if fmt == "xml":
        return to_xml(message)
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def as_list(value: Any) -> List[Any]:
    """``value`` as a list (None -> [])."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
