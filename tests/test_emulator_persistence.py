"""``cloudfn emulator`` as a process: start-up lines, clean SIGTERM, and durability across ``kill -9``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from typing import IO, Any, Dict, Iterator, List, Tuple

import pytest

from cloudfn.emulator.testing import Raw, order_wire


def start(args: List[str], cwd: str, env: Dict[str, str]) -> Tuple[subprocess.Popen, Dict[str, str]]:
    """Run the CLI, wait for its export lines, return the process and the exported values."""
    proc = subprocess.Popen([sys.executable, "-m", "cloudfn.cli", "emulator", "--port", "0", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    exported: Dict[str, str] = {}
    assert proc.stdout is not None
    for line in _lines(proc.stdout):
        match = re.match(r"export (\w+)=(\S+)", line)
        if match:
            exported[match.group(1)] = match.group(2)
        if "WX_APPSECRET" in line:
            break
    assert "CLOUDFN_API_BASE" in exported, proc.stderr.read() if proc.stderr else ""
    return proc, exported


def _lines(stream: IO[str]) -> Iterator[str]:
    for _ in range(20):
        line = stream.readline()
        if not line:
            return
        yield line


@pytest.fixture
def clean_env(tmp_path: Any) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WX_", "CLOUDFN_"))}
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return env


def test_cli_prints_exports_and_stops_cleanly_on_sigterm(tmp_path: Any, clean_env: Dict[str, str]) -> None:
    proc, exported = start([], str(tmp_path), clean_env)
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", exported["CLOUDFN_API_BASE"])
        assert exported["WX_APPID"] == "wx0000000000000000" and exported["WX_APPSECRET"] == "cloudfn-demo-secret"
        assert os.path.isfile(tmp_path / ".cloudfn" / "emulator.sqlite3")  # default data file in cwd
        client = Raw(exported["CLOUDFN_API_BASE"])
        assert client.get("/_emulator/health") == (200, {"ok": True})
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_cli_takes_credentials_from_dotenv_and_hides_the_secret(tmp_path: Any, clean_env: Dict[str, str]) -> None:
    (tmp_path / ".env").write_text("WX_APPID=wxdotenv000000001\nWX_APPSECRET=dotenv-secret-value\n")
    proc = subprocess.Popen([sys.executable, "-m", "cloudfn.cli", "emulator", "--port", "0", "--data", ":memory:", "--host", "localhost"],
                            cwd=str(tmp_path), env=clean_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(5)]
        text = "".join(lines)
        assert "export WX_APPID=wxdotenv000000001" in text
        assert "dotenv-secret-value" not in text
        base = re.search(r"CLOUDFN_API_BASE=(\S+)", text).group(1)  # type: ignore[union-attr]
        client = Raw(base)
        assert client.token("wxdotenv000000001", "dotenv-secret-value")
        client.close()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "WARNING" not in err  # localhost is loopback


def test_non_loopback_host_warns(tmp_path: Any, clean_env: Dict[str, str]) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "cloudfn.cli", "emulator", "--port", "0", "--data", ":memory:", "--host", "127.0.0.2"],
                            cwd=str(tmp_path), env=clean_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "listening" in proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert "WARNING: binding 127.0.0.2" in err  # loopback, yet not a default name: warns without exposing anything


def test_everything_acknowledged_survives_kill_9(tmp_path: Any, clean_env: Dict[str, str]) -> None:
    data = str(tmp_path / "state" / "emu.sqlite3")
    proc, exported = start(["--data", data], str(tmp_path), clean_env)
    appid, secret = exported["WX_APPID"], exported["WX_APPSECRET"]
    try:
        client = Raw(exported["CLOUDFN_API_BASE"])
        token = client.token(appid, secret)

        def call(path: str, body: Any) -> Dict[str, Any]:
            status, reply = client.post(f"/cgi-bin/express/{path}?access_token={token}", body)
            assert status == 200, reply
            return reply

        assert call("business/account/bind", {"type": "bind", "biz_id": "acc-1", "delivery_id": "ZTO", "password": "pw"})["errcode"] == 0
        assert call("business/printer/update", {"openid": "oPrinter", "update_type": "bind", "tagid_list": "1,2"})["errcode"] == 0
        waybills = [call("business/order/add", order_wire(f"persist-{i}"))["waybill_id"] for i in range(20)]
        orders = client.get("/_emulator/orders")[1]["orders"]
        tokens = {o["waybill_id"]: o["token"] for o in orders}
        assert call("delivery/path/update", {"token": tokens[waybills[0]], "waybill_id": waybills[0], "action_time": 1,
                                             "action_type": 100001, "action_msg": "picked up"})["errcode"] == 0
        client.close()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=15)
    assert proc.returncode == -signal.SIGKILL

    proc, exported = start(["--data", data], str(tmp_path), clean_env)
    try:
        client = Raw(exported["CLOUDFN_API_BASE"])
        assert client.get(f"/cgi-bin/express/business/delivery/getall?access_token={token}")[1]["errcode"] == 0  # token survived too
        after = client.get("/_emulator/orders")[1]["orders"]
        assert [o["waybill_id"] for o in after] == waybills
        assert {o["waybill_id"]: o["token"] for o in after} == tokens
        assert after[0]["path"] == [{"action_time": 1, "action_type": 100001, "action_msg": "picked up"}]
        accounts = client.get(f"/cgi-bin/express/business/account/getall?access_token={token}")[1]
        assert [(a["biz_id"], a["status_code"]) for a in accounts["list"]] == [("acc-1", 0)]
        printers = client.get(f"/cgi-bin/express/business/printer/getall?access_token={token}")[1]
        assert printers["openid"] == ["oPrinter"] and printers["tagid_list"] == ["1", "2"]
        again = client.post(f"/cgi-bin/express/business/order/add?access_token={token}", order_wire("persist-new"))[1]
        assert again["errcode"] == 0 and again["waybill_id"] not in waybills  # sequence continues
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert proc.returncode == 0
