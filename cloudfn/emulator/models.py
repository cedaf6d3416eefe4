"""State and behaviour of the emulated WeChat logistics platform (moto-style backend).

:class:`Backend` owns one SQLite connection guarded by a lock. File databases run in
WAL mode with ``synchronous=NORMAL``: a write is acknowledged only after its
transaction committed into the WAL file, so it survives ``kill -9`` of the emulator
(the OS still holds the file's pages); only a power cut can lose the last commits.

Every logistics method is ``Backend.handle(name, snake_body, appid) -> reply dict``;
the HTTP layer (``server.py``) only authenticates, parses and serialises.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import spec
from ..validate import validate_body
from . import DEMO_APPID, DEMO_SECRET
from .carriers import CARRIERS, CASH_BIZ_IDS, TEST_BIZ_ID, TEST_DELIVERY_ID, delivery_list, needs_password, service_types

log = logging.getLogger("cloudfn.emulator")

DEFAULT_QUOTA = 1000
UNLIMITED_QUOTA = 99999
WRONG_PASSWORD = "wrong"
SYSTEM_OPENID = "oEmulatorWeChatTeam0000000000"
# Path items that mean the parcel is with the carrier: an order with one cannot be cancelled.
TRACE_TYPES = frozenset({100001, 200001, 300002, 300003, 300004})
CANCELLED = 400001
PATH_CACHE_SIZE = 10000

Provider = Callable[[str, Dict[str, Any]], Optional[Dict[str, Any]]]
Listener = Callable[[str, Dict[str, Any]], None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, appid TEXT NOT NULL, expires_at REAL NOT NULL, stable INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS accounts (
    appid TEXT NOT NULL, delivery_id TEXT NOT NULL, biz_id TEXT NOT NULL, password TEXT NOT NULL DEFAULT '',
    status_code INTEGER NOT NULL, alias TEXT NOT NULL DEFAULT '', remark_content TEXT NOT NULL DEFAULT '',
    remark_wrong_msg TEXT NOT NULL DEFAULT '', quota_num INTEGER NOT NULL, quota_update_time INTEGER NOT NULL,
    create_time INTEGER NOT NULL, update_time INTEGER NOT NULL, PRIMARY KEY (appid, delivery_id, biz_id));
CREATE TABLE IF NOT EXISTS printers (
    appid TEXT NOT NULL, openid TEXT NOT NULL, tagid_list TEXT NOT NULL DEFAULT '', update_time INTEGER NOT NULL,
    PRIMARY KEY (appid, openid));
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY, appid TEXT NOT NULL, order_id TEXT NOT NULL, delivery_id TEXT NOT NULL,
    biz_id TEXT NOT NULL, waybill_id TEXT NOT NULL UNIQUE, token TEXT NOT NULL, openid TEXT NOT NULL DEFAULT '',
    order_status INTEGER NOT NULL DEFAULT 0, fingerprint TEXT NOT NULL, body TEXT NOT NULL, waybill_data TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT '[]', version INTEGER NOT NULL DEFAULT 0, create_time INTEGER NOT NULL,
    UNIQUE (appid, order_id));
"""

_rid_counter = itertools.count(1)


def rid() -> str:
    """A request id like WeChat's (``rid: 65a1b2c3-0000002a-9f8e7d6c``)."""
    return f"{int(time.time()):08x}-{next(_rid_counter) & 0xFFFFFFFF:08x}-{os.urandom(4).hex()}"


def error(code: int, message: str, **extra: Any) -> Dict[str, Any]:
    """A WeChat error reply: errcode, errmsg ending in `` rid: ...``, then extra fields."""
    reply: Dict[str, Any] = {"errcode": code, "errmsg": f"{message} rid: {rid()}"}
    reply.update(extra)
    return reply


def ok(**fields: Any) -> Dict[str, Any]:
    reply: Dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
    reply.update(fields)
    return reply


_PREFIX = {9300526: "argument size over limit"}


def validation_error(method: Dict[str, Any], body: Any) -> Optional[Dict[str, Any]]:
    """The WeChat reply for an invalid body, or None when it is valid."""
    if not isinstance(body, dict):
        return error(47001, "data format error hint: request body must be a JSON object")
    problems = validate_body(method["request"], body, method.get("request_one_of", ()))
    if not problems:
        return None
    first = next((p for p in problems if p.errcode), problems[0])
    code = first.errcode or spec.model()["server_errcodes"].get(first.kind, 47001)
    prefix = _PREFIX.get(code, "data format error")
    hint = "; ".join(p.render(camel=False) for p in problems[:5])
    return error(code, f"{prefix} hint: {hint}")


def _pascal_person(p: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "Name": p.get("name", ""), "Tel": p.get("tel", ""), "Mobile": p.get("mobile", ""), "Company": p.get("company", ""),
        "PostCode": p.get("post_code", ""), "Country": p.get("country") or "中国", "Province": p.get("province", ""),
        "City": p.get("city", ""), "Area": p.get("area", ""), "Address": p.get("address", ""),
    }


def parse_waybill_data(text: str) -> Optional[List[Dict[str, str]]]:
    """``##k1##v1##k2##v2##`` -> [{key, value}], None when malformed."""
    if not isinstance(text, str):
        return None
    if text in ("", "####"):
        return []
    if not (text.startswith("##") and text.endswith("##")):
        return None
    parts = text[2:-2].split("##")
    if len(parts) % 2:
        return None
    return [{"key": parts[i], "value": parts[i + 1]} for i in range(0, len(parts), 2)]


def _code(value: Any) -> Optional[int]:
    """A provider reply's number (JSON number or XML text), None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


_PLACEHOLDER = re.compile(r"\$\{\s*([^{}\s]+)\s*\}|\{\{\s*([^{}\s]+)\s*\}\}")


class Backend:
    """The emulated platform: tokens, accounts, printers, orders and paths, in SQLite."""

    def __init__(self, data: str = ":memory:", appid: str = DEMO_APPID, secret: str = DEMO_SECRET,
                 cloudbase_token: Optional[str] = None, token_ttl: int = 7200) -> None:
        self.data = data
        self.appid = appid
        self._secret = secret
        self.cloudbase_token = cloudbase_token
        self.token_ttl = int(token_ttl)
        self.provider: Optional[Provider] = None
        self._listeners: List[Listener] = []
        self._lock = threading.RLock()
        self._closed = False
        if data != ":memory:":
            directory = os.path.dirname(os.path.abspath(data))
            os.makedirs(directory, exist_ok=True)
        self._db = sqlite3.connect(data, check_same_thread=False, isolation_level=None)
        if data != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._tokens: Dict[str, Tuple[str, float]] = {}
        # (appid, waybill_id) -> (delivery_id, openid, path items): getPath without the lock or SQLite
        self._path_cache: Dict[Tuple[str, str], Tuple[str, str, List[Dict[str, Any]]]] = {}
        self._stable: Dict[str, str] = {}
        now = time.time()
        for token, owner, expires_at, stable in self._db.execute("SELECT token, appid, expires_at, stable FROM tokens"):
            self._tokens[token] = (owner, expires_at)
            if stable and expires_at > now:
                self._stable[owner] = token
        self._delivery_reply = ok(count=len(CARRIERS), data=delivery_list())

    def __repr__(self) -> str:
        return f"<Backend data={self.data!r} appid={self.appid!r}>"

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()

    # ------------------------------------------------------------------ plumbing

    def subscribe(self, fn: Listener) -> None:
        """Call ``fn(event, payload)`` after each committed path change."""
        self._listeners.append(fn)

    def _emit(self, event: str, payload: Dict[str, Any]) -> None:
        for fn in list(self._listeners):
            try:
                fn(event, payload)
            except Exception:  # a listener never breaks the API call
                log.exception("emulator listener failed for %s", event)

    def _ask_provider(self, event: str, payload: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        provider = self.provider
        if provider is None:
            return None
        base = {"ToUserName": "gh_emulator_provider", "FromUserName": SYSTEM_OPENID, "CreateTime": int(time.time()),
                "MsgType": "event", "Event": event}
        base.update(payload)
        reply = provider(event, base)
        return reply if isinstance(reply, dict) else None

    def _tx(self, statements: List[Tuple[str, tuple]]) -> None:
        """Run statements in one transaction (caller holds the lock)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for sql, args in statements:
                db.execute(sql, args)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def reset(self) -> None:
        """Forget accounts, printers and orders (issued access tokens stay valid)."""
        with self._lock:
            self._tx([("DELETE FROM accounts", ()), ("DELETE FROM printers", ()), ("DELETE FROM orders", ())])
            self._path_cache.clear()

    # ------------------------------------------------------------------ tokens

    def issue_token(self, appid: Any, secret: Any, grant_type: Any = "client_credential", stable: bool = False,
                    force_refresh: bool = False) -> Dict[str, Any]:
        """Reply of ``/cgi-bin/token`` (stable=False) or ``/cgi-bin/stable_token``."""
        if grant_type != "client_credential":
            return error(40002, "invalid grant_type")
        if not appid or not isinstance(appid, str):
            return error(41002, "appid missing")
        if not secret or not isinstance(secret, str):
            return error(41004, "appsecret missing")
        if appid != self.appid:
            return error(40013, "invalid appid")
        if not secrets.compare_digest(secret.encode(), self._secret.encode()):
            return error(40125, "invalid appsecret")
        now = time.time()
        with self._lock:
            if stable and not force_refresh:
                current = self._stable.get(appid)
                if current is not None:
                    _, expires_at = self._tokens.get(current, ("", 0.0))
                    if expires_at - now > 60:
                        return {"access_token": current, "expires_in": int(expires_at - now)}
            token = "EMU_" + secrets.token_urlsafe(48)
            expires_at = now + self.token_ttl
            self._tx([("DELETE FROM tokens WHERE expires_at < ?", (now - 86400,)),
                      ("INSERT INTO tokens (token, appid, expires_at, stable) VALUES (?, ?, ?, ?)", (token, appid, expires_at, int(stable)))])
            self._tokens = {k: v for k, v in self._tokens.items() if v[1] >= now - 86400}
            self._tokens[token] = (appid, expires_at)
            if stable:
                self._stable[appid] = token
        return {"access_token": token, "expires_in": self.token_ttl}

    def authenticate(self, access_token: Optional[str], cloudbase_token: Optional[str]) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
        """(appid, None) for a valid credential, else (None, error reply)."""
        if access_token:
            entry = self._tokens.get(access_token)
            if entry is None:
                return None, error(40001, "invalid credential, access_token is invalid or not latest")
            if entry[1] <= time.time():
                return None, error(42001, "access_token expired")
            return entry[0], None
        if cloudbase_token:
            if self.cloudbase_token and secrets.compare_digest(cloudbase_token.encode(), self.cloudbase_token.encode()):
                return self.appid, None
            return None, error(40001, "invalid credential, cloudbase_access_token is invalid")
        return None, error(40001, "invalid credential, access_token missing")

    def expire_tokens(self) -> int:
        """Make every issued access token expired (clients then meet 42001)."""
        past = time.time() - 1
        with self._lock:
            self._tx([("UPDATE tokens SET expires_at = ?", (past,))])
            self._tokens = {k: (v[0], past) for k, v in self._tokens.items()}
            self._stable.clear()
            return len(self._tokens)

    # ------------------------------------------------------------------ dispatch

    def handle(self, name: str, body: Any, appid: str) -> Dict[str, Any]:
        """Run logistics method ``name`` on a snake_case ``body`` for ``appid``."""
        method = spec.method(name)
        handler = getattr(self, "_m_" + name, None)
        if method is None or handler is None:
            return error(40066, f"invalid url: no logistics method {name!r}")
        if body is None:
            body = {}
        problem = validation_error(method, body)
        if problem is not None:
            return problem
        try:
            return handler(body, appid)
        except Exception:  # a bug or a closed database: WeChat's "system error", never an exception to the caller
            if not self._closed:  # a request still in flight while the emulator stops is no bug
                log.exception("emulator: %s failed", name)
            return error(-1, "system error")

    # ------------------------------------------------------------------ carriers, accounts

    def _m_getAllDelivery(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        return dict(self._delivery_reply)  # built once; callers get their own top level

    def _account(self, appid: str, delivery_id: str, biz_id: str) -> Optional[sqlite3.Row]:
        cur = self._db.execute(
            "SELECT status_code, password, quota_num FROM accounts WHERE appid = ? AND delivery_id = ? AND biz_id = ?",
            (appid, delivery_id, biz_id))
        return cur.fetchone()

    def _m_bindAccount(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        kind, biz_id, delivery_id = body["type"], body["biz_id"], body["delivery_id"]
        password = body.get("password") or ""
        remark = body.get("remark_content") or ""
        if delivery_id not in CARRIERS:
            return error(9300503, f"delivery_id not registered: {delivery_id}")
        now = int(time.time())
        with self._lock:
            existing = self._account(appid, delivery_id, biz_id)
            if kind == "unbind":
                if existing is None:
                    return error(9300530, "biz_id not exist, unbind failed")
                self._tx([("DELETE FROM accounts WHERE appid = ? AND delivery_id = ? AND biz_id = ?", (appid, delivery_id, biz_id))])
                return ok()
            if existing is not None and existing[0] in (0, 1):
                return error(9300529, "biz_id already bound")
        if password == WRONG_PASSWORD or (needs_password(delivery_id) and not password):
            return error(9300531, "invalid biz_id or password")
        status = 0
        answer = self._ask_provider("check_biz", {"BizID": biz_id, "BizPwd": password, "ShopAppID": appid, "DeliveryID": delivery_id})
        if answer is not None:
            if _code(answer.get("ResultCode", 0)) != 0:
                return error(9300531, f"invalid biz_id or password: {answer.get('ResultMsg', '')}".rstrip(": "))
        elif delivery_id == "EMS" and remark:
            status = 1
        with self._lock:
            existing = self._account(appid, delivery_id, biz_id)
            if existing is not None and existing[0] in (0, 1):
                return error(9300529, "biz_id already bound")
            self._tx([(
                "INSERT OR REPLACE INTO accounts (appid, delivery_id, biz_id, password, status_code, remark_content, "
                "remark_wrong_msg, quota_num, quota_update_time, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)",
                (appid, delivery_id, biz_id, password, status, remark, DEFAULT_QUOTA, now, now, now))])
        if status == 1:
            return error(9300532, "bind request submitted, waiting for review")
        return ok()

    def _m_getAllAccount(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        with self._lock:
            rows = self._db.execute(
                "SELECT biz_id, delivery_id, create_time, update_time, status_code, alias, remark_wrong_msg, remark_content, "
                "quota_num, quota_update_time FROM accounts WHERE appid = ? ORDER BY create_time, delivery_id, biz_id", (appid,)).fetchall()
        items = []
        for r in rows:
            items.append({
                "biz_id": r[0], "delivery_id": r[1], "create_time": r[2], "update_time": r[3], "status_code": r[4],
                "alias": r[5], "remark_wrong_msg": r[6], "remark_content": r[7], "quota_num": r[8],
                "quota_update_time": r[9], "service_type": service_types(r[1]),
            })
        return ok(count=len(items), list=items)

    def _m_getQuota(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        delivery_id, biz_id = body["delivery_id"], body["biz_id"]
        if delivery_id not in CARRIERS:
            return error(9300503, f"delivery_id not registered: {delivery_id}")
        if (delivery_id == TEST_DELIVERY_ID and biz_id == TEST_BIZ_ID) or CASH_BIZ_IDS.get(biz_id) == delivery_id:
            return ok(quota_num=UNLIMITED_QUOTA)
        with self._lock:
            account = self._account(appid, delivery_id, biz_id)
        if account is None or account[0] != 0:
            return error(9300525, "biz_id not bound")
        answer = self._ask_provider("get_quota", {"BizID": biz_id, "BizPwd": account[1], "ShopAppID": appid, "DeliveryID": delivery_id})
        quota = _code(answer.get("Quota")) if answer is not None else None
        if answer is not None and _code(answer.get("ResultCode", 0)) == 0 and quota is not None:
            now = int(time.time())
            with self._lock:
                self._tx([("UPDATE accounts SET quota_num = ?, quota_update_time = ? WHERE appid = ? AND delivery_id = ? AND biz_id = ?",
                           (quota, now, appid, delivery_id, biz_id))])
            return ok(quota_num=quota)
        return ok(quota_num=account[2])

    # ------------------------------------------------------------------ printers

    def _m_updatePrinter(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        openid = body["openid"]
        with self._lock:
            if body["update_type"] == "bind":
                self._tx([("INSERT OR REPLACE INTO printers (appid, openid, tagid_list, update_time) VALUES (?, ?, ?, ?)",
                           (appid, openid, body.get("tagid_list") or "", int(time.time())))])
            else:
                self._tx([("DELETE FROM printers WHERE appid = ? AND openid = ?", (appid, openid))])
        return ok()

    def _m_getPrinter(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT openid, tagid_list FROM printers WHERE appid = ? ORDER BY rowid", (appid,)).fetchall()
        tags: List[str] = []
        for _, tagids in rows:
            for tag in tagids.split(","):
                if tag and tag not in tags:
                    tags.append(tag)
        return ok(count=len(rows), openid=[r[0] for r in rows], tagid_list=tags)

    # ------------------------------------------------------------------ orders

    def _order(self, where: str, args: tuple) -> Optional[Dict[str, Any]]:
        row = self._db.execute(
            "SELECT appid, order_id, delivery_id, biz_id, waybill_id, token, openid, order_status, body, waybill_data, path, "
            f"version, fingerprint FROM orders WHERE {where}", args).fetchone()
        if row is None:
            return None
        keys = ("appid", "order_id", "delivery_id", "biz_id", "waybill_id", "token", "openid", "order_status", "body",
                "waybill_data", "path", "version", "fingerprint")
        return dict(zip(keys, row))

    def _m_addOrder(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        delivery_id, biz_id, order_id = body["delivery_id"], body["biz_id"], body["order_id"]
        carrier = CARRIERS.get(delivery_id)
        if carrier is None:
            return error(9300503, f"delivery_id not registered: {delivery_id}")
        service = body["service"]
        if service["service_type"] not in {t for t, _ in carrier[4]}:
            return error(9300510, f"invalid service_type {service['service_type']} for {delivery_id}")
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        is_test = delivery_id == TEST_DELIVERY_ID
        if is_test and biz_id != TEST_BIZ_ID:
            return error(9300525, "biz_id not bound: the TEST carrier takes biz_id test_biz_id")
        account_bound = not is_test and CASH_BIZ_IDS.get(biz_id) != delivery_id
        with self._lock:
            existing = self._order("appid = ? AND order_id = ?", (appid, order_id))
            if existing is not None:
                return self._repeat(existing, fingerprint)
            password = ""
            if account_bound:
                account = self._account(appid, delivery_id, biz_id)
                if account is None or account[0] != 0:
                    return error(9300525, f"biz_id not bound: bind {delivery_id}/{biz_id} with bindAccount first")
                if account[2] <= 0:
                    return error(9300501, "delivery logic fail", delivery_resultcode=20007, delivery_resultmsg="merchant balance insufficient")
                password = account[1]
            seq = self._next_seq()
        waybill_id = f"{delivery_id}{seq:012d}"
        token = secrets.token_hex(16)
        waybill_data = [] if delivery_id == "EMS" else [
            {"key": f"{delivery_id}_bagAddr", "value": str(body["receiver"].get("city", ""))},
            {"key": f"{delivery_id}_mark", "value": f"{seq % 900 + 100}- 07-03 509"},
        ]
        answer = self._ask_provider("add_waybill", self._waybill_event(body, appid, token, waybill_id, password))
        if answer is not None:
            code = _code(answer.get("ResultCode", 0))
            if code != 0:
                return error(9300501, "delivery logic fail", delivery_resultcode=-1 if code is None else code,
                             delivery_resultmsg=str(answer.get("ResultMsg", "")))
            if answer.get("WayBillID") not in (None, "", "0"):
                waybill_id = str(answer["WayBillID"])
            if "WaybillData" in answer:
                parsed = parse_waybill_data(answer["WaybillData"])
                if parsed is not None:
                    waybill_data = parsed
        now = int(time.time())
        with self._lock:
            existing = self._order("appid = ? AND order_id = ?", (appid, order_id))
            if existing is not None:  # a concurrent identical call won the race
                return self._repeat(existing, fingerprint)
            if self._db.execute("SELECT 1 FROM orders WHERE waybill_id = ?", (waybill_id,)).fetchone():
                return error(9300501, "delivery logic fail", delivery_resultcode=20001, delivery_resultmsg="waybill id already used")
            statements = [(
                "INSERT INTO orders (appid, order_id, delivery_id, biz_id, waybill_id, token, openid, fingerprint, body, "
                "waybill_data, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (appid, order_id, delivery_id, biz_id, waybill_id, token, body.get("openid") or "", fingerprint,
                 json.dumps(body, ensure_ascii=False), json.dumps(waybill_data, ensure_ascii=False), now))]
            if account_bound:
                statements.append(("UPDATE accounts SET quota_num = quota_num - 1, quota_update_time = ? "
                                   "WHERE appid = ? AND delivery_id = ? AND biz_id = ?", (now, appid, delivery_id, biz_id)))
            self._tx(statements)
        return ok(order_id=order_id, waybill_id=waybill_id, waybill_data=waybill_data)

    def _repeat(self, existing: Dict[str, Any], fingerprint: str) -> Dict[str, Any]:
        if existing["fingerprint"] != fingerprint:
            return error(9300522, "this orderid is repeated")
        return ok(order_id=existing["order_id"], waybill_id=existing["waybill_id"], waybill_data=json.loads(existing["waybill_data"]))

    def _next_seq(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        seq = (row[0] if row else 0) + 1
        self._tx([("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (seq,))])
        return seq

    def _waybill_event(self, body: Dict[str, Any], appid: str, token: str, waybill_id: str, password: str) -> Dict[str, Any]:
        cargo, insured, service = body["cargo"], body["insured"], body["service"]
        return {
            "Token": token, "OrderID": body["order_id"], "BizID": body["biz_id"], "BizPwd": password, "ShopAppID": appid,
            "WayBillID": waybill_id, "Remark": body.get("custom_remark", ""), "DeliveryID": body["delivery_id"],
            "Sender": _pascal_person(body["sender"]), "Receiver": _pascal_person(body["receiver"]),
            "Cargo": {"Weight": cargo["weight"], "Space_X": cargo["space_x"], "Space_Y": cargo["space_y"], "Space_Z": cargo["space_z"],
                      "Count": cargo["count"], "DetailList": [{"Name": d.get("name", ""), "Count": d.get("count", 0)} for d in cargo["detail_list"]]},
            "Insured": {"UseInsured": insured["use_insured"], "InsuredValue": insured["insured_value"]},
            "Service": {"ServiceType": service["service_type"], "ServiceName": service["service_name"]},
        }

    def _label(self, order: Dict[str, Any], print_type: int) -> str:
        body = json.loads(order["body"])
        e = html.escape

        def person(p: Dict[str, Any]) -> str:
            phone = p.get("mobile") or p.get("tel") or ""
            where = "".join(str(p.get(k, "")) for k in ("province", "city", "area", "address"))
            return f"{e(str(p.get('name', '')))} {e(str(phone))}<br>{e(where)}"

        data = "".join(f"<tr><th>{e(d['key'])}</th><td>{e(d['value'])}</td></tr>" for d in json.loads(order["waybill_data"]))
        name = CARRIERS.get(order["delivery_id"], (order["delivery_id"],))[0]
        parts = "一联单" if print_type == 1 else "二联单"
        page = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(order["waybill_id"])}</title></head><body>'
            f'<div class="waybill" data-print-type="{print_type}"><h1>{e(name)} ({parts})</h1>'
            f'<p class="waybill-id">{e(order["waybill_id"])}</p><p class="order-id">{e(order["order_id"])}</p>'
            f'<div class="receiver">收 {person(body["receiver"])}</div><div class="sender">寄 {person(body["sender"])}</div>'
            f'<table class="waybill-data">{data}</table><p class="remark">{e(str(body.get("custom_remark", "")))}</p></div></body></html>'
        )
        return base64.b64encode(page.encode("utf-8")).decode("ascii")

    def _order_info(self, order: Dict[str, Any], print_type: int = 0) -> Dict[str, Any]:
        return {
            "print_html": self._label(order, print_type), "waybill_data": json.loads(order["waybill_data"]),
            "delivery_id": order["delivery_id"], "waybill_id": order["waybill_id"], "order_id": order["order_id"],
            "order_status": order["order_status"],
        }

    def _find_order(self, appid: str, order_id: str, delivery_id: str, waybill_id: Optional[str]) -> Optional[Dict[str, Any]]:
        with self._lock:
            order = self._order("appid = ? AND order_id = ?", (appid, order_id))
        if order is None or order["delivery_id"] != delivery_id or (waybill_id and order["waybill_id"] != waybill_id):
            return None
        return order

    def _m_getOrder(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        order = self._find_order(appid, body["order_id"], body["delivery_id"], body.get("waybill_id"))
        if order is None:
            return error(930563, "order not exists")
        return ok(**self._order_info(order, body.get("print_type", 0)))

    def _m_batchGetOrder(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        results = []
        for item in body["order_list"]:
            order = self._find_order(appid, item["order_id"], item["delivery_id"], item.get("waybill_id"))
            if order is None:
                results.append({"errcode": 930563, "errmsg": "order not exists", "order_id": item["order_id"],
                                "delivery_id": item["delivery_id"], "waybill_id": item.get("waybill_id", "")})
            else:
                results.append({"errcode": 0, "errmsg": "ok", **self._order_info(order)})
        return ok(order_list=results)

    def _append_path(self, order: Dict[str, Any], items: List[Dict[str, Any]], extra: List[Tuple[str, tuple]] = ()) -> Dict[str, Any]:
        """Append path items to an order in one transaction (caller holds the lock); returns the event."""
        path = json.loads(order["path"]) + items
        version = order["version"] + 1
        status = 1 if any(i["action_type"] == CANCELLED for i in items) else order["order_status"]
        self._tx([("UPDATE orders SET path = ?, version = ?, order_status = ? WHERE waybill_id = ?",
                   (json.dumps(path, ensure_ascii=False), version, status, order["waybill_id"]))] + list(extra))
        self._path_cache.pop((order["appid"], order["waybill_id"]), None)
        return {
            "ToUserName": order["appid"], "FromUserName": order["openid"] or SYSTEM_OPENID, "CreateTime": int(time.time()),
            "MsgType": "event", "Event": "add_express_path", "DeliveryID": order["delivery_id"], "WayBillId": order["waybill_id"],
            "OrderId": order["order_id"], "Version": version, "Count": len(path),
            "Actions": [{"ActionTime": i["action_time"], "ActionType": i["action_type"], "ActionMsg": i["action_msg"]} for i in path],
        }

    def _m_cancelOrder(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        with self._lock:
            order = self._order("appid = ? AND order_id = ?", (appid, body["order_id"]))
            if order is None or order["delivery_id"] != body["delivery_id"]:
                return error(930563, "order not exists")
            if order["waybill_id"] != body["waybill_id"]:
                return error(40199, "waybill_id not found")
            if order["order_status"] == 1:
                return error(9300524, "cancel failed: order already cancelled")
            if any(i["action_type"] in TRACE_TYPES for i in json.loads(order["path"])):
                return error(9300506, "waybill already has trace, can not cancel")
        answer = self._ask_provider("cancel_waybill", {"OrderID": order["order_id"], "BizID": order["biz_id"], "BizPwd": "",
                                                       "ShopAppID": appid, "WayBillID": order["waybill_id"], "DeliveryID": order["delivery_id"]})
        code = _code(answer.get("ResultCode", 0)) if answer is not None else 0
        if code != 0:
            return error(9300501, "delivery logic fail", delivery_resultcode=-1 if code is None else code,
                         delivery_resultmsg=str(answer.get("ResultMsg", "")))
        with self._lock:
            order = self._order("waybill_id = ?", (order["waybill_id"],))
            if order is None:
                return error(930563, "order not exists")
            if order["order_status"] == 1:
                return error(9300524, "cancel failed: order already cancelled")
            event = self._append_path(order, [{"action_time": int(time.time()), "action_type": CANCELLED, "action_msg": "订单已取消"}])
        self._emit("add_express_path", event)
        return ok(delivery_resultcode=0, delivery_resultmsg="success")

    def _m_getPath(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        key = (appid, body["waybill_id"])
        row = self._path_cache.get(key)  # lock-free read: the hot path of the benchmark
        if row is None:
            with self._lock:
                found = self._db.execute("SELECT delivery_id, openid, path FROM orders WHERE waybill_id = ? AND appid = ?", key[::-1]).fetchone()
                if found is None:
                    return error(40199, "waybill_id not found")
                row = (found[0], found[1], json.loads(found[2]))
                if len(self._path_cache) >= PATH_CACHE_SIZE:
                    self._path_cache.clear()
                self._path_cache[key] = row
        if row[0] != body["delivery_id"]:
            return error(40199, "waybill_id not found")
        path = [dict(item) for item in row[2]]  # the cached items stay untouched whatever the caller does
        return ok(openid=row[1], delivery_id=row[0], waybill_id=body["waybill_id"], path_item_num=len(path), path_item_list=path)

    def _m_testUpdateOrder(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        item = {"action_time": body["action_time"], "action_type": body["action_type"], "action_msg": body["action_msg"]}
        with self._lock:
            order = self._order("appid = ? AND order_id = ?", (appid, body["order_id"]))
            if (order is None or order["delivery_id"] != TEST_DELIVERY_ID or order["biz_id"] != TEST_BIZ_ID
                    or order["waybill_id"] != body["waybill_id"]):
                return error(930563, "order not exists")
            event = self._append_path(order, [item])
        self._emit("add_express_path", event)
        return ok()

    # ------------------------------------------------------------------ provider side

    def _by_token(self, token: str, waybill_id: str) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
        order = self._order("waybill_id = ?", (waybill_id,))
        if order is None:
            return None, error(40199, "waybill_id not found")
        if not secrets.compare_digest(order["token"].encode(), token.encode()):
            return None, error(9300507, "invalid token")
        return order, None

    def _m_updatePath(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        item = {"action_time": body["action_time"], "action_type": body["action_type"], "action_msg": body["action_msg"]}
        with self._lock:
            order, problem = self._by_token(body["token"], body["waybill_id"])
            if problem is not None:
                return problem
            event = self._append_path(order, [item])
        self._emit("add_express_path", event)
        return ok()

    def _m_getContact(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        with self._lock:
            order, problem = self._by_token(body["token"], body["waybill_id"])
        if problem is not None:
            return problem
        data = json.loads(order["body"])

        def contact(p: Dict[str, Any]) -> Dict[str, Any]:
            where = "".join(str(p.get(k, "")) for k in ("province", "city", "area", "address"))
            return {"address": where, "name": p.get("name", ""), "tel": p.get("tel", ""), "mobile": p.get("mobile", "")}

        return ok(waybill_id=order["waybill_id"], sender=contact(data["sender"]), receiver=contact(data["receiver"]))

    def _m_previewTemplate(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        try:
            template = base64.b64decode(body["waybill_template"], validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return error(9300512, "template format error: waybill_template must be base64 of UTF-8 HTML")
        data = parse_waybill_data(body["waybill_data"])
        if data is None:
            return error(9300502, "waybill_data format error: expected ##key##value##...")
        values = {"waybilldata." + d["key"]: d["value"] for d in data}
        values["sys.waybillid"] = body["waybill_id"]
        values["sys.wxaappid"] = appid
        custom = body["custom"]

        def lookup(name: str) -> str:
            if name in values:
                return values[name]
            if name.startswith("custom."):
                node: Any = custom
                for part in name[len("custom."):].replace("[", ".").replace("]", "").split("."):
                    if isinstance(node, dict):
                        node = node.get(part)
                    elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                        node = node[int(part)]
                    else:
                        node = None
                    if node is None:
                        return ""
                return "" if isinstance(node, (dict, list)) else str(node)
            return ""

        rendered = _PLACEHOLDER.sub(lambda m: html.escape(lookup(m.group(1) or m.group(2))), template)
        return ok(waybill_id=body["waybill_id"], rendered_waybill_template=base64.b64encode(rendered.encode("utf-8")).decode("ascii"))

    def _m_updateBusiness(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        shop, biz_id = body["shop_app_id"], body["biz_id"]
        now = int(time.time())
        with self._lock:
            rows = self._db.execute("SELECT delivery_id, status_code FROM accounts WHERE appid = ? AND biz_id = ?", (shop, biz_id)).fetchall()
            pending = [r[0] for r in rows if r[1] == 1]
            if not pending:
                known = shop == self.appid or self._db.execute("SELECT 1 FROM accounts WHERE appid = ? LIMIT 1", (shop,)).fetchone()
                if not known:
                    return error(40013, "invalid appid: unknown shop_app_id")
                return error(9300525, "biz_id never applied for review")
            approved = body["result_code"] == 0
            self._tx([(
                "UPDATE accounts SET status_code = ?, remark_wrong_msg = ?, update_time = ? WHERE appid = ? AND biz_id = ? AND status_code = 1",
                (0 if approved else 2, "" if approved else (body.get("result_msg") or "review rejected"), now, shop, biz_id))])
        return ok()

    # ------------------------------------------------------------------ admin

    def orders(self) -> List[Dict[str, Any]]:
        """Every order, for ``GET /_emulator/orders``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT appid, order_id, waybill_id, delivery_id, biz_id, order_status, token, openid, path, version, create_time "
                "FROM orders ORDER BY id").fetchall()
        return [{
            "appid": r[0], "order_id": r[1], "waybill_id": r[2], "delivery_id": r[3], "biz_id": r[4], "status": r[5],
            "token": r[6], "openid": r[7], "path": json.loads(r[8]), "version": r[9], "create_time": r[10],
        } for r in rows]

    def bulk_orders(self, count: int, appid: Optional[str] = None, prefix: str = "bulk") -> None:
        """Insert ``count`` TEST orders directly (benchmarks); same rows addOrder writes."""
        appid = appid or self.appid
        body = {"delivery_id": TEST_DELIVERY_ID, "biz_id": TEST_BIZ_ID, "add_source": 0, "openid": "oBulk",
                "sender": {"name": "s", "mobile": "13800000000", "province": "广东省", "city": "广州市", "area": "海珠区", "address": "x"},
                "receiver": {"name": "r", "mobile": "13900000000", "province": "广东省", "city": "深圳市", "area": "南山区", "address": "y"},
                "cargo": {"count": 1, "weight": 1, "space_x": 1, "space_y": 1, "space_z": 1, "detail_list": [{"name": "g", "count": 1}]},
                "shop": {"goods_name": "g", "goods_count": 1, "img_url": "http://x/y.png"}, "insured": {"use_insured": 0, "insured_value": 0},
                "service": {"service_type": 0, "service_name": "test_service"}}
        now = int(time.time())
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
            start = (row[0] if row else 0) + 1
            rows = []
            for n in range(start, start + count):
                order = dict(body, order_id=f"{prefix}-{n}")
                text = json.dumps(order, ensure_ascii=False)
                rows.append((appid, order["order_id"], TEST_DELIVERY_ID, TEST_BIZ_ID, f"TEST{n:012d}", secrets.token_hex(16), "oBulk",
                             hashlib.sha256(text.encode()).hexdigest(), text, "[]", now))
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO orders (appid, order_id, delivery_id, biz_id, waybill_id, token, openid, fingerprint, body, "
                           "waybill_data, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (start + count - 1,))
            db.execute("COMMIT")
