"""Access-token stores: where a fetched token lives until shortly before it expires.

``MemoryTokenStore`` (this process; the default), ``FileTokenStore`` (this host, flock)
and ``RedisTokenStore`` (every host; the ``redis`` extra, imported only when used).
:func:`open_store` turns a ``token_store`` setting into a store. The interface, for a
store of your own, is :class:`TokenStore`; the rules using it live in ``keeper``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Dict, Union

from .base import Token, TokenStore
from .memory import MemoryTokenStore

if TYPE_CHECKING:
    from .file import FileTokenStore
    from .redis_store import RedisTokenStore

__all__ = ["DEFAULT_STORE", "FileTokenStore", "MemoryTokenStore", "RedisTokenStore", "Token", "TokenStore", "open_store"]

# One in-memory store per process: re-running init() with the same appid reuses its token.
DEFAULT_STORE = MemoryTokenStore()

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_opened: Dict[str, TokenStore] = {}
_opened_lock = threading.Lock()


def open_store(spec: Union[TokenStore, str, None]) -> TokenStore:
    """The store a ``token_store`` setting names (``CLOUDFN_TOKEN_STORE`` / ``CLOUDFN_TOKEN_DIR``).

    A :class:`TokenStore` is used as is; ``None``, ``""`` or ``"memory"`` is the process's
    memory store; ``redis://host:port/db`` (``rediss://``, ``unix://``) is Redis; anything
    else is a directory for the file store. A URL or directory opens one store per process.
    """
    if isinstance(spec, TokenStore):
        return spec
    if spec is None or not str(spec).strip() or str(spec).strip().lower() == "memory":
        return DEFAULT_STORE
    if not isinstance(spec, str):
        raise TypeError(f"token_store must be a TokenStore, a redis:// URL or a directory, got {type(spec).__name__}")
    with _opened_lock:
        store = _opened.get(spec)
        if store is None:
            if spec.startswith(_REDIS_SCHEMES):
                store = _redis(spec)
            else:
                from .file import FileTokenStore

                store = FileTokenStore(spec)
            if len(_opened) < 64:
                _opened[spec] = store
        return store


_NO_REDIS = "init:fail token_store is a Redis URL but redis-py is not installed: pip install 'wx-cloudfn[redis]'"


def _redis(url: str) -> TokenStore:
    from ..errors import TCB_INVALID_PARAM, CloudSDKError

    try:
        from .redis_store import RedisTokenStore
    except ImportError:  # pragma: no cover - depends on the environment
        raise CloudSDKError(TCB_INVALID_PARAM, _NO_REDIS) from None
    try:
        return RedisTokenStore(url)
    except ImportError:
        raise CloudSDKError(TCB_INVALID_PARAM, _NO_REDIS) from None
    except ValueError as exc:
        from ..redact import redact

        raise CloudSDKError(TCB_INVALID_PARAM, f"init:fail token_store: {redact(str(exc))}") from None


def __getattr__(name: str) -> Any:
    """The file and Redis stores load on first use: a cold start needs neither (nor hashlib, nor redis)."""
    if name == "FileTokenStore":
        from .file import FileTokenStore

        return FileTokenStore
    if name == "RedisTokenStore":
        from .redis_store import RedisTokenStore

        return RedisTokenStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
