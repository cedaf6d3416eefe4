"""Business receiver for logistics path updates (``add_express_path``, wx-server-sdk ``onPathUpdate``).

Deploy with ``cloudfn deploy path_receiver`` and route the message push to it:

- CloudBase message-push trigger (console: 云开发 > 设置 > 其他设置 > 消息推送, MsgType ``event``,
  Event ``add_express_path``): ``event`` is the decoded push dict, already verified by the platform;
- HTTP (API gateway / HTTP access service) as the mini program's message-push URL: ``event`` is the
  gateway event; the signature (and in safe mode msg_signature + AES) is checked with
  ``WX_PUSH_TOKEN`` / ``WX_PUSH_AES_KEY`` / ``WX_APPID`` before the handler runs. With
  ``WX_PUSH_AES_KEY`` set only encrypted pushes are accepted (``WX_PUSH_COMPAT=1`` for WeChat's
  compatible mode); bodies over ``WX_PUSH_MAX_BODY`` bytes (1 MiB) are answered 413 unread.

The handler logs one JSON line per update and answers ``success``, as the platform expects.
"""

import json

from cloudfn.events import Router

router = Router()  # token, EncodingAESKey and appid from the environment


@router.on("onPathUpdate")  # == "add_express_path"
def on_path_update(event):
    actions = event.get("Actions") or []
    latest = actions[-1] if actions else {}
    summary = {
        "path_update": event.get("WayBillId"),
        "order_id": event.get("OrderId"),
        "delivery_id": event.get("DeliveryID"),
        "version": event.get("Version"),
        "count": event.get("Count"),
        "latest_action_type": latest.get("ActionType"),
        "latest_action_msg": latest.get("ActionMsg"),
    }
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return "success"


def main_handler(event, context):
    return router.main_handler(event, context)
