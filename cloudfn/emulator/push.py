"""The emulator as WeChat's message-push sender: path events to the business, order events to a provider.

The :class:`Emulator` always composes one :class:`Pusher` (constructor and CLI options
``push_url``, ``push_token``, ``push_aes_key``, ``push_format``, ``provider_url``,
``push_retries``, ``push_backoff``, ``push_timeout``, ``max_events``):

- ``push_url``: every ``add_express_path`` event of the backend (an order's path changed) is
  POSTed there, signed like WeChat (``signature``, ``timestamp``, ``nonce`` query parameters;
  with ``push_aes_key`` safe mode: body ``{ToUserName, Encrypt}``, ``encrypt_type=aes`` and
  ``msg_signature``), JSON or XML (``push_format``). Delivery runs on a background thread; a
  failed attempt (connection error, non-200) is retried up to ``retries`` times (WeChat: 3)
  with a doubling backoff, each attempt freshly signed.
- ``provider_url``: ``backend.provider`` becomes a callable that POSTs ``add_waybill``,
  ``cancel_waybill``, ``check_biz`` and ``get_quota`` to the provider synchronously, signed
  the same way, and returns the provider's (decrypted) reply dict, or None when there is no
  usable answer. ``provider_url`` is one URL for every carrier, or ``"SF=url,ZTO=url"`` per
  delivery id (``*=url`` or a bare URL in the list is the fallback).

Every event is recorded with its attempts and outcome: ``GET /_emulator/events``
(``?event=NAME``, ``?outcome=delivered|failed|pending|answered``); ``emulator.reset()`` clears
the record. The record keeps the newest ``max_events`` (default 1000) events; the delivery queue
holds at most ``max_queue`` pushes (beyond that a push is recorded as failed, not sent).
"""

from __future__ import annotations

import copy
import logging
import queue
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .. import redact
from ..errors import CloudSDKError
from ..events import crypto, wire
from .event_log import EventLog
from .messages import PROVIDER_EVENTS, PUSH_EVENTS

log = logging.getLogger("cloudfn.emulator.push")

EVENTS_PATH = "/_emulator/events"
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
DEFAULT_TIMEOUT = 5.0
MAX_EVENTS = 1000
MAX_QUEUE = 10000
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never through a proxy
_DEFAULT = urllib.request.build_opener()
_MAPPING_ITEM = re.compile(r"^\s*([A-Za-z0-9_*-]+)\s*=\s*(\S+://\S+)\s*$")


def parse_provider_urls(spec: str) -> Tuple[Optional[str], Dict[str, str]]:
    """(fallback URL, {delivery id: URL}) from ``URL`` or ``"SF=url,ZTO=url[,*=url]"``."""
    default: Optional[str] = None
    per_id: Dict[str, str] = {}
    for item in (s for s in spec.split(",") if s.strip()):
        m = _MAPPING_ITEM.match(item)
        if m and m.group(1) != "*":
            per_id[m.group(1)] = m.group(2)
        elif m:
            default = m.group(2)
        elif "://" in item:
            default = item.strip()
        else:
            raise ValueError(f"provider_url item {item.strip()!r} is neither a URL nor DELIVERYID=URL")
    return default, per_id


class Pusher:
    """Signs, sends, retries and records the emulator's pushes."""

    def __init__(
        self,
        appid: str,
        push_url: Optional[str] = None,
        token: Optional[str] = None,
        aes_key: Optional[str] = None,
        fmt: str = "json",
        provider_url: Optional[str] = None,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        timeout: float = DEFAULT_TIMEOUT,
        max_events: int = MAX_EVENTS,
        max_queue: int = MAX_QUEUE,
    ) -> None:
        if fmt not in ("json", "xml"):
            raise ValueError(f"push_format must be 'json' or 'xml', got {fmt!r}")
        if aes_key:
            crypto.aes_key(aes_key)  # a bad key fails at start, not on the first push
        self.appid = appid
        self.push_url = push_url
        self.token = token or ""
        self.aes_key = aes_key or None
        self.fmt = fmt
        self.provider_default, self.provider_urls = parse_provider_urls(provider_url) if provider_url else (None, {})
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.timeout = float(timeout)
        redact.register(self.token, self.aes_key)
        self.log = EventLog(max_events)
        self.max_queue = int(max_queue)
        self._lock = threading.Lock()
        self._queue: "queue.Queue[Optional[Dict[str, Any]]]" = queue.Queue()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._worker: Optional[threading.Thread] = None
        self._closed = False

    # -- records ---------------------------------------------------------------------------
    def _record(self, event: str, direction: str, url: Optional[str], payload: Mapping[str, Any]) -> Dict[str, Any]:
        return self.log.add(event, direction, url, payload, self.fmt, bool(self.aes_key))

    def events(self, event: Optional[str] = None, outcome: Optional[str] = None) -> List[Dict[str, Any]]:
        """Copies of the recorded events, oldest first, optionally filtered."""
        return self.log.events(event, outcome)

    def clear(self) -> None:
        """Forget every recorded event (deliveries under way still finish)."""
        self.log.clear()

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until no push delivery is queued or running; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # -- wire ------------------------------------------------------------------------------
    def signed(self, message: Mapping[str, Any]) -> Tuple[Dict[str, str], bytes]:
        """(query, body) of one signed push of ``message`` (fresh timestamp and nonce)."""
        ts = str(int(time.time()))
        nonce = str(secrets.randbelow(9 * 10**9) + 10**9)
        query = {"signature": crypto.signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if self.aes_key:
            enc = crypto.encrypt(wire.dumps(dict(message), self.fmt), self.aes_key, self.appid)
            body = wire.dumps({"ToUserName": message.get("ToUserName", ""), "Encrypt": enc}, self.fmt)
            query.update({"encrypt_type": "aes", "msg_signature": crypto.msg_signature(self.token, ts, nonce, enc)})
        else:
            body = wire.dumps(dict(message), self.fmt)
        return query, body.encode("utf-8")

    def _post(self, url: str, message: Mapping[str, Any]) -> Tuple[int, bytes]:
        query, body = self.signed(message)
        sep = "&" if urllib.parse.urlsplit(url).query else "?"
        ctype = "application/xml; charset=utf-8" if self.fmt == "xml" else "application/json; charset=utf-8"
        req = urllib.request.Request(url + sep + urllib.parse.urlencode(query), data=body, method="POST", headers={"Content-Type": ctype})
        host = urllib.parse.urlsplit(url).hostname or ""
        opener = _DIRECT if host in ("127.0.0.1", "localhost", "::1") else _DEFAULT
        try:
            with opener.open(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read() or b""

    def _attempts(self, rec: Dict[str, Any], url: str, message: Mapping[str, Any], accept: Callable[[int, bytes], Any]) -> Any:
        """Up to 1 + retries attempts; ``accept`` returns the result or raises ValueError."""
        delay = self.backoff
        for n in range(1, self.retries + 2):
            attempt: Dict[str, Any] = {"attempt": n, "at": round(time.time(), 3), "status": None, "error": None}
            try:
                status, body = self._post(url, message)
                attempt["status"] = status
                attempt["body"] = body[:2000].decode("utf-8", "replace")
                result = accept(status, body)
                self.log.attempt(rec, attempt)
                return result
            except (OSError, ValueError, CloudSDKError) as exc:
                attempt["error"] = redact.redact(str(exc) or exc.__class__.__name__)
                self.log.attempt(rec, attempt)
            if self._closed:
                break
            if n <= self.retries:
                time.sleep(delay)
                delay *= 2
        raise LookupError("no attempt succeeded")

    # -- business pushes (async) -----------------------------------------------------------
    def listener(self, event: str, payload: Dict[str, Any]) -> None:
        """``backend.subscribe`` hook: queue a push of a business event (``add_express_path``)."""
        if event not in PUSH_EVENTS or not self.push_url or self._closed:
            return
        rec = self._record(event, "push", self.push_url, payload)
        with self._lock:
            full = self._pending >= self.max_queue
            self._pending += 0 if full else 1
        if full:
            self.log.attempt(rec, {"attempt": 0, "error": f"delivery queue full ({self.max_queue} pushes)"})
            self.log.finish(rec, "failed")
            return
        self._ensure_worker()
        self._queue.put({"rec": rec, "message": copy.deepcopy(payload)})

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="cloudfn-push", daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            rec = job["rec"]
            try:
                self._deliver(rec, job["message"])
            except Exception:  # never let one push kill the worker
                log.exception("push delivery crashed")
                self.log.finish(rec, "failed")
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, rec: Dict[str, Any], message: Dict[str, Any]) -> None:
        def accept(status: int, body: bytes) -> str:
            if status != 200:
                raise ValueError(f"HTTP {status}")
            return body.decode("utf-8", "replace")

        try:
            reply = self._attempts(rec, self.push_url or "", message, accept)
        except LookupError:
            log.warning("push of %s to %s failed after %d attempts", rec["event"], self.push_url, len(rec["attempts"]))
            self.log.finish(rec, "failed")
            return
        self.log.finish(rec, "delivered", reply)

    # -- provider events (sync) ------------------------------------------------------------
    def provider_for(self, payload: Mapping[str, Any]) -> Optional[str]:
        """The provider URL for the payload's delivery id (or the fallback)."""
        delivery = payload.get("DeliveryID") or payload.get("DeliveryId") or payload.get("delivery_id")
        if delivery and str(delivery) in self.provider_urls:
            return self.provider_urls[str(delivery)]
        if not delivery and self.provider_default is None and len(self.provider_urls) == 1:
            return next(iter(self.provider_urls.values()))  # check_biz / get_quota carry no delivery id
        return self.provider_default

    def read_reply(self, body: bytes) -> Dict[str, Any]:
        """A provider's reply dict: JSON or XML, decrypted (and its MsgSignature checked) when encrypted."""
        reply, _ = wire.loads(body)
        if "Encrypt" in reply:
            enc = str(reply["Encrypt"])
            expected = crypto.msg_signature(self.token, reply.get("TimeStamp", ""), reply.get("Nonce", ""), enc)
            if not crypto.same(str(reply.get("MsgSignature", "")), expected):
                raise ValueError("reply MsgSignature does not match")
            reply, _ = wire.loads(crypto.decrypt(enc, self.aes_key or "", self.appid))
        return reply

    def provider(self, event: str, payload: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """``backend.provider``: push a provider event and return its reply (None: no usable answer)."""
        url = self.provider_for(payload)
        rec = self._record(event, "provider", url, payload)
        problem = None if url else "no provider_url for this delivery id"
        if event not in PROVIDER_EVENTS:
            problem = f"{event} is no provider event of the model"
        if problem or not url:
            self.log.attempt(rec, {"attempt": 0, "error": problem})
            self.log.finish(rec, "failed")
            return None

        def accept(status: int, body: bytes) -> Dict[str, Any]:
            if status != 200:
                raise ValueError(f"HTTP {status}")
            return self.read_reply(body)

        try:
            reply = self._attempts(rec, url, payload, accept)
        except LookupError:
            log.warning("provider event %s to %s got no usable reply", event, url)
            self.log.finish(rec, "failed")
            return None
        self.log.finish(rec, "answered", reply)
        return reply

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the delivery thread (queued pushes are dropped)."""
        self._closed = True
        self._queue.put(None)

    @property
    def has_provider(self) -> bool:
        return bool(self.provider_default or self.provider_urls)

    def export(self) -> List[Dict[str, Any]]:
        """The event record (a snapshot's ``events``)."""
        return self.events()

    def load(self, records: List[Dict[str, Any]]) -> None:
        """Replace the event record (a snapshot import); ids continue after the highest one."""
        self.log.load(records)
