"""``cloudfn new``: a function folder, its permissions, a sample event and the manifest entry; invoked at once against the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudfn.runtime import manifest
from cloudfn.runtime.scaffold import dump_manifest
from tests.functions_support import ROOT, base_env, cli, emulator_env, invoke, write_project


def new(project: Path, *args: str) -> Any:
    return cli("new", *args, env=base_env(), cwd=project)


@pytest.mark.parametrize("flags", [[], ["--async"]], ids=["sync", "async"])
def test_new_then_invoke_succeeds_against_the_emulator(cloudfn_emulator: Any, tmp_path: Path, flags: Any) -> None:
    done = new(tmp_path, "carriers", *flags)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "functions" / "carriers"
    assert json.loads((folder / "config.json").read_text()) == {"permissions": {"openapi": ["logistics.getAllDelivery"]}}
    assert json.loads((folder / "event.json").read_text()) == {"action": "getAllDelivery", "data": {}}
    code, out, err = invoke("carriers", env=emulator_env(cloudfn_emulator), cwd=tmp_path)
    assert code == 0, err
    assert out["errCode"] == 0 and out["count"] == len(out["data"]) > 0, out
    assert "event from functions/carriers/event.json" in err
    assert "warning" not in err


@pytest.mark.parametrize("flags", [[], ["--async"]], ids=["sync", "async"])
def test_new_with_apis_grants_them_and_the_sample_event_reaches_the_emulator(cloudfn_emulator: Any, tmp_path: Path, flags: Any) -> None:
    done = new(tmp_path, "track", "--api", "logistics.getPath", "--api", "getOrder", *flags)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "functions" / "track"
    assert json.loads((folder / "config.json").read_text())["permissions"]["openapi"] == ["logistics.getPath", "logistics.getOrder"]
    source = (folder / "index.py").read_text()
    if flags:
        assert "import cloudfn.aio as cloud" in source and "main_handler = cloud.handler(main)" in source
        assert (folder / "requirements.txt").read_text().startswith("aiohttp")
    else:
        assert "import cloudfn as cloud" in source and "def main_handler(event, context):" in source
    env = emulator_env(cloudfn_emulator)
    code, out, err = invoke("track", env=env, cwd=tmp_path)
    assert code == 0, err
    # The placeholder waybill does not exist: the emulator answers as WeChat would, the SDK let the call through.
    assert out["errCode"] not in (0, -604101, -604100, -501007) and out["errMsg"].startswith("openapi.logistics.getPath:fail"), out
    code, out, err = invoke("track", {"action": "getOrder", "data": {"orderId": "none", "deliveryId": "TEST"}}, env=env, cwd=tmp_path)
    assert code == 0, err
    assert out["errCode"] not in (0, -604101, -604100, -501007) and out["errMsg"].startswith("openapi.logistics.getOrder:fail"), out
    assert "warning" not in err


def test_manifest_is_created_when_missing_and_extended_keeping_its_layout(tmp_path: Path) -> None:
    assert new(tmp_path, "first").returncode == 0
    project = manifest.find(str(tmp_path))
    assert project.names() == ["first"]
    fn = project.function("first")
    assert (fn.runtime, fn.handler, fn.permissions) == ("Python3.11", "index.main_handler", ("logistics.getAllDelivery",))
    assert new(tmp_path, "second", "--api", "logistics.getPath").returncode == 0
    text = (tmp_path / "config.json").read_text()
    assert manifest.find(str(tmp_path)).names() == ["first", "second"]
    assert text == dump_manifest(json.loads(text)) and text.count("\n") == 7  # one line per function


def test_the_shipped_manifest_round_trips_byte_for_byte() -> None:
    text = (ROOT / "config.json").read_text()
    assert dump_manifest(json.loads(text)) == text


def test_new_inside_an_existing_project_uses_its_function_root(tmp_path: Path) -> None:
    write_project(tmp_path, {"envId": "env-1", "functionRoot": "cloudfunctions", "functions": []})
    (tmp_path / "sub").mkdir()
    done = new(tmp_path / "sub", "deep")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cloudfunctions" / "deep" / "index.py").is_file()
    data = json.loads((tmp_path / "config.json").read_text())
    assert data["envId"] == "env-1" and [f["name"] for f in data["functions"]] == ["deep"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["9lives"], "cloudfn new: invalid function name '9lives': start with a letter"),
        (["has space"], "cloudfn new: invalid function name 'has space'"),
        (["ok", "--api", "logistics.getpath"], "cloudfn new: unknown open API 'logistics.getpath': did you mean 'logistics.getPath'?"),
        (["ok", "--api", "wxacode.get"], "cloudfn new: unknown open API 'wxacode.get'"),
    ],
)
def test_bad_names_are_refused_in_one_line_and_nothing_is_written(tmp_path: Path, args: Any, message: str) -> None:
    done = new(tmp_path, *args)
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "functions").exists() and not (tmp_path / "config.json").exists()


def test_an_existing_function_is_refused(tmp_path: Path) -> None:
    assert new(tmp_path, "dup").returncode == 0
    before = (tmp_path / "config.json").read_text()
    done = new(tmp_path, "dup")
    assert done.returncode == 2
    assert done.stderr == "cloudfn new: function 'dup' already exists: it is listed in config.json\n"
    (tmp_path / "functions" / "orphan").mkdir()
    done = new(tmp_path, "orphan")
    assert done.returncode == 2 and "function 'orphan' already exists: functions/orphan is there" in done.stderr
    assert (tmp_path / "config.json").read_text() == before


def test_a_function_config_json_in_the_way_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"permissions": {"openapi": []}}')
    done = new(tmp_path, "x")
    assert done.returncode == 2 and "is not a project manifest" in done.stderr
    assert (tmp_path / "config.json").read_text() == '{"permissions": {"openapi": []}}'


def test_the_sample_event_is_not_packaged(tmp_path: Path) -> None:
    assert new(tmp_path, "packed").returncode == 0
    done = cli("package", "packed", "--no-deps", "-o", str(tmp_path / "p.zip"), env=base_env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    import zipfile

    names = zipfile.ZipFile(tmp_path / "p.zip").namelist()
    assert "index.py" in names and "config.json" in names and "event.json" not in names
