"""Provider (carrier) receiver for the four order events the platform pushes to a delivery company.

- ``add_waybill`` (onAddOrder): accept the order and answer a waybill id plus label data. The id is
  the carrier's own and deterministic per BizID + OrderID (the platform may push an order twice;
  the same order must get the same waybill id).
- ``cancel_waybill`` (onCancelOrder): accept the cancellation.
- ``check_biz`` (onCheckBusiness): BizPwd ``wrong`` -> 10002, a BizID starting ``unknown`` -> 10001, else 0.
- ``get_quota`` (onGetQuota): ``Quota`` = env ``PROVIDER_QUOTA`` (default 500).

The router echoes ToUserName/FromUserName (swapped), CreateTime, MsgType, Event, Token, OrderID,
BizID and WayBillID around each answer, and encrypts the reply to a safe-mode push (with
``WX_PUSH_AES_KEY`` set, plain pushes are refused unless ``WX_PUSH_COMPAT=1``). Keep the
``Token`` of an accepted order: ``cloud.openapi.logistics.updatePath`` needs it to move the parcel.
"""

import hashlib
import os

from cloudfn.events import Router

router = Router()  # token, EncodingAESKey and appid from the environment
PREFIX = os.environ.get("PROVIDER_WAYBILL_PREFIX", "PV")


def waybill_id(biz_id, order_id):
    digest = hashlib.sha1(f"{biz_id}|{order_id}".encode()).hexdigest()
    return f"{PREFIX}{int(digest, 16) % 10**12:012d}"


@router.on("onAddOrder")  # == "add_waybill"
def on_add_order(event):
    sender, receiver, cargo = event.get("Sender") or {}, event.get("Receiver") or {}, event.get("Cargo") or {}
    if not sender.get("Name") or not (sender.get("Mobile") or sender.get("Tel")):
        return {"ResultCode": 20002, "ResultMsg": "incomplete sender info"}
    if not receiver.get("Name") or not (receiver.get("Mobile") or receiver.get("Tel")):
        return {"ResultCode": 20004, "ResultMsg": "incomplete receiver info"}
    if not cargo.get("Weight") or cargo.get("Weight") <= 0:
        return {"ResultCode": 20006, "ResultMsg": "invalid cargo weight"}
    number = waybill_id(event.get("BizID", ""), event.get("OrderID", ""))
    print(f"accepted order {event.get('OrderID')} as {number}", flush=True)
    return {
        "WayBillID": number,
        "ResultCode": 0,
        "ResultMsg": "ok",
        "WaybillData": f"##{PREFIX}_bagAddr##{receiver.get('City', '')}##{PREFIX}_mark##{receiver.get('Province', '')}-{receiver.get('Area', '')}##",
    }


@router.on("onCancelOrder")  # == "cancel_waybill"
def on_cancel_order(event):
    return {"ResultCode": 0, "ResultMsg": "cancelled"}


@router.on("onCheckBusiness")  # == "check_biz"
def on_check_business(event):
    if str(event.get("BizID", "")).startswith("unknown"):
        return {"ResultCode": 10001, "ResultMsg": "customer code does not exist"}
    if event.get("BizPwd") == "wrong":
        return {"ResultCode": 10002, "ResultMsg": "wrong customer password"}
    return {"ResultCode": 0, "ResultMsg": "approved"}


@router.on("onGetQuota")  # == "get_quota"
def on_get_quota(event):
    return {"ResultCode": 0, "ResultMsg": "ok", "Quota": int(os.environ.get("PROVIDER_QUOTA", "500"))}


def main_handler(event, context):
    return router.main_handler(event, context)
