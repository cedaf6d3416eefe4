"""Business events the platform sends after a state change (``add_express_path``), to subscribers."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List

from .messages import message
from .provider import SYSTEM_OPENID
from .store import Order

log = logging.getLogger("cloudfn.emulator")
Listener = Callable[[str, Dict[str, Any]], None]


def path_event(order: Order, now: float) -> Dict[str, Any]:
    """The ``add_express_path`` message for an order's whole path (fields and types from the model)."""
    return message("add_express_path", {
        "ToUserName": order.appid, "FromUserName": order.openid or SYSTEM_OPENID, "CreateTime": int(now),
        "DeliveryID": order.delivery_id, "WayBillId": order.waybill_id, "OrderId": order.order_id, "Version": order.version,
        "Count": len(order.path), "Actions": order.path,
    })


class Emitter:
    """Calls every subscriber with ``(event, payload)``; a failing subscriber never breaks the call."""

    def __init__(self) -> None:
        self._listeners: List[Listener] = []
        self._quick: List[Listener] = []  # subscribed with blocks=False

    def subscribe(self, fn: Listener, blocks: bool = True) -> None:
        """Call ``fn(event, payload)`` after each change; ``blocks=False`` promises it returns at once
        (queues its work), so the calls that emit may run on the emulator's event loop."""
        self._listeners.append(fn)
        if not blocks:
            self._quick.append(fn)

    def unsubscribe(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)
        if fn in self._quick:
            self._quick.remove(fn)

    @property
    def may_block(self) -> bool:
        """Whether a subscriber may block (one not subscribed with ``blocks=False``)."""
        return len(self._listeners) > len(self._quick)

    def emit(self, event: str, payload: Dict[str, Any]) -> None:
        for fn in list(self._listeners):
            try:
                fn(event, payload)
            except Exception:
                log.exception("emulator listener failed for %s", event)
