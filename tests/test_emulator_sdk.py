"""The SDK against the emulator (real HTTP through the ``cloudfn_env`` fixture): seeds, error codes, flows."""

from __future__ import annotations

import base64
from typing import Any, Dict

import pytest

import cloudfn as cloud
from cloudfn import spec
from cloudfn.emulator.testing import Raw, order_body


def ok(method: str) -> Dict[str, Any]:
    return {"errCode": 0, "errMsg": f"openapi.logistics.{method}:ok"}


def raises(code: int, fn: Any, *args: Any, **kwargs: Any) -> cloud.CloudSDKError:
    with pytest.raises(cloud.CloudSDKError) as info:
        fn(*args, **kwargs)
    assert info.value.errCode == code, info.value
    return info.value


@pytest.fixture
def logistics(cloudfn_env: Any) -> Any:
    return cloudfn_env.openapi.logistics


@pytest.fixture
def raw(cloudfn_emulator: Any) -> Any:
    client = Raw(cloudfn_emulator.base_url)
    yield client
    client.close()


# ---------------------------------------------------------------- seed examples


def test_seed_update_printer(logistics: Any, cloudfn_emulator: Any) -> None:
    assert logistics.updatePrinter(openid="oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw", updateType="bind") == ok("updatePrinter")
    printers = logistics.getPrinter()
    assert printers["count"] == 1 and printers["openid"] == ["oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw"]


def test_seed_update_printer_with_tagids(logistics: Any) -> None:
    assert logistics.updatePrinter(openid="oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw", updateType="bind", tagidList="123,456") == ok("updatePrinter")
    assert logistics.getPrinter()["tagidList"] == ["123", "456"]
    assert logistics.updatePrinter(openid="oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw", updateType="unbind") == ok("updatePrinter")
    assert logistics.getPrinter()["count"] == 0


def test_seed_bind_account(logistics: Any) -> None:
    assert logistics.bindAccount(type="bind", bizId="123456", deliveryId="YUNDA", password="123456") == ok("bindAccount")
    accounts = logistics.getAllAccount()
    assert accounts["count"] == 1
    account = accounts["list"][0]
    assert (account["bizId"], account["deliveryId"], account["statusCode"]) == ("123456", "YUNDA", 0)


def test_seed_update_path(logistics: Any, cloudfn_emulator: Any) -> None:
    added = logistics.addOrder(order_body("seed-path"))
    token = cloudfn_emulator.backend.orders()[0]["token"]
    result = logistics.updatePath(token=token, waybillId=added["waybillId"], actionTime=1544600000, actionType=100001, actionMsg="揽件成功")
    assert result == ok("updatePath")
    path = logistics.getPath(deliveryId="TEST", waybillId=added["waybillId"], orderId="seed-path")
    assert path["pathItemNum"] == 1
    assert path["pathItemList"] == [{"actionTime": 1544600000, "actionType": 100001, "actionMsg": "揽件成功"}]


# ---------------------------------------------------------------- seed error codes


def test_minus_one_via_fault(logistics: Any, raw: Raw) -> None:
    status, reply = raw.post("/_emulator/faults", {"api": "updatePrinter", "errcode": -1})
    assert status == 200 and reply["ok"]
    err = raises(-1, logistics.updatePrinter, openid="o1", updateType="bind")
    assert err.errMsg.startswith("openapi.logistics.updatePrinter:fail injected fault rid: ")
    assert logistics.updatePrinter(openid="o1", updateType="bind") == ok("updatePrinter")  # count 1: consumed


def test_9300517_bad_update_type_without_client_validation(cloudfn_env: Any) -> None:
    cloud.init(transport="https", validate=False)
    err = raises(9300517, cloud.openapi.logistics.updatePrinter, openid="o1", updateType="rebind")
    assert "update_type must be one of bind, unbind" in err.errMsg
    assert " rid: " in err.errMsg


def test_bind_account_errors(logistics: Any) -> None:
    assert logistics.bindAccount(type="bind", bizId="acc1", deliveryId="ZTO", password="pw") == ok("bindAccount")
    raises(9300529, logistics.bindAccount, type="bind", bizId="acc1", deliveryId="ZTO", password="pw")
    raises(9300530, logistics.bindAccount, type="unbind", bizId="nobody", deliveryId="ZTO")
    raises(9300531, logistics.bindAccount, type="bind", bizId="acc2", deliveryId="ZTO", password="wrong")
    raises(9300531, logistics.bindAccount, type="bind", bizId="acc3", deliveryId="YTO")  # YTO needs a password
    assert logistics.bindAccount(type="unbind", bizId="acc1", deliveryId="ZTO") == ok("bindAccount")
    assert logistics.getAllAccount()["count"] == 0


def test_password_free_carriers(logistics: Any) -> None:
    for delivery_id in ("SF", "JDL", "EMS"):
        assert logistics.bindAccount(type="bind", bizId=f"{delivery_id}-acc", deliveryId=delivery_id) == ok("bindAccount")


def test_ems_review_9300532_then_update_business(logistics: Any, cloudfn_emulator: Any) -> None:
    remark = "电话:13800000000 联系人:张三 服务类型:标准快递 发货地址:广州市"
    raises(9300532, logistics.bindAccount, type="bind", bizId="ems1", deliveryId="EMS", remarkContent=remark)
    account = logistics.getAllAccount()["list"][0]
    assert (account["statusCode"], account["remarkContent"]) == (1, remark)
    raises(9300529, logistics.bindAccount, type="bind", bizId="ems1", deliveryId="EMS", remarkContent=remark)
    raises(9300525, logistics.updateBusiness, shopAppId=cloudfn_emulator.appid, bizId="never-applied", resultCode=0)
    raises(40013, logistics.updateBusiness, shopAppId="wxunknown", bizId="ems1", resultCode=0)
    assert logistics.updateBusiness(shopAppId=cloudfn_emulator.appid, bizId="ems1", resultCode=0) == ok("updateBusiness")
    assert logistics.getAllAccount()["list"][0]["statusCode"] == 0


def test_update_business_rejects(logistics: Any, cloudfn_emulator: Any) -> None:
    raises(9300532, logistics.bindAccount, type="bind", bizId="ems2", deliveryId="EMS", remarkContent="电话:1 联系人:x")
    logistics.updateBusiness(shopAppId=cloudfn_emulator.appid, bizId="ems2", resultCode=1, resultMsg="地址不全")
    account = logistics.getAllAccount()["list"][0]
    assert (account["statusCode"], account["remarkWrongMsg"]) == (2, "地址不全")


def test_update_path_errors(logistics: Any, cloudfn_emulator: Any) -> None:
    added = logistics.addOrder(order_body("path-errors"))
    raises(40199, logistics.updatePath, token="whatever", waybillId="NO-SUCH", actionTime=1, actionType=100001, actionMsg="x")
    raises(9300507, logistics.updatePath, token="bad-token", waybillId=added["waybillId"], actionTime=1, actionType=100001, actionMsg="x")
    raises(40199, logistics.getPath, deliveryId="TEST", waybillId="NO-SUCH")


# ---------------------------------------------------------------- orders


def test_carriers_include_test(logistics: Any) -> None:
    carriers = logistics.getAllDelivery()
    ids = [c["deliveryId"] for c in carriers["data"]]
    assert carriers["count"] == len(ids)
    assert {"TEST", "SF", "EMS", "JDL", "YTO", "ZTO", "YUNDA"} <= set(ids)
    sf = next(c for c in carriers["data"] if c["deliveryId"] == "SF")
    assert (sf["canUseCash"], sf["cashBizId"]) == (1, "SF_CASH")


def test_test_order_lifecycle(logistics: Any, cloudfn_emulator: Any) -> None:
    added = logistics.addOrder(order_body("life-1"))
    assert set(added) == {"orderId", "waybillId", "waybillData", "errCode", "errMsg"}  # no printHtml (official page)
    waybill = added["waybillId"]
    assert added["orderId"] == "life-1" and waybill.startswith("TEST")
    assert logistics.getQuota(deliveryId="TEST", bizId="test_biz_id")["quotaNum"] > 0

    order = logistics.getOrder(orderId="life-1", deliveryId="TEST", waybillId=waybill)
    assert order["orderStatus"] == 0 and order["waybillData"] == added["waybillData"]
    label = base64.b64decode(order["printHtml"]).decode("utf-8")
    assert waybill in label and "李四" in label and "易碎物品" in label

    steps = [(100001, "已揽件"), (200001, "运输中"), (300002, "派送中"), (300003, "已签收")]
    for i, (action, msg) in enumerate(steps):
        result = logistics.testUpdateOrder(bizId="test_biz_id", orderId="life-1", deliveryId="TEST", waybillId=waybill,
                                           actionTime=1700000000 + i, actionType=action, actionMsg=msg)
        assert result == ok("testUpdateOrder")
    path = logistics.getPath(orderId="life-1", deliveryId="TEST", waybillId=waybill, openid="oBuyer0001")
    assert path["openid"] == "oBuyer0001" and path["pathItemNum"] == 4
    assert [p["actionType"] for p in path["pathItemList"]] == [s[0] for s in steps]
    raises(9300506, logistics.cancelOrder, orderId="life-1", deliveryId="TEST", waybillId=waybill, openid="oBuyer0001")

    raises(930563, logistics.testUpdateOrder, bizId="test_biz_id", orderId="nope", deliveryId="TEST", waybillId=waybill,
           actionTime=1, actionType=100001, actionMsg="x")
    admin = cloudfn_emulator.backend.orders()
    assert [(o["order_id"], o["waybill_id"], o["status"], len(o["path"])) for o in admin] == [("life-1", waybill, 0, 4)]


def test_test_update_order_refuses_non_test_orders(logistics: Any) -> None:
    logistics.bindAccount(type="bind", bizId="sf-1", deliveryId="SF")
    added = logistics.addOrder(order_body("sf-order", deliveryId="SF", bizId="sf-1", service={"serviceType": 0, "serviceName": "标准快递"}))
    raises(930563, logistics.testUpdateOrder, bizId="test_biz_id", orderId="sf-order", deliveryId="TEST", waybillId=added["waybillId"],
           actionTime=1, actionType=100001, actionMsg="x")


def test_add_order_idempotence_and_repeat(logistics: Any) -> None:
    first = logistics.addOrder(order_body("same"))
    again = logistics.addOrder(order_body("same"))
    assert again == first
    raises(9300522, logistics.addOrder, order_body("same", customRemark="another parcel"))


def test_add_order_rules(logistics: Any) -> None:
    zto = {"serviceType": 0, "serviceName": "标准快件"}
    raises(9300525, logistics.addOrder, order_body("unbound", deliveryId="ZTO", bizId="nobody", service=zto))
    raises(9300503, logistics.addOrder, order_body("bad-carrier", deliveryId="NOPE"))
    raises(9300510, logistics.addOrder, order_body("bad-service", service={"serviceType": 77, "serviceName": "x"}))
    cash = logistics.addOrder(order_body("cash", deliveryId="SF", bizId="SF_CASH", service={"serviceType": 0, "serviceName": "标准快递"}))
    assert cash["waybillId"].startswith("SF")


def test_cancel_and_batch_get(logistics: Any) -> None:
    a = logistics.addOrder(order_body("c-1"))
    b = logistics.addOrder(order_body("c-2"))
    assert logistics.cancelOrder(orderId="c-1", deliveryId="TEST", waybillId=a["waybillId"], openid="oBuyer0001")["deliveryResultcode"] == 0
    raises(9300524, logistics.cancelOrder, orderId="c-1", deliveryId="TEST", waybillId=a["waybillId"])
    raises(40199, logistics.cancelOrder, orderId="c-2", deliveryId="TEST", waybillId="WRONG")
    raises(930563, logistics.cancelOrder, orderId="c-9", deliveryId="TEST", waybillId="WRONG")
    batch = logistics.batchGetOrder(orderList=[
        {"orderId": "c-1", "deliveryId": "TEST", "waybillId": a["waybillId"]},
        {"orderId": "c-2", "deliveryId": "TEST", "waybillId": b["waybillId"]},
        {"orderId": "c-3", "deliveryId": "TEST"},
    ])["orderList"]
    assert [(o["errcode"], o.get("orderStatus")) for o in batch] == [(0, 1), (0, 0), (930563, None)]
    assert base64.b64decode(batch[1]["printHtml"]).startswith(b"<!DOCTYPE html>")
    path = logistics.getPath(deliveryId="TEST", waybillId=a["waybillId"])
    assert path["pathItemList"][-1]["actionType"] == 400001


def test_quota_for_bound_account(logistics: Any) -> None:
    logistics.bindAccount(type="bind", bizId="q1", deliveryId="YTO", password="pw")
    before = logistics.getQuota(deliveryId="YTO", bizId="q1")["quotaNum"]
    logistics.addOrder(order_body("q-order", deliveryId="YTO", bizId="q1", service={"serviceType": 0, "serviceName": "普通快递"}))
    assert logistics.getQuota(deliveryId="YTO", bizId="q1")["quotaNum"] == before - 1
    raises(9300525, logistics.getQuota, deliveryId="YTO", bizId="unbound")


# ---------------------------------------------------------------- provider side


def test_provider_token_flow(logistics: Any, raw: Raw) -> None:
    added = logistics.addOrder(order_body("prov-1"))
    status, admin = raw.get("/_emulator/orders")
    assert status == 200 and admin["count"] == 1
    order = admin["orders"][0]
    assert (order["order_id"], order["waybill_id"], order["delivery_id"], order["biz_id"]) == ("prov-1", added["waybillId"], "TEST", "test_biz_id")
    token = order["token"]
    contact = logistics.getContact(token=token, waybillId=added["waybillId"])
    assert contact["waybillId"] == added["waybillId"]
    assert contact["receiver"] == {"address": "广东省深圳市南山区科技园 2 号", "name": "李四", "tel": "020-88888888", "mobile": ""}
    raises(9300507, logistics.getContact, token="not-it", waybillId=added["waybillId"])
    raises(40199, logistics.getContact, token=token, waybillId="NO-SUCH")
    logistics.updatePath(token=token, waybillId=added["waybillId"], actionTime=1700000001, actionType=100003, actionMsg="快递员 13800000000")
    _, admin = raw.get("/_emulator/orders")
    assert admin["orders"][0]["path"] == [{"action_time": 1700000001, "action_type": 100003, "action_msg": "快递员 13800000000"}]


def test_preview_template(logistics: Any, cloudfn_emulator: Any) -> None:
    template = "<p>${sys.waybillid}|{{ sys.wxaappid }}|${waybilldata.ZTO_mark}|${custom.sender.name}|${custom.cargo.detail_list[0].name}|${nope}</p>"
    custom = order_body("tpl")
    result = logistics.previewTemplate(waybillId="W1", waybillTemplate=base64.b64encode(template.encode()).decode(),
                                       waybillData="##ZTO_mark##11-22-33##ZTO_bagAddr##广州##", custom=custom)
    rendered = base64.b64decode(result["renderedWaybillTemplate"]).decode()
    assert rendered == f"<p>W1|{cloudfn_emulator.appid}|11-22-33|张三|杯子|</p>"
    raises(9300512, logistics.previewTemplate, waybillId="W1", waybillTemplate="%%%", waybillData="####", custom=custom)
    raises(9300502, logistics.previewTemplate, waybillId="W1", waybillTemplate="PHA+", waybillData="a##b", custom=custom)


def test_listener_and_provider_hooks(logistics: Any, cloudfn_emulator: Any) -> None:
    backend = cloudfn_emulator.backend
    events = []
    seen = []

    def provider(event: str, payload: Dict[str, Any]) -> Any:
        seen.append((event, payload))
        if event == "add_waybill":
            return {"ResultCode": "0", "WayBillID": "PROV-" + payload["OrderID"], "WaybillData": "##a##1##"}  # XML-style text
        if event == "cancel_waybill":
            return {"ResultCode": "30002", "ResultMsg": "already picked up"}
        return None

    backend.provider = provider
    listener = lambda event, payload: events.append((event, payload))  # noqa: E731
    backend.subscribe(listener)
    try:
        added = logistics.addOrder(order_body("hook-1"))
        assert added["waybillId"] == "PROV-hook-1" and added["waybillData"] == [{"key": "a", "value": "1"}]
        event, payload = seen[0]
        assert event == "add_waybill" and payload["Event"] == "add_waybill" and payload["MsgType"] == "event"
        assert payload["Receiver"]["Name"] == "李四" and payload["Cargo"]["Space_X"] == 10 and payload["Token"]
        logistics.testUpdateOrder(bizId="test_biz_id", orderId="hook-1", deliveryId="TEST", waybillId="PROV-hook-1",
                                  actionTime=1, actionType=100003, actionMsg="x")
        name, push = events[-1]
        assert name == "add_express_path" and push["WayBillId"] == "PROV-hook-1" and push["Count"] == 1
        assert push["Actions"] == [{"ActionTime": 1, "ActionType": 100003, "ActionMsg": "x"}]
        raises(9300501, logistics.cancelOrder, orderId="hook-1", deliveryId="TEST", waybillId="PROV-hook-1")
        assert seen[-1][0] == "cancel_waybill" and seen[-1][1]["WayBillID"] == "PROV-hook-1"
        backend.provider = lambda event, payload: {"ResultCode": 20003, "ResultMsg": "out of area"}
        raises(9300501, logistics.addOrder, order_body("hook-2"))
    finally:
        backend.provider = None
        backend.unsubscribe(listener)


# ---------------------------------------------------------------- faults seen from the SDK


def test_fault_status_503(logistics: Any, raw: Raw) -> None:
    raw.post("/_emulator/faults", {"api": "getAllDelivery", "status": 503})
    raises(-601001, logistics.getAllDelivery)
    assert logistics.getAllDelivery()["count"] > 0


def test_fault_delay_beyond_timeout(cloudfn_env: Any, raw: Raw) -> None:
    cloud.init(transport="https", timeout=300)
    raw.post("/_emulator/faults", {"api": "getAllAccount", "delay_ms": 1500})
    raises(-604102, cloud.openapi.logistics.getAllAccount)


def test_fault_drop_on_write_is_not_retried(logistics: Any, raw: Raw, cloudfn_emulator: Any) -> None:
    logistics.getAllDelivery()  # token fetched, connection warm
    raw.post("/_emulator/faults", {"api": "addOrder", "drop": True, "count": 1})
    raises(-601003, logistics.addOrder, order_body("dropped"))
    assert cloudfn_emulator.calls["addOrder"] == 1
    _, calls = raw.get("/_emulator/calls")
    assert calls["calls"]["addOrder"] == 1
    assert raw.get("/_emulator/orders")[1]["count"] == 0


def test_fault_drop_on_read_is_retried_once(logistics: Any, raw: Raw, cloudfn_emulator: Any) -> None:
    raw.post("/_emulator/faults", {"api": "getPrinter", "drop": True, "count": 1})
    assert logistics.getPrinter()["count"] == 0
    assert cloudfn_emulator.calls["getPrinter"] == 2


def test_fault_wildcard_errcode_and_listing(logistics: Any, raw: Raw) -> None:
    status, reply = raw.post("/_emulator/faults", {"api": "*", "errcode": 45009, "count": 2})
    assert status == 200 and reply["faults"][0]["remaining"] == 2
    assert raw.get("/_emulator/faults")[1]["faults"][0]["api"] == "*"
    raises(45009, logistics.getAllDelivery)
    raises(45009, logistics.getPrinter)
    assert raw.get("/_emulator/faults")[1]["faults"] == []
    assert logistics.getPrinter()["count"] == 0


def test_token_expiry_is_refreshed_by_sdk(logistics: Any, raw: Raw, cloudfn_emulator: Any) -> None:
    logistics.getAllDelivery()
    status, reply = raw.post("/_emulator/tokens/expire", {})
    assert status == 200 and reply["expired"] >= 1
    assert logistics.getAllDelivery()["count"] > 0  # 42001 -> refreshed once -> ok
    assert cloudfn_emulator.calls["getAllDelivery"] == 3
    assert cloudfn_emulator.calls["stable_token"] == 2


# ---------------------------------------------------------------- contract: replies match the model


def check_type(spec_: Dict[str, Any], value: Any, where: str) -> None:
    kind = spec_.get("type", "object" if "fields" in spec_ else None)
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
        None: lambda v: True,
    }
    assert checks[kind](value), f"{where}: expected {kind}, got {value!r}"
    if kind == "array" and "items" in spec_:
        for i, item in enumerate(value):
            check_type(spec_["items"], item, f"{where}[{i}]")
    if kind == "object" and "fields" in spec_:
        for key, item in value.items():
            if key in spec_["fields"]:
                check_type(spec_["fields"][key], item, f"{where}.{key}")


def test_contract_every_success_reply_matches_model(cloudfn_emulator: Any, raw: Raw) -> None:
    from cloudfn.emulator.testing import order_wire

    backend, appid = cloudfn_emulator.backend, cloudfn_emulator.appid
    backend.handle("bindAccount", {"type": "bind", "biz_id": "b1", "delivery_id": "ZTO", "password": "p"}, appid)
    backend.handle("updatePrinter", {"openid": "o1", "update_type": "bind", "tagid_list": "1,2"}, appid)
    added = backend.handle("addOrder", order_wire("k-1"), appid)
    waybill = added["waybill_id"]
    second = backend.handle("addOrder", order_wire("k-2"), appid)["waybill_id"]
    token = backend.orders()[0]["token"]
    backend.handle("bindAccount", {"type": "bind", "biz_id": "e1", "delivery_id": "EMS", "remark_content": "r"}, appid)
    tpl = base64.b64encode(b"<p>${sys.waybillid}</p>").decode()
    bodies = {
        "getAllDelivery": {}, "getAllAccount": {}, "getPrinter": {},
        "bindAccount": {"type": "bind", "biz_id": "b2", "delivery_id": "SF"},
        "getQuota": {"delivery_id": "ZTO", "biz_id": "b1"},
        "addOrder": order_wire("k-2"),
        "batchGetOrder": {"order_list": [{"order_id": "k-1", "delivery_id": "TEST", "waybill_id": waybill}]},
        "getOrder": {"order_id": "k-1", "delivery_id": "TEST", "waybill_id": waybill},
        "getPath": {"delivery_id": "TEST", "waybill_id": waybill},
        "updatePrinter": {"openid": "o2", "update_type": "bind"},
        "testUpdateOrder": {"biz_id": "test_biz_id", "order_id": "k-1", "delivery_id": "TEST", "waybill_id": waybill,
                            "action_time": 1, "action_type": 100003, "action_msg": "m"},
        "getContact": {"token": token, "waybill_id": waybill},
        "previewTemplate": {"waybill_id": waybill, "waybill_template": tpl, "waybill_data": "##a##b##", "custom": order_wire("k-3")},
        "updateBusiness": {"shop_app_id": appid, "biz_id": "e1", "result_code": 0},
        "updatePath": {"token": token, "waybill_id": waybill, "action_time": 2, "action_type": 200001, "action_msg": "m"},
        "cancelOrder": {"order_id": "k-2", "delivery_id": "TEST", "waybill_id": second, "openid": "oBuyer0001"},
    }
    assert set(bodies) == set(spec.methods())
    tok = raw.token(cloudfn_emulator.appid, cloudfn_emulator.secret)
    for name, body in bodies.items():
        method = spec.method(name)
        if method["http"] == "GET":
            status, reply = raw.get(f"{method['path']}?access_token={tok}")
        else:
            status, reply = raw.post(f"{method['path']}?access_token={tok}", body)
        assert status == 200 and reply["errcode"] == 0, (name, reply)
        assert reply["errmsg"] == "ok"
        for key, value in reply.items():
            if key in ("errcode", "errmsg"):
                continue
            assert key in method["response"], f"{name}: {key} is not in the model's response"
            check_type(method["response"][key], value, f"{name}.{key}")


def test_waybill_ids_are_unique(logistics: Any) -> None:
    ids = {logistics.addOrder(order_body(f"u-{i}"))["waybillId"] for i in range(5)}
    assert len(ids) == 5
