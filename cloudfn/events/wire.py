"""Push bodies on the wire: WeChat's JSON and XML shapes.

XML follows the docs' examples: ``<xml>`` root, strings in CDATA, numbers bare, nested
objects as nested elements, lists as repeated elements (``<Actions>...</Actions>`` once per
trace node). XML carries no types, so reading it back uses the known numeric and list
fields of the logistics events (``tables``) to give a handler the same dict a JSON push (and a
Node function) would see. Reading is linear in the body size and refuses (-40002) nesting
deeper than ``MAX_DEPTH`` levels or more than ``MAX_ITEMS`` values, never a ``RecursionError``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List

from .config import MAX_DEPTH, MAX_ITEMS
from .errors import PARSE_ERROR, push_error
from .xml_reader import read_xml


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


def from_xml(body: bytes) -> Dict[str, Any]:
    """The message dict of an ``<xml>`` body (no DTDs or entities accepted; see ``xml_reader``)."""
    return read_xml(body)


# a \\uD800-\\uDFFF escape: the only way a lone surrogate (which UTF-8 cannot carry) gets into JSON text
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _check_tree(value: Any, max_depth: int, max_items: int) -> None:
    """Refuse nesting deeper than ``max_depth`` or more than ``max_items`` values, level by level."""
    level, depth, count = [value], 1, 0
    while level:
        if depth > max_depth:
            raise push_error(PARSE_ERROR, f"JSON nested deeper than {max_depth} levels")
        below: List[Any] = []
        for container in level:
            count += len(container)
            if count > max_items:
                raise push_error(PARSE_ERROR, "JSON holds too many values for a push")
            values = container.values() if isinstance(container, dict) else container
            below += [v for v in values if isinstance(v, (dict, list))]
        level, depth = below, depth + 1


def _check_strings(value: Any) -> None:
    """Refuse a string (or key) holding a lone surrogate; ``value`` is already size-checked."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise push_error(PARSE_ERROR, "JSON string holds a lone surrogate (\\ud800-\\udfff escape)") from None
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _surely_too_many(body: bytes, max_items: int) -> bool:
    """True when the JSON text holds more than ``max_items`` values, known before decoding it.

    Lists and objects are what makes decoding dear (a 1 MiB ``[[],[],...]`` costs ~35 ms), so
    when the raw text has more openers than ``max_items``, strings are cut out and the commas and
    openers left give a lower bound of the values (each comma separates two, each opener but the
    root is one).
    """
    if body.count(b"[") + body.count(b"{") <= max_items:
        return False
    bare = _STRING.sub(b"", body)
    return max(bare.count(b","), bare.count(b"[") + bare.count(b"{") - 1) > max_items


def _json(body: bytes) -> Dict[str, Any]:
    if _surely_too_many(body, MAX_ITEMS):
        raise push_error(PARSE_ERROR, "JSON holds too many values for a push")
    try:
        value = json.loads(body.decode("utf-8"))
    except RecursionError:  # the C decoder's own depth guard: far deeper than any push
        raise push_error(PARSE_ERROR, f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:  # also integers over 4,300 digits
        raise push_error(PARSE_ERROR, f"body is neither JSON nor XML ({exc.__class__.__name__})") from None
    if not isinstance(value, dict):
        raise push_error(PARSE_ERROR, "JSON body is not an object")
    _check_tree(value, MAX_DEPTH, MAX_ITEMS)
    if _SURROGATE_ESCAPE.search(body):
        _check_strings(value)
    return value


def is_xml(body: bytes) -> bool:
    """True when ``body`` starts (after blanks) with ``<``, a byte-order mark or a UTF-16 ``<``."""
    return body.lstrip(b" \t\r\n")[:3].startswith((b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<"))


def loads(body: bytes) -> "tuple[Dict[str, Any], str]":
    """(message, "json" | "xml") of a push body; linear in its size, nesting at most ``MAX_DEPTH``."""
    if is_xml(body):
        return from_xml(body), "xml"
    return _json(body), "json"


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
