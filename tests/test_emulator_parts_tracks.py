"""cloudfn.emulator.tracks: the waybill state machine, carrier wording and determinism."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from typing import List, Optional

import pytest

from cloudfn.emulator import tracks as t
from cloudfn.emulator.tracks import Step

CARRIERS = ["SF", "YTO", "ZTO", "YUNDA", "STO", "JTSD", "EMS", "DB", "JDL", "BEST", "PJ", "TEST"]
# the only moves a track may make (failures included)
ALLOWED = {
    None: {t.PICKED_UP, t.COURIER_ASSIGNED, t.CANCELLED},
    t.COURIER_ASSIGNED: {t.PICKED_UP, t.CANCELLED},
    t.PICKUP_FAILED: {t.COURIER_ASSIGNED, t.CANCELLED},
    t.PICKED_UP: {t.IN_TRANSIT, t.HELD},
    t.IN_TRANSIT: {t.IN_TRANSIT, t.OUT_FOR_DELIVERY, t.HELD},
    t.HELD: {t.IN_TRANSIT, t.CANCELLED},
    t.OUT_FOR_DELIVERY: {t.DELIVERED, t.DELIVERY_FAILED},
    t.DELIVERY_FAILED: {t.OUT_FOR_DELIVERY, t.HELD},
}


def walk(carrier: str, seed: int, rate: float, origin: Optional[str] = None, destination: Optional[str] = None) -> List[Step]:
    rng, path = random.Random(seed), []  # type: ignore[var-annotated]
    last = None
    while True:
        step = t.next_step(carrier, len(path), last, rng, failure_rate=rate, origin=origin, destination=destination)
        if step is None:
            return path
        path.append(step)
        last = step.action_type
        assert len(path) < 60, "a track must end"


def test_action_types_are_the_nine_documented_codes() -> None:
    assert t.ACTION_TYPES == {100001, 100002, 100003, 200001, 300002, 300003, 300004, 400001, 400002}
    assert 300001 not in t.ACTION_TYPES
    assert t.TERMINAL == {300003, 400001}


@pytest.mark.parametrize("carrier", CARRIERS)
def test_delivered_walks_the_normal_way(carrier: str) -> None:
    for seed in range(30):
        steps = t.steps_to(carrier, 0, None, random.Random(seed), to="delivered", origin="杭州市", destination="广州市")
        kinds = [s.action_type for s in steps]
        assert kinds[0] == t.PICKED_UP and kinds[-1] == t.DELIVERED and kinds[-2] == t.OUT_FOR_DELIVERY
        assert set(kinds[1:-2]) == {t.IN_TRANSIT}
        assert t.MIN_TRANSIT_LEN + 1 <= len(kinds) <= t.MAX_TRANSIT_LEN + 2
        assert not set(kinds) & t.FAILURES


def test_every_walk_obeys_the_state_machine_and_ends() -> None:
    lengths = []
    for seed in range(400):
        path = walk(CARRIERS[seed % len(CARRIERS)], seed, rate=0.5)
        last = None
        for step in path:
            assert step.action_type in ALLOWED[last], (last, step)
            last = step.action_type
        assert t.is_terminal(last)
        lengths.append(len(path))
    assert max(lengths) <= t.FAILURE_FREE_AFTER + t.MAX_TRANSIT_LEN + 2


def test_failure_rate_sets_the_share_of_failures() -> None:
    def failures(rate: float) -> int:
        return sum(s.action_type in t.FAILURES for seed in range(300) for s in walk("ZTO", seed, rate))

    assert failures(0.0) == 0
    few, many = failures(0.05), failures(0.4)
    assert 0 < few < many
    first_steps = [walk("SF", seed, rate=1.0)[0].action_type for seed in range(20)]
    assert set(first_steps) == {t.CANCELLED}  # a failure before pickup cancels the order


@pytest.mark.parametrize(
    ("last", "path_len", "expected"),
    [
        (None, 0, t.CANCELLED), (t.COURIER_ASSIGNED, 1, t.CANCELLED), (t.PICKUP_FAILED, 1, t.CANCELLED),
        (t.PICKED_UP, 1, t.HELD), (t.IN_TRANSIT, 3, t.HELD), (t.OUT_FOR_DELIVERY, 4, t.DELIVERY_FAILED),
        (t.DELIVERY_FAILED, 5, t.HELD), (t.HELD, 5, t.CANCELLED),
    ],
)
def test_failed_gives_the_failure_of_the_stage(last: Optional[int], path_len: int, expected: int) -> None:
    step = t.next_step("YTO", path_len, last, random.Random(0), to="failed")
    assert step is not None and step.action_type == expected
    planned = t.steps_to("YTO", path_len, last, random.Random(0), to="failed")
    assert [s.action_type for s in planned] == [expected]


@pytest.mark.parametrize("to", t.TARGETS)
@pytest.mark.parametrize("last", sorted(t.TERMINAL))
def test_terminal_state_has_no_next_step(to: str, last: int) -> None:
    assert t.next_step("SF", 5, last, random.Random(1), to=to, failure_rate=1.0) is None
    assert t.steps_to("SF", 5, last, random.Random(1), to=to) == []


def test_out_for_delivery_and_failed_delivery_move_on() -> None:
    rng = random.Random(2)
    assert t.next_step("EMS", 4, t.OUT_FOR_DELIVERY, rng, to="delivered").action_type == t.DELIVERED  # type: ignore[union-attr]
    assert t.next_step("EMS", 5, t.DELIVERY_FAILED, rng).action_type == t.OUT_FOR_DELIVERY  # type: ignore[union-attr]
    assert t.next_step("EMS", 5, t.HELD, rng).action_type == t.IN_TRANSIT  # type: ignore[union-attr]
    assert t.next_step("EMS", t.MAX_TRANSIT_LEN, t.IN_TRANSIT, rng).action_type == t.OUT_FOR_DELIVERY  # type: ignore[union-attr]
    rest = t.steps_to("EMS", 5, t.DELIVERY_FAILED, rng)
    assert [s.action_type for s in rest] == [t.OUT_FOR_DELIVERY, t.DELIVERED]


def test_same_seed_same_track_and_seeds_differ() -> None:
    a = [walk(c, 42, 0.2) for c in CARRIERS]
    b = [walk(c, 42, 0.2) for c in CARRIERS]
    assert a == b
    tracks = {tuple(walk("SF", seed, 0.0)) for seed in range(20)}
    assert len(tracks) == 20


def test_order_rng_depends_only_on_its_arguments_across_processes() -> None:
    here = [t.order_rng(7, "SF1234567890", n).random() for n in range(3)]
    assert here == [t.order_rng(7, "SF1234567890", n).random() for n in range(3)]
    assert len(set(here)) == 3 and t.order_rng(8, "SF1234567890", 0).random() != here[0]
    code = "from cloudfn.emulator.tracks import order_rng; print(repr(order_rng(7, 'SF1234567890', 0).random()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.strip()
    assert float(out) == here[0]


SIGNATURES = {
    "SF": "感谢您使用顺丰", "ZTO": "感谢使用中通快递", "YTO": "感谢使用圆通速递", "JDL": "京东物流", "DB": "感谢使用德邦快递",
    "JTSD": "感谢使用极兔速递", "EMS": "已妥投", "YUNDA": "签收", "STO": "签收人是", "BEST": "感谢使用百世快递",
    "TEST": "感谢使用测试快递公司", "NEWCO": "感谢使用快递",
}


@pytest.mark.parametrize("carrier", sorted(SIGNATURES))
def test_each_carrier_has_its_wording(carrier: str) -> None:
    step = t.next_step(carrier, 4, t.OUT_FOR_DELIVERY, random.Random(3), to="delivered", destination="广州市")
    assert step is not None and SIGNATURES[carrier] in step.action_msg


def test_messages_name_cities_couriers_and_eleven_digit_phones() -> None:
    for seed in range(60):
        steps = t.steps_to("SF", 0, None, random.Random(seed), to="delivered", origin="杭州市", destination="广州市")
        assert "杭州市" in steps[0].action_msg and "广州市" in steps[-1].action_msg and "广州市" in steps[-2].action_msg
        for step in steps:
            assert "{" not in step.action_msg and "}" not in step.action_msg
            for phone in re.findall(r"\d+", step.action_msg):
                assert re.fullmatch(r"1[3-9]\d{9}", phone), step
        courier = re.search(r"快件交给(\w+)，", steps[-2].action_msg).group(1)  # type: ignore[union-attr]
        assert f"快递员：{courier}，" in steps[-1].action_msg  # the same courier delivers and signs off
    failed = t.next_step("ZTO", 4, t.OUT_FOR_DELIVERY, random.Random(1), to="failed", destination="成都市")
    assert failed is not None and "成都市" in failed.action_msg and "（" in failed.action_msg  # a reason is given


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"delivery_id": ""}, "delivery_id"), ({"path_len": -1}, "path_len"), ({"last_action": 123}, "last_action"),
        ({"path_len": 3, "last_action": None}, "last_action"), ({"to": "lost"}, "to"), ({"failure_rate": 1.5}, "failure_rate"),
        ({"failure_rate": True}, "failure_rate"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    args = {"delivery_id": "SF", "path_len": 1, "last_action": t.PICKED_UP, "rng": random.Random(0), **kwargs}
    with pytest.raises(ValueError, match=field):
        t.next_step(**args)
