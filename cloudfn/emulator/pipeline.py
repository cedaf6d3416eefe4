"""The one path every emulated API call takes, from the HTTPS routes and the gateway alike:
count it, apply a fault (``faults.FaultTable``: probability, latency, app scope, seeded), then run
the backend (or the token service). A fault may wait, drop the connection (:class:`Drop`), or
answer in place of the backend.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, NamedTuple, Optional

from .faults import Decision, FaultTable
from .models import Backend
from .wechat import CONTENT_TYPE, dumps, error, reply_of
from .wechat_error import WeChatError


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


def apply_fault(decision: Decision) -> Optional[Answer]:
    """Carry out a fault: wait, then drop (raises Drop), or the injected answer; None to go on normally."""
    if decision.delay_s > 0:
        time.sleep(decision.delay_s)
    if decision.kind in ("drop", "timeout"):
        raise Drop()
    if decision.kind == "status" and decision.status is not None:
        return answer(error(-1, f"system error (injected HTTP {decision.status})"), decision.status)
    if decision.kind == "errcode" and decision.errcode is not None:
        return answer(error(decision.errcode, decision.errmsg or "injected fault"))
    return None


class Pipeline:
    """count -> fault -> backend, for logistics methods and the token endpoints."""

    def __init__(self, backend: Backend, faults: FaultTable, calls: Calls) -> None:
        self.backend = backend
        self.faults = faults
        self.calls = calls

    def _front(self, api: str, appid: Optional[str]) -> Optional[Answer]:
        self.calls.hit(api)
        decision = self.faults.pick(api, appid)
        return apply_fault(decision) if decision is not None else None

    def call(self, name: str, authenticate: Callable[[], str], body: Callable[[], Any]) -> Answer:
        """A logistics call: ``authenticate()`` gives the appid, ``body()`` the snake_case body (both may raise WeChatError).

        A fault applies before the credential is checked (an app-scoped one to calls whose credential names that app)."""
        refused: Optional[WeChatError] = None
        appid: Optional[str] = None
        try:
            appid = authenticate()
        except WeChatError as exc:
            refused = exc
        injected = self._front(name, appid)
        if injected is not None:
            return injected
        try:
            if refused is not None:
                raise refused
            value = body()
        except WeChatError as exc:
            return answer(reply_of(exc))
        return answer(self.backend.handle(name, value, appid or ""))

    def token(self, api: str, issue: Callable[[], Dict[str, Any]], appid: Optional[str] = None) -> Answer:
        """A token endpoint (``token`` or ``stable_token``) of ``appid`` (as the request names it)."""
        injected = self._front(api, appid)
        if injected is not None:
            return injected
        try:
            return answer(issue())
        except WeChatError as exc:
            return answer(reply_of(exc))
