"""Shared HTTP plumbing for the WeChat API transports: one ``requests.Session`` each,
and the single place where requests/urllib3 errors become :class:`CloudSDKError`.

Retry rule: a request that certainly never reached the server (connection refused,
connect timeout) may be sent again; a read is retried once on any connection error;
a write (addOrder, cancelOrder, ...) is never sent twice once it may have arrived.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from .. import redact
from ..errors import OPENAPI_TIMEOUT, WX_SYSTEM_NETWORK_ERROR, CloudSDKError, fail_msg
from .base import Request, Response, Transport

log = logging.getLogger("cloudfn.http")
redact.install_log_filter()


def _never_reached(exc: BaseException) -> bool:
    """True when the request cannot have reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc.args[0] if exc.args else exc)
        return "NewConnectionError" in text or "Connection refused" in text or "NameResolutionError" in text
    return False


class HttpTransport(Transport):
    """Sends a request to ``api_base + path`` with credential query parameters."""

    name = "http"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.base = config.api_base
        self._host = urlsplit(self.base).netloc
        self._local = threading.local()
        self._sessions: list = []
        self._sessions_lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        """A keep-alive session per thread (requests' Session is not formally thread-safe)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = "cloudfn"
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._sessions_lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
        self._local = threading.local()

    def http(
        self,
        request: Request,
        path: str,
        params: Dict[str, str],
        body: Optional[bytes],
        method: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> Response:
        """One HTTP exchange, faults translated; retried only where it is safe."""
        url = self.base + path
        method = method or request.method
        if headers is None:
            headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else None
        attempts = 0
        while True:
            attempts += 1
            started = time.perf_counter()
            try:
                r = self.session.request(method, url, params=params, data=body, headers=headers, timeout=request.timeout)
            except requests.exceptions.Timeout as exc:
                if attempts == 1 and _never_reached(exc):
                    continue
                what = "connecting to" if isinstance(exc, requests.exceptions.ConnectTimeout) else "waiting for"
                raise CloudSDKError(
                    OPENAPI_TIMEOUT,
                    fail_msg(request.display, f"request timed out after {request.timeout:g}s {what} {self._host}"),
                ) from None
            except requests.exceptions.RequestException as exc:
                if attempts == 1 and (request.idempotent or _never_reached(exc)):
                    log.debug("%s %s: %s; retrying once", method, path, type(exc).__name__)
                    continue
                raise CloudSDKError(
                    WX_SYSTEM_NETWORK_ERROR,
                    fail_msg(request.display, f"network error talking to {self._host}: {_describe(exc)}"),
                ) from None
            log.debug("%s %s -> %s in %.1f ms", method, path, r.status_code, (time.perf_counter() - started) * 1000)
            return Response(r.status_code, r.headers.get("Content-Type", ""), r.content)


def _describe(exc: BaseException) -> str:
    """A short, secret-free account of a requests exception."""
    text = str(exc)
    for marker in (
        "Connection refused",
        "Connection reset by peer",
        "RemoteDisconnected",
        "Connection aborted",
        "Name or service not known",
        "IncompleteRead",
        "ProtocolError",
    ):
        if marker in text:
            return f"{type(exc).__name__} ({marker})"
    return redact.redact(f"{type(exc).__name__} ({text[:200]})")
