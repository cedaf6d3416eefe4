"""The declarative model of the logistics API family (``data/logistics.json``).

One description drives request validation (SDK and emulator), the typed stubs, the
documentation's API reference and the emulator's routing. Adding a method is a change to the
JSON file only (then ``python -m cloudfn.codegen`` refreshes the stubs; the docs build renders the rest).
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any, Dict, Optional

Field = Dict[str, Any]

_DATA = os.path.join(os.path.dirname(__file__), "data", "logistics.json")


@cache
def model() -> Dict[str, Any]:
    """The parsed model, with every ``ref``/``request_ref`` resolved in place."""
    with open(_DATA, encoding="utf-8") as f:
        raw = json.load(f)
    shapes = raw["shapes"]

    def resolve(field: Field) -> Field:
        if "ref" in field:
            merged = dict(shapes[field["ref"]])
            merged.update({k: v for k, v in field.items() if k != "ref"})
            merged["shape"] = field["ref"]
            field = merged
        if "fields" in field:
            optional = field.get("optional", ())  # fields of a shared shape this use does not require
            field = dict(field, fields={k: resolve(dict(v, required=False) if k in optional else v) for k, v in field["fields"].items()})
        if "items" in field:
            field = dict(field, items=resolve(field["items"]))
        return field

    for name, m in raw["methods"].items():
        if "request_ref" in m:
            shape = shapes[m["request_ref"]]
            m["request"] = dict(shape["fields"])
            m["request_one_of"] = shape.get("one_of", [])
        m["name"] = name
        m["api"] = f"{raw['namespace']}.{name}"
        m["request"] = {k: resolve(v) for k, v in m["request"].items()}
        m["response"] = {k: resolve(v) for k, v in m["response"].items()}
    return raw


def methods() -> Dict[str, Dict[str, Any]]:
    """Every method of the family, by its camelCase cloud name."""
    return model()["methods"]


def method(name: str) -> Optional[Dict[str, Any]]:
    """One method by cloud name (``bindAccount``), or None when unknown."""
    return model()["methods"].get(name)


def by_path() -> Dict[str, Dict[str, Any]]:
    """Methods keyed by HTTP path, for the emulator's router."""
    return {m["path"]: m for m in methods().values()}


@cache
def events() -> Dict[str, Dict[str, Any]]:
    """The push events by platform name (``add_waybill``), each resolved: ``name``, ``alias``,
    ``direction``, ``doc``, ``fields`` (header first, shapes inlined), ``echo`` and ``reply``
    (header, echoed fields, then the reply's own fields; empty for ``to_business`` events)."""
    section = model()["events"]
    shapes = section["shapes"]

    def resolve(field: Field) -> Field:
        if "ref" in field:
            field = dict(shapes[field["ref"]], **{k: v for k, v in field.items() if k != "ref"}, shape=field["ref"])
        if "fields" in field:
            field = dict(field, fields={k: resolve(v) for k, v in field["fields"].items()})
        if "items" in field:
            field = dict(field, items=resolve(field["items"]))
        return field

    out: Dict[str, Dict[str, Any]] = {}
    for name, raw in section["messages"].items():
        fields = {k: resolve(v) for k, v in {**section["header"], **raw["fields"]}.items()}
        reply: Dict[str, Any] = {}
        if raw["direction"] == "to_provider":
            reply = {**section["header"], **{k: fields[k] for k in raw["echo"]}, **{k: resolve(v) for k, v in raw.get("reply", {}).items()}}
        out[name] = dict(raw, name=name, fields=fields, echo=tuple(raw["echo"]), reply=reply)
    return out
