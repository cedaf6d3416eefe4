"""Waybills that move on their own: each open order walks a track (``tracks``: picked up -> in transit ->
out for delivery -> delivered in the carrier's wording, with a share of failures), one step per
``interval`` seconds of the emulator's clock, or on demand (``advance(waybill_id, "next" |
"delivered" | "failed")``). Each step is a path item, so it is pushed as ``add_express_path`` when
pushes are configured. Tracks are reproducible: the same seed and waybill give the same steps.

Time is the emulator's clock: tests advance the clock (``POST /_emulator/clock``) instead of sleeping.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional

from . import tracks
from .clock import Clock
from .orders import Orders
from .store import Order, Store
from .wechat_error import WeChatError


class Mover:
    """Moves orders along their tracks; ``tick()`` applies what the clock says is due."""

    def __init__(self, orders: Orders, store: Store, clock: Clock, interval: Optional[float] = None,
                 failure_share: float = 0.0, seed: Optional[int] = None) -> None:
        if interval is not None and interval <= 0:
            raise ValueError("auto-advance interval must be a positive number of seconds")
        if not 0 <= failure_share <= 1:
            raise ValueError("failure share must be between 0 and 1")
        self.orders = orders
        self.store = store
        self.clock = clock
        self.interval = interval
        self.failure_share = failure_share
        self.seed = seed
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _steps(self, order: Order, to: str) -> List[tracks.Step]:
        """The order's next step (``"next"``) or every step to ``"delivered"``/``"failed"``; [] when its track ended."""
        if order.order_status == 1:
            return []
        last = order.path[-1]["action_type"] if order.path else None
        rng = tracks.order_rng(self.seed, order.waybill_id, len(order.path))
        origin, destination = order.body["sender"].get("city"), order.body["receiver"].get("city")
        share = self.failure_share if to == "next" else 0.0
        return tracks.steps_to(order.delivery_id, len(order.path), last, rng, to, share, origin or None, destination or None)

    def _step(self, order: Order, step: tracks.Step, when: int) -> Dict[str, Any]:
        item = {"action_time": when, "action_type": step.action_type, "action_msg": step.action_msg}
        self.orders.append(order, [item])
        return item

    def advance(self, waybill_id: str, to: str = "next") -> List[Dict[str, Any]]:
        """Move one order on demand; the path items added. WeChatError 40199 for an unknown waybill."""
        if to not in tracks.TARGETS:
            raise ValueError('"to" must be "next", "delivered" or "failed"')
        with self._lock, self.store.lock:
            order = self.store.order_by_waybill(waybill_id)
            if order is None:
                raise WeChatError(40199, "waybill_id not found")
            now = int(self.clock.now())
            return [self._step(order, step, now) for step in self._steps(order, to)]

    def tick(self) -> int:
        """Every step now due by the clock (each ``interval`` after the last); how many were made."""
        if self.interval is None:
            return 0
        made, now = 0, self.clock.now()
        with self._lock, self.store.lock:
            for order in self.store.orders(open_only=True):
                last = order.path[-1]["action_time"] if order.path else order.create_time
                while last + self.interval <= now:
                    steps = self._steps(order, "next")
                    if not steps:
                        break
                    last = int(last + self.interval)
                    self._step(order, steps[0], last)
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
