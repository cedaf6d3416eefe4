"""Benchmark helper: the tests' loopback WeChat stub, importable from a checkout."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.stub_server import Reply, StubWeChat

GETPATH_REPLY = Reply(
    {
        "errcode": 0,
        "errmsg": "ok",
        "openid": "oBench",
        "delivery_id": "TEST",
        "waybill_id": "W123456",
        "path_item_num": 3,
        "path_item_list": [{"action_time": 1700000000 + i, "action_type": 100001, "action_msg": "揽件成功"} for i in range(3)],
    }
)

__all__ = ["GETPATH_REPLY", "Reply", "StubWeChat"]
