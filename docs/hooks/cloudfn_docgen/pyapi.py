"""Signatures and docstrings of named Python objects (``cloudfn.init``, ``cloudfn.events.Router``, ...)."""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any, List

from .text import rst_to_md


def resolve(dotted: str) -> Any:
    """The object a dotted name refers to: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot import {dotted}")


def _signature(name: str, obj: Any) -> str:
    try:
        text = f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return name
    return re.sub(r"(: |-> )\"?'([^']*)'\"?", r"\1\2", text)  # postponed annotations print quoted


def _doc(obj: Any) -> str:
    doc = inspect.getdoc(obj)
    if not doc:
        raise ValueError(f"{getattr(obj, '__qualname__', obj)} has no docstring")
    return rst_to_md(doc)


def _members(cls: type) -> List[str]:
    out = []
    for attr, value in cls.__dict__.items():
        if attr.startswith("_") or not (inspect.isfunction(value) or isinstance(value, (property, staticmethod, classmethod))):
            continue
        target = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
        doc = inspect.getdoc(target)
        if not doc:
            continue
        shown = attr if isinstance(value, property) else _signature(attr, target).replace("(self, ", "(").replace("(self)", "()")
        out.append(f"- `{shown}`: {rst_to_md(doc).splitlines()[0]}")
    return [*out, ""] if out else []


def render(names: List[str]) -> str:
    out: List[str] = []
    for dotted in names:
        obj = resolve(dotted)
        out += [f"### `{dotted}`", "", "```python", _signature(dotted, obj), "```", "", _doc(obj), ""]
        if inspect.isclass(obj):
            out += _members(obj)
    return "\n".join(out)
