"""The project manifest (config.json), the functions' config.json files, and the seed functions' shape."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Dict

import pytest

from cloudfn import spec
from cloudfn.cli import main
from cloudfn.runtime import manifest
from cloudfn.runtime.manifest import ManifestError
from tests.functions_support import FUNCTIONS, ROOT, SEEDS, write_function, write_project

SEED_APIS = {"updatePrinter": "updatePrinter", "updatePrinterTagid": "updatePrinter", "bindAccount": "bindAccount", "updatePath": "updatePath"}

GOOD: Dict[str, Any] = {
    "envId": "env-1",
    "region": "ap-shanghai",
    "functionRoot": "functions",
    "functions": [
        {"name": "a", "runtime": "Python3.9", "handler": "index.main_handler", "timeout": 3},
        {"name": "b", "runtime": "Python3.10", "memorySize": 256, "envVariables": {"K": "v"}, "installDependency": False},
        {"name": "c", "timeout": 10},
    ],
}


def test_repository_manifest_lists_the_functions() -> None:
    project = manifest.load(str(ROOT / "config.json"))
    assert {"logistics", *SEEDS} <= set(project.names())
    for name in project.names():
        if not (FUNCTIONS / name).is_dir():  # path_receiver/provider_receiver belong to the events part
            continue
        fn = project.function(name)
        assert fn.runtime in manifest.RUNTIMES
        assert fn.handler == "index.main_handler"
        assert 1 <= fn.timeout <= 900


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_is_a_line_by_line_port_with_its_permission(seed: str) -> None:
    source = (FUNCTIONS / seed / "index.py").read_text(encoding="utf-8")
    assert source.startswith("# Node original")
    api = SEED_APIS[seed]
    assert f"cloud.openapi.logistics.{api}(" in source  # Node, in the comment
    assert f"result = cloud.openapi.logistics.{api}({{" in source  # Python
    assert "return err.to_dict()" in source
    config = json.loads((FUNCTIONS / seed / "config.json").read_text())
    assert config == {"permissions": {"openapi": [f"logistics.{api}"]}}


def test_router_config_lists_all_sixteen_apis() -> None:
    config = json.loads((FUNCTIONS / "logistics" / "config.json").read_text())
    assert sorted(config["permissions"]["openapi"]) == sorted(f"logistics.{m}" for m in spec.methods())
    assert len(config["permissions"]["openapi"]) == 16


def test_good_manifest_parses_with_defaults(tmp_path: Path) -> None:
    project = manifest.parse(copy.deepcopy(GOOD), str(tmp_path))
    assert project.names() == ["a", "b", "c"]
    assert project.env_id == "env-1"
    bare = manifest.parse({"envId": "e"}, str(tmp_path))
    assert (bare.region, bare.function_root, bare.names()) == ("ap-shanghai", "functions", [])


def _mutate(path: str, value: Any) -> Dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    node: Any = doc
    keys = [int(k) if k.isdigit() else k for k in re.split(r"[.\[\]]+", path) if k]
    for key in keys[:-1]:
        node = node[key]
    if value is KeyError:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("functions[2].timeout", 0, "config.json: functions[2].timeout must be an integer 1-900, got 0"),
        ("functions[0].timeout", 901, "config.json: functions[0].timeout must be an integer 1-900, got 901"),
        ("functions[0].timeout", True, "config.json: functions[0].timeout must be an integer 1-900, got true"),
        ("functions[1].runtime", "Python2.7", 'config.json: functions[1].runtime must be one of Python3.9, Python3.10, Python3.11, got "Python2.7"'),
        ("functions[1].memorySize", 100, "config.json: functions[1].memorySize must be 64 or a multiple of 128"),
        ("functions[0].handler", "index", 'config.json: functions[0].handler must look like "index.main_handler"'),
        ("functions[0].name", "1abc", "config.json: functions[0].name must start with a letter"),
        ("functions[1].name", "a", "config.json: functions[1].name 'a' is listed twice"),
        ("functions[0].timeOut", 3, "config.json: functions[0]: unknown key 'timeOut'"),
        ("functions[1].envVariables", {"K": 5}, "config.json: functions[1].envVariables.K must be a string, got 5"),
        ("functions[1].envVariables", {"1K": "v"}, "config.json: functions[1].envVariables key '1K' is not a valid variable name"),
        ("functions[1].installDependency", "yes", "config.json: functions[1].installDependency must be true or false"),
        ("region", "shanghai", "config.json: region must be a Tencent Cloud region"),
        ("envId", "", "config.json: envId must be a CloudBase env id"),
        ("functionRoot", "/abs", "config.json: functionRoot must be a relative folder path"),
        ("functions", {"a": 1}, "config.json: functions must be a list"),
        ("functions[0]", "a", "config.json: functions[0] must be an object"),
        ("funtions", [], "config.json: unknown key 'funtions'"),
    ],
)
def test_bad_manifest_is_one_line_naming_the_key(path: str, value: Any, message: str, tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as info:
        manifest.parse(_mutate(path, value), str(tmp_path))
    text = str(info.value)
    assert text.startswith(message), text
    assert "\n" not in text


def test_cli_reports_a_bad_manifest_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    write_project(tmp_path, _mutate("functions[2].timeout", 0))
    monkeypatch.chdir(tmp_path)
    assert main(["invoke", "a"]) == 2
    assert main(["package", "a"]) == 2
    assert main(["deploy", "a"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "cloudfn invoke: config.json: functions[2].timeout must be an integer 1-900, got 0",
        "cloudfn package: config.json: functions[2].timeout must be an integer 1-900, got 0",
        "deploy failed: config.json: functions[2].timeout must be an integer 1-900, got 0",
    ]


def test_invalid_json_names_line_and_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.json").write_text('{"envId": "e",\n  "functions": [,]}')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ManifestError, match=r"^config.json: invalid JSON at line 2 column"):
        manifest.load("config.json")


def test_manifest_is_found_from_a_subfolder(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"envId": "e1", "functions": [{"name": "f", "timeout": 9}]})
    write_function(root / "functions" / "f", "def main_handler(e, c):\n    return 1\n", {"permissions": {"openapi": []}})
    project = manifest.find(str(root / "functions" / "f"))  # the function's own config.json is not a manifest
    assert project.root == str(root)
    assert project.function("f").timeout == 9
    assert project.function(str(root / "functions" / "f")).timeout == 9


def test_function_config_json_is_validated(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"envId": "e1"})
    write_function(root / "functions" / "typo", "def main_handler(e, c):\n    return 1\n", {"permissions": {"openapi": ["logistics.bindAcount"]}})
    with pytest.raises(ManifestError, match=r"permissions.openapi\[0\] names an unknown open API 'logistics.bindAcount'"):
        manifest.find(str(root)).function("typo")
    write_function(root / "functions" / "shape", "def main_handler(e, c):\n    return 1\n", {"permissions": {"openapi": "logistics.getPath"}})
    with pytest.raises(ManifestError, match=r"config.json: permissions.openapi must be a list"):
        manifest.find(str(root)).function("shape")
    write_function(root / "functions" / "slow", "def main_handler(e, c):\n    return 1\n", {"timeout": 1000})
    with pytest.raises(ManifestError, match=r"config.json: timeout must be an integer 1-900, got 1000"):
        manifest.find(str(root)).function("slow")


def test_settings_merge_function_config_under_the_manifest(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"envId": "e1", "functions": [{"name": "f", "timeout": 20, "envVariables": {"A": "manifest"}}]})
    write_function(
        root / "functions" / "f",
        "def main_handler(e, c):\n    return 1\n",
        {"timeout": 5, "memorySize": 512, "envVariables": {"A": "fn", "B": "fn"}, "permissions": {"openapi": ["logistics.getPath"]}},
    )
    fn = manifest.find(str(root)).function("f")
    assert (fn.timeout, fn.memory_size) == (20, 512)
    assert fn.env_variables == {"A": "manifest", "B": "fn"}
    assert fn.permissions == ("logistics.getPath",)
    assert fn.listed


def test_events_functions_may_be_listed_before_their_folders_exist(tmp_path: Path) -> None:
    names = [{"name": "path_receiver"}, {"name": "provider_receiver"}]
    project = manifest.parse({"envId": "e1", "functions": names}, str(tmp_path))
    assert project.names() == ["path_receiver", "provider_receiver"]
    with pytest.raises(ManifestError, match="unknown function 'path_receiver': no folder"):
        project.function("path_receiver")


# --------------------------------------------------------------------------- values no environment can hold


@pytest.mark.parametrize(("value", "why"), [("a\u0000b", "NUL"), ("\ud800", "surrogate")])
def test_env_value_the_os_cannot_hold_is_a_manifest_error(value: str, why: str, tmp_path: Path) -> None:
    data = copy.deepcopy(GOOD)
    data["functions"][1]["envVariables"] = {"K": "v", "BAD_VAR": value}
    with pytest.raises(ManifestError) as info:
        manifest.parse(data, str(tmp_path))
    text = str(info.value)
    assert text.startswith("config.json: functions[1].envVariables.BAD_VAR"), text
    assert "'b'" in text and why in text and "\n" not in text


def test_invoke_reports_a_nul_in_env_variables_as_a_manifest_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.functions_support import base_env

    root = tmp_path / "proj"
    root.mkdir()
    (root / "config.json").write_text('{"functions": [{"name": "nul", "envVariables": {"OK": "1", "TOKEN": "x\\u0000y"}}]}')
    write_function(root / "functions" / "nul", "def main_handler(e, c):\n    return 1\n")
    fn_root = tmp_path / "fnproj"
    write_function(fn_root / "functions" / "own", "def main_handler(e, c):\n    return 1\n")
    (fn_root / "functions" / "own" / "config.json").write_text('{"envVariables": {"SECRET_X": "\\u0000"}}')
    for cwd, name, label in ((root, "nul", "config.json: functions[0].envVariables.TOKEN"),
                             (fn_root, "own", "functions/own/config.json: envVariables.SECRET_X")):  # fmt: skip
        proc = subprocess.run([sys.executable, "-m", "cloudfn.cli", "invoke", name], env=base_env(), cwd=str(cwd), capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cloudfn invoke: " + label), lines
        assert repr(name) in lines[0] and "NUL" in lines[0]
