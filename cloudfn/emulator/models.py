"""The emulated platform (moto's "backend"): resources over one store, one dispatch table.

``Backend.handle(name, snake_body, appid) -> reply dict`` validates the body against the model,
runs the resource's handler and turns a raised :class:`WeChatError` into ``{errcode, errmsg}``.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional

from .. import spec
from ..validate import validate_body
from .accounts import Accounts
from .credentials import Credentials
from .emitter import Emitter, Listener
from .orders import Orders, admin_view
from .printers import Printers
from .provider import Hook, ProviderExchange
from .rendering import preview_template
from .store import Store
from .wechat import error, reply_of
from .wechat_error import WeChatError

log = logging.getLogger("cloudfn.emulator")

Handler = Callable[[Dict[str, Any], str], Dict[str, Any]]
_PREFIX = {9300526: "argument size over limit"}


def validation_error(method: Dict[str, Any], body: Any) -> Optional[WeChatError]:
    """The WeChat error for an invalid body, or None when it is valid."""
    if not isinstance(body, dict):
        return WeChatError(47001, "data format error hint: request body must be a JSON object")
    problems = validate_body(method["request"], body, method.get("request_one_of", ()))
    if not problems:
        return None
    first = next((p for p in problems if p.errcode), problems[0])
    code = first.errcode or spec.model()["server_errcodes"].get(first.kind, 47001)
    hint = "; ".join(p.render(camel=False) for p in problems[:5])
    return WeChatError(code, f"{_PREFIX.get(code, 'data format error')} hint: {hint}")


class Backend:
    """Accounts, printers, orders (with paths and provider exchanges) and rendering, over ``store``."""

    def __init__(self, store: Store, credentials: Credentials) -> None:
        self.store = store
        self.credentials = credentials
        now = credentials.clock.now
        self.exchange = ProviderExchange(now)
        self.emitter = Emitter()
        self.accounts = Accounts(store, self.exchange, now, lambda: credentials.apps)
        self.printers = Printers(store, now)
        self.order_book = Orders(store, self.accounts, self.exchange, self.emitter, now)
        self._handlers: Dict[str, Handler] = {
            "getAllDelivery": self.accounts.get_all_delivery, "bindAccount": self.accounts.bind_account,
            "getAllAccount": self.accounts.get_all_account, "getQuota": self.accounts.get_quota,
            "updateBusiness": self.accounts.update_business, "updatePrinter": self.printers.update_printer,
            "getPrinter": self.printers.get_printer, "addOrder": self.order_book.add_order, "getOrder": self.order_book.get_order,
            "batchGetOrder": self.order_book.batch_get_order, "cancelOrder": self.order_book.cancel_order,
            "getPath": self.order_book.get_path, "testUpdateOrder": self.order_book.test_update_order,
            "updatePath": self.order_book.update_path, "getContact": self.order_book.get_contact, "previewTemplate": preview_template,
        }
        missing = set(spec.methods()) - set(self._handlers)
        if missing:
            raise RuntimeError(f"the emulator has no handler for {sorted(missing)}")

    def __repr__(self) -> str:
        return f"<Backend data={self.store.data!r} apps={list(self.credentials.apps)}>"

    @property
    def appid(self) -> str:
        return self.credentials.default_appid

    @property
    def provider(self) -> Optional[Hook]:
        """The carrier asked for add_waybill, cancel_waybill, check_biz, get_quota (None: no carrier)."""
        return self.exchange.hook

    @provider.setter
    def provider(self, hook: Optional[Hook]) -> None:
        self.exchange.hook = hook

    def subscribe(self, fn: Listener, blocks: bool = True) -> None:
        """Call ``fn(event, payload)`` after each committed path change (``blocks``: see ``Emitter.subscribe``)."""
        self.emitter.subscribe(fn, blocks)

    def unsubscribe(self, fn: Listener) -> None:
        self.emitter.unsubscribe(fn)

    @property
    def may_block(self) -> bool:
        """Whether a call may wait on something outside the emulator: a carrier hook or a blocking subscriber."""
        return self.exchange.hook is not None or self.emitter.may_block

    def handle(self, name: str, body: Any, appid: str) -> Dict[str, Any]:
        """Run logistics method ``name`` on a snake_case ``body`` for ``appid``: always a reply dict."""
        method = spec.method(name)
        handler = self._handlers.get(name)
        if method is None or handler is None:
            return error(40066, f"invalid url: no logistics method {name!r}")
        body = {} if body is None else body
        problem = validation_error(method, body)
        if problem is not None:
            return reply_of(problem)
        try:
            return handler(body, appid)
        except WeChatError as exc:
            return reply_of(exc)
        except Exception:  # a bug or a closed database: WeChat's "system error", never an exception to the caller
            if not self.store.closed:  # a request still in flight while the emulator stops is no bug
                log.exception("emulator: %s failed", name)
            return error(-1, "system error")

    def orders(self) -> List[Dict[str, Any]]:
        """Every order, for ``GET /_emulator/orders``."""
        return [admin_view(o) for o in self.store.orders()]

    def bulk_orders(self, count: int, appid: Optional[str] = None, prefix: str = "bulk") -> None:
        """Insert ``count`` TEST orders directly (benchmarks)."""
        self.order_book.bulk(count, appid or self.appid, prefix)

    def reset(self) -> None:
        """Forget accounts, printers and orders (issued access tokens stay valid)."""
        self.store.clear()

    def close(self) -> None:
        self.store.close()
