"""Friendly edges: --help with examples and options in plain words, nearest-name hints, the emulator's front door,
the hint for a Node-style ``main`` handler, and the seed quotes kept as the seeds wrote them."""

from __future__ import annotations

import argparse
import importlib
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cloudfn.cli import SUBCOMMANDS
from tests.functions_support import FUNCTIONS, base_env, cli, emulator_env, invoke, write_function


@pytest.mark.parametrize("command", list(SUBCOMMANDS))
def test_every_command_help_says_what_it_does_with_an_example(command: str) -> None:
    done = cli(command, "--help", env=base_env())
    assert done.returncode == 0, done.stderr
    assert SUBCOMMANDS[command][1] in done.stdout or len(done.stdout.split("\n\n")[1]) > 20  # the description paragraph
    examples = done.stdout.split("examples:\n", 1)[1]
    assert f"cloudfn {command}" in examples, done.stdout


@pytest.mark.parametrize("command", list(SUBCOMMANDS))
def test_every_option_has_a_description(command: str) -> None:
    parser = argparse.ArgumentParser()
    importlib.import_module(SUBCOMMANDS[command][0]).register(parser)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help and len(action.help) >= 15, (command, action.option_strings or action.dest)


def test_strict_is_described_by_what_it_does() -> None:
    done = cli("emulator", "--help", env=base_env())
    text = " ".join(done.stdout.split())
    assert "extensions that support it" not in text
    assert "--strict behave like the real cloud-call gateway" in text and "-604104" in text


def test_top_level_help_shows_the_everyday_loop() -> None:
    done = cli("--help", env=base_env())
    assert "the everyday loop:" in done.stdout
    for step in ("cloudfn new", "cloudfn emulator", "cloudfn invoke", "cloudfn package", "cloudfn deploy"):
        assert step in done.stdout.split("the everyday loop:")[1], step


def test_unknown_function_suggests_the_nearest(tmp_path: Path) -> None:
    done = cli("invoke", "updatePrinterr", env=base_env())
    assert done.returncode == 2
    assert "unknown function 'updatePrinterr' (did you mean 'updatePrinter'?)" in done.stderr
    done = cli("package", "bindaccount", "--no-deps", "-o", str(tmp_path / "x.zip"), env=base_env())
    assert done.returncode == 2 and "(did you mean 'bindAccount'?)" in done.stderr
    done = cli("invoke", "qqqqqq", env=base_env())
    assert done.returncode == 2 and "did you mean" not in done.stderr


def test_unknown_api_in_config_json_suggests_the_nearest(tmp_path: Path) -> None:
    fn = write_function(tmp_path / "f", "def main_handler(e, c):\n    return 1\n", {"permissions": {"openapi": ["logistics.getpath"]}})
    done = cli("invoke", str(fn), env=base_env())
    assert done.returncode == 2
    assert "permissions.openapi[0] names an unknown open API 'logistics.getpath': did you mean 'logistics.getPath'?" in done.stderr


def _get(url: str, accept: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": accept})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read().decode("utf-8")


def test_the_emulator_front_door_points_to_health_and_console(cloudfn_emulator: Any) -> None:
    status, kind, body = _get(cloudfn_emulator.base_url + "/", "*/*")
    assert status == 200 and kind.startswith("application/json")
    index = json.loads(body)
    assert index["health"] == "/_emulator/health" and index["console"] == "/_emulator/ui"
    status, kind, body = _get(cloudfn_emulator.base_url + "/", "text/html,application/xhtml+xml")
    assert status == 200 and kind.startswith("text/html")
    assert '<a href="/_emulator/health">' in body and '<a href="/_emulator/ui">' in body
    assert json.loads(_get(cloudfn_emulator.base_url + index["health"], "*/*")[2]) == {"ok": True}


@pytest.mark.parametrize(
    "source, hint",
    [
        ("def main(event, context):\n    return 1\n", "function main (Node's exports.main): rename it main_handler, or add `main_handler = main`"),
        ("async def main(event, context):\n    return 1\n", "add `main_handler = cloud.handler(main)` with `import cloudfn.aio as cloud`"),
    ],
    ids=["sync", "async"],
)
def test_a_node_style_main_gets_a_hint(tmp_path: Path, source: str, hint: str) -> None:
    fn = write_function(tmp_path / "nodeish", source)
    code, out, err = invoke(str(fn), env=base_env())
    assert code == 1 and out is None
    assert "index.py has no function 'main_handler'; " in err and hint in err


def test_a_missing_handler_without_main_gets_no_hint(tmp_path: Path) -> None:
    code, _, err = invoke(str(write_function(tmp_path / "f", "def other(e, c):\n    return 1\n")), env=base_env())
    assert code == 1 and err.strip().endswith("index.py has no function 'main_handler'")


@pytest.mark.parametrize("name", ["updatePrinter", "updatePath"])
def test_seed_quotes_keep_the_seeds_cloud_init_and_console_log(name: str, cloudfn_emulator: Any) -> None:
    source = (FUNCTIONS / name / "index.py").read_text(encoding="utf-8")
    quote = [line[4:] for line in source.splitlines() if line.startswith("#   ")]
    assert quote[1] == "cloud.init()" and "DYNAMIC_CURRENT_ENV" not in source
    assert [line.strip() for line in quote if "console.log" in line] == ["console.log(result)", "console.log(err)"]
    assert "cloud.init()\n" in source and "print(result)" in source and "print(err)" in source
    code, out, err = invoke(name, env=emulator_env(cloudfn_emulator))
    assert code == 0, err
    assert out["errMsg"] in err  # console.log(result) / console.log(err): the outcome went to the log
