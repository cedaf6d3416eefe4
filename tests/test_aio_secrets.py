"""cloudfn.aio keeps the sync API's secret promises: nothing chained, nothing echoed, masked bodies."""

from __future__ import annotations

import asyncio
import socket

import pytest

import cloudfn.aio as cloud
from cloudfn.tokens import MemoryTokenStore
from tests.stub_server import Reply, StubWeChat
from tests.test_core_secrets import CB_TOKEN, ECHOING_REPLIES, PASSWORD, SECRET, exception_texts

PATH = "/cgi-bin/express/business/path/get"
BIND = "/cgi-bin/express/business/account/bind"


def _raised(coro_fn) -> cloud.CloudSDKError:  # type: ignore[no-untyped-def]
    with pytest.raises(cloud.CloudSDKError) as info:
        asyncio.run(coro_fn())
    return info.value


def test_read_timeout_chains_nothing_that_holds_the_token_url(stub: StubWeChat) -> None:
    stub.reply(PATH, Reply(sleep=0.6))

    async def main() -> None:
        async with cloud.Cloud(transport="https", appid="wxto", secret=SECRET, api_base=stub.base_url, timeout=200,
                               token_store=MemoryTokenStore()) as c:
            await c.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")

    err = _raised(main)
    assert err.errCode == -604102
    assert err.__context__ is None and err.__cause__ is None
    assert "TOKEN-1-secretvalue" not in exception_texts(err)


def test_refused_connection_chains_nothing_that_holds_the_cloudbase_token() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def main() -> None:
        async with cloud.Cloud(transport="cloudbase", cloudbase_token=CB_TOKEN, api_base=f"http://127.0.0.1:{port}") as c:
            await c.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")

    err = _raised(main)
    assert err.errCode == -601003
    assert err.__context__ is None and err.__cause__ is None
    assert CB_TOKEN not in exception_texts(err)


@pytest.mark.parametrize("reply", ECHOING_REPLIES.values(), ids=list(ECHOING_REPLIES))
def test_errors_from_an_echoing_server_carry_no_secret(stub: StubWeChat, reply: Reply) -> None:
    stub.reply(BIND, reply)

    async def main() -> None:
        async with cloud.Cloud(transport="https", appid="wxecho", secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore()) as c:
            await c.openapi.logistics.bindAccount(type="bind", bizId="biz-1", deliveryId="YUNDA", password=PASSWORD)

    text = exception_texts(_raised(main))
    assert "biz-1" in text  # the echo arrived (the test can fail)
    for secret in (SECRET, PASSWORD, "TOKEN-1-secretvalue"):
        assert secret not in text
