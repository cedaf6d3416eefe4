"""Hypothesis over request bodies for every endpoint: never a 5xx, never a crash, state intact."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudfn import spec
from cloudfn.emulator import Emulator, running
from cloudfn.emulator.testing import Raw, order_wire

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def valid(field: Dict[str, Any]) -> st.SearchStrategy:
    """Values that fit a model field (most of the time), so fuzzing reaches the logic behind validation."""
    if "enum" in field:
        return st.sampled_from(field["enum"])
    kind = field.get("type", "object" if "fields" in field else None)
    if kind == "string":
        samples = ["TEST", "test_biz_id", "SF", "EMS", "bind", "1,2", "##a##b##", "PGI+JHtzeXMud2F5YmlsbGlkfTwvYj4="]
        return st.sampled_from(samples) | st.text(max_size=30)
    if kind == "integer":
        return st.sampled_from([0, 1, 2, 100001, 400001]) | st.integers(-(2**63), 2**63)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers()
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(field_value(field["items"]) if "items" in field else JSON, max_size=3)
    if kind == "object" and "fields" in field:
        return body_of(field["fields"])
    return JSON


def field_value(field: Dict[str, Any]) -> st.SearchStrategy:
    return valid(field) | JSON


def body_of(fields: Dict[str, Any]) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional={name: field_value(f) for name, f in fields.items()})


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[Dict[str, Any]]:
    with running() as emu:
        client = Raw(emu.base_url)
        token = client.token(emu.appid, emu.secret)
        seeded = emu.backend.handle("addOrder", order_wire("fuzz-seed"), emu.appid)
        yield {"emu": emu, "client": client, "token": token, "waybill": seeded["waybill_id"]}
        client.close()


def post(target: Dict[str, Any], path: str, data: bytes) -> Any:
    status, reply = target["client"].request("POST", f"{path}?access_token={target['token']}", data, {"Content-Type": "application/json"})
    assert status < 500, reply
    assert isinstance(reply.get("errcode"), int) and isinstance(reply.get("errmsg"), str), reply
    assert reply["errcode"] != -1, reply  # -1 would be an exception caught inside the emulator
    return reply


def check_intact(target: Dict[str, Any]) -> None:
    emu: Emulator = target["emu"]
    client: Raw = target["client"]
    assert client.get("/_emulator/health") == (200, {"ok": True})
    reply = post(target, "/cgi-bin/express/business/path/get", json.dumps({"delivery_id": "TEST", "waybill_id": target["waybill"]}).encode())
    assert reply["errcode"] == 0 and reply["waybill_id"] == target["waybill"]
    assert emu.backend.handle("getOrder", {"order_id": "fuzz-seed", "delivery_id": "TEST"}, emu.appid)["errcode"] == 0


@pytest.mark.parametrize("name", sorted(spec.methods()))
def test_fuzz_model_shaped_bodies(name: str, fuzz_target: Dict[str, Any]) -> None:
    method = spec.method(name)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(body=body_of(method["request"]) | JSON)
    def run(body: Any) -> None:
        post(fuzz_target, method["path"], json.dumps(body, ensure_ascii=False).encode())

    run()
    check_intact(fuzz_target)


@settings(max_examples=60, deadline=None)
@given(path=st.sampled_from(sorted(spec.by_path())), data=st.binary(max_size=200))
def test_fuzz_raw_bytes(path: str, data: bytes, fuzz_target: Dict[str, Any]) -> None:
    post(fuzz_target, path, data)


def test_state_intact_after_fuzzing(fuzz_target: Dict[str, Any]) -> None:
    check_intact(fuzz_target)
