"""``cloudbase``: the WeChat API with a ``cloudbase_access_token`` (WeChat Cloud Run).

The token comes from ``WX_CLOUDBASE_ACCESSTOKEN``, else from the file the platform
keeps current (``/.tencentcloudbase/wx/cloudbase_access_token``, overridable with
``CLOUDFN_CLOUDBASE_TOKEN_FILE``), re-read whenever the file changes. No token
endpoint is ever called. On a token error the file is read again and, if the
platform has rotated the token meanwhile, the call is sent once more.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Optional, Tuple

from .. import redact
from ..errors import TCB_RESOURCE_NOT_INITIALIZED, CloudSDKError, fail_msg
from .base import Request, Response
from .http import HttpTransport
from .https import token_error


class CloudbaseTransport(HttpTransport):
    name = "cloudbase"

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self._fixed: Optional[str] = config.cloudbase_token
        self.path = config.cloudbase_token_file
        self._cached: Optional[Tuple[Tuple[int, int], str]] = None
        self._lock = threading.Lock()
        redact.register(self._fixed)

    def __repr__(self) -> str:
        source = "WX_CLOUDBASE_ACCESSTOKEN" if self._fixed else self.path
        return f"<CloudbaseTransport token from {source} base={self.base!r}>"

    def token(self, request: Request) -> str:
        if self._fixed:
            return self._fixed
        try:
            st = os.stat(self.path)
        except OSError:
            raise CloudSDKError(
                TCB_RESOURCE_NOT_INITIALIZED,
                fail_msg(request.display, f"no cloudbase_access_token: set WX_CLOUDBASE_ACCESSTOKEN or provide the file {self.path}"),
            ) from None
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._cached is None or self._cached[0] != stamp:
                with open(self.path, encoding="utf-8") as f:
                    value = f.read().strip()
                redact.register(value)
                self._cached = (stamp, value)
            return self._cached[1]

    def send(self, request: Request) -> Response:
        token = self.token(request)
        response = self.http(request, request.path, {"cloudbase_access_token": token}, request.body)
        if token_error(response):
            fresh = self.reread(request, token)
            if fresh is not None:
                response = self.http(request, request.path, {"cloudbase_access_token": fresh}, request.body)
        return response

    def reread(self, request: Request, rejected: str) -> Optional[str]:
        """After a token error: the token file read again, if the platform has rotated it since; else None."""
        if self._fixed:
            return None
        with self._lock:
            self._cached = None
        fresh = self.token(request)
        return fresh if fresh != rejected else None
