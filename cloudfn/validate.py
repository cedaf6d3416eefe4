"""Request validation against the model: every problem at once, before any I/O.

Works on wire (snake_case) bodies. Each :class:`Problem` knows its path and kind,
renders itself with snake or camel names (the SDK reports the names the caller
used), and carries the errcode WeChat would answer (the emulator uses that).
"""

from __future__ import annotations

import math
import sys
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from .casing import snake_to_camel
from .names import fold

PathPart = Union[str, int]

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}


def json_type(value: Any) -> str:
    """The JSON type name of a Python value (as the messages show it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _is(value: Any, expected: str) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "object":
        return isinstance(value, dict)
    if expected == "array":
        return isinstance(value, (list, tuple))
    return True


class Problem(NamedTuple):
    """One thing wrong with a request body."""

    path: Sequence[PathPart]
    kind: str  # missing | type | enum | too_long | too_many | csv | one_of | json | near_miss
    detail: str  # the message after the field name (near_miss: the field meant)
    errcode: Optional[int] = None  # a field-specific WeChat errcode, if documented
    alternatives: Tuple[str, ...] = ()  # for one_of: the sibling names, one of which is needed

    def render(self, camel: bool = False) -> str:
        if self.kind == "near_miss":  # the path is the caller's own spelling: shown as written
            return f"unknown field {render_path(self.path)}: did you mean {self.detail}?"
        if self.kind == "one_of":
            names = " or ".join(render_path(list(self.path) + [a], camel) for a in self.alternatives)
            return f"either {names} {self.detail}"
        name = render_path(self.path, camel)
        return f"{name} {self.detail}" if name else self.detail


def render_path(path: Sequence[PathPart], camel: bool = False) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + (snake_to_camel(part) if camel else part)
    return out


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def validate_body(fields: Dict[str, Any], body: Dict[str, Any], one_of: Sequence[Sequence[str]] = ()) -> List[Problem]:
    """All problems of ``body`` against a method's request ``fields``."""
    problems: List[Problem] = []
    _check_object(fields, one_of, body, [], problems)
    return problems


def _check_object(fields: Dict[str, Any], one_of: Sequence[Sequence[str]], body: Dict[str, Any], path: List[PathPart], out: List[Problem]) -> None:
    for name, spec in fields.items():
        value = body.get(name)
        here = path + [name]
        if value is None:
            if _required(spec, body):
                out.append(Problem(here, "missing", "is required", spec.get("errcode")))
            continue
        _check_value(spec, value, here, out)
    for group in one_of:
        if not any(_present(body.get(n)) for n in group):
            out.append(Problem(path, "one_of", "is required", alternatives=tuple(group)))


def _required(spec: Dict[str, Any], body: Dict[str, Any]) -> bool:
    if spec.get("required"):
        return True
    when = spec.get("required_when")
    if when and all(body.get(k) == v for k, v in when.items()):
        return True
    unless = spec.get("required_unless")
    if unless and not all(body.get(k) == v for k, v in unless.items()):
        return True
    without = spec.get("required_without")
    return bool(without and not _present(body.get(without)))


def _check_value(spec: Dict[str, Any], value: Any, path: List[PathPart], out: List[Problem]) -> None:
    expected = spec.get("type", "object" if "fields" in spec else None)
    errcode = spec.get("errcode")
    if expected and not _is(value, expected):
        out.append(Problem(path, "type", f"must be {_TYPE_NAMES[expected]}, got {json_type(value)}", errcode))
        return
    if "enum" in spec and value not in spec["enum"]:
        choices = ", ".join(str(c) for c in spec["enum"])
        out.append(Problem(path, "enum", f"must be one of {choices}, got {value!r}", errcode))
    if "max_bytes" in spec:
        size = len(value.encode("utf-8"))
        if size > spec["max_bytes"]:
            out.append(Problem(path, "too_long", f"must be at most {spec['max_bytes']} bytes (UTF-8), got {size}", errcode))
    if "csv_max_items" in spec:
        ids = value.split(",")
        if any(not i or i != i.strip() or " " in i for i in ids):
            out.append(Problem(path, "csv", "must be ids separated by commas, without spaces or empty ids", errcode))
        elif len(ids) > spec["csv_max_items"]:
            out.append(Problem(path, "too_many", f"must list at most {spec['csv_max_items']} ids, got {len(ids)}", errcode))
    if expected == "array":
        if "max_items" in spec and len(value) > spec["max_items"]:
            out.append(Problem(path, "too_many", f"must have at most {spec['max_items']} items, got {len(value)}", errcode))
        item_spec = spec.get("items")
        if item_spec:
            for i, item in enumerate(value):
                _check_value(item_spec, item, path + [i], out)
    elif expected == "object" and "fields" in spec:
        _check_object(spec["fields"], spec.get("one_of", ()), value, path, out)


def near_misses(fields: Dict[str, Any], data: Any, camel: bool = True) -> List[Problem]:
    """Keys of ``data`` that are not model fields but equal one when case and ``_`` are ignored.

    ``data`` is the request as the caller wrote it (camelCase names when ``camel``, wire names
    otherwise): ``waybillID``, ``tagIdList``, ``biz_id`` (camel mode) are caught; any other
    unknown key is left alone, since real functions send extra fields on purpose.
    """
    out: List[Problem] = []
    _near(fields, data, camel, [], out)
    return out


def _near(fields: Dict[str, Any], data: Any, camel: bool, path: List[PathPart], out: List[Problem]) -> None:
    if not isinstance(data, Mapping):
        return
    names, folded = _names(fields, camel)
    for key, value in data.items():
        if value is None or not isinstance(key, str):
            continue
        spec = names.get(key)
        if spec is None:
            meant = folded.get(fold(key))
            if meant is not None:
                out.append(Problem(path + [key], "near_miss", render_path(path + [meant])))
            continue
        if "fields" in spec:
            _near(spec["fields"], value, camel, path + [key], out)
        elif "fields" in spec.get("items", {}) and isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                _near(spec["items"]["fields"], item, camel, path + [key, i], out)


_NAMES: Dict[Tuple[int, bool], Tuple[Dict[str, Any], Dict[str, Any], Dict[str, str]]] = {}


def _names(fields: Dict[str, Any], camel: bool) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """The caller-side names of ``fields`` and their folded forms, kept per model object."""
    found = _NAMES.get((id(fields), camel))
    if found is None or found[0] is not fields:
        if len(_NAMES) > 512:  # bounded: only model objects belong here
            _NAMES.clear()
        names = {(snake_to_camel(k) if camel else k): spec for k, spec in fields.items()}
        found = _NAMES[(id(fields), camel)] = (fields, names, {fold(n): n for n in names})
    return found[1], found[2]


def without_covered(problems: List[Problem], misses: Sequence[Problem]) -> List[Problem]:
    """Drop "X is required" when the caller did write X, misspelt (the near miss says so)."""
    meant = {fold(p.detail) for p in misses}
    return [p for p in problems if not (p.kind == "missing" and fold(render_path(p.path)) in meant)]


MAX_DEPTH = 64  # nesting levels of a request body, the body itself included (logistics bodies use 4)
_INT_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 0)()  # 4300 by default; 0: no limit
_INT_LIMIT = 10**_INT_DIGITS if _INT_DIGITS else 0


def json_problems(value: Any, path: Optional[List[PathPart]] = None) -> List[Problem]:
    """Values JSON cannot carry, wherever they are: sets, bytes, objects, NaN, lone surrogates,
    integers Python will not print (over 4300 digits), nesting deeper than :data:`MAX_DEPTH`.

    An iterative walk (no recursion, so any depth or a cycle is reported, never raised); run it
    before anything recursive (case conversion, ``json.dumps``) touches the value.
    """
    out: List[Problem] = []
    stack: List[Tuple[Any, List[PathPart]]] = [(value, list(path or []))]
    base = len(path or [])
    while stack:
        item, here = stack.pop()
        problem = _scalar_problem(item)
        if problem is not None:
            if problem:
                out.append(Problem(here, "json", problem))
            continue
        if len(here) - base >= MAX_DEPTH:
            out.append(Problem(here, "json", f"nests deeper than {MAX_DEPTH} levels"))
            continue
        children: List[Tuple[Any, List[PathPart]]] = []
        if isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str):
                    out.append(Problem(here, "json", f"has a non-string key {_safe_repr(k)}"))
                elif not _valid_unicode(k):
                    out.append(Problem(here, "json", "has a key that is not valid Unicode (a lone surrogate)"))
                else:
                    children.append((v, [*here, k]))
        else:
            children = [(v, [*here, i]) for i, v in enumerate(item)]
        stack.extend(reversed(children))  # problems come out in document order
    return out


def _scalar_problem(value: Any) -> Optional[str]:
    """"" for a fine scalar, a problem text for a bad value, None for a container to walk."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return "" if _valid_unicode(value) else "is not valid Unicode (a lone surrogate)"
    if isinstance(value, int):
        if _INT_LIMIT and (value >= _INT_LIMIT or value <= -_INT_LIMIT):
            return f"is an integer with more than {_INT_DIGITS} digits"
        return ""
    if isinstance(value, float):
        return f"is not JSON-serialisable ({value!r})" if math.isnan(value) or math.isinf(value) else ""
    if isinstance(value, (dict, list, tuple)):
        return None
    return f"is not JSON-serialisable ({type(value).__name__})"


def _valid_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__, or an int too long to print
        return type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def describe(problems: Sequence[Problem], camel: bool, render: Callable[[Problem, bool], str] = Problem.render) -> str:
    """Problems joined into one line, in order."""
    return "; ".join(render(p, camel) for p in problems)
