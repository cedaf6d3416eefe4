"""cloudfn.emulator.faults: the rule vocabulary, seeded decisions, latency, scope and snapshots."""

from __future__ import annotations

import json
import statistics
import threading
from typing import Any, Dict, List, Optional

import pytest

from cloudfn.emulator.faults import MAX_RULES, TIMEOUT_HOLD_MS, Decision, FaultTable

METHODS = ["addOrder", "getPath", "getQuota", "getAllDelivery"]


def table(seed: Optional[int] = 1, **kw: Any) -> FaultTable:
    return FaultTable(seed=seed, methods=METHODS, **kw)


# ---------------------------------------------------------------- the existing vocabulary


def test_errcode_fault_applies_once_by_default() -> None:
    faults = table()
    rule = faults.add({"api": "getPath", "errcode": -1})
    assert rule.to_dict() == {"id": 1, "api": "getPath", "errcode": -1, "count": 1, "remaining": 1}
    assert faults.pick("getQuota") is None
    assert faults.pick("getPath") == Decision(1, 0.0, "errcode", errcode=-1, errmsg="injected fault")
    assert faults.pick("getPath") is None and faults.list() == []


@pytest.mark.parametrize(
    ("rule", "kind", "delay_s", "extra"),
    [
        ({"status": 503}, "status", 0.0, {"status": 503}),
        ({"drop": True}, "drop", 0.0, {}),
        ({"timeout": True}, "timeout", TIMEOUT_HOLD_MS / 1000, {}),
        ({"timeout": True, "delay_ms": 1500}, "timeout", 1.5, {}),
        ({"delay_ms": 800}, None, 0.8, {}),
        ({"errcode": 45009, "errmsg": "reach max api daily quota limit", "delay_ms": 10}, "errcode", 0.01,
         {"errcode": 45009, "errmsg": "reach max api daily quota limit"}),
    ],
)
def test_each_kind_becomes_a_decision(rule: Dict[str, Any], kind: Optional[str], delay_s: float, extra: Dict[str, Any]) -> None:
    faults = table()
    faults.add({"api": "addOrder", **rule})
    decision = faults.pick("addOrder")
    assert decision is not None and decision.kind == kind and decision.delay_s == delay_s
    for key, value in extra.items():
        assert getattr(decision, key) == value
    assert decision.to_dict()["kind"] == kind


def test_star_means_every_method_but_the_token_endpoints() -> None:
    faults = table()
    faults.add({"errcode": -1, "count": 10})
    assert faults.pick("stable_token") is None and faults.pick("token") is None
    assert faults.pick("getAllDelivery") is not None and faults.pick("addOrder") is not None
    faults.add({"api": "stable_token", "status": 502})
    assert faults.pick("stable_token").status == 502  # type: ignore[union-attr]


def test_count_is_spent_and_listed() -> None:
    faults = table()
    faults.add({"api": "getPath", "errcode": 1, "count": 3})
    faults.pick("getPath")
    assert faults.list()[0]["remaining"] == 2 and faults.list()[0]["count"] == 3
    assert faults.pick("getPath") and faults.pick("getPath")
    assert faults.pick("getPath") is None and faults.list() == []


def test_first_matching_rule_wins_in_insertion_order() -> None:
    faults = table()
    faults.add({"api": "getPath", "errcode": 1})
    faults.add({"api": "*", "errcode": 2})
    assert faults.pick("getPath").errcode == 1  # type: ignore[union-attr]
    assert faults.pick("getPath").errcode == 2  # type: ignore[union-attr]


def test_appid_scope() -> None:
    faults = table()
    faults.add({"api": "addOrder", "appid": "wxa", "errcode": -1, "count": None})
    assert faults.pick("addOrder", "wxb") is None and faults.pick("addOrder") is None
    assert all(faults.pick("addOrder", "wxa") is not None for _ in range(5))  # unlimited


# ---------------------------------------------------------------- probability, latency, seed


def decisions(faults: FaultTable, n: int, method: str = "addOrder") -> List[Optional[Decision]]:
    return [faults.pick(method, "wxa") for _ in range(n)]


def test_probability_share_and_unlimited_by_default() -> None:
    faults = table(seed=7)
    faults.add({"api": "addOrder", "errcode": -1, "probability": 0.05})
    got = decisions(faults, 10_000)
    hits = sum(d is not None for d in got)
    assert 400 <= hits <= 600  # 5% of 10,000
    assert faults.list()[0]["count"] is None
    faults.clear()
    faults.add({"api": "addOrder", "errcode": -1, "probability": 0.5, "count": 3})
    assert sum(d is not None for d in decisions(faults, 100)) == 3


def test_same_seed_same_decisions_and_other_seeds_differ() -> None:
    rules = [{"api": "addOrder", "errcode": -1, "probability": 0.3}, {"api": "getPath", "delay_ms": {"mean": 200, "stddev": 50}}]

    def run(seed: int) -> List[Any]:
        faults = table(seed=seed)
        for rule in rules:
            faults.add(rule)
        return [faults.pick(m) for _ in range(200) for m in ("addOrder", "getPath")]

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_normal_latency_has_the_asked_mean_and_stddev_clipped_at_zero() -> None:
    faults = table(seed=3)
    faults.add({"api": "getPath", "delay_ms": {"mean": 200, "stddev": 50}, "count": None})
    samples = [d.delay_s * 1000 for d in decisions(faults, 5000, "getPath") if d is not None]
    assert len(samples) == 5000
    assert 195 <= statistics.mean(samples) <= 205 and 45 <= statistics.stdev(samples) <= 55
    faults.clear()
    faults.add({"api": "getPath", "delay_ms": {"mean": 10, "stddev": 100}, "count": None})
    clipped = [d.delay_s for d in decisions(faults, 2000, "getPath") if d is not None]
    assert min(clipped) == 0.0 and sum(c == 0.0 for c in clipped) > 500


# ---------------------------------------------------------------- validation and bounds


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"api": "getPth", "errcode": 1}, "did you mean 'getPath'"),
        ({"api": "nope", "errcode": 1}, "api must be"),
        ({"api": "getPath"}, "give one of errcode, status, drop, timeout, or a delay_ms"),
        ({"status": 200}, "status must be an HTTP error status"),
        ({"errcode": "1"}, "errcode must be an integer"),
        ({"errcode": True}, "errcode must be an integer"),
        ({"errcode": 1, "count": 0}, "count must be a positive integer"),
        ({"errcode": 1, "probability": 1.5}, "probability must be a number from 0 to 1"),
        ({"delay_ms": -1}, "delay_ms must be a number of milliseconds"),
        ({"delay_ms": {"mean": 1, "sd": 2}}, "delay_ms as an object"),
        ({"delay_ms": {"mean": 1, "stddev": -2}}, "delay_ms.stddev"),
        ({"status": 503, "errmsg": "x"}, "errmsg must be a string"),
        ({"errcode": 1, "status": 503}, "give only one of errcode, status, drop, timeout"),
        ({"drop": "yes"}, "drop must be true or false"),
        ({"errcode": 1, "delay": 5}, "unknown fault field 'delay' (did you mean 'delay_ms'?)"),
        ({"errcode": 1, "appid": ""}, "appid must be a non-empty string"),
        ([], "a fault is a JSON object"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(rule: Any, message: str) -> None:
    faults = table()
    with pytest.raises(ValueError) as info:
        faults.add(rule)
    assert message in str(info.value)
    assert faults.list() == []


def test_drop_false_is_no_fault_kind() -> None:
    faults = table()
    faults.add({"drop": False, "delay_ms": 5})
    assert faults.pick("getPath").kind is None  # type: ignore[union-attr]


def test_number_of_rules_is_bounded() -> None:
    assert MAX_RULES == 256
    faults = table(max_rules=3)
    for _ in range(3):
        faults.add({"errcode": 1})
    with pytest.raises(ValueError, match="at most 3 fault rules"):
        faults.add({"errcode": 1})


def test_clear_all_or_one_method() -> None:
    faults = table()
    faults.add({"api": "getPath", "errcode": 1})
    faults.add({"api": "addOrder", "errcode": 1})
    faults.add({"api": "getPath", "status": 500})
    assert faults.clear("getPath") == 2
    assert [r["api"] for r in faults.list()] == ["addOrder"]
    assert faults.clear() == 1 and faults.list() == []


def test_reposting_a_listed_rule_makes_a_fresh_one() -> None:
    faults = table()
    faults.add({"api": "getPath", "errcode": 1, "count": 2})
    faults.pick("getPath")
    listed = faults.list()[0]
    again = faults.add(listed).to_dict()
    assert again["id"] == 2 and again["remaining"] == 2


def test_default_methods_come_from_the_model() -> None:
    faults = FaultTable()
    faults.add({"api": "addOrder", "errcode": 1})
    faults.add({"api": "testUpdateOrder", "errcode": 1})
    with pytest.raises(ValueError, match="api must be"):
        faults.add({"api": "sendMessage", "errcode": 1})


def test_concurrent_picks_spend_the_count_exactly() -> None:
    faults = table()
    faults.add({"api": "getPath", "errcode": -1, "count": 1000})
    hits: List[int] = []
    lock = threading.Lock()

    def worker() -> None:
        n = sum(faults.pick("getPath") is not None for _ in range(200))
        with lock:
            hits.append(n)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(hits) == 1000 and faults.list() == []


# ---------------------------------------------------------------- snapshots


def test_export_load_export_is_identical_and_decisions_go_on_the_same() -> None:
    faults = table(seed=5)
    faults.add({"api": "addOrder", "errcode": -1, "probability": 0.3, "appid": "wxa"})
    faults.add({"api": "getPath", "delay_ms": {"mean": 200, "stddev": 50}, "count": 50, "probability": 0.9})
    faults.add({"timeout": True, "count": 2})
    faults.clear("getQuota")
    decisions(faults, 20)
    state = json.loads(json.dumps(faults.export()))
    other = FaultTable(methods=METHODS)
    other.load(state)
    assert other.export() == state
    for method in ("addOrder", "getPath", "getAllDelivery") * 30:
        assert other.pick(method, "wxa") == faults.pick(method, "wxa")
    assert other.add({"errcode": 1}).id == faults.add({"errcode": 1}).id == 4


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ({}, "'rules' list"),
        ({"rules": [], "seed": "x"}, "seed must be an integer"),
        ({"rules": [{"api": "getPath", "errcode": 1}], "next_id": 5}, r"rules\[0\].id"),
        ({"rules": [{"id": 1, "api": "getPath"}], "next_id": 5}, "give one of"),
        ({"rules": [], "rng_state": [3, [1, 2], None]}, "rng_state"),
    ],
)
def test_load_refuses_malformed_state(state: Dict[str, Any], message: str) -> None:
    faults = table()
    faults.add({"errcode": 1})
    before = faults.export()
    with pytest.raises(ValueError, match=message):
        faults.load(state)
    assert faults.export() == before
