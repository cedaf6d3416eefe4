"""``cloudcall``: the open API through the CloudBase gateway, as wx-server-sdk calls it in a function.

What goes out is what ``@cloudbase/node-sdk`` sends for ``cloud.openapi.*``: ``POST
<gateway>/admin?env=<env>&seqId=<id>``, multipart/form-data with ``action=wx.openApi``,
``apiName=logistics.<method>``, ``requestData`` (a protobuf ``CommApiData`` holding one pair per
top-level snake_case field, the value its JSON text), ``envName``, ``wxCloudApiToken``
(``WX_API_TOKEN``, or ``WX_TRIGGER_API_TOKEN_V0`` for timer triggers), ``tcb_sessionToken``,
``sessionToken`` and ``crossAuthorizationToken``; signed with CloudBase's TC3-HMAC-SHA256
(:mod:`cloudfn.tc3`) from ``TENCENTCLOUD_SECRETID`` / ``TENCENTCLOUD_SECRETKEY``.

The gateway URL is ``CLOUDFN_SERVICE_URL`` (``service_url``) when set, else built like the Node
SDK: ``https://{env}.{region}.tcb-api.tencentcloudapi.com/admin``, or
``http://{env}.internal.{region}.tcb-api.tencentcloudapi.com/admin`` inside SCF / Cloud Run
(same region). With an explicit service URL (an emulator) and no Tencent Cloud credentials the
request goes unsigned; against the real gateway missing credentials fail before sending, as in Node.

Replies are read as wx-server-sdk reads them: a protobuf ``CommOpenApiResp`` becomes a
:class:`Response` (its ``errorCode`` raises ``system error: error code: N`` in ``shape_result``);
a gateway JSON failure ``{"code", "message"}`` becomes ``CloudSDKError`` with the code mapped
through wx-server-sdk's TCB_ERR_CODE table (unknown -> -501001) and the errMsg Node prints,
``openapi.<api>:fail <code> <description>. <message>``.
"""

from __future__ import annotations

import http
import json
import re
import time
import uuid
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode, urlsplit

from .. import __version__ as VERSION
from .. import redact, tc3
from ..errors import (
    ERR_CODE,
    TCB_ERR_CODE,
    TCB_INVALID_PARAM,
    TCB_RESOURCE_NOT_INITIALIZED,
    TCB_RESOURCE_SYSTEM_ERROR,
    WX_SYSTEM_ERROR,
    CloudSDKError,
)
from ..pb import CommApiData, CommOpenApiResp, DecodeError, KeyValuePair
from .base import Request, Response
from .http import HttpTransport

GATEWAY_JSON = "application/json; charset=utf-8"  # the exact type @cloudbase/node-sdk parses as a JSON failure
_ENV_FORMAT = re.compile(r"^[a-z0-9_-]{1,40}$")


def node_fail(display: str, code: int, message: str) -> str:
    """wx-server-sdk's toSDKError text for a plain {errCode, errMsg}: ``<api>:fail <code> <description>. <message>``."""
    return f"{display}:fail {code} {ERR_CODE.get(code, '')}. {message}"


def gateway_url(config: Any) -> str:
    """The gateway URL without query: the service URL, or the Node SDK's default for env/region."""
    if config.service_url:
        return config.service_url
    environ = config.environ or {}
    region = config.region or environ.get("TENCENTCLOUD_REGION") or ""
    internal = (environ.get("TENCENTCLOUD_RUNENV") == "SCF" or bool(environ.get("CBR_ENV_ID"))
                or environ.get("SUMERU_ENV") in ("formal", "pre", "test"))
    same_region = (region == environ.get("TENCENTCLOUD_REGION")) if region else True
    if internal and same_region:
        endpoint = f"internal.{region}.tcb-api.tencentcloudapi.com" if region else "internal.tcb-api.tencentcloudapi.com"
    else:
        endpoint = f"{region}.tcb-api.tencentcloudapi.com" if region else "tcb-api.tencentcloudapi.com"
    env_id = config.env or ""
    host = f"{env_id}.{endpoint}" if _ENV_FORMAT.match(env_id) else endpoint
    return f"{'http' if internal else 'https'}://{host}/admin"


def encode_multipart(fields: List[Tuple[str, Any]], boundary: str) -> bytes:
    """multipart/form-data as the ``form-data`` package writes it (bytes values as application/octet-stream)."""
    out = bytearray()
    for name, value in fields:
        out += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n".encode()
        if isinstance(value, (bytes, bytearray)):
            out += b"Content-Type: application/octet-stream\r\n\r\n" + bytes(value)
        else:
            out += b"\r\n" + str(value).encode("utf-8")
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def request_data(request: Request) -> bytes:
    """The ``CommApiData`` protobuf of a call: each top-level field with its JSON text."""
    pairs = [
        KeyValuePair(key, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        for key, value in request.data.items()
        if value is not None
    ]
    return CommApiData(pairs, appid=request.appid or None).encode()


class CloudcallTransport(HttpTransport):
    name = "cloudcall"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.url = gateway_url(config)
        parts = urlsplit(self.url)
        self.base = self.url  # HttpTransport.http() sends to base + path; our "path" is the query
        self._host = parts.netloc
        self.explicit = bool(config.service_url)
        self._api_token: str = config.api_token or ""
        self._secret_id: Optional[str] = config.secret_id
        self._secret_key: Optional[str] = config.secret_key
        self._session_token: Optional[str] = config.session_token
        self._tcb_session: str = (config.environ or {}).get("TCB_SESSIONTOKEN", "")
        self._cloudbase_token: str = config.cloudbase_token or ""
        for value in (self._api_token, self._secret_id, self._secret_key, self._session_token, self._tcb_session, self._cloudbase_token):
            redact.register(value)

    def __repr__(self) -> str:
        signed = "signed" if self._secret_key else "unsigned"
        return f"<CloudcallTransport url={self.url!r} env={self.config.env!r} {signed} token={'yes' if self._api_token else 'no'}>"

    # ------------------------------------------------------------------ request

    def _fields(self, request: Request) -> List[Tuple[str, Any]]:
        fields: List[Tuple[str, Any]] = [
            ("action", "wx.openApi"),
            ("apiName", request.api),
            ("requestData", request_data(request)),
            ("envName", self.config.env or ""),
            ("wxCloudApiToken", self._api_token),
        ]
        if not self._api_token:
            fields.append(("wxCloudbaseAccesstoken", self._cloudbase_token))
        fields.append(("tcb_sessionToken", self._tcb_session))
        if self._session_token:
            fields.append(("sessionToken", self._session_token))
        fields.append(("crossAuthorizationToken", ""))
        return fields

    def _headers(self, url: str, fields: List[Tuple[str, Any]], boundary: str) -> Dict[str, str]:
        environ = self.config.environ or {}
        headers: Dict[str, str] = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "User-Agent": f"cloudfn/{VERSION}",
            "X-TCB-Source": f"{environ.get('TCB_SOURCE', '')},{'scf' if environ.get('TENCENTCLOUD_RUNENV') == 'SCF' else 'unknown'}",
            "X-Client-Timestamp": str(int(time.time() * 1000)),
            "X-SDK-Version": f"cloudfn/{VERSION}",
            "Host": urlsplit(url).netloc,
        }
        region = self.config.region or environ.get("TENCENTCLOUD_REGION")
        if region:
            headers["X-TCB-Region"] = region
        if self._secret_id and self._secret_key:
            authorization, timestamp = tc3.sign(self._secret_id, self._secret_key, "post", url, headers, dict(fields))
            headers["Authorization"] = authorization
            headers["X-Timestamp"] = str(timestamp)
        headers["X-Signature-Expires"] = "600"
        return headers

    def send(self, request: Request) -> Response:
        path, body, headers, url = self.build(request)
        response = self.http(request, path, {}, body, method="POST", headers=headers)
        return self.read(request, response, url)

    def build(self, request: Request) -> Tuple[str, bytes, Dict[str, str], str]:
        """The gateway request, no I/O: (path after the gateway URL, body, headers, full URL).

        Raises :class:`CloudSDKError` before anything is sent when credentials or env are missing.
        Shared by :meth:`send` and :mod:`cloudfn.aio`.
        """
        if not (self._secret_id and self._secret_key) and not self.explicit:
            raise CloudSDKError(
                TCB_INVALID_PARAM,
                node_fail(request.display, TCB_INVALID_PARAM,
                          "missing secretId or secretKey of tencent cloud, please set secretId and secretKey in config"),
            )
        if not self.config.env and not self.explicit:
            raise CloudSDKError(
                TCB_RESOURCE_NOT_INITIALIZED,
                node_fail(request.display, TCB_RESOURCE_NOT_INITIALIZED, "no env: set TCB_ENV (or SCF_NAMESPACE) or cloud.init(env=...)"),
            )
        query = urlencode({"env": self.config.env or "", "seqId": uuid.uuid4().hex[:20]})
        path = ("" if "?" in self.url else "?") + query
        url = self.url + path
        fields = self._fields(request)
        boundary = "--------------------------" + uuid.uuid4().hex[:24]
        body = encode_multipart(fields, boundary)
        return path, body, self._headers(url, fields, boundary), url

    # ------------------------------------------------------------------ reply

    def read(self, request: Request, response: Response, url: str) -> Response:
        """Turn the gateway's answer into the WeChat response (or raise as wx-server-sdk does).

        Gateway text in an errMsg is redacted (registered secrets and the call's own).
        """
        display = request.display
        if response.status != 200:
            phrase = _phrase(response.status)
            text = _clean(request, f"{response.status} {phrase} | [{url}]")
            raise CloudSDKError(TCB_RESOURCE_SYSTEM_ERROR, node_fail(display, TCB_RESOURCE_SYSTEM_ERROR, text))
        if response.content_type == GATEWAY_JSON:
            failure = _json(response.body)
            if isinstance(failure, dict) and failure.get("code"):
                code = TCB_ERR_CODE.get(str(failure["code"])) or TCB_RESOURCE_SYSTEM_ERROR
                raise CloudSDKError(code, node_fail(display, code, _clean(request, str(failure.get("message")))))
        try:
            message = CommOpenApiResp.decode(response.body)
        except DecodeError as exc:
            problem = str(exc)
        else:
            # wx-server-sdk never looks at httpCode: the WeChat JSON decides; status stays 200 so
            # shape_result applies exactly Node's rules to it.
            return Response(200, message.content_type, message.resp_data, error_code=message.error_code, request=request)
        raise self._undecodable(request, response, problem)  # outside the except: nothing chained

    def _undecodable(self, request: Request, response: Response, problem: str) -> CloudSDKError:
        """The error for a reply that is not a CommOpenApiResp (a JSON failure under another type, or junk)."""
        failure = _json(response.body)
        api = request.api
        if isinstance(failure, dict) and failure.get("code") and "message" in failure:
            code = TCB_ERR_CODE.get(str(failure["code"])) or TCB_RESOURCE_SYSTEM_ERROR
            return CloudSDKError(code, f"{api}:fail {_clean(request, str(failure['message']))}")
        if failure is not None:
            return CloudSDKError(TCB_RESOURCE_SYSTEM_ERROR, f"{api}:fail {_clean(request, json.dumps(failure, ensure_ascii=False))}")
        return CloudSDKError(WX_SYSTEM_ERROR, f"{api}:fail unknown wx response received: {_clean(request, problem)}")


def _clean(request: Request, text: str) -> str:
    """Gateway text without any secret cloudfn knows: registered ones and the call's own."""
    return redact.redact(text, redact.call_secrets(request.data))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "undefined"
