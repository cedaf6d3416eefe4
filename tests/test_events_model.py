"""One model for the push events: ``cloudfn.spec.events()`` drives cloudfn.events, the emulator's
pushes and the typed payloads; the emulator's pushes, read back by a receiver, match it."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from cloudfn import codegen, codegen_events, spec
from cloudfn.emulator import running
from cloudfn.emulator.messages import message
from cloudfn.emulator.testing import Raw, order_wire
from cloudfn.events import Router, tables
from cloudfn.validate import validate_body

from .test_events_e2e import TOKEN, Receiver

ADD, CANCEL = "/cgi-bin/express/business/order/add", "/cgi-bin/express/business/order/cancel"
BIND, QUOTA = "/cgi-bin/express/business/account/bind", "/cgi-bin/express/business/quota/get"


def test_the_model_describes_the_five_events_as_the_official_pages_name_them() -> None:
    events = spec.events()
    assert {n: (e["alias"], e["direction"]) for n, e in events.items()} == {
        "add_express_path": ("onPathUpdate", "to_business"), "add_waybill": ("onAddOrder", "to_provider"),
        "cancel_waybill": ("onCancelOrder", "to_provider"), "check_biz": ("onCheckBusiness", "to_provider"),
        "get_quota": ("onGetQuota", "to_provider"),
    }
    path = events["add_express_path"]["fields"]
    assert list(path)[:5] == ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Event"]
    assert {"WayBillId", "OrderId", "DeliveryID"} <= set(path) and path["Actions"]["items"]["fields"]["ActionType"]["type"] == "integer"
    assert events["add_waybill"]["fields"]["Cargo"]["fields"]["Space_X"]["type"] == "number"
    assert set(events["check_biz"]["reply"]) >= {"BizID", "ResultCode", "ResultMsg", "Quota"}


def test_cloudfn_events_tables_are_derived_from_the_model() -> None:
    assert tables.ALIASES["onaddorder"] == "add_waybill" and tables.PROVIDER_EVENTS == ("add_waybill", "cancel_waybill", "check_biz", "get_quota")
    assert tables.ECHO_FIELDS["add_waybill"] == ("Token", "OrderID", "BizID", "WayBillID")
    assert {"CreateTime", "ActionType", "Quota", "TimeStamp", "InsuredValue"} <= tables.INT_FIELDS
    assert tables.FLOAT_FIELDS == {"Weight", "Space_X", "Space_Y", "Space_Z"} and tables.LIST_FIELDS == {"Actions", "DetailList"}


def test_a_field_typed_two_ways_is_refused() -> None:
    events = json.loads(json.dumps(spec.events()))
    events["get_quota"]["fields"]["Count"] = {"type": "string"}  # Count is an integer in add_express_path
    with pytest.raises(ValueError, match="Count"):
        tables.build(events, {})


_ADDED = """
    import copy, json
    from cloudfn import spec
    real = spec.events()
    def events():
        out = copy.deepcopy(real)
        header = real["get_quota"]["fields"]
        out["check_stock"] = {"name": "check_stock", "alias": "onCheckStock", "direction": "to_provider", "doc": "d",
            "fields": {**{k: header[k] for k in list(header)[:5]}, "StockID": {"type": "integer", "required": True},
                       "Items": {"type": "array", "items": {"type": "string"}}},
            "echo": ("StockID",), "reply": {"ResultCode": {"type": "integer"}}}
        return out
    spec.events = events
    from cloudfn.events import Router, event_name, from_xml, provider_reply
    from cloudfn.emulator.messages import PROVIDER_EVENTS, message
    from cloudfn import codegen_events
    built = message("check_stock", {"ToUserName": "gh", "FromUserName": "o", "CreateTime": 1, "stock_id": "42", "items": ["a"]})
    print(json.dumps({
        "alias": event_name("onCheckStock"), "reply": provider_reply({"Event": "check_stock", "StockID": 42}, None, now=1),
        "xml": from_xml(b"<xml><StockID>7</StockID><Items>a</Items></xml>"), "emulator": "check_stock" in PROVIDER_EVENTS,
        "built": built, "stub": "class CheckStockEvent(TypedDict" in codegen_events.render(),
    }))
"""


def test_an_event_added_to_the_model_appears_on_both_sides() -> None:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(_ADDED)], capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    assert got["alias"] == "check_stock"
    assert got["reply"]["StockID"] == 42 and got["reply"]["ResultCode"] == 0  # the model's echo field
    assert got["xml"] == {"StockID": 7, "Items": ["a"]}  # typed and listed by the model
    assert got["emulator"] is True and got["stub"] is True
    assert got["built"] == {"ToUserName": "gh", "FromUserName": "o", "CreateTime": 1, "MsgType": "event", "Event": "check_stock",
                            "StockID": 42, "Items": ["a"]}


def test_message_takes_the_models_fields_types_and_defaults() -> None:
    built = message("add_waybill", {"ToUserName": "gh", "FromUserName": "o", "CreateTime": 5.7, "order_id": "o1", "biz_id": "b",
                                    "sender": {"name": "张三", "post_code": 510000}, "cargo": {"weight": 1, "detail_list": [{"name": "x"}]},
                                    "shop": {"goods_name": "not in the event"}, "WayBillID": "W1", "Token": "t"})
    assert built["CreateTime"] == 5 and built["MsgType"] == "event" and built["Event"] == "add_waybill"
    assert built["Sender"]["PostCode"] == "510000" and built["Sender"]["Country"] == "中国" and built["Sender"]["Tel"] == ""
    assert built["Cargo"]["DetailList"] == [{"Name": "x", "Count": 0}] and "Shop" not in built and "Receiver" not in built


def _unknown(fields: Dict[str, Any], value: Any, path: str = "") -> List[str]:
    if not isinstance(value, dict):
        return []
    out = [path + k for k in value if k not in fields]
    for k, f in fields.items():
        if "fields" in f and isinstance(value.get(k), dict):
            out += _unknown(f["fields"], value[k], f"{path}{k}.")
        if "fields" in f.get("items", {}) and isinstance(value.get(k), list):
            for i, item in enumerate(value[k]):
                out += _unknown(f["items"]["fields"], item, f"{path}{k}[{i}].")
    return out


@pytest.fixture(params=["json", "xml"])
def pushed(request: Any) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
    """Every message the emulator pushed (both directions), as a cloudfn.events receiver read it."""
    seen: List[Dict[str, Any]] = []
    router = Router(token=TOKEN)
    for name in spec.events():
        router.on(name)(lambda event: seen.append(event) or ({"Quota": 5} if event["Event"] in ("check_biz", "get_quota") else None))
    receiver = Receiver(router.main_handler)
    try:
        with running(push_url=receiver.url, provider_url=receiver.url, push_token=TOKEN, push_format=request.param, push_backoff=0.01) as emu:
            raw = Raw(emu.base_url)
            q = "?access_token=" + raw.token(emu.appid, emu.secret)
            assert raw.post(BIND + q, {"type": "bind", "biz_id": "biz-1", "delivery_id": "YTO", "password": "pw"})[1]["errcode"] == 0
            assert raw.post(QUOTA + q, {"biz_id": "biz-1", "delivery_id": "YTO"})[1]["errcode"] == 0
            order = order_wire("model-1", delivery_id="YTO", biz_id="biz-1")
            added = raw.post(ADD + q, order)[1]
            assert added["errcode"] == 0, added
            cancel = {"order_id": "model-1", "delivery_id": "YTO", "waybill_id": added["waybill_id"], "openid": order["openid"]}
            assert raw.post(CANCEL + q, cancel)[1]["errcode"] == 0
            assert emu.pusher.drain(10)
        yield request.param, seen
    finally:
        receiver.close()


def test_the_emulators_pushes_validate_against_the_model(pushed: Tuple[str, List[Dict[str, Any]]]) -> None:
    fmt, seen = pushed
    events = spec.events()
    assert sorted({e["Event"] for e in seen}) == sorted(events), fmt
    for event in seen:
        fields = events[event["Event"]]["fields"]
        assert validate_body(fields, event) == [], (fmt, event)
        assert _unknown(fields, event) == [], (fmt, event)
        assert event["MsgType"] == "event"


def test_the_typed_payloads_are_current() -> None:
    assert codegen.run(argparse.Namespace(check=True)) == 0, "run `python -m cloudfn.codegen` and commit the result"
    text = codegen_events.render()
    assert "class AddWaybillEvent(TypedDict, total=False):" in text and "    Event: Required[Literal['add_waybill']]" in text
    assert "class GetQuotaReply(TypedDict" in text and "    Quota: Required[int]" in text
    assert "DeliveryID" not in text.split("class AddWaybillEvent")[1].split("class ")[0]  # emulator_only stays out
