"""Several apps, the emulator's clock, waybills that move, snapshots, realistic faults (issues 12.3, 13.3-13.5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict, Iterator, List

import pytest
import requests

from cloudfn.emulator import Emulator, running
from cloudfn.emulator.testing import Raw, order_wire

DELIVERY = "/cgi-bin/express/business/delivery/getall"
PRINTERS = "/cgi-bin/express/business/printer/getall"
APPS = {"wxapp00000000000a": "secret-a", "wxapp00000000000b": "secret-b"}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with running(apps=APPS) as emulator:
        yield emulator


def post(emu: Emulator, path: str, body: Any) -> Dict[str, Any]:
    return requests.post(emu.base_url + path, json=body, timeout=10).json()


def test_each_app_has_its_own_tokens_and_state(emu: Emulator) -> None:
    assert (emu.appid, emu.secret) == ("wxapp00000000000a", "secret-a")  # the first app is the default
    raw = Raw(emu.base_url)
    ta, tb = raw.token("wxapp00000000000a", "secret-a"), raw.token("wxapp00000000000b", "secret-b")
    assert raw.post(f"/cgi-bin/express/business/printer/update?access_token={ta}", {"openid": "oA", "update_type": "bind"})[1]["errcode"] == 0
    assert raw.get(f"{PRINTERS}?access_token={ta}")[1]["openid"] == ["oA"]
    assert raw.get(f"{PRINTERS}?access_token={tb}")[1]["openid"] == []  # b sees only its own printers
    _, wrong = raw.post("/cgi-bin/stable_token", {"grant_type": "client_credential", "appid": "wxapp00000000000b", "secret": "secret-a"})
    assert wrong["errcode"] == 40125  # a's secret is no key to b


def test_cli_takes_apps(tmp_path: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WX_", "CLOUDFN_"))}
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-m", "cloudfn.cli", "emulator", "--port", "0", "--data", ":memory:",
                             "--app", "wxcli0000000000001:s1", "--app", "wxcli0000000000002:s2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "appid: wxcli0000000000001" in line, line
        base = line.split("listening on ")[1].split()[0]
        assert Raw(base).token("wxcli0000000000002", "s2")
    finally:
        proc.terminate()
        proc.wait(10)


def test_clock_crosses_expiry_without_sleeping(emu: Emulator) -> None:
    raw = Raw(emu.base_url)
    token = raw.token(emu.appid, emu.secret)
    before = requests.get(emu.base_url + "/_emulator/clock", timeout=10).json()
    moved = post(emu, "/_emulator/clock", {"advance_s": 7200})
    assert moved["offset"] == before["offset"] + 7200 and moved["now"] >= before["now"] + 7200
    assert raw.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] == 42001
    assert post(emu, "/_emulator/clock", {"advance_s": -5})["errcode"] == 47001
    assert post(emu, "/_emulator/clock", {})["errcode"] == 47001


def test_stable_token_renews_in_its_last_five_minutes(emu: Emulator) -> None:
    raw = Raw(emu.base_url)
    first = raw.token(emu.appid, emu.secret)
    post(emu, "/_emulator/clock", {"advance_s": 7200 - 200})
    _, renewed = raw.post("/cgi-bin/stable_token", {"grant_type": "client_credential", "appid": emu.appid, "secret": emu.secret})
    assert renewed["access_token"] != first and renewed["expires_in"] >= 300
    assert raw.get(f"{DELIVERY}?access_token={first}")[1]["errcode"] == 0  # old and new both valid for the overlap


def _order(emu: Emulator, order_id: str) -> str:
    reply = emu.backend.handle("addOrder", order_wire(order_id), emu.appid)
    assert reply["errcode"] == 0, reply
    return str(reply["waybill_id"])


def test_advance_on_demand(emu: Emulator) -> None:
    waybill = _order(emu, "mv-1")
    step = post(emu, "/_emulator/orders/advance", {"waybill_id": waybill, "to": "next"})
    assert step["ok"] and len(step["added"]) == 1
    done = post(emu, "/_emulator/orders/advance", {"waybill_id": waybill, "to": "delivered"})
    assert done["added"][-1]["action_type"] == 300003
    path = emu.backend.handle("getPath", {"delivery_id": "TEST", "waybill_id": waybill}, emu.appid)["path_item_list"]
    assert [p["action_type"] for p in path][-1] == 300003 and path[0]["action_type"] in (100001, 100003)
    assert post(emu, "/_emulator/orders/advance", {"waybill_id": waybill, "to": "next"})["added"] == []
    other = _order(emu, "mv-2")
    failed = post(emu, "/_emulator/orders/advance", {"waybill_id": other, "to": "failed"})["added"]
    assert failed[-1]["action_type"] in (100002, 300004, 400001, 400002)
    assert requests.post(emu.base_url + "/_emulator/orders/advance", json={"waybill_id": "NOPE"}, timeout=10).status_code == 404
    assert post(emu, "/_emulator/orders/advance", {"waybill_id": waybill, "to": "sideways"})["errcode"] == 47001


def test_auto_advance_is_driven_by_the_clock() -> None:
    with running(auto_advance=3600) as emu:
        waybill = _order(emu, "auto-1")
        emu.mover.tick()
        assert emu.backend.orders()[0]["path"] == []  # nothing due yet
        moved = post(emu, "/_emulator/clock", {"advance_s": 3 * 3600 + 1})
        assert moved["moved"] == 3
        path = emu.backend.orders()[0]["path"]
        assert len(path) == 3 and path[1]["action_time"] - path[0]["action_time"] == 3600
        post(emu, "/_emulator/clock", {"advance_s": 40 * 3600})
        assert emu.backend.orders()[0]["path"][-1]["action_type"] == 300003
        assert waybill == emu.backend.orders()[0]["waybill_id"]


def test_auto_advance_pushes_each_step() -> None:
    from tests.test_events_e2e import TOKEN, Receiver  # the signed-push receiver of the events tests

    recv = Receiver(lambda event, context: {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "success"})
    try:
        with running(auto_advance=60, push_url=recv.url, push_token=TOKEN) as emu:
            _order(emu, "push-1")
            post(emu, "/_emulator/clock", {"advance_s": 121})
            assert emu.pusher.drain(20)
            events = emu.pusher.events(event="add_express_path")
            assert [e["payload"]["Count"] for e in events] == [1, 2] and all(e["outcome"] == "delivered" for e in events)
    finally:
        recv.close()


def test_snapshot_round_trip_and_file_to_memory(tmp_path: Any) -> None:
    data = str(tmp_path / "emu.sqlite3")
    with running(data=data, apps=APPS) as source:
        backend = source.backend
        backend.handle("bindAccount", {"type": "bind", "biz_id": "b1", "delivery_id": "ZTO", "password": "p"}, source.appid)
        backend.handle("updatePrinter", {"openid": "o1", "update_type": "bind", "tagid_list": "1,2"}, "wxapp00000000000b")
        waybill = _order(source, "snap-1")
        source.mover.advance(waybill, "next")
        requests.post(source.base_url + "/_emulator/faults", json={"api": "getPath", "errcode": 45009, "probability": 0.5}, timeout=10)
        Raw(source.base_url).token(source.appid, source.secret)
        doc = requests.get(source.base_url + "/_emulator/state", timeout=10).json()
        assert "tokens" not in doc["tokens"] and "secret-a" not in json.dumps(doc)  # tokens and secrets only on request
        full = requests.get(source.base_url + "/_emulator/state?tokens=1", timeout=10).json()
        assert full["tokens"]["tokens"]
    with running(apps=APPS) as target:  # in-memory
        assert requests.put(target.base_url + "/_emulator/state", json=full, timeout=10).json() == {"ok": True}
        again = requests.get(target.base_url + "/_emulator/state?tokens=1", timeout=10).json()
        assert again == full
        assert target.backend.orders()[0]["waybill_id"] == waybill
        assert len(target.backend.orders()[0]["path"]) == 1
        token = full["tokens"]["tokens"][-1]["token"]
        assert Raw(target.base_url).get(f"{DELIVERY}?access_token={token}")[1]["errcode"] == 0
        bad = requests.put(target.base_url + "/_emulator/state", json={"version": 1, "orders": [{"x": 1}]}, timeout=10)
        assert bad.status_code == 400 and target.backend.orders()  # nothing changed


def test_seed_file_at_start(tmp_path: Any) -> None:
    with running() as source:
        _order(source, "seed-1")
        doc = source.export_state()
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with running(seed=str(path)) as emu:
        assert [o["order_id"] for o in emu.backend.orders()] == ["seed-1"]


def _decisions(seed: int) -> List[int]:
    with running(fault_seed=seed) as emu:
        raw = Raw(emu.base_url)
        token = raw.token(emu.appid, emu.secret)
        raw.post("/_emulator/faults", {"api": "getAllDelivery", "errcode": 45009, "probability": 0.3})
        return [raw.get(f"{DELIVERY}?access_token={token}")[1]["errcode"] for _ in range(40)]


def test_probabilistic_faults_are_reproducible_with_a_seed() -> None:
    first, second = _decisions(7), _decisions(7)
    assert first == second and 0 < first.count(45009) < 40


def test_fault_scoped_to_one_app(emu: Emulator) -> None:
    raw = Raw(emu.base_url)
    ta, tb = raw.token("wxapp00000000000a", "secret-a"), raw.token("wxapp00000000000b", "secret-b")
    raw.post("/_emulator/faults", {"api": "getAllDelivery", "errcode": 45009, "appid": "wxapp00000000000b", "count": None})
    assert raw.get(f"{DELIVERY}?access_token={ta}")[1]["errcode"] == 0
    assert raw.get(f"{DELIVERY}?access_token={tb}")[1]["errcode"] == 45009


def test_running_the_emulator_leaves_the_sdk_call_path_unloaded() -> None:
    code = ("import sys\nfrom cloudfn.emulator import running\nfrom cloudfn.emulator.testing import Raw\n"
            "with running() as emu:\n    Raw(emu.base_url).token(emu.appid, emu.secret)\n"
            "    emu.backend.handle('getAllDelivery', {}, emu.appid)\n"
            "print(sorted(m for m in sys.modules if m.startswith(('cloudfn.core', 'cloudfn.transports'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
