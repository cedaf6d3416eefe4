"""Permissions checked before they fail: invoke, package and deploy read the function's sources (ast) and warn,
naming file, line and API, when config.json is missing or does not grant a call; the -604101 error names the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudfn.runtime import manifest
from cloudfn.runtime.sources import api_calls, cloudfn_imports, permission_warnings
from tests.functions_support import FUNCTIONS, SEEDS, base_env, cli, emulator_env, invoke, write_function

SOURCE = """
    import cloudfn as cloud
    from cloudfn import openapi

    def main_handler(event, context):
        cloud.openapi.logistics.getPath({})
        raw = cloud.openapi(convertCase=False).logistics.getOrder
        openapi.logistics.addOrder
        text = "cloud.openapi.logistics.cancelOrder in a string is not a call"
        # cloud.openapi.logistics.getQuota in a comment is not one either
        return cloud.openapi.logistics.getpath({})
"""


def test_the_scan_finds_attribute_chains_by_line_not_strings_or_comments(tmp_path: Path) -> None:
    fn = write_function(tmp_path / "f", SOURCE, files={"lib/helpers.py": "def f(c):\n    return c.openapi.logistics.getQuota({})\n"})
    assert [(c.file, c.line, c.api) for c in api_calls(str(fn))] == [
        ("index.py", 6, "logistics.getPath"),
        ("index.py", 7, "logistics.getOrder"),
        ("index.py", 8, "logistics.addOrder"),
        ("index.py", 11, "logistics.getpath"),
        ("lib/helpers.py", 2, "logistics.getQuota"),
    ]


def test_warnings_name_file_line_and_api_and_where_to_grant(tmp_path: Path) -> None:
    fn_dir = write_function(tmp_path / "f", SOURCE, config={"permissions": {"openapi": ["logistics.getPath", "logistics.addOrder"]}})
    fn = manifest.Project(root=str(tmp_path)).function(str(fn_dir))
    lines = permission_warnings(fn)
    assert len(lines) == 2, lines
    assert lines[0].startswith("index.py:7 calls logistics.getOrder, which ") and 'add "logistics.getOrder" to its permissions.openapi' in lines[0]
    assert lines[1] == "index.py:11 calls logistics.getpath, which is not an open API: did you mean 'logistics.getPath'?"


def test_missing_config_json_is_named_with_the_file_to_create(tmp_path: Path) -> None:
    source = "import cloudfn as cloud\n\ndef main_handler(e, c):\n    return cloud.openapi.logistics.getAllDelivery()\n"
    fn_dir = write_function(tmp_path / "bare", source)
    fn = manifest.Project(root=str(tmp_path)).function(str(fn_dir))
    [line] = permission_warnings(fn)
    assert line.startswith("index.py:4 calls logistics.getAllDelivery, but the function has no config.json")
    assert '{"permissions": {"openapi": ["logistics.getAllDelivery"]}}' in line


def test_a_file_that_does_not_parse_is_skipped(tmp_path: Path) -> None:
    fn = write_function(tmp_path / "f", "def broken(:\n", files={"ok.py": "x = cloud.openapi.logistics.getPath\n"})
    assert [c.file for c in api_calls(str(fn))] == ["ok.py"]


@pytest.mark.parametrize("name", [*SEEDS, "logistics", "logisticsAsync"])
def test_shipped_functions_have_no_permission_warning(name: str) -> None:
    fn = manifest.find(str(FUNCTIONS.parent)).function(name)
    if name != "logistics":  # the router reaches its methods through getattr: nothing to see, nothing to warn about
        assert api_calls(fn.directory), name
    assert permission_warnings(fn) == []


def test_invoke_warns_before_running_and_the_error_names_the_api(cloudfn_emulator: Any, tmp_path: Path) -> None:
    fn = write_function(
        tmp_path / "narrow",
        """
        import cloudfn as cloud

        def main_handler(event, context):
            try:
                return cloud.openapi.logistics.getAllAccount()
            except cloud.CloudSDKError as err:
                return err.to_dict()
        """,
        config={"permissions": {"openapi": ["logistics.getAllDelivery"]}},
    )
    code, out, err = invoke(str(fn), env=emulator_env(cloudfn_emulator))
    assert code == 0, err
    assert "cloudfn invoke: warning: index.py:6 calls logistics.getAllAccount, which " in err
    assert out["errCode"] == -604101
    assert "logistics.getAllAccount is not granted" in out["errMsg"] and "permissions.openapi" in out["errMsg"] and "config.json" in out["errMsg"]


def test_package_warns_and_still_builds(tmp_path: Path) -> None:
    fn = write_function(tmp_path / "bare", "import cloudfn as cloud\n\ndef main_handler(e, c):\n    return cloud.openapi.logistics.getPath({})\n")
    done = cli("package", str(fn), "--no-deps", "-o", str(tmp_path / "bare.zip"), env=base_env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "cloudfn package: warning: index.py:4 calls logistics.getPath, but the function has no config.json" in done.stderr
    assert (tmp_path / "bare.zip").is_file()


def test_cloudfn_imports_are_found_at_any_depth(tmp_path: Path) -> None:
    fn = write_function(
        tmp_path / "f",
        "import cloudfn.aio as cloud\n\ndef later():\n    from cloudfn.events import Router\n    import json\n",
    )
    assert cloudfn_imports(str(fn)) >= {"cloudfn.aio", "cloudfn.events"}
    assert "json" not in cloudfn_imports(str(fn))
