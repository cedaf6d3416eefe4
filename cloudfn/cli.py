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
    "codegen": ("cloudfn.codegen", "regenerate the typed stubs (methods and push events) from the model"),
}


# subcommand -> examples shown at the end of its --help
EXAMPLES = {
    "emulator": ["cloudfn emulator                       # http://127.0.0.1:8765, state kept in .cloudfn/",
                 "cloudfn emulator --port 0 --data :memory:   # a throwaway one on a free port"],
    "invoke": ["cloudfn invoke updatePrinter",
               "cloudfn invoke logistics --event '{\"action\": \"getAllDelivery\"}'",
               "cloudfn invoke functions/bindAccount --event-file event.json --openid oUser"],
    "package": ["cloudfn package bindAccount               # writes dist/bindAccount.zip",
                "cloudfn package logistics -o /tmp/logistics.zip --no-deps"],
    "deploy": ["cloudfn deploy bindAccount --env my-env-1a2b3c"],
    "new": ["cloudfn new trackOrder --api logistics.getPath --api logistics.getOrder",
            "cloudfn new trackOrderAsync --api logistics.getPath --async",
            "cloudfn invoke trackOrder                 # sends functions/trackOrder/event.json"],
    "diff": ["cloudfn diff cloudfn/data/diff-corpus.json --node-dir tests/node",
             "cloudfn diff calls.json --no-node --transports https,cloudcall"],
    "codegen": ["cloudfn codegen            # rewrite cloudfn/_logistics.pyi and the method table",
                "cloudfn codegen --check    # exit 1 when they are out of date"],
}  # fmt: skip
LOOP = """\
the everyday loop:
  cloudfn new myFunction --api logistics.getPath   # start a function
  cloudfn emulator                                 # a local WeChat backend (another terminal)
  cloudfn invoke myFunction                        # run it against the emulator
  cloudfn package myFunction                       # build dist/myFunction.zip
  cloudfn deploy myFunction --env ENV_ID           # create or update it in SCF

run 'cloudfn COMMAND --help' for a command's options and examples."""


def _examples(command: str) -> str:
    lines = EXAMPLES.get(command, [])
    return ("examples:\n" + "\n".join("  " + line for line in lines)) if lines else ""


def _nearest(word: str) -> str:
    from .runtime.suggest import did_you_mean

    return did_you_mean(word, SUBCOMMANDS)


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="cloudfn", description="WeChat logistics open API for Python serverless functions.", epilog=LOOP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
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
    full = argparse.ArgumentParser(prog=f"cloudfn {argv[0]}", description=summary, formatter_class=argparse.RawDescriptionHelpFormatter)
    module.register(full)
    full.epilog = full.epilog or _examples(argv[0])
    args = full.parse_args(argv[1:])
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
