"""An async port with asyncio.gather against its Node original with Promise.all, both through the emulator's gateway.

The Node original is the one quoted at the top of functions/logisticsAsync/index.py, run unmodified by
the real wx-server-sdk (its ``cloud.init`` options are completed with the emulator's serviceUrl); the
Python port runs under ``cloudfn invoke`` on the cloudcall transport. Skips when Node/npm is unavailable.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict

import pytest

import cloudfn
from cloudfn.diff import normalise
from cloudfn.emulator import Emulator, running
from cloudfn.emulator.testing import order_body
from tests import node_support
from tests.functions_support import FUNCTIONS, base_env, invoke

node_sdk = node_support.node_sdk  # the session fixture
ENV_ID = "cloudfn-local"

# Runs exports.main of the function file once, with wx-server-sdk's init pointed at the emulator's gateway.
HARNESS = r"""
const cloud = require('wx-server-sdk')
const init = cloud.init.bind(cloud)
cloud.init = (options) => init(Object.assign({}, options, {
  env: process.env.CLOUDFN_TEST_ENV, serviceUrl: process.env.CLOUDFN_TEST_SERVICE_URL,
  secretId: 'AKIDcloudfntest', secretKey: 'cloudfn-test-secret-key' }))
const fn = require(process.argv[1])
fn.main(JSON.parse(process.argv[2]), {}).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (err) => { process.stderr.write(String(err && err.stack)); process.exit(2) })
"""


def node_original() -> str:
    """The JavaScript quoted in the comment heading functions/logisticsAsync/index.py."""
    lines = []
    for line in (FUNCTIONS / "logisticsAsync" / "index.py").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("#   "):
            lines.append(line[4:])
    return "\n".join(lines) + "\n"


def seed(emulator: Emulator) -> str:
    """The same state in each emulator: one order; its waybill id (sequential, so equal in both)."""
    instance = cloudfn.Cloud(transport="cloudcall", service_url=emulator.base_url + "/admin", env=ENV_ID)
    waybill = instance.openapi.logistics.addOrder(order_body("track-1"))["waybillId"]
    instance.close()
    return waybill


def run_node(node_dir: Path, tmp_path: Path, emulator: Emulator, event: Dict[str, Any]) -> Any:
    source = tmp_path / "index.js"
    source.write_text(node_original(), encoding="utf-8")
    env = node_support.node_env({"NODE_PATH": str(node_dir / "node_modules"), "CLOUDFN_TEST_ENV": ENV_ID,
                                 "CLOUDFN_TEST_SERVICE_URL": emulator.base_url + "/admin"})
    done = subprocess.run(["node", "-e", HARNESS, str(source), json.dumps(event)], capture_output=True, text=True, env=env,
                          cwd=node_dir, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


def run_python(emulator: Emulator, event: Dict[str, Any]) -> Any:
    code, out, err = invoke("logisticsAsync", event, "--env", ENV_ID, env=base_env(CLOUDFN_SERVICE_URL=emulator.base_url + "/admin"))
    assert code == 0, err
    return out


def test_node_original_is_the_promise_all_function() -> None:
    source = node_original()
    assert "await Promise.all([" in source and "exports.main = async (event, context) =>" in source
    assert "asyncio.gather(" in (FUNCTIONS / "logisticsAsync" / "index.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["both-succeed", "one-rejects"])
def test_asyncio_gather_port_answers_as_its_promise_all_original(node_sdk: Path, tmp_path: Path, case: str) -> None:
    outcomes = {}
    for side in ("node", "python"):
        with running() as emulator:
            waybill = seed(emulator)
            event = {"orderId": "track-1", "deliveryId": "TEST", "waybillId": waybill if case == "both-succeed" else "NOPE"}
            outcomes[side] = run_node(node_sdk, tmp_path, emulator, event) if side == "node" else run_python(emulator, event)
            assert emulator.calls["getOrder"] == 1 and emulator.calls["getPath"] == 1  # both calls went out, at once
    assert normalise(outcomes["python"]) == normalise(outcomes["node"])
    if case == "both-succeed":
        assert list(outcomes["node"]) == ["order", "path"] and outcomes["node"]["path"]["errMsg"] == "openapi.logistics.getPath:ok"
    else:
        assert outcomes["node"]["errMsg"].startswith("openapi.logistics.getPath:fail")
