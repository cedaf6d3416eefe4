"""``cloudfn diff``: the shipped corpus shows no difference between Node wx-server-sdk and cloudfn's transports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

import pytest

from cloudfn import cli, diff, spec
from tests import node_support

node_sdk = node_support.node_sdk  # the session fixture

SEED_ERRCODES = {-1, 9300517, 9300529, 9300530, 9300531, 9300532, 40199, 9300507}


def corpus() -> List[diff.Call]:
    return diff.load_calls(json.loads(diff.corpus_path().read_text(encoding="utf-8")))


def test_corpus_calls_every_logistics_method() -> None:
    assert {c.method for c in corpus()} == set(spec.methods())


def test_shipped_corpus_has_zero_differences_and_covers_every_seed_error_code(node_sdk, capsys: pytest.CaptureFixture) -> None:
    code = cli.main(["diff", str(diff.corpus_path()), "--node-dir", str(node_sdk), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["differences"] == []
    assert code == 0
    assert report["targets"] == ["node", "cloudfn/https", "cloudfn/cloudbase", "cloudfn/cloudcall"]
    node = report["outcomes"]["node"]
    seen = {o["error"]["errCode"] for o in node if "error" in o}
    assert SEED_ERRCODES <= seen
    assert sum("ok" in o for o in node) >= len(spec.methods())  # every method also succeeds at least once


def test_a_real_difference_is_reported_with_exit_status_1(node_sdk, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # With client-side validation on, cloudfn rejects the bad enum (-501007) before sending; Node lets the server answer.
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps([["updatePrinter", {"openid": "o", "updateType": "rebind"}]]), encoding="utf-8")
    code = cli.main(["diff", str(calls), "--node-dir", str(node_sdk), "--transports", "cloudcall"])
    out = capsys.readouterr()
    assert code == 1
    assert "call #0 updatePrinter: cloudfn/cloudcall vs node: .error.errCode: -501007 != 9300517" in out.out
    assert "1 calls x 2 targets (node, cloudfn/cloudcall): 2 difference(s)" in out.err


def test_python_transports_alone_can_be_compared_without_node(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps([["getAllDelivery", {}], {"method": "getQuota", "args": {"deliveryId": "YUNDA", "bizId": "x"}}]), encoding="utf-8")
    assert cli.main(["diff", str(calls), "--no-node"]) == 0
    assert "2 calls x 3 targets (cloudfn/https, cloudfn/cloudbase, cloudfn/cloudcall): no differences" in capsys.readouterr().err


@pytest.mark.parametrize("document, message", [
    ({"method": "x"}, "must be a JSON array"),
    ([42], "call #0: expected [method, args]"),
    ([{"method": "getPath", "args": {}, "retries": 2}], "call #0: unknown key(s) retries"),
    ([{"method": "getPath", "fault": -1}], "call #0: fault must be an object"),
])
def test_malformed_call_lists_exit_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture, document: Any, message: str) -> None:
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps(document), encoding="utf-8")
    assert cli.main(["diff", str(calls), "--no-node"]) == 2
    assert message in capsys.readouterr().err


def test_missing_wx_server_sdk_exits_2_with_install_hint(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    calls = tmp_path / "calls.json"
    calls.write_text("[]", encoding="utf-8")
    assert cli.main(["diff", str(calls), "--node-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "npm install wx-server-sdk@4.0.2" in err or "`node` is not on PATH" in err


def test_normalise_replaces_rid_suffixes_recent_timestamps_and_tokens() -> None:
    now = 1_800_000_000
    value = {"errMsg": "x:fail bad rid: 6b04-0001-ab", "createTime": now - 5, "actionTime": 1_700_000_000, "token": "abc", "n": 3}
    assert diff.normalise(value, now=now) == {"errMsg": "x:fail bad rid: <rid>", "createTime": "<time>", "actionTime": 1_700_000_000,
                                              "token": "<volatile>", "n": 3}


def test_differences_name_paths_types_and_key_order() -> None:
    found = list(diff.differences({"a": 1, "b": [1, 2], "c": {"x": 1, "y": 2}}, {"a": 1.0, "b": [1], "c": {"y": 2, "x": 1}, "d": 0}))
    assert ".d: unexpected 0" in found
    assert ".a: 1.0 != 1" in found
    assert ".b: 1 items != 2" in found
    assert ".c: key order ['y', 'x'] != ['x', 'y']" in found


