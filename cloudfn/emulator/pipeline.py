"""The one path every emulated API call takes, from the HTTPS routes and the gateway alike:
count it, apply a pending fault, then run the backend (or the token service).

A fault may sleep, drop the connection (:class:`Drop`), or answer in place of the backend.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from .. import spec
from .models import Backend
from .wechat import CONTENT_TYPE, dumps, error, reply_of
from .wechat_error import WeChatError

TOKEN_APIS = ("token", "stable_token")


class Answer(NamedTuple):
    """An API answer: HTTP status, content type, body bytes."""

    status: int
    content_type: str
    body: bytes


def answer(value: Any, status: int = 200) -> Answer:
    return Answer(status, CONTENT_TYPE, dumps(value))


class Drop(Exception):
    """Close the connection without answering (an injected ``drop`` fault)."""


class Calls:
    """How many requests reached each API (faulted, rejected and failed ones included)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Dict[str, int] = {}

    def hit(self, api: str) -> None:
        with self._lock:
            self.counts[api] = self.counts.get(api, 0) + 1

    def snapshot(self) -> Dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()


class Faults:
    """Injected faults: for one API (or ``*``: every logistics method), the next N calls."""

    KINDS = ("errcode", "status", "delay_ms", "drop")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: List[Dict[str, Any]] = []
        self._ids = 0

    def add(self, item: Any) -> Dict[str, Any]:
        """Validate and register a fault; ValueError explains what is wrong."""
        if not isinstance(item, dict):
            raise ValueError("a fault is a JSON object")
        api = item.get("api", "*")
        if api not in set(spec.methods()) | set(TOKEN_APIS) | {"*"}:
            raise ValueError(f"api must be '*' or a logistics method name (or token, stable_token), got {api!r}")
        fault: Dict[str, Any] = {"api": api}
        for key in self.KINDS:
            if item.get(key) is not None:
                fault[key] = _checked(key, item[key])
        if not any(k in fault for k in self.KINDS):
            raise ValueError("give one of errcode, status, delay_ms, drop")
        count = item.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("count must be a positive integer")
        with self._lock:
            self._ids += 1
            fault.update(id=self._ids, count=count, remaining=count)
            self._items.append(fault)
            return dict(fault)

    def take(self, api: str, appid: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """The first pending fault for ``api``, consumed once; None when there is none."""
        if not self._items:
            return None
        with self._lock:
            for fault in self._items:
                if fault["api"] == api or (fault["api"] == "*" and api not in TOKEN_APIS):
                    fault["remaining"] -= 1
                    if fault["remaining"] <= 0:
                        self._items.remove(fault)
                    return dict(fault)
        return None

    def list(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [dict(f) for f in self._items]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _checked(key: str, value: Any) -> Any:
    if key == "drop":
        if not isinstance(value, bool):
            raise ValueError("drop must be true or false")
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{key} must be an integer")
    if key == "status" and not 400 <= value <= 599:
        raise ValueError("status must be an HTTP error status (400-599)")
    if key == "delay_ms" and not 0 <= value <= 600000:
        raise ValueError("delay_ms must be between 0 and 600000")
    return value


def apply_fault(fault: Dict[str, Any]) -> Optional[Answer]:
    """Carry out a fault: sleep, drop (raises Drop), or the injected answer; None to go on normally."""
    if fault.get("delay_ms"):
        time.sleep(fault["delay_ms"] / 1000.0)
    if fault.get("drop"):
        raise Drop()
    if "status" in fault:
        return answer(error(-1, f"system error (injected HTTP {fault['status']})"), fault["status"])
    if "errcode" in fault:
        return answer(error(fault["errcode"], "injected fault"))
    return None


class Pipeline:
    """count -> fault -> backend, for logistics methods and the token endpoints."""

    def __init__(self, backend: Backend, faults: Faults, calls: Calls) -> None:
        self.backend = backend
        self.faults = faults
        self.calls = calls

    def _front(self, api: str, appid: Optional[str]) -> Optional[Answer]:
        self.calls.hit(api)
        fault = self.faults.take(api, appid)
        return apply_fault(fault) if fault is not None else None

    def call(self, name: str, authenticate: Callable[[], str], body: Callable[[], Any]) -> Answer:
        """A logistics call: ``authenticate()`` gives the appid, ``body()`` the snake_case body (both may raise WeChatError)."""
        injected = self._front(name, None)
        if injected is not None:
            return injected
        try:
            appid = authenticate()
            value = body()
        except WeChatError as exc:
            return answer(reply_of(exc))
        return answer(self.backend.handle(name, value, appid))

    def token(self, api: str, issue: Callable[[], Dict[str, Any]]) -> Answer:
        """A token endpoint (``token`` or ``stable_token``)."""
        injected = self._front(api, None)
        if injected is not None:
            return injected
        try:
            return answer(issue())
        except WeChatError as exc:
            return answer(reply_of(exc))
