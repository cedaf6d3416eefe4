"""Snapshots: the whole emulator state as one JSON document, and back.

``{"version": 1, "clock", "tokens" (the token service: apps, counters; secrets and access tokens
only when asked), "accounts", "printers", "orders" (with paths and provider tokens), "seq" (the
waybill sequence), "events" (the push record), "faults" (rules and the generator's state)}``. Export -> import -> export is identical, and a
document from a file-backed emulator restores into an in-memory one (and back).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Mapping, Type, TypeVar

from .accounts import hash_password, is_hash
from .clock import Clock
from .credentials import Credentials
from .faults import FaultTable
from .push import Pusher
from .store import Account, Order, Printer, Store

VERSION = 1
T = TypeVar("T")


def export_state(store: Store, credentials: Credentials, pusher: Pusher, clock: Clock, faults: FaultTable,
                 with_tokens: bool = False) -> Dict[str, Any]:
    with store.lock:
        return {
            "version": VERSION,
            "clock": clock.export(),
            "tokens": credentials.export(with_tokens),
            "accounts": [dataclasses.asdict(a) for a in store.accounts()],
            "printers": [dataclasses.asdict(p) for p in store.printers()],
            "orders": [dataclasses.asdict(o) for o in store.orders()],
            "seq": store.seq(),
            "events": pusher.export(),
            "faults": faults.export(),
        }


def _records(cls: Type[T], items: Any, name: str) -> List[T]:
    if not isinstance(items, list):
        raise ValueError(f"{name} must be a list")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) - names:
            raise ValueError(f"{name}[{i}] must be an object with the fields {sorted(names)}")
        try:
            out.append(cls(**item))
        except TypeError as exc:
            raise ValueError(f"{name}[{i}]: {exc}") from None
    return out


def import_state(doc: Any, store: Store, credentials: Credentials, pusher: Pusher, clock: Clock, faults: FaultTable) -> None:
    """Replace the state with a snapshot; ValueError (nothing changed) when it is malformed."""
    if not isinstance(doc, Mapping) or doc.get("version") != VERSION:
        raise ValueError(f"a snapshot is a JSON object with \"version\": {VERSION}")
    accounts = _records(Account, doc.get("accounts", []), "accounts")
    for account in accounts:  # a hand-written seed may hold plain passwords: stored hashed all the same
        if not is_hash(account.password):
            account.password = hash_password(account.password)
    printers = _records(Printer, doc.get("printers", []), "printers")
    orders = _records(Order, doc.get("orders", []), "orders")
    seq = doc.get("seq", 0)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValueError("seq must be a non-negative integer")
    events = doc.get("events", [])
    if not isinstance(events, list):
        raise ValueError("events must be a list")
    if "faults" in doc:
        faults.load(doc["faults"])
    if "clock" in doc:
        clock.load(doc["clock"])
    if "tokens" in doc:
        credentials.load(doc["tokens"])
    store.replace(accounts, printers, orders, seq)
    pusher.load(events)
