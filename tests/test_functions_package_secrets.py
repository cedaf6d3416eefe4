"""``cloudfn package`` under attack: symlinks out of the folder, secrets by name and by mode, ``.cloudfnignore``,
and ``cloudfn invoke`` never leaving a live token inside the function folder."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.functions_support import base_env, cli, emulator_env, invoke, write_function, write_project

SECRET = "WX_APPSECRET=project-secret-DO-NOT-SHIP"


def _project(tmp_path: Path, files: Dict[str, str]) -> Path:
    root = write_project(tmp_path / "proj", {"envId": "e1", "functions": [{"name": "shop", "installDependency": False}]})
    (root / ".env").write_text(SECRET + "\n")
    write_function(root / "functions" / "shop", "import helper\n\ndef main_handler(event, context):\n    return helper.VALUE\n",
                   {"permissions": {"openapi": []}}, {"helper.py": "VALUE = 1\n", **files})  # fmt: skip
    return root


def _package(root: Path, tmp_path: Path, *extra: str) -> "tuple[Any, Path]":
    out = tmp_path / "shop.zip"
    return cli("package", "shop", "-o", str(out), *extra, env=base_env(), cwd=root), out


def _zip(out: Path) -> Dict[str, bytes]:
    with zipfile.ZipFile(out) as z:
        return {name: z.read(name) for name in z.namelist()}


def _function_files(contents: Dict[str, bytes]) -> List[str]:
    return sorted(n for n in contents if not n.startswith("cloudfn/") and not n.endswith(".pyc"))


# --------------------------------------------------------------------------- symlinks


@pytest.mark.parametrize("target", ["/etc/passwd", "PROJECT_ENV"])
def test_a_symlinked_file_pointing_out_of_the_folder_is_refused(tmp_path: Path, target: str) -> None:
    root = _project(tmp_path, {})
    link = root / "functions" / "shop" / "settings.py"
    link.symlink_to(root / ".env" if target == "PROJECT_ENV" else target)
    proc, out = _package(root, tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert "settings.py" in proc.stderr and "symlink" in proc.stderr and "outside" in proc.stderr
    assert "Traceback" not in proc.stderr and "DO-NOT-SHIP" not in proc.stderr + proc.stdout
    assert not out.exists()


def test_a_symlinked_folder_pointing_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, {})
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "creds.py").write_text("KEY = 'x'\n")
    (root / "functions" / "shop" / "lib").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    proc, out = _package(root, tmp_path)
    assert proc.returncode == 2
    assert "lib" in proc.stderr and "outside" in proc.stderr
    assert not out.exists()


def test_a_dangling_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, {})
    (root / "functions" / "shop" / "later.py").symlink_to(tmp_path / "missing.py")
    proc, _ = _package(root, tmp_path)
    assert proc.returncode == 2
    assert "later.py" in proc.stderr


def test_a_symlink_inside_the_folder_is_packed_as_a_copy_unless_its_target_is_excluded(tmp_path: Path) -> None:
    root = _project(tmp_path, {"prod.env": SECRET + "\n", "lib/real.py": "X = 2\n"})
    fn = root / "functions" / "shop"
    (fn / "alias.py").symlink_to("helper.py")  # relative link, stays inside
    (fn / "settings.py").symlink_to(fn / "prod.env")  # an excluded file under an innocent name
    (fn / "lib2").symlink_to("lib", target_is_directory=True)  # a folder link inside: already packed at its real place
    proc, out = _package(root, tmp_path)
    assert proc.returncode == 0, proc.stderr
    contents = _zip(out)
    assert contents["alias.py"] == b"VALUE = 1\n"
    assert contents["lib/real.py"] == b"X = 2\n"
    assert not [n for n in contents if n.startswith("lib2/")]
    assert "settings.py" not in contents and "prod.env" not in contents
    assert not [v for v in contents.values() if b"DO-NOT-SHIP" in v]
    assert "settings.py" in proc.stderr  # reported as skipped, with the file it points to


# --------------------------------------------------------------------------- secrets by name and by mode

SECRET_FILES = {
    "prod.env": SECRET,
    ".env": SECRET,
    ".env.production": SECRET,
    "server.pem": "-----BEGIN PRIVATE KEY-----",
    "keys/deploy.key": "-----BEGIN PRIVATE KEY-----",
    "id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----",
    "id_ed25519": "-----BEGIN OPENSSH PRIVATE KEY-----",
    "cert.p12": "binary",
    "token-0123456789abcdef.json": '{"access_token": "LIVE-TOKEN", "expires_at": 1}',
    "tokens/token-0123456789abcdef.json.lock": "",
    "token-0123456789abcdef.json.123.456.tmp": '{"access_token": "LIVE-TOKEN"}',
}


def test_secrets_are_excluded_by_default_and_each_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, {**SECRET_FILES, "data/token-list.json": "[]", "envelope.py": "E = 1\n"})
    proc, out = _package(root, tmp_path)
    assert proc.returncode == 0, proc.stderr
    contents = _zip(out)
    assert _function_files(contents) == ["config.json", "data/token-list.json", "envelope.py", "helper.py", "index.py"]
    for name in SECRET_FILES:
        assert f"skipped as secret: {name} " in proc.stderr, name
    assert not [v for v in contents.values() if b"DO-NOT-SHIP" in v or b"PRIVATE KEY" in v or b"LIVE-TOKEN" in v]


def test_a_file_readable_only_by_its_owner_is_a_secret(tmp_path: Path) -> None:
    root = _project(tmp_path, {"settings.json": '{"password": "x"}', "public.json": "{}"})
    (root / "functions" / "shop" / "settings.json").chmod(0o600)
    (root / "functions" / "shop" / "public.json").chmod(0o644)
    proc, out = _package(root, tmp_path)
    assert proc.returncode == 0, proc.stderr
    contents = _zip(out)
    assert "settings.json" not in contents and "public.json" in contents
    assert "skipped as secret: settings.json (readable by its owner only" in proc.stderr


def test_the_summary_counts_and_sizes_what_was_packed(tmp_path: Path) -> None:
    root = _project(tmp_path, {"prod.env": SECRET})
    proc, out = _package(root, tmp_path)
    assert proc.returncode == 0, proc.stderr
    contents = _zip(out)
    unzipped = sum(len(v) for v in contents.values())
    assert f"{out}: {out.stat().st_size} bytes" in proc.stdout
    assert f"{len(contents)} files" in proc.stdout
    assert f"{unzipped / 1024 / 1024:.1f} MB unzipped" in proc.stdout
    assert "1 skipped as secret" in proc.stdout


# --------------------------------------------------------------------------- .cloudfnignore


def test_cloudfnignore_in_the_function_folder_and_the_project_root(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "fixtures/big.json": "{}", "cache.sqlite": "x", "keep.sqlite": "k", "notes.md": "n", "debug.log": "l",
        "ca.pem": "-----BEGIN CERTIFICATE-----", "docs/notes.md": "kept: the root pattern is anchored",
        ".cloudfnignore": "fixtures/\n*.sqlite\n!keep.sqlite\n!ca.pem\n",
    })  # fmt: skip
    (root / ".cloudfnignore").write_text("# project-wide\n*.log\n/functions/shop/notes.md\n")
    proc, out = _package(root, tmp_path)
    assert proc.returncode == 0, proc.stderr
    names = _function_files(_zip(out))
    assert names == ["ca.pem", "config.json", "docs/notes.md", "helper.py", "index.py", "keep.sqlite"]
    assert "skipped as secret" not in proc.stderr  # ignored files are the user's choice, not reported one by one
    assert "4 ignored by .cloudfnignore" in proc.stdout


def test_cloudfnignore_cannot_reinclude_an_owner_only_file(tmp_path: Path) -> None:
    root = _project(tmp_path, {"vault.json": "{}", ".cloudfnignore": "!vault.json\n"})
    (root / "functions" / "shop" / "vault.json").chmod(0o600)
    proc, out = _package(root, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "vault.json" not in _zip(out)


# --------------------------------------------------------------------------- the token store at invoke

TOKEN_FN = """
    import os
    import cloudfn as cloud

    def main_handler(event, context):
        cloud.init({"env": cloud.DYNAMIC_CURRENT_ENV})
        result = cloud.openapi.logistics.getAllDelivery()
        return {"errCode": result["errCode"], "token_dir": os.environ["CLOUDFN_TOKEN_DIR"]}
"""


def test_a_relative_token_dir_lands_in_the_project_root_never_in_the_function_folder(cloudfn_emulator: Any, tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"envId": "e1", "functions": [{"name": "tok", "installDependency": False}]})
    fn = write_function(root / "functions" / "tok", TOKEN_FN, {"permissions": {"openapi": ["logistics.getAllDelivery"]}})
    code, out, err = invoke("tok", env=emulator_env(cloudfn_emulator, CLOUDFN_TOKEN_DIR=".tokens"), cwd=root)
    assert code == 0, err
    assert out["errCode"] == 0
    assert out["token_dir"] == str(root / ".tokens")
    assert [p.name for p in (root / ".tokens").iterdir() if p.name.endswith(".json")]
    assert not list(fn.rglob("token-*"))
    # even a token file copied into the folder (made world-readable) never ships
    stored = next(p for p in (root / ".tokens").iterdir() if p.name.endswith(".json"))
    (fn / stored.name).write_bytes(stored.read_bytes())
    (fn / stored.name).chmod(0o644)
    proc = cli("package", "tok", "-o", str(tmp_path / "tok.zip"), env=base_env(), cwd=root)
    assert proc.returncode == 0, proc.stderr
    token = json.loads(stored.read_text())["access_token"]
    assert not [v for v in _zip(tmp_path / "tok.zip").values() if token.encode() in v]
    assert f"skipped as secret: {stored.name} " in proc.stderr


def test_an_absolute_token_dir_is_passed_through(tmp_path: Path) -> None:
    from cloudfn.runtime import invoke as invoke_mod
    from cloudfn.runtime import manifest

    root = write_project(tmp_path / "proj", {"functions": [{"name": "tok"}]})
    write_function(root / "functions" / "tok", "def main_handler(e, c):\n    return 1\n")
    project = manifest.find(str(root))
    env, _ = invoke_mod.build(project, project.function("tok"), None, 3, base={"CLOUDFN_TOKEN_DIR": "/var/tmp/t"})
    assert env["CLOUDFN_TOKEN_DIR"] == "/var/tmp/t"
    env, _ = invoke_mod.build(project, project.function("tok"), None, 3, base={"CLOUDFN_TOKEN_DIR": "t"})
    assert env["CLOUDFN_TOKEN_DIR"] == os.path.join(str(root), "t")
