"""Printers: updatePrinter, getPrinter."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from .store import Printer, Store
from .wechat import ok


class Printers:
    def __init__(self, store: Store, now: Callable[[], float]) -> None:
        self.store = store
        self._now = now

    def update_printer(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        if body["update_type"] == "bind":
            self.store.put_printer(Printer(appid, body["openid"], body.get("tagid_list") or "", int(self._now())))
        else:
            self.store.delete_printer(appid, body["openid"])
        return ok()

    def get_printer(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        printers = self.store.printers(appid)
        tags: List[str] = []
        for printer in printers:
            for tag in printer.tagid_list.split(","):
                if tag and tag not in tags:
                    tags.append(tag)
        return ok(count=len(printers), openid=[p.openid for p in printers], tagid_list=tags)
