"""cloudfn.emulator.clock: forward-only offset, frozen mode, Beijing days, snapshots."""

from __future__ import annotations

import json
import math
import threading

import pytest

from cloudfn.emulator.clock import FROZEN_EPOCH, Clock, FrozenClock, china_date


class FakeTime:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_now_is_base_time_plus_offset() -> None:
    base = FakeTime(1000.0)
    clock = Clock(time_fn=base)
    assert clock.now() == 1000.0
    base.t = 1005.5
    assert clock.now() == 1005.5  # real time moves by itself
    assert clock.advance(60) == 1065.5
    assert clock.offset == 60.0
    base.t = 1010.0
    assert clock.now() == 1070.0


def test_real_clock_follows_time_time() -> None:
    import time

    clock = Clock(offset=3600)
    assert abs(clock.now() - (time.time() + 3600)) < 5


@pytest.mark.parametrize("bad", [-1, -0.001, math.nan, math.inf, "5", True, None])
def test_advance_refuses_backwards_and_non_numbers(bad: object) -> None:
    clock = FrozenClock()
    with pytest.raises(ValueError, match="seconds"):
        clock.advance(bad)  # type: ignore[arg-type]
    assert clock.now() == FROZEN_EPOCH and clock.offset == 0.0


def test_frozen_clock_stands_still_until_advanced() -> None:
    clock = FrozenClock(start=500.0)
    assert clock.frozen and clock.now() == 500.0 == clock.now()
    clock.advance(0)
    assert clock.now() == 500.0
    clock.advance(7200.25)
    assert clock.now() == 7700.25


def test_advance_is_thread_safe() -> None:
    clock = FrozenClock(start=0.0)
    threads = [threading.Thread(target=lambda: [clock.advance(1) for _ in range(1000)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() == 8000.0


def test_export_load_export_is_identical_and_json() -> None:
    clock = FrozenClock(start=1234.5)
    clock.advance(99.75)
    state = json.loads(json.dumps(clock.export()))
    other = Clock()
    other.load(state)
    assert other.export() == clock.export() == state == {"offset": 99.75, "frozen_at": 1234.5}
    assert other.now() == clock.now() and other.frozen
    live = Clock(offset=10.0)
    copy = FrozenClock()
    copy.load(live.export())
    assert not copy.frozen and copy.export() == live.export() == {"offset": 10.0, "frozen_at": None}


@pytest.mark.parametrize("bad", [{"offset": "x"}, {"offset": 1, "frozen_at": math.nan}, [], "offset"])
def test_load_refuses_malformed_state(bad: object) -> None:
    clock = FrozenClock()
    with pytest.raises(ValueError):
        clock.load(bad)  # type: ignore[arg-type]
    assert clock.export() == {"offset": 0.0, "frozen_at": FROZEN_EPOCH}


def test_china_date_is_utc_plus_8() -> None:
    # 2024-01-01T15:59:59Z is 23:59:59 in Beijing; one second later Beijing is on Jan 2
    assert china_date(1704124799.0) == "2024-01-01"
    assert china_date(1704124800.0) == "2024-01-02"
    assert china_date(1704067200.0) == "2024-01-01"  # 2024-01-01T00:00Z is 08:00 Beijing


def test_repr_shows_mode() -> None:
    assert repr(FrozenClock(start=1.0)) == "FrozenClock(frozen_at=1.0, offset=0.0)"
    assert repr(Clock(offset=2.0)) == "Clock(offset=2.0)"
