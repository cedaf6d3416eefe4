"""The CloudBase cloud-call gateway (``POST /admin``) inside the emulator.

The unmodified Node ``wx-server-sdk`` (``cloud.init({env, serviceUrl: "<emulator>/admin",
secretId, secretKey})``) and cloudfn's ``cloudcall`` transport both talk to it:

- action ``wx.openApi``: multipart/form-data with a protobuf ``CommApiData`` in
  ``requestData``; each pair is a top-level snake_case field with its JSON text. The API
  (``logistics.bindAccount``) runs on the same emulator backend as the HTTPS endpoints and
  the WeChat JSON reply comes back inside a protobuf ``CommOpenApiResp`` (contentType
  ``application/json``, httpCode 200, errorCode 0).
- action ``wx.api``: JSON body, ``requestData`` a JSON string; reply
  ``{"data": {"responseData": "<json>"}, "requestId": ...}``.
- gateway failures: HTTP 200, ``application/json; charset=utf-8``,
  ``{"code": "<STRING_CODE>", "message": ..., "requestId": ...}`` (wx-server-sdk maps the code
  through its TCB_ERR_CODE table; ``INVALID_PARAM`` -> -501007, unknown codes -> -501001).

Permissions: ``POST /_emulator/api-tokens`` ``{"function": name, "permissions": ["logistics.x", ...]}``
mints a ``wxCloudApiToken`` bound to that function (``{"token": ...}``). A call with that token
to an API outside its list gets ``CommOpenApiResp.errorCode`` -604101, which wx-server-sdk shows
as errCode -604101, errMsg ``system error: error code: -604101``. A call with an empty or unknown
token is served with every permission, unless the emulator is ``strict``: then it gets errorCode
-604104 (illegal source of invocation), as a call that does not come from a deployed function.
In strict mode the emulator's ``cloudbase_token`` is also accepted as ``wxCloudbaseAccesstoken``.

Signatures: the TC3 ``Authorization`` header is accepted as sent by default (the emulator does
not know the caller's SecretKey). ``Gateway(verify_key=...)`` (``Emulator(tc3_key=...)``, or the
environment variable ``CLOUDFN_EMULATOR_TC3_KEY``) checks it with :func:`cloudfn.tc3.verify`; a
bad or missing signature then answers code ``SIGN_PARAM_INVALID``.

Calls run through the emulator's one :class:`~cloudfn.emulator.pipeline.Pipeline` (count ->
fault -> backend), exactly as the HTTPS endpoints do. ``CommApiData.appid`` picks the app (one of
the emulator's; none: the default app).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .. import spec, tc3
from ..pb import OPEN_API, CommApiData, CommOpenApiResp, DecodeError
from .credentials import Credentials
from .pipeline import Answer, Pipeline
from .request import EmuRequest
from .wechat import dumps

log = logging.getLogger("cloudfn.emulator.gateway")

NO_PERMISSION = -604101
API_NOT_FOUND = -604100
ILLEGAL_SOURCE = -604104
JSON_TYPE = "application/json; charset=utf-8"
PROTOBUF_TYPE = "application/octet-stream"
WECHAT_TYPE = "application/json; encoding=utf-8"  # what the emulator's (and WeChat's) HTTPS endpoints send


@dataclass
class Part:
    """One multipart/form-data field."""

    name: str
    data: bytes
    content_type: str = ""
    filename: Optional[str] = None

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.I)
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def parse_multipart(body: bytes, content_type: str) -> Dict[str, Part]:
    """The fields of a multipart/form-data body (last one wins for a repeated name)."""
    m = _BOUNDARY.search(content_type or "")
    if not m:
        raise ValueError("multipart/form-data without a boundary")
    delimiter = b"\r\n--" + (m.group(1) or m.group(2)).encode("latin-1")
    chunks = (b"\r\n" + body).split(delimiter)
    if len(chunks) < 2:
        raise ValueError("multipart body has no parts")
    fields: Dict[str, Part] = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("multipart part without a header block")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = dict(_PARAM.findall(headers.get("content-disposition", "")))
        if "name" not in params:
            raise ValueError("multipart part without a name")
        fields[params["name"]] = Part(params["name"], data, headers.get("content-type", ""), params.get("filename"))
    return fields


class GatewayError(Exception):
    """A failure answered in the gateway's JSON shape."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class FunctionToken:
    function: str
    permissions: frozenset


class Gateway:
    """State and handlers of the gateway routes (``POST /admin``, ``POST /_emulator/api-tokens``)."""

    MAX_FUNCTION_TOKENS = 10000

    def __init__(self, pipeline: Pipeline, credentials: Credentials, strict: bool = False, verify_key: Optional[str] = None) -> None:
        self.pipeline = pipeline
        self.credentials = credentials
        self.strict = strict
        self.verify_key = verify_key
        self._tokens: Dict[str, FunctionToken] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Gateway tokens={len(self._tokens)} verify={'on' if self.verify_key else 'off'}>"

    # ------------------------------------------------------------------ tokens

    def mint(self, function: str, permissions: Iterable[str]) -> str:
        """A new wxCloudApiToken for ``function`` allowed to call ``permissions``."""
        token = "cloudfn-apitoken-" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = FunctionToken(function, frozenset(permissions))
            while len(self._tokens) > self.MAX_FUNCTION_TOKENS:  # bounded: the oldest goes
                del self._tokens[next(iter(self._tokens))]
        return token

    def lookup(self, token: str) -> Optional[FunctionToken]:
        with self._lock:
            return self._tokens.get(token)

    def handle_tokens(self, req: EmuRequest) -> Tuple[int, Dict[str, str], bytes]:
        try:
            data = json.loads(req.body or b"{}")
        except ValueError:
            return _json(400, {"error": "body must be JSON {\"function\": name, \"permissions\": [api, ...]}"})
        function = data.get("function") if isinstance(data, dict) else None
        permissions = data.get("permissions", []) if isinstance(data, dict) else None
        if not isinstance(function, str) or not function:
            return _json(400, {"error": "\"function\" must be a non-empty string"})
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            return _json(400, {"error": "\"permissions\" must be a list of API names such as \"logistics.getPath\""})
        token = self.mint(function, permissions)
        return _json(200, {"token": token, "function": function, "permissions": sorted(set(permissions))})

    # ------------------------------------------------------------------ /admin

    def handle_admin(self, req: EmuRequest) -> Tuple[int, Dict[str, str], bytes]:
        request_id = _request_id()
        try:
            fields = self._fields(req)
            self._check_signature(req, fields)
            action = _text(fields.get("action"))
            if action == "wx.openApi":
                return self._open_api(fields, request_id)
            if action == "wx.api":
                return self._json_api(fields, request_id)
            raise GatewayError("INVALID_ACTION", f"action {action!r} is not supported by the cloudfn emulator (wx.openApi, wx.api)")
        except GatewayError as exc:
            return _json(200, {"code": exc.code, "message": exc.message, "requestId": request_id})

    def _fields(self, req: EmuRequest) -> Dict[str, Any]:
        content_type = _header(req, "content-type")
        if content_type.lower().startswith("multipart/form-data"):
            try:
                return {name: (part.data if part.content_type.lower() == PROTOBUF_TYPE else part.text())
                        for name, part in parse_multipart(req.body or b"", content_type).items()}
            except ValueError as exc:
                raise GatewayError("INVALID_PARAM", f"malformed multipart body: {exc}") from None
        try:
            data = json.loads(req.body or b"{}")
        except ValueError:
            raise GatewayError("INVALID_PARAM", "request body is neither multipart/form-data nor JSON") from None
        if not isinstance(data, dict):
            raise GatewayError("INVALID_PARAM", "request body must be a JSON object")
        return data

    def _check_signature(self, req: EmuRequest, fields: Dict[str, Any]) -> None:
        if not self.verify_key:
            return
        authorization = _header(req, "authorization")
        host = _header(req, "host")
        query = "&".join(f"{k}={v}" for k, v in (req.query or {}).items())
        url = f"http://{host}{req.path.split('?')[0]}" + (f"?{query}" if query else "")
        try:
            timestamp = int(_header(req, "x-timestamp") or "0")
        except ValueError:
            timestamp = 0
        if not tc3.verify(self.verify_key, req.method.lower(), url, _headers(req), fields, authorization, timestamp):
            raise GatewayError("SIGN_PARAM_INVALID", "signature mismatch: the TC3-HMAC-SHA256 Authorization does not sign this request")

    def _authorize(self, fields: Dict[str, Any], api: str) -> Optional[int]:
        """None when the call may proceed, else the platform error code to answer."""
        token = _text(fields.get("wxCloudApiToken"))
        known = self.lookup(token) if token else None
        if known is not None:
            return None if api in known.permissions else NO_PERMISSION
        if self.strict:
            cloudbase = self.credentials.cloudbase_token
            if not token and cloudbase and _text(fields.get("wxCloudbaseAccesstoken")) == cloudbase:
                return None
            return ILLEGAL_SOURCE
        return None

    def _method(self, api: str) -> Optional[str]:
        namespace, _, name = api.partition(".")
        if namespace == spec.model()["namespace"] and spec.method(name) is not None:
            return name
        return None

    def _call(self, name: str, body: Dict[str, Any], appid: Optional[str]) -> Answer:
        """One logistics call through the emulator's pipeline (count -> fault -> backend)."""
        return self.pipeline.call(name, lambda: self.credentials.app_for(appid), lambda: body, transport="gateway")

    def _open_api(self, fields: Dict[str, Any], request_id: str) -> Tuple[int, Dict[str, str], bytes]:
        api = _text(fields.get("apiName"))
        raw = fields.get("requestData", b"")
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        try:
            message = CommApiData.decode(raw)
        except DecodeError as exc:
            raise GatewayError("INVALID_PARAM", f"requestData is not a CommApiData protobuf: {exc}") from None
        if message.api_type != OPEN_API:
            raise GatewayError("INVALID_PARAM", f"apiType {message.api_type} is not supported by the cloudfn emulator (OPEN_API only)")
        denied = self._authorize(fields, api)
        if denied is not None:
            return _pb(CommOpenApiResp(error_code=denied, http_code=200))
        name = self._method(api)
        if name is None:
            return _pb(CommOpenApiResp(error_code=API_NOT_FOUND, http_code=200))
        body: Dict[str, Any] = {}
        for pair in message.pairs:
            try:
                body[pair.key] = json.loads(pair.value.decode("utf-8"))
            except ValueError:
                raise GatewayError("INVALID_PARAM", f"requestData pair {pair.key!r} is not JSON text") from None
        status, content_type, payload = self._call(name, body, message.appid or None)
        return _pb(CommOpenApiResp(resp_data=payload, content_type=content_type, error_code=0, http_code=status))

    def _json_api(self, fields: Dict[str, Any], request_id: str) -> Tuple[int, Dict[str, str], bytes]:
        api = _text(fields.get("apiName"))
        denied = self._authorize(fields, api)
        if denied == NO_PERMISSION:
            raise GatewayError("PERMISSION_DENIED", f"function has no permission to call {api} (errorCode {NO_PERMISSION})")
        if denied is not None:
            raise GatewayError("INVALID_REQUEST_SOURCE", f"illegal source of invocation (errorCode {denied})")
        name = self._method(api)
        if name is None:
            raise GatewayError("INVALID_PARAM", f"API not found: {api}")
        raw = fields.get("requestData") or "{}"
        try:
            body = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
        except ValueError:
            raise GatewayError("INVALID_PARAM", "requestData is not JSON text") from None
        if not isinstance(body, dict):
            raise GatewayError("INVALID_PARAM", "requestData must be a JSON object")
        _, _, payload = self._call(name, body, None)
        return _json(200, {"data": {"responseData": payload.decode("utf-8")}, "requestId": request_id})


_REQUEST_PREFIX = os.urandom(8).hex()
_request_counter = itertools.count(1)


def _request_id() -> str:
    """A unique 32-hex-digit request id (uuid4's shape, without its cost per request)."""
    return f"{_REQUEST_PREFIX}{next(_request_counter) & 0xFFFFFFFFFFFFFFFF:016x}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _headers(req: EmuRequest) -> Dict[str, str]:
    headers: Mapping[str, str] = req.headers or {}
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _header(req: EmuRequest, name: str) -> str:
    """One request header by lower-case name (the server's headers are looked up in any case)."""
    headers: Mapping[str, str] = req.headers or {}
    return str(headers.get(name) or headers.get(name.title()) or "")


def _json(status: int, data: Any) -> Tuple[int, Dict[str, str], bytes]:
    return status, {"Content-Type": JSON_TYPE}, dumps(data)


def _pb(message: CommOpenApiResp) -> Tuple[int, Dict[str, str], bytes]:
    return 200, {"Content-Type": PROTOBUF_TYPE}, message.encode()


def permissions_of(config_json: Dict[str, Any]) -> List[str]:
    """The open APIs a function's config.json allows (``permissions.openapi``)."""
    perms = (config_json or {}).get("permissions") or {}
    return [p for p in perms.get("openapi", []) if isinstance(p, str)]
