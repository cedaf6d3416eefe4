"""getWXContext follows wx-server-sdk: keys from WX_CONTEXT_KEYS, tokens never exposed."""

from __future__ import annotations

import pytest

import cloudfn as cloud


def test_context_reads_listed_keys_strips_prefix_and_adds_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WX_CONTEXT_KEYS", "WX_OPENID,WX_APPID,WX_UNIONID,WX_CLIENTIP,WX_API_TOKEN,WX_TRIGGER_API_TOKEN_V0,,WX_MISSING")
    monkeypatch.setenv("WX_OPENID", "o-123")
    monkeypatch.setenv("WX_APPID", "wxapp")
    monkeypatch.setenv("WX_UNIONID", "u-1")
    monkeypatch.setenv("WX_CLIENTIP", "42")
    monkeypatch.setenv("WX_API_TOKEN", "never-shown")
    monkeypatch.setenv("WX_TRIGGER_API_TOKEN_V0", "never-shown-either")
    monkeypatch.setenv("TCB_ENV", "env-1")
    monkeypatch.setenv("TCB_SOURCE", "wx_client")
    assert cloud.getWXContext() == {"OPENID": "o-123", "APPID": "wxapp", "UNIONID": "u-1", "CLIENTIP": 42, "ENV": "env-1", "SOURCE": "wx_client"}


def test_context_is_empty_outside_a_function() -> None:
    assert cloud.getWXContext() == {}


def test_env_falls_back_to_scf_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WX_CONTEXT_KEYS", "WX_OPENID")
    monkeypatch.setenv("WX_OPENID", "o")
    monkeypatch.setenv("SCF_NAMESPACE", "ns-2")
    assert cloud.getWXContext() == {"OPENID": "o", "ENV": "ns-2"}
