"""EVENT TABLES: the one place in ``cloudfn.events`` that describes the five logistics push events.

Names and aliases (``ALIASES``), the request fields a provider reply echoes (``ECHO_FIELDS``),
and the fields that carry numbers or lists in the JSON form (``INT_FIELDS``, ``FLOAT_FIELDS``,
``LIST_FIELDS``: XML carries no types, so reading it back needs them). Every other module of
``cloudfn.events`` reads these tables and describes no event itself; when the model
(``cloudfn/data/logistics.json``, ``cloudfn.spec.events()``) describes the events, these
tables are to be derived from it here.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Tuple

# wx-server-sdk style names (lower-cased) -> the platform's Event values
ALIASES: Dict[str, str] = {
    "onpathupdate": "add_express_path",
    "onaddorder": "add_waybill",
    "oncancelorder": "cancel_waybill",
    "oncheckbusiness": "check_biz",
    "ongetquota": "get_quota",
}
# request fields a provider reply echoes, per provider event (reply fields per the event pages)
ECHO_FIELDS: Dict[str, Tuple[str, ...]] = {
    "add_waybill": ("Token", "OrderID", "BizID", "WayBillID"),
    "cancel_waybill": ("BizID", "OrderID", "WayBillID"),
    "check_biz": ("BizID",),
    "get_quota": ("BizID",),
}
PROVIDER_EVENTS: Tuple[str, ...] = tuple(ECHO_FIELDS)

# fields that are numbers in the JSON form of the events (and of the safe-mode reply)
INT_FIELDS: FrozenSet[str] = frozenset(
    {
        "CreateTime", "Version", "Count", "ActionTime", "ActionType", "ResultCode", "Quota",
        "UseInsured", "InsuredValue", "ServiceType", "TimeStamp",
    }
)  # fmt: skip
FLOAT_FIELDS: FrozenSet[str] = frozenset({"Weight", "Space_X", "Space_Y", "Space_Z"})
# fields that are always lists, even with one element
LIST_FIELDS: FrozenSet[str] = frozenset({"Actions", "DetailList"})
