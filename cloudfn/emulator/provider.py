"""Provider exchanges: the events the platform sends a carrier (add_waybill, cancel_waybill, check_biz,
get_quota) and how their answers are read. ``hook`` is the carrier: a callable or None (no carrier)."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

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


def pascal_person(p: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "Name": p.get("name", ""), "Tel": p.get("tel", ""), "Mobile": p.get("mobile", ""), "Company": p.get("company", ""),
        "PostCode": p.get("post_code", ""), "Country": p.get("country") or "中国", "Province": p.get("province", ""),
        "City": p.get("city", ""), "Area": p.get("area", ""), "Address": p.get("address", ""),
    }


def waybill_event(body: Dict[str, Any], appid: str, token: str, waybill_id: str, password: str) -> Dict[str, Any]:
    """The fields of an ``add_waybill`` event for an addOrder body."""
    cargo, insured, service = body["cargo"], body["insured"], body["service"]
    return {
        "Token": token, "OrderID": body["order_id"], "BizID": body["biz_id"], "BizPwd": password, "ShopAppID": appid,
        "WayBillID": waybill_id, "Remark": body.get("custom_remark", ""), "DeliveryID": body["delivery_id"],
        "Sender": pascal_person(body["sender"]), "Receiver": pascal_person(body["receiver"]),
        "Cargo": {"Weight": cargo["weight"], "Space_X": cargo["space_x"], "Space_Y": cargo["space_y"], "Space_Z": cargo["space_z"],
                  "Count": cargo["count"], "DetailList": [{"Name": d.get("name", ""), "Count": d.get("count", 0)} for d in cargo["detail_list"]]},
        "Insured": {"UseInsured": insured["use_insured"], "InsuredValue": insured["insured_value"]},
        "Service": {"ServiceType": service["service_type"], "ServiceName": service["service_name"]},
    }


class ProviderExchange:
    """Asks the configured carrier synchronously; None when there is none or it gave no usable answer."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.hook: Optional[Hook] = None
        self._now = now

    def ask(self, event: str, payload: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        hook = self.hook
        if hook is None:
            return None
        base = {"ToUserName": "gh_emulator_provider", "FromUserName": SYSTEM_OPENID, "CreateTime": int(self._now()),
                "MsgType": "event", "Event": event}
        base.update(payload)
        reply = hook(event, base)
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
