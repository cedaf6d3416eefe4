"""``cloudfn package NAME|DIR -o out.zip``: a deployable SCF zip, byte for byte reproducible.

Contents: the function folder (``index.py`` at the root, ``config.json``, its other
files), the ``cloudfn`` package, and the runtime dependencies (``requests``,
``python-dotenv`` plus the function's ``requirements.txt``) vendored for the function's
runtime with ``pip install --target --only-binary=:all: --platform manylinux2014_x86_64
--python-version X.Y``: SCF installs no Python dependencies online. What of the function
folder is packed (no symlink out of it, no secret, ``.cloudfnignore``) is decided by
:mod:`cloudfn.runtime.selection`; console scripts and test suites of wheels are dropped.

The vendored folder is cached under ``.cloudfn/cache/`` keyed by runtime and
dependency list; ``--vendor-dir`` (or ``CLOUDFN_VENDOR_DIR``) uses a folder you built.
Entries are sorted and stamped 1980-01-01 with mode 0644, so the same inputs give the
same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple

from . import manifest
from .manifest import Function, ManifestError, Project
from .selection import SelectionError, select

RUNTIME_DEPS = ("requests", "python-dotenv")
PLATFORM = "manylinux2014_x86_64"
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


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", metavar="NAME|DIR", help="a function named in config.json, or a function folder")
    parser.add_argument("-o", "--output", metavar="ZIP", help="where to write the zip (default dist/<name>.zip)")
    parser.add_argument("--vendor-dir", metavar="DIR", help="use this already-installed dependency folder instead of running pip")
    parser.add_argument("--no-deps", action="store_true", help="do not vendor any dependency (e.g. they come from a layer)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        project = manifest.find()
        fn = project.function(args.function)
        built = build(project, fn, vendor_dir=args.vendor_dir, no_deps=args.no_deps)
    except (ManifestError, PackageError) as e:
        print(f"cloudfn package: {e}", file=sys.stderr)
        return 2
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
    """``N bytes (X MB), C files, Y MB unzipped, S skipped as secret, I ignored by .cloudfnignore``."""
    size = len(built.data)
    return (
        f"{size} bytes ({_mb(size)}), {built.files} files, {_mb(built.unzipped)} unzipped, "
        f"{len(built.secrets)} skipped as secret, {built.ignored} ignored by .cloudfnignore"
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


def build(project: Project, fn: Function, vendor_dir: Optional[str] = None, no_deps: bool = False) -> Built:
    """The zip of ``fn`` and what went into it."""
    import cloudfn

    try:
        chosen = select(fn.directory, project.root)
    except SelectionError as e:
        raise PackageError(f"{fn.name}: {e}") from None
    files: Dict[str, str] = dict(chosen.files)  # archive name -> source path; first source wins
    if not any(name == fn.handler_module + ".py" or name.startswith(fn.handler_module + "/") for name in files):
        raise PackageError(f"{fn.directory}: handler module {fn.handler_module}.py is missing")
    _add_tree(files, os.path.dirname(os.path.abspath(cloudfn.__file__)), "cloudfn/", _SKIP_DIRS)
    if not no_deps and fn.install_dependency:
        vendor = vendor_dir or os.environ.get("CLOUDFN_VENDOR_DIR") or vendored(project, fn)
        if not os.path.isdir(vendor):
            raise PackageError(f"vendor folder {vendor} does not exist")
        _add_tree(files, vendor, "", _VENDOR_SKIP_DIRS)
    data, count, unzipped = _zip(files)
    return Built(data, count, unzipped, chosen.secrets, chosen.ignored)


def dependencies(fn: Function) -> List[str]:
    """What to vendor: the runtime deps plus the lines of the function's requirements.txt."""
    deps = list(RUNTIME_DEPS)
    req = os.path.join(fn.directory, "requirements.txt")
    if os.path.isfile(req):
        with open(req, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line and line not in deps:
                    deps.append(line)
    return deps


def vendored(project: Project, fn: Function) -> str:
    """The dependency folder for this runtime and dependency list, installed once and cached."""
    deps = dependencies(fn)
    key = hashlib.sha256("\n".join([fn.python_version, PLATFORM, *deps]).encode()).hexdigest()[:16]
    cache = os.path.join(project.root, ".cloudfn", "cache", f"vendor-py{fn.python_version}-{key}")
    if os.path.isdir(cache):
        return cache
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="vendor-", dir=os.path.dirname(cache))
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--target", tmp, "--only-binary=:all:", "--platform", PLATFORM,
        "--python-version", fn.python_version, "--implementation", "cp", *deps,
    ]  # fmt: skip
    print(f"cloudfn package: vendoring {' '.join(deps)} for {fn.runtime} (pip, cached in {os.path.relpath(cache)})", file=sys.stderr)
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
        raise PackageError(f"pip could not vendor {' '.join(deps)} for {fn.runtime}: {last}")
    try:
        os.rename(tmp, cache)
    except OSError:  # another process filled the cache first
        shutil.rmtree(tmp, ignore_errors=True)
    return cache


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


def _zip(files: Dict[str, str]) -> Tuple[bytes, int, int]:
    buffer = io.BytesIO()
    unzipped = 0
    with zipfile.ZipFile(buffer, "w") as archive:
        for arc in sorted(files):
            with open(files[arc], "rb") as f:
                data = f.read()
            unzipped += len(data)
            info = zipfile.ZipInfo(arc, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE
            info.create_system = 3
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue(), len(files), unzipped


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"
