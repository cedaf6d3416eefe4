"""Who is calling: the mini programs the emulator knows, their access tokens, the cloudbase token.

The platform's token rules live in :class:`~cloudfn.emulator.token_service.TokenService`. This
module persists each app's current tokens (one row per app and kind, written at issue) so a
client's cached token survives a restart, and turns a request's credential into its appid.
A restart keeps each app's current ``token`` and ``stable_token``; the platform's 5-minute
grace for the previous one and the force_refresh counters start afresh.
"""

from __future__ import annotations

import secrets
from typing import Any, Dict, List, Mapping, Optional

from .clock import Clock
from .store import Store
from .token_service import TokenService
from .wechat_error import WeChatError

MAX_TOKENS = 100_000


class Credentials:
    """Apps (``appid -> secret``, the first is the default), their tokens and the cloudbase token."""

    def __init__(self, apps: Mapping[str, str], store: Store, clock: Clock, token_ttl: int = 7200,
                 cloudbase_token: Optional[str] = None, max_tokens: int = MAX_TOKENS) -> None:
        if not apps:
            raise ValueError("at least one app (appid -> secret) is needed")
        self.apps: Dict[str, str] = dict(apps)
        self.default_appid = next(iter(self.apps))
        self.store = store
        self.clock = clock
        self.cloudbase_token = cloudbase_token
        self.service = TokenService(clock, self.apps, int(token_ttl), max_tokens=max_tokens)
        self._restore()

    def __repr__(self) -> str:
        return f"<Credentials apps={list(self.apps)}>"

    def _restore(self) -> None:
        rows = [{"token": t, "appid": a, "kind": "stable" if s else "token", "expires_at": e, "cut_short": False, "slot": "current"}
                for t, a, e, s in self.store.tokens() if a in self.apps]
        state = self.service.export()
        state["tokens"] = rows
        self.service.load(state)

    def _persist(self, reply: Dict[str, Any], appid: str, stable: bool) -> Dict[str, Any]:
        self.store.save_token(reply["access_token"], appid, self.clock.now() + int(reply["expires_in"]), stable)
        return reply

    def token(self, query: Mapping[str, Any]) -> Dict[str, Any]:
        """``GET /cgi-bin/token``; raises WeChatError."""
        reply = self.service.issue(query.get("appid"), query.get("secret"), query.get("grant_type"))
        return self._persist(reply, str(query.get("appid")), stable=False)

    def stable_token(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        """``POST /cgi-bin/stable_token``; raises WeChatError."""
        reply = self.service.stable(body.get("appid"), body.get("secret"), body.get("force_refresh") is True, body.get("grant_type"))
        return self._persist(reply, str(body.get("appid")), stable=True)

    def authenticate(self, access_token: Optional[str], cloudbase_token: Optional[str] = None) -> str:
        """The appid a request acts for; WeChatError 40001/42001 otherwise."""
        if access_token:
            return self.service.authenticate(access_token)
        if cloudbase_token:
            if self.cloudbase_token and secrets.compare_digest(cloudbase_token.encode(), self.cloudbase_token.encode()):
                return self.default_appid
            raise WeChatError(40001, "invalid credential, cloudbase_access_token is invalid")
        raise WeChatError(40001, "invalid credential, access_token missing")

    def app_for(self, appid: Optional[str]) -> str:
        """The app a gateway call acts for: the one it names (as a cloud environment shared with another
        mini program does), else the default app."""
        return appid or self.default_appid

    def expire_all(self) -> int:
        self.store.expire_tokens(self.clock.now())
        return self.service.expire_all()

    def export(self, with_tokens: bool) -> Dict[str, Any]:
        """Apps (secrets and access tokens only when ``with_tokens``) and the token service's counters."""
        state = self.service.export(include_tokens=with_tokens)
        if not with_tokens:
            for app in state["apps"].values():
                app.pop("secret", None)
        return state

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace the token state; apps without a secret keep this emulator's secret."""
        apps = {appid: dict(app) for appid, app in (state.get("apps") or {}).items()}
        for appid, app in apps.items():
            app.setdefault("secret", self.apps.get(appid, ""))
        known = {a: s for a, s in self.apps.items() if a not in apps}
        doc = dict(state, apps=apps)
        self.service.load(doc)
        for appid, secret in known.items():
            self.service.add_app(appid, secret)
        self.apps = {**{a: str(app["secret"]) for a, app in apps.items()}, **known}
        for row in state.get("tokens") or []:
            if row.get("slot") == "current":
                self.store.save_token(row["token"], row["appid"], float(row["expires_at"]), row.get("kind") == "stable")

    def tokens(self) -> List[Dict[str, Any]]:
        return list(self.service.export(include_tokens=True).get("tokens", []))
