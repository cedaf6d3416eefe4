"""What a receiver is configured with (``PushConfig``) and the replay record (``NonceCache``)."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional

from ..errors import TCB_INVALID_PARAM, CloudSDKError

DEFAULT_MAX_AGE = 300  # seconds
DEFAULT_MAX_BODY = 1024 * 1024  # bytes: a push is a few KiB; anything above 1 MiB is refused unread
MAX_DEPTH = 32  # levels of nesting a body may have (the events use at most 4)
MAX_ITEMS = 10_000  # values (XML elements) a body may hold (a push holds tens to hundreds)
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


class NonceCache:
    """Remembers accepted (timestamp, nonce) pairs for ``window`` seconds. Thread-safe."""

    def __init__(self, window: float = DEFAULT_MAX_AGE) -> None:
        self.window = window
        self._seen: Dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, key: str, now: Optional[float] = None) -> bool:
        """Record ``key``; False when it was already recorded within the window."""
        t = time.time() if now is None else now
        with self._lock:
            if len(self._seen) > 1024:
                for k in [k for k, exp in self._seen.items() if exp <= t]:
                    del self._seen[k]
            exp = self._seen.get(key)
            if exp is not None and exp > t:
                return False
            self._seen[key] = t + self.window
            return True

    def discard(self, key: str) -> None:
        """Forget ``key`` (a handler failed: let the platform's retry through)."""
        with self._lock:
            self._seen.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


def _number(value: object, name: str, integer: bool = False) -> float:
    try:
        number = int(str(value)) if integer else float(str(value))
    except ValueError:
        number = -1
    if not number > 0:
        kind = "a positive integer" if integer else "a positive number"
        raise CloudSDKError(TCB_INVALID_PARAM, f"message push configuration: {name} must be {kind}, got {str(value)[:40]!r}")
    return number


@dataclass
class PushConfig:
    """Token, EncodingAESKey, appid and the receiver's limits; ``None`` fields come from the environment.

    With an EncodingAESKey, only safe-mode pushes are accepted unless ``compat`` is set
    (WeChat's compatible mode, 兼容模式: plain pushes are accepted too). Bodies above
    ``max_body`` bytes are refused unread.
    """

    token: Optional[str] = field(default=None, repr=False)
    aes_key: Optional[str] = field(default=None, repr=False)
    appid: Optional[str] = None
    max_age: float = DEFAULT_MAX_AGE
    replay: Optional[NonceCache] = None
    reject_client_calls: bool = True
    compat: bool = False
    max_body: int = DEFAULT_MAX_BODY

    def __repr__(self) -> str:  # never show the token or key
        token, key = "set" if self.token else None, "set" if self.aes_key else None
        return (
            f"PushConfig(token={token}, aes_key={key}, appid={self.appid!r}, max_age={self.max_age}, compat={self.compat}, max_body={self.max_body})"
        )

    @classmethod
    def resolve(
        cls,
        token: Optional[str] = None,
        aes_key: Optional[str] = None,
        appid: Optional[str] = None,
        max_age: Optional[float] = None,
        environ: Optional[Mapping[str, str]] = None,
        compat: Optional[bool] = None,
        max_body: Optional[int] = None,
    ) -> "PushConfig":
        """Arguments over ``WX_PUSH_TOKEN`` / ``WX_PUSH_AES_KEY`` / ``WX_APPID`` / ``WX_PUSH_MAX_AGE`` /
        ``WX_PUSH_COMPAT`` / ``WX_PUSH_MAX_BODY``."""
        env = os.environ if environ is None else environ
        age = _number(max_age if max_age is not None else (env.get("WX_PUSH_MAX_AGE") or DEFAULT_MAX_AGE), "max_age (WX_PUSH_MAX_AGE)")
        body = max_body if max_body is not None else (env.get("WX_PUSH_MAX_BODY") or DEFAULT_MAX_BODY)
        return cls(
            token=token if token is not None else (env.get("WX_PUSH_TOKEN") or None),
            aes_key=aes_key if aes_key is not None else (env.get("WX_PUSH_AES_KEY") or None),
            appid=appid if appid is not None else (env.get("WX_APPID") or None),
            max_age=age,
            replay=NonceCache(age),
            compat=bool(compat) if compat is not None else env.get("WX_PUSH_COMPAT", "").strip().lower() in TRUE_WORDS,
            max_body=int(_number(body, "max_body (WX_PUSH_MAX_BODY)", integer=True)),
        )
