"""Generate, from the model, the typed stubs for IDEs and type checkers: the methods
(``cloudfn/_logistics.pyi``, here) and the push events' payloads (``cloudfn/_logistics_events.pyi``,
:mod:`cloudfn.codegen_events`).

python -m cloudfn.codegen          # rewrite both
python -m cloudfn.codegen --check  # exit 1 when either is stale (the tests run this)

The documentation's method table and field reference are rendered from the same model when
the site is built (``docs/hooks``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Dict, List

from . import spec
from .casing import snake_to_camel

ROOT = os.path.dirname(os.path.abspath(__file__))
STUB = os.path.join(ROOT, "_logistics.pyi")

PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def _title(name: str) -> str:
    return name[0].upper() + name[1:]


class _Stub:
    def __init__(self) -> None:
        self.classes: List[str] = []
        self.seen: Dict[str, str] = {}

    def type_of(self, field: Dict[str, Any], hint: str, request: bool) -> str:
        kind = field.get("type", "object")
        if "enum" in field and kind == "string":
            return "Literal[" + ", ".join(repr(v) for v in field["enum"]) + "]"
        if "enum" in field and kind == "integer":
            return "Literal[" + ", ".join(str(v) for v in field["enum"]) + "]"
        if kind in PY_TYPES:
            return PY_TYPES[kind]
        if kind == "array":
            return f"List[{self.type_of(field.get('items', {}), hint, request)}]" if "items" in field else "List[Any]"
        if "fields" in field:
            name = (field.get("shape") or hint) + ("" if request else "Out")
            if field.get("optional"):  # a shared shape with some fields made optional for this use
                name += "Without" + "".join(_title(snake_to_camel(f)) for f in field["optional"])
            if name not in self.seen:
                self.seen[name] = ""
                self.typed_dict(name, field["fields"], request)
            return name
        return "Dict[str, Any]"

    def typed_dict(self, name: str, fields: Dict[str, Any], request: bool, extra: str = "") -> None:
        lines = [f"class {name}(TypedDict, total=False):"]
        for wire, f in fields.items():
            t = self.type_of(f, name + _title(snake_to_camel(wire)), request)
            if request and f.get("required"):
                t = f"Required[{t}]"
            lines.append(f"    {snake_to_camel(wire)}: {t}")
            if f.get("doc"):
                lines.append(f'    """{f["doc"]}"""')
        lines.extend(extra.splitlines())
        if len(lines) == 1:
            lines.append("    pass")
        self.classes.append("\n".join(lines))


def _method_doc(m: Dict[str, Any]) -> str:
    required = [snake_to_camel(k) for k, f in m["request"].items() if f.get("required")]
    errcodes = ", ".join(f"{c} {d}" for c, d in m["errcodes"].items())
    parts = [m["doc"] + "\n", f"{m['http']} {m['path']} ({m['side']} side{', write: never retried' if m.get('write') else ''})"]
    if required:
        parts.append("Required: " + ", ".join(required) + ".")
    if errcodes:
        parts.append("Errors: " + errcodes + ".")
    return "\n        ".join(parts)


def _method(stub: _Stub, name: str, m: Dict[str, Any], asynchronous: bool) -> str:
    """Two overloads: the Node-style dict (a TypedDict) or keywords; no catch-all, so a misspelling is an error."""
    title = _title(name)
    fields = sorted(m["request"].items(), key=lambda kv: not kv[1].get("required"))  # required keywords first
    kwargs = ", ".join(
        f"{snake_to_camel(k)}: {stub.type_of(f, title + _title(snake_to_camel(k)), True)}{'' if f.get('required') else ' = ...'}" for k, f in fields
    )
    prefix = "async def" if asynchronous else "def"
    data = f"data: {title}Request"  # no default: a bare call() is the keyword overload
    return (
        f"    @overload\n    {prefix} {name}(self, {data}, /) -> {title}Result:\n"
        f'        """{_method_doc(m)}"""\n'
        f"    @overload\n    {prefix} {name}(self{', *, ' + kwargs if kwargs else ''}) -> {title}Result: ..."
    )


def render_stub() -> str:
    stub = _Stub()
    for name, m in spec.methods().items():
        title = _title(name)
        stub.typed_dict(f"{title}Request", m["request"], request=True)
        stub.typed_dict(f"{title}Result", m["response"], request=False, extra="    errMsg: Required[str]\n    errCode: Required[int]")
    sync = "\n\n".join(_method(stub, name, m, False) for name, m in spec.methods().items())
    asynchronous = "\n\n".join(_method(stub, name, m, True) for name, m in spec.methods().items())
    head = (
        '"""Typed view of cloud.openapi.logistics, generated from cloudfn/data/logistics.json by\n'
        'cloudfn/codegen.py: do not edit, run `python -m cloudfn.codegen`.\n\n'
        "Requests are TypedDicts (dict form) or keywords; results are TypedDicts: key access is typed.\n"
        "At run time results also answer attribute access (cloudfn.result.Result); this view types\n"
        'the keys only (a TypedDict cannot declare attributes)."""\n\n'
        "from typing import Any, Dict, List, Optional, overload\n\n"
        "from typing_extensions import Literal, Required, TypedDict\n\n"
    )
    options = (
        "    def __call__(self, options: Optional[Dict[str, Any]] = None, /, *, convertCase: bool = ..., appid: str = ..., "
        "version: str = ...) -> {cls}: ...\n"
    )
    tail = (
        "class Logistics:\n"
        '    """cloud.openapi.logistics: the WeChat logistics (express) open API."""\n\n'
        + sync
        + "\n\nclass AsyncLogistics:\n"
        '    """cloudfn.aio\'s openapi.logistics: the same methods as coroutines."""\n\n'
        + asynchronous
        + "\n\nclass OpenAPI:\n"
        '    """cloud.openapi: call it with options (convertCase, appid, version) for a configured copy."""\n\n'
        "    logistics: Logistics\n\n"
        + options.format(cls="OpenAPI")
        + "\nclass AsyncOpenAPI:\n"
        '    """cloudfn.aio\'s openapi: every method a coroutine function returning the same result types."""\n\n'
        "    logistics: AsyncLogistics\n\n"
        + options.format(cls="AsyncOpenAPI")
    )
    return head + "\n\n".join(stub.classes) + "\n\n" + tail


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="cloudfn codegen", description=__doc__)
    register(parser)
    return run(parser.parse_args(argv))


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="only report whether the generated files are current")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from . import codegen_events  # it imports this module: loaded here, not at the top

    stale = []
    for path, render in ((STUB, render_stub), (codegen_events.STUB, codegen_events.render)):
        text = render()
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        if current != text:
            stale.append(path)
            if not args.check:
                with open(path, "w", encoding="utf-8") as out:
                    out.write(text)
    for path in stale:
        print(("stale: " if args.check else "wrote: ") + os.path.relpath(path))
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
