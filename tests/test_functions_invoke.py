"""``cloudfn invoke``: the seed functions and the router against the emulator, and the SCF-like runtime."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from cloudfn import spec
from cloudfn.emulator.testing import order_body
from cloudfn.permission_hint import no_permission_message
from tests.functions_support import FUNCTIONS, base_env, cli, emulator_env, invoke, write_function, write_project

# --------------------------------------------------------------------------- seeds


def test_seed_bind_account_binds_on_the_emulator(cloudfn_emulator: Any) -> None:
    env = emulator_env(cloudfn_emulator)
    code, out, err = invoke("bindAccount", env=env)
    assert code == 0, err
    assert out == {"errMsg": "openapi.logistics.bindAccount:ok", "errCode": 0}
    code, accounts, err = invoke("logistics", {"action": "getAllAccount"}, env=env)
    assert code == 0, err
    assert [(a["bizId"], a["deliveryId"]) for a in accounts["list"]] == [("123456", "YUNDA")]


@pytest.mark.parametrize(("seed", "tagids"), [("updatePrinter", []), ("updatePrinterTagid", ["123", "456"])])
def test_seed_update_printer_binds_the_printer(cloudfn_emulator: Any, seed: str, tagids: List[str]) -> None:
    env = emulator_env(cloudfn_emulator)
    code, out, err = invoke(seed, env=env)
    assert code == 0, err
    assert out == {"errMsg": "openapi.logistics.updatePrinter:ok", "errCode": 0}
    code, printers, err = invoke("logistics", {"action": "getPrinter"}, env=env)
    assert code == 0, err
    assert printers["openid"] == ["oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw"]
    assert sorted(printers.get("tagidList", [])) == tagids


def test_seed_update_path_returns_the_error_as_node_returns_err(cloudfn_emulator: Any) -> None:
    # The documented example's token and waybill do not exist on a fresh emulator: the
    # handler catches the CloudSDKError and returns {errCode, errMsg} as JSON.stringify(err).
    code, out, err = invoke("updatePath", env=emulator_env(cloudfn_emulator))
    assert code == 0, err
    assert set(out) == {"errCode", "errMsg"}
    assert out["errCode"] == 40199
    assert out["errMsg"].startswith("openapi.logistics.updatePath:fail waybill_id not found")


# --------------------------------------------------------------------------- the router


def test_router_serves_every_logistics_method(cloudfn_emulator: Any) -> None:
    env = emulator_env(cloudfn_emulator)
    called: List[str] = []

    def call(action: str, data: Dict[str, Any], expect_code: int = 0) -> Dict[str, Any]:
        called.append(action)
        code, out, err = invoke("logistics", {"action": action, "data": data}, env=env)
        assert code == 0, f"{action}: {err}"
        assert out["errCode"] == expect_code, f"{action}: {out}"
        verdict = "ok" if expect_code == 0 else "fail"
        assert out["errMsg"].startswith(f"openapi.logistics.{action}:{verdict}"), out
        return out

    now = int(time.time())
    delivery = call("getAllDelivery", {})
    assert "TEST" in [d["deliveryId"] for d in delivery["data"]]
    call("bindAccount", {"type": "bind", "bizId": "biz-router", "deliveryId": "YUNDA", "password": "pw-router"})
    accounts = call("getAllAccount", {})
    assert "biz-router" in [a["bizId"] for a in accounts["list"]]
    assert "quotaNum" in call("getQuota", {"deliveryId": "YUNDA", "bizId": "biz-router"})
    call("updatePrinter", {"openid": "oPrinterRouter", "updateType": "bind", "tagidList": "7,8"})
    assert "oPrinterRouter" in call("getPrinter", {})["openid"]

    order = order_body("order-router-1")
    added = call("addOrder", order)
    waybill = added["waybillId"]
    ids = {"orderId": "order-router-1", "openid": order["openid"], "deliveryId": "TEST", "waybillId": waybill}
    assert call("getOrder", ids)["waybillId"] == waybill
    batch = call("batchGetOrder", {"orderList": [{k: ids[k] for k in ("orderId", "deliveryId", "waybillId")}]})
    assert [o["waybillId"] for o in batch["orderList"]] == [waybill]
    call("testUpdateOrder", {"bizId": "test_biz_id", "orderId": "order-router-1", "deliveryId": "TEST", "waybillId": waybill,
                             "actionTime": now, "actionType": 100001, "actionMsg": "picked up"})  # fmt: skip
    assert call("getPath", ids)["pathItemNum"] >= 1

    token = next(o["token"] for o in cloudfn_emulator.backend.orders() if o["waybill_id"] == waybill)
    contact = call("getContact", {"token": token, "waybillId": waybill})
    assert contact["sender"]["name"] == order["sender"]["name"]
    call("updatePath", {"token": token, "waybillId": waybill, "actionTime": now + 1, "actionType": 200001, "actionMsg": "in transit"})
    template = base64.b64encode(b"<p>label</p>").decode()
    preview = call("previewTemplate", {"waybillId": waybill, "waybillTemplate": template, "waybillData": "##TEST_mark##1##", "custom": order})
    assert "renderedWaybillTemplate" in preview
    # Nobody applied for review with this biz id: the emulator's updateBusiness says so.
    call("updateBusiness", {"shopAppId": cloudfn_emulator.appid, "bizId": "never-applied", "resultCode": 0, "resultMsg": "ok"}, 9300525)
    # A waybill with a trace cannot be cancelled; a fresh one can.
    second = call("addOrder", order_body("order-router-2"))["waybillId"]
    call("cancelOrder", {**ids, "orderId": "order-router-2", "waybillId": second})

    assert set(called) == set(spec.methods())


def test_router_rejects_a_bad_action_without_calling(cloudfn_emulator: Any) -> None:
    env = emulator_env(cloudfn_emulator)
    code, out, _ = invoke("logistics", {"action": "__class__"}, env=env)
    assert code == 0
    assert out["errCode"] == -501007
    code, out, _ = invoke("logistics", {"action": "noSuchMethod"}, env=env)
    assert out["errCode"] == -604100


# --------------------------------------------------------------------------- permissions


def _router_copy(tmp_path: Path, permissions: List[str]) -> Path:
    target = tmp_path / "narrow"
    shutil.copytree(FUNCTIONS / "logistics", target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "config.json").write_text(json.dumps({"permissions": {"openapi": permissions}}))
    return target


def test_api_missing_from_config_json_fails_with_604101(cloudfn_emulator: Any, tmp_path: Path) -> None:
    fn = _router_copy(tmp_path, ["logistics.getAllDelivery"])
    env = emulator_env(cloudfn_emulator)
    code, out, err = invoke(str(fn), {"action": "getPath", "data": {"orderId": "o", "deliveryId": "TEST", "waybillId": "w"}}, env=env)
    assert code == 0, err
    assert out == {"errCode": -604101, "errMsg": no_permission_message("logistics.getPath")}
    code, out, err = invoke(str(fn), {"action": "getAllDelivery"}, env=env)
    assert out["errCode"] == 0, out


def test_function_without_config_json_may_call_nothing(cloudfn_emulator: Any, tmp_path: Path) -> None:
    fn = write_function(
        tmp_path / "bare",
        """
        import cloudfn as cloud

        def main_handler(event, context):
            try:
                return cloud.openapi.logistics.getAllDelivery()
            except cloud.CloudSDKError as err:
                return err.to_dict()
        """,
    )
    code, out, err = invoke(str(fn), env=emulator_env(cloudfn_emulator))
    assert code == 0, err
    assert out["errCode"] == -604101


# --------------------------------------------------------------------------- the runtime

PROBE = """
    import json, os, sys
    import cloudfn as cloud
    import helper  # a sibling module: the function folder is sys.path[0]

    def main_handler(event, context):
        keys = ["TENCENTCLOUD_RUNENV", "SCF_FUNCTIONNAME", "SCF_NAMESPACE", "SCF_FUNCTIONVERSION", "TCB_ENV", "WX_CONTEXT_KEYS",
                "WX_OPENID", "WX_APPID", "WX_UNIONID", "CLOUDFN_OPENAPI_PERMISSIONS", "FROM_MANIFEST", "FROM_FN", "BOTH",
                "FROM_DOTENV", "FROM_CALLER", "WX_API_TOKEN", "TCB_CONTEXT_KEYS"]
        return {
            "event": event,
            "context": dict(context),
            "attr_name": context.function_name,
            "env": {k: os.environ.get(k) for k in keys},
            "cwd": os.getcwd(),
            "path0": sys.path[0],
            "helper": helper.VALUE,
            "wx": cloud.getWXContext(),
        }
"""


@pytest.fixture
def probe_project(tmp_path: Path) -> Path:
    root = write_project(tmp_path / "proj", {
        "envId": "probe-env-1",
        "region": "ap-guangzhou",
        "functions": [{"name": "probe", "runtime": "Python3.10", "timeout": 7, "memorySize": 256,
                       "envVariables": {"FROM_MANIFEST": "m", "BOTH": "manifest"}}],
    })  # fmt: skip
    write_function(
        root / "functions" / "probe",
        PROBE,
        {"permissions": {"openapi": ["logistics.getPath", "logistics.addOrder"]}, "envVariables": {"FROM_FN": "f", "BOTH": "fn"}},
        {"helper.py": "VALUE = 42\n"},
    )
    (root / ".env").write_text("FROM_DOTENV=d\n")
    return root


def test_context_and_environment_are_scf_like(probe_project: Path) -> None:
    env = base_env(FROM_CALLER="c")
    code, out, err = invoke("probe", {"k": [1, "二"]}, "--openid", "oUser1", "--unionid", "uUnion1", env=env, cwd=probe_project)
    assert code == 0, err
    fn_dir = str(probe_project / "functions" / "probe")
    assert out["event"] == {"k": [1, "二"]}
    ctx = out["context"]
    assert ctx["function_name"] == out["attr_name"] == "probe"
    assert ctx["function_version"] == "$LATEST"
    assert ctx["namespace"] == "probe-env-1"
    assert ctx["memory_limit_in_mb"] == 256
    assert ctx["time_limit_in_ms"] == 7000
    assert ctx["tencentcloud_region"] == "ap-guangzhou"
    uuid.UUID(ctx["request_id"])
    assert json.loads(ctx["environment"])["WX_OPENID"] == "oUser1"
    assert out["env"] == {
        "TENCENTCLOUD_RUNENV": "SCF", "SCF_FUNCTIONNAME": "probe", "SCF_NAMESPACE": "probe-env-1", "SCF_FUNCTIONVERSION": "$LATEST",
        "TCB_ENV": "probe-env-1", "WX_CONTEXT_KEYS": "WX_OPENID,WX_UNIONID", "WX_OPENID": "oUser1", "WX_APPID": None,
        "WX_UNIONID": "uUnion1", "CLOUDFN_OPENAPI_PERMISSIONS": "logistics.getPath,logistics.addOrder", "FROM_MANIFEST": "m",
        "FROM_FN": "f", "BOTH": "manifest", "FROM_DOTENV": "d", "FROM_CALLER": "c", "WX_API_TOKEN": None, "TCB_CONTEXT_KEYS": None,
    }  # fmt: skip
    assert out["cwd"] == out["path0"] == fn_dir
    assert out["helper"] == 42
    assert out["wx"] == {"OPENID": "oUser1", "UNIONID": "uUnion1", "ENV": "probe-env-1"}


def test_getwxcontext_sees_openid_and_appid(probe_project: Path) -> None:
    code, out, err = invoke("probe", None, "--openid", "oA", "--appid", "wxAppFromCaller", env=base_env(), cwd=probe_project)
    assert code == 0, err
    assert out["wx"] == {"OPENID": "oA", "APPID": "wxAppFromCaller", "ENV": "probe-env-1"}
    code, out, err = invoke("probe", None, env=base_env(), cwd=probe_project)
    assert out["wx"] == {}
    assert out["event"] == {}


def test_event_file_and_bad_event(probe_project: Path, tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps({"from": "file"}))
    proc = cli("invoke", "probe", "--event-file", str(event_file), env=base_env(), cwd=probe_project)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["event"] == {"from": "file"}
    proc = cli("invoke", "probe", "--event", "{not json", env=base_env(), cwd=probe_project)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "--event is not valid JSON" in proc.stderr


def test_unknown_function_is_one_clear_line(probe_project: Path) -> None:
    proc = cli("invoke", "nope", env=base_env(), cwd=probe_project)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0
    assert "unknown function 'nope'" in proc.stderr


def test_stdout_is_exactly_the_json_result(tmp_path: Path) -> None:
    fn = write_function(
        tmp_path / "noisy",
        """
        import logging, os, subprocess, sys
        print("import-time print")
        logging.basicConfig(level=logging.INFO)

        def main_handler(event, context):
            print("handler print")
            sys.stdout.write("raw write\\n")
            os.write(1, b"fd-1 write\\n")
            subprocess.run(["echo", "child process output"])
            logging.getLogger("noisy").info("a log line")
            return {"answer": 42, "text": "中文"}
        """,
    )
    proc = cli("invoke", str(fn), env=base_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == json.dumps({"answer": 42, "text": "中文"}, ensure_ascii=False) + "\n"
    for line in ("import-time print", "handler print", "raw write", "fd-1 write", "child process output", "a log line"):
        assert line in proc.stderr


def test_unhandled_exception_exits_non_zero_with_traceback(tmp_path: Path) -> None:
    fn = write_function(
        tmp_path / "broken",
        """
        def main_handler(event, context):
            raise ValueError("broken on purpose")
        """,
    )
    proc = cli("invoke", str(fn), env=base_env())
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Traceback (most recent call last)" in proc.stderr
    assert "ValueError: broken on purpose" in proc.stderr


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_timeout_kills_the_function_and_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    fn = write_function(
        tmp_path / "sleepy",
        f"""
        import subprocess, time

        def main_handler(event, context):
            child = subprocess.Popen(["sleep", "60"])
            open({str(pid_file)!r}, "w").write(str(child.pid))
            time.sleep(60)
            return "never"
        """,
        {"timeout": 1},
    )
    proc = cli("invoke", str(fn), env=base_env())
    assert proc.returncode == 124
    assert proc.stdout == ""
    assert "function timed out after 1 s" in proc.stderr
    pid = int(pid_file.read_text())
    for _ in range(100):  # the kill is sent before invoke returns; wait for the kernel to finish it
        if not _alive(pid):
            break
        time.sleep(0.05)
    assert not _alive(pid)


def test_timeout_option_overrides_the_config(tmp_path: Path) -> None:
    fn = write_function(tmp_path / "slow", "import time\n\ndef main_handler(event, context):\n    time.sleep(30)\n", {"timeout": 60})
    proc = cli("invoke", str(fn), "--timeout", "0.5", env=base_env())
    assert proc.returncode == 124
    assert "function timed out after 0.5 s" in proc.stderr


# --------------------------------------------------------------------------- gateway token (contract 2)


class _TokenServer:
    """Answers POST /_emulator/api-tokens with a token (or 404) and records what it was sent."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.seen: List[Tuple[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.seen.append((self.path, json.loads(body)))
                data = json.dumps({"token": "minted-token-1"}).encode() if server.status == 200 else b"{}"
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def token_server(request: pytest.FixtureRequest) -> Iterator[_TokenServer]:
    server = _TokenServer(request.param)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.mark.parametrize("token_server", [200], indirect=True)
def test_gateway_token_is_minted_with_the_function_permissions(probe_project: Path, token_server: _TokenServer) -> None:
    env = base_env(CLOUDFN_SERVICE_URL=token_server.url + "/admin")
    code, out, err = invoke("probe", None, env=env, cwd=probe_project)
    assert code == 0, err
    assert token_server.seen == [("/_emulator/api-tokens", {"function": "probe", "permissions": ["logistics.getPath", "logistics.addOrder"]})]
    assert out["env"]["WX_API_TOKEN"] == "minted-token-1"
    assert "WX_API_TOKEN" in out["env"]["TCB_CONTEXT_KEYS"].split(",")


@pytest.mark.parametrize("token_server", [404], indirect=True)
def test_gateway_without_token_route_is_skipped(probe_project: Path, token_server: _TokenServer) -> None:
    code, out, err = invoke("probe", None, env=base_env(CLOUDFN_SERVICE_URL=token_server.url), cwd=probe_project)
    assert code == 0, err
    assert len(token_server.seen) == 1
    assert out["env"]["WX_API_TOKEN"] is None


def test_gateway_token_scopes_cloud_calls_on_the_emulator(cloudfn_emulator: Any, tmp_path: Path) -> None:
    pytest.importorskip("cloudfn.transports.cloudcall", reason="the cloudcall transport is not in this checkout")
    fn = _router_copy(tmp_path, ["logistics.getAllDelivery"])
    env = base_env(CLOUDFN_SERVICE_URL=cloudfn_emulator.base_url + "/admin", WX_APPID=cloudfn_emulator.appid)
    code, out, err = invoke(str(fn), {"action": "getAllDelivery"}, env=env)
    assert code == 0, err
    assert out["errCode"] == 0, out
    code, out, err = invoke(str(fn), {"action": "getPrinter"}, env=env)
    assert out["errCode"] == -604101, out


def test_only_deploy_imports_the_tencentcloud_sdk() -> None:
    probe = "import sys, cloudfn.runtime.{} as m; m.register(__import__('argparse').ArgumentParser()); print('tencentcloud' in sys.modules)"
    for module in ("invoke", "package", "deploy"):
        out = subprocess.run([sys.executable, "-c", probe.format(module)], capture_output=True, text=True, env=base_env())
        assert out.stdout.strip() == "False", (module, out.stderr)
