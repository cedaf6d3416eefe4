"""Carrier accounts: getAllDelivery, bindAccount, getAllAccount, getQuota, updateBusiness.

Passwords are stored only as salted PBKDF2 hashes. The carrier (provider hook) still receives
``BizPwd`` in get_quota/add_waybill events from a process-memory copy made at bindAccount, so
after a restart or a snapshot import it receives an empty ``BizPwd``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any, Callable, Dict, Tuple

from .carriers import CARRIERS, CASH_BIZ_IDS, TEST_BIZ_ID, TEST_DELIVERY_ID, delivery_list, needs_password, service_types
from .provider import ProviderExchange, code_of
from .store import Account, Store
from .wechat import DeliveryError, ok
from .wechat_error import WeChatError

DEFAULT_QUOTA = 1000
UNLIMITED_QUOTA = 99999
WRONG_PASSWORD = "wrong"
_HASH = "pbkdf2_sha256"
_ROUNDS = 20000


def hash_password(password: str) -> str:
    """``pbkdf2_sha256$rounds$salt$hex``; the empty password stays empty."""
    if not password:
        return ""
    salt = os.urandom(12).hex()
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode(), _ROUNDS).hex()
    return f"{_HASH}${_ROUNDS}${salt}${digest}"


def is_hash(value: str) -> bool:
    return not value or value.startswith(_HASH + "$")


def check_password(password: str, stored: str) -> bool:
    if not stored:
        return not password
    _, rounds, salt, digest = stored.split("$")
    return hmac.compare_digest(hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode(), int(rounds)).hex(), digest)


class Accounts:
    """Accounts of every app; ``bound(...)`` is what addOrder checks."""

    def __init__(self, store: Store, provider: ProviderExchange, now: Callable[[], float], apps: Callable[[], Any]) -> None:
        self.store = store
        self.provider = provider
        self._now = now
        self._apps = apps
        self._passwords: Dict[Tuple[str, str, str], str] = {}
        self._delivery_reply = ok(count=len(CARRIERS), data=delivery_list())
        for account in store.accounts():  # files written before passwords were hashed
            if not is_hash(account.password):
                account.password = hash_password(account.password)
                store.put_account(account)

    def password(self, appid: str, delivery_id: str, biz_id: str) -> str:
        """The plain password given at bind time in this process ("" when unknown): for the carrier only."""
        return self._passwords.get((appid, delivery_id, biz_id), "")

    def get_all_delivery(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        return dict(self._delivery_reply)

    def bind_account(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        kind, biz_id, delivery_id = body["type"], body["biz_id"], body["delivery_id"]
        password, remark = body.get("password") or "", body.get("remark_content") or ""
        if delivery_id not in CARRIERS:
            raise WeChatError(9300503, f"delivery_id not registered: {delivery_id}")
        existing = self.store.account(appid, delivery_id, biz_id)
        if kind == "unbind":
            if existing is None:
                raise WeChatError(9300530, "biz_id not exist, unbind failed")
            self.store.delete_account(appid, delivery_id, biz_id)
            self._passwords.pop((appid, delivery_id, biz_id), None)
            return ok()
        if existing is not None and existing.status_code in (0, 1):
            raise WeChatError(9300529, "biz_id already bound")
        if password == WRONG_PASSWORD or (needs_password(delivery_id) and not password):
            raise WeChatError(9300531, "invalid biz_id or password")
        status = 0
        answer = self.provider.ask("check_biz", {"BizID": biz_id, "BizPwd": password, "ShopAppID": appid, "DeliveryID": delivery_id})
        if answer is not None:
            if code_of(answer.get("ResultCode", 0)) != 0:
                raise WeChatError(9300531, f"invalid biz_id or password: {answer.get('ResultMsg', '')}".rstrip(": "))
        elif delivery_id == "EMS" and remark:
            status = 1
        now = int(self._now())
        hashed = hash_password(password)
        with self.store.lock:
            existing = self.store.account(appid, delivery_id, biz_id)
            if existing is not None and existing.status_code in (0, 1):
                raise WeChatError(9300529, "biz_id already bound")
            self.store.put_account(Account(appid, delivery_id, biz_id, hashed, status, DEFAULT_QUOTA, now, now, now, remark_content=remark))
        if password:
            self._passwords[(appid, delivery_id, biz_id)] = password
        if status == 1:
            raise WeChatError(9300532, "bind request submitted, waiting for review")
        return ok()

    def get_all_account(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        items = [{
            "biz_id": a.biz_id, "delivery_id": a.delivery_id, "create_time": a.create_time, "update_time": a.update_time,
            "status_code": a.status_code, "alias": a.alias, "remark_wrong_msg": a.remark_wrong_msg, "remark_content": a.remark_content,
            "quota_num": a.quota_num, "quota_update_time": a.quota_update_time, "service_type": service_types(a.delivery_id),
        } for a in self.store.accounts(appid)]
        return ok(count=len(items), list=items)

    def get_quota(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        delivery_id, biz_id = body["delivery_id"], body["biz_id"]
        if delivery_id not in CARRIERS:
            raise WeChatError(9300503, f"delivery_id not registered: {delivery_id}")
        if (delivery_id == TEST_DELIVERY_ID and biz_id == TEST_BIZ_ID) or CASH_BIZ_IDS.get(biz_id) == delivery_id:
            return ok(quota_num=UNLIMITED_QUOTA)
        account = self.store.account(appid, delivery_id, biz_id)
        if account is None or account.status_code != 0:
            raise WeChatError(9300525, "biz_id not bound")
        answer = self.provider.ask("get_quota", {"BizID": biz_id, "BizPwd": self.password(appid, delivery_id, biz_id),
                                                 "ShopAppID": appid, "DeliveryID": delivery_id})
        quota = code_of(answer.get("Quota")) if answer is not None else None
        if answer is not None and code_of(answer.get("ResultCode", 0)) == 0 and quota is not None:
            with self.store.lock:
                current = self.store.account(appid, delivery_id, biz_id)
                if current is not None:
                    current.quota_num, current.quota_update_time = quota, int(self._now())
                    self.store.put_account(current)
            return ok(quota_num=quota)
        return ok(quota_num=account.quota_num)

    def update_business(self, body: Dict[str, Any], appid: str) -> Dict[str, Any]:
        shop, biz_id = body["shop_app_id"], body["biz_id"]
        with self.store.lock:
            mine = [a for a in self.store.accounts(shop) if a.biz_id == biz_id]
            pending = [a for a in mine if a.status_code == 1]
            if not pending:
                if shop not in self._apps() and not self.store.accounts(shop):
                    raise WeChatError(40013, "invalid appid: unknown shop_app_id")
                raise WeChatError(9300525, "biz_id never applied for review")
            approved = body["result_code"] == 0
            for account in pending:
                account.status_code = 0 if approved else 2
                account.remark_wrong_msg = "" if approved else (body.get("result_msg") or "review rejected")
                account.update_time = int(self._now())
                self.store.put_account(account)
        return ok()

    def bound(self, appid: str, delivery_id: str, biz_id: str) -> Account:
        """The bound account addOrder charges; WeChatError 9300525/9300501 otherwise."""
        account = self.store.account(appid, delivery_id, biz_id)
        if account is None or account.status_code != 0:
            raise WeChatError(9300525, f"biz_id not bound: bind {delivery_id}/{biz_id} with bindAccount first")
        if account.quota_num <= 0:
            raise DeliveryError(9300501, "delivery logic fail", delivery_resultcode=20007, delivery_resultmsg="merchant balance insufficient")
        return account
