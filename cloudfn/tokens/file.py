"""Tokens in files (mode 0600) under one directory, shared by the processes of a host.

The lock is ``fcntl.flock`` on a side file, taken with ``LOCK_NB`` and polled until the
caller's deadline, so a stuck holder never blocks a caller beyond its wait. The kernel
drops a dead process's flock at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from typing import Any, Dict, Iterator, Optional

from .base import ThreadLocks, Token, TokenStore


class FileTokenStore(TokenStore):
    local = True  # a small local file: reading it costs less than a hop to a worker thread
    """Tokens in files under ``directory`` (mode 0600), shared by processes on one host."""

    def __init__(self, directory: str, **options: Any) -> None:
        super().__init__(**options)
        self.directory = directory
        self._threads = ThreadLocks()

    def __repr__(self) -> str:
        return f"FileTokenStore({self.directory!r})"

    def _path(self, appid: str, suffix: str = "") -> str:
        name = "token-" + hashlib.sha256(appid.encode()).hexdigest()[:16] + suffix + ".json"
        return os.path.join(self.directory, name)

    def _read(self, path: str) -> Optional[Dict[str, Any]]:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            return data if isinstance(data, dict) else None
        except (OSError, ValueError):
            return None

    def _write(self, path: str, data: Dict[str, Any]) -> None:
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)

    def get(self, appid: str) -> Optional[Token]:
        data = self._read(self._path(appid))
        try:
            return Token(data["access_token"], float(data["expires_at"])) if data else None
        except (KeyError, TypeError, ValueError):
            return None

    def set(self, appid: str, token: Token) -> None:
        self._write(self._path(appid), {"access_token": token.value, "expires_at": token.expires_at})

    def invalidate(self, appid: str, value: str) -> None:
        with self.lock(appid, wait=10.0):
            current = self.get(appid)
            if current is not None and current.value == value:
                with contextlib.suppress(OSError):
                    os.remove(self._path(appid))

    def get_record(self, appid: str, name: str) -> Optional[Dict[str, Any]]:
        data = self._read(self._path(appid, "." + name))
        if not data or not isinstance(data.get("value"), dict) or float(data.get("until", 0)) <= self.clock():
            return None
        return data["value"]  # type: ignore[no-any-return]

    def set_record(self, appid: str, name: str, value: Dict[str, Any], ttl: float) -> None:
        self._write(self._path(appid, "." + name), {"until": self.clock() + ttl, "value": value})

    @contextlib.contextmanager
    def lock(self, appid: str, wait: float = 30.0, hold: float = 30.0) -> Iterator[None]:
        import fcntl  # POSIX only, like SCF; imported here to keep import time down

        deadline = time.monotonic() + wait
        with self._threads.hold(appid, wait):
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            fd = os.open(self._path(appid) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                pause = 0.002
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise TimeoutError(f"token file lock of {appid} not acquired within {wait:g}s") from None
                        time.sleep(min(pause, left))
                        pause = min(pause * 2, 0.05)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
