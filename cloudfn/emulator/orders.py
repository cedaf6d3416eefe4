"""Orders and their paths: addOrder, getOrder, batchGetOrder, cancelOrder, getPath, testUpdateOrder,
and the provider-side updatePath and getContact (looked up by waybill and provider token)."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any, Callable, Dict, List, Optional

from . import rendering
from .accounts import Accounts
from .carriers import CARRIERS, CASH_BIZ_IDS, TEST_BIZ_ID, TEST_DELIVERY_ID
from .emitter import Emitter, path_event
from .provider import ProviderExchange, waybill_event
from .store import Order, Store
from .wechat import DeliveryError, ok
from .wechat_error import WeChatError

# Path items that mean the parcel is with the carrier: an order with one cannot be cancelled.
TRACE_TYPES = frozenset({100001, 200001, 300002, 300003, 300004})
CANCELLED = 400001
_NOT_FOUND = "order not exists"


def _item(body: Dict[str, Any]) -> Dict[str, Any]:
    return {"action_time": body["action_time"], "action_type": body["action_type"], "action_msg": body["action_msg"]}


def _fingerprint(body: Dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Orders:
    """Orders of every app over the store; path changes are emitted as ``add_express_path``."""

    def __init__(self, store: Store, accounts: Accounts, provider: ProviderExchange, emitter: Emitter, now: Callable[[], float]) -> None:
        self.store = store
        self.accounts = accounts
        self.provider = provider
        self.emitter = emitter
        self._now = now

    # -- adding ---------------------------------------------------------------------------------
    def add_order(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        delivery_id, biz_id, order_id = body["delivery_id"], body["biz_id"], body["order_id"]
        carrier = CARRIERS.get(delivery_id)
        if carrier is None:
            raise WeChatError(9300503, f"delivery_id not registered: {delivery_id}")
        if body["service"]["service_type"] not in {t for t, _ in carrier[4]}:
            raise WeChatError(9300510, f"invalid service_type {body['service']['service_type']} for {delivery_id}")
        if delivery_id == TEST_DELIVERY_ID and biz_id != TEST_BIZ_ID:
            raise WeChatError(9300525, "biz_id not bound: the TEST carrier takes biz_id test_biz_id")
        fingerprint = _fingerprint(body)
        charged = delivery_id != TEST_DELIVERY_ID and CASH_BIZ_IDS.get(biz_id) != delivery_id
        with self.store.lock:
            existing = self.store.order(appid, order_id)
            if existing is not None:
                return self._repeat(existing, fingerprint)
            if charged:
                self.accounts.bound(appid, delivery_id, biz_id)
            seq = self.store.next_seq()
        order = self._new_order(body, appid, seq, fingerprint)
        password = self.accounts.password(appid, delivery_id, biz_id) if charged else ""
        self._ask_carrier(order, password)
        with self.store.lock:
            existing = self.store.order(appid, order_id)
            if existing is not None:  # a concurrent identical call won the race
                return self._repeat(existing, fingerprint)
            if self.store.waybill_used(order.waybill_id):
                raise DeliveryError(9300501, "delivery logic fail", delivery_resultcode=20001, delivery_resultmsg="waybill id already used")
            self.store.insert_order(order, (appid, delivery_id, biz_id, order.create_time) if charged else None)
        return ok(order_id=order_id, waybill_id=order.waybill_id, waybill_data=order.waybill_data)

    def _new_order(self, body: Dict[str, Any], appid: str, seq: int, fingerprint: str) -> Order:
        delivery_id = body["delivery_id"]
        waybill_data = [] if delivery_id == "EMS" else [
            {"key": f"{delivery_id}_bagAddr", "value": str(body["receiver"].get("city", ""))},
            {"key": f"{delivery_id}_mark", "value": f"{seq % 900 + 100}- 07-03 509"},
        ]
        return Order(appid=appid, order_id=body["order_id"], delivery_id=delivery_id, biz_id=body["biz_id"],
                     waybill_id=f"{delivery_id}{seq:012d}", token=secrets.token_hex(16), openid=body.get("openid") or "",
                     fingerprint=fingerprint, body=body, waybill_data=waybill_data, create_time=int(self._now()))

    def _ask_carrier(self, order: Order, password: str) -> None:
        """add_waybill to the carrier: it may refuse, or give the waybill id and data."""
        answer = self.provider.ask("add_waybill", waybill_event(order.body, order.appid, order.token, order.waybill_id, password))
        self.provider.refuse_unless_ok(answer)
        if answer is None:
            return
        if answer.get("WayBillID") not in (None, "", "0"):
            order.waybill_id = str(answer["WayBillID"])
        parsed = rendering.parse_waybill_data(answer["WaybillData"]) if "WaybillData" in answer else None
        if parsed is not None:
            order.waybill_data = parsed

    @staticmethod
    def _repeat(existing: Order, fingerprint: str) -> Dict[str, Any]:
        if existing.fingerprint != fingerprint:
            raise WeChatError(9300522, "this orderid is repeated")
        return ok(order_id=existing.order_id, waybill_id=existing.waybill_id, waybill_data=existing.waybill_data)

    # -- reading --------------------------------------------------------------------------------
    def _find(self, appid: str, order_id: str, delivery_id: str, waybill_id: Optional[str]) -> Optional[Order]:
        order = self.store.order(appid, order_id)
        if order is None or order.delivery_id != delivery_id or (waybill_id and order.waybill_id != waybill_id):
            return None
        return order

    @staticmethod
    def _info(order: Order, print_type: int = 0) -> Dict[str, Any]:
        return {"print_html": rendering.label(order, print_type), "waybill_data": order.waybill_data, "delivery_id": order.delivery_id,
                "waybill_id": order.waybill_id, "order_id": order.order_id, "order_status": order.order_status}

    def get_order(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        order = self._find(appid, body["order_id"], body["delivery_id"], body.get("waybill_id"))
        if order is None:
            raise WeChatError(930563, _NOT_FOUND)
        return ok(**self._info(order, body.get("print_type", 0)))

    def batch_get_order(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        results = []
        for item in body["order_list"]:
            order = self._find(appid, item["order_id"], item["delivery_id"], item.get("waybill_id"))
            if order is None:
                results.append({"errcode": 930563, "errmsg": _NOT_FOUND, "order_id": item["order_id"],
                                "delivery_id": item["delivery_id"], "waybill_id": item.get("waybill_id", "")})
            else:
                results.append({"errcode": 0, "errmsg": "ok", **self._info(order)})
        return ok(order_list=results)

    def get_path(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        view = self.store.path(appid, body["waybill_id"])
        if view is None or view.delivery_id != body["delivery_id"]:
            raise WeChatError(40199, "waybill_id not found")
        return ok(openid=view.openid, delivery_id=view.delivery_id, waybill_id=body["waybill_id"], path_item_num=len(view.path),
                  path_item_list=view.path)

    # -- path changes ---------------------------------------------------------------------------
    def append(self, order: Order, items: List[Dict[str, Any]]) -> Order:
        """Append path items in one transaction (caller holds the lock), then emit the event."""
        order.path = order.path + items
        order.version += 1
        if any(i["action_type"] == CANCELLED for i in items):
            order.order_status = 1
        self.store.save_path(order)
        self.emitter.emit("add_express_path", path_event(order, self._now()))
        return order

    def cancel_order(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        order = self._cancellable(appid, body)
        answer = self.provider.ask("cancel_waybill", {"OrderID": order.order_id, "BizID": order.biz_id, "BizPwd": "", "ShopAppID": appid,
                                                      "WayBillID": order.waybill_id, "DeliveryID": order.delivery_id})
        self.provider.refuse_unless_ok(answer)
        with self.store.lock:
            current = self.store.order_by_waybill(order.waybill_id)
            if current is None:
                raise WeChatError(930563, _NOT_FOUND)
            if current.order_status == 1:
                raise WeChatError(9300524, "cancel failed: order already cancelled")
            self.append(current, [{"action_time": int(self._now()), "action_type": CANCELLED, "action_msg": "订单已取消"}])
        return ok(delivery_resultcode=0, delivery_resultmsg="success")

    def _cancellable(self, appid: str, body: Dict[str, Any]) -> Order:
        order = self.store.order(appid, body["order_id"])
        if order is None or order.delivery_id != body["delivery_id"]:
            raise WeChatError(930563, _NOT_FOUND)
        if order.waybill_id != body["waybill_id"]:
            raise WeChatError(40199, "waybill_id not found")
        if order.order_status == 1:
            raise WeChatError(9300524, "cancel failed: order already cancelled")
        if any(i["action_type"] in TRACE_TYPES for i in order.path):
            raise WeChatError(9300506, "waybill already has trace, can not cancel")
        return order

    def test_update_order(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        with self.store.lock:
            order = self.store.order(appid, body["order_id"])
            if (order is None or order.delivery_id != TEST_DELIVERY_ID or order.biz_id != TEST_BIZ_ID
                    or order.waybill_id != body["waybill_id"]):
                raise WeChatError(930563, _NOT_FOUND)
            self.append(order, [_item(body)])
        return ok()

    # -- provider side --------------------------------------------------------------------------
    def _by_token(self, token: str, waybill_id: str) -> Order:
        order = self.store.order_by_waybill(waybill_id)
        if order is None:
            raise WeChatError(40199, "waybill_id not found")
        if not secrets.compare_digest(order.token.encode(), token.encode()):
            raise WeChatError(9300507, "invalid token")
        return order

    def update_path(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        with self.store.lock:
            self.append(self._by_token(body["token"], body["waybill_id"]), [_item(body)])
        return ok()

    def get_contact(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        order = self._by_token(body["token"], body["waybill_id"])

        def contact(p: Dict[str, Any]) -> Dict[str, Any]:
            where = "".join(str(p.get(k, "")) for k in ("province", "city", "area", "address"))
            return {"address": where, "name": p.get("name", ""), "tel": p.get("tel", ""), "mobile": p.get("mobile", "")}

        return ok(waybill_id=order.waybill_id, sender=contact(order.body["sender"]), receiver=contact(order.body["receiver"]))

    # -- admin ----------------------------------------------------------------------------------
    def bulk(self, count: int, appid: str, prefix: str = "bulk") -> None:
        """Insert ``count`` TEST orders directly (benchmarks); the same records addOrder writes."""
        from .testing import order_wire

        start, now = self.store.next_seq(count), int(self._now())
        orders: List[Order] = []
        for n in range(start, start + count):
            body = order_wire(f"{prefix}-{n}")
            orders.append(Order(appid, body["order_id"], TEST_DELIVERY_ID, TEST_BIZ_ID, f"TEST{n:012d}", secrets.token_hex(16),
                                body["openid"], _fingerprint(body), body, [], now))
        self.store.bulk_orders(orders)


def admin_view(order: Order) -> Dict[str, Any]:
    """One order as ``GET /_emulator/orders`` lists it."""
    return {"appid": order.appid, "order_id": order.order_id, "waybill_id": order.waybill_id, "delivery_id": order.delivery_id,
            "biz_id": order.biz_id, "status": order.order_status, "token": order.token, "openid": order.openid, "path": order.path,
            "version": order.version, "create_time": order.create_time}


