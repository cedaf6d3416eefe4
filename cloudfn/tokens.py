"""Access-token stores: where a fetched token lives until shortly before it expires.

A store is four methods (``get``, ``set``, ``invalidate``, ``lock``). ``lock(appid)``
makes token fetching single-flight: in memory across threads, and in the file store
across processes too (``fcntl.flock``), so many workers on one host share one token.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from typing import Dict, Iterator, NamedTuple, Optional


class Token(NamedTuple):
    value: str
    expires_at: float  # epoch seconds at which we stop using it (already early)

    def fresh(self, now: Optional[float] = None) -> bool:
        return (now if now is not None else time.time()) < self.expires_at

    def __repr__(self) -> str:
        return f"Token(value='***', expires_at={self.expires_at:.0f})"


class TokenStore:
    """Interface of a token store."""

    def get(self, appid: str) -> Optional[Token]:
        raise NotImplementedError

    def set(self, appid: str, token: Token) -> None:
        raise NotImplementedError

    def invalidate(self, appid: str, value: str) -> None:
        """Forget the token if it is still ``value`` (WeChat rejected it)."""
        raise NotImplementedError

    def lock(self, appid: str) -> "contextlib.AbstractContextManager[None]":
        raise NotImplementedError


class MemoryTokenStore(TokenStore):
    """Tokens in this process's memory (the default)."""

    def __init__(self) -> None:
        self._tokens: Dict[str, Token] = {}
        self._locks: Dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, appid: str) -> Optional[Token]:
        return self._tokens.get(appid)

    def set(self, appid: str, token: Token) -> None:
        self._tokens[appid] = token

    def invalidate(self, appid: str, value: str) -> None:
        with self._guard:
            current = self._tokens.get(appid)
            if current is not None and current.value == value:
                del self._tokens[appid]

    def lock(self, appid: str) -> "contextlib.AbstractContextManager[None]":
        with self._guard:
            return self._locks.setdefault(appid, threading.Lock())  # type: ignore[return-value]


class FileTokenStore(TokenStore):
    """Tokens in files under ``directory`` (mode 0600), shared by processes on one host."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._memory = MemoryTokenStore()

    def __repr__(self) -> str:
        return f"FileTokenStore({self.directory!r})"

    def _path(self, appid: str) -> str:
        return os.path.join(self.directory, "token-" + hashlib.sha256(appid.encode()).hexdigest()[:16] + ".json")

    def get(self, appid: str) -> Optional[Token]:
        try:
            with open(self._path(appid), encoding="utf-8") as f:
                data = json.load(f)
            return Token(data["access_token"], float(data["expires_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def set(self, appid: str, token: Token) -> None:
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        path = self._path(appid)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"access_token": token.value, "expires_at": token.expires_at}, f)
        os.replace(tmp, path)

    def invalidate(self, appid: str, value: str) -> None:
        with self.lock(appid):
            current = self.get(appid)
            if current is not None and current.value == value:
                with contextlib.suppress(OSError):
                    os.remove(self._path(appid))

    @contextlib.contextmanager
    def lock(self, appid: str) -> Iterator[None]:
        import fcntl  # POSIX only, like SCF; imported here to keep import time down

        with self._memory.lock(appid):
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            fd = os.open(self._path(appid) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)


# One in-memory store per process: re-running init() with the same appid reuses its token.
DEFAULT_STORE = MemoryTokenStore()
