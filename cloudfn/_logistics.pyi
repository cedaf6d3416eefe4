"""Typed view of cloud.openapi.logistics, generated from cloudfn/data/logistics.json by
cloudfn/codegen.py: do not edit, run `python -m cloudfn.codegen`.

Requests are TypedDicts (dict form) or keywords; results are TypedDicts: key access is typed.
At run time results also answer attribute access (cloudfn.result.Result); this view types
the keys only (a TypedDict cannot declare attributes)."""

from typing import Any, Dict, List, Optional, overload

from typing_extensions import Literal, Required, TypedDict

class Person(TypedDict, total=False):
    name: Required[str]
    """Name (required by the classic pages; the 2024 table marks it optional)."""
    tel: str
    """Landline; tel or mobile is required."""
    mobile: str
    """Mobile phone; tel or mobile is required."""
    company: str
    """Company name."""
    postCode: str
    """Postal code."""
    country: str
    """Country, e.g. 中国."""
    province: Required[str]
    """Province, e.g. 广东省."""
    city: Required[str]
    """City, e.g. 广州市."""
    area: Required[str]
    """District or county, e.g. 海珠区."""
    address: Required[str]
    """Street-level address."""

class CargoDetailList(TypedDict, total=False):
    name: Required[str]
    """Goods name."""
    count: Required[int]
    """Goods quantity."""

class Cargo(TypedDict, total=False):
    count: Required[int]
    """Number of parcels."""
    weight: Required[float]
    """Total weight in kg."""
    spaceX: Required[float]
    """Length in cm."""
    spaceY: Required[float]
    """Width in cm."""
    spaceZ: Required[float]
    """Height in cm."""
    detailList: Required[List[CargoDetailList]]
    """Goods in the parcel(s)."""

class ShopDetailList(TypedDict, total=False):
    goodsName: Required[str]
    """Goods name."""
    goodsImgUrl: Required[str]
    """Goods image URL."""
    goodsDesc: Required[str]
    """Goods description."""

class Shop(TypedDict, total=False):
    wxaPath: str
    """Mini-program page opened from the logistics notice."""
    imgUrl: str
    """Goods thumbnail URL; required when detail_list is empty."""
    goodsName: str
    """Goods name; required when detail_list is empty."""
    goodsCount: int
    """Goods quantity; required when detail_list is empty."""
    detailList: List[ShopDetailList]
    """Goods list for the notice page (newer style)."""

class Insured(TypedDict, total=False):
    useInsured: Required[Literal[0, 1]]
    """1 to buy declared-value insurance."""
    insuredValue: Required[int]
    """Insured amount in fen (10000 = 100 yuan)."""

class Service(TypedDict, total=False):
    serviceType: Required[int]
    """Carrier service type id (see getAllDelivery)."""
    serviceName: Required[str]
    """Carrier service name matching service_type."""

class AddOrderRequest(TypedDict, total=False):
    addSource: Required[Literal[0, 2]]
    """0 = mini-program order, 2 = App/H5 order (then wx_appid, no openid)."""
    wxAppid: str
    """App/H5 appid; required when add_source is 2."""
    orderId: Required[str]
    """Merchant order id, unique per mini program."""
    openid: str
    """Buyer openid; not needed when add_source is 2."""
    deliveryId: Required[str]
    """Carrier id from getAllDelivery (TEST for the sandbox)."""
    bizId: Required[str]
    """Carrier customer code, cash code, or test_biz_id."""
    customRemark: str
    """Remark printed on the waybill."""
    tagid: int
    """Order tag id (platform mini programs)."""
    sender: Required[Person]
    """Sender."""
    receiver: Required[Person]
    """Receiver."""
    cargo: Required[Cargo]
    """Parcel information."""
    shop: Required[Shop]
    """Goods shown in the notice."""
    insured: Required[Insured]
    """Insurance."""
    service: Required[Service]
    """Service type."""
    expectTime: int
    """Expected pickup time, Unix seconds (SF requires it)."""
    takeMode: Literal[0, 1]
    """0 outlet-signed (default), 1 HQ-signed (YTO only)."""

class AddOrderResultWaybillDataOut(TypedDict, total=False):
    key: str
    """Item key."""
    value: str
    """Item value."""

class AddOrderResult(TypedDict, total=False):
    orderId: str
    """Merchant order id."""
    waybillId: str
    """Waybill number."""
    waybillData: List[AddOrderResultWaybillDataOut]
    """Label render data."""
    deliveryResultcode: int
    """Carrier result code (on carrier failure)."""
    deliveryResultmsg: str
    """Carrier result message (on carrier failure)."""
    errMsg: Required[str]
    errCode: Required[int]

class BatchGetOrderRequestOrderList(TypedDict, total=False):
    orderId: Required[str]
    """Merchant order id."""
    deliveryId: Required[str]
    """Carrier id."""
    waybillId: str
    """Waybill number."""

class BatchGetOrderRequest(TypedDict, total=False):
    orderList: Required[List[BatchGetOrderRequestOrderList]]
    """Orders to fetch (at most 100)."""

class BatchGetOrderResultOrderListOutWaybillDataOut(TypedDict, total=False):
    key: str
    """Item key."""
    value: str
    """Item value."""

class BatchGetOrderResultOrderListOut(TypedDict, total=False):
    errcode: int
    """Per-order error code (0 ok)."""
    errmsg: str
    """Per-order error message."""
    orderId: str
    """Merchant order id."""
    deliveryId: str
    """Carrier id."""
    waybillId: str
    """Waybill number."""
    printHtml: str
    """Base64 of the waybill HTML."""
    waybillData: List[BatchGetOrderResultOrderListOutWaybillDataOut]
    """Label render data."""
    orderStatus: int
    """0 normal, 1 cancelled."""

class BatchGetOrderResult(TypedDict, total=False):
    orderList: List[BatchGetOrderResultOrderListOut]
    """One entry per order, each with its own errcode."""
    errMsg: Required[str]
    errCode: Required[int]

class BindAccountRequest(TypedDict, total=False):
    type: Required[Literal['bind', 'unbind']]
    """bind or unbind."""
    bizId: Required[str]
    """Carrier customer code."""
    deliveryId: Required[str]
    """Carrier id."""
    password: str
    """Carrier customer password (EMS, SF and JDL accept it empty)."""
    remarkContent: str
    """Remark for EMS review: 电话:… 联系人:… 服务类型:… 发货地址:…"""

class BindAccountResult(TypedDict, total=False):
    errMsg: Required[str]
    errCode: Required[int]

class CancelOrderRequest(TypedDict, total=False):
    orderId: Required[str]
    """Merchant order id."""
    openid: str
    """Buyer openid (not needed when add_source was 2)."""
    deliveryId: Required[str]
    """Carrier id."""
    waybillId: Required[str]
    """Waybill number."""

class CancelOrderResult(TypedDict, total=False):
    deliveryResultcode: int
    """Carrier result code."""
    deliveryResultmsg: str
    """Carrier result message."""
    errMsg: Required[str]
    errCode: Required[int]

class GetAllAccountRequest(TypedDict, total=False):
    pass

class GetAllAccountResultListOutServiceTypeOut(TypedDict, total=False):
    serviceType: int
    """Service type id."""
    serviceName: str
    """Service name."""

class GetAllAccountResultListOut(TypedDict, total=False):
    bizId: str
    """Carrier customer code."""
    deliveryId: str
    """Carrier id."""
    createTime: int
    """Bind time, Unix seconds."""
    updateTime: int
    """Update time, Unix seconds."""
    statusCode: int
    """0 bound, 1 under review, 2 failed, 3 unbound."""
    alias: str
    """Account alias."""
    remarkWrongMsg: str
    """Review failure reason."""
    remarkContent: str
    """Remark given at bind time."""
    quotaNum: int
    """Remaining e-waybill quota."""
    quotaUpdateTime: int
    """Quota update time."""
    serviceType: List[GetAllAccountResultListOutServiceTypeOut]
    """Service types of the account."""

class GetAllAccountResult(TypedDict, total=False):
    count: int
    """Number of accounts."""
    list: List[GetAllAccountResultListOut]
    """Accounts."""
    errMsg: Required[str]
    errCode: Required[int]

class GetAllDeliveryRequest(TypedDict, total=False):
    pass

class GetAllDeliveryResultDataOutServiceTypeOut(TypedDict, total=False):
    serviceType: int
    """Service type id."""
    serviceName: str
    """Service name."""

class GetAllDeliveryResultDataOut(TypedDict, total=False):
    deliveryId: str
    """Carrier id."""
    deliveryName: str
    """Carrier name."""
    canUseCash: int
    """1 if cash orders are possible."""
    canGetQuota: int
    """1 if getQuota is supported."""
    cashBizId: str
    """biz_id for cash orders."""
    serviceType: List[GetAllDeliveryResultDataOutServiceTypeOut]
    """Service types."""

class GetAllDeliveryResult(TypedDict, total=False):
    count: int
    """Number of carriers."""
    data: List[GetAllDeliveryResultDataOut]
    """Carriers."""
    errMsg: Required[str]
    errCode: Required[int]

class GetOrderRequest(TypedDict, total=False):
    orderId: Required[str]
    """Merchant order id."""
    openid: str
    """Buyer openid."""
    deliveryId: Required[str]
    """Carrier id."""
    waybillId: str
    """Waybill number (optional on the current page)."""
    printType: Literal[0, 1]
    """1 one-part label, 0 two-part label (default)."""
    customRemark: str
    """Remark (listed without description on the current page)."""

class GetOrderResultWaybillDataOut(TypedDict, total=False):
    key: str
    """Item key."""
    value: str
    """Item value."""

class GetOrderResult(TypedDict, total=False):
    printHtml: str
    """Base64 of the waybill HTML."""
    waybillData: List[GetOrderResultWaybillDataOut]
    """Label render data."""
    deliveryId: str
    """Carrier id."""
    waybillId: str
    """Waybill number."""
    orderId: str
    """Merchant order id."""
    orderStatus: int
    """0 normal, 1 cancelled."""
    errMsg: Required[str]
    errCode: Required[int]

class GetPathRequest(TypedDict, total=False):
    orderId: str
    """Merchant order id (required only on the classic page)."""
    openid: str
    """Buyer openid."""
    deliveryId: Required[str]
    """Carrier id."""
    waybillId: Required[str]
    """Waybill number."""

class GetPathResultPathItemListOut(TypedDict, total=False):
    actionTime: int
    """Unix seconds."""
    actionType: int
    """Action type code."""
    actionMsg: str
    """Action text."""

class GetPathResult(TypedDict, total=False):
    openid: str
    """Buyer openid."""
    deliveryId: str
    """Carrier id."""
    waybillId: str
    """Waybill number."""
    pathItemNum: int
    """Number of path items."""
    pathItemList: List[GetPathResultPathItemListOut]
    """Path items."""
    errMsg: Required[str]
    errCode: Required[int]

class GetPrinterRequest(TypedDict, total=False):
    pass

class GetPrinterResult(TypedDict, total=False):
    count: int
    """Number of printers."""
    openid: List[str]
    """Printer openids."""
    tagidList: List[str]
    """Tag ids (platform mini programs)."""
    errMsg: Required[str]
    errCode: Required[int]

class GetQuotaRequest(TypedDict, total=False):
    deliveryId: Required[str]
    """Carrier id."""
    bizId: Required[str]
    """Carrier customer code."""

class GetQuotaResult(TypedDict, total=False):
    quotaNum: int
    """Remaining quota."""
    errMsg: Required[str]
    errCode: Required[int]

class TestUpdateOrderRequest(TypedDict, total=False):
    bizId: Required[Literal['test_biz_id']]
    """Must be test_biz_id."""
    orderId: Required[str]
    """Order id used in addOrder."""
    deliveryId: Required[Literal['TEST']]
    """Must be TEST."""
    waybillId: Required[str]
    """Waybill number from addOrder."""
    actionTime: Required[int]
    """Unix seconds."""
    actionType: Required[Literal[100001, 100002, 100003, 200001, 300002, 300003, 300004, 400001, 400002]]
    """Action type code."""
    actionMsg: Required[str]
    """Action text."""

class TestUpdateOrderResult(TypedDict, total=False):
    errMsg: Required[str]
    errCode: Required[int]

class UpdatePrinterRequest(TypedDict, total=False):
    openid: Required[str]
    """Printer's openid."""
    updateType: Required[Literal['bind', 'unbind']]
    """bind or unbind."""
    tagidList: str
    """Up to 10 tag ids, comma-separated, no spaces (platform mini programs)."""

class UpdatePrinterResult(TypedDict, total=False):
    errMsg: Required[str]
    errCode: Required[int]

class GetContactRequest(TypedDict, total=False):
    token: Required[str]
    """Token from the add-order event."""
    waybillId: Required[str]
    """Waybill number."""

class ContactPersonOut(TypedDict, total=False):
    name: str
    """Name."""
    tel: str
    """Landline."""
    mobile: str
    """Mobile phone."""
    address: str
    """Full address."""

class GetContactResult(TypedDict, total=False):
    waybillId: str
    """Waybill number."""
    sender: ContactPersonOut
    """Sender."""
    receiver: ContactPersonOut
    """Receiver."""
    errMsg: Required[str]
    errCode: Required[int]

class OrderWithoutAddSource(TypedDict, total=False):
    addSource: Literal[0, 2]
    """0 = mini-program order, 2 = App/H5 order (then wx_appid, no openid)."""
    wxAppid: str
    """App/H5 appid; required when add_source is 2."""
    orderId: Required[str]
    """Merchant order id, unique per mini program."""
    openid: str
    """Buyer openid; not needed when add_source is 2."""
    deliveryId: Required[str]
    """Carrier id from getAllDelivery (TEST for the sandbox)."""
    bizId: Required[str]
    """Carrier customer code, cash code, or test_biz_id."""
    customRemark: str
    """Remark printed on the waybill."""
    tagid: int
    """Order tag id (platform mini programs)."""
    sender: Required[Person]
    """Sender."""
    receiver: Required[Person]
    """Receiver."""
    cargo: Required[Cargo]
    """Parcel information."""
    shop: Required[Shop]
    """Goods shown in the notice."""
    insured: Required[Insured]
    """Insurance."""
    service: Required[Service]
    """Service type."""
    expectTime: int
    """Expected pickup time, Unix seconds (SF requires it)."""
    takeMode: Literal[0, 1]
    """0 outlet-signed (default), 1 HQ-signed (YTO only)."""

class PreviewTemplateRequest(TypedDict, total=False):
    waybillId: Required[str]
    """Waybill number."""
    waybillTemplate: Required[str]
    """Base64 HTML template."""
    waybillData: Required[str]
    """Label data as ##key##value##…"""
    custom: Required[OrderWithoutAddSource]
    """An order, same shape as addOrder's body; the official example omits add_source."""

class PreviewTemplateResult(TypedDict, total=False):
    waybillId: str
    """Waybill number."""
    renderedWaybillTemplate: str
    """Base64 of the rendered HTML."""
    errMsg: Required[str]
    errCode: Required[int]

class UpdateBusinessRequest(TypedDict, total=False):
    shopAppId: Required[str]
    """Merchant mini-program appid."""
    bizId: Required[str]
    """Merchant account."""
    resultCode: Required[int]
    """0 approved, anything else rejected."""
    resultMsg: str
    """Rejection reason."""

class UpdateBusinessResult(TypedDict, total=False):
    errMsg: Required[str]
    errCode: Required[int]

class UpdatePathRequest(TypedDict, total=False):
    token: Required[str]
    """Token from the add-order event."""
    waybillId: Required[str]
    """Waybill number."""
    actionTime: Required[int]
    """Unix seconds."""
    actionType: Required[Literal[100001, 100002, 100003, 200001, 300002, 300003, 300004, 400001, 400002]]
    """Action type code."""
    actionMsg: Required[str]
    """Text shown to the user."""

class UpdatePathResult(TypedDict, total=False):
    errMsg: Required[str]
    errCode: Required[int]

class BatchGetOrderOrderList(TypedDict, total=False):
    orderId: Required[str]
    """Merchant order id."""
    deliveryId: Required[str]
    """Carrier id."""
    waybillId: str
    """Waybill number."""

class Logistics:
    """cloud.openapi.logistics: the WeChat logistics (express) open API."""

    @overload
    def addOrder(self, data: AddOrderRequest, /) -> AddOrderResult:
        """Create a waybill with a carrier.

        POST /cgi-bin/express/business/order/add (business side, write: never retried)
        Required: addSource, orderId, deliveryId, bizId, sender, receiver, cargo, shop, insured, service.
        Errors: -1 system error, 40003 invalid openid, 47001 data format error, 9300501 carrier logic error (see delivery_resultmsg), 9300502 carrier system error, 9300503 delivery_id not registered, 9300510 invalid service_type, 9300522 order_id repeated, 9300525 biz_id not bound, 9300526 field too long, 9300531 invalid biz_id or password, 9300535 invalid shop fields, 9300536 invalid wx_appid."""
    @overload
    def addOrder(self, *, addSource: Literal[0, 2], orderId: str, deliveryId: str, bizId: str, sender: Person, receiver: Person, cargo: Cargo, shop: Shop, insured: Insured, service: Service, wxAppid: str = ..., openid: str = ..., customRemark: str = ..., tagid: int = ..., expectTime: int = ..., takeMode: Literal[0, 1] = ...) -> AddOrderResult: ...

    @overload
    def batchGetOrder(self, data: BatchGetOrderRequest, /) -> BatchGetOrderResult:
        """Fetch several waybills (label HTML and data) at once.

        POST /cgi-bin/express/business/order/batchget (business side)
        Required: orderList.
        Errors: -1 system error."""
    @overload
    def batchGetOrder(self, *, orderList: List[BatchGetOrderOrderList]) -> BatchGetOrderResult: ...

    @overload
    def bindAccount(self, data: BindAccountRequest, /) -> BindAccountResult:
        """Bind or unbind a carrier account.

        POST /cgi-bin/express/business/account/bind (business side, write: never retried)
        Required: type, bizId, deliveryId.
        Errors: -1 system error, 9300529 account already bound, 9300530 biz_id to unbind does not exist, 9300531 wrong account or password, 9300532 bind submitted, under review."""
    @overload
    def bindAccount(self, *, type: Literal['bind', 'unbind'], bizId: str, deliveryId: str, password: str = ..., remarkContent: str = ...) -> BindAccountResult: ...

    @overload
    def cancelOrder(self, data: CancelOrderRequest, /) -> CancelOrderResult:
        """Cancel a waybill that has not been picked up.

        POST /cgi-bin/express/business/order/cancel (business side, write: never retried)
        Required: orderId, deliveryId, waybillId.
        Errors: -1 system error, 40199 waybill not found, 930563 order not found, 9300506 waybill already has trace, cannot cancel, 9300524 cancel failed (already cancelled), 9300501 carrier logic error."""
    @overload
    def cancelOrder(self, *, orderId: str, deliveryId: str, waybillId: str, openid: str = ...) -> CancelOrderResult: ...

    @overload
    def getAllAccount(self, data: GetAllAccountRequest, /) -> GetAllAccountResult:
        """List the carrier accounts bound to the mini program.

        GET /cgi-bin/express/business/account/getall (business side)
        Errors: -1 system error."""
    @overload
    def getAllAccount(self) -> GetAllAccountResult: ...

    @overload
    def getAllDelivery(self, data: GetAllDeliveryRequest, /) -> GetAllDeliveryResult:
        """List the carriers the logistics assistant supports.

        GET /cgi-bin/express/business/delivery/getall (business side)"""
    @overload
    def getAllDelivery(self) -> GetAllDeliveryResult: ...

    @overload
    def getOrder(self, data: GetOrderRequest, /) -> GetOrderResult:
        """Fetch a waybill's label (base64 HTML) and data.

        POST /cgi-bin/express/business/order/get (business side)
        Required: orderId, deliveryId.
        Errors: -1 system error, 930563 order not found."""
    @overload
    def getOrder(self, *, orderId: str, deliveryId: str, openid: str = ..., waybillId: str = ..., printType: Literal[0, 1] = ..., customRemark: str = ...) -> GetOrderResult: ...

    @overload
    def getPath(self, data: GetPathRequest, /) -> GetPathResult:
        """Query a waybill's tracking path.

        POST /cgi-bin/express/business/path/get (business side)
        Required: deliveryId, waybillId.
        Errors: 40199 waybill not found."""
    @overload
    def getPath(self, *, deliveryId: str, waybillId: str, orderId: str = ..., openid: str = ...) -> GetPathResult: ...

    @overload
    def getPrinter(self, data: GetPrinterRequest, /) -> GetPrinterResult:
        """List the label printers.

        GET /cgi-bin/express/business/printer/getall (business side)"""
    @overload
    def getPrinter(self) -> GetPrinterResult: ...

    @overload
    def getQuota(self, data: GetQuotaRequest, /) -> GetQuotaResult:
        """Get the remaining e-waybill quota of an account (franchise carriers).

        POST /cgi-bin/express/business/quota/get (business side)
        Required: deliveryId, bizId.
        Errors: 9300525 biz_id not bound."""
    @overload
    def getQuota(self, *, deliveryId: str, bizId: str) -> GetQuotaResult: ...

    @overload
    def testUpdateOrder(self, data: TestUpdateOrderRequest, /) -> TestUpdateOrderResult:
        """Sandbox: move a TEST order along its path.

        POST /cgi-bin/express/business/test_update_order (business side, write: never retried)
        Required: bizId, orderId, deliveryId, waybillId, actionTime, actionType, actionMsg.
        Errors: -1 system error, 930563 order not found."""
    @overload
    def testUpdateOrder(self, *, bizId: Literal['test_biz_id'], orderId: str, deliveryId: Literal['TEST'], waybillId: str, actionTime: int, actionType: Literal[100001, 100002, 100003, 200001, 300002, 300003, 300004, 400001, 400002], actionMsg: str) -> TestUpdateOrderResult: ...

    @overload
    def updatePrinter(self, data: UpdatePrinterRequest, /) -> UpdatePrinterResult:
        """Bind or unbind a label printer (an openid).

        POST /cgi-bin/express/business/printer/update (business side, write: never retried)
        Required: openid, updateType.
        Errors: -1 system error, 9300517 invalid update_type."""
    @overload
    def updatePrinter(self, *, openid: str, updateType: Literal['bind', 'unbind'], tagidList: str = ...) -> UpdatePrinterResult: ...

    @overload
    def getContact(self, data: GetContactRequest, /) -> GetContactResult:
        """Provider: fetch the sender and receiver contacts of a waybill.

        POST /cgi-bin/express/delivery/contact/get (provider side)
        Required: token, waybillId.
        Errors: -1 system error, 40199 waybill not found, 9300507 invalid token."""
    @overload
    def getContact(self, *, token: str, waybillId: str) -> GetContactResult: ...

    @overload
    def previewTemplate(self, data: PreviewTemplateRequest, /) -> PreviewTemplateResult:
        """Provider: render a waybill template with sample data.

        POST /cgi-bin/express/delivery/template/preview (provider side)
        Required: waybillId, waybillTemplate, waybillData, custom.
        Errors: -1 system error, 9300512 template format error."""
    @overload
    def previewTemplate(self, *, waybillId: str, waybillTemplate: str, waybillData: str, custom: OrderWithoutAddSource) -> PreviewTemplateResult: ...

    @overload
    def updateBusiness(self, data: UpdateBusinessRequest, /) -> UpdateBusinessResult:
        """Provider: report the review result of a merchant account.

        POST /cgi-bin/express/delivery/service/business/update (provider side, write: never retried)
        Required: shopAppId, bizId, resultCode.
        Errors: -1 system error, 40013 invalid merchant appid, 9300525 merchant never applied for review."""
    @overload
    def updateBusiness(self, *, shopAppId: str, bizId: str, resultCode: int, resultMsg: str = ...) -> UpdateBusinessResult: ...

    @overload
    def updatePath(self, data: UpdatePathRequest, /) -> UpdatePathResult:
        """Provider: push a tracking update for a waybill.

        POST /cgi-bin/express/delivery/path/update (provider side, write: never retried)
        Required: token, waybillId, actionTime, actionType, actionMsg.
        Errors: -1 system error, 40199 waybill not found, 9300507 invalid token."""
    @overload
    def updatePath(self, *, token: str, waybillId: str, actionTime: int, actionType: Literal[100001, 100002, 100003, 200001, 300002, 300003, 300004, 400001, 400002], actionMsg: str) -> UpdatePathResult: ...

class AsyncLogistics:
    """cloudfn.aio's openapi.logistics: the same methods as coroutines."""

    @overload
    async def addOrder(self, data: AddOrderRequest, /) -> AddOrderResult:
        """Create a waybill with a carrier.

        POST /cgi-bin/express/business/order/add (business side, write: never retried)
        Required: addSource, orderId, deliveryId, bizId, sender, receiver, cargo, shop, insured, service.
        Errors: -1 system error, 40003 invalid openid, 47001 data format error, 9300501 carrier logic error (see delivery_resultmsg), 9300502 carrier system error, 9300503 delivery_id not registered, 9300510 invalid service_type, 9300522 order_id repeated, 9300525 biz_id not bound, 9300526 field too long, 9300531 invalid biz_id or password, 9300535 invalid shop fields, 9300536 invalid wx_appid."""
    @overload
    async def addOrder(self, *, addSource: Literal[0, 2], orderId: str, deliveryId: str, bizId: str, sender: Person, receiver: Person, cargo: Cargo, shop: Shop, insured: Insured, service: Service, wxAppid: str = ..., openid: str = ..., customRemark: str = ..., tagid: int = ..., expectTime: int = ..., takeMode: Literal[0, 1] = ...) -> AddOrderResult: ...

    @overload
    async def batchGetOrder(self, data: BatchGetOrderRequest, /) -> BatchGetOrderResult:
        """Fetch several waybills (label HTML and data) at once.

        POST /cgi-bin/express/business/order/batchget (business side)
        Required: orderList.
        Errors: -1 system error."""
    @overload
    async def batchGetOrder(self, *, orderList: List[BatchGetOrderOrderList]) -> BatchGetOrderResult: ...

    @overload
    async def bindAccount(self, data: BindAccountRequest, /) -> BindAccountResult:
        """Bind or unbind a carrier account.

        POST /cgi-bin/express/business/account/bind (business side, write: never retried)
        Required: type, bizId, deliveryId.
        Errors: -1 system error, 9300529 account already bound, 9300530 biz_id to unbind does not exist, 9300531 wrong account or password, 9300532 bind submitted, under review."""
    @overload
    async def bindAccount(self, *, type: Literal['bind', 'unbind'], bizId: str, deliveryId: str, password: str = ..., remarkContent: str = ...) -> BindAccountResult: ...

    @overload
    async def cancelOrder(self, data: CancelOrderRequest, /) -> CancelOrderResult:
        """Cancel a waybill that has not been picked up.

        POST /cgi-bin/express/business/order/cancel (business side, write: never retried)
        Required: orderId, deliveryId, waybillId.
        Errors: -1 system error, 40199 waybill not found, 930563 order not found, 9300506 waybill already has trace, cannot cancel, 9300524 cancel failed (already cancelled), 9300501 carrier logic error."""
    @overload
    async def cancelOrder(self, *, orderId: str, deliveryId: str, waybillId: str, openid: str = ...) -> CancelOrderResult: ...

    @overload
    async def getAllAccount(self, data: GetAllAccountRequest, /) -> GetAllAccountResult:
        """List the carrier accounts bound to the mini program.

        GET /cgi-bin/express/business/account/getall (business side)
        Errors: -1 system error."""
    @overload
    async def getAllAccount(self) -> GetAllAccountResult: ...

    @overload
    async def getAllDelivery(self, data: GetAllDeliveryRequest, /) -> GetAllDeliveryResult:
        """List the carriers the logistics assistant supports.

        GET /cgi-bin/express/business/delivery/getall (business side)"""
    @overload
    async def getAllDelivery(self) -> GetAllDeliveryResult: ...

    @overload
    async def getOrder(self, data: GetOrderRequest, /) -> GetOrderResult:
        """Fetch a waybill's label (base64 HTML) and data.

        POST /cgi-bin/express/business/order/get (business side)
        Required: orderId, deliveryId.
        Errors: -1 system error, 930563 order not found."""
    @overload
    async def getOrder(self, *, orderId: str, deliveryId: str, openid: str = ..., waybillId: str = ..., printType: Literal[0, 1] = ..., customRemark: str = ...) -> GetOrderResult: ...

    @overload
    async def getPath(self, data: GetPathRequest, /) -> GetPathResult:
        """Query a waybill's tracking path.

        POST /cgi-bin/express/business/path/get (business side)
        Required: deliveryId, waybillId.
        Errors: 40199 waybill not found."""
    @overload
    async def getPath(self, *, deliveryId: str, waybillId: str, orderId: str = ..., openid: str = ...) -> GetPathResult: ...

    @overload
    async def getPrinter(self, data: GetPrinterRequest, /) -> GetPrinterResult:
        """List the label printers.

        GET /cgi-bin/express/business/printer/getall (business side)"""
    @overload
    async def getPrinter(self) -> GetPrinterResult: ...

    @overload
    async def getQuota(self, data: GetQuotaRequest, /) -> GetQuotaResult:
        """Get the remaining e-waybill quota of an account (franchise carriers).

        POST /cgi-bin/express/business/quota/get (business side)
        Required: deliveryId, bizId.
        Errors: 9300525 biz_id not bound."""
    @overload
    async def getQuota(self, *, deliveryId: str, bizId: str) -> GetQuotaResult: ...

    @overload
    async def testUpdateOrder(self, data: TestUpdateOrderRequest, /) -> TestUpdateOrderResult:
        """Sandbox: move a TEST order along its path.

        POST /cgi-bin/express/business/test_update_order (business side, write: never retried)
        Required: bizId, orderId, deliveryId, waybillId, actionTime, actionType, actionMsg.
        Errors: -1 system error, 930563 order not found."""
    @overload
    async def testUpdateOrder(self, *, bizId: Literal['test_biz_id'], orderId: str, deliveryId: Literal['TEST'], waybillId: str, actionTime: int, actionType: Literal[100001, 100002, 100003, 200001, 300002, 300003, 300004, 400001, 400002], actionMsg: str) -> TestUpdateOrderResult: ...

    @overload
    async def updatePrinter(self, data: UpdatePrinterRequest, /) -> UpdatePrinterResult:
        """Bind or unbind a label printer (an openid).

        POST /cgi-bin/express/business/printer/update (business side, write: never retried)
        Required: openid, updateType.
        Errors: -1 system error, 9300517 invalid update_type."""
    @overload
    async def updatePrinter(self, *, openid: str, updateType: Literal['bind', 'unbind'], tagidList: str = ...) -> UpdatePrinterResult: ...

    @overload
    async def getContact(self, data: GetContactRequest, /) -> GetContactResult:
        """Provider: fetch the sender and receiver contacts of a waybill.

        POST /cgi-bin/express/delivery/contact/get (provider side)
        Required: token, waybillId.
        Errors: -1 system error, 40199 waybill not found, 9300507 invalid token."""
    @overload
    async def getContact(self, *, token: str, waybillId: str) -> GetContactResult: ...

    @overload
    async def previewTemplate(self, data: PreviewTemplateRequest, /) -> PreviewTemplateResult:
        """Provider: render a waybill template with sample data.

        POST /cgi-bin/express/delivery/template/preview (provider side)
        Required: waybillId, waybillTemplate, waybillData, custom.
        Errors: -1 system error, 9300512 template format error."""
    @overload
    async def previewTemplate(self, *, waybillId: str, waybillTemplate: str, waybillData: str, custom: OrderWithoutAddSource) -> PreviewTemplateResult: ...

    @overload
    async def updateBusiness(self, data: UpdateBusinessRequest, /) -> UpdateBusinessResult:
        """Provider: report the review result of a merchant account.

        POST /cgi-bin/express/delivery/service/business/update (provider side, write: never retried)
        Required: shopAppId, bizId, resultCode.
        Errors: -1 system error, 40013 invalid merchant appid, 9300525 merchant never applied for review."""
    @overload
    async def updateBusiness(self, *, shopAppId: str, bizId: str, resultCode: int, resultMsg: str = ...) -> UpdateBusinessResult: ...

    @overload
    async def updatePath(self, data: UpdatePathRequest, /) -> UpdatePathResult:
        """Provider: push a tracking update for a waybill.

        POST /cgi-bin/express/delivery/path/update (provider side, write: never retried)
        Required: token, waybillId, actionTime, actionType, actionMsg.
        Errors: -1 system error, 40199 waybill not found, 9300507 invalid token."""
    @overload
    async def updatePath(self, *, token: str, waybillId: str, actionTime: int, actionType: Literal[100001, 100002, 100003, 200001, 300002, 300003, 300004, 400001, 400002], actionMsg: str) -> UpdatePathResult: ...

class OpenAPI:
    """cloud.openapi: call it with options (convertCase, appid, version) for a configured copy."""

    logistics: Logistics

    def __call__(self, options: Optional[Dict[str, Any]] = None, /, *, convertCase: bool = ..., appid: str = ..., version: str = ...) -> OpenAPI: ...

class AsyncOpenAPI:
    """cloudfn.aio's openapi: every method a coroutine function returning the same result types."""

    logistics: AsyncLogistics

    def __call__(self, options: Optional[Dict[str, Any]] = None, /, *, convertCase: bool = ..., appid: str = ..., version: str = ...) -> AsyncOpenAPI: ...
