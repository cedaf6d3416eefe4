"""Cold start of a packaged function, with and without the byte-compiled files ``cloudfn package`` ships.

The ``bindAccount`` zip (real vendored dependencies, as ``cloudfn package`` builds it) is
unpacked four times: without ``.pyc`` files (``--no-compile``), with checked hash-based
``.pyc`` files (the default) and, for comparison, with unchecked hash-based and with
timestamp-based ones (stale once the unzip has stamped the sources, so never used). Each copy has its
file times set to "now" (as an unzip that does not restore them) and is run as SCF does:
``python -I -S -B`` (no site-packages, no byte code written, as with SCF's read-only folder
and ``PYTHONDONTWRITEBYTECODE``), the folder on ``sys.path``, ``import index`` and one call
of ``main_handler`` against a loopback stub. Measured: process start to first result,
median of alternated runs. Needs pip to reach a package index once (the vendored folder is
cached in ``.cloudfn/cache``).
"""

from __future__ import annotations

import os
import py_compile
import statistics
import sys
import tempfile

from _packaged import ROOT, bind_account_env, run, unpack
from _stub import StubWeChat

from cloudfn.runtime import bytecode, manifest, package

RUNS = 31



def main() -> None:
    if not bytecode.matches("3.11"):
        sys.exit(f"run this with Python 3.11 (the shipped functions' runtime), not {sys.version.split()[0]}")
    project = manifest.find(ROOT)
    fn = project.function("bindAccount")
    builds = {"no .pyc": package.build(project, fn, compile=False), "checked-hash .pyc (shipped)": package.build(project, fn)}
    for mode in ("UNCHECKED_HASH", "TIMESTAMP"):  # the alternatives, for comparison
        bytecode._MODE = py_compile.PycInvalidationMode[mode]
        builds[f"{mode.lower().replace('_', '-')} .pyc"] = package.build(project, fn)
    with tempfile.TemporaryDirectory() as tmp, StubWeChat() as stub:
        env = bind_account_env(stub.base_url)
        folders = {}
        for i, (label, built) in enumerate(builds.items()):
            folders[label] = os.path.join(tmp, str(i))
            unpack(built.data, folders[label], touch=True)
            run(folders[label], env)  # warm the OS file cache
        times: "dict[str, list[float]]" = {label: [] for label in builds}
        for _ in range(RUNS):
            for label, folder in folders.items():
                times[label].append(run(folder, env))
    base = statistics.median(times["no .pyc"])
    print(f"bindAccount zip, process start -> first result (python -I -S -B, read-only style), median of {RUNS} alternated runs:")
    for label, built in builds.items():
        median = statistics.median(times[label])
        print(f"  {label:28s}: {median * 1e3:6.1f} ms  (speed-up {base / median:.2f}x; zip {len(built.data) / 1e6:.2f} MB, {built.compiled} .pyc)")


if __name__ == "__main__":
    main()
