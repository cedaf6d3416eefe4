"""The carrier table the emulator serves (getAllDelivery) and its per-carrier rules."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

# delivery_id -> (name, franchise (can_get_quota), cash_biz_id or "", password needed, [(service_type, service_name)])
CARRIERS: Dict[str, Tuple[str, bool, str, bool, List[Tuple[int, str]]]] = {
    "BEST": ("百世快递", True, "", True, [(1, "普通快递")]),
    "DB": ("德邦快递", False, "DB_CASH", True, [(1, "大件快递3.60"), (2, "特准快件")]),
    "EMS": ("中国邮政速递物流", False, "", False, [(6, "标准快递"), (9, "快递包裹")]),
    "JDL": ("京东快递", False, "", False, [(0, "B2C特惠送"), (1, "B2C京东特快")]),
    "JTSD": ("极兔快递", True, "", True, [(0, "标准快递")]),
    "PJ": ("品骏快递", False, "PJ_CASH", True, [(1, "普通快递")]),
    "SF": ("顺丰速运", False, "SF_CASH", False, [(0, "标准快递"), (1, "顺丰即日"), (2, "顺丰特快"), (3, "顺丰标快"), (4, "顺丰标快(协议)")]),
    "STO": ("申通快递", True, "", True, [(1, "标准快递")]),
    "YTO": ("圆通速递", True, "", True, [(0, "普通快递"), (1, "圆准达")]),
    "YUNDA": ("韵达快递", True, "", True, [(0, "标准快件")]),
    "ZTO": ("中通快递", True, "", True, [(0, "标准快件")]),
    "TEST": ("测试快递公司", False, "", False, [(0, "test_service"), (1, "标准快递")]),
}

TEST_DELIVERY_ID = "TEST"
TEST_BIZ_ID = "test_biz_id"
CASH_BIZ_IDS = {cash: did for did, (_, _, cash, _, _) in CARRIERS.items() if cash}


def delivery_list() -> List[Dict[str, Any]]:
    """getAllDelivery's ``data`` list."""
    out = []
    for did, (name, franchise, cash, _, services) in CARRIERS.items():
        out.append(
            {
                "delivery_id": did,
                "delivery_name": name,
                "can_use_cash": 1 if cash else 0,
                "can_get_quota": 1 if franchise else 0,
                "cash_biz_id": cash,
                "service_type": [{"service_type": t, "service_name": n} for t, n in services],
            }
        )
    return out


def service_types(delivery_id: str) -> List[Dict[str, Any]]:
    return [{"service_type": t, "service_name": n} for t, n in CARRIERS[delivery_id][4]]


def needs_password(delivery_id: str) -> bool:
    """EMS, SF and JDL (and the TEST carrier) accept an empty password."""
    return CARRIERS[delivery_id][3]
