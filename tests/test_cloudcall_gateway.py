"""The emulator's gateway routes over real HTTP, and the protobuf / multipart / TC3 building blocks."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests

from cloudfn import tc3
from cloudfn.emulator import Emulator, running
from cloudfn.emulator.gateway import parse_multipart
from cloudfn.pb import CommApiData, CommOpenApiResp, DecodeError, KeyValuePair, encode_varint
from cloudfn.transports.cloudcall import encode_multipart

JSON_TYPE = "application/json; charset=utf-8"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


def post_form(emulator: Emulator, fields: List[Tuple[str, Any]], boundary: str = "b0undary") -> requests.Response:
    return requests.post(emulator.base_url + "/admin?env=e1&seqId=1", data=encode_multipart(fields, boundary),
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}, timeout=10)


def open_api(api: str, pairs: Dict[str, Any], token: str = "") -> List[Tuple[str, Any]]:
    data = CommApiData([KeyValuePair(k, json.dumps(v).encode()) for k, v in pairs.items()]).encode()
    return [("action", "wx.openApi"), ("apiName", api), ("requestData", data), ("envName", "e1"), ("wxCloudApiToken", token)]


def gateway_error(r: requests.Response) -> Dict[str, Any]:
    assert r.status_code == 200 and r.headers["Content-Type"] == JSON_TYPE
    body = r.json()
    assert set(body) == {"code", "message", "requestId"} and body["requestId"]
    return body


def test_open_api_reply_is_commopenapiresp_carrying_the_wechat_json(emu: Emulator) -> None:
    r = post_form(emu, open_api("logistics.getQuota", {"delivery_id": "TEST", "biz_id": "test_biz_id"}))
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/octet-stream"
    reply = CommOpenApiResp.decode(r.content)
    assert (reply.error_code, reply.http_code) == (0, 200) and reply.content_type.startswith("application/json")
    assert json.loads(reply.resp_data)["errcode"] == 0
    assert emu.calls.get("getQuota") == 1


def test_injected_faults_apply_to_gateway_calls_too(emu: Emulator) -> None:
    requests.post(emu.base_url + "/_emulator/faults", json={"api": "getQuota", "errcode": -1}, timeout=10).raise_for_status()
    reply = CommOpenApiResp.decode(post_form(emu, open_api("logistics.getQuota", {"delivery_id": "TEST", "biz_id": "test_biz_id"})).content)
    assert json.loads(reply.resp_data)["errcode"] == -1


def test_json_action_wx_api_answers_response_data_as_a_string(emu: Emulator) -> None:
    body = {"action": "wx.api", "apiName": "logistics.getAllDelivery", "requestData": "{}", "envName": "e1", "wxCloudApiToken": ""}
    r = requests.post(emu.base_url + "/admin?env=e1&seqId=2", json=body, timeout=10)
    reply = r.json()
    assert set(reply) == {"data", "requestId"}
    assert json.loads(reply["data"]["responseData"])["count"] > 0


def test_json_action_outside_token_permissions_is_a_gateway_failure(emu: Emulator) -> None:
    token = requests.post(emu.base_url + "/_emulator/api-tokens", json={"function": "f", "permissions": []}, timeout=10).json()["token"]
    body = {"action": "wx.api", "apiName": "logistics.getAllDelivery", "requestData": "{}", "wxCloudApiToken": token}
    failure = gateway_error(requests.post(emu.base_url + "/admin", json=body, timeout=10))
    assert failure["code"] == "PERMISSION_DENIED" and "-604101" in failure["message"]


@pytest.mark.parametrize("fields, code, fragment", [
    ([("action", "wx.callFunction")], "INVALID_ACTION", "not supported"),
    ([("action", "wx.openApi"), ("apiName", "logistics.getPath"), ("requestData", b"\x0a\xff")], "INVALID_PARAM", "not a CommApiData"),
    ([("action", "wx.openApi"), ("apiName", "logistics.getPath"), ("requestData", CommApiData([KeyValuePair("k", b"{not json")]).encode())],
     "INVALID_PARAM", "is not JSON text"),
    ([("action", "wx.openApi"), ("apiName", "logistics.getPath"), ("requestData", CommApiData(api_type=2).encode())], "INVALID_PARAM",
     "apiType 2"),
])
def test_bad_requests_get_the_gateway_json_failure_shape(emu: Emulator, fields: List[Tuple[str, Any]], code: str, fragment: str) -> None:
    failure = gateway_error(post_form(emu, fields))
    assert failure["code"] == code and fragment in failure["message"]


def test_unparseable_bodies_are_invalid_param(emu: Emulator) -> None:
    no_boundary = requests.post(emu.base_url + "/admin", data=b"x", headers={"Content-Type": "multipart/form-data"}, timeout=10)
    assert gateway_error(no_boundary)["code"] == "INVALID_PARAM"
    not_json = requests.post(emu.base_url + "/admin", data=b"<xml/>", headers={"Content-Type": "text/xml"}, timeout=10)
    assert gateway_error(not_json)["code"] == "INVALID_PARAM"


def test_unknown_api_name_is_604100(emu: Emulator) -> None:
    reply = CommOpenApiResp.decode(post_form(emu, open_api("wxacode.get", {})).content)
    assert reply.error_code == -604100


@pytest.mark.parametrize("body, status", [
    ({"function": "f", "permissions": ["logistics.getPath"]}, 200),
    ({"permissions": []}, 400),
    ({"function": "f", "permissions": "logistics.getPath"}, 400),
    ([1, 2], 400),
])
def test_api_token_minting_validates_its_body(emu: Emulator, body: Any, status: int) -> None:
    r = requests.post(emu.base_url + "/_emulator/api-tokens", json=body, timeout=10)
    assert r.status_code == status
    if status == 200:
        assert r.json()["token"] and r.json()["permissions"] == ["logistics.getPath"]
    else:
        assert "error" in r.json()


def test_minted_tokens_are_distinct_and_scoped(emu: Emulator) -> None:
    def mint(perms: List[str]) -> str:
        return requests.post(emu.base_url + "/_emulator/api-tokens", json={"function": "f", "permissions": perms}, timeout=10).json()["token"]

    a, b = mint(["logistics.getQuota"]), mint([])
    assert a != b
    allowed = CommOpenApiResp.decode(post_form(emu, open_api("logistics.getQuota", {"delivery_id": "TEST", "biz_id": "test_biz_id"}, a)).content)
    denied = CommOpenApiResp.decode(post_form(emu, open_api("logistics.getQuota", {"delivery_id": "TEST", "biz_id": "test_biz_id"}, b)).content)
    assert (allowed.error_code, denied.error_code) == (0, -604101)


# --------------------------------------------------------------------------- building blocks


def test_multipart_round_trip_keeps_binary_values_with_crlf() -> None:
    blob = b"\r\n--x\r\n\x00\xff"
    body = encode_multipart([("a", "text"), ("bin", blob)], "zzz")
    parts = parse_multipart(body, 'multipart/form-data; boundary="zzz"')
    assert parts["a"].text() == "text" and parts["bin"].data == blob and parts["bin"].content_type == "application/octet-stream"


def test_decoder_skips_unknown_fields_of_every_wire_type() -> None:
    known = CommOpenApiResp(b"{}", "application/json", -1, 200).encode()
    unknown = (encode_varint((9 << 3) | 0) + encode_varint(300) + encode_varint((10 << 3) | 1) + b"\x01" * 8
               + encode_varint((11 << 3) | 5) + b"\x02" * 4 + encode_varint((12 << 3) | 2) + encode_varint(3) + b"abc")
    assert CommOpenApiResp.decode(unknown + known) == CommOpenApiResp(b"{}", "application/json", -1, 200)


@pytest.mark.parametrize("data", [b"\x0a\x05ab", b"\x18", b"\x1a\x00", b"\x0b", b"\x18" + b"\xff" * 11])
def test_malformed_protobuf_raises_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError):
        CommOpenApiResp.decode(data)


def test_negative_int32_is_ten_bytes_and_reads_back() -> None:
    encoded = CommOpenApiResp(error_code=-604101).encode()
    assert encoded == b"\x18" + encode_varint(-604101) and len(encode_varint(-604101)) == 10
    assert CommOpenApiResp.decode(encoded).error_code == -604101


def test_tc3_params_hash_skips_empty_values_and_sorts_like_locale_compare() -> None:
    digest, names = tc3.params_hash({"wxCloudApiToken": "", "tcb_sessionToken": "s", "apiName": "a", "action": "x", "requestData": b"\x00"})
    assert names == ["action", "apiname", "requestdata", "tcb_sessiontoken"]
    again, _ = tc3.params_hash({"action": "x", "apiName": "a", "requestData": b"\x00", "tcb_sessionToken": "s"})
    assert digest == again


def test_tc3_signature_changes_with_any_signed_input() -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=1", "Host": "h"}
    base, ts = tc3.sign("id", "key", "post", "http://h/admin?env=e", headers, {"action": "x"}, timestamp=1700000000)
    assert base.startswith("TC3-HMAC-SHA256 Credential=id/2023-11-14/tcb/tc3_request, SignedParams=action, SignedHeaders=content-type;host, ")
    assert tc3.sign("id", "key2", "post", "http://h/admin?env=e", headers, {"action": "x"}, timestamp=ts)[0] != base
    assert tc3.sign("id", "key", "post", "http://h/admin?env=f", headers, {"action": "x"}, timestamp=ts)[0] != base
    assert tc3.sign("id", "key", "post", "http://h/admin?env=e", headers, {"action": "y"}, timestamp=ts)[0] != base
    boundary_only = dict(headers, **{"Content-Type": "multipart/form-data; boundary=2"})
    assert tc3.sign("id", "key", "post", "http://h/admin?env=e", boundary_only, {"action": "x"}, timestamp=ts)[0] == base
