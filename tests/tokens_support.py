"""Loopback stand-ins for the token tests: WeChat's stable_token rules, a hanging endpoint, redis-server.

``PlatformStub`` implements POST /cgi-bin/stable_token as the official page
(获取稳定版接口调用凭据) describes it, on a clock the test moves: normal mode returns the
current token and renews it in its last 5 minutes (old and new both valid until the old
one expires); ``force_refresh`` invalidates the current token, at most 20 times a day and
not within 30 s of the previous one (then it does not refresh). ``poison(appid)`` makes
the API refuse the current token (40001) while normal mode keeps returning it: the case
that needs force_refresh. getPath answers ok for a valid token.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any, Deque, Dict, Iterator, List, Optional, Set, Tuple
from urllib.parse import parse_qsl, urlsplit

from cloudfn.tokens.keeper import china_day
from tests.stub_server import LoopbackHandler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


@dataclass
class _App:
    secret: str
    current: Optional[str] = None
    expires_at: float = 0.0
    previous: Optional[str] = None
    previous_until: float = 0.0
    force_day: str = ""
    force_count: int = 0
    force_last: Optional[float] = None
    poisoned: Set[str] = field(default_factory=set)


class PlatformStub:
    """The stable_token rules and a token-checking getPath, on 127.0.0.1."""

    def __init__(self, apps: Dict[str, str], token_ttl: int = 7200, token_delay: float = 0.0) -> None:
        self.apps = {appid: _App(secret) for appid, secret in apps.items()}
        self.token_ttl = token_ttl
        self.token_delay = token_delay
        self.offset = 0.0
        self.token_requests: List[Tuple[str, bool]] = []  # (appid, force_refresh) as they arrive
        self.api_tokens: List[str] = []
        self.token_replies: Deque[Tuple[int, Dict[str, Any]]] = deque()
        self.hold = threading.Event()  # while set, stable_token requests wait (released by clear + release)
        self.release = threading.Event()
        self.token_seen = threading.Event()
        self.owner: Dict[str, str] = {}  # token -> appid
        self._n = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(LoopbackHandler):
            def do_POST(self) -> None:
                body = self.read_body()
                parts = urlsplit(self.path)
                if parts.path == "/cgi-bin/stable_token":
                    status, reply = stub._stable_token(json.loads(body or b"{}"))
                else:
                    status, reply = 200, stub._api(dict(parse_qsl(parts.query)).get("access_token", ""))
                self.reply(status, "application/json", json.dumps(reply).encode())

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> "PlatformStub":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # the test's controls -------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def poison(self, appid: str) -> str:
        """The API refuses the current token from now on; normal mode still returns it."""
        with self._lock:
            app = self.apps[appid]
            assert app.current is not None
            app.poisoned.add(app.current)
            return app.current

    def requests(self, appid: Optional[str] = None, force: Optional[bool] = None) -> List[Tuple[str, bool]]:
        with self._lock:
            return [r for r in self.token_requests if (appid is None or r[0] == appid) and (force is None or r[1] == force)]

    # the platform ----------------------------------------------------------------------
    def _issue(self, appid: str, app: _App, now: float) -> None:
        self._n += 1
        app.current = f"STABLE-{appid}-{self._n}-tokenvalue"
        app.expires_at = now + self.token_ttl
        self.owner[app.current] = appid

    def _stable_token(self, body: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
        appid, force = str(body.get("appid")), bool(body.get("force_refresh"))
        with self._lock:
            self.token_requests.append((appid, force))
        self.token_seen.set()
        if self.hold.is_set():
            self.release.wait(60)
        if self.token_delay:
            time.sleep(self.token_delay)
        with self._lock:
            if self.token_replies:
                return self.token_replies.popleft()
            app = self.apps.get(appid)
            if app is None:
                return 200, {"errcode": 40013, "errmsg": "invalid appid"}
            if body.get("secret") != app.secret:
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
            now = self.now()
            if force:
                day = china_day(now)
                if app.force_day != day:
                    app.force_day, app.force_count = day, 0
                if app.force_count >= 20:
                    return 200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
                app.force_count += 1
                if app.force_last is None or now - app.force_last >= 30:  # within 30 s it does not refresh
                    app.force_last = now
                    app.previous = None
                    self._issue(appid, app, now)
            elif app.current is None or now >= app.expires_at:
                self._issue(appid, app, now)
            elif now >= app.expires_at - 300 and app.previous != app.current:
                app.previous, app.previous_until = app.current, app.expires_at
                self._issue(appid, app, now)
            return 200, {"access_token": app.current, "expires_in": int(app.expires_at - now)}

    def _api(self, token: str) -> Dict[str, Any]:
        with self._lock:
            self.api_tokens.append(token)
            appid = self.owner.get(token)
            app = self.apps.get(appid or "")
            now = self.now()
            ok = app is not None and token not in app.poisoned
            ok = ok and ((token == app.current and now < app.expires_at) or (token == app.previous and now < app.previous_until))  # type: ignore[union-attr]
        if not ok:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        return {"errcode": 0, "errmsg": "ok", "path_item_num": 0, "path_item_list": []}


class HangingServer:
    """Accepts connections, reads what is sent, never answers; counts token requests."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.token_requests = 0
        self._conns: List[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                with self._lock:
                    self.token_requests += data.count(b"/cgi-bin/stable_token")

    def __enter__(self) -> "HangingServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop = True
        self.sock.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free loopback port; yields its URL (``redis://127.0.0.1:N/0``)."""
    binary = shutil.which("redis-server")
    if binary is None:
        import pytest

        pytest.skip("redis-server is not installed (Debian: apt-get install -y redis-server)")
    port = free_port()
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--protected-mode", "yes"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=os.path.dirname(__file__))
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)
