"""The call path: ``cloud.init``, the ``cloud.openapi`` proxy, result shaping.

A call goes: name lookup in the model -> permission check -> camelCase to snake_case
-> validation (every problem at once, nothing sent) -> the configured transport ->
wx-server-sdk's result rules. The call path never knows which transport it holds.
"""

from __future__ import annotations

import json
import os
import re
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional

from . import redact, spec
from .casing import to_camel, to_snake
from .config import Config, resolve
from .errors import (
    OPENAPI_NO_PERMISSION,
    OPENAPI_NOT_FOUND,
    TCB_INVALID_PARAM,
    TCB_RESOURCE_NOT_INITIALIZED,
    TCB_RESOURCE_SYSTEM_ERROR,
    WX_SYSTEM_ERROR,
    CloudSDKError,
    fail_msg,
)
from .names import did_you_mean
from .permission_hint import no_permission_message, platform_error_message
from .result import Result
from .tokens import DEFAULT_STORE, MemoryTokenStore, TokenStore
from .transports import Request, Response, Transport, load

if TYPE_CHECKING:
    from ._logistics import OpenAPI as TypedOpenAPI
from .validate import describe, json_problems, near_misses, validate_body, without_covered


class Client:
    """A configured SDK: settings plus the transport they chose (made on first call)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._transport: Optional[Transport] = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<cloudfn.Client {self.config!r}>"

    def transport(self, display: str) -> Transport:
        if self._transport is None:
            with self._lock:
                if self._transport is None:
                    name = self.config.choose_transport()
                    if name is None:
                        raise CloudSDKError(
                            TCB_RESOURCE_NOT_INITIALIZED,
                            fail_msg(
                                display,
                                "no credentials configured: set WX_APPID and WX_APPSECRET for the https transport, "
                                "or WX_CLOUDBASE_ACCESSTOKEN (or the cloudbase_access_token file) for the cloudbase "
                                "transport, in the environment or .env, or pass them to cloud.init()",
                            ),
                        )
                    _check_resource_appid(self.config, name)
                    self._transport = load(name)(self.config)
        return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def call(self, api: str, data: Any, convert_case: bool = True, appid: Optional[str] = None) -> Result:
        """Call open API ``api`` (``logistics.bindAccount``) with ``data``; wx-server-sdk semantics."""
        request = self.prepare(api, data, convert_case, appid)
        return shape_result(self.transport(request.display).send(request), request.display, convert_case)

    def prepare(self, api: str, data: Any, convert_case: bool = True, appid: Optional[str] = None) -> Request:
        """Everything before I/O: model lookup, permission, case conversion, validation.

        Raises :class:`CloudSDKError` for any problem, so nothing is sent. Shared by the
        sync call path and :mod:`cloudfn.aio`.
        """
        display = "openapi." + api
        namespace, _, name = api.partition(".")
        method = spec.method(name) if namespace == spec.model()["namespace"] else None
        if method is None:
            raise CloudSDKError(
                OPENAPI_NOT_FOUND,
                fail_msg(display, f"API not found: {api} is not an open API cloudfn knows{_suggest_api(namespace, name)}"
                                  " (see cloudfn.spec.methods())"),
            )
        permissions = self.config.permissions
        if permissions is not None and api not in permissions:
            # As the platform answers a function whose config.json does not list the API.
            raise CloudSDKError(OPENAPI_NO_PERMISSION, no_permission_message(api))

        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise CloudSDKError(TCB_INVALID_PARAM, fail_msg(display, f"invalid parameters: data must be an object, got {type(data).__name__}"))
        data = dict(data)
        problems = json_problems(data)  # first: what follows recurses, encodes and prints values
        if problems:
            raise CloudSDKError(TCB_INVALID_PARAM, fail_msg(display, "invalid parameters: " + describe(problems, camel=convert_case)))
        wire = _drop_none(to_snake(data) if convert_case else data)
        if self.config.validate:
            misses = near_misses(method["request"], data, camel=convert_case)
            found = validate_body(method["request"], wire, method.get("request_one_of", ()))
            problems += misses + (without_covered(found, misses) if misses else found)
        if problems:
            raise CloudSDKError(TCB_INVALID_PARAM, fail_msg(display, "invalid parameters: " + describe(problems, camel=convert_case)))

        body = None
        if method["http"] == "POST":
            body = json.dumps(wire, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Request(
            api=api,
            method=method["http"],
            path=method["path"],
            data=wire,
            body=body,
            idempotent=not method.get("write", True),
            timeout=self.config.timeout,
            appid=appid or self.config.resource_appid,
            display=display,
        )


def _suggest_api(namespace: str, name: str) -> str:
    family = spec.model()["namespace"]
    if namespace != family:
        return did_you_mean(namespace, [family]).replace("?)", ".<method>?)")
    return did_you_mean(name, spec.methods())


def _check_resource_appid(config: Config, transport: str) -> None:
    """``resourceAppid`` is carried by the cloud call only; elsewhere refuse rather than act as another app."""
    wanted = config.resource_appid
    if not wanted or transport == "cloudcall" or (transport == "https" and wanted == config.appid):
        return
    acting = f"appid {config.appid}" if transport == "https" else "the cloudbase_access_token's mini program"
    raise CloudSDKError(
        TCB_INVALID_PARAM,
        f"init:fail resourceAppid {wanted} needs the cloudcall transport: over {transport} every call is made as {acting}; "
        f"to call as {wanted}, use its own credentials (appid=..., secret=...)",
    )


def _drop_none(value: Any) -> Any:
    """None means "not given" (JavaScript's undefined): such keys are not sent."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_drop_none(v) for v in value]
    return value


_JSONISH = re.compile(r"(application/json)|(text/plain)")
PREVIEW_CHARS = 1024  # of a reply body quoted in an errMsg


def shape_result(response: Response, display: str, convert_case: bool) -> Result:
    """wx-server-sdk's result rules applied to a transport's response.

    Node's rules for JSON and ``text/plain`` replies; beyond them (Node never sees the HTTP
    status): a 5xx is -601001, any other non-JSON reply with status >= 400 is -501001 naming the
    status, and a non-JSON reply is ``{contentType, buffer}`` only for a method the model marks
    ``binary_response`` (else -601001). Server text in an errMsg is redacted.
    """
    if response.error_code:
        raise CloudSDKError(response.error_code, platform_error_message(response.error_code, display))
    status = response.status
    if status >= 500:
        raise _server_error(response, WX_SYSTEM_ERROR, display, f"wechat server error: HTTP {status}: ")
    if _JSONISH.search(response.content_type):
        try:
            result = json.loads(response.body.decode("utf-8"), object_pairs_hook=Result)
        except (ValueError, RecursionError):  # UnicodeDecodeError included; a hostile nesting depth too
            result = _NOT_JSON
        if result is _NOT_JSON:
            if status >= 400:
                raise _http_error(response, display)
            if "text/plain" in response.content_type:
                return Result(result=response.body.decode("utf-8", "replace"), **_ok(display))
            raise _server_error(response, WX_SYSTEM_ERROR, display, "wechat server internal error, response body is invalid json: ")
        return _json_result(response, result, display, convert_case)
    if status >= 400:
        raise _http_error(response, display)
    if _binary(display):
        return Result(contentType=response.content_type.strip(), buffer=response.body, **_ok(display))
    kind = response.content_type.strip() or "no content type"
    raise _server_error(response, WX_SYSTEM_ERROR, display, f"wechat server answered HTTP {status} with {kind}, not JSON: ")


_NOT_JSON = object()


def _json_result(response: Response, result: Any, display: str, convert_case: bool) -> Result:
    if isinstance(result, list):  # Object.assign({}, array): index keys
        result = Result((str(i), v) for i, v in enumerate(result))
    elif not isinstance(result, dict):
        result = Result()
    errcode = result.get("errcode")
    if errcode:
        errmsg = result.get("errmsg")
        raise CloudSDKError(errcode, fail_msg(display, "undefined" if errmsg is None else _redact(str(errmsg), response)))
    if response.status >= 400:  # JSON, but not WeChat's answer (a proxy's, a gateway's)
        raise _http_error(response, display)
    result.pop("errcode", None)
    result.pop("errmsg", None)
    if convert_case:
        try:
            result = to_camel(result)
        except RecursionError:
            raise CloudSDKError(WX_SYSTEM_ERROR, fail_msg(display, "wechat server reply is nested too deeply")) from None
    result.update(_ok(display))
    return result


def _binary(display: str) -> bool:
    """Does the model mark this method as answering files? (``binary_response``)"""
    namespace, _, name = display.partition(".")[2].partition(".")
    method = spec.method(name) if namespace == spec.model()["namespace"] else None
    return bool(method and method.get("binary_response"))


def _redact(text: str, response: Response) -> str:
    request = response.request
    return redact.redact(text, redact.call_secrets(request.data) if request is not None else ())


def _preview(response: Response) -> str:
    """The start of the body, redacted (a window wider than the preview, so no secret is cut in two)."""
    head = response.body[: PREVIEW_CHARS * 4].decode("utf-8", "replace")
    return _redact(head, response)[:PREVIEW_CHARS]


def _server_error(response: Response, code: int, display: str, prefix: str) -> CloudSDKError:
    return CloudSDKError(code, fail_msg(display, prefix + _preview(response)))


def _http_error(response: Response, display: str) -> CloudSDKError:
    """A 4xx reply that is not WeChat's JSON answer (a WAF, a rate limiter, a proxy's page)."""
    status = response.status
    if not response.body:
        return CloudSDKError(TCB_RESOURCE_SYSTEM_ERROR, fail_msg(display, f"HTTP {status} with an empty body"))
    kind = response.content_type.strip() or "no content type"
    return _server_error(response, TCB_RESOURCE_SYSTEM_ERROR, display, f"HTTP {status} ({kind}): ")


def _ok(display: str) -> Dict[str, Any]:
    return {"errMsg": f"{display}:ok", "errCode": 0}


# --------------------------------------------------------------------------- public API


def _merge(options: Optional[Mapping[str, Any]], kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    merged = dict(options or {})
    merged.update(kwargs)
    return merged


class Cloud:
    """An independent SDK instance: Node's ``new cloud.Cloud({...})``.

    Each instance has its own configuration, transport, connections and (unless a shared
    ``token_store`` is given) token cache. ``cloudfn.init`` / ``cloudfn.openapi`` act on a
    default instance. Usable as a context manager; ``close()`` releases connections.
    """

    def __init__(self, options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        self._options = _merge(options, kwargs)
        self._client: Optional[Client] = None
        self._lock = threading.Lock()
        self._store: TokenStore = MemoryTokenStore()  # this instance's tokens, kept across init()
        self.openapi: "TypedOpenAPI" = OpenAPI(self)  # type: ignore[assignment]  # the proxy; typed by the generated view
        if self._options:
            self._client = self._configure(self._options)  # bad options fail here, as in Node

    def _configure(self, options: Mapping[str, Any]) -> Client:
        return Client(resolve(options, token_store=self._store))

    def init(self, options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        """(Re)configure this instance (Node: ``cloud.init({...})``)."""
        client = self._configure(_merge(options, kwargs))
        with self._lock:
            old, self._client = self._client, client
        if old is not None:
            old.close()

    def client(self) -> Client:
        """The configured client; ``init()`` with the constructor's options on first use."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._configure(self._options)
                client = self._client
        return client

    def getWXContext(self) -> Result:
        """The invocation's context (the same for every instance: it comes from the environment)."""
        return getWXContext()

    def close(self) -> None:
        """Release this instance's connections; it can be used again (it reconnects)."""
        with self._lock:
            client = self._client
        if client is not None:
            client.close()

    def __enter__(self) -> "Cloud":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<cloudfn.Cloud {self._client.config!r}>" if self._client else "<cloudfn.Cloud (not initialised)>"


_default: Optional[Cloud] = None
_default_lock = threading.Lock()


def default() -> Cloud:
    """The instance behind the module-level ``init`` / ``openapi``."""
    global _default
    cloud = _default
    if cloud is None:
        with _default_lock:
            if _default is None:
                fresh = Cloud()
                fresh._store = DEFAULT_STORE  # the module default keeps the process-wide token cache
                _default = fresh
            cloud = _default
    return cloud


def init(options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
    """Configure cloudfn (Node: ``cloud.init({...})``). Calling it again reconfigures."""
    default().init(options, **kwargs)


def current() -> Client:
    """The default instance's client; ``init()`` with defaults on first use, as Node allows."""
    return default().client()


def reset() -> None:
    """Drop the default instance (closing its connections); the next call starts afresh."""
    global _default
    with _default_lock:
        old, _default = _default, None
    if old is not None:
        old.close()


_NODE_OPTIONS = {"convertCase": "convert_case", "appid": "appid", "version": "version"}


class OpenAPI:
    """``cloud.openapi``: attribute access names the API, calling it sets options (Node's proxy).

    Bound to a :class:`Cloud`, or (``cloud=None``) to whatever the default instance is at call time.
    A subclass changes how a method is called by overriding :meth:`_function` (``cloudfn.aio``).
    """

    label = "cloud.openapi"

    def __init__(self, cloud: Any = None, convert_case: bool = True, appid: Optional[str] = None, version: Optional[str] = None) -> None:
        self._cloud = cloud
        self._convert_case = convert_case
        self._appid = appid
        self._version = version
        self._namespaces: Dict[str, _Namespace] = {}

    def __call__(self, options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> "OpenAPI":
        merged = _merge(options, kwargs)
        unknown = [k for k in merged if k not in _NODE_OPTIONS]
        if unknown:
            named = "; ".join(f"{k}{did_you_mean(str(k), _NODE_OPTIONS)}" for k in unknown)
            raise CloudSDKError(TCB_INVALID_PARAM, f"openapi:fail unknown option(s): {named}")
        return type(self)(
            self._cloud,
            convert_case=merged.get("convertCase", self._convert_case) is not False,
            appid=merged.get("appid", self._appid),
            version=merged.get("version", self._version),
        )

    def _client(self) -> Client:
        return (self._cloud or default()).client()

    def _function(self, api: str) -> Callable[..., Any]:
        """The function behind ``openapi.<api>``: keywords or a Node-style dict, wx-server-sdk's result."""

        def call(data: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Result:
            if kwargs:
                data = {**(data or {}), **kwargs}
            return self._client().call(api, data, self._convert_case, self._appid)

        return call

    def __getattr__(self, namespace: str) -> "_Namespace":
        if namespace.startswith("__"):
            raise AttributeError(namespace)
        found = self._namespaces.get(namespace)
        if found is None:
            found = self._namespaces.setdefault(namespace, _Namespace(self, namespace))
        return found

    def __repr__(self) -> str:
        return f"<{self.label} convertCase={self._convert_case} appid={self._appid!r}>"


class _Namespace:
    def __init__(self, openapi: OpenAPI, namespace: str) -> None:
        self._openapi = openapi
        self._namespace = namespace

    def __getattr__(self, name: str) -> Callable[..., Any]:
        """The method as a function, made once and kept on this namespace (a hot path)."""
        if name.startswith("__"):
            raise AttributeError(name)
        call = self._make(name)
        setattr(self, name, call)
        return call

    def _make(self, name: str) -> Callable[..., Any]:
        api = f"{self._namespace}.{name}"
        call = self._openapi._function(api)
        m = spec.method(name) if self._namespace == spec.model()["namespace"] else None
        call.__name__ = name
        call.__qualname__ = f"openapi.{api}"
        call.__doc__ = m["doc"] if m else None
        return call

    def __dir__(self) -> list:
        return sorted(spec.methods()) if self._namespace == spec.model()["namespace"] else []

    def __repr__(self) -> str:
        return f"<{self._openapi.label}.{self._namespace}>"


openapi = OpenAPI()

_CONTEXT_BLACKLIST = ("API_TOKEN", "TRIGGER_API_TOKEN_V0")
_INTEGER = re.compile(r"^-?\d+$")


def getWXContext() -> Result:
    """OPENID, APPID, UNIONID, ENV, SOURCE... of the current invocation (Node's getWXContext)."""
    environ = os.environ
    context = Result()
    keys = environ.get("WX_CONTEXT_KEYS")
    if not keys:
        return context
    for key in keys.split(","):
        if not key or any(key == b or key == "WX_" + b for b in _CONTEXT_BLACKLIST):
            continue
        value: Any = environ.get(key)
        if value is None:
            continue
        if _INTEGER.match(value):
            value = int(value)
        context[key[3:] if key.startswith("WX_") and len(key) > 3 else key] = value
    env = environ.get("TCB_ENV") or environ.get("SCF_NAMESPACE")
    if env:
        context["ENV"] = env
    if environ.get("TCB_SOURCE"):
        context["SOURCE"] = environ["TCB_SOURCE"]
    return context
