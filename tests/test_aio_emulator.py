"""cloudfn.aio against the emulator on all three transports: same outcomes as the sync API."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests

import cloudfn
import cloudfn.aio as cloud
from cloudfn.diff import normalise
from cloudfn.emulator import Emulator, running
from cloudfn.emulator.testing import order_body
from cloudfn.permission_hint import no_permission_message
from cloudfn.tokens import MemoryTokenStore

TRANSPORTS = ("https", "cloudbase", "cloudcall")
CB_TOKEN = "cb-token-aio-DO-NOT-LEAK"


def options_for(transport: str, emu: Emulator) -> Dict[str, Any]:
    if transport == "https":
        return {"transport": "https", "appid": emu.appid, "secret": emu.secret, "api_base": emu.base_url, "token_store": MemoryTokenStore()}
    if transport == "cloudbase":
        return {"transport": "cloudbase", "cloudbase_token": CB_TOKEN, "api_base": emu.base_url}
    return {"transport": "cloudcall", "service_url": emu.base_url + "/admin", "env": "aio-env"}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with running(cloudbase_token=CB_TOKEN) as emulator:
        yield emulator


# One scenario, written once for both APIs: (method, camelCase args); "$waybill"/"$token" filled in as they come.
SCENARIO: List[Tuple[str, Dict[str, Any]]] = [
    ("getAllDelivery", {}),
    ("bindAccount", {"type": "bind", "bizId": "shop1", "deliveryId": "YUNDA", "password": "pw"}),
    ("bindAccount", {"type": "bind", "bizId": "shop1", "deliveryId": "YUNDA", "password": "pw"}),  # 9300529: already bound
    ("getAllAccount", {}),
    ("getQuota", {"deliveryId": "YUNDA", "bizId": "shop1"}),
    ("updatePrinter", {"openid": "oPRINTER", "updateType": "bind", "tagidList": "1,2"}),
    ("getPrinter", {}),
    ("addOrder", order_body("o1")),
    ("getOrder", {"orderId": "o1", "deliveryId": "TEST"}),
    ("getPath", {"orderId": "o1", "deliveryId": "TEST", "waybillId": "$waybill"}),
    ("batchGetOrder", {"orderList": [{"orderId": "o1", "deliveryId": "TEST"}, {"orderId": "nope", "deliveryId": "TEST"}]}),
    ("getOrder", {"orderId": "missing", "deliveryId": "TEST"}),
    ("cancelOrder", {"orderId": "o1", "openid": "oBuyer0001", "deliveryId": "TEST", "waybillId": "$waybill"}),
    ("getPath", {"deliveryId": 5}),  # refused before sending
]


def _fill(args: Dict[str, Any], state: Dict[str, Any]) -> Dict[str, Any]:
    return {k: state.get(v[1:], v) if isinstance(v, str) and v.startswith("$") else v for k, v in args.items()}


def _outcome(result: Any = None, error: Any = None) -> Dict[str, Any]:
    if error is not None:
        return normalise({"error": error.to_dict()})
    return normalise({"ok": json.loads(json.dumps(result, ensure_ascii=False))})


def run_sync(transport: str) -> List[Dict[str, Any]]:
    with running(cloudbase_token=CB_TOKEN) as emu:
        instance = cloudfn.Cloud(options_for(transport, emu))
        state: Dict[str, Any] = {}
        outcomes = []
        for name, args in SCENARIO:
            try:
                result = getattr(instance.openapi.logistics, name)(_fill(args, state))
            except cloudfn.CloudSDKError as err:
                outcomes.append(_outcome(error=err))
                continue
            if "waybillId" in result:
                state.setdefault("waybill", result["waybillId"])
            outcomes.append(_outcome(result))
        instance.close()
        return outcomes


async def run_async(transport: str, emu: Emulator) -> List[Dict[str, Any]]:
    async with cloud.Cloud(options_for(transport, emu)) as instance:
        state: Dict[str, Any] = {}
        outcomes = []
        for name, args in SCENARIO:
            try:
                result = await getattr(instance.openapi.logistics, name)(_fill(args, state))
            except cloud.CloudSDKError as err:
                outcomes.append(_outcome(error=err))
                continue
            if "waybillId" in result:
                state.setdefault("waybill", result["waybillId"])
            outcomes.append(_outcome(result))
        return outcomes


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_async_outcomes_equal_sync_outcomes(transport: str, emu: Emulator) -> None:
    got = asyncio.run(run_async(transport, emu))
    assert got == run_sync(transport)
    shape = [("ok" if "ok" in o else o["error"]["errCode"]) for o in got]
    assert shape == ["ok", "ok", 9300529, "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", 930563, "ok", -501007]
    assert got[7]["ok"]["waybillId"].startswith("TEST")
    assert "getPath" in emu.calls and emu.calls["addOrder"] == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_gather_of_many_calls_on_one_instance(transport: str, emu: Emulator) -> None:
    async def main() -> List[Any]:
        async with cloud.Cloud(options_for(transport, emu)) as instance:
            logistics = instance.openapi.logistics
            return await asyncio.gather(
                *[logistics.getQuota(deliveryId="TEST", bizId="test_biz_id") for _ in range(40)],
                logistics.getAllDelivery(),
                logistics.getOrder(orderId="missing", deliveryId="TEST"),
                return_exceptions=True,
            )

    results = asyncio.run(main())
    assert results[:40] == [{"quotaNum": results[0]["quotaNum"], "errMsg": "openapi.logistics.getQuota:ok", "errCode": 0}] * 40
    assert results[40]["errMsg"] == "openapi.logistics.getAllDelivery:ok"
    assert isinstance(results[41], cloud.CloudSDKError) and results[41].errCode != 0
    assert emu.calls["getQuota"] == 40


@pytest.mark.parametrize("fault, code", [({"errcode": -1}, -1), ({"status": 503}, None)])
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_emulator_fault_reaches_the_caller_as_in_sync(transport: str, emu: Emulator, fault: Dict[str, Any], code: Any) -> None:
    requests.post(emu.base_url + "/_emulator/faults", json=dict(fault, api="getQuota", count=2), timeout=10).raise_for_status()

    async def call() -> Any:
        async with cloud.Cloud(options_for(transport, emu)) as instance:
            with pytest.raises(cloud.CloudSDKError) as info:
                await instance.openapi.logistics.getQuota(deliveryId="TEST", bizId="test_biz_id")
            return info.value

    err = asyncio.run(call())
    with pytest.raises(cloudfn.CloudSDKError) as sync_info:
        cloudfn.Cloud(options_for(transport, emu)).openapi.logistics.getQuota(deliveryId="TEST", bizId="test_biz_id")
    assert normalise(err.to_dict()) == normalise(sync_info.value.to_dict())
    assert code is None or err.errCode == code


def test_function_token_outside_its_permissions_is_denied_through_the_gateway(emu: Emulator) -> None:
    minted = requests.post(emu.base_url + "/_emulator/api-tokens", json={"function": "f", "permissions": ["logistics.getAllDelivery"]}, timeout=10)
    options = dict(options_for("cloudcall", emu), api_token=minted.json()["token"])

    async def calls() -> Tuple[Any, Any]:
        async with cloud.Cloud(options) as instance:
            allowed = await instance.openapi.logistics.getAllDelivery()
            with pytest.raises(cloud.CloudSDKError) as info:
                await instance.openapi.logistics.getAllAccount()
            return allowed, info.value

    allowed, denied = asyncio.run(calls())
    assert allowed["errCode"] == 0
    assert denied.to_dict() == {"errCode": -604101, "errMsg": no_permission_message("logistics.getAllAccount")}
    assert "getAllAccount" not in emu.calls


def test_convert_case_false_and_appid_options(emu: Emulator) -> None:
    async def calls() -> Tuple[Any, Any]:
        async with cloud.Cloud(options_for("cloudcall", emu)) as instance:
            raw = instance.openapi(convertCase=False, appid="wxother0000000001")
            await raw.logistics.bindAccount({"type": "bind", "biz_id": "other1", "delivery_id": "YUNDA", "password": "pw"})
            theirs = await raw.logistics.getAllAccount()
            mine = await instance.openapi.logistics.getAllAccount()
            return theirs, mine

    theirs, mine = asyncio.run(calls())
    assert [a["biz_id"] for a in theirs["list"]] == ["other1"]  # snake_case kept
    assert mine["count"] == 0


def test_two_instances_with_different_credentials_do_not_mix(emu: Emulator) -> None:
    other_appid = "wxsecondapp000001"

    async def calls() -> Tuple[Any, Any]:
        first = cloud.Cloud(options_for("https", emu))
        second = cloud.Cloud(transport="https", appid=other_appid, secret="not-the-emulator-secret", api_base=emu.base_url,
                             token_store=MemoryTokenStore())
        async with first, second:
            results = await asyncio.gather(
                first.openapi.logistics.getAllDelivery(), second.openapi.logistics.getAllDelivery(), return_exceptions=True,
            )
        return results[0], results[1]

    good, bad = asyncio.run(calls())
    assert good["errCode"] == 0
    assert isinstance(bad, cloud.CloudSDKError) and "access_token" in bad.errMsg
    assert "not-the-emulator-secret" not in str(bad)
