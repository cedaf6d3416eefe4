"""The gateway wire protocol as the real Node SDK speaks it, pinned with a recording loopback server.

wx-server-sdk 4.0.2 (with @cloudbase/node-sdk 3.17.2) calls a recorder on 127.0.0.1; the tests
check the bytes it sends (multipart fields, protobuf CommApiData, TC3 signature) against
cloudfn.pb / cloudfn.tc3 / cloudfn.emulator.gateway, and how it reads scripted replies.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from cloudfn import tc3
from cloudfn.emulator.gateway import parse_multipart
from cloudfn.pb import CommApiData, CommOpenApiResp, KeyValuePair
from tests import node_support
from tests.node_support import run_calls

node_sdk = node_support.node_sdk  # the session fixture

SECRET_KEY = "recorder-secret-key"
SECRET_ID = "AKIDrecorder"


class Recorder:
    """Records POSTs (chunked bodies decoded) and answers each with the next scripted reply."""

    def __init__(self) -> None:
        self.seen: List[Dict[str, Any]] = []
        self.replies: List[Tuple[int, Dict[str, str], bytes]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.seen.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                status, headers, payload = recorder.replies.pop(0) if recorder.replies else (200, {}, b"")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/admin"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Recorder":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with Recorder() as r:
        yield r


def pb_reply(body: Dict[str, Any], error_code: int = 0) -> Tuple[int, Dict[str, str], bytes]:
    resp = CommOpenApiResp(json.dumps(body).encode(), "application/json", error_code, 200)
    return 200, {"Content-Type": "application/octet-stream"}, resp.encode()


def call(recorder: Recorder, method: str, args: Dict[str, Any], **kw: Any) -> Dict[str, Any]:
    (line,) = run_calls([[method, args]], recorder.url, secret_id=SECRET_ID, secret_key=SECRET_KEY, **kw)
    return line


BIND = {"type": "bind", "bizId": "123456", "deliveryId": "YUNDA", "password": "pw"}


def test_node_sends_multipart_wx_openapi_with_commapidata_pairs(node_sdk, recorder: Recorder) -> None:
    recorder.replies.append(pb_reply({"errcode": 0, "errmsg": "ok"}))
    assert call(recorder, "bindAccount", BIND) == {"ok": {"errMsg": "openapi.logistics.bindAccount:ok", "errCode": 0}}
    (seen,) = recorder.seen
    assert seen["path"].startswith("/admin?env=cloudfn-test&seqId=")
    assert seen["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    fields = parse_multipart(seen["body"], seen["headers"]["content-type"])
    assert fields["action"].text() == "wx.openApi"
    assert fields["apiName"].text() == "logistics.bindAccount"
    assert fields["envName"].text() == "cloudfn-test"
    assert fields["requestData"].content_type == "application/octet-stream"
    message = CommApiData.decode(fields["requestData"].data)
    assert message.api_type == 0 and message.appid is None
    assert [(p.key, p.value) for p in message.pairs] == [("type", b'"bind"'), ("password", b'"pw"'), ("biz_id", b'"123456"'),
                                                         ("delivery_id", b'"YUNDA"')]
    # Our encoder writes exactly the bytes protobufjs wrote.
    assert CommApiData(message.pairs).encode() == fields["requestData"].data


def test_node_nested_values_and_numbers_travel_as_json_text(node_sdk, recorder: Recorder) -> None:
    recorder.replies.append(pb_reply({"errcode": 0, "errmsg": "ok", "order_id": "o1"}))
    args = {"orderId": "o1", "cargo": {"count": 2, "detailList": [{"name": "书", "count": 1}]}, "insured": {"useInsured": 0},
            "tagid": 12345678901234}
    assert call(recorder, "addOrder", args)["ok"] == {"orderId": "o1", "errMsg": "openapi.logistics.addOrder:ok", "errCode": 0}
    fields = parse_multipart(recorder.seen[0]["body"], recorder.seen[0]["headers"]["content-type"])
    pairs = {p.key: json.loads(p.value) for p in CommApiData.decode(fields["requestData"].data).pairs}
    assert pairs == {"order_id": "o1", "cargo": {"count": 2, "detail_list": [{"name": "书", "count": 1}]}, "insured": {"use_insured": 0},
                     "tagid": 12345678901234}


def test_node_signature_verifies_with_cloudfn_tc3_and_is_reproduced_exactly(node_sdk, recorder: Recorder) -> None:
    recorder.replies.append(pb_reply({"errcode": 0, "errmsg": "ok"}))
    call(recorder, "bindAccount", BIND)
    seen = recorder.seen[0]
    headers = seen["headers"]
    fields = {name: (p.data if p.content_type == "application/octet-stream" else p.text())
              for name, p in parse_multipart(seen["body"], headers["content-type"]).items()}
    url = "http://" + headers["host"] + seen["path"]
    timestamp = int(headers["x-timestamp"])
    auth = tc3.parse_authorization(headers["authorization"])
    assert auth is not None and auth.secret_id == SECRET_ID
    assert auth.signed_params == ["action", "apiname", "envname", "requestdata"]
    assert tc3.verify(SECRET_KEY, "post", url, headers, fields, headers["authorization"], timestamp)
    assert not tc3.verify("another-key", "post", url, headers, fields, headers["authorization"], timestamp)
    tampered = dict(fields, apiName="logistics.getQuota")
    assert not tc3.verify(SECRET_KEY, "post", url, headers, tampered, headers["authorization"], timestamp)
    # Signing the same request ourselves gives the very same header.
    signed = {name: headers[name] for name in auth.signed_headers}
    mine, _ = tc3.sign(SECRET_ID, SECRET_KEY, "post", url, signed, fields, timestamp)
    assert mine == headers["authorization"]


def test_node_reads_commopenapiresp_error_code_as_system_error(node_sdk, recorder: Recorder) -> None:
    recorder.replies.append(pb_reply({}, error_code=-604101))
    line = call(recorder, "getPath", {"deliveryId": "TEST", "waybillId": "w"})
    assert line["error"]["errCode"] == -604101
    assert line["error"]["errMsg"] == "system error: error code: -604101"


@pytest.mark.parametrize("code, errcode, text", [
    ("INVALID_PARAM", -501007, "invalid parameters"),
    ("SYS_ERR", -501001, "resource system error"),
    ("NO_SUCH_CODE", -501001, "resource system error"),
    ("INVALID_ENV", -501001, "resource system error"),  # wx-server-sdk's table spells it INVALIID_ENV
    ("INVALIID_ENV", -501005, "invalid env"),
])
def test_node_maps_gateway_json_failures_through_tcb_err_code(node_sdk, recorder: Recorder, code: str, errcode: int, text: str) -> None:
    # @cloudbase/node-sdk 3.17.2 throws on a {code, message} reply, so wx-server-sdk renders it
    # with toSDKError: "openapi.<api>:fail <code> <description>. <message>" (not "<api>:fail <message>").
    body = json.dumps({"code": code, "message": "gateway says no", "requestId": "r1"}).encode()
    recorder.replies.append((200, {"Content-Type": "application/json; charset=utf-8"}, body))
    line = call(recorder, "getPath", {"deliveryId": "TEST", "waybillId": "w"})
    assert line["error"]["errCode"] == errcode
    assert line["error"]["errMsg"] == f"openapi.logistics.getPath:fail {errcode} {text}. gateway says no"
    assert line["error"]["message"] == line["error"]["errMsg"]


def test_node_reports_a_non_200_gateway_status_as_resource_system_error(node_sdk, recorder: Recorder) -> None:
    recorder.replies.append((502, {"Content-Type": "text/plain"}, b"bad gateway"))
    line = call(recorder, "getPath", {"deliveryId": "TEST", "waybillId": "w"})
    assert line["error"]["errCode"] == -501001
    assert line["error"]["errMsg"] == f"openapi.logistics.getPath:fail -501001 resource system error. 502 Bad Gateway | [{recorder.url}?" + \
        recorder.seen[0]["path"].split("?", 1)[1] + "]"


def test_node_reads_wechat_errcode_inside_the_protobuf_reply(node_sdk, recorder: Recorder) -> None:
    recorder.replies.append(pb_reply({"errcode": 9300531, "errmsg": "invalid account rid: 1-2-3"}))
    line = call(recorder, "bindAccount", BIND)
    assert line["error"]["errCode"] == 9300531
    assert line["error"]["errMsg"] == "openapi.logistics.bindAccount:fail invalid account rid: 1-2-3"


def _protobufjs(jobs: List[Dict[str, Any]], node_dir: Any) -> List[Any]:
    done = subprocess.run(["node", str(node_dir / "pb_codec.js")], input=json.dumps(jobs), capture_output=True, text=True, timeout=60,
                          check=True, cwd=node_dir)
    return json.loads(done.stdout)


def test_codec_matches_protobufjs_in_both_directions(node_sdk) -> None:
    resp = CommOpenApiResp("{\"errcode\":0,\"名\":\"值\"}".encode(), "application/json", -604101, 200)
    request = CommApiData([KeyValuePair("type", b'"bind"'), KeyValuePair("n", b"12345678901234567890")], appid="wxother")
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    encoded_resp, encoded_req, decoded_resp, decoded_req = _protobufjs([
        {"encode": "CommOpenApiResp",
         "message": {"respData": b64(resp.resp_data), "contentType": resp.content_type, "errorCode": -604101, "httpCode": 200}},
        {"encode": "CommApiData", "message": {"apiType": 0, "openapiData": {"pairs": [{"key": p.key, "value": b64(p.value)} for p in request.pairs]},
                                              "appid": "wxother"}},
        {"decode": "CommOpenApiResp", "bytes": b64(resp.encode())},
        {"decode": "CommApiData", "bytes": b64(request.encode())},
    ], node_sdk)
    assert base64.b64decode(encoded_resp) == resp.encode()
    assert base64.b64decode(encoded_req) == request.encode()
    assert CommOpenApiResp.decode(base64.b64decode(encoded_resp)) == resp
    assert CommApiData.decode(base64.b64decode(encoded_req)) == request
    assert decoded_resp["errorCode"] == -604101 and decoded_resp["httpCode"] == 200 and decoded_resp["contentType"] == "application/json"
    assert base64.b64decode(decoded_resp["respData"]) == resp.resp_data
    assert decoded_req["appid"] == "wxother"
    assert [(p["key"], base64.b64decode(p["value"])) for p in decoded_req["openapiData"]["pairs"]] == [(p.key, p.value) for p in request.pairs]
