"""Shared by the packaged-function benchmarks: unpack a zip, run it as SCF does, against a stub.

``run(folder, env)`` starts ``python -I -S -B`` (no site-packages, no byte code written, as with
SCF's read-only folder and ``PYTHONDONTWRITEBYTECODE``) with the folder on ``sys.path``, imports
``index`` and calls ``main_handler`` once; it returns process start to first result, in seconds.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from typing import Dict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = """
import sys
sys.path.insert(0, sys.argv[1])
import index
result = index.main_handler({}, {"function_name": "bindAccount"})
assert result["errCode"] == 0, result
"""


def unpack(data: bytes, where: str, touch: bool = False) -> float:
    """Unzip ``data`` into ``where`` (``touch``: file times "now", as an unzip that does not keep them); seconds taken."""
    start = time.perf_counter()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(where)
    elapsed = time.perf_counter() - start
    if touch:
        for here, _, names in os.walk(where):
            for name in names:
                os.utime(os.path.join(here, name))
    return elapsed


def run(folder: str, env: Dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-S", "-B", "-c", CHILD, folder], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def bind_account_env(stub_url: str) -> Dict[str, str]:
    """The environment of the packaged ``bindAccount`` function, pointed at a loopback stub."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1", "CLOUDFN_API_BASE": stub_url,
            "WX_APPID": "wxbench", "WX_APPSECRET": "bench-secret", "CLOUDFN_OPENAPI_PERMISSIONS": "logistics.bindAccount",
            "CLOUDFN_TRANSPORT": "https", "NO_PROXY": "127.0.0.1"}  # fmt: skip
