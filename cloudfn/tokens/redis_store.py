"""Tokens in Redis, shared by every process on every host (redis-py, the ``redis`` extra).

Keys are ``<prefix>:https:<appid>:<record>`` (record = ``token``, ``lock``, ``failure``,
``force``), so two apps never share a key. The lock is redis-py's ``Lock``: ``SET NX PX``
with an expiry (a holder that dies blocks the others at most ``lock_ttl``) and a
compare-and-delete release. Options ride on the URL's query string:
``redis://host:6379/0?prefix=myapp&lock_ttl=10&failure_ttl=5&force_refresh_per_day=10``;
the rest of the URL (password, ``rediss://`` TLS, ``socket_timeout``, ...) is redis-py's.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Dict, Iterator, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .. import redact
from .base import Token, TokenStore

SCOPE = "https"  # the transport whose tokens these are; stable_token tokens are isolated from /cgi-bin/token ones
_OPTIONS = ("prefix", "lock_ttl", "failure_ttl", "force_refresh_per_day")


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password or parts.username:
        host = parts.hostname or ""
        netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts._replace(query=""))


class RedisTokenStore(TokenStore):
    """Tokens in Redis at ``url`` (``redis://``, ``rediss://`` or ``unix://``)."""

    def __init__(self, url: str, prefix: str = "cloudfn", lock_ttl: Optional[float] = None, client: Any = None, **options: Any) -> None:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        ours = {k: query.pop(k) for k in _OPTIONS if k in query}
        prefix = ours.pop("prefix", prefix)
        if "lock_ttl" in ours:
            lock_ttl = float(ours.pop("lock_ttl"))
        for name, value in ours.items():
            options.setdefault(name, float(value) if name == "failure_ttl" else int(value))
        super().__init__(**options)
        if not prefix or any(c in prefix for c in " \r\n"):
            raise ValueError(f"prefix must be a non-empty word, got {prefix!r}")
        self.prefix = prefix
        self.lock_ttl = lock_ttl
        self.url = _masked(url)
        if parts.password:
            redact.register(parts.password)
        if client is None:
            import redis  # the optional extra: only when a Redis store is configured

            query.setdefault("socket_timeout", "5")
            query.setdefault("socket_connect_timeout", "3")
            client = redis.Redis.from_url(urlunsplit(parts._replace(query=urlencode(query))), health_check_interval=30)
        self.client = client

    def __repr__(self) -> str:
        return f"RedisTokenStore({self.url!r}, prefix={self.prefix!r})"

    def key(self, appid: str, record: str) -> str:
        return f"{self.prefix}:{SCOPE}:{appid}:{record}"

    @contextlib.contextmanager
    def _faults(self) -> Iterator[None]:
        """redis-py's errors become OSError naming the store (never its password)."""
        import redis

        try:
            yield
        except redis.RedisError as exc:
            raise OSError(f"Redis token store {self.url}: {type(exc).__name__} ({redact.redact(str(exc))[:200]})") from None

    def _ms(self, seconds: float) -> int:
        return max(1, int(seconds * 1000))

    def get(self, appid: str) -> Optional[Token]:
        with self._faults():
            raw = self.client.get(self.key(appid, "token"))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return Token(str(data["access_token"]), float(data["expires_at"]))
        except (ValueError, KeyError, TypeError):
            return None

    def set(self, appid: str, token: Token) -> None:
        # Redis drops the key a little after we would stop using it (a cleanup, not the rule).
        ttl = max(token.expires_at - self.clock(), 0.0) + 60
        data = json.dumps({"access_token": token.value, "expires_at": token.expires_at})
        with self._faults():
            self.client.set(self.key(appid, "token"), data, px=self._ms(ttl))

    _INVALIDATE = (
        "local v = redis.call('get', KEYS[1]) if v and cjson.decode(v)['access_token'] == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
    )

    def invalidate(self, appid: str, value: str) -> None:
        with self._faults():
            self.client.eval(self._INVALIDATE, 1, self.key(appid, "token"), value)

    def get_record(self, appid: str, name: str) -> Optional[Dict[str, Any]]:
        with self._faults():
            raw = self.client.get(self.key(appid, name))
        try:
            data = json.loads(raw) if raw is not None else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("value"), dict) or float(data.get("until", 0)) <= self.clock():
            return None
        return data["value"]  # type: ignore[no-any-return]

    def set_record(self, appid: str, name: str, value: Dict[str, Any], ttl: float) -> None:
        data = json.dumps({"until": self.clock() + ttl, "value": value})
        with self._faults():
            self.client.set(self.key(appid, name), data, px=self._ms(ttl))

    @contextlib.contextmanager
    def lock(self, appid: str, wait: float = 30.0, hold: float = 30.0) -> Iterator[None]:
        ttl = self.lock_ttl if self.lock_ttl is not None else hold
        lock = self.client.lock(self.key(appid, "lock"), timeout=ttl, sleep=0.01, blocking_timeout=max(wait, 0.001), thread_local=False)
        with self._faults():
            acquired = lock.acquire()
        if not acquired:
            raise TimeoutError(f"Redis token lock of {appid} not acquired within {wait:g}s")
        try:
            yield
        finally:
            import redis

            with contextlib.suppress(redis.RedisError):  # expired (we overran lock_ttl) or Redis gone: it frees itself
                lock.release()
