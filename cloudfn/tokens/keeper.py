"""The token rules: single-flight fetching, a remembered failure, refresh by the platform's rules.

- One caller fetches; in this process the others wait on its flight and share its outcome
  (token or error) the moment it has one; across processes and hosts the store's lock
  serialises the fetchers, and whoever gets it next reads what the first one wrote.
- A failed fetch is remembered in the store for ``store.failure_ttl`` seconds (5 s by
  default): meanwhile every caller fails at once with that error instead of trying again.
- Every wait is bounded: a lock is waited for at most the call's timeout + 1 s.
- A token WeChat rejected (40001/40014/42001) is refreshed once for all: in normal mode
  first; only if normal mode returns the very token that was rejected is
  ``force_refresh`` used, at most once per 30 s per appid and ``store.force_refresh_per_day``
  times a day (China time), counted in the store. (获取稳定版接口调用凭据: 强制刷新模式每天
  限用 20 次且需间隔 30 秒; 普通模式下平台会提前 5 分钟更新 access_token.)
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from .. import redact
from ..errors import OPENAPI_TIMEOUT, WX_SYSTEM_NETWORK_ERROR, CloudSDKError, fail_msg
from .base import Token, TokenStore

Fetch = Callable[[bool], Token]  # force_refresh -> a new Token; raises CloudSDKError
FORCE_GAP_S = 30.0
DAILY_QUOTA_REACHED = 45009  # the platform's "reach max api daily quota limit"
TOO_FREQUENT = 45011  # the platform's "api minute-quota reach limit"
LOCK_GRACE_S = 1.0


def china_day(now: float) -> str:
    """The platform's day (UTC+8) of an epoch time."""
    return time.strftime("%Y-%m-%d", time.gmtime(now + 8 * 3600))


class _Flight:
    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Optional[str] = None
        self.error: Optional[Tuple[int, str]] = None


class _Flights:
    """In-process single flight: one leader per key, the others take its outcome."""

    def __init__(self) -> None:
        self._flights: Dict[Tuple[str, ...], _Flight] = {}
        self._lock = threading.Lock()

    def run(self, key: Tuple[str, ...], display: str, wait: float, lead: Callable[[], str]) -> str:
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leader:
            if not flight.done.wait(wait):
                detail = f"timed out after {wait:g}s waiting for the access_token fetch of another caller"
                raise CloudSDKError(OPENAPI_TIMEOUT, fail_msg(display, detail))
            if flight.error is not None:
                raise CloudSDKError(flight.error[0], fail_msg(display, flight.error[1]))
            return flight.value  # type: ignore[return-value]
        try:
            flight.value = lead()
            return flight.value
        except CloudSDKError as exc:
            flight.error = (exc.errCode, _detail(exc, display))
            raise
        except BaseException:
            flight.error = (OPENAPI_TIMEOUT, "the access_token fetch of another caller was interrupted")
            raise
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()


_FLIGHTS: "weakref.WeakKeyDictionary[TokenStore, _Flights]" = weakref.WeakKeyDictionary()
_FLIGHTS_LOCK = threading.Lock()


def _flights_of(store: TokenStore) -> _Flights:
    with _FLIGHTS_LOCK:
        flights = _FLIGHTS.get(store)
        if flights is None:
            flights = _FLIGHTS[store] = _Flights()
        return flights


def _detail(exc: CloudSDKError, display: str) -> str:
    prefix = display + ":fail "
    return exc.errMsg[len(prefix) :] if exc.errMsg.startswith(prefix) else exc.errMsg


class TokenKeeper:
    """The access token of one appid in one store, by the rules above."""

    def __init__(self, store: TokenStore, appid: str) -> None:
        self.store = store
        self.appid = appid
        self._flights = _flights_of(store)

    def cached(self) -> Optional[str]:
        """The stored token when it is fresh, else None; never fetches, never waits on a lock."""
        cached = self.store.get(self.appid)
        return cached.value if cached is not None and cached.fresh(self.store.clock()) else None

    def token(self, display: str, timeout: float, fetch: Fetch) -> str:
        """A fresh token: the stored one, or one fetched single-flight."""
        with self._store_faults(display):
            cached = self.store.get(self.appid)
            if cached is not None and cached.fresh(self.store.clock()):
                return cached.value
        hold = 2 * timeout + 1  # a fetch may try to connect twice
        wait = timeout + LOCK_GRACE_S + hold + 1  # the leader's longest: a lock wait, then its fetch
        return self._flights.run((self.appid, "token"), display, wait, lambda: self._lead_token(display, timeout, hold, fetch))

    def refresh(self, display: str, timeout: float, fetch: Fetch, rejected: str) -> str:
        """A token to use instead of ``rejected``, which WeChat refused with 40001/40014/42001.

        ``rejected`` stays in the store until the leader replaces it under the lock: dropping it
        first would let a plain ``token()`` caller take the lock in between and fetch the
        rejected token again (one more stable_token call per storm).
        """
        hold = 4 * timeout + 1  # normal mode, then perhaps force_refresh
        key = (self.appid, "refresh", rejected)
        return self._flights.run(key, display, timeout + LOCK_GRACE_S + hold + 1, lambda: self._lead_refresh(display, timeout, hold, fetch, rejected))

    # the leader's work -----------------------------------------------------------------
    def _lead_token(self, display: str, timeout: float, hold: float, fetch: Fetch) -> str:
        with self._store_faults(display):
            cached = self._usable(display)
            if cached is not None:
                return cached
            with self._locked(display, timeout, hold):
                cached = self._usable(display)
                if cached is not None:
                    return cached
                token = self._fetch(display, fetch, force=False)
                self.store.set(self.appid, token)
                return token.value

    def _lead_refresh(self, display: str, timeout: float, hold: float, fetch: Fetch, rejected: str) -> str:
        with self._store_faults(display), self._locked(display, timeout, hold):
            current = self.store.get(self.appid)
            if current is not None and current.value != rejected and current.fresh(self.store.clock()):
                return current.value  # another caller, here or on another host, refreshed it already
            self._raise_if_failed(display)
            token = self._fetch(display, fetch, force=False)
            if token.value == rejected:  # the platform has no newer token: force one, by the rules
                self._claim_force_refresh(display)
                token = self._fetch(display, fetch, force=True)
                if token.value == rejected:
                    detail = "force_refresh returned the rejected access_token (the platform refreshes at most once per 30 s); retry in 30 s"
                    raise self._remember(CloudSDKError(TOO_FREQUENT, fail_msg(display, detail)), display)
            self.store.set(self.appid, token)
            return token.value

    def _usable(self, display: str) -> Optional[str]:
        cached = self.store.get(self.appid)
        if cached is not None and cached.fresh(self.store.clock()):
            return cached.value
        self._raise_if_failed(display)
        return None

    def _fetch(self, display: str, fetch: Fetch, force: bool) -> Token:
        try:
            return fetch(force)
        except CloudSDKError as exc:
            raise self._remember(exc, display) from None

    def _remember(self, exc: CloudSDKError, display: str) -> CloudSDKError:
        """Keep the failure for ``failure_ttl`` seconds so that the next callers fail at once."""
        if self.store.failure_ttl > 0:
            record = {"code": exc.errCode, "detail": redact.redact(_detail(exc, display)), "at": self.store.clock()}
            with contextlib.suppress(OSError):
                self.store.set_record(self.appid, "failure", record, self.store.failure_ttl)
        return exc

    def _raise_if_failed(self, display: str) -> None:
        record = self.store.get_record(self.appid, "failure")
        if record is None:
            return
        age = self.store.clock() - float(record.get("at", 0))
        again = max(self.store.failure_ttl - age, 0.0)
        detail = (
            f"{record.get('detail', 'cannot get access_token')} "
            f"(remembered: the last access_token fetch failed {age:.1f}s ago; the next try is in {again:.1f}s)"
        )
        raise CloudSDKError(int(record.get("code") or -1), fail_msg(display, detail))

    def _claim_force_refresh(self, display: str) -> None:
        """Count one force_refresh in the store, or raise when the rules forbid it now."""
        now = self.store.clock()
        day = china_day(now)
        record = self.store.get_record(self.appid, "force") or {}
        used = int(record.get("count", 0)) if record.get("day") == day else 0
        last = record.get("last")
        budget = self.store.force_refresh_per_day
        if used >= budget:
            raise self._remember(
                CloudSDKError(
                    DAILY_QUOTA_REACHED,
                    fail_msg(
                        display,
                        f"access_token rejected and stable_token keeps returning it, but the force_refresh budget of {self.appid} is spent "
                        f"({used} of {budget} today; it resets at 00:00 China time, UTC+8). Check that nothing else force-refreshes this appid's "
                        "token or resets its AppSecret; then wait for the reset, or raise force_refresh_per_day on the token store "
                        "(the platform allows 20 a day)",
                    ),
                ),
                display,
            )
        if last is not None and now - float(last) < FORCE_GAP_S:
            wait = FORCE_GAP_S - (now - float(last))
            ago = now - float(last)
            detail = f"access_token rejected again {ago:.0f}s after a force_refresh; the platform allows one per 30 s: retry in {wait:.0f}s"
            raise self._remember(CloudSDKError(TOO_FREQUENT, fail_msg(display, detail)), display)
        self.store.set_record(self.appid, "force", {"day": day, "count": used + 1, "last": now}, 2 * 86400)

    # waits and faults ------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self, display: str, timeout: float, hold: float) -> Iterator[None]:
        wait = timeout + LOCK_GRACE_S
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(self.store.lock(self.appid, wait=wait, hold=hold))
        except TimeoutError:
            detail = f"timed out after {wait:g}s waiting for another caller (process or host) fetching the access_token"
            raise CloudSDKError(OPENAPI_TIMEOUT, fail_msg(display, detail)) from None
        with stack:
            yield

    @contextlib.contextmanager
    def _store_faults(self, display: str) -> Iterator[Any]:
        try:
            yield
        except CloudSDKError:
            raise
        except TimeoutError as exc:
            raise CloudSDKError(OPENAPI_TIMEOUT, fail_msg(display, f"token store: {redact.redact(str(exc))}")) from None
        except OSError as exc:
            raise CloudSDKError(WX_SYSTEM_NETWORK_ERROR, fail_msg(display, f"token store unavailable: {redact.redact(str(exc))}")) from None
