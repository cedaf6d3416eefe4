"""``cloudfn emulator --fault-seed N --fault JSON``: faults preloaded from the command line, reproducible."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, List

import pytest

from cloudfn.emulator import Emulator, running
from cloudfn.emulator.testing import Raw

DELIVERY = "/cgi-bin/express/business/delivery/getall"
RULE = '{"api": "getAllDelivery", "errcode": 45009, "probability": 0.3}'


def _cli(tmp_path: Any, *extra: str) -> "subprocess.Popen[str]":
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WX_", "CLOUDFN_"))}
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.Popen([sys.executable, "-m", "cloudfn.cli", "emulator", "--port", "0", "--data", ":memory:", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)


def _decisions(tmp_path: Any, seed: str) -> List[int]:
    proc = _cli(tmp_path, "--fault-seed", seed, "--fault", RULE)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "listening on" in line, line + (proc.stderr.read() if proc.stderr else "")
        raw = Raw(line.split("listening on ")[1].split()[0])
        assert [f["errcode"] for f in raw.get("/_emulator/faults")[1]["faults"]] == [45009]
        token = raw.token("wx0000000000000000", "cloudfn-demo-secret")
        return [raw.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] for _ in range(30)]
    finally:
        proc.terminate()
        proc.wait(10)


def test_fault_seed_and_preloaded_fault_from_the_command_line(tmp_path: Any) -> None:
    first, second = _decisions(tmp_path, "7"), _decisions(tmp_path, "7")
    assert first == second and 0 < first.count(45009) < 30


@pytest.mark.parametrize("value, message", [("{not json", "JSON rule"), ("[1]", "JSON object")])
def test_a_bad_fault_argument_is_a_usage_error(tmp_path: Any, value: str, message: str) -> None:
    proc = _cli(tmp_path, "--fault", value)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and message in err


def test_a_bad_fault_rule_fails_the_start_not_a_later_call(tmp_path: Any) -> None:
    proc = _cli(tmp_path, "--fault", '{"api": "noSuchMethod", "errcode": 1}')
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "noSuchMethod" in err
    with pytest.raises(ValueError):
        Emulator(faults=[{"api": "getAllDelivery", "probability": 2}]).start()


def test_faults_passed_to_the_emulator_are_pending_at_start() -> None:
    with running(faults=[{"api": "getAllDelivery", "errcode": 45009}]) as emu:
        raw = Raw(emu.base_url)
        token = raw.token(emu.appid, emu.secret)
        assert raw.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] == 45009
        assert raw.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] == 0  # count 1 by default
