"""Every method of the model: its path, verb, case conversion, and validation before I/O."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Tuple

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError, spec
from cloudfn.casing import snake_to_camel, to_camel
from tests.conftest import example_body, example_value
from tests.stub_server import StubWeChat

METHODS = sorted(spec.methods())


def camel_body(name: str) -> Dict[str, Any]:
    m = spec.method(name)
    return to_camel(example_body(m["request"], m.get("request_one_of", ())))


def test_the_family_is_all_sixteen_methods() -> None:
    assert METHODS == sorted(
        "addOrder batchGetOrder bindAccount cancelOrder getAllAccount getAllDelivery getOrder getPath getPrinter "
        "getQuota testUpdateOrder updatePrinter getContact previewTemplate updateBusiness updatePath".split()
    )


@pytest.mark.parametrize("name", METHODS)
def test_method_uses_its_path_verb_and_snake_case_body(sdk, stub: StubWeChat, name: str) -> None:
    m = spec.method(name)
    result = getattr(cloud.openapi.logistics, name)(camel_body(name))
    assert result == {"errMsg": f"openapi.logistics.{name}:ok", "errCode": 0}
    (seen,) = stub.api_calls()
    assert (seen.method, seen.path) == (m["http"], m["path"])
    assert seen.query["access_token"].startswith("TOKEN-")
    if m["http"] == "GET":
        assert seen.body == b""
    else:
        assert seen.json == example_body(m["request"], m.get("request_one_of", ()))


def _cases() -> List[Tuple[str, str, Any, str]]:
    """(method, camel path, bad value or MISSING, expected message fragment) for every rule in the model."""
    cases = []
    for name in METHODS:
        for field, fspec in spec.method(name)["request"].items():
            camel = snake_to_camel(field)
            if fspec.get("required"):
                cases.append((name, camel, MISSING, f"{camel} is required"))
            if "enum" in fspec:
                bad = "nope" if fspec.get("type") == "string" else 999999
                cases.append((name, camel, bad, f"{camel} must be one of"))
            if "max_bytes" in fspec:
                cases.append((name, camel, "字" * (fspec["max_bytes"] // 3 + 1), f"must be at most {fspec['max_bytes']} bytes"))
            if "max_items" in fspec:
                item = example_value(fspec["items"])
                cases.append((name, camel, [item] * (fspec["max_items"] + 1), f"at most {fspec['max_items']} items"))
            if "csv_max_items" in fspec:
                cases.append((name, camel, ",".join(str(i) for i in range(fspec["csv_max_items"] + 1)), "at most 10 ids"))
    return cases


MISSING = object()
CASES = _cases()


@pytest.mark.parametrize("name, field, value, fragment", CASES, ids=[f"{c[0]}-{c[1]}-{c[3].split()[-1]}" for c in CASES])
def test_validation_table_rejects_before_any_request(sdk, stub: StubWeChat, name: str, field: str, value: Any, fragment: str) -> None:
    body = camel_body(name)
    if value is MISSING:
        body.pop(field, None)
    else:
        body[field] = value
    with pytest.raises(CloudSDKError) as info:
        getattr(cloud.openapi.logistics, name)(body)
    assert info.value.errCode == -501007
    assert info.value.errMsg.startswith(f"openapi.logistics.{name}:fail invalid parameters: ")
    assert fragment in info.value.errMsg
    assert stub.calls() == []  # not even a token request


def test_every_method_has_at_least_one_validation_case_or_no_rules() -> None:
    with_rules = {c[0] for c in CASES}
    without = {n for n in METHODS if not spec.method(n)["request"]}
    assert with_rules | without == set(METHODS)


def test_all_problems_are_reported_at_once_with_nested_camel_paths(sdk, stub: StubWeChat) -> None:
    body = camel_body("addOrder")
    body["sender"] = {"name": "n" * 65, "province": "p", "city": "c", "area": "a", "address": "x"}
    body["cargo"]["detailList"] = [{"name": 7, "count": 1}]
    body["addSource"] = 2
    body.pop("openid", None)
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.addOrder(body)
    msg = info.value.errMsg
    assert "wxAppid is required" in msg  # required when addSource is 2
    assert "openid is required" not in msg  # not needed when addSource is 2
    assert "sender.name must be at most 64 bytes (UTF-8), got 65" in msg
    assert "either sender.tel or sender.mobile is required" in msg
    assert "cargo.detailList[0].name must be a string, got integer" in msg
    assert stub.calls() == []


@pytest.mark.parametrize(
    "value, kind",
    [({1, 2}, "set"), (b"raw", "bytes"), (math.nan, "nan"), (object(), "object"), (float("inf"), "inf")],
)
def test_non_json_values_are_rejected_even_with_validation_off(stub: StubWeChat, value: Any, kind: str) -> None:
    cloud.init(transport="https", appid="wxv", secret="secret-v", api_base=stub.base_url, validate=False)
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W", extra={"deep": [value]})
    assert info.value.errCode == -501007
    assert "extra.deep[0] is not JSON-serialisable" in info.value.errMsg
    assert stub.calls() == []


def test_wrong_types_name_field_and_expectation(sdk, stub: StubWeChat) -> None:
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.updatePath(token="t", waybillId="w", actionTime="now", actionType=True, actionMsg=None)
    msg = info.value.errMsg
    assert "actionTime must be an integer, got string" in msg
    assert "actionType must be an integer, got boolean" in msg
    assert "actionMsg is required" in msg


@pytest.mark.parametrize("tagids, ok", [("123,456", True), (",".join(map(str, range(10))), True), ("123, 456", False), ("1,,2", False), ("", False)])
def test_tagid_list_is_comma_separated_without_spaces_at_most_ten(sdk, stub: StubWeChat, tagids: str, ok: bool) -> None:
    call = lambda: cloud.openapi.logistics.updatePrinter(openid="o", updateType="bind", tagidList=tagids)  # noqa: E731
    if ok:
        assert call()["errCode"] == 0
        assert stub.api_calls()[0].json["tagid_list"] == tagids
    else:
        with pytest.raises(CloudSDKError, match="tagidList must be ids separated by commas"):
            call()
        assert stub.calls() == []


def test_validate_false_sends_what_the_server_must_judge(stub: StubWeChat) -> None:
    cloud.init(transport="https", appid="wxv", secret="secret-v", api_base=stub.base_url, validate=False)
    cloud.openapi.logistics.updatePrinter(openid="o", updateType="sideways")
    assert stub.api_calls()[0].json == {"openid": "o", "update_type": "sideways"}


def test_caller_data_is_not_modified(sdk, stub: StubWeChat) -> None:
    data = {"type": "bind", "bizId": "1", "deliveryId": "SF", "extra": {"innerKey": 1}}
    snapshot = json.dumps(data)
    cloud.openapi.logistics.bindAccount(data)
    assert json.dumps(data) == snapshot
