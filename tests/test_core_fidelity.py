"""Fidelity defects found with real replies and real functions (issue 10, item 8)."""

from __future__ import annotations

import base64
import json
from typing import Any, Dict

import requests

import cloudfn as cloud

# The official page's request example (api_previewtemplate, "请求示例"): its custom order has no add_source.
OFFICIAL_PREVIEW: Dict[str, Any] = {
    "waybill_id": "1234567890123",
    "waybill_data": "##ZTO_mark##11-22-33##ZTO_bagAddr##广州##",
    "waybill_template": "PGh0bWw+dGVzdDwvaHRtbD4=",
    "custom": {
        "order_id": "012345678901234567890123456789", "openid": "oABC123456", "delivery_id": "ZTO", "biz_id": "xyz", "custom_remark": "易碎物品",
        "sender": {"name": "张三", "tel": "18666666666", "mobile": "020-88888888", "company": "公司名", "post_code": "123456", "country": "中国",
                   "province": "广东省", "city": "广州市", "area": "海珠区", "address": "XX路XX号XX大厦XX栋XX"},
        "receiver": {"name": "王小蒙", "tel": "18610000000", "mobile": "020-77777777", "company": "公司名", "post_code": "654321", "country": "中国",
                     "province": "广东省", "city": "广州市", "area": "天河区", "address": "XX路XX号XX大厦XX栋XX"},
        "shop": {"wxa_path": "/index/index?from=waybill",
                 "img_url": "https://mmbiz.qpic.cn/mmbiz_png/KfrZwACMrmwbPGicysN6kibW0ibXwzmA3mtTwgSsdw4Uicabduu2pfbfwdKicQ8n0v91kRAUX6SDESQypl5tlRwHUPA/640",
                 "goods_name": "一千零一夜钻石包&爱马仕柏金钻石包", "goods_count": 2},
        "cargo": {"count": 2, "weight": 5.5, "space_x": 30.5, "space_y": 20, "space_z": 20,
                  "detail_list": [{"name": "一千零一夜钻石包", "count": 1}, {"name": "爱马仕柏金钻石包", "count": 1}]},
        "insured": {"use_insured": 1, "insured_value": 10000},
        "service": {"service_type": 0, "service_name": "标准快递"},
    },
}


def test_official_preview_template_example_passes_client_side_and_in_the_emulator(cloudfn_env: Any, cloudfn_emulator: Any) -> None:
    result = cloud.openapi(convertCase=False).logistics.previewTemplate(OFFICIAL_PREVIEW)
    assert result.waybill_id == "1234567890123"
    assert base64.b64decode(result.rendered_waybill_template) == b"<html>test</html>"
    token = requests.post(cloudfn_emulator.base_url + "/cgi-bin/stable_token", timeout=10,
                          json={"grant_type": "client_credential", "appid": cloudfn_emulator.appid, "secret": cloudfn_emulator.secret}).json()
    raw = requests.post(cloudfn_emulator.base_url + "/cgi-bin/express/delivery/template/preview", params={"access_token": token["access_token"]},
                        data=json.dumps(OFFICIAL_PREVIEW, ensure_ascii=False).encode(), timeout=10).json()
    assert raw["errcode"] == 0 and raw["waybill_id"] == "1234567890123"


def test_add_order_still_requires_add_source(cloudfn_env: Any) -> None:
    body = dict(OFFICIAL_PREVIEW["custom"])
    try:
        cloud.openapi(convertCase=False).logistics.addOrder(body)
    except cloud.CloudSDKError as err:
        assert err.errCode == -501007 and "add_source is required" in err.errMsg
    else:
        raise AssertionError("addOrder without add_source was sent")


def test_openapi_prefixed_permission_is_read_as_the_documented_form(cloudfn_emulator: Any, tmp_path: Any) -> None:
    from tests.functions_support import emulator_env, invoke, write_function

    source = """
        import cloudfn as cloud

        def main_handler(event, context):
            cloud.init()
            return cloud.openapi.logistics.getAllDelivery().errMsg
    """
    fn = write_function(tmp_path / "legacy", source, {"permissions": {"openapi": ["openapi.logistics.getAllDelivery"]}})
    code, out, err = invoke(str(fn), env=emulator_env(cloudfn_emulator))
    assert code == 0, err
    assert out == "openapi.logistics.getAllDelivery:ok"
    assert 'permissions.openapi[0] "openapi.logistics.getAllDelivery" read as "logistics.getAllDelivery": ' \
           'write the documented form "logistics.getAllDelivery"' in err


def test_permission_list_still_refuses_what_it_does_not_name(cloudfn_emulator: Any, tmp_path: Any) -> None:
    from tests.functions_support import emulator_env, invoke, write_function

    source = """
        import cloudfn as cloud

        def main_handler(event, context):
            try:
                cloud.openapi.logistics.getQuota(deliveryId="TEST", bizId="x")
            except cloud.CloudSDKError as err:
                return err.to_dict().errCode
    """
    fn = write_function(tmp_path / "legacy", source, {"permissions": {"openapi": ["openapi.logistics.getAllDelivery"]}})
    code, out, err = invoke(str(fn), env=emulator_env(cloudfn_emulator))
    assert code == 0, err
    assert out == -604101
