"""pytest plugin (entry point ``cloudfn``): the ``cloudfn_emulator`` and ``cloudfn_env`` fixtures.

    def test_label(cloudfn_env):
        result = cloudfn_env.openapi.logistics.getAllDelivery()

Importing this module is cheap: the emulator starts only when a test asks for it.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest


@pytest.fixture(scope="session")
def cloudfn_emulator_session() -> Iterator[Any]:
    """One in-memory emulator on 127.0.0.1 for the whole test session."""
    from . import Emulator

    emulator = Emulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def cloudfn_emulator(cloudfn_emulator_session: Any) -> Iterator[Any]:
    """The session emulator, reset (no accounts, printers, orders, faults) before the test."""
    cloudfn_emulator_session.reset()
    yield cloudfn_emulator_session


@pytest.fixture
def cloudfn_env(cloudfn_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """cloudfn pointed at the emulator (https transport, fresh token cache); yields the ``cloudfn`` module."""
    import cloudfn
    from cloudfn.tokens import MemoryTokenStore

    monkeypatch.setenv("CLOUDFN_API_BASE", cloudfn_emulator.base_url)
    monkeypatch.setenv("WX_APPID", cloudfn_emulator.appid)
    monkeypatch.setenv("WX_APPSECRET", cloudfn_emulator.secret)
    cloudfn.init(transport="https", token_store=MemoryTokenStore())
    yield cloudfn
    cloudfn.reset()
