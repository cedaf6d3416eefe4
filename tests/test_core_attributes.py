"""Results, getWXContext() and CloudSDKError.to_dict() answer attribute access and stay plain dicts otherwise."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError, spec
from cloudfn.result import Result, wrap
from tests.stub_server import Reply, StubWeChat

PATH = "/cgi-bin/express/business/path/get"
REPLY = {
    "errcode": 0, "errmsg": "ok", "openid": "o1", "delivery_id": "TEST", "waybill_id": "W1", "path_item_num": 2,
    "path_item_list": [{"action_time": 1, "action_type": 100001, "action_msg": "揽件"},
                       {"action_time": 2, "action_type": 200001, "action_msg": "运输"}],
}


def test_open_api_results_answer_attribute_access_all_the_way_down(sdk, stub: StubWeChat) -> None:
    stub.default(PATH, Reply(REPLY))
    res = cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W1")
    assert res.waybillId == "W1" and res.errMsg == "openapi.logistics.getPath:ok" and res.errCode == 0
    assert res.pathItemList[1].actionMsg == "运输"
    assert res["pathItemList"][0]["actionType"] == 100001
    assert type(res) is Result and isinstance(res, dict) and type(res.pathItemList[0]) is Result
    plain = {"openid": "o1", "deliveryId": "TEST", "waybillId": "W1", "pathItemNum": 2,
             "pathItemList": [{"actionTime": 1, "actionType": 100001, "actionMsg": "揽件"},
                              {"actionTime": 2, "actionType": 200001, "actionMsg": "运输"}],
             "errMsg": "openapi.logistics.getPath:ok", "errCode": 0}
    assert res == plain
    assert json.dumps(res, ensure_ascii=False) == json.dumps(plain, ensure_ascii=False)  # same text, same key order
    assert repr(res) == repr(plain)
    raw = cloud.openapi(convertCase=False).logistics.getPath(delivery_id="TEST", waybill_id="W1")
    assert raw.path_item_list[0].action_msg == "揽件"


def test_missing_attribute_names_the_key_and_the_keys_present(sdk, stub: StubWeChat) -> None:
    stub.default(PATH, Reply({"errcode": 0, "errmsg": "ok", "waybill_id": "W1"}))
    res = cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W1")
    with pytest.raises(AttributeError) as info:
        res.waybilId  # noqa: B018
    assert str(info.value) == "no key 'waybilId' (did you mean waybillId?); keys present: waybillId, errMsg, errCode"
    assert not hasattr(res, "nope") and getattr(res, "nope", 7) == 7


def test_copy_deepcopy_pickle_and_attribute_writes() -> None:
    res = wrap({"a": {"b": [{"c": 1}]}, "errCode": 0})
    for clone in (copy.copy(res), copy.deepcopy(res), *(pickle.loads(pickle.dumps(res, p)) for p in range(pickle.HIGHEST_PROTOCOL + 1))):
        assert clone == res and type(clone) is Result and clone.a.b[0].c == 1
    deep = copy.deepcopy(res)
    deep.a.b[0].c = 2
    assert res.a.b[0].c == 1 and deep.a.b[0]["c"] == 2
    res.extra = 5
    assert res["extra"] == 5
    del res.extra
    assert "extra" not in res
    with pytest.raises(AttributeError):
        del res.extra
    assert "errCode" in dir(res)


def test_wx_context_answers_attribute_access(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WX_CONTEXT_KEYS", "WX_OPENID,WX_APPID")
    monkeypatch.setenv("WX_OPENID", "oUser")
    monkeypatch.setenv("WX_APPID", "wxapp")
    ctx = cloud.getWXContext()
    assert ctx.OPENID == "oUser" and ctx.APPID == "wxapp" and ctx == {"OPENID": "oUser", "APPID": "wxapp"}
    assert cloud.Cloud().getWXContext().OPENID == "oUser"


def test_error_to_dict_answers_attribute_access() -> None:
    err = CloudSDKError(-501007, "openapi.logistics.getPath:fail x").to_dict()
    assert err.errCode == -501007 and err.errMsg.endswith("fail x") and err == {"errCode": -501007, "errMsg": "openapi.logistics.getPath:fail x"}
    assert json.dumps(err) == '{"errCode": -501007, "errMsg": "openapi.logistics.getPath:fail x"}'


def test_text_and_buffer_results_answer_attribute_access(sdk, stub: StubWeChat, monkeypatch: pytest.MonkeyPatch) -> None:
    stub.default(PATH, Reply(b"plain words", content_type="text/plain"))
    assert cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W1").result == "plain words"
    monkeypatch.setitem(spec.method("getPath"), "binary_response", True)  # no logistics method answers files
    stub.default(PATH, Reply(b"\x89PNG", content_type="image/png"))
    assert cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W1").buffer == b"\x89PNG"
