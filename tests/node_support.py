"""Running the real Node ``wx-server-sdk`` (tests/node) from the Python tests.

The session fixture :func:`node_sdk` installs the pinned packages once (``npm ci`` from
the committed lock, ``npm install`` when there is none) if ``node_modules`` is missing,
and skips every test that needs Node, with the reason, when ``node`` or ``npm`` is not
on PATH. :func:`run_calls` runs ``cloudfn/data/run_calls.js`` (the script ``cloudfn diff`` uses) with a plan and returns one
dict per call: ``{"ok": result}`` or ``{"error": {"errCode", "errMsg", "message"}}``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pytest

from cloudfn.diff import runner_js

NODE_DIR = Path(__file__).resolve().parent / "node"

# What a CloudBase function's environment carries; the runner passes these only when a test asks.
_PLATFORM_PREFIXES = ("WX_", "TCB_", "SCF_", "TENCENTCLOUD", "TRIGGER_SRC", "CLOUDFN_", "CLOUDBASE_", "CBR_", "SUMERU_")


def node_missing() -> Optional[str]:
    """Why Node tests cannot run here, or None."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not on PATH: install Node.js >= 16 with npm to run the wx-server-sdk tests"
    return None


class NodeUnavailable(Exception):
    """Node tests cannot run here (no node/npm, or the npm registry cannot be reached)."""


# What npm prints when it cannot reach the registry (DNS, refused, reset, timed out, offline).
_NETWORK_MARKERS = ("ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH", "ENOTCACHED")


def ensure_installed(node_dir: Path = NODE_DIR, env: Optional[Mapping[str, str]] = None) -> Path:
    """Install tests/node's packages when node_modules lacks wx-server-sdk; returns the directory.

    Raises :class:`NodeUnavailable` when npm cannot reach its registry, RuntimeError for any other failure.
    """
    if (node_dir / "node_modules" / "wx-server-sdk" / "package.json").is_file():
        return node_dir
    command = ["npm", "ci"] if (node_dir / "package-lock.json").is_file() else ["npm", "install"]
    command += ["--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run(command, cwd=node_dir, capture_output=True, text=True, timeout=600, env=dict(env) if env is not None else None)
    if done.returncode != 0:
        if any(marker in done.stderr for marker in _NETWORK_MARKERS):
            raise NodeUnavailable(f"the npm registry is unreachable, so wx-server-sdk cannot be installed ({' '.join(command[:2])} failed)")
        raise RuntimeError(f"{' '.join(command)} failed in {node_dir} (exit {done.returncode}):\n{done.stderr[-4000:]}")
    return node_dir


@pytest.fixture(scope="session")
def node_sdk() -> Path:
    """tests/node with wx-server-sdk installed (skips, with the reason, when Node/npm or the registry is unavailable)."""
    reason = node_missing()
    if reason:
        pytest.skip(reason)
    try:
        return ensure_installed()
    except NodeUnavailable as exc:
        pytest.skip(str(exc))


def node_env(extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """A clean environment for a Node run: no platform variables unless given in ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_PLATFORM_PREFIXES)}
    env.update(extra or {})
    return env


def _plan(service_url: str, env_id: str, options: Optional[Mapping[str, Any]], secret_id: str, secret_key: str) -> Dict[str, Any]:
    plan: Dict[str, Any] = {"env": env_id, "serviceUrl": service_url, "secretId": secret_id, "secretKey": secret_key}
    if options:
        plan["options"] = dict(options)
    return plan


def run_calls(
    calls: Sequence[Sequence[Any]],
    service_url: str,
    env_id: str = "cloudfn-test",
    env: Optional[Mapping[str, str]] = None,
    options: Optional[Mapping[str, Any]] = None,
    secret_id: str = "AKIDcloudfntest",
    secret_key: str = "cloudfn-test-secret-key",
    node_dir: Path = NODE_DIR,
    timeout: float = 120,
) -> List[Dict[str, Any]]:
    """Run ``[[method, camelArgs], ...]`` through wx-server-sdk against ``service_url`` (…/admin), in one batch."""
    lines = [json.dumps(_plan(service_url, env_id, options, secret_id, secret_key))] + [json.dumps(list(c)) for c in calls]
    done = subprocess.run(
        ["node", "-e", runner_js()],
        input="\n".join(lines) + "\n", capture_output=True, text=True, env=node_env(env), timeout=timeout, cwd=node_dir,
    )
    if done.returncode != 0:
        raise RuntimeError(f"node run_calls.js failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(answers) != len(calls):
        raise RuntimeError(f"expected {len(calls)} result lines, got {len(answers)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return answers
