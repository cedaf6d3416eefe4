"""Faults are classified precisely; only what is safe to repeat is retried."""

from __future__ import annotations

import socket

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError
from cloudfn.tokens import MemoryTokenStore
from tests.stub_server import Reply, StubWeChat

PATH = "/cgi-bin/express/business/path/get"
ADD = "/cgi-bin/express/business/order/add"


def test_read_timeout_is_call_timeout(stub: StubWeChat) -> None:
    cloud.init(transport="https", appid="wxt", secret="t-secret", api_base=stub.base_url, timeout=200, token_store=MemoryTokenStore())
    stub.reply(PATH, Reply(sleep=1.0))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert info.value.errCode == -604102
    assert info.value.errMsg == f"openapi.logistics.getPath:fail request timed out after 0.2s waiting for {stub.base_url[7:]}"
    assert len(stub.calls(PATH)) == 1  # a timeout is not retried


def test_connection_refused_is_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once we leave: nothing listens there
    cloud.init(transport="https", appid="wxr", secret="r-secret", api_base=f"http://127.0.0.1:{port}")
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert info.value.errCode == -601003
    assert info.value.errMsg.startswith(f"openapi.logistics.getPath:fail network error talking to 127.0.0.1:{port}: ")
    assert "Connection refused" in info.value.errMsg


def test_dropped_connection_on_a_read_is_retried_once(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(drop=True))
    assert cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")["errCode"] == 0
    assert len(stub.calls(PATH)) == 2


def test_dropped_connection_twice_on_a_read_fails_after_two_attempts(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(drop=True), Reply(drop=True))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert info.value.errCode == -601003
    assert len(stub.calls(PATH)) == 2


@pytest.mark.parametrize(
    "method, path, args",
    [
        ("addOrder", ADD, None),
        ("cancelOrder", "/cgi-bin/express/business/order/cancel", {"orderId": "o", "deliveryId": "TEST", "waybillId": "w"}),
        (
            "updatePath",
            "/cgi-bin/express/delivery/path/update",
            {"token": "t", "waybillId": "w", "actionTime": 1, "actionType": 100001, "actionMsg": "m"},
        ),
    ],
)
def test_a_write_is_never_sent_twice(sdk, stub: StubWeChat, method: str, path: str, args) -> None:
    if args is None:
        from tests.test_core_methods import camel_body

        args = camel_body("addOrder")
    stub.reply(path, Reply(drop=True))
    with pytest.raises(CloudSDKError) as info:
        getattr(cloud.openapi.logistics, method)(args)
    assert info.value.errCode == -601003
    assert len(stub.calls(path)) == 1


def test_empty_error_status_is_reported(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(b"", status=404, content_type=""))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert info.value.errCode == -501001
    assert "HTTP 404" in info.value.errMsg


# --------------------------------------------------------------------------- error pages are errors
PAGE = b"<html><body>429 Too Many Requests</body></html>"


@pytest.mark.parametrize("status", [403, 404, 429])
@pytest.mark.parametrize("content_type", ["text/html", "text/plain", "application/json", ""])
def test_a_non_json_4xx_reply_to_addorder_is_an_error_naming_the_status(sdk, stub: StubWeChat, status: int, content_type: str) -> None:
    from tests.test_core_methods import camel_body

    stub.reply(ADD, Reply(PAGE, status=status, content_type=content_type))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.addOrder(camel_body("addOrder"))
    assert info.value.errCode == -501001
    assert info.value.errMsg.startswith(f"openapi.logistics.addOrder:fail HTTP {status} (")
    assert "429 Too Many Requests" in info.value.errMsg  # the page's start, for the user to see
    assert len(stub.calls(ADD)) == 1  # and a write is not sent again


def test_a_json_4xx_without_errcode_is_an_error(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply({"message": "rate limited"}, status=429))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert (info.value.errCode, info.value.errMsg) == (
        -501001, 'openapi.logistics.getPath:fail HTTP 429 (application/json; encoding=utf-8): {"message": "rate limited"}')


def test_a_json_4xx_with_a_wechat_errcode_is_that_errcode(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply({"errcode": 45009, "errmsg": "reach max api daily quota limit"}, status=403))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert (info.value.errCode, info.value.errMsg) == (45009, "openapi.logistics.getPath:fail reach max api daily quota limit")


def test_a_200_page_for_a_method_without_binary_response_is_an_error(sdk, stub: StubWeChat) -> None:
    stub.reply(ADD, Reply(b"<html>captive portal</html>", content_type="text/html; charset=utf-8"))
    from tests.test_core_methods import camel_body

    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.addOrder(camel_body("addOrder"))
    assert (info.value.errCode, info.value.errMsg) == (
        -601001,
        "openapi.logistics.addOrder:fail wechat server answered HTTP 200 with text/html; charset=utf-8, not JSON: <html>captive portal</html>",
    )


def test_no_logistics_method_is_marked_binary() -> None:
    """The official pages document a JSON reply for every logistics method."""
    from cloudfn import spec

    assert [n for n, m in spec.methods().items() if m.get("binary_response")] == []


def test_an_error_page_via_the_cloudbase_transport_is_an_error(stub: StubWeChat) -> None:
    cloud.init(transport="cloudbase", cloudbase_token="cb-token-faults", api_base=stub.base_url)
    stub.reply(PATH, Reply(PAGE, status=403, content_type="text/html"))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert info.value.errCode == -501001 and "HTTP 403" in info.value.errMsg


def test_error_preview_is_bounded(sdk, stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(b"x" * 100_000, status=503, content_type="text/html"))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert info.value.errCode == -601001 and len(info.value.errMsg) < 1200
