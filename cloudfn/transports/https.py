"""``https``: the plain WeChat API with an ``access_token`` from appid + secret.

The token comes from ``POST /cgi-bin/stable_token`` and is cached in the configured
store until shortly before it expires; one caller per appid fetches it while the
others wait (bounded) and share its token or its failure (``cloudfn.tokens.keeper``).
A call answered with 40001/40014/42001 (token invalid or expired) refreshes the token
once, by the platform's rules, and is sent once more: WeChat rejected it before doing
anything, so even a write is safe to repeat.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from .. import redact
from ..errors import TCB_RESOURCE_NOT_INITIALIZED, WX_SYSTEM_ERROR, CloudSDKError, fail_msg
from ..tokens import Token, open_store
from ..tokens.keeper import TokenKeeper
from .base import Request, Response
from .http import HttpTransport

TOKEN_ERRORS = frozenset({40001, 40014, 42001})


_TOKEN_ERROR = re.compile(rb'"errcode"\s*:\s*(?:' + "|".join(map(str, sorted(TOKEN_ERRORS))).encode() + rb")\b")


def token_error(response: Response) -> bool:
    """Did WeChat reject the credential of this call? (a byte search: no JSON parse per call)"""
    return len(response.body) <= 512 and _TOKEN_ERROR.search(response.body) is not None  # token errors are short bodies


class HttpsTransport(HttpTransport):
    name = "https"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        if not (config.appid and config.secret):
            raise CloudSDKError(
                TCB_RESOURCE_NOT_INITIALIZED,
                "init:fail the https transport needs an appid and secret: set WX_APPID and WX_APPSECRET "
                "(environment or .env) or pass cloud.init(appid=..., secret=...)",
            )
        self.appid: str = config.appid
        self._secret: str = config.secret
        self.store = open_store(config.token_store)
        self.keeper = TokenKeeper(self.store, self.appid)
        redact.register(self._secret)

    def __repr__(self) -> str:
        return f"<HttpsTransport appid={self.appid!r} base={self.base!r}>"

    def send(self, request: Request) -> Response:
        token = self.token(request)
        response = self.http(request, request.path, {"access_token": token}, request.body)
        if token_error(response):
            token = self.refresh(request, token)
            response = self.http(request, request.path, {"access_token": token}, request.body)
        return response

    def refresh(self, request: Request, rejected: str) -> str:
        """A token to use instead of ``rejected`` (which WeChat refused with 40001/40014/42001)."""
        return self.keeper.refresh(request.display, request.timeout, lambda force: self._fetch(request, force), rejected)

    def cached_token(self) -> Optional[str]:
        """A fresh stored token without any wait, or None: for callers that must not block (cloudfn.aio)."""
        if not self.store.local:
            return None
        try:
            return self.keeper.cached()
        except OSError:
            return None  # the slow path reports store faults properly

    def token(self, request: Request) -> str:
        """A fresh access token, fetched single-flight when the store has none."""
        return self.keeper.token(request.display, request.timeout, lambda force: self._fetch(request, force))

    def _fetch(self, request: Request, force: bool = False) -> Token:
        body = json.dumps({"grant_type": "client_credential", "appid": self.appid, "secret": self._secret, "force_refresh": force}).encode()
        r = self.http(request, "/cgi-bin/stable_token", {}, body, method="POST")
        try:
            data = json.loads(r.body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise CloudSDKError(
                WX_SYSTEM_ERROR,
                fail_msg(request.display, f"access_token request answered HTTP {r.status} with a non-JSON body"),
            ) from None
        errmsg = redact.redact(str(data.get("errmsg", "no token in reply")))[:300]
        if r.status >= 500:
            raise CloudSDKError(WX_SYSTEM_ERROR, fail_msg(request.display, f"access_token request answered HTTP {r.status}: {errmsg}"))
        if data.get("errcode") or not isinstance(data.get("access_token"), str):
            errcode = data.get("errcode")
            code = errcode if isinstance(errcode, int) and errcode else WX_SYSTEM_ERROR
            status = f" (HTTP {r.status})" if r.status >= 400 else ""
            raise CloudSDKError(code, fail_msg(request.display, f"cannot get access_token{status}: {errmsg}"))
        value = data["access_token"]
        redact.register(value)
        try:
            expires_in = float(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200.0
        # Stop using it early: five minutes before (the platform hands out the next one then), or a fifth of its life when shorter.
        return Token(value, self.store.clock() + expires_in - min(300.0, expires_in / 5))
