"""The messages the emulator pushes, shaped by the model's events (``cloudfn.spec.events()``).

``message(event, values)`` takes the model's fields of ``event`` from ``values`` by name, case
and underscores ignored (``order_id`` fills ``OrderID``, ``space_x`` fills ``Space_X``), in the
model's order and with the model's types (``"12"`` becomes 12 for an integer field); fields of
nested objects and list items that ``values`` lacks get their ``default`` or their type's empty
value; fields the model does not name are left out. The header (``MsgType``, ``Event``) is filled
from the model too, so an event added to the model can be pushed without a code change here.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from .. import spec

EVENTS: Dict[str, Dict[str, Any]] = spec.events()
PUSH_EVENTS: Tuple[str, ...] = tuple(n for n, e in EVENTS.items() if e["direction"] == "to_business")
PROVIDER_EVENTS: Tuple[str, ...] = tuple(n for n, e in EVENTS.items() if e["direction"] == "to_provider")
SECRET_FIELDS: Tuple[str, ...] = tuple(sorted({k for e in EVENTS.values() for k, f in e["fields"].items() if f.get("secret")}))
_EMPTY: Dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False, "array": []}


def _key(name: str) -> str:
    return name.replace("_", "").lower()


def _index(values: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    return {_key(k): v for k, v in values.items()} if isinstance(values, Mapping) else {}


def _typed(field: Mapping[str, Any], value: Any) -> Any:
    kind = field.get("type", "object")
    if "fields" in field:
        return _object(field["fields"], value, fill=True)
    if kind == "array":
        items = field.get("items", {})
        return [_typed(items, v) for v in (value if isinstance(value, (list, tuple)) else [])]
    if value is None or (value == "" and kind != "string"):
        return field.get("default", _EMPTY.get(kind))
    if kind == "integer":
        return int(value)
    if kind == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else float(value)
    if kind == "string":
        return str(value) if value != "" or "default" not in field else field["default"]
    return value


def _object(fields: Mapping[str, Any], values: Any, fill: bool) -> Dict[str, Any]:
    found = _index(values)
    out: Dict[str, Any] = {}
    for name, field in fields.items():
        key = _key(name)
        if key in found:
            out[name] = _typed(field, found[key])
        elif fill or "default" in field:
            out[name] = _typed(field, None)
    return out


def message(event: str, values: Mapping[str, Any]) -> Dict[str, Any]:
    """The ``event`` message the model describes, filled from ``values`` (see the module doc)."""
    model = EVENTS[event]
    out = _object(model["fields"], {**values, "MsgType": model["fields"]["MsgType"].get("const", "event"), "Event": event}, fill=False)
    return out
