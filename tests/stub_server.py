"""A small scripted WeChat API stub on 127.0.0.1, for the core SDK's tests.

It records every request (method, path, query, JSON body) and answers from a script:
per path, a queue of replies (or one default), each a status + content type + body, or
an action: ``drop`` (close the socket without answering) or ``sleep`` seconds first.
The token endpoint issues numbered tokens and counts how often it was asked.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Deque, Dict, List, Optional, Union
from urllib.parse import parse_qsl, urlsplit


class LoopbackHandler(BaseHTTPRequestHandler):
    """Base of the tests' small loopback servers: HTTP/1.1 keep-alive, no logging, body helpers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class LoopbackServer:
    """``handler`` served on 127.0.0.1 (a free port) from a daemon thread, until ``close()``."""

    def __init__(self, handler: type, path: str = "", backlog: int = 128) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.socket.listen(backlog)  # many clients connect at once in these tests; the default backlog is 5
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = self.base_url + path
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Reply:
    body: Union[bytes, str, Dict[str, Any]] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    status: int = 200
    content_type: str = "application/json; encoding=utf-8"
    drop: bool = False  # close the connection without a response
    sleep: float = 0.0  # wait before answering
    echo: bool = False  # replace ECHO in the body with every query and JSON body value of the request

    def payload(self, seen: Optional["Seen"] = None) -> bytes:
        if isinstance(self.body, dict):
            data = json.dumps(self.body, ensure_ascii=False).encode()
        elif isinstance(self.body, str):
            data = self.body.encode()
        else:
            data = self.body
        if self.echo and seen is not None:
            data = data.replace(b"ECHO", " ".join(seen.values()).encode())
        return data


@dataclass
class Seen:
    method: str
    path: str
    query: Dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def values(self) -> List[str]:
        """Every query value and every scalar of the JSON body, as a server echoing the request shows them."""
        out = list(self.query.values())
        stack = [self.json] if self.body else []
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif item is not None:
                out.append(str(item))
        return out


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # waiters released together connect together; the default backlog of 5 resets them


class StubWeChat:
    """The stub server; use as a context manager."""

    def __init__(self, token_ttl: int = 7200, token_delay: float = 0.0) -> None:
        self.token_ttl = token_ttl
        self.token_delay = token_delay
        self.requests: List[Seen] = []
        self.replies: Dict[str, Deque[Reply]] = defaultdict(deque)
        self.defaults: Dict[str, Reply] = {}
        self.tokens_issued = 0
        self.issued_to: Dict[str, Any] = {}  # token -> the appid it was issued to
        self.token_errors: Deque[Dict[str, Any]] = deque()
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query)), body)
                with stub._lock:
                    stub.requests.append(seen)
                reply = stub._reply_for(seen)
                if reply.sleep:
                    time.sleep(reply.sleep)
                if reply.drop:
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                data = reply.payload(seen)
                head = (f"HTTP/1.1 {reply.status} X\r\nContent-Type: {reply.content_type}\r\nContent-Length: {len(data)}\r\n\r\n").encode()
                self.wfile.write(head + data)

            do_GET = do_POST = _handle

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> "StubWeChat":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # scripting -----------------------------------------------------------------------
    def reply(self, path: str, *replies: Reply) -> None:
        """Queue replies for ``path`` (used once each, in order)."""
        self.replies[path].extend(replies)

    def default(self, path: str, reply: Reply) -> None:
        """The reply for ``path`` once its queue is empty."""
        self.defaults[path] = reply

    def calls(self, path: Optional[str] = None) -> List[Seen]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def api_calls(self) -> List[Seen]:
        return [r for r in self.calls() if r.path.startswith("/cgi-bin/express/")]

    def _reply_for(self, seen: Seen) -> Reply:
        if seen.path == "/cgi-bin/stable_token":
            if self.token_delay:
                time.sleep(self.token_delay)
            with self._lock:
                if self.token_errors:
                    return Reply(self.token_errors.popleft())
                self.tokens_issued += 1
                token = f"TOKEN-{self.tokens_issued}-secretvalue"
                self.issued_to[token] = (seen.json or {}).get("appid")
            return Reply({"access_token": token, "expires_in": self.token_ttl})
        with self._lock:
            queue = self.replies.get(seen.path)
            if queue:
                return queue.popleft()
        return self.defaults.get(seen.path, Reply())
