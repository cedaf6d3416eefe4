"""cloudfn.emulator.token_service: WeChat's token rules, driven by a frozen clock (no sleeping)."""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List

import pytest

from cloudfn.emulator.clock import FrozenClock, china_date
from cloudfn.emulator.token_service import TokenLimits, TokenService
from cloudfn.emulator.wechat_error import WeChatError

A, SA = "wxaaaaaaaaaaaaaaaa", "secret-a"
B, SB = "wxbbbbbbbbbbbbbbbb", "secret-b"
# 2024-01-01T16:00:00Z is 00:00 in Beijing: a day boundary for the daily quotas
MIDNIGHT_BEIJING = 1704124800.0


@pytest.fixture()
def clock() -> FrozenClock:
    return FrozenClock(start=MIDNIGHT_BEIJING + 3600)


@pytest.fixture()
def svc(clock: FrozenClock) -> TokenService:
    return TokenService(clock, {A: SA, B: SB})


def code(fn: Any, *args: Any, **kw: Any) -> int:
    with pytest.raises(WeChatError) as info:
        fn(*args, **kw)
    return info.value.errcode


# ---------------------------------------------------------------- credentials


@pytest.mark.parametrize(
    ("appid", "secret", "grant", "errcode", "errmsg"),
    [
        (A, SA, "authorization_code", 40002, "invalid grant_type"),
        ("", SA, "client_credential", 41002, "appid missing"),
        (None, SA, "client_credential", 41002, "appid missing"),
        (A, "", "client_credential", 41004, "appsecret missing"),
        ("wxunknown", SA, "client_credential", 40013, "invalid appid"),
        (A, SB, "client_credential", 40125, "invalid appsecret"),
    ],
)
def test_both_endpoints_refuse_bad_credentials_with_the_documented_codes(
    svc: TokenService, appid: Any, secret: Any, grant: str, errcode: int, errmsg: str
) -> None:
    for call in (lambda: svc.issue(appid, secret, grant), lambda: svc.stable(appid, secret, grant_type=grant)):
        with pytest.raises(WeChatError) as info:
            call()
        assert info.value.to_dict() == {"errcode": errcode, "errmsg": errmsg}
        assert SA not in str(info.value) and SB not in str(info.value)


def test_authenticate_answers_the_apps_appid_and_refuses_unknown_or_missing(svc: TokenService) -> None:
    ta, tb = svc.issue(A, SA)["access_token"], svc.stable(B, SB)["access_token"]
    assert svc.authenticate(ta) == A and svc.authenticate(tb) == B
    with pytest.raises(WeChatError) as info:
        svc.authenticate("EMU_nope")
    assert info.value.to_dict() == {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
    assert code(svc.authenticate, "") == 41001 and code(svc.authenticate, None) == 41001


def test_add_app_after_construction_and_secret_change(clock: FrozenClock) -> None:
    svc = TokenService(clock)
    assert code(svc.issue, A, SA) == 40013
    svc.add_app(A, SA)
    token = svc.issue(A, SA)["access_token"]
    svc.add_app(A, "rotated")
    assert code(svc.issue, A, SA) == 40125
    assert svc.authenticate(token) == A  # rotating the secret does not revoke tokens
    assert svc.appids == [A]
    with pytest.raises(ValueError):
        svc.add_app("", "x")


# ---------------------------------------------------------------- /cgi-bin/token


def test_token_expires_after_ttl_with_42001(svc: TokenService, clock: FrozenClock) -> None:
    reply = svc.issue(A, SA)
    assert reply["expires_in"] == 7200 and reply["access_token"].startswith("EMU_")
    clock.advance(7199)
    assert svc.authenticate(reply["access_token"]) == A
    clock.advance(1)
    with pytest.raises(WeChatError) as info:
        svc.authenticate(reply["access_token"])
    assert info.value.to_dict() == {"errcode": 42001, "errmsg": "access_token expired"}


def test_new_token_keeps_the_previous_one_for_five_minutes_only(svc: TokenService, clock: FrozenClock) -> None:
    first = svc.issue(A, SA)["access_token"]
    clock.advance(10)
    second = svc.issue(A, SA)["access_token"]
    assert second != first
    clock.advance(299)
    assert svc.authenticate(first) == A and svc.authenticate(second) == A
    clock.advance(1)
    assert code(svc.authenticate, first) == 40001  # not latest
    assert svc.authenticate(second) == A


def test_a_third_token_invalidates_the_first_at_once(svc: TokenService, clock: FrozenClock) -> None:
    first = svc.issue(A, SA)["access_token"]
    second = svc.issue(A, SA)["access_token"]
    third = svc.issue(A, SA)["access_token"]
    assert code(svc.authenticate, first) == 40001
    assert svc.authenticate(second) == A == svc.authenticate(third)


def test_previous_token_keeps_a_shorter_remaining_life(svc: TokenService, clock: FrozenClock) -> None:
    first = svc.issue(A, SA)["access_token"]
    clock.advance(7100)  # 100 s left: the overlap does not extend it
    svc.issue(A, SA)
    clock.advance(100)
    assert code(svc.authenticate, first) == 42001


# ---------------------------------------------------------------- /cgi-bin/stable_token, normal mode


def test_stable_normal_mode_returns_the_current_token_with_remaining_life(svc: TokenService, clock: FrozenClock) -> None:
    first = svc.stable(A, SA)
    assert first["expires_in"] == 7200
    clock.advance(1000.5)
    again = svc.stable(A, SA, force_refresh=False)
    assert again == {"access_token": first["access_token"], "expires_in": 6199}


def test_stable_renews_in_the_last_five_minutes_and_both_stay_valid(svc: TokenService, clock: FrozenClock) -> None:
    old = svc.stable(A, SA)["access_token"]
    clock.advance(7200 - 301)
    assert svc.stable(A, SA) == {"access_token": old, "expires_in": 301}
    clock.advance(1)  # 300 s left: inside the renewal window
    new = svc.stable(A, SA)
    assert new["access_token"] != old and new["expires_in"] == 7200
    assert svc.stable(A, SA)["access_token"] == new["access_token"]
    clock.advance(299)
    assert svc.authenticate(old) == A and svc.authenticate(new["access_token"]) == A
    clock.advance(1)
    assert code(svc.authenticate, old) == 42001  # it simply expired
    assert svc.authenticate(new["access_token"]) == A


def test_stable_expires_in_is_never_below_300(svc: TokenService, clock: FrozenClock) -> None:
    seen = set()
    for _ in range(600):  # three token lifetimes in 37 s steps
        reply = svc.stable(A, SA)
        assert reply["expires_in"] >= 300
        assert svc.authenticate(reply["access_token"]) == A
        seen.add(reply["access_token"])
        clock.advance(37)
    assert 3 <= len(seen) <= 4


def test_stable_after_expiry_gets_a_new_token(svc: TokenService, clock: FrozenClock) -> None:
    old = svc.stable(A, SA)["access_token"]
    clock.advance(9000)
    new = svc.stable(A, SA)
    assert new["access_token"] != old and new["expires_in"] == 7200
    assert code(svc.authenticate, old) == 42001


def test_short_ttl_renews_at_half_life_not_on_every_call(clock: FrozenClock) -> None:
    svc = TokenService(clock, {A: SA}, ttl=60)
    first = svc.stable(A, SA)["access_token"]
    clock.advance(29)
    assert svc.stable(A, SA)["access_token"] == first
    clock.advance(1)
    assert svc.stable(A, SA)["access_token"] != first


# ---------------------------------------------------------------- force_refresh


def test_force_refresh_invalidates_every_earlier_stable_token(svc: TokenService, clock: FrozenClock) -> None:
    old = svc.stable(A, SA)["access_token"]
    clock.advance(7200 - 200)
    overlap_new = svc.stable(A, SA)["access_token"]  # old is now the overlap token
    forced = svc.stable(A, SA, force_refresh=True)
    assert forced["expires_in"] == 7200 and forced["access_token"] not in (old, overlap_new)
    assert code(svc.authenticate, old) == 40001
    assert code(svc.authenticate, overlap_new) == 40001
    assert svc.authenticate(forced["access_token"]) == A
    assert svc.stable(A, SA)["access_token"] == forced["access_token"]


def test_force_refresh_within_30s_does_not_refresh(svc: TokenService, clock: FrozenClock) -> None:
    forced = svc.stable(A, SA, force_refresh=True)["access_token"]
    clock.advance(29.9)
    again = svc.stable(A, SA, force_refresh=True)
    assert again["access_token"] == forced  # answered as normal mode, errcode-free
    assert svc.authenticate(forced) == A
    assert svc.export()["apps"][A]["force"]["count"] == 1  # the refused call is not spent
    clock.advance(0.1)
    third = svc.stable(A, SA, force_refresh=True)["access_token"]
    assert third != forced and code(svc.authenticate, forced) == 40001


def test_first_force_refresh_needs_no_gap_after_normal_calls(svc: TokenService) -> None:
    normal = svc.stable(A, SA)["access_token"]
    assert svc.stable(A, SA, force_refresh=True)["access_token"] != normal


def test_force_refresh_allowed_20_times_a_beijing_day(svc: TokenService, clock: FrozenClock) -> None:
    tokens = []
    for _ in range(20):
        tokens.append(svc.stable(A, SA, force_refresh=True)["access_token"])
        clock.advance(30)
    assert len(set(tokens)) == 20
    with pytest.raises(WeChatError) as info:
        svc.stable(A, SA, force_refresh=True)
    assert info.value.to_dict() == {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
    assert svc.authenticate(tokens[-1]) == A  # the refused call invalidated nothing
    assert svc.stable(A, SA)["access_token"] == tokens[-1]  # normal mode still works
    assert svc.stable(B, SB, force_refresh=True)["access_token"]  # the budget is per app
    day = china_date(clock.now())
    clock.advance(MIDNIGHT_BEIJING + 86400 - clock.now())  # Beijing midnight
    assert china_date(clock.now()) != day
    assert svc.stable(A, SA, force_refresh=True)["access_token"] != tokens[-1]


# ---------------------------------------------------------------- isolation and quotas


def test_the_two_kinds_of_token_never_invalidate_each_other(svc: TokenService, clock: FrozenClock) -> None:
    plain = svc.issue(A, SA)["access_token"]
    stable = svc.stable(A, SA)["access_token"]
    for _ in range(3):
        svc.issue(A, SA)
    assert svc.stable(A, SA)["access_token"] == stable and svc.authenticate(stable) == A
    latest = svc.issue(A, SA)["access_token"]
    svc.stable(A, SA, force_refresh=True)
    assert svc.authenticate(latest) == A
    assert code(svc.authenticate, plain) == 40001


def test_apps_have_separate_tokens(svc: TokenService) -> None:
    ta = svc.stable(A, SA)["access_token"]
    tb = svc.stable(B, SB)["access_token"]
    assert ta != tb and svc.authenticate(ta) == A and svc.authenticate(tb) == B
    svc.stable(B, SB, force_refresh=True)
    assert svc.authenticate(ta) == A


def test_stable_minute_quota_is_10000_calls(svc: TokenService, clock: FrozenClock) -> None:
    assert TokenLimits().stable_per_minute == 10_000 and TokenLimits().stable_per_day == 500_000
    clock.advance(60 - clock.now() % 60)  # start of a minute
    for _ in range(10_000):
        svc.stable(A, SA)
    with pytest.raises(WeChatError) as info:
        svc.stable(A, SA)
    assert info.value.to_dict() == {"errcode": 45011, "errmsg": "api minute-quota reach limit mustslower retry next minute"}
    assert code(svc.stable, A, SA, force_refresh=True) == 45011
    assert svc.stable(B, SB)["expires_in"] == 7200  # per app
    clock.advance(60)
    assert svc.stable(A, SA)["expires_in"] > 300


def test_stable_daily_quota_answers_45009_until_the_next_beijing_day(clock: FrozenClock) -> None:
    svc = TokenService(clock, {A: SA}, limits=TokenLimits(stable_per_day=50))
    for _ in range(50):
        svc.stable(A, SA)
        clock.advance(1)
    assert code(svc.stable, A, SA) == 45009
    assert svc.issue(A, SA)["expires_in"] == 7200  # /cgi-bin/token has its own counters
    clock.advance(MIDNIGHT_BEIJING + 86400 - clock.now())
    assert svc.stable(A, SA)["expires_in"] >= 300


# ---------------------------------------------------------------- test helpers


def test_expire_all_gives_42001_and_the_next_stable_call_a_new_token(svc: TokenService) -> None:
    stable, plain = svc.stable(A, SA)["access_token"], svc.issue(B, SB)["access_token"]
    assert svc.expire_all() == 2
    assert code(svc.authenticate, stable) == 42001 and code(svc.authenticate, plain) == 42001
    fresh = svc.stable(A, SA)["access_token"]
    assert fresh != stable and svc.authenticate(fresh) == A


def test_revoke_forgets_one_apps_tokens(svc: TokenService) -> None:
    a1, a2, b = svc.stable(A, SA)["access_token"], svc.issue(A, SA)["access_token"], svc.stable(B, SB)["access_token"]
    assert svc.revoke(A) == 2
    assert code(svc.authenticate, a1) == 40001 and code(svc.authenticate, a2) == 40001
    assert svc.authenticate(b) == B
    assert svc.stable(A, SA)["access_token"] != a1


# ---------------------------------------------------------------- bounds


def test_table_is_capped_oldest_first(clock: FrozenClock) -> None:
    apps = {f"wx{i:016d}": "s" for i in range(30)}
    svc = TokenService(clock, apps, max_tokens=10)
    issued = [svc.stable(appid, "s")["access_token"] for appid in apps]
    assert len(svc.export(include_tokens=True)["tokens"]) == 10
    assert code(svc.authenticate, issued[0]) == 40001  # evicted
    assert all(svc.authenticate(t) for t in issued[-10:])
    # an evicted current token is simply replaced on the next normal call
    assert svc.stable("wx0000000000000000", "s")["access_token"] != issued[0]


def test_dead_tokens_are_pruned_a_few_per_issue(clock: FrozenClock) -> None:
    svc = TokenService(clock, {A: SA}, limits=TokenLimits(keep_expired_s=100))
    for _ in range(10):
        svc.issue(A, SA)
    assert len(svc.export(include_tokens=True)["tokens"]) == 2  # superseded ones are gone already
    apps = {f"wx{i:016d}": "s" for i in range(12)}
    for appid, secret in apps.items():
        svc.add_app(appid, secret)
        svc.stable(appid, secret)
    clock.advance(7200 + 101)
    sizes = [len(svc.export(include_tokens=True)["tokens"])]
    assert sizes == [14]  # 12 expired stable tokens wait for pruning
    for _ in range(4):
        svc.issue(A, SA)
        sizes.append(len(svc.export(include_tokens=True)["tokens"]))
    # incremental: each issue drops A's previous token and at most 4 dead ones, and adds 1
    assert all(before - after <= 4 for before, after in zip(sizes, sizes[1:]))
    assert sizes[-1] == 2


def test_concurrent_normal_calls_share_one_token(svc: TokenService) -> None:
    seen: List[str] = []
    lock = threading.Lock()

    def worker() -> None:
        got = [svc.stable(A, SA)["access_token"] for _ in range(200)]
        with lock:
            seen.extend(got)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 1600 and len(set(seen)) == 1


# ---------------------------------------------------------------- snapshots and secrets


def roundtrip(state: Dict[str, Any]) -> Dict[str, Any]:
    return json.loads(json.dumps(state))


def test_export_load_export_is_identical_with_tokens(svc: TokenService, clock: FrozenClock) -> None:
    svc.issue(A, SA)
    clock.advance(10)
    plain = svc.issue(A, SA)["access_token"]
    forced = svc.stable(A, SA, force_refresh=True)["access_token"]
    svc.stable(B, SB)
    state = roundtrip(svc.export(include_tokens=True))
    other = TokenService(clock)
    other.load(state)
    assert other.export(include_tokens=True) == state
    assert other.appids == [A, B]
    assert other.authenticate(plain) == A and other.authenticate(forced) == A
    assert other.stable(A, SA)["access_token"] == forced  # the current slot came back
    clock.advance(5)
    assert other.stable(A, SA, force_refresh=True)["access_token"] == forced  # still within 30 s
    assert other.export()["apps"][A]["force"]["count"] == 1


def test_export_without_tokens_keeps_apps_and_counters_only(svc: TokenService) -> None:
    token = svc.stable(A, SA, force_refresh=True)["access_token"]
    state = roundtrip(svc.export())
    assert "tokens" not in state and state["apps"][A]["secret"] == SA and state["apps"][A]["calls"]["day_count"] == 1
    svc.load(state)
    assert svc.export() == state
    assert code(svc.authenticate, token) == 40001
    assert svc.stable(A, SA)["access_token"] != token


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({}, "apps"),
        ({"apps": {A: {}}}, "secret"),
        ({"apps": {A: {"secret": "s", "force": {"day": ""}}}}, "force"),
        ({"apps": {}, "tokens": {}}, "tokens"),
        ({"apps": {}, "tokens": [{"token": "t", "appid": A, "kind": "other", "expires_at": 1}]}, r"tokens\[0\]"),
    ],
)
def test_load_refuses_malformed_state_naming_the_field(svc: TokenService, state: Dict[str, Any], field: str) -> None:
    before = svc.export(include_tokens=True)
    with pytest.raises(ValueError, match=field):
        svc.load(state)
    assert svc.export(include_tokens=True) == before


def test_secrets_stay_out_of_reprs(svc: TokenService) -> None:
    svc.stable(A, SA)
    text = repr(svc) + repr(svc._apps) + repr(svc._table.rows)
    assert SA not in text and SB not in text
