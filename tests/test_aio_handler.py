"""cloudfn.aio.handler: SCF's synchronous main_handler around async main, in process and under `cloudfn invoke`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List

import pytest

import cloudfn
import cloudfn.aio as cloud
from cloudfn.aio.cloud import DEFAULT
from cloudfn.emulator import Emulator
from cloudfn.emulator.testing import order_body
from tests.functions_support import base_env, emulator_env, invoke, write_function
from tests.stub_server import StubWeChat

ARGS = {"deliveryId": "TEST", "waybillId": "W1"}


def test_warm_invocations_reuse_the_loop_the_session_and_the_connection() -> None:
    with StubWeChat() as stub:
        accepted: List[Any] = []
        get_request = stub.server.get_request

        def counting() -> Any:
            conn = get_request()
            accepted.append(conn[1])
            return conn

        stub.server.get_request = counting  # type: ignore[method-assign]
        cloud.init(transport="cloudbase", cloudbase_token="cb", api_base=stub.base_url)

        @cloud.handler
        async def main_handler(event: Any, context: Any) -> Dict[str, Any]:
            result = await cloud.openapi.logistics.getPath(ARGS)
            loop = asyncio.get_running_loop()
            session = DEFAULT.client().transport("t").sessions._by_loop[loop].session
            return {"errCode": result["errCode"], "loop": id(loop), "session": id(session), "event": event}

        first = main_handler({"n": 1}, {})
        second = main_handler({"n": 2}, {})
        assert (first["errCode"], second["errCode"]) == (0, 0)
        assert (first["event"], second["event"]) == ({"n": 1}, {"n": 2})
        assert first["loop"] == second["loop"] and first["session"] == second["session"]
        assert len(stub.api_calls()) == 2 and len(accepted) == 1  # one keep-alive connection for both invocations


def test_handler_as_a_function_and_errors_propagate(stub: StubWeChat) -> None:
    async def main(event: Any, context: Any) -> Any:
        return await cloud.openapi.logistics.getPath(event)

    main_handler = cloud.handler(main)
    assert main_handler.__name__ == "main" and main_handler.__wrapped__ is main  # type: ignore[attr-defined]
    cloud.init(transport="cloudbase", cloudbase_token="cb", api_base=stub.base_url)
    assert main_handler(ARGS, {})["errCode"] == 0
    with pytest.raises(cloud.CloudSDKError) as info:
        main_handler({"deliveryId": 1}, {})
    assert info.value.errCode == -501007


def test_handler_refuses_a_synchronous_main() -> None:
    def main(event: Any, context: Any) -> Any:
        return event

    with pytest.raises(TypeError, match="async def main"):
        cloud.handler(main)  # type: ignore[arg-type]


def test_main_handler_inside_a_running_loop_says_to_await_main() -> None:
    async def main(event: Any, context: Any) -> Any:
        return event

    main_handler = cloud.handler(main)

    async def caller() -> None:
        main_handler({}, {})

    with pytest.raises(RuntimeError, match="await main"):
        asyncio.run(caller())


# --------------------------------------------------------------------------- cloudfn invoke

UNADAPTED = """
    import cloudfn.aio as cloud

    async def main_handler(event, context):
        return await cloud.openapi.logistics.getAllDelivery()
"""

DECORATED = """
    import asyncio
    import cloudfn.aio as cloud

    @cloud.handler
    async def main_handler(event, context):
        delivery, quota = await asyncio.gather(
            cloud.openapi.logistics.getAllDelivery(),
            cloud.openapi.logistics.getQuota(deliveryId="TEST", bizId="test_biz_id"),
        )
        return {"count": delivery["count"], "quota": quota["quotaNum"], "openid": cloud.getWXContext()["OPENID"]}
"""


def test_invoke_refuses_an_unadapted_async_handler_and_names_the_fix(tmp_path: Path) -> None:
    fn = write_function(tmp_path / "asyncfn", UNADAPTED)
    code, out, err = invoke(str(fn), env=base_env())
    assert code == 1 and out is None
    assert "main_handler = cloud.handler(main)" in err and "never awaits" in err
    assert "not JSON serializable" not in err and "never awaited" not in err  # the coroutine is closed, not leaked


def test_invoke_runs_a_decorated_async_handler_against_the_emulator(tmp_path: Path, cloudfn_emulator: Emulator) -> None:
    permissions = {"permissions": {"openapi": ["logistics.getAllDelivery", "logistics.getQuota"]}}
    fn = write_function(tmp_path / "asyncfn", DECORATED, config=permissions)
    code, out, err = invoke(str(fn), None, "--openid", "oCaller", env=emulator_env(cloudfn_emulator))
    assert code == 0, err
    sync = cloudfn.Cloud(transport="https", appid=cloudfn_emulator.appid, secret=cloudfn_emulator.secret, api_base=cloudfn_emulator.base_url)
    expected_quota = sync.openapi.logistics.getQuota(deliveryId="TEST", bizId="test_biz_id")["quotaNum"]
    assert out == {"count": sync.openapi.logistics.getAllDelivery()["count"], "quota": expected_quota, "openid": "oCaller"}


def _add_order(emulator: Emulator, **options: Any) -> str:
    instance = cloudfn.Cloud(options)
    added = instance.openapi.logistics.addOrder(order_body("track-1"))
    instance.close()
    return added["waybillId"]


@pytest.mark.parametrize("transport", ["https", "cloudcall"])
def test_the_async_seed_port_under_invoke(cloudfn_emulator: Emulator, transport: str) -> None:
    if transport == "https":
        env = emulator_env(cloudfn_emulator)
        waybill = _add_order(cloudfn_emulator, transport="https", appid=cloudfn_emulator.appid, secret=cloudfn_emulator.secret,
                             api_base=cloudfn_emulator.base_url)
    else:
        env = base_env(CLOUDFN_SERVICE_URL=cloudfn_emulator.base_url + "/admin")  # invoke mints the function's gateway token
        waybill = _add_order(cloudfn_emulator, transport="cloudcall", service_url=cloudfn_emulator.base_url + "/admin", env="cloudfn-local")
    code, out, err = invoke("logisticsAsync", {"orderId": "track-1", "deliveryId": "TEST", "waybillId": waybill}, env=env)
    assert code == 0, err
    assert set(out) == {"order", "path"}
    assert out["order"]["waybillId"] == waybill and out["order"]["errMsg"] == "openapi.logistics.getOrder:ok"
    assert out["path"]["waybillId"] == waybill and out["path"]["errMsg"] == "openapi.logistics.getPath:ok"
    code, out, err = invoke("logisticsAsync", {"orderId": "track-1", "deliveryId": "TEST", "waybillId": "NOPE"}, env=env)
    assert code == 0, err
    assert out["errCode"] != 0 and out["errMsg"].startswith("openapi.logistics.getPath:fail")  # Promise.all's catch: return err


CLEAN_EXIT = """
import asyncio, cloudfn, cloudfn.aio as cloud
from cloudfn.emulator import running
with running() as emu:
    cloudfn.init(transport="https", appid=emu.appid, secret=emu.secret, api_base=emu.base_url)

    async def once():
        return (await cloud.openapi.logistics.getAllDelivery())["errCode"]

    codes = [asyncio.run(once()) for _ in range(2)]  # a session per loop, closed as each loop ends

    async def main(event, context):
        return await once()

    main_handler = cloud.handler(main)
    codes += [main_handler({}, {}), main_handler({}, {})]

    async def reconfigure():  # drops the idle handler loop's session from inside another running loop
        cloudfn.init(transport="https", appid=emu.appid, secret=emu.secret, api_base=emu.base_url)
        return await once()

    codes.append(asyncio.run(reconfigure()))
    print(codes)
"""


def test_sessions_are_closed_when_loops_end_and_at_exit() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-X", "dev", "-c", CLEAN_EXIT], capture_output=True, text=True, timeout=120, env=base_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[0, 0, 0, 0, 0]"
    for leak in ("Unclosed", "never awaited", "Task was destroyed"):
        assert leak not in done.stderr, done.stderr
