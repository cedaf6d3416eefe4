"""Byte-compiled files for a zip, so that a cold start on SCF does not compile every module.

SCF sets ``PYTHONDONTWRITEBYTECODE`` and its code folder is read-only: only ``.pyc`` files
shipped in the zip, for the runtime's exact ``cpython-3XY`` tag, are ever used. They are
hash-based and *checked* (PEP 552): the interpreter compares a hash of the source with the
one in the ``.pyc`` instead of the source's mtime, which an unzip may set to the extraction
time (zip entries carry no time zone either), so they are used whatever the timestamps,
and a source edited after packaging (CloudBase's online editor) wins over its stale ``.pyc``.
"""

from __future__ import annotations

import importlib.util
import os
import py_compile
import sys
import tempfile
import warnings
from typing import Dict

_MODE = py_compile.PycInvalidationMode.CHECKED_HASH


def matches(python_version: str) -> bool:
    """Whether this interpreter can write ``.pyc`` files for a runtime of ``X.Y``."""
    return sys.implementation.name == "cpython" and python_version == f"{sys.version_info[0]}.{sys.version_info[1]}"


def compile_sources(files: Dict[str, str]) -> Dict[str, bytes]:
    """``{archive name of the .pyc: its bytes}`` for every ``.py`` in ``files`` (archive name -> source path).

    A source that does not compile (a template, Python 2 code in a wheel) is shipped without one."""
    out: Dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="cloudfn-pyc-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of third-party code are not ours to print
        target = os.path.join(tmp, "out.pyc")
        for arc, source in sorted(files.items()):
            if not arc.endswith(".py"):
                continue
            try:
                py_compile.compile(source, cfile=target, dfile=arc, doraise=True, optimize=0, invalidation_mode=_MODE)
            except (py_compile.PyCompileError, ValueError, OSError):
                continue
            with open(target, "rb") as f:
                out[importlib.util.cache_from_source(arc, optimization="")] = f.read()
    return out
