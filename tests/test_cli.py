"""The ``cloudfn`` command itself: version, help, unknown commands."""

from __future__ import annotations

import subprocess
import sys

import cloudfn


def run(*args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, "-m", "cloudfn.cli", *args], capture_output=True, text=True, timeout=60)


def test_version_prints_the_package_version() -> None:
    for flag in ("--version", "-V"):
        done = run(flag)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"cloudfn {cloudfn.__version__}\n"


def test_unknown_command_suggests_the_nearest() -> None:
    done = run("invok")
    assert done.returncode == 2
    assert "unknown command 'invok': did you mean 'invoke'?" in done.stderr


def test_unknown_command_without_a_near_name_lists_the_commands() -> None:
    done = run("frobnicate")
    assert done.returncode == 2
    assert "did you mean" not in done.stderr
    assert "choose from emulator, invoke, package, deploy" in done.stderr
