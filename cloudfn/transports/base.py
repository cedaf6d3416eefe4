"""The transport interface: one method turning a :class:`Request` into a :class:`Response`.

The call path (``cloudfn.core``) builds the request, picks no transport itself, and
shapes the response; a transport only moves bytes and raises :class:`CloudSDKError`
for what goes wrong on the way (translated at its one boundary).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ..config import Config


class Request:
    """One open-API call as the call path hands it to a transport."""

    __slots__ = ("api", "appid", "body", "data", "display", "idempotent", "method", "path", "timeout")

    def __init__(
        self,
        api: str,
        method: str,
        path: str,
        data: Dict[str, Any],
        body: Optional[bytes],
        idempotent: bool,
        timeout: float,
        appid: Optional[str] = None,
        display: str = "",
    ) -> None:
        self.api = api  # "logistics.bindAccount"
        self.method = method  # "GET" | "POST"
        self.path = path  # "/cgi-bin/express/business/account/bind"
        self.data = data  # wire (snake_case) body; the cloud call sends it key by key
        self.body = body  # the same as JSON, or None for GET
        self.idempotent = idempotent  # safe to repeat after it may have reached the server
        self.timeout = timeout  # seconds
        self.appid = appid  # call on behalf of another mini program
        self.display = display  # "openapi.logistics.bindAccount", for messages

    def __repr__(self) -> str:  # no body: it may carry a password
        return f"<Request {self.method} {self.path} ({self.api})>"


class Response:
    """What came back: HTTP status, content type, body, and a platform error code (cloud call)."""

    __slots__ = ("body", "content_type", "error_code", "request", "status")

    def __init__(self, status: int, content_type: str, body: bytes, error_code: int = 0, request: Optional[Request] = None) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body
        self.error_code = error_code  # a platform error carried beside the body (cloud call)
        self.request = request  # the call it answers: its secrets are masked if the reply echoes them

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Response):
            return NotImplemented
        return (self.status, self.content_type, self.body, self.error_code) == (other.status, other.content_type, other.body, other.error_code)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.content_type!r} {len(self.body)} bytes error_code={self.error_code}>"


class Transport:
    """Base class of transports."""

    name = "base"

    def __init__(self, config: Config) -> None:
        self.config = config

    def send(self, request: Request) -> Response:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"
