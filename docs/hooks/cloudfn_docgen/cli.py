"""The CLI reference, read from ``cloudfn.cli.SUBCOMMANDS`` and each module's ``register(parser)``."""

from __future__ import annotations

import argparse
import importlib
import os
from typing import List
from unittest import mock

from .text import cell


def parser_for(command: str) -> argparse.ArgumentParser:
    """The parser ``cloudfn COMMAND`` builds, exactly as ``cloudfn.cli.main`` builds it."""
    from cloudfn.cli import SUBCOMMANDS

    module_name, summary = SUBCOMMANDS[command]
    parser = argparse.ArgumentParser(prog=f"cloudfn {command}", description=summary)
    importlib.import_module(module_name).register(parser)
    return parser


def _usage(parser: argparse.ArgumentParser) -> str:
    with mock.patch.dict(os.environ, {"COLUMNS": "100"}):  # the same wrapping on every machine
        return parser.format_usage().strip()


def _argument(action: argparse.Action) -> str:
    if action.option_strings:
        names = ", ".join(f"`{o}`" for o in action.option_strings)
        if action.nargs == 0:
            return names
        metavar = action.metavar or (("{" + ",".join(map(str, action.choices)) + "}") if action.choices else action.dest.upper())
        return f"{names} `{metavar}`"
    return f"`{action.metavar or action.dest}`"


def _default(action: argparse.Action) -> str:
    if action.nargs == 0 or action.default in (None, [], argparse.SUPPRESS) or not action.option_strings:
        return ""
    return f"`{action.default}`"


def _help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    text = action.help or ""
    if "%(" in text:
        text = parser._get_formatter()._expand_help(action)  # argparse's own %(default)s expansion
    if action.choices and action.option_strings:
        text += " (one of " + ", ".join(f"`{c}`" for c in action.choices) + ")"
    return cell(text)


def render_command(command: str) -> str:
    parser = parser_for(command)
    lines: List[str] = [f"## `cloudfn {command}`", "", cell(parser.description or ""), "", "```text", _usage(parser), "```", ""]
    if parser.epilog:
        lines += [parser.epilog.strip(), ""]
    rows = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    if rows:
        lines += ["| argument | default | meaning |", "|---|---|---|"]
        lines += [f"| {_argument(a)} | {_default(a)} | {_help(parser, a)} |" for a in rows]
        lines.append("")
    return "\n".join(lines)


def render() -> str:
    from cloudfn.cli import SUBCOMMANDS

    head = ["| command | what it does |", "|---|---|"]
    head += [f"| [`cloudfn {name}`](#cloudfn-{name}) | {cell(summary)} |" for name, (_, summary) in SUBCOMMANDS.items()]
    return "\n".join(head) + "\n\n" + "\n".join(render_command(name) for name in SUBCOMMANDS)
