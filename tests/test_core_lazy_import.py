"""``import cloudfn.spec`` / ``cloudfn.validate`` (the emulator's model) do not load the call path."""

from __future__ import annotations

import json
import subprocess
import sys

CALL_PATH = ["cloudfn.core", "cloudfn.config", "cloudfn.tokens", "cloudfn.transports", "cloudfn.errors", "requests", "dotenv"]


def loaded_after(code: str) -> list:
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(m for m in sys.modules if m in {CALL_PATH!r})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_model_modules_leave_the_call_path_unloaded() -> None:
    assert loaded_after("import cloudfn.spec, cloudfn.validate\ncloudfn.spec.methods()\nfrom cloudfn import validate") == []


def test_public_names_load_on_first_use() -> None:
    assert loaded_after("import cloudfn") == []
    expected = ["cloudfn.config", "cloudfn.core", "cloudfn.errors", "cloudfn.tokens", "cloudfn.transports"]
    assert loaded_after("import cloudfn\ncloudfn.openapi") == expected
    assert loaded_after("from cloudfn import CloudSDKError") == ["cloudfn.errors"]


def test_lazy_names_are_the_real_objects() -> None:
    import cloudfn
    from cloudfn import core, errors, result

    assert (cloudfn.openapi, cloudfn.init, cloudfn.Cloud, cloudfn.CloudSDKError, cloudfn.Result) == (
        core.openapi, core.init, core.Cloud, errors.CloudSDKError, result.Result)
    assert {"openapi", "init", "Cloud", "getWXContext", "reset", "DYNAMIC_CURRENT_ENV"} <= set(dir(cloudfn))
    try:
        cloudfn.nope  # noqa: B018
    except AttributeError as exc:
        assert str(exc) == "module 'cloudfn' has no attribute 'nope'"
    else:
        raise AssertionError("expected AttributeError")
