"""The one path every emulated API call takes, from the HTTPS routes and the gateway alike:
count it, apply a fault (``faults.FaultTable``: probability, latency, app scope, seeded), then run
the backend (or the token service). A fault may wait, drop the connection (:class:`Drop`), or
answer in place of the backend.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from typing import Any, Callable, Deque, Dict, List, NamedTuple, Optional

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


MAX_CALL_LOG = 500
MAX_LOGGED_BODY = 64 * 1024  # bytes (or characters) of each request and reply the call log keeps


def _logged(value: Any) -> Any:
    """What the call log keeps of a body: raw bytes as they came, else compact JSON text; both cut at MAX_LOGGED_BODY."""
    if value is None or isinstance(value, bytes):
        return value[:MAX_LOGGED_BODY] if value is not None else None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)[:MAX_LOGGED_BODY]


class Calls:
    """How many requests reached each API (faulted, rejected and failed ones included), and a log of
    the newest ``max_log`` calls, bodies cut at ``MAX_LOGGED_BODY`` and unmasked
    (:func:`cloudfn.emulator.console.views.call_view` masks them when they are shown)."""

    def __init__(self, max_log: int = MAX_CALL_LOG) -> None:
        self._lock = threading.Lock()
        self.counts: Dict[str, int] = {}
        self.log: Deque[Dict[str, Any]] = collections.deque(maxlen=max(1, max_log))
        self._next_id = 1

    def record(self, entry: Dict[str, Any]) -> None:
        """Append one finished call (``api``, ``appid``, ``transport``, ``at``, ``ms``, ``request``, ``reply``...)."""
        with self._lock:
            entry["id"] = self._next_id
            self._next_id += 1
            self.log.append(entry)

    def oldest(self) -> Optional[int]:
        """The id of the oldest logged call (None when the log is empty)."""
        with self._lock:
            return self.log[0]["id"] if self.log else None

    def entries(self, after: int = 0) -> List[Dict[str, Any]]:
        """The logged calls with an id above ``after``, oldest first (shallow copies)."""
        with self._lock:
            return [dict(e) for e in self.log if e["id"] > after]

    def hit(self, api: str) -> None:
        with self._lock:
            self.counts[api] = self.counts.get(api, 0) + 1

    def snapshot(self) -> Dict[str, int]:
        with self._lock:
            return dict(self.counts)

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()
            self.log.clear()


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

    def nonblocking(self) -> bool:
        """True when no call can wait (no fault rule, no carrier hook, no blocking subscriber): the server
        then runs API calls on its event loop. A rule added while a call is under way may still delay
        that one call there."""
        return not self.faults and not self.backend.may_block

    def _front(self, api: str, appid: Optional[str], entry: Dict[str, Any]) -> Optional[Answer]:
        self.calls.hit(api)
        decision = self.faults.pick(api, appid)
        if decision is None:
            return None
        entry["fault"] = decision.kind or "delay"
        return apply_fault(decision)

    def call(self, name: str, authenticate: Callable[[], str], body: Callable[[], Any], transport: str = "https",
             raw: Optional[bytes] = None) -> Answer:
        """A logistics call: ``authenticate()`` gives the appid, ``body()`` the snake_case body (both may raise WeChatError).

        A fault applies before the credential is checked (an app-scoped one to calls whose credential names that app).
        ``transport`` (``"https"`` or ``"gateway"``) and ``raw`` (the request body as received) are what the call log shows."""
        entry: Dict[str, Any] = {"api": name, "appid": None, "transport": transport, "at": time.time(), "request": _logged(raw), "fault": None}
        started = time.perf_counter()
        answered: Optional[Answer] = None
        try:
            answered = self._call(name, authenticate, body, entry, raw is None)
            return answered
        finally:
            self._log(entry, started, answered)

    def _call(self, name: str, authenticate: Callable[[], str], body: Callable[[], Any], entry: Dict[str, Any], keep_body: bool) -> Answer:
        refused: Optional[WeChatError] = None
        appid: Optional[str] = None
        try:
            appid = entry["appid"] = authenticate()
        except WeChatError as exc:
            refused = exc
        injected = self._front(name, appid, entry)
        if injected is not None:
            if keep_body:
                try:
                    entry["request"] = _logged(body())  # what was sent, for the call log
                except WeChatError:
                    pass
            return injected
        try:
            if refused is not None:
                raise refused
            value = body()
        except WeChatError as exc:
            return answer(reply_of(exc))
        if keep_body:
            entry["request"] = _logged(value)
        return answer(self.backend.handle(name, value, appid or ""))

    def _log(self, entry: Dict[str, Any], started: float, answered: Optional[Answer]) -> None:
        entry["ms"] = round((time.perf_counter() - started) * 1000, 3)
        entry["status"] = answered.status if answered is not None else None
        entry["reply"] = answered.body[:MAX_LOGGED_BODY] if answered is not None else None
        self.calls.record(entry)

    def token(self, api: str, issue: Callable[[], Dict[str, Any]], appid: Optional[str] = None, request: Any = None) -> Answer:
        """A token endpoint (``token`` or ``stable_token``) of ``appid`` (as the request names it); ``request``: what the log shows."""
        entry: Dict[str, Any] = {"api": api, "appid": appid, "transport": "https", "at": time.time(), "request": _logged(request), "fault": None}
        started = time.perf_counter()
        answered: Optional[Answer] = None
        try:
            answered = self._front(api, appid, entry)
            if answered is None:
                try:
                    answered = answer(issue())
                except WeChatError as exc:
                    answered = answer(reply_of(exc))
            return answered
        finally:
            self._log(entry, started, answered)
