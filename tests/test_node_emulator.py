"""The unmodified Node wx-server-sdk against the emulator's gateway (``serviceUrl: <emulator>/admin``).

Every logistics method, every error code of the seed documents, the permission denial of a
function token, strict mode. Node runs cloudfn/data/run_calls.js (see tests/node_support.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any, Dict, Iterator, List

import pytest
import requests

from cloudfn import spec
from cloudfn.emulator import Emulator, running
from tests import node_support
from tests.node_support import run_calls

node_sdk = node_support.node_sdk  # the session fixture

SENDER = {"name": "张三", "mobile": "13800000000", "province": "广东省", "city": "广州市", "area": "海珠区", "address": "新港中路397号"}
RECEIVER = {"name": "李四", "tel": "020-88888888", "province": "北京市", "city": "北京市", "area": "朝阳区", "address": "建国路1号"}


def order_args(order_id: str) -> Dict[str, Any]:
    return {
        "addSource": 0, "orderId": order_id, "openid": "oUSER1", "deliveryId": "TEST", "bizId": "test_biz_id",
        "sender": SENDER, "receiver": RECEIVER,
        "cargo": {"count": 1, "weight": 1.2, "spaceX": 10, "spaceY": 20, "spaceZ": 30, "detailList": [{"name": "书", "count": 1}]},
        "shop": {"wxaPath": "/index/index", "imgUrl": "https://example.com/a.png", "goodsName": "书", "goodsCount": 1},
        "insured": {"useInsured": 0, "insuredValue": 0},
        "service": {"serviceType": 0, "serviceName": "test_service"},
    }


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


def admin(emulator: Emulator) -> str:
    return emulator.base_url + "/admin"


def orders(emulator: Emulator) -> Dict[str, Dict[str, Any]]:
    return {o["order_id"]: o for o in requests.get(emulator.base_url + "/_emulator/orders", timeout=10).json()["orders"]}


def ok(line: Dict[str, Any], api: str) -> Dict[str, Any]:
    assert "ok" in line, line
    result = line["ok"]
    assert result["errCode"] == 0 and result["errMsg"] == f"openapi.logistics.{api}:ok"
    return result


def fails(line: Dict[str, Any], api: str, errcode: int) -> str:
    assert "error" in line, line
    error = line["error"]
    assert error["errCode"] == errcode, error
    assert error["errMsg"].startswith(f"openapi.logistics.{api}:fail "), error
    assert re.search(r" rid: [0-9a-f-]+$", error["errMsg"]), error
    return error["errMsg"]


def test_every_logistics_method_works_through_node(node_sdk, emu: Emulator) -> None:
    first = run_calls([
        ["getAllDelivery", {}],
        ["bindAccount", {"type": "bind", "bizId": "shop1", "deliveryId": "YUNDA", "password": "pw"}],
        ["getAllAccount", {}],
        ["getQuota", {"deliveryId": "YUNDA", "bizId": "shop1"}],
        ["updatePrinter", {"openid": "oPRINTER", "updateType": "bind", "tagidList": "1,2"}],
        ["getPrinter", {}],
        ["addOrder", order_args("o1")],
        ["getOrder", {"orderId": "o1", "deliveryId": "TEST"}],
        ["batchGetOrder", {"orderList": [{"orderId": "o1", "deliveryId": "TEST"}, {"orderId": "missing", "deliveryId": "TEST"}]}],
        ["addOrder", order_args("o2")],
    ], admin(emu))
    delivery = ok(first[0], "getAllDelivery")
    assert delivery["count"] == len(delivery["data"]) and {"deliveryId", "deliveryName", "serviceType"} <= set(delivery["data"][0])
    ok(first[1], "bindAccount")
    assert [a["bizId"] for a in ok(first[2], "getAllAccount")["list"]] == ["shop1"]
    assert ok(first[3], "getQuota")["quotaNum"] > 0
    ok(first[4], "updatePrinter")
    printer = ok(first[5], "getPrinter")
    assert printer["openid"] == ["oPRINTER"] and printer["tagidList"] == ["1", "2"]
    added = ok(first[6], "addOrder")
    assert added["orderId"] == "o1" and added["waybillId"].startswith("TEST")
    assert ok(first[7], "getOrder")["waybillId"] == added["waybillId"]
    batch = ok(first[8], "batchGetOrder")["orderList"]
    assert [entry["errcode"] for entry in batch] == [0, 930563]
    second_waybill = ok(first[9], "addOrder")["waybillId"]

    known = orders(emu)
    token, waybill = known["o1"]["token"], added["waybillId"]
    template = "PGI+e3tzeXMud2F5YmlsbGlkfX08L2I+"  # base64 of <b>{{sys.waybillid}}</b>
    second = run_calls([
        ["testUpdateOrder", {"bizId": "test_biz_id", "orderId": "o1", "deliveryId": "TEST", "waybillId": waybill,
                             "actionTime": 1700000000, "actionType": 100001, "actionMsg": "揽件成功"}],
        ["updatePath", {"token": token, "waybillId": waybill, "actionTime": 1700000100, "actionType": 200001, "actionMsg": "运输中"}],
        ["getPath", {"orderId": "o1", "deliveryId": "TEST", "waybillId": waybill}],
        ["getContact", {"token": token, "waybillId": waybill}],
        ["previewTemplate", {"waybillId": waybill, "waybillTemplate": template, "waybillData": "##k##v##", "custom": order_args("o1")}],
        ["cancelOrder", {"orderId": "o2", "openid": "oUSER1", "deliveryId": "TEST", "waybillId": second_waybill}],
        ["bindAccount", {"type": "bind", "bizId": "ems1", "deliveryId": "EMS", "remarkContent": "电话:1 联系人:2 服务类型:3 发货地址:4"}],
        ["updateBusiness", {"shopAppId": emu.appid, "bizId": "ems1", "resultCode": 0, "resultMsg": "ok"}],
    ], admin(emu))
    ok(second[0], "testUpdateOrder")
    ok(second[1], "updatePath")
    path = ok(second[2], "getPath")
    assert path["pathItemNum"] == 2 and [i["actionType"] for i in path["pathItemList"]] == [100001, 200001]
    contact = ok(second[3], "getContact")
    assert contact["sender"]["name"] == "张三" and contact["receiver"]["tel"] == "020-88888888"
    assert ok(second[4], "previewTemplate")["renderedWaybillTemplate"]
    assert ok(second[5], "cancelOrder")["deliveryResultcode"] == 0
    fails(second[6], "bindAccount", 9300532)
    ok(second[7], "updateBusiness")

    called = {name for name, count in emu.calls.items() if count}
    assert called == set(spec.methods())


def test_every_seed_error_code_reaches_node(node_sdk, emu: Emulator) -> None:
    requests.post(emu.base_url + "/_emulator/faults", json={"api": "updatePrinter", "errcode": -1}, timeout=10).raise_for_status()
    lines = run_calls([
        ["updatePrinter", {"openid": "o", "updateType": "bind"}],  # injected fault
        ["updatePrinter", {"openid": "o", "updateType": "rebind"}],  # no client validation in Node: the server answers
        ["bindAccount", {"type": "bind", "bizId": "b1", "deliveryId": "YUNDA", "password": "pw"}],
        ["bindAccount", {"type": "bind", "bizId": "b1", "deliveryId": "YUNDA", "password": "pw"}],
        ["bindAccount", {"type": "unbind", "bizId": "nobody", "deliveryId": "YUNDA"}],
        ["bindAccount", {"type": "bind", "bizId": "b2", "deliveryId": "YUNDA", "password": "wrong"}],
        ["bindAccount", {"type": "bind", "bizId": "b3", "deliveryId": "EMS", "remarkContent": "电话:1 联系人:2 服务类型:3 发货地址:4"}],
        ["updatePath", {"token": "t", "waybillId": "NOPE", "actionTime": 1700000000, "actionType": 200001, "actionMsg": "x"}],
        ["addOrder", order_args("o1")],
    ], admin(emu))
    assert fails(lines[0], "updatePrinter", -1)
    assert fails(lines[1], "updatePrinter", 9300517)
    ok(lines[2], "bindAccount")
    fails(lines[3], "bindAccount", 9300529)
    fails(lines[4], "bindAccount", 9300530)
    fails(lines[5], "bindAccount", 9300531)
    fails(lines[6], "bindAccount", 9300532)
    fails(lines[7], "updatePath", 40199)
    waybill = ok(lines[8], "addOrder")["waybillId"]
    (bad_token,) = run_calls([["updatePath", {"token": "not-the-token", "waybillId": waybill, "actionTime": 1, "actionType": 200001,
                                              "actionMsg": "x"}]], admin(emu))
    fails(bad_token, "updatePath", 9300507)


def _mint(emulator: Emulator, permissions: List[str]) -> str:
    r = requests.post(emulator.base_url + "/_emulator/api-tokens", json={"function": "shipper", "permissions": permissions}, timeout=10)
    r.raise_for_status()
    return r.json()["token"]


def test_function_token_outside_its_permissions_is_denied_with_604101(node_sdk, emu: Emulator) -> None:
    token = _mint(emu, ["logistics.getAllDelivery"])
    env = {"TCB_CONTEXT_KEYS": "WX_API_TOKEN", "WX_API_TOKEN": token}
    allowed, denied = run_calls([["getAllDelivery", {}], ["getAllAccount", {}]], admin(emu), env=env)
    ok(allowed, "getAllDelivery")
    assert denied["error"]["errCode"] == -604101
    assert denied["error"]["errMsg"] == "system error: error code: -604101"
    assert "getAllAccount" not in emu.calls  # denied before the backend


def test_node_ignores_wx_api_token_unless_tcb_context_keys_lists_it(node_sdk, emu: Emulator) -> None:
    token = _mint(emu, [])
    (line,) = run_calls([["getAllDelivery", {}]], admin(emu), env={"WX_API_TOKEN": token})
    ok(line, "getAllDelivery")  # the token was not sent, so the call is an anonymous one, served by default


def test_strict_emulator_rejects_calls_without_a_function_token(node_sdk) -> None:
    with running(strict=True) as emu:
        (anonymous,) = run_calls([["getAllDelivery", {}]], admin(emu))
        assert anonymous["error"] == {"errCode": -604104, "errMsg": "system error: error code: -604104",
                                      "message": "errCode: -604104 illegal source of invocation | errMsg: system error: error code: -604104"}
        token = _mint(emu, ["logistics.getAllDelivery"])
        (served,) = run_calls([["getAllDelivery", {}]], admin(emu), env={"TCB_CONTEXT_KEYS": "WX_API_TOKEN", "WX_API_TOKEN": token})
        ok(served, "getAllDelivery")


def test_api_outside_the_logistics_model_is_api_not_found(node_sdk, emu: Emulator) -> None:
    (line,) = run_calls([["noSuchMethod", {}]], admin(emu))
    assert line["error"]["errCode"] == -604100
    assert line["error"]["errMsg"] == "system error: error code: -604100"


def test_node_works_against_the_cloudfn_emulator_command(node_sdk) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "cloudfn.cli", "emulator", "--port", "0", "--data", ":memory:", "--strict"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline() if proc.stdout else ""
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert m, first
        base = m.group(1)
        minted = requests.post(base + "/_emulator/api-tokens", json={"function": "f", "permissions": ["logistics.getAllDelivery"]}, timeout=10)
        token = minted.json()["token"]
        env = {"TCB_CONTEXT_KEYS": "WX_API_TOKEN", "WX_API_TOKEN": token}
        served, denied = run_calls([["getAllDelivery", {}], ["getPrinter", {}]], base + "/admin", env=env)
        ok(served, "getAllDelivery")
        assert denied["error"]["errCode"] == -604101
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_appid_option_calls_on_behalf_of_another_mini_program(node_sdk, emu: Emulator) -> None:
    bind = ["bindAccount", {"type": "bind", "bizId": "other1", "deliveryId": "YUNDA", "password": "pw"}]
    (bound,) = run_calls([bind], admin(emu), options={"appid": "wxother0000000001"})
    ok(bound, "bindAccount")
    (mine,) = run_calls([["getAllAccount", {}]], admin(emu))
    (theirs,) = run_calls([["getAllAccount", {}]], admin(emu), options={"appid": "wxother0000000001"})
    assert ok(mine, "getAllAccount")["count"] == 0
    assert [a["bizId"] for a in ok(theirs, "getAllAccount")["list"]] == ["other1"]


def test_node_timer_trigger_sends_the_trigger_token(node_sdk, emu: Emulator) -> None:
    env = {"TCB_CONTEXT_KEYS": "WX_API_TOKEN", "WX_API_TOKEN": _mint(emu, []), "TRIGGER_SRC": "timer",
           "WX_TRIGGER_API_TOKEN_V0": _mint(emu, ["logistics.getAllDelivery"])}
    (line,) = run_calls([["getAllDelivery", {}]], admin(emu), env=env)
    ok(line, "getAllDelivery")


def test_gateway_that_knows_the_secret_key_verifies_node_signatures(node_sdk, emu: Emulator) -> None:
    emu.gateway.verify_key = "cloudfn-test-secret-key"  # what run_calls gives Node by default
    (signed,) = run_calls([["getAllDelivery", {}]], admin(emu))
    ok(signed, "getAllDelivery")
    (forged,) = run_calls([["getAllDelivery", {}]], admin(emu), secret_key="some-other-key")
    assert forged["error"]["errCode"] == -501001
    assert forged["error"]["errMsg"].startswith("openapi.logistics.getAllDelivery:fail -501001 resource system error. signature mismatch")
