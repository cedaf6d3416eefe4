"""The emulator never imports the SDK's call path (core, config, tokens, transports, aio), whatever
``cloudfn/__init__`` loads: checked with an empty ``cloudfn`` package standing in for it."""

from __future__ import annotations

import subprocess
import sys

_CODE = """
import importlib.util, sys, types
found = importlib.util.find_spec("cloudfn")
pkg = types.ModuleType("cloudfn")
pkg.__path__ = list(found.submodule_search_locations)
sys.modules["cloudfn"] = pkg  # as a lazy __init__ would leave it
from cloudfn.emulator import cli, running
from cloudfn.emulator.testing import Raw, order_wire
with running(push_url="http://127.0.0.1:9/push", provider_url="http://127.0.0.1:9/carrier", push_retries=0, push_timeout=0.2) as emu:
    raw = Raw(emu.base_url)
    q = "?access_token=" + raw.token(emu.appid, emu.secret)
    raw.post("/cgi-bin/express/business/order/add" + q, order_wire("imports-1"))
    raw.post("/admin", {"action": "wx.api"})
    emu.export_state()
cli._environment()
print(" ".join(sorted(m for m in sys.modules if m.startswith("cloudfn."))))
"""
_SDK = ("cloudfn.core", "cloudfn.config", "cloudfn.tokens", "cloudfn.transports", "cloudfn.aio", "cloudfn.http")


def test_the_emulator_imports_nothing_of_the_sdk_call_path() -> None:
    done = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.split()
    assert "cloudfn.emulator.server" in loaded and "cloudfn.spec" in loaded and "cloudfn.validate" in loaded  # it did run
    assert [m for m in loaded if m.startswith(_SDK)] == []
