"""A fake Tencent Cloud SCF API (API 3.0, JSON over POST) on 127.0.0.1 for deploy tests.

It checks the TC3-HMAC-SHA256 signature of every request the way the real gateway
does (recomputed from the known test SecretKey; a mismatch answers
``AuthFailure.SignatureFailure``, an unknown SecretId ``AuthFailure.SecretIdNotFound``),
keeps functions per namespace, and answers ``GetFunction``, ``CreateFunction``,
``UpdateFunctionCode`` and ``UpdateFunctionConfiguration``. A created or updated
function reports ``Creating``/``Updating`` for ``settle_polls`` GetFunction calls before
``Active``; code or configuration updates while it is not Active fail, as SCF's do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Set, Tuple

SECRET_ID = "AKIDfakeTestSecretId0000000000000000"
SECRET_KEY = "fakeSecretKey-MUST-NEVER-BE-PRINTED-42"
API_VERSION = "2018-04-16"
SERVICE = "scf"


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


@dataclass
class Call:
    action: str
    region: str
    params: Dict[str, Any]
    secret_id: str
    token: Optional[str]


@dataclass
class StoredFunction:
    name: str
    namespace: str
    config: Dict[str, Any]
    zip_bytes: bytes
    status: str = "Creating"
    pending: int = 0  # GetFunction polls left before Active
    code_updates: int = 0
    config_updates: int = 0
    fail_with: Optional[str] = None  # final status instead of Active (e.g. "CreateFailed")

    def files(self) -> List[str]:
        return zipfile.ZipFile(io.BytesIO(self.zip_bytes)).namelist()


@dataclass
class FakeTencentCloud:
    secret_id: str = SECRET_ID
    secret_key: str = field(default=SECRET_KEY, repr=False)
    session_token: Optional[str] = field(default=None, repr=False)  # when set, X-TC-Token must equal it
    namespaces: Set[str] = field(default_factory=lambda: {"default"})
    settle_polls: int = 2
    fail_next: Optional[str] = None  # status the next created/updated function ends in
    calls: List[Call] = field(default_factory=list)
    functions: Dict[Tuple[str, str], StoredFunction] = field(default_factory=dict)
    rejected: List[str] = field(default_factory=list)  # error codes answered

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "FakeTencentCloud":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                payload = fake.handle(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def actions(self) -> List[str]:
        return [c.action for c in self.calls]

    # ------------------------------------------------------------------ protocol
    def handle(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> Dict[str, Any]:
        request_id = str(uuid.uuid4())
        try:
            secret_id = self.verify(method, path, headers, body)
            action = headers.get("x-tc-action", "")
            if headers.get("x-tc-version") != API_VERSION:
                raise ApiError("InvalidParameterValue", f"unsupported Version {headers.get('x-tc-version')!r}")
            params = json.loads(body or b"{}")
            with self._lock:
                self.calls.append(Call(action, headers.get("x-tc-region", ""), params, secret_id, headers.get("x-tc-token")))
                handler = getattr(self, "_" + action, None)
                if handler is None:
                    raise ApiError("InvalidAction", f"action {action!r} is not supported by this fake")
                result = handler(params)
        except ApiError as e:
            self.rejected.append(e.code)
            return {"Response": {"Error": {"Code": e.code, "Message": e.message}, "RequestId": request_id}}
        result["RequestId"] = request_id
        return {"Response": result}

    def verify(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> str:
        """Check the TC3-HMAC-SHA256 Authorization header; return the SecretId."""
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        if algorithm != "TC3-HMAC-SHA256":
            raise ApiError("AuthFailure.SignatureFailure", "the request is not signed with TC3-HMAC-SHA256")
        parts = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        try:
            secret_id, date, service, terminator = parts["Credential"].split("/")
            signed_headers = parts["SignedHeaders"]
            signature = parts["Signature"]
        except (KeyError, ValueError):
            raise ApiError("AuthFailure.SignatureFailure", "malformed Authorization header") from None
        if secret_id != self.secret_id:
            raise ApiError("AuthFailure.SecretIdNotFound", "the SecretId is not found, please ensure that your SecretId is correct")
        timestamp = headers.get("x-tc-timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            raise ApiError("AuthFailure.SignatureExpire", "the request timestamp is missing or too far from the server time")
        if time.strftime("%Y-%m-%d", time.gmtime(int(timestamp))) != date or service != SERVICE or terminator != "tc3_request":
            raise ApiError("AuthFailure.SignatureFailure", "the credential scope does not match the request")
        names = signed_headers.split(";")
        if "content-type" not in names or "host" not in names:
            raise ApiError("AuthFailure.SignatureFailure", "content-type and host must be signed")
        canonical_headers = "".join(f"{n}:{headers.get(n, '').strip().lower()}\n" for n in names)
        path_part, _, query = path.partition("?")
        payload_hash = hashlib.sha256(body).hexdigest()
        canonical_request = "\n".join([method, path_part or "/", query, canonical_headers, signed_headers, payload_hash])
        scope = f"{date}/{service}/tc3_request"
        string_to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
        key = _hmac(("TC3" + self.secret_key).encode(), date)
        key = _hmac(key, service)
        key = _hmac(key, "tc3_request")
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise ApiError(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )
        if self.session_token is not None and headers.get("x-tc-token") != self.session_token:
            raise ApiError("AuthFailure.TokenFailure", "the session token is invalid or expired")
        return secret_id

    # ------------------------------------------------------------------ actions
    def _lookup(self, params: Dict[str, Any]) -> StoredFunction:
        namespace = params.get("Namespace") or "default"
        if namespace not in self.namespaces:
            raise ApiError("ResourceNotFound.Namespace", f"namespace {namespace} does not exist")
        fn = self.functions.get((namespace, params.get("FunctionName", "")))
        if fn is None:
            raise ApiError("ResourceNotFound.Function", f"function {params.get('FunctionName')} does not exist in namespace {namespace}")
        return fn

    def _settle(self, fn: StoredFunction, status: str) -> None:
        fn.status = status
        fn.pending = self.settle_polls
        fn.fail_with, self.fail_next = self.fail_next, None

    def _GetFunction(self, params: Dict[str, Any]) -> Dict[str, Any]:
        fn = self._lookup(params)
        if fn.status in ("Creating", "Updating"):
            if fn.pending > 0:
                fn.pending -= 1
            else:
                fn.status = fn.fail_with or "Active"
        env = fn.config.get("Environment") or {"Variables": []}
        return {
            "FunctionName": fn.name,
            "Namespace": fn.namespace,
            "Status": fn.status,
            "StatusDesc": "" if fn.status == "Active" else f"function is {fn.status}",
            "StatusReasons": [{"ErrorCode": "InternalError", "ErrorMessage": "fake failure"}] if fn.status.endswith("Failed") else [],
            "Runtime": fn.config.get("Runtime", "Python2.7"),
            "Handler": fn.config.get("Handler", "index.main_handler"),
            "Timeout": fn.config.get("Timeout", 3),
            "MemorySize": fn.config.get("MemorySize", 128),
            "Environment": env,
            "CodeSize": len(fn.zip_bytes),
            "FunctionVersion": "$LATEST",
        }

    def _code(self, zip_b64: Any) -> bytes:
        if not isinstance(zip_b64, str) or not zip_b64:
            raise ApiError("InvalidParameterValue.Code", "Code.ZipFile is required")
        try:
            data = base64.b64decode(zip_b64, validate=True)
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (ValueError, zipfile.BadZipFile):
            raise ApiError("InvalidParameterValue.ZipFile", "ZipFile is not a base64-encoded zip") from None
        if "index.py" not in names:
            raise ApiError("InvalidParameterValue.Handler", "index.py is not at the root of the zip")
        return data

    def _CreateFunction(self, params: Dict[str, Any]) -> Dict[str, Any]:
        namespace = params.get("Namespace") or "default"
        if namespace not in self.namespaces:
            raise ApiError("ResourceNotFound.Namespace", f"namespace {namespace} does not exist")
        name = params.get("FunctionName")
        if not name:
            raise ApiError("MissingParameter", "FunctionName is required")
        if (namespace, name) in self.functions:
            raise ApiError("ResourceInUse.Function", f"function {name} already exists")
        if params.get("Runtime") not in ("Python3.9", "Python3.10", "Python3.11"):
            raise ApiError("InvalidParameterValue.Runtime", f"Runtime {params.get('Runtime')!r} is not supported")
        data = self._code((params.get("Code") or {}).get("ZipFile"))
        config = {k: v for k, v in params.items() if k not in ("Code", "FunctionName", "Namespace")}
        fn = StoredFunction(name=name, namespace=namespace, config=config, zip_bytes=data)
        self._settle(fn, "Creating")
        self.functions[(namespace, name)] = fn
        return {}

    def _UpdateFunctionCode(self, params: Dict[str, Any]) -> Dict[str, Any]:
        fn = self._lookup(params)
        if fn.status != "Active":
            raise ApiError("FailedOperation.UpdateFunctionCode", f"the function is {fn.status}, try again when it is Active")
        fn.zip_bytes = self._code(params.get("ZipFile"))
        if params.get("Handler"):
            fn.config["Handler"] = params["Handler"]
        fn.code_updates += 1
        self._settle(fn, "Updating")
        return {}

    def _UpdateFunctionConfiguration(self, params: Dict[str, Any]) -> Dict[str, Any]:
        fn = self._lookup(params)
        if fn.status != "Active":
            raise ApiError("FailedOperation.UpdateFunctionConfiguration", f"the function is {fn.status}, try again when it is Active")
        for key in ("Runtime", "Timeout", "MemorySize", "Environment", "Description"):
            if key in params:
                fn.config[key] = params[key]
        fn.config_updates += 1
        self._settle(fn, "Updating")
        return {}


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()
