"""``cloudfn emulator``: a local, stateful stand-in for the WeChat logistics backend.

    from cloudfn.emulator import running
    with running() as emu:            # 127.0.0.1, a free port, in-memory data
        emu.base_url                  # "http://127.0.0.1:PORT" -> CLOUDFN_API_BASE

Importing this package is cheap: SQLite, the HTTP server and the model load on start().
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, Mapping, Optional, Union

if TYPE_CHECKING:
    from .clock import Clock
    from .credentials import Credentials
    from .faults import FaultTable
    from .gateway import Gateway
    from .models import Backend
    from .movement import Mover
    from .pipeline import Calls, Pipeline
    from .push import Pusher
    from .server import EmulatorServer
    from .store import Store

DEMO_APPID = "wx0000000000000000"
DEMO_SECRET = "cloudfn-demo-secret"

__all__ = ["DEMO_APPID", "DEMO_SECRET", "Emulator", "running"]


@dataclass
class Parts:
    """What a started emulator is made of, each called by name on start, reset and stop."""

    store: "Store"
    credentials: "Credentials"
    backend: "Backend"
    faults: "FaultTable"
    calls: "Calls"
    pipeline: "Pipeline"
    gateway: "Gateway"
    pusher: "Pusher"
    mover: "Mover"
    server: "EmulatorServer"


def _apps(appid: Optional[str], secret: Optional[str], apps: Optional[Mapping[str, str]]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    if appid or secret or not apps:
        out[appid or DEMO_APPID] = secret or (dict(apps or {}).get(appid or "") or DEMO_SECRET)
    for key, value in (apps or {}).items():
        out.setdefault(key, value)
    return out


def _env_number(value: Optional[float], env: str, default: float) -> float:
    return float(value if value is not None else (os.environ.get(env) or default))


def _push_options(retries: Optional[int], backoff: Optional[float], timeout: Optional[float]) -> Dict[str, Any]:
    """Push retry settings: the argument, else the environment variable, else WeChat's defaults."""
    return {"push_retries": int(_env_number(retries, "CLOUDFN_PUSH_RETRIES", 3)), "push_backoff": _env_number(backoff, "CLOUDFN_PUSH_BACKOFF", 0.5),
            "push_timeout": _env_number(timeout, "CLOUDFN_PUSH_TIMEOUT", 5.0)}


class Emulator:
    """One emulator: a backend (state), a gateway and a pusher behind one HTTP server.

    ``apps`` (``{"wx...": "secret", ...}``) serves several mini programs; the first (or
    ``appid``/``secret``) is the default one. ``seed`` is a snapshot (a dict or a JSON file path)
    loaded at start. Every option: docs/emulator/index.md.
    """

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
        *,
        apps: Optional[Mapping[str, str]] = None,
        push_retries: Optional[int] = None,
        push_backoff: Optional[float] = None,
        push_timeout: Optional[float] = None,
        max_events: int = 1000,
        max_connections: int = 256,
        allow_hosts: Iterable[str] = (),
        auto_advance: Optional[float] = None,
        failure_share: float = 0.0,
        seed: Union[str, Mapping[str, Any], None] = None,
        tc3_key: Optional[str] = None,
        fault_seed: Optional[int] = None,
        track_seed: Optional[int] = None,
        faults: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        from .clock import Clock

        self.host, self.port, self.data, self.strict = host, port, data, strict
        self.apps = _apps(appid, secret, apps)
        self.appid, self.secret = next(iter(self.apps.items()))
        self.cloudbase_token, self.token_ttl, self.seed = cloudbase_token, token_ttl, seed
        self.clock: Clock = Clock()
        self.options: Dict[str, Any] = {
            "host": host, "port": port, "data": data, "appid": self.appid, "cloudbase_token": cloudbase_token, "token_ttl": token_ttl,
            "strict": strict, "push_url": push_url, "push_token": push_token, "push_aes_key": push_aes_key, "push_format": push_format,
            "provider_url": provider_url, **_push_options(push_retries, push_backoff, push_timeout), "max_events": max_events,
            "max_connections": max_connections, "allow_hosts": list(allow_hosts), "auto_advance": auto_advance,
            "failure_share": failure_share, "fault_seed": fault_seed, "track_seed": track_seed, "faults": [dict(f) for f in faults],
            "tc3_key": tc3_key or os.environ.get("CLOUDFN_EMULATOR_TC3_KEY") or None,
        }
        self.parts: Optional[Parts] = None
        self._thread: Optional[threading.Thread] = None

    def __repr__(self) -> str:
        state = "running" if self._thread else "stopped"
        return f"<Emulator {self.base_url} appid={self.appid!r} apps={len(self.apps)} data={self.data!r} {state}>"

    @property
    def base_url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def started(self) -> Parts:
        """The parts of the started emulator; RuntimeError before start()."""
        if self.parts is None:
            raise RuntimeError("the emulator is not started: call start() first")
        return self.parts

    backend = property(lambda self: self.started().backend, doc="The backend (state and logic).")
    server = property(lambda self: self.started().server, doc="The HTTP server (``add_route``).")
    gateway = property(lambda self: self.started().gateway, doc="The cloud-call gateway (``POST /admin``).")
    pusher = property(lambda self: self.started().pusher, doc="The message pusher and its event record.")
    faults = property(lambda self: self.started().faults, doc="Pending injected faults.")
    mover = property(lambda self: self.started().mover, doc="Moves waybills along their tracks.")

    def _compose(self) -> Parts:
        from .credentials import Credentials
        from .faults import FaultTable
        from .gateway import Gateway
        from .models import Backend
        from .movement import Mover
        from .pipeline import Calls, Pipeline
        from .push import Pusher
        from .routes import Admin, api_routes
        from .server import EmulatorServer
        from .store import Store

        o = self.options
        store = Store(self.data)
        try:
            credentials = Credentials(self.apps, store, self.clock, self.token_ttl, self.cloudbase_token)
            backend = Backend(store, credentials)
            faults, calls = FaultTable(o["fault_seed"]), Calls()
            for rule in o["faults"]:
                faults.add(rule)  # a bad rule: ValueError before the port is bound
            pipeline = Pipeline(backend, faults, calls)
            pusher = Pusher(self.appid, o["push_url"], o["push_token"], o["push_aes_key"], (o["push_format"] or "json").lower(),
                            o["provider_url"], o["push_retries"], o["push_backoff"], o["push_timeout"], o["max_events"])
            mover = Mover(backend.order_book, store, self.clock, o["auto_advance"], o["failure_share"], o["track_seed"])
            server = EmulatorServer((self.host, self.port), max_connections=o["max_connections"], allow_hosts=o["allow_hosts"])
        except BaseException:
            store.close()
            raise
        gateway = Gateway(pipeline, credentials, self.strict, o["tc3_key"])
        parts = Parts(store, credentials, backend, faults, calls, pipeline, gateway, pusher, mover, server)
        if pusher.push_url:
            backend.subscribe(pusher.listener, blocks=False)  # it queues the push for its own thread
        if pusher.has_provider:
            backend.provider = pusher.provider
        routes = api_routes(pipeline, lambda q: credentials.authenticate(q.get("access_token"), q.get("cloudbase_access_token")))
        # the calls that go through the pipeline run on the server's loop while nothing can make them wait
        quick = {(m, p) for m, p, _ in routes} | {("POST", "/admin"), ("GET", "/cgi-bin/token"), ("POST", "/cgi-bin/stable_token")}
        routes += [("POST", "/admin", gateway.handle_admin), ("POST", "/_emulator/api-tokens", gateway.handle_tokens)]
        for method, path, handler in routes + Admin(self).routes():
            server.add_route(method, path, handler, pipeline.nonblocking if (method, path) in quick else None)
        return parts

    def start(self) -> "Emulator":
        """Open the data file, bind the port, load the seed, serve in a daemon thread."""
        if self._thread is not None:
            return self
        parts = self.parts = self._compose()
        self.port = parts.server.server_address[1]
        try:
            if self.seed is not None:
                self.import_state(self.seed if not isinstance(self.seed, str) else _read_json(self.seed))
        except BaseException:
            parts.server.server_close()
            parts.store.close()
            raise
        self._thread = threading.Thread(target=parts.server.serve_forever, name="cloudfn-emulator", daemon=True)
        self._thread.start()
        parts.server.ready.wait(timeout=10)
        parts.mover.start()
        return self

    def stop(self) -> None:
        """Stop moving waybills and pushing, stop serving, end open connections, close the data file."""
        parts = self.parts
        if parts is None:
            return
        parts.mover.stop()
        parts.pusher.close()
        if self._thread is not None:
            parts.server.shutdown()
            self._thread.join(timeout=5)
            parts.server.server_close()
        self._thread = None
        parts.backend.close()

    def reset(self) -> None:
        """Forget accounts, printers, orders, pending faults, call counts and recorded events (tokens stay)."""
        if self.parts is not None:
            self.parts.backend.reset()
            self.parts.faults.clear()
            self.parts.calls.clear()
            self.parts.pusher.clear()

    @property
    def calls(self) -> Dict[str, int]:
        """Requests per API name since the last reset."""
        return self.parts.calls.snapshot() if self.parts is not None else {}

    def export_state(self, with_tokens: bool = False) -> Dict[str, Any]:
        """The whole state as a JSON-able snapshot (secrets and access tokens only when asked)."""
        from .snapshot import export_state

        p = self.started()
        return export_state(p.store, p.credentials, p.pusher, self.clock, p.faults, with_tokens)

    def import_state(self, doc: Any) -> None:
        """Replace the state with a snapshot; ValueError when it is malformed."""
        from .snapshot import import_state

        p = self.started()
        import_state(doc, p.store, p.credentials, p.pusher, self.clock, p.faults)

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the snapshot {path}: {exc}") from None


@contextlib.contextmanager
def running(**options: Any) -> Iterator[Emulator]:
    """Start an emulator for the block: ``with running(port=0) as emu: ...``."""
    emulator = Emulator(**options).start()
    try:
        yield emulator
    finally:
        emulator.stop()
