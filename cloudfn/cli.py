"""The ``cloudfn`` command: emulator, invoke, package, deploy, diff, codegen.

Each subcommand lives in its own module exposing ``register(subparsers)``; the
module is imported only when its subcommand runs (``cloudfn --help`` lists them all
without importing any of them).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

# subcommand -> (module, one-line help)
SUBCOMMANDS = {
    "emulator": ("cloudfn.emulator.cli", "run the local WeChat logistics emulator"),
    "invoke": ("cloudfn.runtime.invoke", "run a function's main_handler locally, as SCF would"),
    "package": ("cloudfn.runtime.package", "build a deployable zip of a function"),
    "deploy": ("cloudfn.runtime.deploy", "create or update a function in Tencent Cloud SCF"),
    "new": ("cloudfn.runtime.scaffold", "start a function: folder, index.py, config.json, sample event, manifest entry"),
    "diff": ("cloudfn.diff", "run a call list through Node wx-server-sdk and cloudfn and compare"),
    "codegen": ("cloudfn.codegen", "regenerate the typed stubs and README table from the model"),
}


def _nearest(word: str) -> str:
    import difflib

    close = difflib.get_close_matches(word.lower(), list(SUBCOMMANDS), n=1, cutoff=0.6)
    return f": did you mean {close[0]!r}?" if close else ""


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="cloudfn", description="WeChat logistics open API for Python serverless functions.")
    parser.add_argument("-V", "--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, summary) in SUBCOMMANDS.items():
        sub.add_parser(name, help=summary, add_help=False)
    if argv and argv[0] in ("-V", "--version"):
        from . import __version__

        print(f"cloudfn {__version__}")
        return 0
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in SUBCOMMANDS:
        if argv and argv[0] not in ("-h", "--help"):
            parser.print_usage(sys.stderr)
            print(f"cloudfn: error: unknown command {argv[0]!r}{_nearest(argv[0])} (choose from {', '.join(SUBCOMMANDS)})", file=sys.stderr)
            return 2
        parser.print_help()
        return 0
    module_name, summary = SUBCOMMANDS[argv[0]]
    module = importlib.import_module(module_name)
    full = argparse.ArgumentParser(prog=f"cloudfn {argv[0]}", description=summary)
    module.register(full)
    args = full.parse_args(argv[1:])
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
