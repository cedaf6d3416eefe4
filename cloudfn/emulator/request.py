"""What a route handler sees and gives back (:class:`EmuRequest`, :class:`Reply`), and the
emulator's lean reader of a request's header block (``read_headers``): the standard library's
``email``-based parser alone halved the request rate. Used by the connection and the routes alike.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Mapping, NamedTuple, Tuple
from urllib.parse import parse_qsl

from .wechat import CONTENT_TYPE, dumps, loads

MAX_HEADER_BYTES = 64 * 1024
MAX_HEADER_LINES = 100


class Reply(NamedTuple):
    status: int
    headers: Dict[str, str]
    body: bytes


def json_reply(value: Any, status: int = 200) -> Reply:
    return Reply(status, {"Content-Type": CONTENT_TYPE}, dumps(value))


class EmuRequest:
    """What a route handler sees; the body is already de-chunked."""

    __slots__ = ("body", "client", "headers", "method", "path", "query")

    def __init__(self, method: str, path: str, query: Dict[str, str], headers: Mapping[str, str], body: bytes, client: Tuple[str, int]) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client

    def json(self) -> Any:
        """The body as JSON (``{}`` when empty); ValueError when it is not JSON."""
        return loads(self.body) if self.body else {}


RouteHandler = Callable[[EmuRequest], Tuple[int, Dict[str, str], bytes]]


class Headers(Dict[str, str]):
    """Request headers: lower-case names, looked up by any case; a repeated header's values joined
    with ", " (so two different Host or Content-Length values are refused, never one picked)."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key.lower())

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key.lower() if isinstance(key, str) else key)


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class HeaderError(ValueError):
    """A header block that is refused; ``status`` is the HTTP answer (400 or 431)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_headers(rfile: Any, max_bytes: int = MAX_HEADER_BYTES, max_lines: int = MAX_HEADER_LINES) -> Headers:
    """The header block up to its empty line: at most ``max_bytes`` in all and ``max_lines`` lines; a
    line without a colon, a name that is no token (spaces before the colon) or a folded line is refused."""
    headers, left = Headers(), max_bytes
    for _ in range(max_lines + 1):
        line = rfile.readline(left + 1)
        left -= len(line)
        if left < 0:
            raise HeaderError(431, f"request headers over {max_bytes} bytes")
        if line in (b"\r\n", b"\n", b""):
            return headers
        name, sep, value = line.decode("iso-8859-1").partition(":")
        if not sep or not _TOKEN.match(name):
            raise HeaderError(400, "malformed header line" if line[:1] not in (b" ", b"\t") else "folded header lines are not accepted")
        key, value = name.lower(), value.strip(" \t\r\n")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    raise HeaderError(431, f"more than {max_lines} header lines")


def query(text: str) -> Dict[str, str]:
    """Query parameters; a plain split when nothing is percent- or plus-encoded."""
    if "%" in text or "+" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    out: Dict[str, str] = {}
    for part in text.split("&"):
        if part:
            key, _, value = part.partition("=")
            out[key] = value
    return out
