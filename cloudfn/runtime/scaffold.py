"""``cloudfn new NAME [--api logistics.getPath ...] [--async]``: start a function.

Writes ``<functionRoot>/NAME/`` with ``index.py`` (a ``main_handler`` calling each granted API,
chosen by ``event["action"]``; with ``--async`` an ``async def main`` on :mod:`cloudfn.aio`
adapted by ``main_handler = cloud.handler(main)``), ``config.json`` granting the APIs,
``event.json`` (the event ``cloudfn invoke NAME`` sends when given none; kept out of the zip
by the folder's ``.cloudfnignore``) and, for ``--async``, ``requirements.txt`` (aiohttp). Then
adds the function to the project manifest (``config.json`` of the project, created when there is
none). Without ``--api`` the function gets ``logistics.getAllDelivery``, which needs no data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import Any, Dict, List, Optional

from ..casing import snake_to_camel
from . import manifest
from .invoke import EVENT_FILE
from .manifest import ManifestError
from .suggest import api_names, did_you_mean, known_api

DEFAULT_API = "logistics.getAllDelivery"
DEFAULT_TIMEOUT = 10
# Placeholders the emulator accepts: its test carrier and test account.
_SAMPLES = {"delivery_id": "TEST", "biz_id": "test_biz_id", "openid": "OPENID", "order_id": "order-0001", "waybill_id": "WAYBILL"}




class ScaffoldError(Exception):
    """The function cannot be created; ``str()`` is the one line to print."""


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the new function's name: a letter, then letters, digits, - or _ (up to 60)")
    parser.add_argument(
        "--api", action="append", default=[], metavar="API",
        help=f"an open API the function may call, e.g. logistics.getPath (repeat for more; default {DEFAULT_API})",
    )  # fmt: skip
    parser.add_argument(
        "--async", dest="use_async", action="store_true",
        help="write an async def main on cloudfn.aio, adapted for SCF by cloud.handler (adds aiohttp to requirements.txt)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        created = create(os.getcwd(), args.name, args.api, use_async=args.use_async)
    except (ScaffoldError, ManifestError) as e:
        print(f"cloudfn new: {e}", file=sys.stderr)
        return 2
    rel = os.path.relpath(created)
    print(f"created {rel}/ (index.py, config.json, {EVENT_FILE}) and listed {args.name!r} in the project's config.json")
    print(f"try it: cloudfn invoke {args.name}")
    return 0


def apis_from(names: List[str]) -> List[str]:
    """Canonical API names for ``--api`` values; an unknown one is refused naming the nearest."""
    found: List[str] = []
    for name in names or [DEFAULT_API]:
        api = known_api(name)
        if api is None:
            raise ScaffoldError(f"unknown open API {name!r}{did_you_mean(name, api_names())} (see cloudfn.spec.methods())")
        if api not in found:
            found.append(api)
    return found


def create(cwd: str, name: str, api_args: List[str], use_async: bool = False) -> str:
    """Write the function folder and its manifest entry; return the folder."""
    if not manifest._NAME.match(name):
        raise ScaffoldError(f"invalid function name {name!r}: start with a letter, then letters, digits, - or _ (up to 60)")
    apis = apis_from(api_args)
    project = manifest.find(cwd)
    manifest_path = project.manifest_path or os.path.join(project.root, manifest.MANIFEST)
    if project.manifest_path is None and os.path.exists(manifest_path):
        raise ScaffoldError(f"{manifest_path} exists but is not a project manifest: run cloudfn new from the project root")
    folder = os.path.join(project.functions_dir, name)
    if name in project.entries:
        raise ScaffoldError(f"function {name!r} already exists: it is listed in {os.path.relpath(manifest_path)}")
    if os.path.lexists(folder):
        raise ScaffoldError(f"function {name!r} already exists: {os.path.relpath(folder)} is there")
    files = {
        "index.py": render_index(apis, use_async),
        "config.json": json.dumps({"permissions": {"openapi": apis}}, indent=2) + "\n",
        EVENT_FILE: json.dumps(sample_event(apis[0]), indent=2, ensure_ascii=False) + "\n",
        ".cloudfnignore": f"# a local test event, not part of the deployed function\n{EVENT_FILE}\n",
    }
    if use_async:
        files["requirements.txt"] = "aiohttp>=3.9\n"
    os.makedirs(folder)
    try:
        for filename, text in files.items():
            with open(os.path.join(folder, filename), "w", encoding="utf-8") as f:
                f.write(text)
        add_to_manifest(manifest_path, project.function_root if project.manifest_path else None, name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def add_to_manifest(path: str, function_root: Optional[str], name: str) -> None:
    """Append ``name`` to the manifest at ``path`` (created when missing), keeping one function per line."""
    entry = {"name": name, "runtime": manifest.DEFAULT_RUNTIME, "handler": manifest.DEFAULT_HANDLER,
             "timeout": DEFAULT_TIMEOUT, "memorySize": manifest.DEFAULT_MEMORY, "installDependency": True}  # fmt: skip
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    else:
        data = {"functionRoot": function_root or manifest.DEFAULT_FUNCTION_ROOT, "functions": []}
    data.setdefault("functions", []).append(entry)
    manifest.parse(data, os.path.dirname(path), path)  # never write a manifest cloudfn would refuse
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".json", dir=os.path.dirname(path) or ".")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(dump_manifest(data))
    if os.path.isfile(path):
        shutil.copymode(path, tmp)
    else:
        os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def dump_manifest(data: Dict[str, Any]) -> str:
    """The manifest as the shipped one is written: two-space indent, each function on one line."""
    lines = []
    for key, value in data.items():
        if key == "functions" and isinstance(value, list):
            rows = ",\n".join("    " + json.dumps(e, ensure_ascii=False) for e in value)
            lines.append(f'  "functions": [\n{rows}\n  ]' if value else '  "functions": []')
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def sample_event(api: str) -> Dict[str, Any]:
    """``{"action": method, "data": {...}}`` with a placeholder for each required field."""
    from .. import spec

    method = api.partition(".")[2]
    return {"action": method, "data": _sample_fields(spec.method(method)["request"])}  # type: ignore[index]


def _sample_fields(fields: Dict[str, Any]) -> Dict[str, Any]:
    return {snake_to_camel(k): _sample(k, f) for k, f in fields.items() if f.get("required")}


def _sample(key: str, field: Dict[str, Any]) -> Any:
    if field.get("enum"):
        return field["enum"][0]
    kind = field.get("type")
    if kind == "object":
        return _sample_fields(field.get("fields", {}))
    if kind == "array":
        items = field.get("items", {})
        return [_sample(key, items)] if items else []
    if kind in ("integer", "number"):
        return field.get("min", 1)
    if kind == "boolean":
        return False
    return _SAMPLES.get(key, key.upper())


def render_index(apis: List[str], use_async: bool) -> str:
    """The ``index.py`` skeleton: one branch per API, chosen by ``event["action"]``."""
    first = apis[0].partition(".")[2]
    wait = "await " if use_async else ""
    branches = "".join(
        f'        if action == "{m}":\n            return {wait}cloud.openapi.logistics.{m}(data)\n' for m in (a.partition(".")[2] for a in apis)
    )
    body = (
        f'    action = event.get("action", "{first}")\n'
        '    data = event.get("data") or {}\n'
        "    try:\n"
        f"{branches}"
        '        return {"errCode": -1, "errMsg": f"unknown action {action!r}"}\n'
        "    except cloud.CloudSDKError as err:\n"
        "        return err.to_dict()\n"
    )
    granted = ", ".join(apis)
    if use_async:
        return (
            f'"""A cloud function calling {granted} (async; see config.json for its permissions)."""\n\n'
            "import cloudfn.aio as cloud\n\n"
            'cloud.init({"env": cloud.DYNAMIC_CURRENT_ENV})\n\n\n'
            f"async def main(event, context):\n{body}\n\n"
            "main_handler = cloud.handler(main)  # SCF calls main_handler(event, context) synchronously\n"
        )
    return (
        f'"""A cloud function calling {granted} (see config.json for its permissions)."""\n\n'
        "import cloudfn as cloud\n\n"
        'cloud.init({"env": cloud.DYNAMIC_CURRENT_ENV})\n\n\n'
        f"def main_handler(event, context):\n{body}"
    )
