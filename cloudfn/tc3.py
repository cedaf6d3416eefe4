"""CloudBase's TC3-HMAC-SHA256 request signature (the ``tcb`` variant, with signed params).

This is the variant ``@cloudbase/node-sdk`` sends to the ``/admin`` gateway, which
differs from the plain Tencent Cloud API v3 signature in three ways:

- the canonical request is ``method`` (as given, lower case for the SDK), the URL without
  scheme and query (``//host/admin``), the raw query string, the canonical headers, the
  signed header names and a *params hash*;
- the params hash is a SHA-256 over ``&name=`` + value + ``\\r\\n`` for each non-empty
  request parameter, names lower-cased and sorted (binary values, such as the protobuf
  ``requestData`` of a multipart request, are hashed as they are; text is trimmed);
- the ``Authorization`` value lists the hashed names:
  ``TC3-HMAC-SHA256 Credential=<id>/<date>/tcb/tc3_request, SignedParams=a;b,
  SignedHeaders=c;d, Signature=<hex>``.

Header names are lower-cased, values lower-cased and trimmed, and a multipart content
type is reduced to ``multipart/form-data`` (its boundary is not signed). Keys are ordered
as JavaScript's ``localeCompare`` orders them (punctuation before digits before letters).
The secret key never leaves :func:`signature`; nothing here logs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import quote, urlsplit

ALGORITHM = "TC3-HMAC-SHA256"
SERVICE = "tcb"
MULTIPART = "multipart/form-data"

# ICU root collation for the characters that occur in header and parameter names.
_ORDER = {c: i for i, c in enumerate("_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz")}


def _collate(key: str) -> Tuple[int, ...]:
    return tuple(_ORDER.get(c, 1000 + ord(c)) for c in key)


def _safe(name: str) -> str:
    """encodeURIComponent plus ! ' ( ) * escaped, on the lower-cased, trimmed name."""
    return quote(name.lower().strip(), safe="-_.~")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def canonical_headers(headers: Mapping[str, Any]) -> Tuple[List[str], str]:
    """(sorted signed header names, ``name:value\\n`` lines) for ``headers``."""
    formatted: Dict[str, str] = {}
    for name, value in headers.items():
        if not name or value is None:
            continue
        key = _safe(name)
        if key == "content-type":
            text = str(value)
            formatted[key] = MULTIPART if text.startswith(MULTIPART) else text
            continue
        formatted[key] = _text(value).strip().lower()
    names = sorted(formatted, key=_collate)
    return names, "".join(f"{n}:{formatted[n]}\n" for n in names)


def params_hash(params: Mapping[str, Any], only: Optional[List[str]] = None) -> Tuple[str, List[str]]:
    """(hex SHA-256 of the parameters, the names hashed, in order)."""
    formatted: Dict[str, Any] = {}
    for name, value in params.items():
        if not name or value is None:
            continue
        key = _safe(name)
        formatted[key] = bytes(value) if isinstance(value, (bytes, bytearray)) else _text(value).strip()
    names = only if only is not None else sorted(formatted, key=_collate)
    digest = hashlib.sha256()
    hashed = []
    for name in names:
        value = formatted.get(name)
        if not value:  # JavaScript: empty strings and absent values are skipped
            continue
        hashed.append(name)
        digest.update(f"&{name}=".encode())
        digest.update(value if isinstance(value, bytes) else value.encode("utf-8"))
        digest.update(b"\r\n")
    return digest.hexdigest(), hashed


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signature(secret_key: str, timestamp: int, canonical_request: str) -> str:
    """The hex signature of a canonical request at ``timestamp`` (seconds)."""
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    scope = f"{date}/{SERVICE}/tc3_request"
    to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), SERVICE), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical_request(method: str, url: str, header_lines: str, header_names: List[str], payload_hash: str) -> str:
    parts = urlsplit(url)
    signed_url = re.sub(r"^https?:", "", url).split("?")[0]
    return f"{method}\n{signed_url}\n{parts.query}\n{header_lines}\n{';'.join(header_names)}\n{payload_hash}"


def sign(
    secret_id: str,
    secret_key: str,
    method: str,
    url: str,
    headers: Mapping[str, Any],
    params: Mapping[str, Any],
    timestamp: Optional[int] = None,
) -> Tuple[str, int]:
    """``(Authorization value, timestamp)`` for a request; ``headers`` must hold host and content-type."""
    timestamp = int(time.time()) - 1 if timestamp is None else int(timestamp)
    names, lines = canonical_headers(headers)
    payload, hashed = params_hash(params) if method.upper() != "GET" else (hashlib.sha256(b"").hexdigest(), [])
    digest = signature(secret_key, timestamp, canonical_request(method, url, lines, names, payload))
    date = time.strftime("%Y-%m-%d", time.gmtime(timestamp))
    authorization = (
        f"{ALGORITHM} Credential={secret_id}/{date}/{SERVICE}/tc3_request, SignedParams={';'.join(hashed)}, "
        f"SignedHeaders={';'.join(names)}, Signature={digest}"
    )
    return authorization, timestamp


@dataclass
class Authorization:
    """A parsed ``Authorization`` header."""

    secret_id: str
    date: str
    signed_params: List[str]
    signed_headers: List[str]
    signature: str


_AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/,\s]*)/(?P<date>\d{4}-\d{2}-\d{2})/tcb/tc3_request,"
    r"(?: SignedParams=(?P<params>[^,]*),)? SignedHeaders=(?P<headers>[^,]*), Signature=(?P<sig>[0-9a-f]{64})$"
)


def parse_authorization(value: str) -> Optional[Authorization]:
    m = _AUTH.match(value or "")
    if not m:
        return None
    split = lambda s: [x for x in (s or "").split(";") if x]  # noqa: E731
    return Authorization(m["id"], m["date"], split(m["params"]), split(m["headers"]), m["sig"])


def verify(
    secret_key: str,
    method: str,
    url: str,
    headers: Mapping[str, Any],
    params: Mapping[str, Any],
    authorization: str,
    timestamp: int,
) -> bool:
    """Does ``authorization`` sign this request with ``secret_key``? (server side; constant-time compare)."""
    auth = parse_authorization(authorization)
    if auth is None:
        return False
    lower = {k.lower(): v for k, v in headers.items()}
    if any(name not in lower for name in auth.signed_headers):
        return False
    names, lines = canonical_headers({name: lower[name] for name in auth.signed_headers})
    payload, _ = params_hash(params, only=auth.signed_params)
    for candidate in (method, method.lower(), method.upper()):
        expected = signature(secret_key, int(timestamp), canonical_request(candidate, url, lines, names, payload))
        if hmac.compare_digest(expected, auth.signature):
            return True
    return False
