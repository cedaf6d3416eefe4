"""The typed payloads of the push events (``cloudfn/_logistics_events.pyi``), rendered from the model.

``python -m cloudfn.codegen`` writes (or with ``--check`` checks) this stub beside the methods'
one. A handler types its argument with
``if TYPE_CHECKING: from cloudfn._logistics_events import AddWaybillEvent``. Outside
``cloudfn.events`` on purpose: a function's zip carries that package, never this generator.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional

from . import spec
from .codegen import PY_TYPES

STUB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_logistics_events.pyi")


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


class _Stub:
    def __init__(self) -> None:
        self.classes: List[str] = []
        self.seen: Dict[str, str] = {}

    def type_of(self, field: Mapping[str, Any], hint: str) -> str:
        kind = field.get("type", "object")
        if "const" in field:
            return f"Literal[{field['const']!r}]"
        if kind in PY_TYPES:
            return PY_TYPES[kind]
        if kind == "array":
            return f"List[{self.type_of(field['items'], hint)}]" if "items" in field else "List[Any]"
        if "fields" in field:
            name = "Push" + (field.get("shape") or hint)
            if name not in self.seen:
                self.seen[name] = name
                self.typed_dict(name, field["fields"])
            return name
        return "Dict[str, Any]"

    def typed_dict(self, name: str, fields: Mapping[str, Any], doc: str = "", event: Optional[str] = None) -> None:
        lines = [f"class {name}(TypedDict, total=False):"] + ([f'    """{doc}"""'] if doc else [])
        for key, f in fields.items():
            if f.get("emulator_only"):
                continue
            t = f"Literal[{event!r}]" if key == "Event" and event else self.type_of(f, key)
            lines.append(f"    {key}: {f'Required[{t}]' if f.get('required') else t}")
            if f.get("doc"):
                lines.append(f'    """{f["doc"]}"""')
        self.classes.append("\n".join(lines))


def render(events: Optional[Mapping[str, Mapping[str, Any]]] = None) -> str:
    """The stub text for ``events`` (default: the model's)."""
    stub = _Stub()
    names: List[str] = []
    for name, e in (spec.events() if events is None else events).items():
        title = _camel(name)
        stub.typed_dict(f"{title}Event", e["fields"], f"{e['alias']} ({name}, {e['direction']}): {e['doc']}", name)
        names.append(f"{title}Event")
        if e["reply"]:
            stub.typed_dict(f"{title}Reply", e["reply"], f"The provider's reply to {name}.", name)
            names.append(f"{title}Reply")
    body = "\n\n".join(stub.classes) + "\n"
    used = [n for n in ("Any", "Dict", "List") if f"{n}[" in body or f"[{n}]" in body]
    head = (
        '"""Typed payloads of the logistics push events, generated from cloudfn/data/logistics.json by\n'
        'cloudfn/codegen_events.py: do not edit, run `python -m cloudfn.codegen`.\n\n'
        "Events: " + ",\n".join(names) + '."""\n\n'
        + (f"from typing import {', '.join(used)}\n\n" if used else "")
        + "from typing_extensions import Literal, Required, TypedDict\n\n"
    )
    return head + body
