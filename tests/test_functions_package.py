"""``cloudfn package``: contents, determinism, and that the unpacked zip runs alone in a clean interpreter."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict

import pytest

from cloudfn.runtime import manifest, package
from tests.functions_support import FUNCTIONS, ROOT, base_env, cli, write_function, write_project

VENDORED = ("requests", "urllib3", "idna", "certifi", "charset_normalizer", "dotenv")


@pytest.fixture(scope="session")
def vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pre-built dependency folder (copied from this interpreter's packages) so tests need no pip."""
    return build_vendor_dir(tmp_path_factory.mktemp("vendor"))


def build_vendor_dir(target: Path) -> Path:
    """Fill ``target`` with this interpreter's copies of the runtime dependencies, plus what pip leaves that must not ship."""
    for name in VENDORED:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        shutil.copytree(os.path.dirname(spec.origin), target / name, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "bin").mkdir()
    (target / "bin" / "normalizer").write_text("#!/some/machine/python\n")
    (target / "certifi_like" / "tests").mkdir(parents=True)  # some wheels ship their test suite (newer certifi does)
    (target / "certifi_like" / "tests" / "test_x.py").write_text("def test_x(): pass\n")
    (target / "certifi_like" / "__init__.py").write_text("")
    return target


def _names(zip_path: Path) -> Dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(zip_path) as z:
        return {i.filename: i for i in z.infolist()}


def test_zip_holds_the_function_cloudfn_and_dependencies_only(tmp_path: Path, vendor_dir: Path) -> None:
    fn = write_function(
        tmp_path / "proj" / "functions" / "shop",
        "import helper\n\ndef main_handler(event, context):\n    return helper.VALUE\n",
        {"permissions": {"openapi": ["logistics.getPath"]}},
        {
            "helper.py": "VALUE = 1\n",
            "templates/label.html": "<p></p>\n",
            ".env": "WX_APPSECRET=must-not-ship\n",
            "tests/test_shop.py": "def test_x(): pass\n",
            "__pycache__/helper.cpython-311.pyc": "junk",
            "stale.pyc": "junk",
        },
    )
    out = tmp_path / "shop.zip"
    proc = cli("package", str(fn), "-o", str(out), "--vendor-dir", str(vendor_dir), env=base_env(), cwd=tmp_path / "proj")
    assert proc.returncode == 0, proc.stderr
    assert f"{out}: {out.stat().st_size} bytes" in proc.stdout
    names = _names(out)
    for required in ("index.py", "config.json", "helper.py", "templates/label.html", "cloudfn/__init__.py",
                     "cloudfn/data/logistics.json", "cloudfn/transports/https.py", "requests/__init__.py", "dotenv/__init__.py"):  # fmt: skip
        assert required in names, required
    assert "stale.pyc" not in names  # the folder's own byte code never ships; only fresh, checked .pyc files may
    with zipfile.ZipFile(out) as z:
        assert not [n for n in names if n.endswith(".pyc") and z.read(n) == b"junk"]
    assert not [n for n in names if n.endswith(".pyc") and n.replace("__pycache__/", "").split(".")[0] + ".py" not in names]
    assert not [n for n in names if n.startswith(("tests/", "bin/")) or n.endswith(".env")]
    assert not [n for n in names if "/tests/" in n]


def test_same_inputs_give_the_same_bytes(tmp_path: Path, vendor_dir: Path) -> None:
    project = manifest.find(str(ROOT))
    fn = project.function("logistics")
    first, count, *_ = package.build(project, fn, vendor_dir=str(vendor_dir))
    second, *_ = package.build(project, fn, vendor_dir=str(vendor_dir))
    assert first == second
    (tmp_path / "a.zip").write_bytes(first)
    infos = _names(tmp_path / "a.zip")
    assert len(infos) == count
    assert list(infos) == sorted(infos)
    assert {i.date_time for i in infos.values()} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos.values()} == {0o100644}


def test_unpacked_zip_runs_alone_in_a_clean_interpreter(cloudfn_emulator: Any, tmp_path: Path, vendor_dir: Path) -> None:
    out = tmp_path / "bindAccount.zip"
    proc = cli("package", "bindAccount", "-o", str(out), "--vendor-dir", str(vendor_dir), env=base_env())
    assert proc.returncode == 0, proc.stderr
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as z:
        z.extractall(unpacked)
    script = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import index, cloudfn, requests\n"
        "result = index.main_handler({}, {'function_name': 'bindAccount'})\n"
        "print(json.dumps({'result': result, 'cloudfn': cloudfn.__file__, 'requests': requests.__file__, 'path': sys.path}))\n"
    )
    env = {  # nothing from this machine's Python setup: no PYTHONPATH, no site-packages (-I -S)
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CLOUDFN_API_BASE": cloudfn_emulator.base_url,
        "WX_APPID": cloudfn_emulator.appid,
        "WX_APPSECRET": cloudfn_emulator.secret,
        "CLOUDFN_OPENAPI_PERMISSIONS": "logistics.bindAccount",
        "NO_PROXY": "127.0.0.1",
    }
    run = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(unpacked)], env=env, cwd=str(tmp_path), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["result"] == {"errMsg": "openapi.logistics.bindAccount:ok", "errCode": 0}
    assert report["cloudfn"].startswith(str(unpacked))
    assert report["requests"].startswith(str(unpacked))
    assert not [p for p in report["path"] if "site-packages" in p]
    assert [a["biz_id"] for a in cloudfn_emulator.backend.handle("getAllAccount", {}, cloudfn_emulator.appid)["list"]] == ["123456"]


def test_no_deps_and_install_dependency_false_skip_vendoring(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"envId": "e1", "functions": [{"name": "lean", "installDependency": False}]})
    write_function(root / "functions" / "lean", "def main_handler(event, context):\n    return 1\n")
    project = manifest.find(str(root))
    data, *_ = package.build(project, project.function("lean"))
    (tmp_path / "lean.zip").write_bytes(data)
    names = _names(tmp_path / "lean.zip")
    assert "index.py" in names and "cloudfn/__init__.py" in names
    assert not [n for n in names if n.startswith(("requests/", "dotenv/"))]


def test_requirements_txt_joins_the_vendored_dependencies(tmp_path: Path) -> None:
    fn = write_function(tmp_path / "f", "def main_handler(e, c):\n    return 1\n", files={"requirements.txt": "# extra\nsix==1.16.0\nrequests\n"})
    project = manifest.find(str(tmp_path))
    assert package.dependencies(project.function(str(fn))) == ["requests", "python-dotenv", "six==1.16.0"]


def test_vendoring_with_pip_is_cached(tmp_path: Path) -> None:
    """The real path: pip installs manylinux wheels for the runtime's Python, once per key."""
    root = write_project(tmp_path / "proj", {"functions": [{"name": "f", "runtime": "Python3.10"}]})
    write_function(root / "functions" / "f", "def main_handler(e, c):\n    return 1\n")
    project = manifest.find(str(root))
    fn = project.function("f")
    try:
        folder = package.vendored(project, fn)
    except package.PackageError as e:
        pytest.skip(f"pip cannot reach a package index here: {e}")
    assert os.path.basename(folder).startswith("vendor-py3.10-")
    assert os.path.isfile(os.path.join(folder, "requests", "__init__.py"))
    assert os.path.isfile(os.path.join(folder, "dotenv", "__init__.py"))
    assert package.vendored(project, fn) == folder  # cached: same folder, no second install


def test_handler_module_must_exist(tmp_path: Path) -> None:
    fn = tmp_path / "empty"
    fn.mkdir()
    (fn / "main.py").write_text("def main_handler(e, c): pass\n")
    proc = cli("package", str(fn), "-o", str(tmp_path / "x.zip"), "--no-deps", env=base_env(), cwd=tmp_path)
    assert proc.returncode == 2
    assert "needs index.py" in proc.stderr
    assert not (tmp_path / "x.zip").exists()


def test_repo_functions_all_package(tmp_path: Path, vendor_dir: Path) -> None:
    project = manifest.find(str(ROOT))
    for name in ("logistics", "updatePrinter", "updatePrinterTagid", "bindAccount", "updatePath"):
        data, *_ = package.build(project, project.function(name), vendor_dir=str(vendor_dir))
        path = tmp_path / f"{name}.zip"
        path.write_bytes(data)
        with zipfile.ZipFile(path) as z:
            assert z.read("index.py") == (FUNCTIONS / name / "index.py").read_bytes()
            assert json.loads(z.read("config.json"))["permissions"]["openapi"]
    assert package.limits(10 * 1024 * 1024, 1) == []
    assert "20 MB UpdateFunctionCode" in package.limits(16 * 1024 * 1024, 1)[0]
