"""Waybills that move on their own: each open order walks a track (picked up -> in transit -> out for
delivery -> delivered, or a failure), one step per ``interval`` seconds of the emulator's clock, or
on demand (``advance(waybill_id, "next" | "delivered" | "failed")``). Each step is a path item, so
it is pushed as ``add_express_path`` when pushes are configured.

Time is the emulator's clock: tests advance the clock (``POST /_emulator/clock``) instead of sleeping.
"""

from __future__ import annotations

import random
import threading
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from .clock import Clock
from .orders import Orders
from .store import Order, Store
from .wechat_error import WeChatError


class Step(NamedTuple):
    action_type: int
    action_msg: str


DELIVERED = 300003
TERMINAL = frozenset({DELIVERED, 300004, 400001, 400002})
# The stand-in track until cloudfn.emulator.tracks (per-carrier wording) is wired in.
_HAPPY = [Step(100001, "快件已揽收"), Step(200001, "快件运输中"), Step(300002, "快件派送中"), Step(DELIVERED, "快件已签收")]
_FAILURES = [Step(300004, "派送失败，收件人无法联系"), Step(400002, "快件滞留"), Step(400001, "订单已取消")]
TrackFor = Callable[[Order], List[Step]]


def basic_track(order: Order) -> List[Step]:
    return list(_HAPPY)


class Mover:
    """Moves orders along their tracks; ``tick()`` applies what the clock says is due."""

    def __init__(self, orders: Orders, store: Store, clock: Clock, interval: Optional[float] = None,
                 track_for: TrackFor = basic_track, failure_share: float = 0.0, seed: Optional[int] = None) -> None:
        if interval is not None and interval <= 0:
            raise ValueError("auto-advance interval must be a positive number of seconds")
        self.orders = orders
        self.store = store
        self.clock = clock
        self.interval = interval
        self.track_for = track_for
        self.failure_share = failure_share
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _next(self, order: Order) -> Optional[Step]:
        if order.order_status == 1 or (order.path and order.path[-1]["action_type"] in TERMINAL):
            return None
        done = {item["action_type"] for item in order.path}
        for step in self.track_for(order):
            if step.action_type not in done:
                if step.action_type == DELIVERED and self.failure_share and self._rng.random() < self.failure_share:
                    return self._rng.choice(_FAILURES)
                return step
        return None

    def _step(self, order: Order, step: Step, when: int) -> Dict[str, Any]:
        item = {"action_time": when, "action_type": step.action_type, "action_msg": step.action_msg}
        self.orders.append(order, [item])
        return item

    def advance(self, waybill_id: str, to: str = "next") -> List[Dict[str, Any]]:
        """Move one order on demand; the path items added. WeChatError 40199 for an unknown waybill."""
        if to not in ("next", "delivered", "failed"):
            raise ValueError('"to" must be "next", "delivered" or "failed"')
        added: List[Dict[str, Any]] = []
        with self._lock, self.store.lock:
            order = self.store.order_by_waybill(waybill_id)
            if order is None:
                raise WeChatError(40199, "waybill_id not found")
            now = int(self.clock.now())
            if to == "failed":
                if self._next(order) is not None:
                    added.append(self._step(order, _FAILURES[0], now))
                return added
            while (step := self._next(order)) is not None:
                added.append(self._step(order, step, now))
                if to == "next":
                    break
        return added

    def tick(self) -> int:
        """Every step now due by the clock (each ``interval`` after the last); how many were made."""
        if self.interval is None:
            return 0
        made, now = 0, self.clock.now()
        with self._lock, self.store.lock:
            for order in self.store.orders(open_only=True):
                last = order.path[-1]["action_time"] if order.path else order.create_time
                while last + self.interval <= now and (step := self._next(order)) is not None:
                    last = int(last + self.interval)
                    self._step(order, step, last)
                    made += 1
        return made

    def start(self) -> None:
        if self.interval is None or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cloudfn-auto-advance", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(min(1.0, max(0.05, (self.interval or 1.0) / 4))):
            try:
                self.tick()
            except Exception:  # a closed store while stopping
                if not self.store.closed:
                    raise

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
