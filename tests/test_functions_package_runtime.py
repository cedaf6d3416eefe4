"""``cloudfn package`` builds for the function's declared runtime: pip targets it, Requires-Python is enforced
(against a loopback package index that, like many mirrors, does not publish it), and byte-compiled files are
shipped and actually used when the build interpreter is the runtime's."""

from __future__ import annotations

import email.parser
import http.server
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from cloudfn.runtime import manifest, package
from tests.functions_support import ROOT, base_env, cli, write_function, write_project
from tests.test_functions_package import build_vendor_dir

HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.fixture(scope="module")
def vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_vendor_dir(tmp_path_factory.mktemp("vendor"))


# --------------------------------------------------------------------------- a loopback package index


def _wheel(folder: Path, name: str, version: str, requires_python: str, tag: str = "py3-none-any", body: str = "") -> None:
    dist = name.replace("-", "_")
    module = "dotenv" if name == "python-dotenv" else dist
    info = f"{dist}-{version}.dist-info"
    with zipfile.ZipFile(folder / f"{dist}-{version}-{tag}.whl", "w") as z:
        z.writestr(f"{module}/__init__.py", f"VERSION = {version!r}\n{body}")
        z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: {requires_python}\n")
        z.writestr(f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: cloudfn-tests\nRoot-Is-Purelib: true\nTag: {tag}\n")
        z.writestr(f"{info}/RECORD", "")


@pytest.fixture
def index(tmp_path: Path) -> Iterator[str]:
    """A PEP 503 simple index on 127.0.0.1 whose links carry no data-requires-python."""
    files = tmp_path / "index" / "files"
    files.mkdir(parents=True)
    _wheel(files, "requests", "9.0.0", ">=3.11")  # pip checks this against the interpreter running it, not --python-version
    _wheel(files, "requests", "8.0.0", ">=3.9")
    _wheel(files, "requests", "7.0.0", ">=3.7")
    _wheel(files, "python-dotenv", "1.0.0", ">=3.8")
    for v in ("10", "11"):
        _wheel(files, "fastlib", "1.0", ">=3.9", tag=f"cp3{v}-cp3{v}-manylinux2014_x86_64", body=f"BUILT_FOR = '3.{v}'\n")
    for project in ("requests", "python-dotenv", "fastlib"):
        page = tmp_path / "index" / "simple" / project
        page.mkdir(parents=True)
        wheels = [w.name for w in sorted(files.iterdir()) if w.name.startswith(project.replace("-", "_") + "-")]
        links = "".join(f'<a href="../../files/{w}">{w}</a>\n' for w in wheels)
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path / "index"), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()


def _pip_env(index_url: str) -> Dict[str, str]:
    env = {k: v for k, v in base_env().items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=index_url, PIP_NO_CACHE_DIR="1", NO_PROXY="127.0.0.1,localhost")
    return env


def _fn_project(tmp_path: Path, runtime: str, requirements: str = "") -> Path:
    root = write_project(tmp_path / "proj", {"functions": [{"name": "shop", "runtime": runtime}]})
    files = {"requirements.txt": requirements} if requirements else None
    write_function(root / "functions" / "shop", "def main_handler(e, c):\n    return 1\n", files=files)
    return root


@pytest.mark.skipif(sys.version_info < (3, 11), reason="needs a build interpreter newer than the Python3.10 runtime")
def test_a_vendored_distribution_excluding_the_runtime_stops_the_build(tmp_path: Path, index: str) -> None:
    root = _fn_project(tmp_path, "Python3.10")
    out = tmp_path / "shop.zip"
    proc = cli("package", "shop", "-o", str(out), env=_pip_env(index), cwd=root)
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("cloudfn package: shop: requests 9.0.0 requires Python >=3.11, which excludes Python3.10"), last
    assert "newest that fits: requests==8.0.0" in last
    assert not out.exists()
    assert not list((root / ".cloudfn" / "cache").glob("vendor-*"))  # nothing bad is cached
    # pinning as advised builds, with the pinned version inside
    (root / "functions" / "shop" / "requirements.txt").write_text("requests==8.0.0\n")
    proc = cli("package", "shop", "-o", str(out), env=_pip_env(index), cwd=root)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as z:
        assert z.read("requests/__init__.py").startswith(b"VERSION = '8.0.0'")


def test_binary_wheels_are_chosen_for_the_runtime_not_the_build_interpreter(tmp_path: Path, index: str) -> None:
    root = _fn_project(tmp_path, "Python3.10", "requests==8.0.0\nfastlib\n")
    out = tmp_path / "shop.zip"
    proc = cli("package", "shop", "-o", str(out), env=_pip_env(index), cwd=root)
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as z:
        assert b"BUILT_FOR = '3.10'" in z.read("fastlib/__init__.py")


# --------------------------------------------------------------------------- the shipped functions


def _requires_python(unpacked: Path) -> List[Dict[str, str]]:
    found = []
    for metadata in sorted(unpacked.glob("*.dist-info/METADATA")):
        headers = email.parser.HeaderParser().parsestr(metadata.read_text(encoding="utf-8"))
        found.append({"name": headers["Name"], "version": headers["Version"], "requires": headers.get("Requires-Python") or ""})
    return found


def test_shipped_functions_declare_python311_and_every_vendored_distribution_fits(tmp_path: Path) -> None:
    from packaging.specifiers import SpecifierSet

    shutil.copy(ROOT / "config.json", tmp_path / "config.json")
    shutil.copytree(ROOT / "functions", tmp_path / "functions", ignore=shutil.ignore_patterns("__pycache__"))
    project = manifest.find(str(tmp_path))
    assert project.names()
    names = [n for n in project.names() if (tmp_path / "functions" / n).is_dir()]
    try:
        package.vendored(project, project.function(names[0]))
    except package.PackageError as e:
        if "requires Python" in str(e):
            raise
        pytest.skip(f"pip cannot reach a package index here: {e}")
    for name in names:
        fn = project.function(name)
        assert fn.runtime == "Python3.11", name
        assert json.loads((ROOT / "functions" / name / "config.json").read_text()).get("runtime", "Python3.11") == "Python3.11"
        unpacked = tmp_path / "unpacked" / name
        with zipfile.ZipFile(io.BytesIO(package.build(project, fn).data)) as z:
            z.extractall(unpacked)
        dists = _requires_python(unpacked)
        assert {"requests", "urllib3", "python-dotenv", "idna", "certifi"} <= {d["name"].lower() for d in dists}, name
        for d in dists:
            assert SpecifierSet(d["requires"]).contains(fn.python_version, prereleases=True), (name, d)
    assert manifest.DEFAULT_RUNTIME == "Python3.11"
    assert manifest.find(str(tmp_path / "functions" / names[0])).function(str(tmp_path / "functions" / names[0])).runtime == "Python3.11"


# --------------------------------------------------------------------------- byte-compiled files

SPY = """
import json, os, sys
import importlib._bootstrap_external as external
compiled = []
original = external.SourceLoader.source_to_code
def spy(self, data, path, *, _optimize=-1):
    compiled.append(path)
    return original(self, data, path, _optimize=_optimize)
external.SourceLoader.source_to_code = spy
root = sys.argv[1]
sys.path.insert(0, root)
import index
result = index.main_handler({}, {"function_name": "bindAccount"})
import cloudfn, requests, urllib3, dotenv
print(json.dumps({"result": result, "compiled": [p for p in compiled if p.startswith(root)], "loaded": [
    m.__file__ for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(root)]}))
"""


def _run_unpacked(zip_bytes: bytes, where: Path, emulator: Any, errcode: int) -> Dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
        z.extractall(where)
    for path in where.rglob("*"):  # an unzip that stamps files with the extraction time, then a read-only code folder
        os.utime(path)
    for path in where.rglob("*"):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = sorted(str(p) for p in where.rglob("*"))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1", "CLOUDFN_API_BASE": emulator.base_url,
           "WX_APPID": emulator.appid, "WX_APPSECRET": emulator.secret, "CLOUDFN_OPENAPI_PERMISSIONS": "logistics.bindAccount",
           "NO_PROXY": "127.0.0.1"}  # fmt: skip
    # -I ignores PYTHONDONTWRITEBYTECODE, so -B says the same; we are root, so the read-only bits alone would not stop a write
    run = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", SPY, str(where)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert sorted(str(p) for p in where.rglob("*")) == before  # nothing written
    report: Dict[str, Any] = json.loads(run.stdout)
    assert report["result"]["errCode"] == errcode, report  # the call reached the emulator
    return report


@pytest.mark.skipif(sys.implementation.name != "cpython" or HERE != "3.11", reason="the shipped functions' runtime is Python3.11")
def test_byte_compiled_files_are_shipped_and_used_from_a_read_only_folder(cloudfn_emulator: Any, tmp_path: Path, vendor_dir: Path) -> None:
    project = manifest.find(str(ROOT))
    fn = project.function("bindAccount")
    built = package.build(project, fn, vendor_dir=str(vendor_dir))
    names = zipfile.ZipFile(io.BytesIO(built.data)).namelist()
    tag = sys.implementation.cache_tag
    for source in ("index.py", "cloudfn/__init__.py", "cloudfn/transports/https.py", "requests/__init__.py", "urllib3/connectionpool.py"):
        head, _, tail = source.rpartition("/")
        assert f"{head + '/' if head else ''}__pycache__/{tail[:-3]}.{tag}.pyc" in names, source
    assert package.build(project, fn, vendor_dir=str(vendor_dir)).data == built.data  # still reproducible

    used = _run_unpacked(built.data, tmp_path / "with", cloudfn_emulator, 0)
    assert len(used["loaded"]) > 30
    assert used["compiled"] == []  # every module came from its .pyc: nothing compiled at cold start

    plain = package.build(project, fn, vendor_dir=str(vendor_dir), compile=False)
    assert not [n for n in zipfile.ZipFile(io.BytesIO(plain.data)).namelist() if n.endswith(".pyc")]
    unused = _run_unpacked(plain.data, tmp_path / "without", cloudfn_emulator, 9300529)  # the same bizId: already bound
    assert {f for f in unused["loaded"] if f.endswith(".py")} <= set(unused["compiled"])  # without them, every module is compiled


def test_no_bytecode_for_another_runtime_and_a_stale_pyc_never_ships(tmp_path: Path, vendor_dir: Path) -> None:
    other = "Python3.10" if HERE != "3.10" else "Python3.11"
    root = write_project(tmp_path / "proj", {"functions": [{"name": "f", "runtime": other}, {"name": "g"}]})
    for name in ("f", "g"):
        write_function(root / "functions" / name, "def main_handler(e, c):\n    return 1\n", files={"__pycache__/index.cpython-311.pyc": "junk"})
    project = manifest.find(str(root))
    data = package.build(project, project.function("f"), vendor_dir=str(vendor_dir)).data
    assert not [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith(".pyc")]
    data = package.build(project, project.function("g"), vendor_dir=str(vendor_dir)).data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        pyc = [n for n in z.namelist() if n.startswith("__pycache__/")]
        if HERE == "3.11":
            assert pyc == [f"__pycache__/index.{sys.implementation.cache_tag}.pyc"]
            assert z.read(pyc[0]) != b"junk"
            assert int.from_bytes(z.read(pyc[0])[4:8], "little") == 0b11  # hash-based, checked: a console edit of index.py wins
        else:
            assert pyc == []
