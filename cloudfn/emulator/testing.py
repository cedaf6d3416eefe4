"""Test helpers for code that runs against the emulator: a raw keep-alive client and sample orders."""

from __future__ import annotations

import http.client
import json
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit


def order_body(order_id: str = "order-1", delivery_id: str = "TEST", biz_id: str = "test_biz_id", **extra: Any) -> Dict[str, Any]:
    """A valid addOrder body in camelCase (as SDK users write it)."""
    body: Dict[str, Any] = {
        "addSource": 0,
        "orderId": order_id,
        "openid": "oBuyer0001",
        "deliveryId": delivery_id,
        "bizId": biz_id,
        "customRemark": "易碎物品",
        "sender": {"name": "张三", "mobile": "13800000000", "province": "广东省", "city": "广州市", "area": "海珠区", "address": "新港中路 1 号"},
        "receiver": {"name": "李四", "tel": "020-88888888", "province": "广东省", "city": "深圳市", "area": "南山区", "address": "科技园 2 号"},
        "cargo": {"count": 1, "weight": 1.2, "spaceX": 10, "spaceY": 20, "spaceZ": 5, "detailList": [{"name": "杯子", "count": 2}]},
        "shop": {"wxaPath": "/pages/order?id=1", "imgUrl": "https://example.com/cup.png", "goodsName": "杯子", "goodsCount": 2},
        "insured": {"useInsured": 0, "insuredValue": 0},
        "service": {"serviceType": 0, "serviceName": "test_service"},
    }
    body.update(extra)
    return body


def order_wire(order_id: str = "order-1", **extra: Any) -> Dict[str, Any]:
    """The same order in wire (snake_case) form."""
    from cloudfn.casing import to_snake

    return to_snake(order_body(order_id, **extra))


class Raw:
    """A keep-alive HTTP client for one emulator (no SDK in between)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)

    def close(self) -> None:
        self.conn.close()

    def request(self, method: str, path: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        data = r.read()
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return r.status, json.loads(data)

    def get(self, path: str) -> Tuple[int, Any]:
        return self.request("GET", path)

    def post(self, path: str, value: Any) -> Tuple[int, Any]:
        return self.request("POST", path, json.dumps(value, ensure_ascii=False).encode(), {"Content-Type": "application/json"})

    def token(self, appid: str, secret: str) -> str:
        status, reply = self.post("/cgi-bin/stable_token", {"grant_type": "client_credential", "appid": appid, "secret": secret})
        assert status == 200 and "access_token" in reply, reply
        return reply["access_token"]
