"""Misspelt field names (case / underscores) and method names are caught before sending; other extras pass."""

from __future__ import annotations

from typing import Any, Dict

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from tests.stub_server import StubWeChat

PERSON = {"name": "张三", "mobile": "13800000000", "province": "广东省", "city": "广州市", "area": "海珠区", "address": "新港中路"}


def refused(stub: StubWeChat, call: Any, **data: Any) -> str:
    with pytest.raises(CloudSDKError) as info:
        call(data)
    assert info.value.errCode == -501007
    assert stub.calls() == []  # nothing sent, not even a token request
    return info.value.errMsg


@pytest.mark.parametrize(
    "method, data, message",
    [
        ("getPath", {"deliveryId": "TEST", "waybillID": "W1"}, "unknown field waybillID: did you mean waybillId?"),
        ("getOrder", {"orderId": "o1", "deliveryId": "TEST", "waybillID": "W1"}, "unknown field waybillID: did you mean waybillId?"),
        ("updatePrinter", {"openid": "o", "updateType": "bind", "tagIdList": "1,2"}, "unknown field tagIdList: did you mean tagidList?"),
        ("getOrder", {"orderID": "o1", "deliveryId": "TEST"}, "unknown field orderID: did you mean orderId?"),
        ("bindAccount", {"type": "bind", "biz_id": "b", "deliveryId": "YUNDA"}, "unknown field biz_id: did you mean bizId?"),
        ("batchGetOrder", {"orderList": [{"orderId": "o", "deliveryID": "TEST"}]},
         "unknown field orderList[0].deliveryID: did you mean orderList[0].deliveryId?"),
    ],
)
def test_near_miss_fields_are_refused_naming_both(sdk, stub: StubWeChat, method: str, data: Dict[str, Any], message: str) -> None:
    msg = refused(stub, getattr(cloud.openapi.logistics, method), **data)
    assert msg == f"openapi.logistics.{method}:fail invalid parameters: {message}"  # and no "... is required" for the same field


def test_near_miss_in_snake_case_mode(sdk, stub: StubWeChat) -> None:
    msg = refused(stub, cloud.openapi(convertCase=False).logistics.getPath, delivery_id="TEST", waybillId="W1")
    assert msg.endswith("invalid parameters: unknown field waybillId: did you mean waybill_id?")


def test_near_miss_in_nested_objects(sdk, stub: StubWeChat) -> None:
    shop = {"wxaPath": "/p", "detailList": [{"goodsName": "g", "goodsImgURL": "u", "goodsDesc": "d"}]}
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.addOrder(addSource=0, orderId="o", openid="o", deliveryId="TEST", bizId="test_biz_id",
                                         sender=PERSON, receiver=PERSON, shop=shop,
                                         cargo={"count": 1, "weight": 1, "spaceX": 1, "spaceY": 1, "spaceZ": 1,
                                                "detailList": [{"name": "n", "count": 1}]},
                                         insured={"useInsured": 0, "insuredValue": 0}, service={"serviceType": 0, "serviceName": "s"})
    expected = "invalid parameters: unknown field shop.detailList[0].goodsImgURL: did you mean shop.detailList[0].goodsImgUrl?"
    assert info.value.errMsg.endswith(expected)


def test_other_unknown_keys_pass_through_untouched(sdk, stub: StubWeChat) -> None:
    cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W1", expectTime=1, takeMode=0, whatever={"x": 1})
    assert stub.api_calls()[0].json == {"delivery_id": "TEST", "waybill_id": "W1", "expect_time": 1, "take_mode": 0, "whatever": {"x": 1}}


def test_validate_false_sends_near_misses_as_given(stub: StubWeChat) -> None:
    from tests.conftest import APPID, SECRET

    cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, validate=False)
    cloud.openapi.logistics.getPath(deliveryId="TEST", waybillID="W1")
    assert stub.api_calls()[0].json == {"delivery_id": "TEST", "waybill_i_d": "W1"}  # exactly what Node would send


@pytest.mark.parametrize(
    "namespace, name, hint",
    [("logistics", "getquota", " (did you mean getQuota?)"), ("logistics", "updatePrinterr", " (did you mean updatePrinter?)"),
     ("logistics", "nope", ""), ("logistic", "getQuota", " (did you mean logistics.<method>?)")],
)
def test_unknown_method_suggests_the_nearest(sdk, stub: StubWeChat, namespace: str, name: str, hint: str) -> None:
    with pytest.raises(CloudSDKError) as info:
        getattr(getattr(cloud.openapi, namespace), name)()
    assert info.value.errCode == -604100
    assert info.value.errMsg == (f"openapi.{namespace}.{name}:fail API not found: {namespace}.{name} is not an open API cloudfn knows"
                                 f"{hint} (see cloudfn.spec.methods())")
    assert stub.calls() == []
