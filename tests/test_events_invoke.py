"""The receiver functions run through ``cloudfn invoke``, with the event a pushed message becomes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from typing import Any, Dict, List

from cloudfn.emulator import running
from cloudfn.events import crypto
from tests.test_events_e2e import AES_KEY, ROOT, TOKEN, Receiver, capture_router, move

APPID = "wx0000000000000000"


def invoke(name: str, event: Dict[str, Any], **env: str) -> "subprocess.CompletedProcess[str]":
    full = dict(os.environ)
    for key in ("CLOUDFN_SERVICE_URL", "WX_PUSH_TOKEN", "WX_PUSH_AES_KEY"):
        full.pop(key, None)
    full.update(env)
    cmd = [sys.executable, "-m", "cloudfn.cli", "invoke", name, "--event", json.dumps(event, ensure_ascii=False)]
    return subprocess.run(cmd, cwd=ROOT, env=full, capture_output=True, text=True, timeout=60)


def test_path_receiver_invoked_with_the_event_dict_the_emulator_pushed(monkeypatch):
    import cloudfn
    from cloudfn.tokens import MemoryTokenStore

    router, seen = capture_router(APPID)
    recv = Receiver(router.main_handler)
    try:
        with running(push_url=recv.url, push_token=TOKEN) as emu:
            monkeypatch.setenv("CLOUDFN_API_BASE", emu.base_url)
            monkeypatch.setenv("WX_APPID", emu.appid)
            monkeypatch.setenv("WX_APPSECRET", emu.secret)
            cloudfn.init(transport="https", token_store=MemoryTokenStore())
            waybill = move(cloudfn.openapi.logistics, "inv-1", steps=((100001, "揽件成功"), (300003, "已签收")))
            assert emu.pusher.drain(20)
    finally:
        recv.close()
        cloudfn.reset()
    pushed = seen[-1]  # what a CloudBase message-push trigger hands to main_handler
    done = invoke("path_receiver", pushed)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == "success"
    line = next(json.loads(x) for x in done.stderr.splitlines() if x.startswith('{"path_update"'))
    assert line["path_update"] == waybill and line["version"] == 2 and line["latest_action_type"] == 300003


def test_provider_receiver_invoked_behind_an_api_gateway_in_safe_mode():
    event = {
        "ToUserName": "gh_carrier", "FromUserName": "oWeChatTeam", "CreateTime": int(time.time()), "MsgType": "event",
        "Event": "add_waybill", "Token": "tk-1", "OrderID": "inv-order", "BizID": "biz-1", "BizPwd": "", "ShopAppID": APPID,
        "WayBillID": "0", "Remark": "", "Sender": {"Name": "张三", "Mobile": "13800000000"},
        "Receiver": {"Name": "李四", "Mobile": "13900000000", "City": "深圳市", "Province": "广东省", "Area": "南山区"},
        "Cargo": {"Weight": 1.0, "Count": 1, "DetailList": [{"Name": "书", "Count": 1}]},
        "Insured": {"UseInsured": 0, "InsuredValue": 0}, "Service": {"ServiceType": 0, "ServiceName": "标准快递"},
    }  # fmt: skip
    ts, nonce = str(int(time.time())), "90817"
    enc = crypto.encrypt(json.dumps(event, ensure_ascii=False), AES_KEY, APPID)
    query = {"timestamp": ts, "nonce": nonce, "signature": crypto.signature(TOKEN, ts, nonce), "encrypt_type": "aes",
             "msg_signature": crypto.msg_signature(TOKEN, ts, nonce, enc)}  # fmt: skip
    gateway = {"httpMethod": "POST", "path": "/provider", "queryString": query, "headers": {"content-type": "application/json"},
               "body": json.dumps({"ToUserName": "gh_carrier", "Encrypt": enc}), "isBase64Encoded": False}  # fmt: skip
    done = invoke("provider_receiver", gateway, WX_PUSH_TOKEN=TOKEN, WX_PUSH_AES_KEY=AES_KEY, WX_APPID=APPID)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["statusCode"] == 200
    wrapped = json.loads(out["body"])
    assert wrapped["MsgSignature"] == crypto.msg_signature(TOKEN, wrapped["TimeStamp"], wrapped["Nonce"], wrapped["Encrypt"])
    reply = json.loads(crypto.decrypt(wrapped["Encrypt"], AES_KEY, APPID))
    assert reply["ResultCode"] == 0 and reply["WayBillID"].startswith("PV") and reply["Token"] == "tk-1"
    assert reply["ToUserName"] == "oWeChatTeam" and reply["WaybillData"].startswith("##PV_bagAddr##深圳市##")

    forged = dict(gateway, queryString=dict(query, msg_signature="0" * 40))
    done = invoke("provider_receiver", forged, WX_PUSH_TOKEN=TOKEN, WX_PUSH_AES_KEY=AES_KEY, WX_APPID=APPID)
    out = json.loads(done.stdout)
    assert out["statusCode"] == 403 and json.loads(out["body"])["errCode"] == -40001
    assert "accepted order" not in done.stderr  # the handler never ran


def test_provider_receiver_answers_each_event_kind_as_a_cloudbase_trigger():
    base = {"ToUserName": "gh_carrier", "FromUserName": "oWeChatTeam", "CreateTime": 1, "MsgType": "event", "ShopAppID": APPID}
    cases: List[Any] = [
        ({"Event": "check_biz", "BizID": "shop", "BizPwd": "wrong"}, {"ResultCode": 10002, "BizID": "shop"}),
        ({"Event": "get_quota", "BizID": "shop", "BizPwd": "x"}, {"ResultCode": 0, "Quota": 77}),
        ({"Event": "cancel_waybill", "BizID": "b", "OrderID": "o", "WayBillID": "W"}, {"ResultCode": 0, "WayBillID": "W", "OrderID": "o"}),
    ]
    for extra, expected in cases:
        done = invoke("provider_receiver", dict(base, **extra), PROVIDER_QUOTA="77")
        assert done.returncode == 0, done.stderr
        reply = json.loads(done.stdout)
        assert expected.items() <= reply.items(), reply
        assert reply["ToUserName"] == "oWeChatTeam" and reply["FromUserName"] == "gh_carrier" and reply["Event"] == extra["Event"]


def test_packaged_receivers_run_from_their_zip(tmp_path):
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    for name in ("path_receiver", "provider_receiver"):
        out = tmp_path / f"{name}.zip"
        cmd = [sys.executable, "-m", "cloudfn.cli", "package", name, "-o", str(out), "--vendor-dir", str(vendor)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with zipfile.ZipFile(out) as z:
            names = set(z.namelist())
            assert {"index.py", "config.json", "requirements.txt", "cloudfn/events/dispatch.py", "cloudfn/events/crypto.py"} <= names
            assert "cryptography" in z.read("requirements.txt").decode()
            z.extractall(tmp_path / name)
    event = {"MsgType": "event", "Event": "get_quota", "BizID": "b", "FromUserName": "team", "ToUserName": "carrier"}
    code = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import index, cloudfn\n"
        "assert cloudfn.__file__.startswith(sys.argv[1]), cloudfn.__file__\n"
        "print(json.dumps(index.main_handler(json.loads(sys.argv[2]), None)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "provider_receiver"), json.dumps(event)],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, PROVIDER_QUOTA="9"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    expected = {"Quota": 9, "ResultCode": 0, "ToUserName": "team", "FromUserName": "carrier", "Event": "get_quota"}
    assert expected.items() <= json.loads(done.stdout).items()


def test_provider_receiver_refuses_a_downgraded_push_unless_compat_mode_and_answers_413_above_the_limit():
    event = {"ToUserName": "gh_carrier", "FromUserName": "oWeChatTeam", "CreateTime": int(time.time()), "MsgType": "event",
             "Event": "get_quota", "BizID": "biz-1"}  # fmt: skip
    ts, nonce = str(int(time.time())), "5150"
    query = {"timestamp": ts, "nonce": nonce, "signature": crypto.signature(TOKEN, ts, nonce)}  # a plain push
    gateway = {"httpMethod": "POST", "path": "/provider", "queryString": query, "headers": {}, "body": json.dumps(event), "isBase64Encoded": False}
    env = {"WX_PUSH_TOKEN": TOKEN, "WX_PUSH_AES_KEY": AES_KEY, "WX_APPID": APPID, "PROVIDER_QUOTA": "12"}
    done = invoke("provider_receiver", gateway, **env)
    out = json.loads(done.stdout)
    assert done.returncode == 0 and out["statusCode"] == 403 and json.loads(out["body"])["errCode"] == -40001
    done = invoke("provider_receiver", gateway, WX_PUSH_COMPAT="1", **env)
    out = json.loads(done.stdout)
    assert out["statusCode"] == 200 and json.loads(out["body"])["Quota"] == 12
    big = dict(gateway, body=json.dumps(dict(event, Pad="x" * 3000)))
    done = invoke("provider_receiver", big, WX_PUSH_COMPAT="1", WX_PUSH_MAX_BODY="2048", **env)
    out = json.loads(done.stdout)
    assert out["statusCode"] == 413 and json.loads(out["body"])["errCode"] == -40014
    assert "Traceback" not in done.stderr
