"""The Node fixture's own contract: an unreachable npm registry means skip with a reason, never error."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from tests import node_support


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: connections are refused


@pytest.mark.skipif(shutil.which("npm") is None, reason="`npm` is not on PATH")
def test_unreachable_registry_is_reported_as_node_unavailable(tmp_path: Path) -> None:
    for name in ("package.json", "package-lock.json"):
        shutil.copy(node_support.NODE_DIR / name, tmp_path / name)
    env = dict(os.environ)
    env.update({
        "npm_config_registry": f"http://127.0.0.1:{_closed_port()}/",
        "npm_config_cache": str(tmp_path / "cache"),  # an empty cache: nothing can come from it
        "npm_config_fetch_retries": "0",
        "npm_config_offline": "false",
    })
    with pytest.raises(node_support.NodeUnavailable, match="npm registry is unreachable"):
        node_support.ensure_installed(tmp_path, env=env)
    assert not (tmp_path / "node_modules" / "wx-server-sdk").exists()


@pytest.mark.skipif(shutil.which("npm") is None, reason="`npm` is not on PATH")
def test_other_npm_failures_are_errors_not_skips(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(RuntimeError, match="failed in"):
        node_support.ensure_installed(tmp_path, env=dict(os.environ, npm_config_cache=str(tmp_path / "cache")))
