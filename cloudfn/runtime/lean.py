"""Which files of the ``cloudfn`` package a function's zip carries: its runtime part only.

The SDK is always packed: ``import cloudfn`` and its call path (core, config, errors,
transports, tokens; named in :data:`ALWAYS` because cloudfn's ``__init__`` may load them
lazily). From there the ``cloudfn`` modules are followed through their imports, read with
:mod:`ast`: ``import``/``from`` statements at any depth (inside functions too, which load
transports and token stores on first use, and under ``if TYPE_CHECKING``) and
``importlib.import_module`` of a literal name. The ``cloudfn`` modules the function's own sources
import (:func:`cloudfn.runtime.sources.cloudfn_imports`) are roots too: ``cloudfn.aio`` and
``cloudfn.events`` are packed only for a function that imports them. A needed module of a
subpackage brings the whole subpackage (``cloudfn.transports`` picks its modules by name at run
time). Data files: the model (``data/logistics.json``).

What is never reached is left out: the emulator, the CLI, ``cloudfn.runtime`` (packaging,
invoke, deploy), diff, codegen, the quickstart, the diff corpus, the Node script and the typed
stubs. ``cloudfn package --whole-cloudfn`` packs the whole package instead (for a function
that imports cloudfn modules in a way the scan cannot see, e.g. ``importlib.import_module``
of a computed name).
"""

from __future__ import annotations

import ast
import os
from typing import Dict, Iterable, List, Optional, Set

import cloudfn

PACKAGE = "cloudfn"
ROOT = os.path.dirname(os.path.abspath(cloudfn.__file__))
RUNTIME_DATA = ("data/logistics.json",)
OPTIONAL_PARTS = ("aio", "events")  # packed only for a function that imports them
# The call path, always packed: cloudfn's __init__ may load it lazily (PEP 562) where the scan cannot follow.
ALWAYS = ("cloudfn.core", "cloudfn.config", "cloudfn.errors", "cloudfn.transports", "cloudfn.tokens")


def module_path(name: str) -> Optional[str]:
    """The source file of a ``cloudfn`` module (``cloudfn.aio`` -> ``aio/__init__.py``), None if there is none."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = os.path.join(ROOT, *parts[1:])
    for candidate in (os.path.join(base, "__init__.py"), base + ".py"):
        if os.path.isfile(candidate):
            return candidate
    return None


def _package_of(name: str, path: str) -> str:
    return name if path.endswith("__init__.py") else name.rpartition(".")[0]


def _imports(name: str, path: str) -> Set[str]:
    """Every ``cloudfn`` module name ``path`` imports (absolute or relative), candidates included."""
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), filename=path)
    here = _package_of(name, path)
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)  # "from . import spec" names a module
        elif isinstance(node, ast.Call) and _calls_import_module(node) and node.args and isinstance(node.args[0], ast.Constant):
            name_arg = node.args[0].value
            if isinstance(name_arg, str):  # importlib.import_module(".core", __name__) / ("cloudfn.events")
                found.add(here + name_arg if name_arg.startswith(".") else name_arg)
    return {m for m in found if m.split(".")[0] == PACKAGE}


def _calls_import_module(node: ast.Call) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (isinstance(func, ast.Name) and func.id == "import_module")


def _parents(name: str) -> List[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _subpackage_members(package: str) -> List[str]:
    folder = os.path.dirname(module_path(package) or "")
    return [f"{package}.{n[:-3]}" for n in sorted(os.listdir(folder)) if n.endswith(".py") and n != "__init__.py"]


def needed_modules(roots: Iterable[str]) -> Set[str]:
    """The closure of ``cloudfn`` (always) and ``roots`` over their imports."""
    todo = [PACKAGE, *ALWAYS, *roots]
    seen: Set[str] = set()
    while todo:
        name = todo.pop()
        path = module_path(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        todo.extend(_parents(name))
        todo.extend(_imports(name, path))
        if path.endswith("__init__.py") and name != PACKAGE:
            todo.extend(_subpackage_members(name))
    return seen


def runtime_files(roots: Iterable[str]) -> Dict[str, str]:
    """Archive name (``cloudfn/core.py``) -> source path of every file the runtime part needs."""
    files: Dict[str, str] = {}
    for name in needed_modules(roots):
        path = module_path(name)
        assert path is not None
        files[PACKAGE + "/" + os.path.relpath(path, ROOT).replace(os.sep, "/")] = path
    for rel in RUNTIME_DATA:
        files[f"{PACKAGE}/{rel}"] = os.path.join(ROOT, *rel.split("/"))
    return files
