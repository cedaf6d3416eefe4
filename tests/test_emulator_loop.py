"""The emulator's event loop: calls that may wait run in worker threads, so no client holds up
another; getPath, answered on the loop, reads what was stored before a restart, an import or a reset."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from typing import Any, Dict, List

from cloudfn.emulator import Emulator, running
from cloudfn.emulator.testing import Raw, order_wire

HEALTH = b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _timed_health(emu: Emulator) -> float:
    """Seconds a fresh client waits for /_emulator/health."""
    started = time.monotonic()
    client = Raw(emu.base_url)
    try:
        assert client.get("/_emulator/health") == (200, {"ok": True})
    finally:
        client.close()
    return time.monotonic() - started


def _in_background(fn: Any) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def test_a_delayed_call_does_not_hold_up_other_clients() -> None:
    with running() as emu:
        token = Raw(emu.base_url).token(emu.appid, emu.secret)
        emu.faults.add({"api": "getAllDelivery", "delay_ms": 1500})
        assert not emu.started().pipeline.nonblocking()
        replies: List[Any] = []
        slow = _in_background(lambda: replies.append(Raw(emu.base_url).get(f"/cgi-bin/express/business/delivery/getall?access_token={token}")))
        time.sleep(0.2)  # the delayed call is now waiting in a worker thread
        assert _timed_health(emu) < 0.5
        slow.join(timeout=10)
        assert replies and replies[0][1]["errcode"] == 0


def test_a_carrier_hook_may_call_back_into_the_emulator() -> None:
    with running() as emu:
        seen: List[int] = []

        def carrier(event: str, message: Dict[str, Any]) -> Dict[str, Any]:
            seen.append(Raw(emu.base_url).get("/_emulator/health")[0])  # a carrier stub that asks the emulator something
            return {"ResultCode": 0, "ResultMsg": "ok"}

        emu.backend.provider = carrier
        assert not emu.started().pipeline.nonblocking()
        client = Raw(emu.base_url)
        token = client.token(emu.appid, emu.secret)
        status, reply = client.post(f"/cgi-bin/express/business/order/add?access_token={token}", order_wire("hook-1"))
        client.close()
        assert (status, reply["errcode"], seen) == (200, 0, [200])


def test_a_blocking_subscriber_runs_off_the_loop() -> None:
    with running() as emu:
        token = Raw(emu.base_url).token(emu.appid, emu.secret)
        assert emu.started().pipeline.nonblocking()  # no fault, no hook, no blocking subscriber: calls run on the loop
        emu.backend.subscribe(lambda event, payload: time.sleep(1.5))
        assert not emu.started().pipeline.nonblocking()
        client = Raw(emu.base_url)
        _, added = client.post(f"/cgi-bin/express/business/order/add?access_token={token}", order_wire("sub-1"))
        update = {"biz_id": "test_biz_id", "order_id": "sub-1", "delivery_id": "TEST", "waybill_id": added["waybill_id"],
                  "action_time": int(time.time()), "action_type": 100001, "action_msg": "picked up"}
        moved = _in_background(lambda: client.post(f"/cgi-bin/express/business/test_update_order?access_token={token}", update))
        time.sleep(0.2)  # the subscriber now sleeps in a worker thread
        assert _timed_health(emu) < 0.5
        moved.join(timeout=10)
        client.close()


def test_a_client_that_stalls_mid_request_does_not_hold_up_others() -> None:
    with running() as emu:
        with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as stalled:
            stalled.sendall(b"POST /_emulator/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len")  # and nothing more
            time.sleep(0.1)
            assert _timed_health(emu) < 0.5
            stalled.sendall(b"gth: 2\r\n\r\n{}")  # it may still finish its request
            assert stalled.recv(4096).startswith(b"HTTP/1.1 200")


def _path(client: Raw, token: str, waybill_id: str) -> Any:
    return client.post(f"/cgi-bin/express/business/path/get?access_token={token}", {"delivery_id": "TEST", "waybill_id": waybill_id})[1]


def _order_with_path(emu: Emulator) -> Dict[str, Any]:
    added = emu.backend.handle("addOrder", order_wire("idx-1"), emu.appid)
    update = {"biz_id": "test_biz_id", "order_id": "idx-1", "delivery_id": "TEST", "waybill_id": added["waybill_id"],
              "action_time": 1700000000, "action_type": 100001, "action_msg": "揽件成功"}
    assert emu.backend.handle("testUpdateOrder", update, emu.appid)["errcode"] == 0
    return added


def test_get_path_after_restart_import_and_reset(tmp_path: Any) -> None:
    data = str(tmp_path / "emu.sqlite3")
    with running(data=data) as emu:
        waybill = _order_with_path(emu)["waybill_id"]
        client = Raw(emu.base_url)
        before = _path(client, client.token(emu.appid, emu.secret), waybill)
        client.close()
        snapshot = emu.export_state()
    assert before["errcode"] == 0 and [p["action_msg"] for p in before["path_item_list"]] == ["揽件成功"]
    with running(data=data) as reopened:
        client = Raw(reopened.base_url)
        token = client.token(reopened.appid, reopened.secret)
        assert {**_path(client, token, waybill), "errmsg": "ok"} == {**before, "errmsg": "ok"}
        reopened.reset()
        assert _path(client, token, waybill)["errcode"] == 40199
        client.close()
    with running(apps={"wxother000000001": "s2", Emulator().appid: Emulator().secret}) as fresh:
        fresh.import_state(json.loads(json.dumps(snapshot)))
        client = Raw(fresh.base_url)
        assert _path(client, client.token(Emulator().appid, Emulator().secret), waybill)["path_item_num"] == 1
        assert _path(client, client.token("wxother000000001", "s2"), waybill)["errcode"] == 40199  # another app's waybill
        client.close()


def test_stopping_with_open_keep_alive_connections_logs_nothing(caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    with running() as emu:
        clients = [Raw(emu.base_url) for _ in range(3)]
        for client in clients:
            assert client.get("/_emulator/health")[0] == 200  # each connection now idles on keep-alive
        stalled = socket.create_connection(("127.0.0.1", emu.port), timeout=10)
        stalled.sendall(b"GET /_emulator/health HTTP/1.1\r\n")  # and one mid-request
        time.sleep(0.1)
    stalled.close()
    for client in clients:
        client.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
