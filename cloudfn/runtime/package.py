"""``cloudfn package NAME|DIR -o out.zip``: a deployable SCF zip, byte for byte reproducible.

Contents: the function folder (``index.py`` at the root, ``config.json``, its other
files), the runtime part of the ``cloudfn`` package (:mod:`cloudfn.runtime.lean`; all of it with
``--whole-cloudfn``), and the runtime dependencies (``requests``,
``python-dotenv`` plus the function's ``requirements.txt``) vendored with pip for the
function's declared runtime and checked against its ``Requires-Python``
(:mod:`cloudfn.runtime.vendoring`): SCF installs no Python dependencies online. What of the
function folder is packed (no symlink out of it, no secret, ``.cloudfnignore``) is decided
by :mod:`cloudfn.runtime.selection`; console scripts and test suites of wheels are dropped.
When this interpreter is the runtime's Python, checked hash-based ``.pyc`` files are added
(:mod:`cloudfn.runtime.bytecode`).

The vendored folder is cached under ``.cloudfn/cache/`` keyed by runtime and
dependency list; ``--vendor-dir`` (or ``CLOUDFN_VENDOR_DIR``) uses a folder you built.
Entries are sorted and stamped 1980-01-01 with mode 0644, so the same inputs give the
same bytes.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import zipfile
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from . import bytecode, lean, manifest, vendoring
from .manifest import Function, ManifestError, Project
from .selection import SelectionError, select
from .sources import cloudfn_imports, permission_warnings

RUNTIME_DEPS = vendoring.RUNTIME_DEPS
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644 << 16
CREATE_LIMIT = 50 * 1024 * 1024  # base64 ZipFile on CreateFunction
UPDATE_LIMIT = 20 * 1024 * 1024  # base64 ZipFile on UpdateFunctionCode
UNZIPPED_LIMIT = 500 * 1024 * 1024

_SKIP_DIRS = {"__pycache__", "tests", "test", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis", "node_modules", ".venv"}
_SKIP_SUFFIXES = (".pyc", ".pyo")
# bin/: console scripts with this machine's interpreter path; tests/: the test suites some wheels ship
_VENDOR_SKIP_DIRS = {"__pycache__", "bin", "tests"}


class PackageError(Exception):
    """Packaging failed; ``str()`` is the one line to print."""


class Built(NamedTuple):
    """A built zip and what went into it."""

    data: bytes
    files: int  # entries in the zip
    unzipped: int  # their total size
    secrets: List[Tuple[str, str]]  # function-folder files skipped as secret: (name, why)
    ignored: int  # function-folder files excluded by .cloudfnignore
    compiled: int  # .pyc files added
    sdk_files: int = 0  # files of the cloudfn package packed
    sdk: str = "runtime part"  # which part of cloudfn: "runtime part", "runtime part with aio", "whole package"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", metavar="NAME|DIR", help="a function named in config.json, or a function folder")
    parser.add_argument("-o", "--output", metavar="ZIP", help="where to write the zip (default dist/NAME.zip in the project)")
    parser.add_argument("--vendor-dir", metavar="DIR", help="take the dependencies from this folder (made with pip install --target) "
        "instead of running pip")
    parser.add_argument("--no-deps", action="store_true", help="pack no dependency at all (when a layer provides requests and the rest)")
    parser.add_argument("--no-compile", action="store_true", help="pack no .pyc files (by default they are added when this Python matches "
        "the runtime, for a faster cold start)")
    parser.add_argument(
        "--whole-cloudfn", action="store_true",
        help="pack all of cloudfn (emulator, CLI and tools too) instead of the runtime part the function's imports need",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        project = manifest.find()
        fn = project.function(args.function)
        built = build(project, fn, vendor_dir=args.vendor_dir, no_deps=args.no_deps, compile=not args.no_compile, whole=args.whole_cloudfn)
    except (ManifestError, PackageError) as e:
        print(f"cloudfn package: {e}", file=sys.stderr)
        return 2
    for line in permission_warnings(fn):
        print(f"cloudfn package: warning: {line}", file=sys.stderr)
    out = args.output or os.path.join(project.root, "dist", f"{fn.name}.zip")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "wb") as f:
        f.write(built.data)
    report_skipped(built, "cloudfn package")
    print(f"{out}: {summary(built)}")
    for warning in limits(len(built.data), built.unzipped):
        print(f"cloudfn package: warning: {warning}", file=sys.stderr)
    return 0


def report_skipped(built: Built, prefix: str) -> None:
    """One stderr line per file skipped as secret."""
    for name, why in built.secrets:
        print(f"{prefix}: skipped as secret: {name} ({why})", file=sys.stderr)


def summary(built: Built) -> str:
    """``N bytes (X MB), C files, Y MB unzipped, ..., I ignored by .cloudfnignore; cloudfn: K files (runtime part)``."""
    size = len(built.data)
    return (
        f"{size} bytes ({_mb(size)}), {built.files} files, {_mb(built.unzipped)} unzipped, "
        f"{built.compiled} byte-compiled, {len(built.secrets)} skipped as secret, {built.ignored} ignored by .cloudfnignore; "
        f"cloudfn: {built.sdk_files} files ({built.sdk})"
    )


def limits(size: int, unzipped: int) -> List[str]:
    """SCF's upload and size limits this package would break."""
    b64 = (size + 2) // 3 * 4
    found = []
    if b64 > CREATE_LIMIT:
        found.append(f"base64 size {_mb(b64)} is over the 50 MB CreateFunction limit: upload through COS or move dependencies to a layer")
    elif b64 > UPDATE_LIMIT:
        found.append(f"base64 size {_mb(b64)} is over the 20 MB UpdateFunctionCode limit: updates need COS or a layer")
    if unzipped > UNZIPPED_LIMIT:
        found.append(f"unzipped size {_mb(unzipped)} is over SCF's 500 MB limit")
    return found


def build(
    project: Project, fn: Function, vendor_dir: Optional[str] = None, no_deps: bool = False, compile: bool = True, whole: bool = False
) -> Built:
    """The zip of ``fn`` and what went into it: with ``whole``, all of cloudfn, else its runtime part (:mod:`.lean`)."""
    try:
        chosen = select(fn.directory, project.root)
    except SelectionError as e:
        raise PackageError(f"{fn.name}: {e}") from None
    files: Dict[str, str] = dict(chosen.files)  # archive name -> source path; first source wins
    if not any(name == fn.handler_module + ".py" or name.startswith(fn.handler_module + "/") for name in files):
        raise PackageError(f"{fn.directory}: handler module {fn.handler_module}.py is missing")
    sdk, sdk_kind = _sdk_files(fn, whole)
    for arc, path in sdk.items():
        files.setdefault(arc, path)
    if not no_deps and fn.install_dependency:
        vendor = vendor_dir or os.environ.get("CLOUDFN_VENDOR_DIR") or vendored(project, fn)
        if not os.path.isdir(vendor):
            raise PackageError(f"vendor folder {vendor} does not exist")
        try:
            vendoring.check(vendor, fn)  # a cache or --vendor-dir built elsewhere is checked too
        except vendoring.VendorError as e:
            raise PackageError(f"{fn.name}: {e}") from None
        _add_tree(files, vendor, "", _VENDOR_SKIP_DIRS)
    pyc = bytecode.compile_sources(files) if compile and bytecode.matches(fn.python_version) else {}
    data, count, unzipped = _zip(files, pyc)
    return Built(data, count, unzipped, chosen.secrets, chosen.ignored, len(pyc), len(sdk), sdk_kind)


def _sdk_files(fn: Function, whole: bool) -> Tuple[Dict[str, str], str]:
    """The cloudfn files to pack (archive name -> path) and a few words saying which part."""
    if whole:
        files: Dict[str, str] = {}
        _add_tree(files, lean.ROOT, "cloudfn/", _SKIP_DIRS)
        return files, "whole package"
    imports = cloudfn_imports(fn.directory)
    extras = [p for p in lean.OPTIONAL_PARTS if any(i == f"cloudfn.{p}" or i.startswith(f"cloudfn.{p}.") for i in imports)]
    return lean.runtime_files(imports), "runtime part" + (f" with {', '.join(extras)}" if extras else "")


def dependencies(fn: Function) -> List[str]:
    """What to vendor: the runtime deps plus the lines of the function's requirements.txt."""
    return vendoring.dependencies(fn)


def vendored(project: Project, fn: Function) -> str:
    """The dependency folder for this runtime and dependency list, installed once, checked and cached."""
    try:
        return vendoring.vendored(project.root, fn)
    except vendoring.VendorError as e:
        raise PackageError(f"{fn.name}: {e}") from None


def _add_tree(files: Dict[str, str], root: str, prefix: str, skip_dirs: Iterable[str]) -> None:
    skip = set(skip_dirs)
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith(".") and not d.endswith(".egg-info"))
        rel = os.path.relpath(here, root)
        for name in sorted(names):
            if name.startswith(".") or name.endswith(_SKIP_SUFFIXES):
                continue
            path = os.path.join(here, name)
            if not os.path.isfile(path):
                continue
            arc = prefix + (name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
            files.setdefault(arc, path)


def _zip(files: Dict[str, str], generated: Dict[str, bytes]) -> Tuple[bytes, int, int]:
    buffer = io.BytesIO()
    unzipped = 0
    names = sorted({*files, *generated})
    with zipfile.ZipFile(buffer, "w") as archive:
        for arc in names:
            if arc in generated:
                data = generated[arc]
            else:
                with open(files[arc], "rb") as f:
                    data = f.read()
            unzipped += len(data)
            info = zipfile.ZipInfo(arc, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE
            info.create_system = 3
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue(), len(names), unzipped


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"
