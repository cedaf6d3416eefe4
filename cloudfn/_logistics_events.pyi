"""Typed payloads of the logistics push events, generated from cloudfn/data/logistics.json by
cloudfn/codegen_events.py: do not edit, run `python -m cloudfn.codegen`.

Events: AddExpressPathEvent,
AddWaybillEvent,
AddWaybillReply,
CancelWaybillEvent,
CancelWaybillReply,
CheckBizEvent,
CheckBizReply,
GetQuotaEvent,
GetQuotaReply."""

from typing import List

from typing_extensions import Literal, Required, TypedDict

class PushAction(TypedDict, total=False):
    ActionTime: int
    """Unix seconds of the trace step."""
    ActionType: int
    """Action type code (see action_types)."""
    ActionMsg: str
    """Text shown to the user."""

class AddExpressPathEvent(TypedDict, total=False):
    """onPathUpdate (add_express_path, to_business): A waybill's path changed (a carrier's updatePath, testUpdateOrder, a cancellation)."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['add_express_path']]
    """The event name (case-insensitive)."""
    DeliveryID: Required[str]
    """Carrier id."""
    WayBillId: Required[str]
    """Waybill number (note the Id casing)."""
    OrderId: Required[str]
    """Merchant order id."""
    Version: Required[int]
    """Path version."""
    Count: Required[int]
    """Number of path items."""
    Actions: Required[List[PushAction]]
    """The whole path, oldest first."""

class PushPerson(TypedDict, total=False):
    Name: str
    """Name."""
    Tel: str
    """Landline."""
    Mobile: str
    """Mobile phone."""
    Company: str
    """Company name."""
    PostCode: str
    """Postal code."""
    Country: str
    """Country, 中国 by default."""
    Province: str
    """Province, e.g. 广东省."""
    City: str
    """City, e.g. 广州市."""
    Area: str
    """District, e.g. 海珠区."""
    Address: str
    """Street address."""

class PushCargoItem(TypedDict, total=False):
    Name: str
    """Item name."""
    Count: int
    """Item count."""

class PushCargo(TypedDict, total=False):
    Weight: float
    """Weight, kg."""
    Space_X: float
    """Length, cm."""
    Space_Y: float
    """Width, cm."""
    Space_Z: float
    """Height, cm."""
    Count: int
    """Number of parcels."""
    DetailList: List[PushCargoItem]
    """Items in the parcel."""

class PushInsured(TypedDict, total=False):
    UseInsured: int
    """1 insured, 0 not."""
    InsuredValue: int
    """Insured value, fen."""

class PushService(TypedDict, total=False):
    ServiceType: int
    """Service type id."""
    ServiceName: str
    """Service type name."""

class AddWaybillEvent(TypedDict, total=False):
    """onAddOrder (add_waybill, to_provider): A merchant's addOrder asks the carrier for a waybill."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['add_waybill']]
    """The event name (case-insensitive)."""
    Token: Required[str]
    """Order token; the carrier passes it to updatePath and getContact."""
    OrderID: Required[str]
    """Merchant order id; the same OrderID must get the same waybill id."""
    BizID: Required[str]
    """Merchant's customer code or monthly account."""
    BizPwd: str
    """Password of BizID."""
    ShopAppID: Required[str]
    """Merchant mini program appid."""
    WayBillID: Required[str]
    """Waybill id from WeChat's number range; 0: the carrier generates it."""
    Remark: str
    """Remark printed on the label."""
    Sender: Required[PushPerson]
    """Sender."""
    Receiver: Required[PushPerson]
    """Receiver."""
    Cargo: Required[PushCargo]
    """Parcel."""
    Insured: Required[PushInsured]
    """Insurance."""
    Service: Required[PushService]
    """Service type."""

class AddWaybillReply(TypedDict, total=False):
    """The provider's reply to add_waybill."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['add_waybill']]
    """The event name (case-insensitive)."""
    Token: Required[str]
    """Order token; the carrier passes it to updatePath and getContact."""
    OrderID: Required[str]
    """Merchant order id; the same OrderID must get the same waybill id."""
    BizID: Required[str]
    """Merchant's customer code or monthly account."""
    WayBillID: Required[str]
    """Waybill id from WeChat's number range; 0: the carrier generates it."""
    ResultCode: Required[int]
    """0 accepted; 10001, 10002, 20001-20009 or -1 refused."""
    ResultMsg: Required[str]
    """Result detail."""
    WaybillData: str
    """Label data, ##key##value##key##value##."""

class CancelWaybillEvent(TypedDict, total=False):
    """onCancelOrder (cancel_waybill, to_provider): A merchant's cancelOrder asks the carrier to cancel a waybill."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['cancel_waybill']]
    """The event name (case-insensitive)."""
    OrderID: Required[str]
    """Merchant order id."""
    BizID: Required[str]
    """Merchant's customer code."""
    BizPwd: str
    """Password of BizID."""
    ShopAppID: Required[str]
    """Merchant mini program appid."""
    WayBillID: Required[str]
    """Waybill id."""

class CancelWaybillReply(TypedDict, total=False):
    """The provider's reply to cancel_waybill."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['cancel_waybill']]
    """The event name (case-insensitive)."""
    BizID: Required[str]
    """Merchant's customer code."""
    OrderID: Required[str]
    """Merchant order id."""
    WayBillID: Required[str]
    """Waybill id."""
    ResultCode: Required[int]
    """0 cancelled; 30001-30004 or -1 refused."""
    ResultMsg: Required[str]
    """Result detail."""

class CheckBizEvent(TypedDict, total=False):
    """onCheckBusiness (check_biz, to_provider): A merchant's bindAccount asks the carrier to review the account."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['check_biz']]
    """The event name (case-insensitive)."""
    BizID: Required[str]
    """Merchant's customer code."""
    BizPwd: str
    """Password of BizID."""
    ShopAppID: Required[str]
    """Merchant mini program appid."""
    ShopName: str
    """Merchant (mini program) name; EMS only."""
    ShopTelphone: str
    """Merchant phone; EMS only."""
    ShopContact: str
    """Merchant contact name; EMS only."""
    ServiceName: str
    """Service type to open; EMS only."""
    SenderAddress: str
    """Shipping address; EMS only."""
    SenderProvince: str
    """Shipping province; EMS only."""
    SenderCity: str
    """Shipping city; EMS only."""
    SenderArea: str
    """Shipping district; EMS only."""

class CheckBizReply(TypedDict, total=False):
    """The provider's reply to check_biz."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['check_biz']]
    """The event name (case-insensitive)."""
    BizID: Required[str]
    """Merchant's customer code."""
    ResultCode: Required[int]
    """0 approved; 10001, 10002 or -1 refused."""
    ResultMsg: Required[str]
    """Result detail."""
    Quota: Required[int]
    """Available balance, 0: none."""

class GetQuotaEvent(TypedDict, total=False):
    """onGetQuota (get_quota, to_provider): A merchant's getQuota asks the carrier for the account's balance."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['get_quota']]
    """The event name (case-insensitive)."""
    BizID: Required[str]
    """Merchant's customer code."""
    BizPwd: str
    """Password of BizID."""
    ShopAppID: Required[str]
    """Merchant mini program appid."""

class GetQuotaReply(TypedDict, total=False):
    """The provider's reply to get_quota."""
    ToUserName: Required[str]
    """UserName (original id) of the receiving mini program."""
    FromUserName: Required[str]
    """Sender openid (a fixed WeChat-team openid for provider events)."""
    CreateTime: Required[int]
    """Event time, Unix seconds."""
    MsgType: Required[Literal['event']]
    """Always event."""
    Event: Required[Literal['get_quota']]
    """The event name (case-insensitive)."""
    BizID: Required[str]
    """Merchant's customer code."""
    ResultCode: Required[int]
    """0 ok; 10001, 10002 or -1 refused."""
    ResultMsg: Required[str]
    """Result detail."""
    Quota: Required[int]
    """Available balance, 0: none."""
