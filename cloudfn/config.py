"""Configuration: ``cloud.init()`` options over the environment over ``.env``.

Every setting has an ``init`` option and an environment variable (docs:
configuration/index.md). ``.env`` in the working directory is read with python-dotenv (only
when the file exists, so a cold start without one never imports it); the real
environment wins over it, and explicit ``init`` options win over both.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional, Union

from .options import normalise
from .tokens import DEFAULT_STORE, TokenStore, open_store


class _DynamicCurrentEnv:
    """``cloud.DYNAMIC_CURRENT_ENV``: the env the function runs in (TCB_ENV / SCF_NAMESPACE)."""

    def __repr__(self) -> str:
        return "DYNAMIC_CURRENT_ENV"


DYNAMIC_CURRENT_ENV = _DynamicCurrentEnv()

DEFAULT_API_BASE = "https://api.weixin.qq.com"
DEFAULT_CLOUDBASE_TOKEN_FILE = "/.tencentcloudbase/wx/cloudbase_access_token"
DEFAULT_TIMEOUT_MS = 15000
TRANSPORT_NAMES = ("auto", "https", "cloudbase", "cloudcall")
_SECRET_FIELDS = ("secret", "cloudbase_token", "api_token", "secret_key", "session_token")


def environment(cwd: Optional[str] = None) -> Dict[str, str]:
    """The process environment over ``.env`` of the working directory."""
    path = os.path.join(cwd or os.getcwd(), ".env")
    merged: Dict[str, str] = {}
    if os.path.isfile(path):
        from dotenv import dotenv_values  # lazy: only when a .env exists

        merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(os.environ)
    return merged


def _flag(value: Optional[str], default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


# Every setting and its default; ``environ`` (the merged environment) is kept but never shown.
_DEFAULTS: Dict[str, Any] = {
    "env": None,
    "transport": "auto",
    "appid": None,
    "secret": None,
    "api_base": DEFAULT_API_BASE,
    "timeout_ms": DEFAULT_TIMEOUT_MS,
    "validate": True,
    "token_store": DEFAULT_STORE,
    "cloudbase_token": None,
    "cloudbase_token_file": DEFAULT_CLOUDBASE_TOKEN_FILE,
    # cloud call (inside a CloudBase function)
    "api_token": None,
    "service_url": None,
    "region": None,
    "secret_id": None,
    "secret_key": None,
    "session_token": None,
    # cross-account calls (Node's new cloud.Cloud({ resourceAppid, resourceEnv }))
    "resource_appid": None,
    # open APIs this function may call (set by `cloudfn invoke` from config.json); None = all
    "permissions": None,
}


class Config:
    """Resolved settings. Secrets never show in its repr.

    A plain class rather than a dataclass: ``dataclasses`` costs a cold start ~9 ms.
    """

    env: Optional[str]
    transport: str
    appid: Optional[str]
    secret: Optional[str]
    api_base: str
    timeout_ms: int
    validate: bool
    token_store: TokenStore
    cloudbase_token: Optional[str]
    cloudbase_token_file: str
    api_token: Optional[str]
    service_url: Optional[str]
    region: Optional[str]
    secret_id: Optional[str]
    secret_key: Optional[str]
    session_token: Optional[str]
    resource_appid: Optional[str]
    permissions: Optional[frozenset]
    environ: Mapping[str, str]

    def __init__(self, environ: Optional[Mapping[str, str]] = None, **values: Any) -> None:
        unknown = set(values) - set(_DEFAULTS)
        if unknown:
            raise TypeError(f"Config got unknown settings: {', '.join(sorted(unknown))}")
        for name, default in _DEFAULTS.items():
            setattr(self, name, values.get(name, default))
        self.environ = environ if environ is not None else {}

    def __repr__(self) -> str:
        parts = []
        for name in _DEFAULTS:
            value = getattr(self, name)
            if name in _SECRET_FIELDS and value:
                value = "***"
            parts.append(f"{name}={value!r}")
        return "Config(" + ", ".join(parts) + ")"

    @property
    def timeout(self) -> float:
        """The per-request timeout in seconds."""
        return self.timeout_ms / 1000.0

    def has_cloudbase_token(self) -> bool:
        return bool(self.cloudbase_token) or os.path.isfile(self.cloudbase_token_file)

    def choose_transport(self) -> Optional[str]:
        """What ``auto`` means here, or None when nothing is configured."""
        if self.transport != "auto":
            return self.transport
        if self.api_token:
            return "cloudcall"
        if self.has_cloudbase_token():
            return "cloudbase"
        if self.appid and self.secret:
            return "https"
        return None


def _permissions(value: Optional[str]) -> Optional[frozenset]:
    if value is None:
        return None
    return frozenset(p.strip() for p in value.split(",") if p.strip())


def resolve(options: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None, token_store: Optional[TokenStore] = None) -> Config:
    """Build a :class:`Config` from ``init`` options (Node or snake_case names) and the environment.

    ``token_store`` is the store used when neither the options nor the environment name one
    (a :class:`cloudfn.Cloud` passes its own; the module default uses the process-wide store).
    """
    env = dict(environ if environ is not None else environment())
    opt = normalise(options)

    target_env = opt.get("resource_env") or opt.get("env")
    if target_env is DYNAMIC_CURRENT_ENV or target_env is None:
        target_env = env.get("TCB_ENV") or env.get("SCF_NAMESPACE") or None
    elif isinstance(target_env, dict):  # Node allows {database: ..., functions: ..., default: ...}
        target_env = target_env.get("default")

    transport = (opt.get("transport") or env.get("CLOUDFN_TRANSPORT") or "auto").strip().lower()
    if transport not in TRANSPORT_NAMES:
        from .errors import TCB_INVALID_PARAM, CloudSDKError

        raise CloudSDKError(TCB_INVALID_PARAM, f"init:fail transport must be one of {', '.join(TRANSPORT_NAMES)}, got {transport!r}")

    store: Union[TokenStore, str, None] = opt.get("token_store") or env.get("CLOUDFN_TOKEN_STORE") or env.get("CLOUDFN_TOKEN_DIR")
    store = open_store(store) if store else None  # nothing named: the caller's default (an instance's own cache)

    timeout = opt.get("timeout", env.get("CLOUDFN_TIMEOUT"))
    trigger = env.get("TRIGGER_SRC") == "timer"
    api_token = opt.get("api_token") or (env.get("WX_TRIGGER_API_TOKEN_V0") if trigger else None) or env.get("WX_API_TOKEN")

    return Config(
        env=target_env,
        transport=transport,
        appid=opt.get("appid") or env.get("WX_APPID") or None,
        secret=opt.get("secret") or env.get("WX_APPSECRET") or None,
        api_base=(opt.get("api_base") or env.get("CLOUDFN_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
        timeout_ms=int(timeout) if timeout not in (None, "") else DEFAULT_TIMEOUT_MS,
        validate=opt["validate"] if "validate" in opt else _flag(env.get("CLOUDFN_VALIDATE"), True),
        token_store=store or token_store or DEFAULT_STORE,
        cloudbase_token=opt.get("cloudbase_token") or env.get("WX_CLOUDBASE_ACCESSTOKEN") or None,
        cloudbase_token_file=opt.get("cloudbase_token_file") or env.get("CLOUDFN_CLOUDBASE_TOKEN_FILE") or DEFAULT_CLOUDBASE_TOKEN_FILE,
        api_token=api_token or None,
        service_url=opt.get("service_url") or env.get("CLOUDFN_SERVICE_URL") or None,
        region=opt.get("region") or env.get("TENCENTCLOUD_REGION") or None,
        secret_id=opt.get("secret_id") or env.get("TENCENTCLOUD_SECRETID") or env.get("TENCENTCLOUD_SECRET_ID") or None,
        secret_key=opt.get("secret_key") or env.get("TENCENTCLOUD_SECRETKEY") or env.get("TENCENTCLOUD_SECRET_KEY") or None,
        session_token=opt.get("session_token") or env.get("TENCENTCLOUD_SESSIONTOKEN") or env.get("TENCENTCLOUD_SESSION_TOKEN") or None,
        resource_appid=opt.get("resource_appid") or None,
        permissions=_permissions(env.get("CLOUDFN_OPENAPI_PERMISSIONS")),
        environ=env,
    )
