"""The dependencies of a function, installed with pip for its declared runtime and checked against it.

pip runs as ``pip install --target --only-binary=:all: --platform manylinux2014_x86_64
--python-version X.Y --implementation cp``. An index that does not publish
``Requires-Python`` (many mirrors) lets pip pick a release that needs a newer Python,
so every installed distribution's ``Requires-Python`` is checked afterwards (with
``packaging``); on a mismatch the build stops naming the distribution and the newest
release that fits, found with ``pip index versions`` and ``pip download`` metadata.
"""

from __future__ import annotations

import email.parser
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from typing import List, Optional, Tuple

from .manifest import Function

RUNTIME_DEPS = ("requests", "python-dotenv")
PLATFORM = "manylinux2014_x86_64"
MAX_PROBES = 12  # older releases downloaded to find one that fits


class VendorError(Exception):
    """Vendoring failed; ``str()`` is one line."""


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


def vendored(project_root: str, fn: Function) -> str:
    """The dependency folder for this runtime and dependency list, installed once, checked, and cached."""
    deps = dependencies(fn)
    key = hashlib.sha256("\n".join([fn.python_version, PLATFORM, *deps]).encode()).hexdigest()[:16]
    cache = os.path.join(project_root, ".cloudfn", "cache", f"vendor-py{fn.python_version}-{key}")
    if os.path.isdir(cache):
        return cache
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="vendor-", dir=os.path.dirname(cache))
    print(f"cloudfn package: vendoring {' '.join(deps)} for {fn.runtime} (pip, cached in {os.path.relpath(cache)})", file=sys.stderr)
    try:
        result = _pip("install", "--no-compile", "--target", tmp, *_target_options(fn), *deps)
        if result.returncode != 0:
            last = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
            raise VendorError(f"pip could not vendor {' '.join(deps)} for {fn.runtime}: {last}")
        check(tmp, fn)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        os.rename(tmp, cache)
    except OSError:  # another process filled the cache first
        shutil.rmtree(tmp, ignore_errors=True)
    return cache


def check(folder: str, fn: Function) -> None:
    """Refuse a folder holding a distribution whose ``Requires-Python`` excludes the function's runtime."""
    problems = []
    for name, version, requires in installed(folder):
        if requires and not fits(requires, fn.python_version):
            fit = newest_fitting(name, fn, below=version)
            advice = f"newest that fits: {name}=={fit}; pin it in requirements.txt" if fit else "no release on the index fits"
            problems.append(f"{name} {version} requires Python {requires}, which excludes {fn.runtime} ({advice})")
    if problems:
        raise VendorError("; ".join(problems))


def installed(folder: str) -> List[Tuple[str, str, str]]:
    """(name, version, Requires-Python) of each distribution installed in ``folder``."""
    found = []
    for metadata in sorted(glob.glob(os.path.join(folder, "*.dist-info", "METADATA"))):
        with open(metadata, encoding="utf-8", errors="replace") as f:
            headers = email.parser.HeaderParser().parse(f)
        found.append((headers.get("Name", "?"), headers.get("Version", "?"), (headers.get("Requires-Python") or "").strip()))
    return found


def fits(requires_python: str, python_version: str) -> bool:
    """Whether ``Requires-Python`` admits ``X.Y`` (compared as pip does for ``--python-version X.Y``)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # imported only when packaging

    try:
        return SpecifierSet(requires_python).contains(python_version, prereleases=True)
    except InvalidSpecifier:
        return True  # pip ignores a malformed Requires-Python too


def newest_fitting(name: str, fn: Function, below: str) -> Optional[str]:
    """The newest release of ``name`` older than ``below`` whose wheel for the runtime admits it (None if none)."""
    from packaging.version import InvalidVersion, Version

    listing = _pip("index", "versions", name, *_target_options(fn))
    match = re.search(r"Available versions: (.+)", listing.stdout)
    if not match:
        return None
    try:
        limit = Version(below)
        candidates = [v for v in (s.strip() for s in match.group(1).split(",")) if Version(v) < limit]
    except InvalidVersion:
        return None
    with tempfile.TemporaryDirectory(prefix="cloudfn-probe-") as tmp:
        for version in candidates[:MAX_PROBES]:
            where = os.path.join(tmp, version)
            if _pip("download", "--no-deps", "--dest", where, *_target_options(fn), f"{name}=={version}").returncode != 0:
                continue
            requires = _wheel_requires_python(where)
            if requires is None or fits(requires, fn.python_version):
                return version
    return None


def _wheel_requires_python(folder: str) -> Optional[str]:
    for wheel in glob.glob(os.path.join(folder, "*.whl")):
        with zipfile.ZipFile(wheel) as z:
            for member in z.namelist():
                if member.endswith(".dist-info/METADATA") and member.count("/") == 1:
                    headers = email.parser.HeaderParser().parsestr(z.read(member).decode("utf-8", "replace"))
                    return (headers.get("Requires-Python") or "").strip() or None
    return None


def _target_options(fn: Function) -> List[str]:
    return ["--only-binary=:all:", "--platform", PLATFORM, "--python-version", fn.python_version, "--implementation", "cp"]


def _pip(*args: str) -> "subprocess.CompletedProcess[str]":
    cmd = [sys.executable, "-m", "pip", args[0], "--quiet", "--disable-pip-version-check", *args[1:]]
    if args[0] == "index":
        cmd.remove("--quiet")  # its listing is the output
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
