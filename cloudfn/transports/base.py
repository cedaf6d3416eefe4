"""The transport interface: one method turning a :class:`Request` into a :class:`Response`.

The call path (``cloudfn.core``) builds the request, picks no transport itself, and
shapes the response; a transport only moves bytes and raises :class:`CloudSDKError`
for what goes wrong on the way (translated at its one boundary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from ..config import Config


@dataclass
class Request:
    api: str  # "logistics.bindAccount"
    method: str  # "GET" | "POST"
    path: str  # "/cgi-bin/express/business/account/bind"
    data: Dict[str, Any]  # wire (snake_case) body; the cloud call sends it key by key
    body: Optional[bytes]  # the same as JSON, or None for GET
    idempotent: bool  # safe to repeat after it may have reached the server
    timeout: float  # seconds
    appid: Optional[str] = None  # call on behalf of another mini program
    display: str = field(default="")  # "openapi.logistics.bindAccount", for messages


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    error_code: int = 0  # a platform error carried beside the body (cloud call)


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
