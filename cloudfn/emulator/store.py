"""The emulator's state in SQLite, as named records (:class:`Account`, :class:`Printer`, :class:`Order`).

One connection guarded by one lock. File databases run in WAL mode with
``synchronous=NORMAL``: a write is acknowledged only after its transaction committed into
the WAL file, so it survives ``kill -9`` (only a power cut can lose the last commits).
Resources hold ``store.lock`` around a check-then-write; every write is one transaction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, appid TEXT NOT NULL, expires_at REAL NOT NULL, stable INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS tokens_app ON tokens (appid, stable);
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


@dataclass
class Account:
    """A bound carrier account; ``password`` holds only a salted hash (see ``accounts.hash_password``)."""

    appid: str
    delivery_id: str
    biz_id: str
    password: str
    status_code: int
    quota_num: int
    quota_update_time: int
    create_time: int
    update_time: int
    alias: str = ""
    remark_content: str = ""
    remark_wrong_msg: str = ""


@dataclass
class Printer:
    appid: str
    openid: str
    tagid_list: str
    update_time: int


@dataclass
class Order:
    """An order with its provider token, waybill data and path (``[{action_time, action_type, action_msg}]``)."""

    appid: str
    order_id: str
    delivery_id: str
    biz_id: str
    waybill_id: str
    token: str
    openid: str
    fingerprint: str
    body: Dict[str, Any]
    waybill_data: List[Dict[str, str]]
    create_time: int
    order_status: int = 0
    path: List[Dict[str, Any]] = field(default_factory=list)
    version: int = 0


class PathView(NamedTuple):
    """What getPath reads: one indexed lookup, no whole order."""

    delivery_id: str
    openid: str
    path: List[Dict[str, Any]]


class OrderState(NamedTuple):
    """What lists of orders show (the console): an order without its body and waybill data."""

    appid: str
    order_id: str
    delivery_id: str
    waybill_id: str
    order_status: int
    path: List[Dict[str, Any]]
    create_time: int


_ACCOUNT = [f.name for f in dataclasses.fields(Account)]
_PRINTER = [f.name for f in dataclasses.fields(Printer)]
_ORDER = [f.name for f in dataclasses.fields(Order)]
_JSON_COLUMNS = ("body", "waybill_data", "path")


def _order(row: Sequence[Any]) -> Order:
    values = dict(zip(_ORDER, row))
    for key in _JSON_COLUMNS:
        values[key] = json.loads(values[key])
    return Order(**values)


def _order_row(order: Order) -> Tuple[Any, ...]:
    values = dataclasses.asdict(order)
    return tuple(json.dumps(values[k], ensure_ascii=False) if k in _JSON_COLUMNS else values[k] for k in _ORDER)


class Store:
    """SQLite tables of accounts, printers, orders, issued tokens and the waybill sequence."""

    def __init__(self, data: str = ":memory:") -> None:
        self.data = data
        self.lock = threading.RLock()
        self.closed = False
        if data != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(data)), exist_ok=True)
        self._db = sqlite3.connect(data, check_same_thread=False, isolation_level=None)
        if data != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"<Store {self.data!r}>"

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the block's statements as one transaction."""
        with self.lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _all(self, sql: str, args: Tuple[Any, ...] = ()) -> List[Any]:
        with self.lock:
            return self._db.execute(sql, args).fetchall()

    # -- accounts ---------------------------------------------------------------------------
    def account(self, appid: str, delivery_id: str, biz_id: str) -> Optional[Account]:
        rows = self._all(f"SELECT {', '.join(_ACCOUNT)} FROM accounts WHERE appid = ? AND delivery_id = ? AND biz_id = ?",
                         (appid, delivery_id, biz_id))
        return Account(*rows[0]) if rows else None

    def accounts(self, appid: Optional[str] = None) -> List[Account]:
        where, args = ("WHERE appid = ?", (appid,)) if appid is not None else ("", ())
        rows = self._all(f"SELECT {', '.join(_ACCOUNT)} FROM accounts {where} ORDER BY create_time, delivery_id, biz_id", args)
        return [Account(*r) for r in rows]

    def put_account(self, account: Account) -> None:
        with self.transaction() as db:
            db.execute(f"INSERT OR REPLACE INTO accounts ({', '.join(_ACCOUNT)}) VALUES ({', '.join('?' * len(_ACCOUNT))})",
                       dataclasses.astuple(account))

    def delete_account(self, appid: str, delivery_id: str, biz_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM accounts WHERE appid = ? AND delivery_id = ? AND biz_id = ?", (appid, delivery_id, biz_id))

    # -- printers ---------------------------------------------------------------------------
    def printers(self, appid: Optional[str] = None) -> List[Printer]:
        where, args = ("WHERE appid = ?", (appid,)) if appid is not None else ("", ())
        return [Printer(*r) for r in self._all(f"SELECT {', '.join(_PRINTER)} FROM printers {where} ORDER BY rowid", args)]

    def put_printer(self, printer: Printer) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO printers (appid, openid, tagid_list, update_time) VALUES (?, ?, ?, ?)",
                       dataclasses.astuple(printer))

    def delete_printer(self, appid: str, openid: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM printers WHERE appid = ? AND openid = ?", (appid, openid))

    # -- orders -----------------------------------------------------------------------------
    def order(self, appid: str, order_id: str) -> Optional[Order]:
        rows = self._all(f"SELECT {', '.join(_ORDER)} FROM orders WHERE appid = ? AND order_id = ?", (appid, order_id))
        return _order(rows[0]) if rows else None

    def order_by_waybill(self, waybill_id: str) -> Optional[Order]:
        rows = self._all(f"SELECT {', '.join(_ORDER)} FROM orders WHERE waybill_id = ?", (waybill_id,))
        return _order(rows[0]) if rows else None

    def orders(self, open_only: bool = False) -> List[Order]:
        where = "WHERE order_status = 0" if open_only else ""
        return [_order(r) for r in self._all(f"SELECT {', '.join(_ORDER)} FROM orders {where} ORDER BY id")]

    def order_states(self) -> List[OrderState]:
        """Every order, oldest first, without the columns only one order's page needs (a tenth of the decoding)."""
        rows = self._all(f"SELECT {', '.join(OrderState._fields)} FROM orders ORDER BY id")
        return [OrderState(a, o, d, w, s, json.loads(p), c) for a, o, d, w, s, p, c in rows]

    def path(self, appid: str, waybill_id: str) -> Optional[PathView]:
        rows = self._all("SELECT delivery_id, openid, path FROM orders WHERE waybill_id = ? AND appid = ?", (waybill_id, appid))
        return PathView(rows[0][0], rows[0][1], json.loads(rows[0][2])) if rows else None

    def insert_order(self, order: Order, charge: Optional[Tuple[str, str, str, int]] = None) -> None:
        """Store a new order; ``charge`` = (appid, delivery_id, biz_id, now) takes one from that account's quota."""
        with self.transaction() as db:
            db.execute(f"INSERT INTO orders ({', '.join(_ORDER)}) VALUES ({', '.join('?' * len(_ORDER))})", _order_row(order))
            if charge is not None:
                db.execute("UPDATE accounts SET quota_num = quota_num - 1, quota_update_time = ? WHERE appid = ? AND delivery_id = ? "
                           "AND biz_id = ?", (charge[3], *charge[:3]))

    def save_path(self, order: Order) -> None:
        with self.transaction() as db:
            db.execute("UPDATE orders SET path = ?, version = ?, order_status = ? WHERE waybill_id = ?",
                       (json.dumps(order.path, ensure_ascii=False), order.version, order.order_status, order.waybill_id))

    def waybill_used(self, waybill_id: str) -> bool:
        return bool(self._all("SELECT 1 FROM orders WHERE waybill_id = ?", (waybill_id,)))

    def next_seq(self, count: int = 1) -> int:
        """Reserve ``count`` waybill sequence numbers; the first one."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
            start = (row[0] if row else 0) + 1
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (start + count - 1,))
        return start

    def bulk_orders(self, orders: List[Order]) -> None:
        with self.transaction() as db:
            db.executemany(f"INSERT INTO orders ({', '.join(_ORDER)}) VALUES ({', '.join('?' * len(_ORDER))})",
                           [_order_row(o) for o in orders])

    # -- each app's current tokens -----------------------------------------------------------
    def tokens(self) -> List[Tuple[str, str, float, bool]]:
        return [(r[0], r[1], r[2], bool(r[3])) for r in self._all("SELECT token, appid, expires_at, stable FROM tokens ORDER BY rowid")]

    def save_token(self, token: str, appid: str, expires_at: float, stable: bool) -> None:
        """Record an app's current token of one kind (``stable`` or not): one row per app and kind."""
        with self.transaction() as db:
            db.execute("DELETE FROM tokens WHERE appid = ? AND stable = ? AND token != ?", (appid, int(stable), token))
            db.execute("INSERT OR REPLACE INTO tokens (token, appid, expires_at, stable) VALUES (?, ?, ?, ?)",
                       (token, appid, expires_at, int(stable)))

    def expire_tokens(self, when: float) -> None:
        with self.transaction() as db:
            db.execute("UPDATE tokens SET expires_at = ?", (when,))

    # -- whole state ------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget accounts, printers and orders (tokens and the sequence stay)."""
        with self.transaction() as db:
            for table in ("accounts", "printers", "orders"):
                db.execute(f"DELETE FROM {table}")

    def seq(self) -> int:
        rows = self._all("SELECT value FROM meta WHERE key = 'seq'")
        return rows[0][0] if rows else 0

    def replace(self, accounts: List[Account], printers: List[Printer], orders: List[Order], seq: int) -> None:
        """Replace every account, printer and order (a snapshot import) in one transaction."""
        with self.transaction() as db:
            for table in ("accounts", "printers", "orders"):
                db.execute(f"DELETE FROM {table}")
            db.executemany(f"INSERT INTO accounts ({', '.join(_ACCOUNT)}) VALUES ({', '.join('?' * len(_ACCOUNT))})",
                           [dataclasses.astuple(a) for a in accounts])
            db.executemany("INSERT INTO printers (appid, openid, tagid_list, update_time) VALUES (?, ?, ?, ?)",
                           [dataclasses.astuple(p) for p in printers])
            db.executemany(f"INSERT INTO orders ({', '.join(_ORDER)}) VALUES ({', '.join('?' * len(_ORDER))})",
                           [_order_row(o) for o in orders])
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (seq,))
