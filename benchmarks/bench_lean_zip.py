"""Size and cold start of a one-API function's zip: all of cloudfn (before) against its runtime part (after).

The ``bindAccount`` seed (one API) is packaged twice in one run, as ``cloudfn package`` builds it
(vendored dependencies, checked ``.pyc`` files when this Python is the runtime's): with
``--whole-cloudfn`` (what every zip carried before) and lean (the default now). Printed: zip
bytes, files, unzipped bytes, and the cold start of each unpacked copy run as SCF does
(``python -I -S -B``, the folder on ``sys.path``, ``import index`` and one call of
``main_handler`` against a loopback stub): process start to first result, median of
alternated runs, plus the time to unzip each archive. Needs pip to reach a package index
once (the vendored folder is cached in ``.cloudfn/cache``), or ``--vendor-dir DIR``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from typing import Dict, List, Optional

from _packaged import ROOT, bind_account_env, run, unpack
from _stub import StubWeChat

from cloudfn.runtime import manifest, package

RUNS = 31


def main(vendor_dir: Optional[str]) -> None:
    project = manifest.find(ROOT)
    fn = project.function("bindAccount")
    builds = {
        "before: whole cloudfn": package.build(project, fn, vendor_dir=vendor_dir, whole=True),
        "after: runtime part (lean)": package.build(project, fn, vendor_dir=vendor_dir),
    }
    with tempfile.TemporaryDirectory() as tmp, StubWeChat() as stub:
        env = bind_account_env(stub.base_url)
        folders = {label: os.path.join(tmp, str(i)) for i, label in enumerate(builds)}
        unzip: Dict[str, List[float]] = {label: [] for label in builds}
        times: Dict[str, List[float]] = {label: [] for label in builds}
        for label, built in builds.items():
            unpack(built.data, folders[label])
            run(folders[label], env)  # warm the OS file cache
        for _ in range(RUNS):
            for label, built in builds.items():
                scratch = folders[label] + "-unzip"
                unzip[label].append(unpack(built.data, scratch))
                shutil.rmtree(scratch)
                times[label].append(run(folders[label], env))
    print(f"bindAccount (one API) zip, built both ways in one run; cold start = process start -> first result (python -I -S -B), "
          f"median of {RUNS} alternated runs:")  # fmt: skip
    for label, built in builds.items():
        print(f"  {label:27s}: {len(built.data):>9,d} bytes zipped, {built.files:4d} files ({built.sdk_files:3d} of cloudfn), "
              f"{built.unzipped:>10,d} bytes unzipped; unzip {statistics.median(unzip[label]) * 1e3:5.1f} ms; "
              f"cold start {statistics.median(times[label]) * 1e3:6.1f} ms")  # fmt: skip
    before, after = builds.values()
    t_before, t_after = (statistics.median(t) for t in times.values())
    print(f"  ratio after/before: size {len(after.data) / len(before.data):.2f}, files {after.files / before.files:.2f}, "
          f"unzipped {after.unzipped / before.unzipped:.2f}, cold start {t_after / t_before:.2f}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor-dir", help="an already-installed dependency folder (default: vendor with pip, cached)")
    main(parser.parse_args().vendor_dir)
