"""The stubs and the README table are generated from the model and kept current."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cloudfn import codegen

ROOT = Path(__file__).resolve().parents[1]


def test_generated_stub_and_readme_table_are_current() -> None:
    assert codegen.run(argparse.Namespace(check=True)) == 0, "run `python -m cloudfn.codegen` and commit the result"


# The method table moved from the README to the documentation site, generated at build time:
# tests/test_docs_generated.py::test_api_reference_has_the_generated_method_table checks it.


def test_type_checker_sees_fields_enums_and_results(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    program = tmp_path / "use_cloudfn.py"
    program.write_text(
        "import cloudfn as cloud\n"
        "ok = cloud.openapi.logistics.bindAccount(type='bind', bizId='1', deliveryId='YUNDA')\n"
        "code: int = ok['errCode']\n"
        "items = cloud.openapi.logistics.getPath(deliveryId='TEST', waybillId='w')['pathItemList']\n"
        "text: str = items[0]['actionMsg']\n"
        "cloud.openapi.logistics.bindAccount(type='bond', bizId=1, deliveryId='Y')\n"
        "cloud.openapi(convertCase=False).logistics.getAllDelivery()\n"
    )
    env = dict(os.environ, MYPYPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", str(program)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1, out  # the overloads report a wrong enum value and a wrong type as one mismatch
    assert "use_cloudfn.py:6:" in errors[0]
    assert 'No overload variant of "bindAccount" of "Logistics" matches argument types "str", "int", "str"' in errors[0]
    assert "type: Literal['bind', 'unbind'], bizId: str" in out
