"""Shared fixtures: a clean cloudfn environment per test, the WeChat stub, a configured SDK."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator

import pytest

import cloudfn as cloud
from cloudfn.tokens import MemoryTokenStore
from tests.stub_server import StubWeChat

_PREFIXES = ("WX_", "CLOUDFN_", "TCB_", "SCF_", "TENCENTCLOUD_", "TRIGGER_SRC")

APPID = "wxstub0000000001"
SECRET = "stub-app-secret-DO-NOT-LEAK"


@pytest.fixture(autouse=True)
def clean_cloudfn_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No cloudfn-relevant variable leaks in from the machine, and no client between tests."""
    for key in list(os.environ):
        if key.startswith(_PREFIXES):
            monkeypatch.delenv(key, raising=False)
    cloud.reset()
    yield
    cloud.reset()


@pytest.fixture
def stub() -> Iterator[StubWeChat]:
    with StubWeChat() as server:
        yield server


@pytest.fixture
def sdk(stub: StubWeChat) -> Any:
    """cloudfn initialised against the stub over the https transport."""
    cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    return cloud


def example_value(spec: Dict[str, Any]) -> Any:
    """A valid value for a model field."""
    if "enum" in spec:
        return spec["enum"][0]
    kind = spec.get("type", "object")
    if kind == "string":
        return "1,2" if "csv_max_items" in spec else "x"
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [example_value(spec["items"])] if "items" in spec else []
    return example_body(spec.get("fields", {}), spec.get("one_of", ()))


def example_body(fields: Dict[str, Any], one_of: Any = ()) -> Dict[str, Any]:
    """A minimal valid wire body: every required field (and the first of each one_of group)."""
    body: Dict[str, Any] = {}
    wanted = {group[0] for group in one_of}
    for name, spec in fields.items():
        if spec.get("required") or name in wanted or spec.get("required_unless") or spec.get("required_without"):
            body[name] = example_value(spec)
    return body
