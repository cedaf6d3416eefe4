"""Realistic waybill tracks: the next path item of an order, in each carrier's wording.

Public API
----------
- Action types (constants): ``PICKED_UP`` 100001, ``PICKUP_FAILED`` 100002, ``COURIER_ASSIGNED`` 100003,
  ``IN_TRANSIT`` 200001, ``OUT_FOR_DELIVERY`` 300002, ``DELIVERED`` 300003, ``DELIVERY_FAILED`` 300004,
  ``CANCELLED`` 400001, ``HELD`` 400002; ``ACTION_TYPES`` (all nine), ``TERMINAL`` (delivered, cancelled),
  ``FAILURES`` (the failure steps), ``TARGETS = ("next", "delivered", "failed")``.
- ``Step(action_type: int, action_msg: str)`` (a NamedTuple).
- ``next_step(delivery_id, path_len, last_action, rng, to="next", failure_rate=0.0, origin=None,
  destination=None) -> Optional[Step]``: the step after a path of ``path_len`` items whose last
  ``action_type`` is ``last_action`` (None for an empty path); None after a terminal step.
  ``to="next"``: the normal way, failing with probability ``failure_rate`` (0..1) while the path is
  shorter than ``FAILURE_FREE_AFTER`` items (so every track ends); ``"delivered"``: the normal way, never
  failing; ``"failed"``: the failure that fits the stage. ``origin``/``destination`` are the sender's and
  receiver's cities when known (else drawn from ``rng``).
- ``steps_to(delivery_id, path_len, last_action, rng, to="delivered", ...) -> List[Step]``: every step
  up to and including the first delivered (``"delivered"``) or failure (``"failed"``) step; ``"next"``
  gives one step. Empty when the path is already terminal.
- ``order_rng(seed, waybill_id, path_len) -> random.Random``: a generator that depends only on its
  arguments (SHA-256, not ``hash()``), so a track is reproducible whatever the order of calls.
- ``is_terminal(action_type) -> bool``; ``carrier_name(delivery_id) -> str``.
Same ``rng`` state, same arguments -> same step (only ``rng`` is used for chance).

Platform facts and sources
--------------------------
- The nine action types and their meanings: ../shared/reference/logistics-spec.md "action_type codes"
  (official updatePath / testUpdateOrder / getPath pages): 100001 picked up, 100002 pickup failed,
  100003 courier assigned, 200001 transit update, 300002 out for delivery, 300003 signed for, 300004
  signing failed, 400001 order cancelled, 400002 order held; there is no 300001. The sandbox flow is
  100001 -> 200001 -> 300002 -> 300003 (same file, "TEST account / testUpdateOrder flow").
- ``action_msg`` is shown to the user and writes a phone number as 11 digits
  (../shared/reference/logistics-api.md, updatePath). Names, phone numbers and sites here are random
  and fake; the phrasing imitates each carrier's public tracking pages.
- Carrier ids and names: cloudfn/emulator/carriers.py (getAllDelivery) and logistics-spec.md.
- After a failed delivery the parcel goes out again (300004 -> 300002); a held parcel resumes transit
  (400002 -> 200001); a failure before pickup cancels the order. Delivered and cancelled end a track.
"""

from __future__ import annotations

import hashlib
import random
from typing import Dict, List, NamedTuple, Optional, Tuple

PICKED_UP, PICKUP_FAILED, COURIER_ASSIGNED = 100001, 100002, 100003
IN_TRANSIT = 200001
OUT_FOR_DELIVERY, DELIVERED, DELIVERY_FAILED = 300002, 300003, 300004
CANCELLED, HELD = 400001, 400002
ACTION_TYPES = frozenset({PICKED_UP, PICKUP_FAILED, COURIER_ASSIGNED, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, DELIVERY_FAILED, CANCELLED, HELD})
TERMINAL = frozenset({DELIVERED, CANCELLED})
FAILURES = frozenset({PICKUP_FAILED, DELIVERY_FAILED, CANCELLED, HELD})
TARGETS = ("next", "delivered", "failed")
FAILURE_FREE_AFTER = 12  # random failures stop once a path is this long, so every walk ends
MIN_TRANSIT_LEN, MAX_TRANSIT_LEN = 3, 6  # out for delivery from path length 3 (chance) or 6 (always)
_MAX_PLAN = 64


class Step(NamedTuple):
    action_type: int
    action_msg: str


def is_terminal(action_type: Optional[int]) -> bool:
    return action_type in TERMINAL


# ---------------------------------------------------------------- the state machine

_NORMAL: Dict[Optional[int], int] = {
    None: PICKED_UP, COURIER_ASSIGNED: PICKED_UP, PICKUP_FAILED: COURIER_ASSIGNED, PICKED_UP: IN_TRANSIT,
    HELD: IN_TRANSIT, OUT_FOR_DELIVERY: DELIVERED, DELIVERY_FAILED: OUT_FOR_DELIVERY,
}
_FAILURE: Dict[Optional[int], int] = {
    None: CANCELLED, COURIER_ASSIGNED: CANCELLED, PICKUP_FAILED: CANCELLED, PICKED_UP: HELD, IN_TRANSIT: HELD,
    OUT_FOR_DELIVERY: DELIVERY_FAILED, DELIVERY_FAILED: HELD, HELD: CANCELLED,
}


def _next_action(path_len: int, last: Optional[int], rng: random.Random, to: str, failure_rate: float) -> Optional[int]:
    if last in TERMINAL:
        return None
    if to == "failed":
        return _FAILURE[last]
    if to == "next" and failure_rate > 0 and path_len < FAILURE_FREE_AFTER and rng.random() < failure_rate:
        return _FAILURE[last]
    if last == IN_TRANSIT:
        due = path_len >= MAX_TRANSIT_LEN or (path_len >= MIN_TRANSIT_LEN and rng.random() < 0.5)
        return OUT_FOR_DELIVERY if due else IN_TRANSIT
    if last is None and to == "next" and rng.random() < 0.3:
        return COURIER_ASSIGNED
    return _NORMAL[last]


def _check(delivery_id: str, path_len: int, last_action: Optional[int], to: str, failure_rate: float) -> None:
    if not isinstance(delivery_id, str) or not delivery_id:
        raise ValueError(f"delivery_id must be a carrier id such as 'SF', got {delivery_id!r}")
    if isinstance(path_len, bool) or not isinstance(path_len, int) or path_len < 0:
        raise ValueError(f"path_len must be an integer >= 0, got {path_len!r}")
    if last_action is not None and last_action not in ACTION_TYPES:
        raise ValueError(f"last_action must be one of {sorted(ACTION_TYPES)} or None, got {last_action!r}")
    if (last_action is None) != (path_len == 0):
        raise ValueError("last_action must be None exactly when path_len is 0")
    if to not in TARGETS:
        raise ValueError(f"to must be one of {', '.join(TARGETS)}, got {to!r}")
    if isinstance(failure_rate, bool) or not isinstance(failure_rate, (int, float)) or not 0 <= failure_rate <= 1:
        raise ValueError(f"failure_rate must be a number from 0 to 1, got {failure_rate!r}")


def next_step(delivery_id: str, path_len: int, last_action: Optional[int], rng: random.Random, to: str = "next",
              failure_rate: float = 0.0, origin: Optional[str] = None, destination: Optional[str] = None) -> Optional[Step]:
    """The next path item (module docstring); None when the track has ended."""
    _check(delivery_id, path_len, last_action, to, failure_rate)
    action = _next_action(path_len, last_action, rng, to, failure_rate)
    if action is None:
        return None
    return Step(action, _message(delivery_id, action, last_action, path_len, rng, origin, destination))


def steps_to(delivery_id: str, path_len: int, last_action: Optional[int], rng: random.Random, to: str = "delivered",
             failure_rate: float = 0.0, origin: Optional[str] = None, destination: Optional[str] = None) -> List[Step]:
    """Every step to the first delivered / failure step (one step for ``"next"``); [] when ended."""
    _check(delivery_id, path_len, last_action, to, failure_rate)
    if origin is None:
        origin = rng.choice(CITIES)
    if destination is None:
        destination = rng.choice(CITIES)
    out: List[Step] = []
    while len(out) < _MAX_PLAN:
        step = next_step(delivery_id, path_len, last_action, rng, to, failure_rate, origin, destination)
        if step is None:
            break
        out.append(step)
        path_len, last_action = path_len + 1, step.action_type
        if to == "next" or step.action_type == DELIVERED or (to == "failed" and step.action_type in FAILURES):
            break
    return out


def order_rng(seed: object, waybill_id: str, path_len: int) -> random.Random:
    """A generator seeded from (seed, waybill_id, path_len) alone: stable across runs and processes."""
    digest = hashlib.sha256(f"{seed!r}\x00{waybill_id}\x00{path_len}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


# ---------------------------------------------------------------- wording

CARRIER_NAMES: Dict[str, str] = {
    "BEST": "百世快递", "DB": "德邦快递", "EMS": "中国邮政速递物流", "JDL": "京东快递", "JTSD": "极兔快递", "PJ": "品骏快递",
    "SF": "顺丰速运", "STO": "申通快递", "YTO": "圆通速递", "YUNDA": "韵达快递", "ZTO": "中通快递", "TEST": "测试快递公司",
}
CITIES: Tuple[str, ...] = (
    "北京市", "上海市", "广州市", "深圳市", "杭州市", "成都市", "武汉市", "南京市", "西安市", "重庆市",
    "天津市", "苏州市", "长沙市", "郑州市", "东莞市", "青岛市", "沈阳市", "宁波市", "昆明市", "厦门市",
)
_AREAS = ("城东", "城西", "城南", "城北", "高新区", "开发区", "新区", "中心城区", "滨江", "临港")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静磊强军洋勇杰涛明超平刚辉鹏华飞"
_SIGNERS = ("本人", "家人", "同事", "前台", "门卫", "快递柜", "驿站")
_REASONS = {
    PICKUP_FAILED: ("寄件人电话无人接听", "寄件人要求改约时间", "物品不符合收寄规定"),
    DELIVERY_FAILED: ("收件人电话无人接听", "收件人要求改日派送", "收件地址不详"),
    HELD: ("天气原因", "道路临时管制", "面单信息不全，待核实", "超出派送范围，待转寄"),
    CANCELLED: ("寄件人取消寄件", "收件人拒收，快件退回", "快件异常，订单已取消"),
}
# per carrier: (site pattern, hub pattern, {action: templates}); missing actions use _GENERIC
_GENERIC: Dict[int, Tuple[str, ...]] = {
    COURIER_ASSIGNED: ("【{city}】{site}已安排快递员{courier}（{phone}）上门取件",),
    PICKED_UP: ("【{city}】{site}快递员{courier}（{phone}）已揽收",),
    PICKUP_FAILED: ("【{city}】揽收失败（{reason}），快递员{courier}将另约时间上门",),
    IN_TRANSIT: ("【{city}】快件已到达{hub}", "【{city}】快件已离开{hub}，发往{next_hub}"),
    OUT_FOR_DELIVERY: ("【{city}】{site}快递员{courier}（{phone}）正在为您派件",),
    DELIVERED: ("【{city}】快件已签收，签收人：{signer}。感谢使用{carrier}，期待再次为您服务",),
    DELIVERY_FAILED: ("【{city}】快件派送不成功（{reason}），将再次派送",),
    CANCELLED: ("快件已取消（{reason}）",),
    HELD: ("【{city}】快件滞留于{hub}（{reason}），正在处理",),
}
_CARRIERS: Dict[str, Tuple[str, str, Dict[int, Tuple[str, ...]]]] = {
    "SF": ("{city}{area}营业点", "{city}集散中心", {
        PICKED_UP: ("【{city}】顺丰速运 已收取快件（收派员：{courier}，电话：{phone}）",),
        IN_TRANSIT: ("【{city}】快件到达【{hub}】", "【{city}】快件在【{hub}】完成分拣，准备发往【{next_hub}】"),
        OUT_FOR_DELIVERY: ("【{city}】快件交给{courier}，正在派送途中（联系电话：{phone}）",),
        DELIVERED: ("【{city}】快件已签收，签收人：{signer}，如有疑问请电联快递员：{courier}，电话：{phone}。感谢您使用顺丰，期待再次为您服务",),
    }),
    "ZTO": ("{city}{area}分部", "{city}转运中心", {
        PICKED_UP: ("【{city}】{site}的{courier}（{phone}）已揽收",),
        IN_TRANSIT: ("【{city}】快件已经到达{hub}", "【{city}】快件离开{hub}已发往{next_hub}"),
        OUT_FOR_DELIVERY: ("【{city}】{site}的业务员{courier}（{phone}）正在第1次派件，请保持电话畅通，并耐心等待",),
        DELIVERED: ("【{city}】快件已被{signer}签收，如有疑问请电联业务员{courier}（{phone}）。感谢使用中通快递，期待再次为您服务！",),
    }),
    "YTO": ("{city}{area}", "{city}转运中心", {
        PICKED_UP: ("【{site}公司】已揽收 取件人：{courier}（{phone}）",),
        IN_TRANSIT: ("快件已到达【{hub}】", "【{hub}】已发出 下一站【{next_hub}】"),
        OUT_FOR_DELIVERY: ("【{site}公司】派件中 派件人：{courier} 电话：{phone}",),
        DELIVERED: ("快件已签收 签收人：{signer}，感谢使用圆通速递，期待再次为您服务",),
    }),
    "YUNDA": ("{city}{area}服务部", "{city}分拨中心", {
        PICKED_UP: ("【{site}】已进行揽件扫描，揽件员：{courier}，电话：{phone}",),
        IN_TRANSIT: ("【{hub}】已到达", "【{hub}】已进行装车扫描，即将发往：{next_hub}"),
        OUT_FOR_DELIVERY: ("【{site}】进行派件扫描；派送业务员：{courier}；联系电话：{phone}",),
        DELIVERED: ("【{site}】快件已被 {signer} 签收",),
    }),
    "STO": ("{city}{area}营业部", "{city}转运中心", {
        PICKED_UP: ("【{city}】{site} 的 {courier}（{phone}）已揽收",),
        IN_TRANSIT: ("【{city}】已到达 {hub}", "【{city}】已离开 {hub}；发往 {next_hub}"),
        OUT_FOR_DELIVERY: ("【{city}】{site} 的派件员 {courier}（{phone}）正在为您派件",),
        DELIVERED: ("【{city}】已签收，签收人是：{signer}，如有疑问请联系派件员 {courier}（{phone}）",),
    }),
    "JTSD": ("{city}{area}网点", "{city}转运中心", {
        PICKED_UP: ("【{city}】{site} 快件已揽收，快递员：{courier}，电话：{phone}",),
        IN_TRANSIT: ("【{city}】快件到达【{hub}】", "【{city}】快件离开【{hub}】，已发往【{next_hub}】"),
        OUT_FOR_DELIVERY: ("【{city}】{site} 派件员：{courier} 电话：{phone} 当前正在为您派件",),
        DELIVERED: ("【{city}】快件已由{signer}签收，如有疑问请联系派件员{courier}，电话：{phone}。感谢使用极兔速递",),
    }),
    "EMS": ("{city}{area}揽投部", "{city}邮件处理中心", {
        PICKED_UP: ("【{site}】已收寄，揽投员：{courier}，电话：{phone}",),
        IN_TRANSIT: ("【{hub}】已到达", "【{hub}】已发出，下一站【{next_hub}】"),
        OUT_FOR_DELIVERY: ("【{site}】安排投递，投递员：{courier}，电话：{phone}",),
        DELIVERED: ("【{site}】已妥投，签收人：{signer}",),
        DELIVERY_FAILED: ("【{site}】未妥投（{reason}），将再次安排投递",),
    }),
    "JDL": ("{city}{area}营业部", "{city}分拣中心", {
        PICKED_UP: ("您的快件已由【{site}】揽收完成，快递员：{courier}，联系电话：{phone}",),
        IN_TRANSIT: ("您的快件已到达【{hub}】", "您的快件已由【{hub}】发出，正在发往【{next_hub}】"),
        OUT_FOR_DELIVERY: ("您的快件正在派送中，请您准备签收（快递员：{courier}，联系电话：{phone}）",),
        DELIVERED: ("您的快件已由{signer}签收，感谢您使用京东物流，期待再次为您服务",),
    }),
    "DB": ("{city}{area}营业部", "{city}枢纽中心", {
        PICKED_UP: ("【{city}】{site} 已揽收，揽收人：{courier}，电话：{phone}",),
        IN_TRANSIT: ("【{city}】运输中，到达【{hub}】", "【{city}】运输中，离开【{hub}】，下一站【{next_hub}】"),
        OUT_FOR_DELIVERY: ("【{city}】派送中，派送人：{courier}，电话：{phone}",),
        DELIVERED: ("【{city}】已签收，签收人：{signer}，感谢使用德邦快递",),
    }),
}


def carrier_name(delivery_id: str) -> str:
    return CARRIER_NAMES.get(delivery_id, "快递")


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _city(action: int, last: Optional[int], path_len: int, rng: random.Random, origin: str, destination: str) -> str:
    if action in (COURIER_ASSIGNED, PICKED_UP, PICKUP_FAILED) or (action == CANCELLED and last in (None, COURIER_ASSIGNED, PICKUP_FAILED)):
        return origin
    if action in (OUT_FOR_DELIVERY, DELIVERED, DELIVERY_FAILED) or last in (OUT_FOR_DELIVERY, DELIVERY_FAILED):
        return destination
    if last == PICKED_UP:
        return origin
    if path_len >= MAX_TRANSIT_LEN - 1:
        return destination
    return rng.choice([c for c in CITIES if c not in (origin, destination)])


def _local(delivery_id: str, city: str) -> Tuple[str, str, str]:
    """(area, courier, phone) of a carrier's site in a city: stable, so pickup and delivery steps agree."""
    local = order_rng(delivery_id, city, 0)
    return local.choice(_AREAS), _person(local), _phone(local)


def _message(delivery_id: str, action: int, last: Optional[int], path_len: int, rng: random.Random,
             origin: Optional[str], destination: Optional[str]) -> str:
    site_pattern, hub_pattern, own = _CARRIERS.get(delivery_id, ("{city}{area}营业部", "{city}转运中心", {}))
    template = rng.choice(own.get(action) or _GENERIC[action])
    origin = origin or rng.choice(CITIES)
    destination = destination or rng.choice(CITIES)
    city = _city(action, last, path_len, rng, origin, destination)
    area, courier, phone = _local(delivery_id, city)
    site = site_pattern.format(city=city, area=area)
    fields = {
        "carrier": carrier_name(delivery_id), "city": city, "site": site, "hub": hub_pattern.format(city=city),
        "next_hub": hub_pattern.format(city=destination) if city != destination else site,
        "courier": courier, "phone": phone, "signer": rng.choice(_SIGNERS), "reason": rng.choice(_REASONS.get(action, ("",))),
    }
    return template.format(**fields)
