"""The emulator's clock: real time plus an offset that only moves forward.

Public API
----------
- ``Clock(offset=0.0, frozen_at=None, time_fn=time.time)``
  - ``now() -> float``: epoch seconds, ``time_fn() + offset`` (or ``frozen_at + offset`` when frozen).
  - ``advance(seconds) -> float``: move forward by ``seconds`` (finite, >= 0; ValueError otherwise);
    returns the new ``now()``.
  - ``offset`` (property): seconds added to the base time so far.
  - ``frozen`` (property): True when time moves only through ``advance``.
  - ``export() -> {"offset": float, "frozen_at": float | None}`` and ``load(state)``: JSON-able
    state for snapshots (export -> load -> export is identical).
- ``FrozenClock(start=FROZEN_EPOCH)``: a ``Clock`` whose time stands still unless advanced (tests).
- ``china_date(epoch) -> "YYYY-MM-DD"``: the Beijing (UTC+8) calendar day of an instant.

Platform facts
--------------
- WeChat's daily quotas (stable_token's 500,000 calls and 20 force refreshes a day, 45009 "reach max
  api daily quota limit") reset on Beijing days: the platform runs on China Standard Time (UTC+8,
  no daylight saving). Source: official page 获取稳定版接口调用凭据 (getStableAccessToken), 注意事项.
- Moving time backwards would let a test "un-expire" tokens and replay daily quotas, which the platform
  never does; so the clock is monotonic by construction (issue 12 item 3: ``{"advance_s": N}``).

Thread-safe: one lock guards the offset; ``now()`` reads a float (atomic in CPython).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional

CHINA_UTC_OFFSET_S = 8 * 3600
FROZEN_EPOCH = 1_700_000_000.0  # 2023-11-14T22:13:20Z, a fixed start for frozen clocks


def china_date(epoch: float) -> str:
    """The Beijing (UTC+8) calendar day of ``epoch``, as ``YYYY-MM-DD``."""
    return time.strftime("%Y-%m-%d", time.gmtime(epoch + CHINA_UTC_OFFSET_S))


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of seconds, got {value!r}")
    return float(value)


class Clock:
    """Epoch seconds = base time + offset; the offset only grows (see module docstring)."""

    def __init__(self, offset: float = 0.0, frozen_at: Optional[float] = None, time_fn: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._time_fn = time_fn
        self._offset = _number(offset, "offset")
        self._frozen_at = None if frozen_at is None else _number(frozen_at, "frozen_at")

    def now(self) -> float:
        base = self._frozen_at if self._frozen_at is not None else self._time_fn()
        return base + self._offset

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds``; negative, NaN or infinite values raise ValueError."""
        step = _number(seconds, "seconds")
        if step < 0:
            raise ValueError(f"the clock only moves forward: seconds must be >= 0, got {seconds!r}")
        with self._lock:
            self._offset += step
        return self.now()

    @property
    def offset(self) -> float:
        return self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def export(self) -> Dict[str, Any]:
        with self._lock:
            return {"offset": self._offset, "frozen_at": self._frozen_at}

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace the offset (and frozen base) with an exported state; ValueError when malformed."""
        if not isinstance(state, Mapping):
            raise ValueError("clock state must be an object with offset and frozen_at")
        offset = _number(state.get("offset", 0.0), "offset")
        frozen = state.get("frozen_at")
        frozen_at = None if frozen is None else _number(frozen, "frozen_at")
        with self._lock:
            self._offset = offset
            self._frozen_at = frozen_at

    def __repr__(self) -> str:
        mode = f"frozen_at={self._frozen_at!r}, " if self._frozen_at is not None else ""
        return f"{type(self).__name__}({mode}offset={self._offset!r})"


class FrozenClock(Clock):
    """A clock that stands still unless advanced: ``now()`` is ``start`` plus what was advanced."""

    def __init__(self, start: float = FROZEN_EPOCH) -> None:
        super().__init__(frozen_at=start)
