"""cloudfn.emulator.wechat_error: the error type handlers raise and its JSON form."""

from __future__ import annotations

import pickle

import pytest

from cloudfn.emulator.wechat_error import WeChatError


def test_carries_errcode_and_errmsg_and_renders_the_reply() -> None:
    with pytest.raises(WeChatError) as info:
        raise WeChatError(40013, "invalid appid")
    err = info.value
    assert (err.errcode, err.errmsg) == (40013, "invalid appid")
    assert err.to_dict() == {"errcode": 40013, "errmsg": "invalid appid"}
    assert str(err) == "40013 invalid appid"


def test_survives_pickling() -> None:
    err = pickle.loads(pickle.dumps(WeChatError(-1, "system error")))
    assert err.to_dict() == {"errcode": -1, "errmsg": "system error"}
