"""The seed documents' examples, ported verbatim: what is sent, what comes back, each error code."""

from __future__ import annotations

import subprocess
import sys

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from tests.stub_server import Reply, StubWeChat

SEEDS = [
    (
        "updatePrinter",
        {"openid": "oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw", "updateType": "bind"},
        "/cgi-bin/express/business/printer/update",
        {"openid": "oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw", "update_type": "bind"},
    ),
    (
        "updatePrinter",
        {"openid": "oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw", "updateType": "bind", "tagidList": "123,456"},
        "/cgi-bin/express/business/printer/update",
        {"openid": "oJ4v0wRAfiXcnIbM3SgGEUkTw3Qw", "update_type": "bind", "tagid_list": "123,456"},
    ),
    (
        "bindAccount",
        {"type": "bind", "password": "123456789123456789", "bizId": "123456", "deliveryId": "YUNDA"},
        "/cgi-bin/express/business/account/bind",
        {"type": "bind", "password": "123456789123456789", "biz_id": "123456", "delivery_id": "YUNDA"},
    ),
    (
        "updatePath",
        {"token": "TOKEN", "waybillId": "SF12345", "actionTime": 1533052800, "actionType": 300002, "actionMsg": "丽影邓丽君【18666666666】正在派件"},
        "/cgi-bin/express/delivery/path/update",
        {
            "token": "TOKEN",
            "waybill_id": "SF12345",
            "action_time": 1533052800,
            "action_type": 300002,
            "action_msg": "丽影邓丽君【18666666666】正在派件",
        },
    ),
]


@pytest.mark.parametrize("method, args, path, wire", SEEDS, ids=["updatePrinter", "updatePrinter-tagid", "bindAccount", "updatePath"])
def test_seed_example_sends_exactly_and_returns_exactly(sdk, stub: StubWeChat, method: str, args: dict, path: str, wire: dict) -> None:
    stub.reply(path, Reply({"errcode": 0, "errmsg": "ok"}))
    result = getattr(cloud.openapi.logistics, method)(args)
    assert result == {"errMsg": f"openapi.logistics.{method}:ok", "errCode": 0}
    (seen,) = stub.api_calls()
    assert (seen.method, seen.path) == ("POST", path)
    assert seen.json == wire
    assert list(seen.json) == list(wire)  # key order as Node sends it
    assert "丽影".encode() in seen.body or method != "updatePath"  # UTF-8, not \\u escapes


@pytest.mark.parametrize(
    "method, args, errcode, errmsg",
    [
        ("updatePrinter", {"openid": "o", "updateType": "bind"}, -1, "system failure"),
        ("updatePrinter", {"openid": "o", "updateType": "bind"}, 9300517, "update_type invalid"),
        ("bindAccount", {"type": "bind", "bizId": "1", "deliveryId": "YUNDA"}, 9300529, "biz_id already bound"),
        ("bindAccount", {"type": "unbind", "bizId": "1", "deliveryId": "YUNDA"}, 9300530, "biz_id not exist"),
        ("bindAccount", {"type": "bind", "bizId": "1", "deliveryId": "YUNDA"}, 9300531, "invalid biz_id or password"),
        ("bindAccount", {"type": "bind", "bizId": "1", "deliveryId": "EMS", "remarkContent": "电话:1"}, 9300532, "bind in review"),
        ("updatePath", {"token": "t", "waybillId": "w", "actionTime": 1, "actionType": 100001, "actionMsg": "m"}, 40199, "waybill not found"),
        ("updatePath", {"token": "t", "waybillId": "w", "actionTime": 1, "actionType": 100001, "actionMsg": "m"}, 9300507, "token invalid"),
    ],
)
def test_seed_error_codes_raise_with_exactly_that_code(sdk, stub: StubWeChat, method: str, args: dict, errcode: int, errmsg: str) -> None:
    path = {
        "updatePrinter": "/cgi-bin/express/business/printer/update",
        "bindAccount": "/cgi-bin/express/business/account/bind",
        "updatePath": "/cgi-bin/express/delivery/path/update",
    }[method]
    stub.reply(path, Reply({"errcode": errcode, "errmsg": f"{errmsg} rid: 64b0-1"}))
    with pytest.raises(CloudSDKError) as info:
        getattr(cloud.openapi.logistics, method)(args)
    assert info.value.errCode == errcode
    assert info.value.errMsg == f"openapi.logistics.{method}:fail {errmsg} rid: 64b0-1"


def test_quickstart_runs_against_a_fresh_emulator() -> None:
    out = subprocess.run([sys.executable, "-m", "cloudfn.quickstart"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # nothing logged, no traceback (the emulator stops with a keep-alive connection open)
    assert '"errMsg": "openapi.logistics.bindAccount:ok"' in out.stdout
    assert '"errCode": 9300529' in out.stdout
    assert '"actionMsg": "揽件成功"' in out.stdout
    assert '"errCode": -501007' in out.stdout
