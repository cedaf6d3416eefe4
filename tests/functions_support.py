"""Helpers for the functions/runtime tests (no tests here): run the CLI, write throwaway functions and projects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
SEEDS = ("updatePrinter", "updatePrinterTagid", "bindAccount", "updatePath")


def cli(*args: str, env: Mapping[str, str], cwd: Optional[Path] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m cloudfn.cli ARGS`` in a subprocess; text output captured."""
    return subprocess.run(
        [sys.executable, "-m", "cloudfn.cli", *args],
        env=dict(env), cwd=str(cwd or ROOT), capture_output=True, text=True, encoding="utf-8", timeout=timeout,
    )  # fmt: skip


def invoke(target: str, event: Any = None, *extra: str, env: Mapping[str, str], cwd: Optional[Path] = None) -> Tuple[int, Any, str]:
    """(exit status, parsed stdout or None, stderr) of ``cloudfn invoke``."""
    args = ["invoke", target, *extra]
    if event is not None:
        args += ["--event", json.dumps(event, ensure_ascii=False)]
    proc = cli(*args, env=env, cwd=cwd)
    out = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, out, proc.stderr


def base_env(**extra: str) -> Dict[str, str]:
    """The test process environment (already cleaned of WX_/CLOUDFN_/... by conftest), plus ``extra``."""
    env = dict(os.environ)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def emulator_env(emulator: Any, **extra: str) -> Dict[str, str]:
    """Environment that points cloudfn's https transport at ``emulator``."""
    return base_env(CLOUDFN_API_BASE=emulator.base_url, WX_APPID=emulator.appid, WX_APPSECRET=emulator.secret, CLOUDFN_TRANSPORT="https", **extra)


def write_function(directory: Path, source: str, config: Optional[Dict[str, Any]] = None, files: Optional[Dict[str, str]] = None) -> Path:
    """A function folder with ``index.py`` (dedented ``source``), optional ``config.json`` and other files."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.py").write_text(textwrap.dedent(source), encoding="utf-8")
    if config is not None:
        (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
    for name, text in (files or {}).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


def write_project(root: Path, manifest: Dict[str, Any]) -> Path:
    """A project folder with a top-level ``config.json``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return root
