"""The console's page and admin routes over real HTTP: headers, guard, JSON views, the call log and its masking."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from typing import Any, Dict, Iterator

import pytest
import requests

from cloudfn.emulator import Emulator, running
from cloudfn.emulator.console.views import mask_phone
from cloudfn.emulator.pipeline import MAX_LOGGED_BODY, Calls
from cloudfn.emulator.testing import Raw, order_wire

APP2, SECRET2 = "wx2222222222222222", "second-app-secret"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with running(apps={"wx1111111111111111": "first-app-secret", APP2: SECRET2}) as emulator:
        yield emulator


@pytest.fixture
def raw(emu: Emulator) -> Iterator[Raw]:
    emu.reset()
    client = Raw(emu.base_url)
    yield client
    client.close()


def _add(raw: Raw, emu: Emulator, order_id: str, appid: str = "", secret: str = "") -> Dict[str, Any]:
    token = raw.token(appid or emu.appid, secret or emu.secret)
    status, reply = raw.post(f"/cgi-bin/express/business/order/add?access_token={token}", order_wire(order_id))
    assert status == 200 and reply["errcode"] == 0, reply
    return reply


def _get(emu: Emulator, path: str, **headers: str) -> requests.Response:
    return requests.get(emu.base_url + path, headers=headers, timeout=10)


# ---------------------------------------------------------------- the page


def test_ui_is_served_with_a_self_only_content_security_policy(emu: Emulator) -> None:
    r = _get(emu, "/_emulator/ui")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert '<script src="/_emulator/ui/console.js"' in r.text
    assert "<script>" not in r.text and " on" + "click=" not in r.text  # no inline script for the CSP to allow


def test_assets_ship_in_the_package_and_need_no_network(emu: Emulator) -> None:
    js = _get(emu, "/_emulator/ui/console.js")
    css = _get(emu, "/_emulator/ui/console.css")
    assert js.headers["Content-Type"].startswith("text/javascript") and ".innerHTML" not in js.text and "insertAdjacentHTML" not in js.text
    assert css.headers["Content-Type"].startswith("text/css")
    for text in (js.text, css.text, _get(emu, "/_emulator/ui").text):
        assert "https://" not in text and "http://" not in text  # no CDN, no remote font


@pytest.mark.parametrize("path", ["/_emulator/ui", "/_emulator/overview", "/_emulator/calls/log", "/_emulator/orders/search"])
def test_foreign_host_and_other_origins_are_refused(emu: Emulator, path: str) -> None:
    assert _get(emu, path, Host="evil.example:80").status_code == 403
    assert _get(emu, path, Origin="http://evil.example").status_code == 403
    assert _get(emu, path, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    own = _get(emu, path, Origin=emu.base_url, **{"Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 200  # what the console's own fetches send


def test_console_writes_from_its_own_origin_pass_the_guard(emu: Emulator, raw: Raw) -> None:
    headers = {"Origin": emu.base_url, "Sec-Fetch-Site": "same-origin"}
    r = requests.post(emu.base_url + "/_emulator/faults", json={"api": "getPath", "errcode": 45009}, headers=headers, timeout=10)
    assert r.status_code == 200 and r.json()["faults"][0]["errcode"] == 45009
    other = requests.post(emu.base_url + "/_emulator/faults", json={"api": "getPath", "errcode": 1},
                          headers={"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"}, timeout=10)
    assert other.status_code == 403


# ---------------------------------------------------------------- JSON views


def test_overview_lists_apps_accounts_printers_and_orders_by_status(emu: Emulator, raw: Raw) -> None:
    token = raw.token(emu.appid, emu.secret)
    raw.post(f"/cgi-bin/express/business/account/bind?access_token={token}",
             {"type": "bind", "biz_id": "ems-1", "delivery_id": "EMS", "password": "", "remark_content": "please review"})
    raw.post(f"/cgi-bin/express/business/printer/update?access_token={token}", {"openid": "oPrinter1", "update_type": "bind", "tagid_list": "7,9"})
    added = _add(raw, emu, "ov-1")
    _add(raw, emu, "ov-2", APP2, SECRET2)
    raw.post("/_emulator/orders/advance", {"waybill_id": added["waybill_id"], "to": "delivered"})
    o = _get(emu, "/_emulator/overview").json()
    first, second = o["apps"]
    assert first["appid"] == emu.appid and first["default"] and second["appid"] == APP2
    assert first["accounts"] == [{"delivery_id": "EMS", "carrier": "中国邮政速递物流", "biz_id": "ems-1", "state": "under review", "status_code": 1,
                                  "quota_num": 1000, "alias": "", "remark_wrong_msg": ""}]
    assert first["printers"] == [{"openid": "oPrinter1", "tagid_list": ["7", "9"]}]
    assert first["orders_by_status"] == {"delivered": 1} and second["orders_by_status"] == {"created": 1}
    assert o["orders_by_status"] == {"delivered": 1, "created": 1}
    assert any(e["api"] == "bindAccount" and e["errcode"] == 9300532 for e in o["recent_errors"])  # the review answer is an error
    assert SECRET2 not in json.dumps(o) and "first-app-secret" not in json.dumps(o)


def test_search_filters_by_app_carrier_status_and_id(emu: Emulator, raw: Raw) -> None:
    a = _add(raw, emu, "find-apple")
    _add(raw, emu, "find-pear")
    _add(raw, emu, "find-plum", APP2, SECRET2)
    moved = raw.post("/_emulator/orders/advance", {"waybill_id": a["waybill_id"], "to": "delivered"})
    assert moved[0] == 200, moved

    def ids(query: str) -> list:
        return sorted(o["order_id"] for o in _get(emu, "/_emulator/orders/search?" + query).json()["orders"])

    assert ids("") == ["find-apple", "find-pear", "find-plum"]
    assert ids("q=APPLE") == ["find-apple"]
    assert ids("q=" + a["waybill_id"]) == ["find-apple"]
    assert ids(f"appid={APP2}") == ["find-plum"]
    assert ids("status=delivered") == ["find-apple"]
    assert ids("delivery_id=SF") == []
    assert ids("delivery_id=TEST&status=created") == ["find-pear", "find-plum"]


def test_order_detail_masks_phones_and_carries_label_path_and_pushes(emu: Emulator, raw: Raw) -> None:
    added = _add(raw, emu, "detail-1")
    raw.post("/_emulator/orders/advance", {"waybill_id": added["waybill_id"], "to": "failed"})
    d = _get(emu, "/_emulator/orders/detail?waybill_id=" + added["waybill_id"]).json()
    assert d["sender"]["mobile"] == "138****0000" and d["receiver"]["tel"] == "020-****8888"
    assert "13800000000" not in json.dumps({k: v for k, v in d.items() if k != "label_html"})
    assert d["cargo"]["detail_list"] == [{"name": "杯子", "count": 2}]
    assert d["path"][0]["action"] in ("cancelled", "held", "pickup failed") and d["status"] == d["path"][-1]["action"]
    assert '<p class="waybill-id">' + added["waybill_id"] in d["label_html"]  # getOrder's print_html, decoded
    assert d["pushes"] == []  # no push URL on this emulator
    assert _get(emu, "/_emulator/orders/detail?waybill_id=nope").status_code == 404


@pytest.mark.parametrize("given, shown", [("13800000000", "138****0000"), ("020-88888888", "020-****8888"), ("12345", "***45"), ("", "")])
def test_phone_masking_keeps_only_the_ends(given: str, shown: str) -> None:
    assert mask_phone(given) == shown


# ---------------------------------------------------------------- the call log


def test_call_log_records_each_call_with_transport_errcode_latency_and_masked_bodies(emu: Emulator, raw: Raw) -> None:
    token = raw.token(emu.appid, emu.secret)
    raw.post(f"/cgi-bin/express/business/account/bind?access_token={token}",
             {"type": "bind", "biz_id": "b-1", "delivery_id": "YUNDA", "password": "hunter2-plain-password"})
    body = {"action": "wx.api", "apiName": "logistics.getAllDelivery", "requestData": "{}", "wxCloudApiToken": ""}
    assert requests.post(emu.base_url + "/admin", json=body, timeout=10).status_code == 200
    raw.get("/cgi-bin/express/business/path/get?access_token=wrong-token")
    log = _get(emu, "/_emulator/calls/log").json()
    calls = log["calls"]
    assert [c["api"] for c in calls] == ["stable_token", "bindAccount", "getAllDelivery", "getPath"]
    assert [c["transport"] for c in calls] == ["https", "https", "gateway", "https"]
    assert calls[1]["appid"] == emu.appid and calls[1]["errcode"] == 0 and calls[1]["ms"] >= 0 and calls[1]["status"] == 200
    assert calls[3]["errcode"] == 40001 and calls[3]["appid"] is None
    text = json.dumps(log)
    assert "hunter2-plain-password" not in text and emu.secret not in text and token not in text
    assert '"password": "***"' in calls[1]["request"] and '"access_token": "***"' in calls[0]["reply"]
    after = _get(emu, f"/_emulator/calls/log?after={calls[2]['id']}").json()
    assert [c["api"] for c in after["calls"]] == ["getPath"] and after["oldest"] == calls[0]["id"]


def test_call_log_shows_injected_faults_and_drops(emu: Emulator, raw: Raw) -> None:
    token = raw.token(emu.appid, emu.secret)
    raw.post("/_emulator/faults", [{"api": "getAllDelivery", "errcode": 45009}, {"api": "getQuota", "drop": True}])
    raw.get(f"/cgi-bin/express/business/delivery/getall?access_token={token}")
    with pytest.raises((ConnectionError, http.client.HTTPException)):  # closed unanswered
        raw.post(f"/cgi-bin/express/business/quota/get?access_token={token}", {"delivery_id": "YTO", "biz_id": "x"})
    calls = _get(emu, "/_emulator/calls/log").json()["calls"]
    faulted = {c["api"]: c for c in calls if c["fault"]}
    assert faulted["getAllDelivery"]["errcode"] == 45009 and faulted["getAllDelivery"]["fault"] == "errcode"
    assert faulted["getQuota"]["status"] is None and faulted["getQuota"]["reply"] is None and faulted["getQuota"]["fault"] == "drop"


def test_call_log_is_bounded_and_reset_clears_it() -> None:
    calls = Calls(max_log=3)
    for n in range(5):
        calls.record({"api": f"m{n}"})
    assert [e["api"] for e in calls.entries()] == ["m2", "m3", "m4"] and calls.oldest() == 3
    calls.clear()
    assert calls.entries() == [] and calls.oldest() is None


def test_call_log_keeps_at_most_64_kib_of_each_body(emu: Emulator, raw: Raw) -> None:
    token = raw.token(emu.appid, emu.secret)
    big = order_wire("big-1", customRemark="长" * 200_000)  # 600 KB of UTF-8: under the 1 MiB request limit
    raw.post(f"/cgi-bin/express/business/order/add?access_token={token}", big)
    kept = next(e for e in emu.started().calls.entries() if e["api"] == "addOrder")
    assert isinstance(kept["request"], bytes) and len(kept["request"]) == MAX_LOGGED_BODY
    shown = next(c for c in _get(emu, "/_emulator/calls/log").json()["calls"] if c["api"] == "addOrder")
    assert len(shown["request"]) < 25_000 and shown["request"].endswith("more characters)")


def test_reset_empties_the_call_log(emu: Emulator, raw: Raw) -> None:
    raw.token(emu.appid, emu.secret)
    assert _get(emu, "/_emulator/calls/log").json()["count"] == 1
    raw.post("/_emulator/reset", {})
    assert _get(emu, "/_emulator/calls/log").json() == {"count": 0, "oldest": None, "calls": []}


# ---------------------------------------------------------------- the CLI


def test_cli_prints_the_console_url(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WX_", "CLOUDFN_"))}
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-m", "cloudfn.cli", "emulator", "--port", "0", "--data", ":memory:"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    try:
        first, second = (proc.stdout.readline(), proc.stdout.readline()) if proc.stdout else ("", "")
        base = first.split("listening on ")[1].split()[0]
        assert second.strip() == f"# console: {base}/_emulator/ui"
        assert requests.get(base + "/_emulator/ui", timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)

