"""Result and error shapes are wx-server-sdk's, whatever the reply."""

from __future__ import annotations

import json

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.permission_hint import no_permission_message
from tests.stub_server import Reply, StubWeChat

PATH = "/cgi-bin/express/business/path/get"
ARGS = {"deliveryId": "TEST", "waybillId": "W1"}


def test_success_drops_errcode_converts_case_and_appends_errmsg_errcode_last(sdk, stub: StubWeChat) -> None:
    stub.reply(
        PATH,
        Reply({"errcode": 0, "errmsg": "ok", "path_item_num": 1, "path_item_list": [{"action_time": 1, "action_type": 100001, "action_msg": "m"}]}),
    )
    result = cloud.openapi.logistics.getPath(ARGS)
    assert result == {
        "pathItemNum": 1,
        "pathItemList": [{"actionTime": 1, "actionType": 100001, "actionMsg": "m"}],
        "errMsg": "openapi.logistics.getPath:ok",
        "errCode": 0,
    }
    assert list(result)[-2:] == ["errMsg", "errCode"]
    assert json.loads(json.dumps(result)) == result  # plain JSON-serialisable dict


def test_nonzero_errcode_raises_with_node_message(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply({"errcode": 40199, "errmsg": "waybill_id not exist rid: 5f1d-1"}))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(ARGS)
    err = info.value
    assert err.errCode == 40199
    assert err.errMsg == "openapi.logistics.getPath:fail waybill_id not exist rid: 5f1d-1"
    # no description for 40199 in the SDK table: Node prints two spaces
    assert str(err) == "errCode: 40199  | errMsg: openapi.logistics.getPath:fail waybill_id not exist rid: 5f1d-1"
    assert err.to_dict() == {"errCode": 40199, "errMsg": err.errMsg}


def test_known_code_gets_its_description_in_str() -> None:
    err = CloudSDKError(-604101, "system error: error code: -604101")
    assert str(err) == "errCode: -604101 function has no permission to call this API | errMsg: system error: error code: -604101"
    assert CloudSDKError(0, "x").errCode == -1  # Node: options.errCode || -1


def test_text_plain_non_json_becomes_result(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply("hello there", content_type="text/plain"))
    assert cloud.openapi.logistics.getPath(ARGS) == {"result": "hello there", "errMsg": "openapi.logistics.getPath:ok", "errCode": 0}


def test_text_plain_json_is_parsed(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply('{"errcode":0,"waybill_id":"W"}', content_type="text/plain"))
    assert cloud.openapi.logistics.getPath(ARGS)["waybillId"] == "W"


def test_binary_reply_is_content_type_and_buffer(sdk, stub: StubWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    """Node's rule, kept for a method the model marks ``binary_response`` (no logistics method is)."""
    from cloudfn import spec

    monkeypatch.setitem(spec.method("getPath"), "binary_response", True)
    stub.reply(PATH, Reply(b"\x89PNG\r\n", content_type="image/png "))
    assert cloud.openapi.logistics.getPath(ARGS) == {
        "contentType": "image/png",
        "buffer": b"\x89PNG\r\n",
        "errMsg": "openapi.logistics.getPath:ok",
        "errCode": 0,
    }


def test_invalid_json_under_application_json_is_system_error(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply("<html>oops</html>"))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(ARGS)
    assert info.value.errCode == -601001
    assert info.value.errMsg == "openapi.logistics.getPath:fail wechat server internal error, response body is invalid json: <html>oops</html>"


def test_big_integers_stay_exact(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply('{"errcode":0,"big_id":12345678901234567890123,"n":9007199254740993}'))
    result = cloud.openapi.logistics.getPath(ARGS)
    assert result["bigId"] == 12345678901234567890123
    assert result["n"] == 9007199254740993


def test_convert_case_false_sends_and_returns_snake_case(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply({"errcode": 0, "errmsg": "ok", "path_item_num": 0}))
    result = cloud.openapi(convertCase=False).logistics.getPath(delivery_id="TEST", waybill_id="W1")
    assert stub.api_calls()[0].json == {"delivery_id": "TEST", "waybill_id": "W1"}
    assert result == {"path_item_num": 0, "errMsg": "openapi.logistics.getPath:ok", "errCode": 0}


def test_convert_case_false_does_not_convert_camel_input(sdk, stub: StubWeChat) -> None:
    with pytest.raises(CloudSDKError) as info:  # camelCase keys are not the wire names
        cloud.openapi({"convertCase": False}).logistics.getPath(deliveryId="TEST", waybillId="W1")
    assert info.value.errCode == -501007
    assert info.value.errMsg.endswith(
        "invalid parameters: unknown field deliveryId: did you mean delivery_id?; unknown field waybillId: did you mean waybill_id?"
    )
    assert stub.api_calls() == []


def test_http_5xx_is_system_error_naming_the_status(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply({"errcode": -1, "errmsg": "busy"}, status=503))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(ARGS)
    assert info.value.errCode == -601001
    assert "HTTP 503" in info.value.errMsg


def test_system_busy_minus_one_surfaces_as_minus_one(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply({"errcode": -1, "errmsg": "system error"}))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(ARGS)
    assert (info.value.errCode, info.value.errMsg) == (-1, "openapi.logistics.getPath:fail system error")
    assert str(info.value).startswith("errCode: -1 unknown error | ")


def test_kwargs_and_node_style_dict_are_the_same_call(sdk, stub: StubWeChat) -> None:
    cloud.openapi.logistics.getPath({"deliveryId": "TEST"}, waybillId="W1")
    cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W1")
    first, second = stub.api_calls()
    assert first.json == second.json == {"delivery_id": "TEST", "waybill_id": "W1"}


def test_none_values_are_not_sent(sdk, stub: StubWeChat) -> None:
    cloud.openapi.logistics.bindAccount(type="bind", bizId="1", deliveryId="SF", password=None)
    assert stub.api_calls()[0].json == {"type": "bind", "biz_id": "1", "delivery_id": "SF"}


def test_unknown_extra_fields_pass_through(sdk, stub: StubWeChat) -> None:
    cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W1", someNewField={"innerKey": [1]})
    assert stub.api_calls()[0].json["some_new_field"] == {"inner_key": [1]}


def test_unknown_method_is_api_not_found_not_attribute_error(sdk, stub: StubWeChat) -> None:
    for call in (lambda: cloud.openapi.logistics.noSuchMethod(), lambda: cloud.openapi.wxacode.get(path="x")):
        with pytest.raises(CloudSDKError) as info:
            call()
        assert info.value.errCode == -604100
        assert "API not found" in str(info.value)
    assert stub.calls() == []


def test_permission_list_blocks_unlisted_api_before_sending(stub: StubWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFN_OPENAPI_PERMISSIONS", "logistics.getPath")
    cloud.init(transport="https", appid="wxp", secret="s3cr3t-value", api_base=stub.base_url)
    cloud.openapi.logistics.getPath(ARGS)
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.addOrder({})
    assert (info.value.errCode, info.value.errMsg) == (-604101, no_permission_message("logistics.addOrder"))
    assert [c.path for c in stub.api_calls()] == [PATH]


def test_methods_are_made_once_and_keep_their_options(sdk, stub: StubWeChat) -> None:
    assert cloud.openapi.logistics.getPath is cloud.openapi.logistics.getPath
    raw = cloud.openapi(convertCase=False).logistics.getPath
    assert raw is not cloud.openapi.logistics.getPath
    raw(delivery_id="TEST", waybill_id="W1")
    assert stub.api_calls()[0].json == {"delivery_id": "TEST", "waybill_id": "W1"}
    assert cloud.openapi.logistics.getPath.__doc__ == "Query a waybill's tracking path."
