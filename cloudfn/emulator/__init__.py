"""``cloudfn emulator``: a local, stateful stand-in for the WeChat logistics backend.

    from cloudfn.emulator import running
    with running() as emu:            # 127.0.0.1, a free port, in-memory data
        emu.base_url                  # "http://127.0.0.1:PORT" -> CLOUDFN_API_BASE

Importing this package is cheap: SQLite, the HTTP server and the model load on start().
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, Dict, Iterator, Optional

if TYPE_CHECKING:
    from .models import Backend
    from .server import EmulatorServer

DEMO_APPID = "wx0000000000000000"
DEMO_SECRET = "cloudfn-demo-secret"

__all__ = ["DEMO_APPID", "DEMO_SECRET", "Emulator", "running"]


class Emulator:
    """One emulator: a :class:`Backend` (state) behind an :class:`EmulatorServer` (HTTP)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data: str = ":memory:",
        appid: Optional[str] = None,
        secret: Optional[str] = None,
        cloudbase_token: Optional[str] = None,
        token_ttl: int = 7200,
        strict: bool = False,
        push_url: Optional[str] = None,
        push_token: Optional[str] = None,
        push_aes_key: Optional[str] = None,
        push_format: str = "json",
        provider_url: Optional[str] = None,
    ) -> None:
        self.host = host
        self.port = port
        self.data = data
        self.appid = appid or DEMO_APPID
        self.secret = secret or DEMO_SECRET
        self.cloudbase_token = cloudbase_token
        self.token_ttl = token_ttl
        self.strict = strict
        self.options: Dict[str, Any] = {
            "host": host, "port": port, "data": data, "appid": self.appid, "secret": self.secret,
            "cloudbase_token": cloudbase_token, "token_ttl": token_ttl, "strict": strict, "push_url": push_url,
            "push_token": push_token, "push_aes_key": push_aes_key, "push_format": push_format, "provider_url": provider_url,
        }
        self.backend: Optional[Backend] = None
        self.server: Optional[EmulatorServer] = None
        self._thread: Optional[threading.Thread] = None

    def __repr__(self) -> str:
        state = "running" if self._thread else "stopped"
        return f"<Emulator {self.base_url} appid={self.appid!r} data={self.data!r} {state}>"

    @property
    def base_url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> "Emulator":
        """Open the data file, bind the port, serve in a daemon thread, attach extensions."""
        if self._thread is not None:
            return self
        from .models import Backend
        from .server import EmulatorServer

        self.backend = Backend(self.data, appid=self.appid, secret=self.secret, cloudbase_token=self.cloudbase_token, token_ttl=self.token_ttl)
        try:
            self.server = EmulatorServer(self, (self.host, self.port))
        except BaseException:
            self.backend.close()
            raise
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, name="cloudfn-emulator", daemon=True)
        self._thread.start()
        try:
            self._attach()
        except BaseException:
            self.stop()
            raise
        return self

    def _attach(self) -> None:
        try:
            from . import gateway
        except ImportError:
            gateway = None
        if gateway is not None:
            gateway.attach(self)
        if self.options["push_url"] or self.options["provider_url"]:
            try:
                from . import push
            except ImportError:
                push = None
            if push is not None:
                push.attach(self)

    def stop(self) -> None:
        """Stop serving, end open connections, close the data file."""
        if self.server is not None and self._thread is not None:
            self.server.shutdown()
            self._thread.join(timeout=5)
            self.server.close_connections()
            self.server.server_close()
        self._thread = None
        if self.backend is not None:
            self.backend.close()

    def reset(self) -> None:
        """Forget accounts, printers, orders, pending faults and call counts (tokens stay)."""
        if self.backend is not None:
            self.backend.reset()
        if self.server is not None:
            self.server.faults.clear()
            self.server.calls.clear()

    @property
    def calls(self) -> Dict[str, int]:
        """Requests per API name since the last reset."""
        return self.server.calls.snapshot() if self.server is not None else {}

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


@contextlib.contextmanager
def running(**options: Any) -> Iterator[Emulator]:
    """Start an emulator for the block: ``with running(port=0) as emu: ...``."""
    emulator = Emulator(**options).start()
    try:
        yield emulator
    finally:
        emulator.stop()
