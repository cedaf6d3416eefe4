"""Access tokens as WeChat issues them: ``GET /cgi-bin/token`` and ``POST /cgi-bin/stable_token``.

Public API
----------
- ``TokenService(clock, apps=None, ttl=7200, max_tokens=100_000, limits=None)``; ``apps`` maps
  appid -> secret; ``clock`` is any object with ``now() -> float`` (``cloudfn.emulator.clock.Clock``).
  - ``add_app(appid, secret)``; ``appids -> List[str]`` (insertion order).
  - ``issue(appid, secret, grant_type="client_credential") -> {"access_token", "expires_in"}``
    (``/cgi-bin/token``).
  - ``stable(appid, secret, force_refresh=False, grant_type="client_credential") -> {"access_token",
    "expires_in"}`` (``/cgi-bin/stable_token``).
  - ``authenticate(access_token) -> appid``.
  - ``expire_all() -> int`` (every token now expired: 42001), ``revoke(appid) -> int`` (the app's tokens
    are forgotten: 40001); test helpers.
  - ``export(include_tokens=False) -> dict`` / ``load(state)``: JSON-able state (apps with their
    secrets and quota counters; tokens only when asked). export -> load -> export is identical.
- ``TokenLimits``: the platform's numbers below, overridable for tests.
- Refusals raise ``cloudfn.emulator.wechat_error.WeChatError(errcode, errmsg)``.

Platform facts and sources
--------------------------
Official pages 获取接口调用凭据 (getAccessToken) and 获取稳定版接口调用凭据 (getStableAccessToken),
developers.weixin.qq.com/miniprogram/dev/server/API/mp-access-token/, and ../shared/reference/scf-runtime.md:
- Errors (both pages' tables): 40002 ``invalid grant_type``, 41002 ``appid missing``, 41004
  ``appsecret missing``, 40013 ``invalid appid``, 40125 ``invalid appsecret``, 45009 ``reach max api
  daily quota limit``, 45011 ``api minute-quota reach limit mustslower retry next minute``. Calls with a
  token: 40001 ``invalid credential, access_token is invalid or not latest``, 42001 ``access_token
  expired``, 41001 ``access_token missing`` (global error codes).
- ``/cgi-bin/token``: "重复获取将导致上次获取的access_token失效", and while refreshing "公众平台后台会保证在
  5分钟内，新老access_token都可用": a new token leaves the previous one valid for at most 300 s more
  (then 40001, not latest); any older one is invalid at once.
- ``stable_token`` normal mode returns the current token while it has more than 5 minutes left; within
  its last 5 minutes a call gets a new token and the old one stays valid until its own expiry, so
  ``expires_in >= 300`` always ("平台会提前5分钟更新 ... 新旧access_token都可用"). When ``ttl`` is under
  600 s the renewal window is ``ttl / 2`` instead, so a short-lived test token is not renewed on every call.
- ``force_refresh: true`` "会导致上次获取的 access_token 失效，并返回新的 access_token": every earlier
  stable token of the app answers 40001 at once. At most 20 a Beijing day; "连续使用该模式时，请保证调用
  时间隔至少为30s，否则不会刷新": within 30 s of the last forced refresh the call does not refresh and
  answers as normal mode does (the page documents no errcode for it). Past 20 a day the page documents
  no answer either; the emulator answers 45009 ``reach max api daily quota limit`` (the page's
  day-quota code) and refreshes nothing. (The page's leak procedure, two forced calls 30 s apart,
  is harmless here: the first already invalidates the leaked token.)
- ``stable_token`` allows 10,000 calls a minute (45011 past that) and 500,000 a day (45009), per appid;
  every call with a valid appid and secret counts, including refused ones.
- The two kinds of token are "完全隔离，互不影响": issuing one never invalidates the other.

Bounded: the token table holds at most ``max_tokens`` entries (oldest evicted first); each issue
drops a few dead entries from the oldest end (expired more than ``keep_expired_s`` ago, or cut short
by a newer token and over), never a full scan. Thread-safe: one lock; ``authenticate`` reads lock-free.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Protocol, Tuple

from .clock import china_date
from .wechat_error import WeChatError

KINDS = ("token", "stable")
_PRUNE_PER_ISSUE = 4


class _Clock(Protocol):
    def now(self) -> float: ...


@dataclass(frozen=True)
class TokenLimits:
    """The platform's numbers (defaults from the official pages); tests may lower them."""

    renew_before_s: float = 300.0
    overlap_s: float = 300.0
    force_per_day: int = 20
    force_gap_s: float = 30.0
    stable_per_minute: int = 10_000
    stable_per_day: int = 500_000
    keep_expired_s: float = 86_400.0


@dataclass
class _Token:
    appid: str
    kind: str
    expires_at: float
    cut_short: bool = False


@dataclass
class _App:
    secret: str = field(repr=False)
    current: Dict[str, Optional[str]] = field(default_factory=lambda: dict.fromkeys(KINDS), repr=False)
    previous: Dict[str, Optional[str]] = field(default_factory=lambda: dict.fromkeys(KINDS), repr=False)
    force: Dict[str, Any] = field(default_factory=lambda: {"day": "", "count": 0, "last_at": None})
    calls: Dict[str, Any] = field(default_factory=lambda: {"minute": 0, "minute_count": 0, "day": "", "day_count": 0})


class _TokenTable:
    """token -> _Token in issue order, bounded: incremental pruning and oldest-first eviction."""

    def __init__(self, max_tokens: int, keep_expired_s: float) -> None:
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        self.max_tokens = max_tokens
        self.keep_expired_s = keep_expired_s
        self.rows: "OrderedDict[str, _Token]" = OrderedDict()

    def get(self, token: str) -> Optional[_Token]:
        return self.rows.get(token)

    def add(self, token: str, row: _Token, now: float) -> None:
        for _ in range(_PRUNE_PER_ISSUE):
            if not self.rows:
                break
            oldest, first = next(iter(self.rows.items()))
            if not self._dead(first, now):
                break
            del self.rows[oldest]
        self.rows[token] = row
        while len(self.rows) > self.max_tokens:
            self.rows.popitem(last=False)

    def _dead(self, row: _Token, now: float) -> bool:
        if row.cut_short:
            return row.expires_at <= now
        return row.expires_at <= now - self.keep_expired_s

    def drop(self, token: Optional[str]) -> None:
        if token is not None:
            self.rows.pop(token, None)


def _missing(value: Any) -> bool:
    return not isinstance(value, str) or not value


class TokenService:
    """The platform's token endpoints and the credential check of every API call (module docstring)."""

    def __init__(self, clock: _Clock, apps: Optional[Mapping[str, str]] = None, ttl: int = 7200, max_tokens: int = 100_000,
                 limits: Optional[TokenLimits] = None) -> None:
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 1:
            raise ValueError("ttl must be a positive number of seconds")
        self._clock = clock
        self._ttl = ttl
        self._limits = limits or TokenLimits()
        self._renew_before = min(self._limits.renew_before_s, ttl / 2)
        self._lock = threading.RLock()
        self._apps: Dict[str, _App] = {}
        self._table = _TokenTable(max_tokens, self._limits.keep_expired_s)
        for appid, secret in (apps or {}).items():
            self.add_app(appid, secret)

    @property
    def ttl(self) -> int:
        return self._ttl

    @property
    def appids(self) -> List[str]:
        return list(self._apps)

    def add_app(self, appid: str, secret: str) -> None:
        """Register a mini program (a known appid keeps its tokens and gets the new secret)."""
        if _missing(appid) or _missing(secret):
            raise ValueError("appid and secret must be non-empty strings")
        with self._lock:
            if appid in self._apps:
                self._apps[appid].secret = secret
            else:
                self._apps[appid] = _App(secret)

    # ------------------------------------------------------------------ endpoints

    def issue(self, appid: Any, secret: Any, grant_type: Any = "client_credential") -> Dict[str, Any]:
        """``GET /cgi-bin/token``: a new token; the previous one stays valid for 300 s at most."""
        with self._lock:
            app = self._check(appid, secret, grant_type)
            token = self._mint(app, appid, "token", self._clock.now(), keep_previous=True)
            return {"access_token": token, "expires_in": self._ttl}

    def stable(self, appid: Any, secret: Any, force_refresh: bool = False, grant_type: Any = "client_credential") -> Dict[str, Any]:
        """``POST /cgi-bin/stable_token`` in normal or force-refresh mode."""
        with self._lock:
            app = self._check(appid, secret, grant_type)
            now = self._clock.now()
            self._count_call(app, now)
            if force_refresh and not self._too_soon(app, now):
                self._spend_force(app, now)
                token = self._mint(app, appid, "stable", now, keep_previous=False)
                return {"access_token": token, "expires_in": self._ttl}
            return self._stable_normal(app, appid, now)

    def authenticate(self, access_token: Optional[str]) -> str:
        """The appid a valid token belongs to; WeChatError 41001 / 40001 / 42001 otherwise."""
        if not access_token:
            raise WeChatError(41001, "access_token missing")
        row = self._table.get(access_token)
        if row is None:
            raise WeChatError(40001, "invalid credential, access_token is invalid or not latest")
        if self._clock.now() >= row.expires_at:
            if row.cut_short:
                raise WeChatError(40001, "invalid credential, access_token is invalid or not latest")
            raise WeChatError(42001, "access_token expired")
        return row.appid

    # ------------------------------------------------------------------ test helpers

    def expire_all(self) -> int:
        """Every issued token is now expired (callers meet 42001); returns how many."""
        with self._lock:
            now = self._clock.now()
            for row in self._table.rows.values():
                row.expires_at = min(row.expires_at, now)
            return len(self._table.rows)

    def revoke(self, appid: str) -> int:
        """Forget every token of ``appid`` (callers meet 40001); returns how many."""
        with self._lock:
            gone = [t for t, row in self._table.rows.items() if row.appid == appid]
            for token in gone:
                self._table.drop(token)
            app = self._apps.get(appid)
            if app is not None:
                app.current, app.previous = dict.fromkeys(KINDS), dict.fromkeys(KINDS)
            return len(gone)

    # ------------------------------------------------------------------ snapshots

    def export(self, include_tokens: bool = False) -> Dict[str, Any]:
        """Apps (with secrets and quota counters) and, when asked, the live token table."""
        with self._lock:
            state: Dict[str, Any] = {"apps": {appid: {"secret": app.secret, "force": dict(app.force), "calls": dict(app.calls)}
                                              for appid, app in self._apps.items()}}
            if include_tokens:
                state["tokens"] = [self._export_token(token, row) for token, row in self._table.rows.items()]
            return state

    def _export_token(self, token: str, row: _Token) -> Dict[str, Any]:
        app = self._apps.get(row.appid)
        slot = None
        if app is not None and app.current[row.kind] == token:
            slot = "current"
        elif app is not None and app.previous[row.kind] == token:
            slot = "previous"
        return {"token": token, "appid": row.appid, "kind": row.kind, "expires_at": row.expires_at, "cut_short": row.cut_short,
                "slot": slot}

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace apps, counters and tokens with an exported state (no ``tokens``: none are valid)."""
        apps, rows = _parse_state(state)
        with self._lock:
            self._apps = apps
            self._table.rows.clear()
            for item in rows:
                self._table.rows[item["token"]] = _Token(item["appid"], item["kind"], float(item["expires_at"]), bool(item["cut_short"]))
                slot, app = item.get("slot"), apps.get(item["appid"])
                if slot in ("current", "previous") and app is not None:
                    getattr(app, slot)[item["kind"]] = item["token"]
            while len(self._table.rows) > self._table.max_tokens:
                self._table.rows.popitem(last=False)

    # ------------------------------------------------------------------ rules

    def _check(self, appid: Any, secret: Any, grant_type: Any) -> _App:
        if grant_type != "client_credential":
            raise WeChatError(40002, "invalid grant_type")
        if _missing(appid):
            raise WeChatError(41002, "appid missing")
        if _missing(secret):
            raise WeChatError(41004, "appsecret missing")
        app = self._apps.get(appid)
        if app is None:
            raise WeChatError(40013, "invalid appid")
        if not hmac.compare_digest(secret.encode(), app.secret.encode()):
            raise WeChatError(40125, "invalid appsecret")
        return app

    def _count_call(self, app: _App, now: float) -> None:
        calls, minute, day = app.calls, int(now // 60), china_date(now)
        if calls["minute"] != minute:
            calls["minute"], calls["minute_count"] = minute, 0
        if calls["day"] != day:
            calls["day"], calls["day_count"] = day, 0
        calls["minute_count"] += 1
        calls["day_count"] += 1
        if calls["day_count"] > self._limits.stable_per_day:
            raise WeChatError(45009, "reach max api daily quota limit")
        if calls["minute_count"] > self._limits.stable_per_minute:
            raise WeChatError(45011, "api minute-quota reach limit mustslower retry next minute")

    def _too_soon(self, app: _App, now: float) -> bool:
        last = app.force["last_at"]
        return last is not None and now - last < self._limits.force_gap_s

    def _spend_force(self, app: _App, now: float) -> None:
        force, day = app.force, china_date(now)
        if force["day"] != day:
            force["day"], force["count"] = day, 0
        if force["count"] >= self._limits.force_per_day:
            raise WeChatError(45009, "reach max api daily quota limit")
        force["count"] += 1
        force["last_at"] = now

    def _stable_normal(self, app: _App, appid: str, now: float) -> Dict[str, Any]:
        current = app.current["stable"]
        row = self._table.get(current) if current else None
        if current and row is not None and row.expires_at - now > self._renew_before:
            return {"access_token": current, "expires_in": int(row.expires_at - now)}
        token = self._mint(app, appid, "stable", now, keep_previous=True)
        return {"access_token": token, "expires_in": self._ttl}

    def _mint(self, app: _App, appid: str, kind: str, now: float, keep_previous: bool) -> str:
        """A new current token of ``kind``; the old current stays valid <= overlap_s when kept."""
        self._table.drop(app.previous[kind])
        app.previous[kind] = None
        current = app.current[kind]
        row = self._table.get(current) if current else None
        if row is not None and now < row.expires_at:
            if keep_previous:
                if row.expires_at > now + self._limits.overlap_s:
                    row.expires_at, row.cut_short = now + self._limits.overlap_s, True
                app.previous[kind] = current
            else:
                self._table.drop(current)
        token = "EMU_" + secrets.token_urlsafe(48)
        self._table.add(token, _Token(appid, kind, now + self._ttl), now)
        app.current[kind] = token
        return token


def _parse_state(state: Any) -> Tuple[Dict[str, _App], List[Dict[str, Any]]]:
    """Validate an exported state; ValueError names the first bad field."""
    if not isinstance(state, Mapping) or not isinstance(state.get("apps"), Mapping):
        raise ValueError("token state must be an object with an 'apps' object")
    apps: Dict[str, _App] = {}
    for appid, item in state["apps"].items():
        if _missing(appid) or not isinstance(item, Mapping) or _missing(item.get("secret")):
            raise ValueError(f"apps[{appid!r}] must be an object with a non-empty 'secret'")
        app = _App(item["secret"])
        for part in ("force", "calls"):
            value = item.get(part, getattr(app, part))
            if not isinstance(value, Mapping) or set(value) != set(getattr(app, part)):
                raise ValueError(f"apps[{appid!r}].{part} must be an object with keys {sorted(getattr(app, part))}")
            setattr(app, part, dict(value))
        apps[appid] = app
    rows = state.get("tokens", [])
    if not isinstance(rows, list):
        raise ValueError("tokens must be a list")
    for i, item in enumerate(rows):
        if (not isinstance(item, Mapping) or _missing(item.get("token")) or _missing(item.get("appid")) or item.get("kind") not in KINDS
                or isinstance(item.get("expires_at"), bool) or not isinstance(item.get("expires_at"), (int, float))):
            raise ValueError(f"tokens[{i}] must have token, appid, kind ({' or '.join(KINDS)}) and a numeric expires_at")
    return apps, list(rows)
