"""``python -m cloudfn.quickstart``: start the emulator, make the first calls, show the results.

The README's first command. It runs the seed examples against a throwaway emulator
on 127.0.0.1 exactly as a function would, then says how to keep an emulator running.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping


def _show(title: str, call: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any]:
    import cloudfn as cloud

    result: Mapping[str, Any]
    try:
        result = call()
    except cloud.CloudSDKError as err:
        result = err.to_dict()
    print(f"\n# {title}\n{json.dumps(result, ensure_ascii=False, indent=2)}")
    return result


def main() -> int:
    import cloudfn as cloud

    if TYPE_CHECKING:
        from cloudfn._logistics import GetPathRequest
    from cloudfn.emulator import running

    with running(data=":memory:") as emu:
        print(f"emulator listening on {emu.base_url} (appid {emu.appid})")
        cloud.init(env=cloud.DYNAMIC_CURRENT_ENV, transport="https", appid=emu.appid, secret=emu.secret, api_base=emu.base_url)
        logistics = cloud.openapi.logistics
        _show(
            "bindAccount (the seed example)",
            lambda: logistics.bindAccount({"type": "bind", "password": "123456789123456789", "bizId": "123456", "deliveryId": "YUNDA"}),
        )
        _show("bindAccount again: already bound", lambda: logistics.bindAccount(type="bind", bizId="123456", deliveryId="YUNDA"))
        order = _show(
            "addOrder with the TEST carrier",
            lambda: logistics.addOrder(
                addSource=0,
                orderId=f"quickstart-{int(time.time())}",
                openid="oQuickstartOpenid",
                deliveryId="TEST",
                bizId="test_biz_id",
                sender={"name": "张三", "mobile": "13800000000", "province": "广东省", "city": "广州市", "area": "海珠区", "address": "新港中路"},
                receiver={"name": "李四", "mobile": "13900000000", "province": "北京市", "city": "北京市", "area": "朝阳区", "address": "建国路"},
                cargo={"count": 1, "weight": 1.2, "spaceX": 10, "spaceY": 10, "spaceZ": 10, "detailList": [{"name": "书", "count": 1}]},
                shop={"wxaPath": "/pages/order", "imgUrl": "https://example.com/a.png", "goodsName": "书", "goodsCount": 1},
                insured={"useInsured": 0, "insuredValue": 0},
                service={"serviceType": 0, "serviceName": "test"},
            ),
        )
        if order.get("errCode") == 0:
            ids: "GetPathRequest" = {"orderId": order["orderId"], "deliveryId": "TEST", "waybillId": order["waybillId"]}
            _show(
                "testUpdateOrder: picked up",
                lambda: logistics.testUpdateOrder(bizId="test_biz_id", orderId=order["orderId"], deliveryId="TEST", waybillId=order["waybillId"],
                                                 actionTime=int(time.time()), actionType=100001, actionMsg="揽件成功"),
            )
            _show("getPath", lambda: logistics.getPath(ids))
        bad: Any = "sideways"  # on purpose: type checkers flag the literal, cloudfn refuses it at run time
        _show("invalid input fails before any request", lambda: logistics.updatePrinter(openid="o", updateType=bad))
    print(
        "\nNext: keep an emulator running with `cloudfn emulator` (it prints the variables to export),\n"
        "then call it from your own code or run a function with `cloudfn invoke functions/bindAccount`."
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    sys.exit(main())
