"""Secrets never reach logs, reprs or error messages, even with the root logger at DEBUG."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

import cloudfn as cloud
from cloudfn import CloudSDKError, core
from cloudfn.redact import redact
from cloudfn.tokens import FileTokenStore, MemoryTokenStore, Token
from tests.stub_server import Reply, StubWeChat

SECRET = "app-secret-0123456789abcdef"
PASSWORD = "carrier-password-42"
CB_TOKEN = "cloudbase-token-zyxwv"


@pytest.fixture
def debug_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_https_calls_leak_nothing_at_debug(debug_log: io.StringIO, stub: StubWeChat) -> None:
    cloud.init(transport="https", appid="wxsecret", secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    cloud.openapi.logistics.bindAccount(type="bind", bizId="1", deliveryId="YUNDA", password=PASSWORD)
    stub.reply("/cgi-bin/express/business/account/bind", Reply({"errcode": 42001, "errmsg": "expired"}), Reply(drop=True))
    errors = []
    for _ in range(2):
        try:
            cloud.openapi.logistics.bindAccount(type="bind", bizId="1", deliveryId="YUNDA", password=PASSWORD)
        except CloudSDKError as err:
            errors.append(err)
    text = debug_log.getvalue()
    assert "access_token=***" in text  # urllib3 did log the URL, masked
    everything = text + "".join(str(e) + repr(e) for e in errors) + repr(core.current()) + repr(core.current().transport("x"))
    for secret in (SECRET, PASSWORD, "TOKEN-1-secretvalue", "TOKEN-2-secretvalue"):
        assert secret not in everything
    assert errors and errors[0].errCode == -601003


def test_cloudbase_token_never_shows(debug_log: io.StringIO, stub: StubWeChat) -> None:
    cloud.init(transport="cloudbase", cloudbase_token=CB_TOKEN, api_base=stub.base_url)
    cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    text = debug_log.getvalue() + repr(core.current()) + repr(core.current().transport("x"))
    assert "cloudbase_access_token=***" in debug_log.getvalue()
    assert CB_TOKEN not in text


def test_reprs_mask_secrets(tmp_path: Path) -> None:
    cloud.init(transport="https", appid="wxr", secret=SECRET, cloudbase_token=CB_TOKEN, token_store=FileTokenStore(str(tmp_path)))
    config = core.current().config
    assert "secret='***'" in repr(config) and "cloudbase_token='***'" in repr(config)
    assert SECRET not in repr(config) and CB_TOKEN not in repr(config)
    assert "abc-token-value" not in repr(Token("abc-token-value", 1.0))


def test_network_error_messages_carry_no_token(stub: StubWeChat) -> None:
    cloud.init(transport="https", appid="wxn", secret=SECRET, api_base=stub.base_url, token_store=MemoryTokenStore())
    stub.reply("/cgi-bin/express/business/path/get", Reply(drop=True), Reply(drop=True))
    with pytest.raises(CloudSDKError) as info:
        cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W")
    assert "TOKEN-1" not in str(info.value) and "access_token" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("GET /x?access_token=abc123&b=1", "GET /x?access_token=***&b=1"),
        ("/y?cloudbase_access_token=zz", "/y?cloudbase_access_token=***"),
        ('{"secret": "s3", "appid": "wx"}', '{"secret": "***", "appid": "wx"}'),
        ('{"password":"pw"}', '{"password":"***"}'),
    ],
)
def test_redact_masks_credential_parameters_and_fields(raw: str, clean: str) -> None:
    assert redact(raw) == clean
