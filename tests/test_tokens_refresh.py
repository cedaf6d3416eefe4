"""Refresh by the stable_token rules in one process (memory and file stores), the store options and their dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.tokens import DEFAULT_STORE, FileTokenStore, MemoryTokenStore, TokenStore, open_store
from tests.tokens_support import PlatformStub

APPID, SECRET = "wxrefresh0000001", "refresh-secret"
ARGS = {"deliveryId": "TEST", "waybillId": "W1"}
NOON = 1_700_020_800.0  # 2023-11-15 12:00 China time: days do not roll over within a test


def _init(stub: PlatformStub, store: TokenStore) -> None:
    store.clock = stub.now
    cloud.init(transport="https", appid=APPID, secret=SECRET, api_base=stub.base_url, token_store=store)


def _stub() -> PlatformStub:
    stub = PlatformStub({APPID: SECRET})
    stub.offset = NOON - stub.now()
    return stub


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_rejected_token_normal_mode_first_then_force_refresh(kind: str, tmp_path: Path) -> None:
    with _stub() as stub:
        _init(stub, MemoryTokenStore() if kind == "memory" else FileTokenStore(str(tmp_path)))
        cloud.openapi.logistics.getPath(ARGS)
        rejected = stub.poison(APPID)
        assert cloud.openapi.logistics.getPath(ARGS)["errCode"] == 0
        assert stub.requests() == [(APPID, False), (APPID, False), (APPID, True)]
        assert stub.api_tokens[-1] != rejected


def test_no_force_refresh_when_normal_mode_has_a_newer_token() -> None:
    with _stub() as stub:
        _init(stub, MemoryTokenStore())
        cloud.openapi.logistics.getPath(ARGS)
        old = stub.api_tokens[-1]
        stub.advance(7200 - 200)  # the platform renewed it; ours (cached as still fresh) gets refused
        stub.poison(APPID)
        store = cloud.core.current().config.token_store
        store.clock = lambda: stub.now() - 7200  # our clock thinks the cached token is young
        assert cloud.openapi.logistics.getPath(ARGS)["errCode"] == 0
        assert stub.requests(force=True) == []
        assert stub.api_tokens[-1] != old


def test_force_refresh_gap_and_budget_in_one_process() -> None:
    with _stub() as stub:
        _init(stub, MemoryTokenStore(force_refresh_per_day=2))
        cloud.openapi.logistics.getPath(ARGS)
        stub.poison(APPID)
        cloud.openapi.logistics.getPath(ARGS)
        stub.advance(12)
        stub.poison(APPID)
        with pytest.raises(CloudSDKError) as info:
            cloud.openapi.logistics.getPath(ARGS)
        assert info.value.errCode == 45011 and "retry in 18s" in info.value.errMsg
        stub.advance(30)
        assert cloud.openapi.logistics.getPath(ARGS)["errCode"] == 0
        stub.advance(31)
        stub.poison(APPID)
        with pytest.raises(CloudSDKError) as info:
            cloud.openapi.logistics.getPath(ARGS)
        assert info.value.errCode == 45009
        assert "force_refresh budget of wxrefresh0000001 is spent (2 of 2 today" in info.value.errMsg
        assert "raise force_refresh_per_day" in info.value.errMsg
        assert len(stub.requests(force=True)) == 2


def test_token_expiry_follows_the_injected_clock() -> None:
    with _stub() as stub:
        _init(stub, MemoryTokenStore())
        cloud.openapi.logistics.getPath(ARGS)
        stub.advance(7200 - 301)
        cloud.openapi.logistics.getPath(ARGS)
        assert len(stub.requests()) == 1  # still ours for one more second
        stub.advance(2)  # the platform's renewal window: ours is stale, normal mode gives the next
        cloud.openapi.logistics.getPath(ARGS)
        assert len(stub.requests()) == 2 and stub.api_tokens[-1] != stub.api_tokens[0]


def test_store_options_are_checked() -> None:
    with pytest.raises(ValueError, match=r"force_refresh_per_day must be 0\.\.20"):
        MemoryTokenStore(force_refresh_per_day=21)
    with pytest.raises(ValueError, match="failure_ttl"):
        FileTokenStore("/tmp/x", failure_ttl=-1)


def test_open_store_dispatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert open_store(None) is DEFAULT_STORE and open_store("memory") is DEFAULT_STORE
    mine = MemoryTokenStore()
    assert open_store(mine) is mine
    store = open_store(str(tmp_path / "a"))
    assert isinstance(store, FileTokenStore) and open_store(str(tmp_path / "a")) is store
    monkeypatch.setenv("CLOUDFN_TOKEN_STORE", str(tmp_path / "a"))
    monkeypatch.setenv("CLOUDFN_TOKEN_DIR", str(tmp_path / "b"))
    cloud.init(transport="https", appid=APPID, secret=SECRET)
    assert cloud.core.current().config.token_store is store  # CLOUDFN_TOKEN_STORE wins over CLOUDFN_TOKEN_DIR
