"""The logistics API reference, read from the model (``cloudfn.spec``) and the error tables."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

from .text import cell

Field = Dict[str, Any]


def _camel(name: str) -> str:
    from cloudfn.casing import snake_to_camel

    return snake_to_camel(name)


def _methods() -> List[Tuple[str, Dict[str, Any]]]:
    from cloudfn import spec

    return sorted(spec.methods().items(), key=lambda kv: (kv[1]["side"], kv[0]))


def render_table() -> str:
    """One row per method: side, HTTP verb and path, required fields, errCodes."""
    rows = ["| method | side | HTTP | path | required fields (camelCase) | errCodes |", "|---|---|---|---|---|---|"]
    for name, m in _methods():
        required = ", ".join(_camel(k) for k, f in m["request"].items() if f.get("required")) or "—"
        codes = ", ".join(m["errcodes"]) or "—"
        rows.append(f"| [`{name}`](#{name.lower()}) | {m['side']} | {m['http']} | `{m['path']}` | {required} | {codes} |")
    return "\n".join(rows)


def _type(f: Field) -> str:
    kind = f.get("type", "object")
    if kind == "array" and "items" in f:
        return f"array of {_type(f['items'])}"
    return f.get("shape", kind) if kind == "object" else kind


def _required(f: Field, one_of: List[List[str]], wire: str) -> str:
    if f.get("required"):
        return "yes"
    for key, word in (("required_when", "when"), ("required_unless", "unless")):
        if key in f:
            return word + " " + ", ".join(f"`{_camel(k)}` = `{v}`" for k, v in f[key].items())
    if "required_without" in f:
        return f"without `{_camel(f['required_without'])}`"
    for group in one_of:
        if wire in group:
            return "one of " + " / ".join(f"`{_camel(g)}`" for g in group)
    return ""


def _limits(f: Field) -> str:
    out = []
    if "enum" in f:
        out.append("one of " + ", ".join(f"`{v}`" for v in f["enum"]))
    if "max_bytes" in f:
        out.append(f"≤ {f['max_bytes']} bytes (UTF-8)")
    if "max_items" in f:
        out.append(f"≤ {f['max_items']} items")
    if "csv_max_items" in f:
        out.append(f"comma-separated, no spaces, ≤ {f['csv_max_items']} items")
    if "errcode" in f:
        out.append(f"wrong value: errcode {f['errcode']}")
    if f.get("secret"):
        out.append("secret: masked in every message")
    return "; ".join(out)


def _rows(fields: Dict[str, Field], prefix: str = "", one_of: Any = ()) -> Iterator[List[str]]:
    for wire, f in fields.items():
        name = prefix + _camel(wire)
        yield [f"`{name}`", _type(f), _required(f, list(one_of), wire), cell(f.get("doc", "")), _limits(f)]
        inner = f["items"] if f.get("type") == "array" and "items" in f else f
        if "fields" in inner:
            yield from _rows(inner["fields"], name + ("[]." if inner is not f else "."), inner.get("one_of", ()))


def _field_table(fields: Dict[str, Field], request: bool, one_of: Any = ()) -> List[str]:
    if not fields:
        return ["(no fields)" if request else "Only `errMsg` and `errCode`.", ""]
    if request:
        head = ["| field | type | required | meaning | limits |", "|---|---|---|---|---|"]
        body = [f"| {' | '.join(r)} |" for r in _rows(fields, one_of=one_of)]
    else:
        head = ["| field | type | meaning |", "|---|---|---|"]
        body = [f"| {r[0]} | {r[1]} | {r[3]} |" for r in _rows(fields)]
    return head + body + [""]


def render_methods() -> str:
    """Every method with its request and result fields and its errCodes."""
    out: List[str] = []
    for side in ("business", "provider"):
        out += [f"## {side.capitalize()} side", ""]
        for name, m in _methods():
            if m["side"] != side:
                continue
            write = "a write: never sent twice once it may have reached the server"
            if not m.get("write"):
                write = "a read: retried once on a dropped connection"
            out += [f"### {name}", "", cell(m["doc"]), "", f"`{m['http']} {m['path']}` · permission `{m['api']}` · {write}", ""]
            out += ["**Request**", ""] + _field_table(m["request"], True, m.get("request_one_of", ()))
            out += ["**Result** (camelCase, then `errMsg`, `errCode`)", ""] + _field_table(m["response"], False)
            if m["errcodes"]:
                out += ["**errCodes**", "", "| errCode | meaning |", "|---|---|"]
                out += [f"| {code} | {cell(text)} |" for code, text in m["errcodes"].items()] + [""]
    return "\n".join(out)


def render_error_codes() -> str:
    """The SDK's codes (wx-server-sdk's table), the gateway mapping, the push codes, WeChat's by method."""
    from cloudfn import spec
    from cloudfn.errors import ERR_CODE, TCB_ERR_CODE
    from cloudfn.events import EVENT_ERR_CODE

    out = ["### SDK codes (wx-server-sdk's `ERR_CODE`, `cloudfn.ERR_CODE`)", "", "| errCode | description |", "|---|---|"]
    out += [f"| {code} | {text} |" for code, text in ERR_CODE.items()]
    out += ["", "### Gateway codes (`cloudcall`: wx-server-sdk's `TCB_ERR_CODE`)", "", "| gateway `code` | errCode |", "|---|---|"]
    out += [f"| `{name}` | {code} |" for name, code in TCB_ERR_CODE.items()]
    out += ["", "Any other gateway code gives -501001.", ""]
    out += ["### Message-push codes (`cloudfn.events.EVENT_ERR_CODE`)", "", "| errCode | description |", "|---|---|"]
    out += [f"| {code} | {text} |" for code, text in EVENT_ERR_CODE.items()]
    by_code: Dict[str, Dict[str, List[str]]] = {}
    for name, m in _methods():
        for code, text in m["errcodes"].items():
            by_code.setdefault(code, {}).setdefault(text, []).append(f"[`{name}`](logistics.md#{name.lower()})")
    out += ["", "### WeChat's codes, by method (from the model)", "", "| errcode | meaning | methods |", "|---|---|---|"]
    for code in sorted(by_code, key=int):
        for text, names in by_code[code].items():
            out.append(f"| {code} | {cell(text)} | {', '.join(names)} |")
    kinds = spec.model()["server_errcodes"]
    out += [
        "",
        "A body the server cannot accept is answered, unless its field names its own errcode, by kind: "
        + ", ".join(f"{kind.replace('_', ' ')} {code}" for kind, code in kinds.items())
        + ".",
    ]
    return "\n".join(out)
