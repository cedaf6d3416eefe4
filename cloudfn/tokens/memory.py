"""Tokens in this process's memory (the default store)."""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional

from .base import ThreadLocks, Token, TokenStore


class MemoryTokenStore(TokenStore):
    local = True
    """Tokens in this process's memory; the lock is a thread lock with a bounded wait."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._tokens: Dict[str, Token] = {}
        self._locks = ThreadLocks()
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return "MemoryTokenStore()"

    def get(self, appid: str) -> Optional[Token]:
        return self._tokens.get(appid)

    def set(self, appid: str, token: Token) -> None:
        self._tokens[appid] = token

    def invalidate(self, appid: str, value: str) -> None:
        with self._guard:
            current = self._tokens.get(appid)
            if current is not None and current.value == value:
                del self._tokens[appid]

    def lock(self, appid: str, wait: float = 30.0, hold: float = 30.0) -> Any:
        return self._locks.hold(appid, wait)
