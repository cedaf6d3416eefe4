"""Lean zips: a packaged function carries only the runtime part of cloudfn (aio and events only when it imports them),
still runs unzipped in a clean interpreter, and never even tries to import a part left out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from cloudfn.runtime import lean, manifest, package
from tests.functions_support import ROOT, base_env, cli, write_function
from tests.test_functions_package import build_vendor_dir

DEV_ONLY = ("cloudfn/emulator/", "cloudfn/runtime/", "cloudfn/cli.py", "cloudfn/diff.py", "cloudfn/codegen.py", "cloudfn/quickstart.py",
            "cloudfn/data/diff-corpus.json", "cloudfn/data/run_calls.js", "cloudfn/_logistics.pyi")  # fmt: skip
ONE_API = """
    import cloudfn as cloud

    cloud.init()


    def main_handler(event, context):
        try:
            return cloud.openapi.logistics.getAllDelivery()
        except cloud.CloudSDKError as err:
            return err.to_dict()
"""


@pytest.fixture(scope="module")
def vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_vendor_dir(tmp_path_factory.mktemp("vendor"))


def sdk_names(data: bytes) -> List[str]:
    import io

    return sorted(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("cloudfn/") and not n.endswith(".pyc"))


def build(fn_dir: Path, **options: Any) -> package.Built:
    project = manifest.Project(root=str(fn_dir.parent))
    return package.build(project, project.function(str(fn_dir)), no_deps=True, compile=False, **options)


def test_a_one_api_function_carries_the_sdk_and_nothing_for_development(tmp_path: Path) -> None:
    built = build(write_function(tmp_path / "one", ONE_API, {"permissions": {"openapi": ["logistics.getAllDelivery"]}}))
    names = sdk_names(built.data)
    for needed in ("cloudfn/__init__.py", "cloudfn/core.py", "cloudfn/config.py", "cloudfn/validate.py", "cloudfn/data/logistics.json",
                   "cloudfn/transports/https.py", "cloudfn/transports/cloudcall.py", "cloudfn/pb.py", "cloudfn/tokens/file.py"):  # fmt: skip
        assert needed in names, needed
    assert not [n for n in names if n.startswith(DEV_ONLY)], names
    assert not [n for n in names if n.startswith(("cloudfn/aio/", "cloudfn/events/"))]
    assert (built.sdk_files, built.sdk) == (len(names), "runtime part")


@pytest.mark.parametrize(
    "source, has, lacks, kind",
    [
        ("import cloudfn.aio as cloud\n", "cloudfn/aio/handler.py", "cloudfn/events/", "runtime part with aio"),
        ("from cloudfn.aio import handler\n", "cloudfn/aio/handler.py", "cloudfn/events/", "runtime part with aio"),
        ("def f():\n    from cloudfn.events import Router\n", "cloudfn/events/dispatch.py", "cloudfn/aio/", "runtime part with events"),
        ("from cloudfn import events\n", "cloudfn/events/crypto.py", "cloudfn/aio/", "runtime part with events"),
    ],
)
def test_aio_and_events_only_when_the_function_imports_them(tmp_path: Path, source: str, has: str, lacks: str, kind: str) -> None:
    built = build(write_function(tmp_path / "f", "def main_handler(e, c):\n    return 1\n", files={"lib.py": source}))
    names = sdk_names(built.data)
    assert has in names and not [n for n in names if n.startswith(lacks)]
    assert built.sdk == kind


def test_whole_cloudfn_packs_everything(tmp_path: Path) -> None:
    built = build(write_function(tmp_path / "f", ONE_API), whole=True)
    names = sdk_names(built.data)
    assert "cloudfn/emulator/server.py" in names and "cloudfn/cli.py" in names and built.sdk == "whole package"


def test_every_shipped_function_is_lean() -> None:
    project = manifest.find(str(ROOT))
    for name in project.names():
        built = package.build(project, project.function(name), no_deps=True, compile=False)
        assert not [n for n in sdk_names(built.data) if n.startswith(DEV_ONLY)], name


def test_package_prints_size_file_count_and_which_part_of_cloudfn(tmp_path: Path) -> None:
    fn = write_function(tmp_path / "one", ONE_API, {"permissions": {"openapi": ["logistics.getAllDelivery"]}})
    out = tmp_path / "one.zip"
    done = cli("package", str(fn), "--no-deps", "-o", str(out), env=base_env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    count = len(zipfile.ZipFile(out).namelist())
    sdk = len([n for n in zipfile.ZipFile(out).namelist() if n.startswith("cloudfn/") and not n.endswith(".pyc")])
    assert done.stdout.startswith(f"{out}: {out.stat().st_size} bytes (")
    assert f", {count} files, " in done.stdout and done.stdout.rstrip().endswith(f"; cloudfn: {sdk} files (runtime part)")


# An import hook that records every attempt to import a cloudfn module the zip does not hold (even one caught by try/except).
PROBE = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
tried = []

class Recorder:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "cloudfn":
            rel = name.replace(".", os.sep)
            if not (os.path.exists(os.path.join(sys.argv[1], rel + ".py")) or os.path.isdir(os.path.join(sys.argv[1], rel))):
                tried.append(name)
        return None

sys.meta_path.insert(0, Recorder())
import index
result = index.main_handler(json.loads(sys.argv[2]), {"function_name": "f"})
print(json.dumps({"result": result, "tried": tried, "modules": sorted(m for m in sys.modules if m.startswith("cloudfn"))}))
"""


def run_unzipped(data: bytes, where: Path, env: Dict[str, str], event: Any = None) -> Dict[str, Any]:
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        z.extractall(where)
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_PROXY": "127.0.0.1", **env}
    run = subprocess.run([sys.executable, "-I", "-S", "-c", PROBE, str(where), json.dumps(event or {})],
                         env=clean, cwd=str(where.parent), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("transport", ["https", "cloudcall"])
def test_the_lean_zip_runs_unzipped_under_python_I_S_and_imports_nothing_left_out(
    cloudfn_emulator: Any, tmp_path: Path, vendor_dir: Path, transport: str
) -> None:
    fn = write_function(tmp_path / "one", ONE_API, {"permissions": {"openapi": ["logistics.getAllDelivery"]}})
    project = manifest.Project(root=str(tmp_path))
    built = package.build(project, project.function(str(fn)), vendor_dir=str(vendor_dir))
    env = {"CLOUDFN_OPENAPI_PERMISSIONS": "logistics.getAllDelivery", "CLOUDFN_TRANSPORT": transport}
    if transport == "https":
        env.update(CLOUDFN_API_BASE=cloudfn_emulator.base_url, WX_APPID=cloudfn_emulator.appid, WX_APPSECRET=cloudfn_emulator.secret)
    else:
        import requests

        grant = {"function": "one", "permissions": ["logistics.getAllDelivery"]}
        minted = requests.post(cloudfn_emulator.base_url + "/_emulator/api-tokens", json=grant, timeout=10)
        env.update(CLOUDFN_SERVICE_URL=cloudfn_emulator.base_url + "/admin", WX_API_TOKEN=minted.json()["token"], TCB_ENV="e1",
                   TENCENTCLOUD_SECRETID="AKIDlean", TENCENTCLOUD_SECRETKEY="lean-secret-key")  # fmt: skip
    report = run_unzipped(built.data, tmp_path / "unzipped", env)
    assert report["result"]["errCode"] == 0, report
    assert report["tried"] == [], report["tried"]
    assert not [m for m in report["modules"] if m.startswith(("cloudfn.emulator", "cloudfn.runtime", "cloudfn.cli", "cloudfn.aio", "cloudfn.events"))]


def test_the_probe_sees_an_import_of_a_left_out_part_even_when_caught(tmp_path: Path) -> None:
    # importlib hides the import from the scan, so the emulator is not packed and the attempt must show
    source = "import importlib\ntry:\n    importlib.import_module('cloudfn.emulator')\nexcept ImportError:\n    pass\n"
    source += "\ndef main_handler(e, c):\n    return 1\n"
    report = run_unzipped(build(write_function(tmp_path / "f", source)).data, tmp_path / "unzipped", {})
    assert report["result"] == 1 and report["tried"] == ["cloudfn.emulator"]


def test_the_async_seed_runs_from_its_lean_zip(cloudfn_emulator: Any, tmp_path: Path) -> None:
    project = manifest.find(str(ROOT))
    built = package.build(project, project.function("logisticsAsync"), no_deps=True)
    assert built.sdk == "runtime part with aio"
    import aiohttp

    env = {"PYTHONPATH": "", "CLOUDFN_OPENAPI_PERMISSIONS": "logistics.getOrder,logistics.getPath", "CLOUDFN_TRANSPORT": "https",
           "CLOUDFN_API_BASE": cloudfn_emulator.base_url, "WX_APPID": cloudfn_emulator.appid, "WX_APPSECRET": cloudfn_emulator.secret}  # fmt: skip
    site = os.path.dirname(os.path.dirname(aiohttp.__file__))  # aiohttp and its dependencies, as requirements.txt would vendor them
    where = tmp_path / "unzipped"
    with zipfile.ZipFile(__import__("io").BytesIO(built.data)) as z:
        z.extractall(where)
    probe = PROBE.replace("sys.path.insert(0, sys.argv[1])", f"sys.path.insert(0, sys.argv[1]); sys.path.append({site!r})")
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_PROXY": "127.0.0.1", **env}
    run = subprocess.run([sys.executable, "-I", "-S", "-c", probe, str(where), json.dumps({"orderId": "x", "deliveryId": "TEST", "waybillId": "w"})],
                         env=clean, cwd=str(tmp_path), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["result"]["errCode"] not in (0, -604101, -604100) and "openapi.logistics.get" in report["result"]["errMsg"], report
    assert report["tried"] == [], report["tried"]


def test_the_closure_never_reaches_development_modules() -> None:
    for roots in ([], ["cloudfn.aio"], ["cloudfn.events"], ["cloudfn.aio", "cloudfn.events"]):
        modules = lean.needed_modules(roots)
        assert "cloudfn.core" in modules and "cloudfn.transports.https" in modules
        assert not [m for m in modules if m.startswith(("cloudfn.emulator", "cloudfn.runtime", "cloudfn.cli", "cloudfn.diff", "cloudfn.codegen"))]


def test_a_lazy_package_init_is_followed(tmp_path: Path) -> None:
    """cloudfn's __init__ may load its names on first use (PEP 562): literal import_module names and TYPE_CHECKING imports count."""
    init = tmp_path / "__init__.py"
    init.write_text(
        "import importlib\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .result import Result\n"
        "def __getattr__(name):\n    return importlib.import_module('.spec', __name__)\n"
    )
    assert {"cloudfn.result", "cloudfn.spec"} <= lean._imports("cloudfn", str(init))
