"""The token-store interface, and the value it holds.

A store keeps, per appid, the current access token and a few short-lived records the
refresh rules need (a remembered fetch failure, the force-refresh budget). Implement
:class:`TokenStore` to plug in your own central token service:

- ``get(appid)`` / ``set(appid, token)`` / ``invalidate(appid, value)``: the token;
- ``lock(appid, wait, hold)``: a context manager giving one caller at a time the right
  to fetch; it raises :class:`TimeoutError` when not acquired within ``wait`` seconds,
  and a shared lock should expire by itself after ``hold`` seconds (a holder that dies
  must not block the others longer than that);
- ``get_record(appid, name)`` / ``set_record(appid, name, value, ttl)``: small JSON-able
  dicts that vanish after ``ttl`` seconds; the defaults below keep them in this process
  only, so override them when the store is shared between hosts.

Every time goes through ``self.clock()`` (epoch seconds; injectable for tests). A backend
fault is an :class:`OSError` (other than ``TimeoutError``); cloudfn reports it as a
``CloudSDKError`` naming the store. A store whose ``get`` always answers (a central token
service) means cloudfn never fetches a token itself.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

PLATFORM_FORCE_REFRESH_PER_DAY = 20  # 获取稳定版接口调用凭据: 强制刷新模式每天限用 20 次
DEFAULT_FAILURE_TTL = 5.0  # seconds a failed fetch is remembered


class Token(NamedTuple):
    value: str
    expires_at: float  # epoch seconds at which we stop using it (already early)

    def fresh(self, now: Optional[float] = None) -> bool:
        return (now if now is not None else time.time()) < self.expires_at

    def __repr__(self) -> str:
        return f"Token(value='***', expires_at={self.expires_at:.0f})"


class TokenStore:
    """Interface of a token store (see the module docstring)."""

    # True when ``get`` never waits on a network: cloudfn.aio may then read a cached token on the
    # event loop itself instead of in a worker thread. Stores that talk to a server leave it False.
    local = False

    def __init__(
        self,
        *,
        clock: Optional[Callable[[], float]] = None,
        failure_ttl: float = DEFAULT_FAILURE_TTL,
        force_refresh_per_day: int = PLATFORM_FORCE_REFRESH_PER_DAY,
    ) -> None:
        if not 0 <= int(force_refresh_per_day) <= PLATFORM_FORCE_REFRESH_PER_DAY:
            limit = PLATFORM_FORCE_REFRESH_PER_DAY
            raise ValueError(f"force_refresh_per_day must be 0..{limit} (the platform's limit), got {force_refresh_per_day!r}")
        if not 0 <= float(failure_ttl) <= 300:
            raise ValueError(f"failure_ttl must be 0..300 seconds, got {failure_ttl!r}")
        self.clock: Callable[[], float] = clock or time.time
        self.failure_ttl = float(failure_ttl)
        self.force_refresh_per_day = int(force_refresh_per_day)

    # the token -------------------------------------------------------------------------
    def get(self, appid: str) -> Optional[Token]:
        raise NotImplementedError

    def set(self, appid: str, token: Token) -> None:
        raise NotImplementedError

    def invalidate(self, appid: str, value: str) -> None:
        """Forget the token if it is still ``value`` (WeChat rejected it)."""
        raise NotImplementedError

    def lock(self, appid: str, wait: float = 30.0, hold: float = 30.0) -> "contextlib.AbstractContextManager[Any]":
        """Exclusive right to fetch ``appid``'s token; ``TimeoutError`` after ``wait`` seconds."""
        raise NotImplementedError

    # short-lived records (process-local unless overridden) -----------------------------
    def get_record(self, appid: str, name: str) -> Optional[Dict[str, Any]]:
        entry = self._local_records().get((appid, name))
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def set_record(self, appid: str, name: str, value: Dict[str, Any], ttl: float) -> None:
        records = self._local_records()
        records[(appid, name)] = (self.clock() + ttl, dict(value))
        if len(records) > 1024:  # bounded: drop what has expired
            now = self.clock()
            for key in [k for k, (until, _) in records.items() if until <= now]:
                records.pop(key, None)

    def _local_records(self) -> Dict[Tuple[str, str], Tuple[float, Dict[str, Any]]]:
        records = self.__dict__.get("_records")
        if records is None:
            records = self.__dict__.setdefault("_records", {})
        return records  # type: ignore[no-any-return]


class ThreadLocks:
    """One ``threading.Lock`` per appid, acquired with a bounded wait."""

    def __init__(self) -> None:
        self._locks: Dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def hold(self, appid: str, wait: float) -> Any:
        with self._guard:
            lock = self._locks.setdefault(appid, threading.Lock())
        if not lock.acquire(timeout=max(wait, 0.0)):
            raise TimeoutError(f"token lock of {appid} not acquired within {wait:g}s")
        try:
            yield
        finally:
            lock.release()
