"""Hostile values never escape as raw Python errors: -501007 naming the field, nothing sent."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.validate import MAX_DEPTH, json_problems
from tests.stub_server import StubWeChat
from tests.test_core_methods import camel_body

SURROGATE = "\ud800"
HUGE = 10**5000


def nest(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for i in range(depth):
        value = {"a": value} if i % 2 else [value]
    return value


def call_bind(**extra: Any) -> Dict[str, Any]:
    return cloud.openapi.logistics.bindAccount({"type": "bind", "bizId": "b", "deliveryId": "YUNDA", "password": "p", **extra})


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"bizId": "x" + SURROGATE}, "bizId is not valid Unicode (a lone surrogate)"),
        ({"remark": {"k" + SURROGATE: 1}}, "remark has a key that is not valid Unicode (a lone surrogate)"),
        ({"remark": HUGE}, "remark is an integer with more than 4300 digits"),
        ({"remark": [1, -HUGE]}, "remark[1] is an integer with more than 4300 digits"),
        ({"remark": nest(2000)}, f"nests deeper than {MAX_DEPTH} levels"),
        ({"remark": nest(100_000)}, f"nests deeper than {MAX_DEPTH} levels"),
    ],
)
def test_hostile_values_are_invalid_parameters_and_nothing_is_sent(sdk, stub: StubWeChat, extra: Dict[str, Any], message: str) -> None:
    with pytest.raises(CloudSDKError) as info:
        call_bind(**extra)
    assert info.value.errCode == -501007
    assert message in info.value.errMsg
    assert info.value.errMsg.startswith("openapi.logistics.bindAccount:fail invalid parameters: ")
    assert stub.calls() == []


def test_a_cycle_is_reported_not_looped(sdk, stub: StubWeChat) -> None:
    loop: Dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(CloudSDKError) as info:
        call_bind(remark=loop)
    assert info.value.errCode == -501007 and "remark.self.self" in info.value.errMsg
    assert stub.calls() == []


def test_depth_at_the_limit_passes_json_problems() -> None:
    assert json_problems({"a": nest(MAX_DEPTH - 1)}) == []
    assert len(json_problems({"a": nest(MAX_DEPTH)})) == 1


def test_ordinary_big_integers_still_pass() -> None:
    assert json_problems({"n": 10**4299, "m": 2**64}) == []


# --------------------------------------------------------------------------- fuzz
_HOSTILE_LEAVES = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3).map(lambda s: "ok" + s),
    st.integers(min_value=4301, max_value=4400).map(lambda n: 10 ** n),
    st.integers(min_value=MAX_DEPTH, max_value=3000).map(nest),
    st.sampled_from([float("nan"), float("inf"), b"bytes", {1, 2}, object()]),
)
_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5))


@st.composite
def hostile_body(draw: st.DrawFn) -> Dict[str, Any]:
    """A valid addOrder body with one hostile value (or key) planted somewhere inside it."""
    body = camel_body("addOrder")
    filler = draw(st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                               max_leaves=8))
    hostile = draw(_HOSTILE_LEAVES)
    where = draw(st.sampled_from(["top", "nested", "key", "list"]))
    if where == "top":
        body["customRemark"] = hostile
    elif where == "nested":
        body["sender"] = {**body["sender"], "extra": {"deep": [filler, hostile]}}
    elif where == "key":
        body["cargo"] = {**body["cargo"], "x" + SURROGATE: filler}
    else:
        body["shop"] = [filler, [hostile]]
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=hostile_body())
def test_fuzz_hostile_values_only_ever_give_501007(sdk, stub: StubWeChat, body: Dict[str, Any]) -> None:
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.addOrder(body)
    assert info.value.errCode == -501007, info.value
    assert stub.api_calls() == []
