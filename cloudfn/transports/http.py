"""Shared HTTP plumbing for the WeChat API transports: one ``requests.Session`` each,
and the single place where requests/urllib3 errors become :class:`CloudSDKError`.

Retry rule: a request that certainly never reached the server (connection refused,
connect timeout) may be sent again; a read is retried once on any connection error;
a write (addOrder, cancelOrder, ...) is never sent twice once it may have arrived.

Connections: one Session per transport, shared by every thread, with one bounded pool
(at most :data:`POOL_MAXSIZE` idle keep-alive connections per host, whatever the thread churn;
more concurrent calls open extra connections that are closed when they finish). Sharing is
safe here because what is not thread-safe in a Session is its mutable state, and we never
mutate it after construction: adapters are mounted once, headers are set once, cookies are
refused by policy (the jar stays empty; WeChat's API sets none), and ``trust_env`` is off so
no per-call environment merge happens. urllib3's pool manager and pools are thread-safe.
Proxies (``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY``) and the CA bundle
(``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``) are resolved once, when the session is made.
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import threading
import time
from typing import Any, Dict, Optional, Union
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from .. import redact
from ..errors import OPENAPI_TIMEOUT, WX_SYSTEM_NETWORK_ERROR, CloudSDKError, fail_msg
from .base import Request, Response, Transport

log = logging.getLogger("cloudfn.http")
redact.install_log_filter()

POOL_MAXSIZE = 10  # idle keep-alive connections kept per host and transport


def _never_reached(exc: BaseException) -> bool:
    """True when the request cannot have reached the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc.args[0] if exc.args else exc)
        return "NewConnectionError" in text or "Connection refused" in text or "NameResolutionError" in text
    return False


def resolve_proxies(url: str) -> Dict[str, str]:
    """The proxies requests would use for ``url`` from the environment ({} when NO_PROXY covers it)."""
    return dict(requests.utils.get_environ_proxies(url))


def resolve_verify() -> Union[bool, str]:
    """The CA bundle requests would take from the environment, else True (the default bundle)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


class HttpTransport(Transport):
    """Sends a request to ``api_base + path`` with credential query parameters."""

    name = "http"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.base = config.api_base
        self._host = urlsplit(self.base).netloc
        self._session: Optional[requests.Session] = None
        self._session_lock = threading.Lock()
        self.proxies: Dict[str, str] = {}
        self.verify: Union[bool, str] = True

    @property
    def session(self) -> requests.Session:
        """The transport's keep-alive session (made on first use, again after :meth:`close`)."""
        session = self._session
        if session is None:
            with self._session_lock:
                session = self._session
                if session is None:
                    session = self._session = self._new_session()
        return session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # the environment is read once, below, not twice per call
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))  # the jar never changes
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_MAXSIZE, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = "cloudfn"
        self.proxies = resolve_proxies(self.base)
        self.verify = resolve_verify()
        return session

    def close(self) -> None:
        with self._session_lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

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
        session = self.session
        attempts = 0
        while True:
            attempts += 1
            started = time.perf_counter()
            try:
                r = session.request(
                    method, url, params=params, data=body, headers=headers, timeout=request.timeout, proxies=self.proxies, verify=self.verify
                )
            except requests.exceptions.RequestException as exc:
                failure = self._failure(exc, request, attempts)
                if failure is None:
                    log.debug("%s %s: %s; retrying once", method, path, type(exc).__name__)
                    continue
            else:
                log.debug("%s %s -> %s in %.1f ms", method, path, r.status_code, (time.perf_counter() - started) * 1000)
                return Response(r.status_code, r.headers.get("Content-Type", ""), r.content, request=request)
            # Raised here, outside the except block: no __context__ chains requests' exception
            # (whose text holds the URL with its ?access_token=) to ours.
            raise failure

    def _failure(self, exc: requests.exceptions.RequestException, request: Request, attempts: int) -> Optional[CloudSDKError]:
        """The error a requests exception becomes, or None when the request is to be sent again."""
        if isinstance(exc, requests.exceptions.Timeout):
            if attempts == 1 and _never_reached(exc):
                return None
            what = "connecting to" if isinstance(exc, requests.exceptions.ConnectTimeout) else "waiting for"
            return CloudSDKError(OPENAPI_TIMEOUT, fail_msg(request.display, f"request timed out after {request.timeout:g}s {what} {self._host}"))
        if attempts == 1 and (request.idempotent or _never_reached(exc)):
            return None
        return CloudSDKError(WX_SYSTEM_NETWORK_ERROR, fail_msg(request.display, f"network error talking to {self._host}: {_describe(exc)}"))


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
    return f"{type(exc).__name__} ({redact.redact(text[:1000])[:200]})"  # redacted before cut: no secret half-shown
