"""``cloudfn deploy`` end to end: the real tencentcloud-sdk-python against a signature-checking fake SCF API."""

from __future__ import annotations

import base64
import importlib.util
import io
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest

from cloudfn.cli import main
from tests.fake_tencentcloud import SECRET_ID, SECRET_KEY, FakeTencentCloud
from tests.functions_support import write_function, write_project

pytest.importorskip("tencentcloud.scf.v20180416", reason="tencentcloud-sdk-python-scf is not installed")

WRONG_KEY = "WRONG-secret-key-recognisable-7f3a9c"
ENV_ID = "deploy-env-1"


@pytest.fixture(scope="session")
def vendor_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dependencies copied from this interpreter: deploy tests need no pip."""
    target = tmp_path_factory.mktemp("deploy-vendor")
    for name in ("requests", "dotenv"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin
        shutil.copytree(os.path.dirname(spec.origin), target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vendor_dir: Path) -> Path:
    root = write_project(tmp_path / "proj", {
        "envId": ENV_ID,
        "region": "ap-guangzhou",
        "functions": [{"name": "shipper", "runtime": "Python3.10", "timeout": 15, "memorySize": 256,
                       "envVariables": {"SHOP": "demo", "MODE": "prod"}}],
    })  # fmt: skip
    source = "def main_handler(event, context):\n    return 'v1'\n"
    write_function(root / "functions" / "shipper", source, {"permissions": {"openapi": ["logistics.getPath"]}})
    monkeypatch.chdir(root)
    monkeypatch.setenv("CLOUDFN_VENDOR_DIR", str(vendor_dir))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for key in ("TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SESSIONTOKEN", "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    return root


@pytest.fixture
def fake() -> Iterator[FakeTencentCloud]:
    with FakeTencentCloud(namespaces={ENV_ID}, settle_polls=2) as server:
        yield server


def deploy(fake: FakeTencentCloud, capsys: pytest.CaptureFixture, *extra: str) -> Tuple[int, str, str]:
    code = main(["deploy", "shipper", "--endpoint", fake.endpoint, "--poll-interval", "0.01", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRETID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", SECRET_KEY)


def test_create_path(project: Path, fake: FakeTencentCloud, creds: None, capsys: pytest.CaptureFixture) -> None:
    code, out, err = deploy(fake, capsys)
    assert code == 0, err
    assert out.strip() == f"deployed shipper to namespace {ENV_ID} in ap-guangzhou: Active"
    assert fake.actions()[:2] == ["GetFunction", "CreateFunction"]
    assert fake.actions()[2:] == ["GetFunction"] * 3  # Creating, Creating, Active
    assert {c.region for c in fake.calls} == {"ap-guangzhou"}
    stored = fake.functions[(ENV_ID, "shipper")]
    assert stored.status == "Active"
    assert stored.config["Runtime"] == "Python3.10"
    assert stored.config["Handler"] == "index.main_handler"
    assert stored.config["Timeout"] == 15
    assert stored.config["MemorySize"] == 256
    assert stored.config["Environment"] == {"Variables": [{"Key": "MODE", "Value": "prod"}, {"Key": "SHOP", "Value": "demo"}]}
    names = stored.files()
    assert {"index.py", "config.json", "cloudfn/__init__.py", "requests/__init__.py"} <= set(names)
    lines = err.splitlines()
    assert "deploy: shipper does not exist in deploy-env-1: CreateFunction" in lines
    assert lines.index("deploy: shipper: status Creating") < lines.index("deploy: shipper: status Active")
    assert SECRET_KEY not in out + err


def test_update_path_waits_for_active_between_steps(project: Path, fake: FakeTencentCloud, creds: None, capsys: pytest.CaptureFixture) -> None:
    assert deploy(fake, capsys)[0] == 0
    (project / "functions" / "shipper" / "index.py").write_text("def main_handler(event, context):\n    return 'v2'\n")
    manifest = (project / "config.json").read_text().replace('"timeout": 15', '"timeout": 30')
    (project / "config.json").write_text(manifest)
    fake.calls.clear()
    fake.rejected.clear()
    code, _, err = deploy(fake, capsys)
    assert code == 0, err
    actions = fake.actions()
    assert "CreateFunction" not in actions
    assert actions.index("UpdateFunctionCode") < actions.index("UpdateFunctionConfiguration")
    between = actions[actions.index("UpdateFunctionCode") + 1 : actions.index("UpdateFunctionConfiguration")]
    assert between == ["GetFunction"] * 3
    assert fake.rejected == []  # never updated while Updating
    stored = fake.functions[(ENV_ID, "shipper")]
    assert (stored.code_updates, stored.config_updates) == (1, 1)
    assert stored.config["Timeout"] == 30
    with zipfile.ZipFile(io.BytesIO(stored.zip_bytes)) as z:
        assert b"'v2'" in z.read("index.py")
    assert "deploy: shipper: UpdateFunctionConfiguration" in err.splitlines()


def test_wrong_secret_key_is_one_line_with_the_code_and_no_secret(
    project: Path, fake: FakeTencentCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRETID", SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRETKEY", WRONG_KEY)
    code, out, err = deploy(fake, capsys)
    assert code == 1
    assert out == ""
    failures = [line for line in err.splitlines() if line.startswith("deploy failed:")]
    assert len(failures) == 1
    assert failures[0].startswith("deploy failed: AuthFailure.SignatureFailure: ")
    assert WRONG_KEY not in out + err
    assert fake.rejected == ["AuthFailure.SignatureFailure"]
    assert fake.functions == {}


def test_unknown_secret_id(project: Path, fake: FakeTencentCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDunknown")  # the SDK's underscore spelling works too
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET_KEY)
    code, _, err = deploy(fake, capsys)
    assert code == 1
    assert "deploy failed: AuthFailure.SecretIdNotFound: " in err
    assert SECRET_KEY not in err


def test_credentials_from_dotenv_and_session_token(project: Path, capsys: pytest.CaptureFixture) -> None:
    (project / ".env").write_text(f"TENCENTCLOUD_SECRETID={SECRET_ID}\nTENCENTCLOUD_SECRETKEY={SECRET_KEY}\nTENCENTCLOUD_SESSIONTOKEN=sess-token-1\n")
    with FakeTencentCloud(namespaces={ENV_ID}, session_token="sess-token-1", settle_polls=0) as fake:
        code, out, err = deploy(fake, capsys)
        assert code == 0, err
        assert "sess-token-1" not in out + err and SECRET_KEY not in out + err
        assert {c.token for c in fake.calls} == {"sess-token-1"}
    with FakeTencentCloud(namespaces={ENV_ID}, session_token="another-token") as fake:
        code, _, err = deploy(fake, capsys)
        assert code == 1
        assert "deploy failed: AuthFailure.TokenFailure: " in err
        assert "sess-token-1" not in err and SECRET_KEY not in err


def test_missing_namespace_is_reported_with_its_code(project: Path, creds: None, capsys: pytest.CaptureFixture) -> None:
    with FakeTencentCloud(namespaces={"default"}) as fake:
        code, _, err = deploy(fake, capsys)
    assert code == 1
    assert f"deploy failed: ResourceNotFound.Namespace: namespace {ENV_ID} does not exist" in err


def test_env_option_chooses_the_namespace(project: Path, creds: None, capsys: pytest.CaptureFixture) -> None:
    with FakeTencentCloud(namespaces={"other-env"}, settle_polls=0) as fake:
        code, _, err = deploy(fake, capsys, "--env", "other-env")
        assert code == 0, err
        assert ("other-env", "shipper") in fake.functions


def test_failed_creation_stops_polling(project: Path, fake: FakeTencentCloud, creds: None, capsys: pytest.CaptureFixture) -> None:
    fake.fail_next = "CreateFailed"
    code, _, err = deploy(fake, capsys)
    assert code == 1
    assert "deploy failed: shipper is CreateFailed: InternalError: fake failure" in err


def test_waiting_gives_up_after_wait_seconds(project: Path, creds: None, capsys: pytest.CaptureFixture) -> None:
    with FakeTencentCloud(namespaces={ENV_ID}, settle_polls=10_000) as fake:
        code, _, err = deploy(fake, capsys, "--wait", "0.05")
    assert code == 1
    assert "deploy failed: shipper still Creating after 0.05 s (raise --wait to keep waiting)" in err


def test_incomplete_credentials_fail_before_any_request(
    project: Path, fake: FakeTencentCloud, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRETID", SECRET_ID)
    code, _, err = deploy(fake, capsys)
    assert code == 1
    assert "deploy failed: incomplete credentials: TENCENTCLOUD_SECRETKEY is not set" in err
    assert fake.calls == []


def test_prebuilt_zip_is_uploaded_as_is(project: Path, fake: FakeTencentCloud, creds: None, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("index.py", "def main_handler(e, c):\n    return 'prebuilt'\n")
    (tmp_path / "pre.zip").write_bytes(buffer.getvalue())
    code, _, err = deploy(fake, capsys, "--zip", str(tmp_path / "pre.zip"))
    assert code == 0, err
    assert fake.functions[(ENV_ID, "shipper")].zip_bytes == buffer.getvalue()
    create = next(c for c in fake.calls if c.action == "CreateFunction")
    assert base64.b64decode(create.params["Code"]["ZipFile"]) == buffer.getvalue()


def test_fake_rejects_a_tampered_body(fake: FakeTencentCloud) -> None:
    """The fake really checks signatures: a correctly signed request with a changed body fails."""
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.scf.v20180416 import models, scf_client

    seen: list = []
    original = fake.handle

    def tamper(method: str, path: str, headers: Any, body: bytes) -> Any:
        seen.append(body)
        return original(method, path, headers, body.replace(b"shipper", b"shipped"))

    fake.handle = tamper  # type: ignore[method-assign]
    http = HttpProfile(endpoint=fake.endpoint.split("://")[1])
    http.protocol = http.scheme = "http"
    client = scf_client.ScfClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", ClientProfile(httpProfile=http))
    request = models.GetFunctionRequest()
    request.FunctionName = "shipper"
    request.Namespace = ENV_ID
    with pytest.raises(Exception) as info:
        client.GetFunction(request)
    assert getattr(info.value, "code", None) == "AuthFailure.SignatureFailure"
    assert seen


def test_deploy_packs_by_the_same_rules(project: Path, fake: FakeTencentCloud, creds: None, capsys: pytest.CaptureFixture) -> None:
    fn = project / "functions" / "shipper"
    (fn / "prod.env").write_text("WX_APPSECRET=must-not-ship\n")
    (fn / "settings.py").symlink_to(project / ".env-outside")
    (project / ".env-outside").write_text("X=1\n")
    code, _, err = deploy(fake, capsys)
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("deploy failed: shipper: settings.py is a symlink to ")
    assert "CreateFunction" not in fake.actions()
    (fn / "settings.py").unlink()
    code, _, err = deploy(fake, capsys)
    assert code == 0, err
    assert "deploy: skipped as secret: prod.env (matches *.env)" in err.splitlines()
    assert "prod.env" not in fake.functions[(ENV_ID, "shipper")].files()
