"""What a function's Python sources use, read with :mod:`ast` (nothing is imported or run).

- :func:`api_calls`: every attribute chain ``<anything>.openapi.<family>.<method>``, also through a
  call (``cloud.openapi(convertCase=False).logistics.getPath``) or a bare ``openapi`` name
  (``from cloudfn import openapi``). A chain reached through a variable
  (``lg = cloud.openapi.logistics; lg.getPath()``) or ``getattr`` is not seen.
- :func:`cloudfn_imports`: the ``cloudfn`` modules the sources import (``import cloudfn.aio``,
  ``from cloudfn import events``, ``from cloudfn.events import Router``), at any depth.
- :func:`permission_warnings`: one line per call the function's ``config.json`` does not grant.

The sources are the ``.py`` files of the function folder, skipping dot-folders, ``__pycache__``,
``tests``/``test`` and ``node_modules`` (as packaging does); a file that does not parse is skipped.
"""

from __future__ import annotations

import ast
import json
import os
from typing import Iterator, List, NamedTuple, Set, Tuple

from .manifest import MANIFEST, Function
from .selection import SKIP_DIRS
from .suggest import api_names, did_you_mean, known_api

MAX_SOURCE_BYTES = 2 * 1024 * 1024  # a bigger .py file is generated data, not handler code


class Call(NamedTuple):
    """One open API call found in a source file."""

    file: str  # relative to the function folder, with /
    line: int
    api: str  # "logistics.getPath" as written


def python_files(directory: str) -> Iterator[Tuple[str, str]]:
    """(relative name, path) of each Python source of a function folder, sorted."""
    for here, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(names):
            if name.endswith(".py") and not name.startswith("."):
                path = os.path.join(here, name)
                yield os.path.relpath(path, directory).replace(os.sep, "/"), path


def parse_all(directory: str) -> Iterator[Tuple[str, ast.AST]]:
    """(relative name, tree) of each source that parses."""
    for rel, path in python_files(directory):
        try:
            if os.path.getsize(path) > MAX_SOURCE_BYTES:
                continue
            with open(path, "rb") as f:
                yield rel, ast.parse(f.read(), filename=rel)
        except (OSError, SyntaxError, ValueError):
            continue


def _is_openapi(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    return (isinstance(node, ast.Attribute) and node.attr == "openapi") or (isinstance(node, ast.Name) and node.id == "openapi")


def api_calls(directory: str) -> List[Call]:
    """Every ``openapi.<family>.<method>`` chain in the function's sources, in file and line order."""
    found: List[Call] = []
    for rel, tree in parse_all(directory):
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and _is_openapi(node.value.value):
                found.append(Call(rel, node.lineno, f"{node.value.attr}.{node.attr}"))
    return sorted(set(found))


def cloudfn_imports(directory: str) -> Set[str]:
    """The ``cloudfn`` modules the function's sources import (``{"cloudfn", "cloudfn.aio"}``)."""
    found: Set[str] = set()
    for _, tree in parse_all(directory):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] == "cloudfn")
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "cloudfn":
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names if a.name != "*")  # a submodule or a name: both harmless
    return found


def permission_warnings(fn: Function) -> List[str]:
    """One line per open API call that would fail: not granted by ``config.json``, or not an API at all."""
    has_config = os.path.isfile(os.path.join(fn.directory, MANIFEST))
    config = os.path.relpath(os.path.join(fn.directory, MANIFEST))
    lines = []
    for call in api_calls(fn.directory):
        where = f"{call.file}:{call.line}"
        api = known_api(call.api)
        if api is None or "." not in call.api:
            lines.append(f"{where} calls {call.api}, which is not an open API{did_you_mean(call.api, api_names())}")
        elif not has_config:
            grant = json.dumps({"permissions": {"openapi": [api]}})
            lines.append(f"{where} calls {api}, but the function has no config.json, so every call fails with -604101: create {config} with {grant}")
        elif api not in fn.permissions:
            lines.append(f'{where} calls {api}, which {config} does not grant (-604101 at run time): add "{api}" to its permissions.openapi')
    return lines
