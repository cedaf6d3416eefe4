"""``init`` / ``Cloud`` option names: Node's (wx-server-sdk, @cloudbase/node-sdk) and snake_case.

Every setting has one canonical snake_case name (what :class:`cloudfn.config.Config` uses)
and is accepted under its camelCase spelling too, so ``cloud.init({"secretId": ...})`` from a
Node port works as written. An unknown name is refused with the nearest known one.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping

# canonical name -> the name Node's SDKs give it (or the camelCase of cloudfn's own setting)
OPTIONS: Dict[str, str] = {
    "env": "env",
    "timeout": "timeout",  # milliseconds, as in Node
    "secret_id": "secretId",
    "secret_key": "secretKey",
    "session_token": "sessionToken",
    "service_url": "serviceUrl",
    "region": "region",
    "resource_appid": "resourceAppid",
    "resource_env": "resourceEnv",
    # cloudfn's own
    "transport": "transport",
    "appid": "appid",
    "secret": "secret",
    "api_base": "apiBase",
    "validate": "validate",
    "token_store": "tokenStore",
    "cloudbase_token": "cloudbaseToken",
    "cloudbase_token_file": "cloudbaseTokenFile",
    "api_token": "apiToken",
}

# Node options accepted so ported code runs, with no effect in cloudfn (docs: configuration/index.md).
IGNORED: Dict[str, str] = {
    "trace_user": "traceUser",
    "throw_on_not_found": "throwOnNotFound",
    "debug": "debug",
    "keepalive": "keepalive",
    "database": "database",
}

_ALIASES: Dict[str, str] = {}
for _table in (OPTIONS, IGNORED):
    for _snake, _node in _table.items():
        _ALIASES[_snake] = _snake
        _ALIASES[_node] = _snake


def known_names() -> list:
    """Every accepted spelling."""
    return sorted(_ALIASES)


def normalise(options: Mapping[str, Any]) -> Dict[str, Any]:
    """Options keyed by canonical name; unknown or doubly-given names raise -501007."""
    out: Dict[str, Any] = {}
    given: Dict[str, str] = {}
    problems = []
    for name, value in options.items():
        canonical = _ALIASES.get(name) if isinstance(name, str) else None
        if canonical is None:
            from .names import did_you_mean

            problems.append(f"unknown option {name}{did_you_mean(str(name), _ALIASES)}")
            continue
        if canonical in given and out[canonical] != value:
            problems.append(f"option {name} given twice (also as {given[canonical]})")
            continue
        given[canonical] = name
        if canonical not in IGNORED:
            out[canonical] = value
    if problems:
        from .errors import TCB_INVALID_PARAM, CloudSDKError

        raise CloudSDKError(TCB_INVALID_PARAM, "init:fail " + "; ".join(problems))
    return out
