"""Every logistics open API behind one function, routed by ``event["action"]``.

The single-function routing pattern common in CloudBase: the caller sends
``{"action": "addOrder", "data": {...camelCase fields...}}`` and gets the API result
(``{..., "errCode": 0, "errMsg": "openapi.logistics.addOrder:ok"}``) or, on failure,
``{"errCode": ..., "errMsg": ...}`` as the Node examples return ``err``. The function's
config.json lists all 16 ``logistics.*`` permissions; trim it to what you use.
"""

import re

import cloudfn as cloud

cloud.init({"env": cloud.DYNAMIC_CURRENT_ENV})

_ACTION = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
INVALID_PARAM = -501007  # wx-server-sdk's "invalid parameters"


def main_handler(event, context):
    event = event if isinstance(event, dict) else {}
    action = event.get("action")
    if not isinstance(action, str) or not _ACTION.match(action):
        return {"errCode": INVALID_PARAM, "errMsg": f"logistics:fail event.action must name a logistics method, got {action!r}"}
    data = event.get("data")
    try:
        return getattr(cloud.openapi.logistics, action)(data or {})
    except cloud.CloudSDKError as err:
        return err.to_dict()
