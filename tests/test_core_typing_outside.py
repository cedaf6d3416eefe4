"""Type checkers run from a user's own directory (outside this checkout) resolve the installed cloudfn.

The editable install (README: ``pip install -e .``) must be a path entry mypy and pyright can
follow; the typed view must make misspelt or missing keywords, wrong enum values and unknown
methods errors, in the keyword form, the dict form, on Cloud instances and on the async twin.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[1]

USER_CODE = textwrap.dedent(
    """\
    import cloudfn as cloud
    from cloudfn._logistics import AsyncOpenAPI

    ok = cloud.openapi.logistics.getPath(deliveryId="TEST", waybillId="W1")
    text: str = ok["pathItemList"][0]["actionMsg"]
    cloud.openapi.logistics.addOrder(orderID="x")
    cloud.openapi.logistics.getPath(deliveryId="TEST", waybillID="W1")
    cloud.openapi.logistics.updatePrinterr()
    cloud.openapi.logistics.getPath({"deliveryId": "TEST", "waybillID": "W1"})
    cloud.openapi.logistics.getPath(deliveryId="TEST")
    cloud.openapi.logistics.bindAccount(type="bond", bizId="1", deliveryId="YUNDA")
    cloud.Cloud(appid="x").openapi.logistics.getQuota(bizId=1, deliveryId="TEST")
    cloud.openapi.logistics.getAllDelivery()
    cloud.openapi(convertCase=False).logistics.getPath({"deliveryId": "TEST", "waybillId": "W1"})


    async def port(api: AsyncOpenAPI) -> str:
        res = await api.logistics.getPath(deliveryId="TEST", waybillId="W1")
        bad: int = res["waybillId"]
        return res["waybillId"]
    """
)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    import cloudfn

    if Path(cloudfn.__file__).resolve().parents[1] != ROOT or not any(ROOT.as_posix() in p.read_text() for p in _pth_files()):
        pytest.skip("cloudfn is not installed from this checkout with `pip install -e .` (the README's command)")
    assert ROOT not in tmp_path.resolve().parents
    (tmp_path / "user.py").write_text(USER_CODE, encoding="utf-8")
    return tmp_path


def _pth_files() -> List[Path]:
    import site

    return [p for d in site.getsitepackages() for p in Path(d).glob("*.pth")]


def run(args: List[str], cwd: Path) -> List[str]:
    out = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600).stdout
    return [line for line in out.splitlines() if " error" in line]


def test_mypy_outside_the_checkout_reports_exactly_the_mistakes(outside: Path) -> None:
    pytest.importorskip("mypy")
    errors = run([sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(outside / ".cache"), "user.py"], outside)
    assert errors == [
        'user.py:6: error: Unexpected keyword argument "orderID" for overloaded function "addOrder" of "Logistics"; '
        'did you mean "orderId"?  [call-overload]',
        'user.py:7: error: Unexpected keyword argument "waybillID" for overloaded function "getPath" of "Logistics"; '
        'did you mean "waybillId"?  [call-overload]',
        'user.py:7: error: No overload variant of "getPath" of "Logistics" matches argument types "str", "str"  [call-overload]',
        'user.py:8: error: "Logistics" has no attribute "updatePrinterr"; maybe "updatePrinter"?  [attr-defined]',
        'user.py:9: error: No overload variant of "getPath" of "Logistics" matches argument type "dict[str, str]"  [call-overload]',
        'user.py:10: error: No overload variant of "getPath" of "Logistics" matches argument type "str"  [call-overload]',
        'user.py:11: error: No overload variant of "bindAccount" of "Logistics" matches argument types "str", "str", "str"  [call-overload]',
        'user.py:12: error: No overload variant of "getQuota" of "Logistics" matches argument types "int", "str"  [call-overload]',
        'user.py:19: error: Incompatible types in assignment (expression has type "str", variable has type "int")  [assignment]',
    ]


def test_pyright_outside_the_checkout_reports_the_same_mistakes(outside: Path) -> None:
    pyright = shutil.which("pyright")
    if pyright is None:
        pytest.skip("pyright is not installed (pip install pyright; it fetches node from npm on first run)")
    (outside / "pyrightconfig.json").write_text('{"reportTypedDictNotRequiredAccess": false}', encoding="utf-8")
    errors = [line for line in run([pyright, "user.py"], outside) if " - error:" in line]
    where = [line.strip().split(" - ")[0].rsplit("/", 1)[-1] for line in errors]
    expected = ["user.py:6:1", "user.py:7:1", "user.py:8:25", "user.py:9:56", "user.py:10:1", "user.py:11:42", "user.py:12:57", "user.py:19:16"]
    assert where == expected, errors
    assert 'Cannot access attribute "updatePrinterr" for class "Logistics"' in errors[2]
