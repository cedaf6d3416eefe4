"""cloudfn.events parsing, verification and dispatch, from every input form a function receives."""

from __future__ import annotations

import base64
import json
import time

import pytest

from cloudfn import CloudSDKError
from cloudfn.events import PushConfig, Router, crypto, errors, from_xml, parse, parse_http, to_xml
from tests.test_events_crypto import AES_KEY, APPID, PLAIN, SAFE_ENCRYPT, SAFE_MESSAGE, SAFE_QUERY, TOKEN, VERIFY

PATH_EVENT = {
    "ToUserName": "gh_97417a04a28d",
    "FromUserName": "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
    "CreateTime": 1546924844,
    "MsgType": "event",
    "Event": "add_express_path",
    "DeliveryID": "SF",
    "WayBillId": "123456789",
    "OrderId": "123456",
    "Version": 3,
    "Count": 2,
    "Actions": [
        {"ActionTime": 1546924840, "ActionType": 100001, "ActionMsg": "小哥A揽件成功"},
        {"ActionTime": 1546924841, "ActionType": 200001, "ActionMsg": "到达广州集包地 ]]> <x>"},
    ],
}
ADD_EVENT = {
    "ToUserName": "gh_carrier",
    "FromUserName": "oWeChatTeam",
    "CreateTime": 1546924844,
    "MsgType": "event",
    "Event": "add_waybill",
    "Token": "order-token",
    "OrderID": "o-1",
    "BizID": "biz",
    "BizPwd": "pwd",
    "ShopAppID": "wxshop",
    "WayBillID": "0",
    "Remark": "易碎",
    "Sender": {"Name": "张三", "Mobile": "13800000000", "City": "广州市"},
    "Receiver": {"Name": "李四", "Mobile": "13900000000", "City": "深圳市"},
    "Cargo": {"Weight": 1.2, "Space_X": 10, "Space_Y": 20, "Space_Z": 30, "Count": 1, "DetailList": [{"Name": "书", "Count": 1}]},
    "Insured": {"UseInsured": 0, "InsuredValue": 0},
    "Service": {"ServiceType": 0, "ServiceName": "标准快递"},
}


def signed(body: bytes, token: str = TOKEN, ts: int = 0, nonce: str = "", aes: bool = False):
    ts_s = str(ts or int(time.time()))
    nonce = nonce or str(time.time_ns())
    query = {"timestamp": ts_s, "nonce": nonce, "signature": crypto.signature(token, ts_s, nonce)}
    if aes:
        enc = crypto.encrypt(body, AES_KEY, APPID)
        body = json.dumps({"ToUserName": "gh", "Encrypt": enc}).encode()
        query.update({"encrypt_type": "aes", "msg_signature": crypto.msg_signature(token, ts_s, nonce, enc)})
    return query, body


def make_router(**kw):
    """A router with the example EncodingAESKey (safe mode only) unless ``aes_key=None`` (plain mode)."""
    kw.setdefault("aes_key", AES_KEY)
    router = Router(token=TOKEN, appid=APPID, **kw)
    calls = []

    @router.on("onPathUpdate")
    def path(event):
        calls.append(event)

    @router.on("onAddOrder")
    def add(event):
        calls.append(event)
        return {"WayBillID": "SF0001", "WaybillData": "##SF_mark##101##"}

    return router, calls


# ---------------------------------------------------------------- the documented example requests


def test_documented_plain_request_verifies_with_its_own_timestamp():
    body = json.dumps({"ToUserName": "gh_97417a04a28d", "MsgType": "event", "Event": "debug_demo", "debug_str": "hello world"}).encode()
    cfg = PushConfig(token=TOKEN, appid=APPID)
    msg = parse_http(PLAIN, body, cfg, now=int(PLAIN["timestamp"]) + 1)
    assert msg.event["debug_str"] == "hello world" and not msg.encrypted
    with pytest.raises(CloudSDKError) as info:  # the same request today is stale
        parse_http(PLAIN, body, PushConfig(token=TOKEN, appid=APPID))
    assert info.value.errCode == errors.STALE_TIMESTAMP == -40012


def test_documented_safe_mode_request_decrypts_to_the_documented_message():
    body = json.dumps({"ToUserName": "gh_97417a04a28d", "Encrypt": SAFE_ENCRYPT}).encode()
    msg = parse_http(SAFE_QUERY, body, PushConfig(token=TOKEN, aes_key=AES_KEY, appid=APPID), now=int(SAFE_QUERY["timestamp"]))
    assert msg.encrypted
    assert msg.event == json.loads(SAFE_MESSAGE)


def test_url_verification_get_echoes_echostr_only_when_signed():
    router, _ = make_router()
    status, _, body = router.handle_http("GET", dict(VERIFY, echostr="4375120948345356249"), b"")
    assert (status, body) == (200, b"4375120948345356249")
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("GET", dict(VERIFY, signature="0" * 40, echostr="x"), b"")
    assert info.value.errCode == errors.VALIDATE_SIGNATURE_ERROR


# ---------------------------------------------------------------- input forms


def test_cloudbase_trigger_dict_reaches_the_handler_unchanged():
    router, calls = make_router()
    assert router.main_handler(dict(PATH_EVENT), None) == "success"
    assert calls == [PATH_EVENT]


def test_event_dict_from_a_mini_program_call_is_not_a_push(monkeypatch):
    router, calls = make_router(aes_key=None)
    monkeypatch.setenv("TCB_SOURCE", "wx_client,scf")
    with pytest.raises(CloudSDKError) as info:
        router.main_handler(dict(PATH_EVENT), None)
    assert info.value.errCode == errors.VALIDATE_SIGNATURE_ERROR and "wx_client" in info.value.errMsg
    assert calls == []
    query, body = signed(json.dumps(PATH_EVENT).encode())  # a signed HTTP push is still fine
    assert router.handle_http("POST", query, body)[0] == 200 and len(calls) == 1
    monkeypatch.setenv("TCB_SOURCE", "wx_unknown")
    assert router.main_handler(dict(PATH_EVENT), None) == "success" and len(calls) == 2


def test_api_gateway_event_json_plain():
    router, calls = make_router(aes_key=None)
    query, body = signed(json.dumps(PATH_EVENT, ensure_ascii=False).encode())
    out = router.main_handler({"httpMethod": "POST", "queryString": query, "body": body.decode(), "headers": {}, "isBase64Encoded": False}, None)
    assert out["statusCode"] == 200 and out["body"] == "success"
    assert calls == [PATH_EVENT]


def test_api_gateway_event_base64_xml_with_repeated_actions():
    router, calls = make_router(aes_key=None)
    xml = to_xml(PATH_EVENT).encode()
    assert xml.count(b"<Actions>") == 2 and b"<![CDATA[SF]]>" in xml and b"<Version>3</Version>" in xml
    query, body = signed(xml)
    event = {"httpMethod": "POST", "queryStringParameters": query, "body": base64.b64encode(body).decode(), "isBase64Encoded": True}
    out = router.main_handler(event, None)
    assert out["statusCode"] == 200
    assert calls == [PATH_EVENT]  # numbers typed, Actions a list, CDATA with ]]> intact


def test_xml_with_a_single_action_still_gives_a_list():
    one = dict(PATH_EVENT, Count=1, Actions=PATH_EVENT["Actions"][:1])
    assert from_xml(to_xml(one).encode()) == one


def test_xml_doctype_is_refused():
    router, calls = make_router(aes_key=None)
    query, body = signed(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml><Event>&a;</Event></xml>')
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, body)
    assert info.value.errCode == errors.PARSE_ERROR and calls == []


def test_provider_reply_echoes_and_swaps_fields_json():
    router, calls = make_router(aes_key=None)
    query, body = signed(json.dumps(ADD_EVENT, ensure_ascii=False).encode())
    status, ctype, out = router.handle_http("POST", query, body)
    reply = json.loads(out)
    assert status == 200 and ctype.startswith("application/json")
    assert reply["ToUserName"] == "oWeChatTeam" and reply["FromUserName"] == "gh_carrier"
    assert reply["MsgType"] == "event" and reply["Event"] == "add_waybill"
    assert (reply["Token"], reply["OrderID"], reply["BizID"]) == ("order-token", "o-1", "biz")
    assert (reply["WayBillID"], reply["ResultCode"], reply["WaybillData"]) == ("SF0001", 0, "##SF_mark##101##")
    assert isinstance(reply["CreateTime"], int)
    assert "BizPwd" not in reply
    assert calls[0]["Cargo"]["DetailList"] == [{"Name": "书", "Count": 1}]


def test_provider_reply_in_xml_for_an_xml_push():
    router, _ = make_router(aes_key=None)
    query, body = signed(to_xml(ADD_EVENT).encode())
    status, ctype, out = router.handle_http("POST", query, body)
    assert status == 200 and ctype.startswith("application/xml")
    reply = from_xml(out)
    assert reply["WayBillID"] == "SF0001" and reply["ResultCode"] == 0 and reply["ToUserName"] == "oWeChatTeam"


def test_safe_mode_reply_is_encrypted_and_signed():
    router, calls = make_router()
    query, body = signed(json.dumps(ADD_EVENT).encode(), aes=True)
    status, _, out = router.handle_http("POST", query, body)
    assert status == 200
    wrapped = json.loads(out)
    assert set(wrapped) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert wrapped["Nonce"] == query["nonce"]
    assert wrapped["MsgSignature"] == crypto.msg_signature(TOKEN, wrapped["TimeStamp"], wrapped["Nonce"], wrapped["Encrypt"])
    inner = json.loads(crypto.decrypt(wrapped["Encrypt"], AES_KEY, APPID))
    assert inner["WayBillID"] == "SF0001" and inner["Token"] == "order-token"
    assert calls[0]["OrderID"] == "o-1"


def test_path_update_in_safe_mode_is_answered_success_in_clear():
    router, calls = make_router()
    query, body = signed(json.dumps(PATH_EVENT).encode(), aes=True)
    assert router.handle_http("POST", query, body)[2] == b"success"
    assert calls == [PATH_EVENT]


def test_unregistered_event_is_answered_success_without_a_handler():
    router = Router(token=TOKEN)
    query, body = signed(json.dumps({"MsgType": "event", "Event": "get_quota", "BizID": "b"}).encode())
    assert router.handle_http("POST", query, body)[2] == b"success"


# ---------------------------------------------------------------- rejections: no handler runs


def test_forged_signature_is_rejected():
    router, calls = make_router()
    query, body = signed(json.dumps(PATH_EVENT).encode(), token="not-the-token")
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, body)
    assert info.value.errCode == errors.VALIDATE_SIGNATURE_ERROR == -40001
    assert "signature" in info.value.errMsg and TOKEN not in info.value.errMsg
    assert calls == []


def test_missing_signature_is_rejected():
    router, calls = make_router()
    query, body = signed(json.dumps(PATH_EVENT).encode())
    del query["signature"]
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, body)
    assert info.value.errCode == errors.VALIDATE_SIGNATURE_ERROR and calls == []


def test_tampered_ciphertext_fails_msg_signature():
    router, calls = make_router()
    query, body = signed(json.dumps(ADD_EVENT).encode(), aes=True)
    outer = json.loads(body)
    outer["Encrypt"] = crypto.encrypt(json.dumps(dict(ADD_EVENT, OrderID="evil")), AES_KEY, APPID)
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, json.dumps(outer).encode())
    assert info.value.errCode == errors.VALIDATE_SIGNATURE_ERROR and "msg_signature" in info.value.errMsg
    assert calls == []


def test_safe_mode_body_without_msg_signature_is_rejected_even_with_a_valid_signature():
    router, calls = make_router()
    query, body = signed(json.dumps(ADD_EVENT).encode(), aes=True)
    del query["msg_signature"]
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, body)
    assert info.value.errCode == errors.VALIDATE_SIGNATURE_ERROR and calls == []


def test_wrong_appid_in_the_ciphertext_is_rejected_over_http():
    router, calls = make_router()
    ts, nonce = str(int(time.time())), "77"
    enc = crypto.encrypt(json.dumps(ADD_EVENT), AES_KEY, "wxsomeoneelse00000")
    query = {"timestamp": ts, "nonce": nonce, "signature": crypto.signature(TOKEN, ts, nonce), "encrypt_type": "aes",
             "msg_signature": crypto.msg_signature(TOKEN, ts, nonce, enc)}  # fmt: skip
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, json.dumps({"Encrypt": enc}).encode())
    assert info.value.errCode == errors.VALIDATE_APPID_ERROR == -40005
    assert calls == []


@pytest.mark.parametrize("age", [301, -301, 10_000])
def test_stale_timestamp_is_rejected(age):
    router, calls = make_router()
    query, body = signed(json.dumps(PATH_EVENT).encode(), ts=int(time.time()) - age)
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, body)
    assert info.value.errCode == errors.STALE_TIMESTAMP and "window 300 s" in info.value.errMsg
    assert calls == []


def test_max_age_is_configurable():
    router, calls = make_router(aes_key=None, max_age=5000)
    query, body = signed(json.dumps(PATH_EVENT).encode(), ts=int(time.time()) - 1000)
    assert router.handle_http("POST", query, body)[0] == 200 and len(calls) == 1


def test_replay_is_rejected_and_a_fresh_nonce_is_accepted():
    router, calls = make_router(aes_key=None)
    query, body = signed(json.dumps(PATH_EVENT).encode(), nonce="1234567")
    assert router.handle_http("POST", query, body)[0] == 200
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, body)
    assert info.value.errCode == errors.REPLAYED_MESSAGE == -40013
    assert len(calls) == 1
    query2, body2 = signed(json.dumps(PATH_EVENT).encode(), nonce="7654321")
    assert router.handle_http("POST", query2, body2)[0] == 200 and len(calls) == 2


def test_a_failed_handler_releases_the_nonce_for_the_platform_retry():
    router = Router(token=TOKEN)
    attempts = []

    @router.on("add_express_path")
    def flaky(event):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database down")

    query, body = signed(json.dumps(PATH_EVENT).encode())
    with pytest.raises(RuntimeError):
        router.handle_http("POST", query, body)
    assert router.handle_http("POST", query, body)[2] == b"success"
    assert len(attempts) == 2


def test_gateway_rejection_is_a_403_with_the_error_and_no_handler_run():
    router, calls = make_router()
    query, body = signed(json.dumps(PATH_EVENT).encode(), token="forged")
    out = router.main_handler({"httpMethod": "POST", "queryString": query, "body": body.decode(), "headers": {}}, None)
    assert out["statusCode"] == 403
    assert json.loads(out["body"])["errCode"] == errors.VALIDATE_SIGNATURE_ERROR
    assert calls == []


def test_no_token_configured_refuses_http_pushes(monkeypatch):
    monkeypatch.delenv("WX_PUSH_TOKEN", raising=False)
    router = Router()
    query, body = signed(json.dumps(PATH_EVENT).encode())
    with pytest.raises(CloudSDKError) as info:
        router.handle_http("POST", query, body)
    assert info.value.errCode == errors.COMPUTE_SIGNATURE_ERROR and "WX_PUSH_TOKEN" in info.value.errMsg


def test_configuration_from_the_environment_and_secrets_kept_out_of_repr(monkeypatch):
    monkeypatch.setenv("WX_PUSH_TOKEN", TOKEN)
    monkeypatch.setenv("WX_PUSH_AES_KEY", AES_KEY)
    monkeypatch.setenv("WX_APPID", APPID)
    monkeypatch.setenv("WX_PUSH_MAX_AGE", "60")
    router, calls = Router(), []
    router.on("add_waybill")(lambda e: calls.append(e) or {"WayBillID": "X"})
    query, body = signed(json.dumps(ADD_EVENT).encode(), aes=True)
    assert router.handle_http("POST", query, body)[0] == 200 and calls
    assert router.config.max_age == 60
    assert TOKEN not in repr(router.config) and AES_KEY not in repr(router.config)


def test_encrypted_dict_without_query_cannot_be_verified():
    router, calls = make_router()
    with pytest.raises(CloudSDKError) as info:
        router.main_handler({"ToUserName": "gh", "Encrypt": SAFE_ENCRYPT}, None)
    assert info.value.errCode == errors.VALIDATE_SIGNATURE_ERROR and calls == []


def test_not_a_push_is_a_parse_error():
    with pytest.raises(CloudSDKError) as info:
        parse({"hello": "world"}, PushConfig(token=TOKEN))
    assert info.value.errCode == errors.PARSE_ERROR
    query, _ = signed(b"")
    with pytest.raises(CloudSDKError) as info:
        parse_http(query, b"[1, 2]", PushConfig(token=TOKEN))
    assert info.value.errCode == errors.PARSE_ERROR


def test_event_names_are_case_insensitive_and_aliases_map_to_platform_names():
    router = Router(token=TOKEN)
    got = []
    router.on("ONGETQUOTA")(lambda e: got.append(e["Event"]) or {"Quota": 7})
    reply = router.main_handler({"MsgType": "event", "Event": "Get_Quota", "BizID": "b", "FromUserName": "team", "ToUserName": "me"}, None)
    assert got == ["Get_Quota"] and reply["Quota"] == 7 and reply["BizID"] == "b" and reply["ToUserName"] == "team"
