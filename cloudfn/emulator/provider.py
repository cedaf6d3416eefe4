"""Provider exchanges: the events the platform sends a carrier (add_waybill, cancel_waybill, check_biz,
get_quota) and how their answers are read. ``hook`` is the carrier: a callable or None (no carrier).
The messages' fields and types come from the model (``messages``)."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from .messages import message
from .wechat import DeliveryError

SYSTEM_OPENID = "oEmulatorWeChatTeam0000000000"
Hook = Callable[[str, Dict[str, Any]], Optional[Dict[str, Any]]]


def code_of(value: Any) -> Optional[int]:
    """A provider reply's number (JSON number or XML text), None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def waybill_event(body: Dict[str, Any], appid: str, token: str, waybill_id: str, password: str) -> Dict[str, Any]:
    """The fields of an ``add_waybill`` event for an addOrder body (the model's fields taken from the body)."""
    return {**body, "Token": token, "BizPwd": password, "ShopAppID": appid, "WayBillID": waybill_id, "Remark": body.get("custom_remark", "")}


class ProviderExchange:
    """Asks the configured carrier synchronously; None when there is none or it gave no usable answer."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.hook: Optional[Hook] = None
        self._now = now

    def ask(self, event: str, payload: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        hook = self.hook
        if hook is None:
            return None
        base = {"ToUserName": "gh_emulator_provider", "FromUserName": SYSTEM_OPENID, "CreateTime": int(self._now())}
        reply = hook(event, message(event, {**base, **payload}))
        return reply if isinstance(reply, dict) else None

    @staticmethod
    def refuse_unless_ok(answer: Optional[Dict[str, Any]]) -> None:
        """A ResultCode other than 0: WeChatError 9300501 with the carrier's code and message."""
        if answer is None:
            return
        code = code_of(answer.get("ResultCode", 0))
        if code != 0:
            raise DeliveryError(9300501, "delivery logic fail", delivery_resultcode=-1 if code is None else code,
                              delivery_resultmsg=str(answer.get("ResultMsg", "")))
