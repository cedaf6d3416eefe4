"""The record of the emulator's pushes: each event with its attempts and outcome, the newest kept."""

from __future__ import annotations

import collections
import copy
import threading
import time
from typing import Any, Deque, Dict, List, Mapping, Optional

from .. import redact
from .messages import SECRET_FIELDS


def masked(payload: Mapping[str, Any]) -> Dict[str, Any]:
    """A deep copy of ``payload`` with the model's secret fields (``BizPwd``) masked."""
    out = copy.deepcopy(dict(payload))
    for key in SECRET_FIELDS:
        if out.get(key):
            out[key] = redact.MASK
    return out


class EventLog:
    """Recorded events, oldest first, at most ``max_events``; every change under one lock."""

    def __init__(self, max_events: int) -> None:
        self._records: Deque[Dict[str, Any]] = collections.deque(maxlen=max(1, int(max_events)))
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, event: str, direction: str, url: Optional[str], payload: Mapping[str, Any], fmt: str, encrypted: bool) -> Dict[str, Any]:
        """A new ``pending`` record (secrets masked in its payload copy)."""
        with self._lock:
            rec = {
                "id": self._next_id, "event": event, "direction": direction, "url": url, "format": fmt, "encrypted": encrypted,
                "payload": masked(payload), "created": int(time.time()), "attempts": [], "outcome": "pending", "reply": None,
            }
            self._next_id += 1
            self._records.append(rec)
            return rec

    def attempt(self, rec: Dict[str, Any], attempt: Dict[str, Any]) -> None:
        with self._lock:
            rec["attempts"].append(attempt)

    def finish(self, rec: Dict[str, Any], outcome: str, reply: Any = None) -> None:
        with self._lock:
            rec["outcome"], rec["reply"] = outcome, copy.deepcopy(reply)

    def events(self, event: Optional[str] = None, outcome: Optional[str] = None) -> List[Dict[str, Any]]:
        """Copies of the records, oldest first, optionally filtered."""
        with self._lock:
            recs = [copy.deepcopy(r) for r in self._records]
        return [r for r in recs if (event is None or r["event"] == event) and (outcome is None or r["outcome"] == outcome)]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def load(self, records: List[Dict[str, Any]]) -> None:
        """Replace the records (a snapshot import); ids continue after the highest one."""
        with self._lock:
            self._records.clear()
            self._records.extend(copy.deepcopy(r) for r in records if isinstance(r, dict))
            self._next_id = max([int(r.get("id", 0)) for r in self._records] + [0]) + 1
