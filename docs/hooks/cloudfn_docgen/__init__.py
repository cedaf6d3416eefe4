"""Markdown generated from cloudfn's code, for the documentation site.

A page asks for a block with an HTML comment on a line of its own::

    <!-- gen:cli -->                 every subcommand's usage and options
    <!-- gen:methods-table -->       one row per logistics method
    <!-- gen:methods -->             every method: fields, types, limits, enums, errCodes
    <!-- gen:error-codes -->         the SDK's, the gateway's and the push errCodes
    <!-- gen:python NAME ... -->     signatures and docstrings of the named objects
    <!-- gen:seed FUNCTION -->       a seed function's Node original beside its port
    <!-- gen:changelog -->          CHANGELOG.md

An unknown name, or a name that no longer exists in the code, fails the build.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List

from . import cli, model, pyapi, seeds

ROOT = seeds.ROOT

Renderer = Callable[[List[str]], str]

RENDERERS: Dict[str, Renderer] = {
    "cli": lambda args: cli.render(),
    "methods-table": lambda args: model.render_table(),
    "methods": lambda args: model.render_methods(),
    "error-codes": lambda args: model.render_error_codes(),
    "python": pyapi.render,
    "seed": lambda args: seeds.render(*args),
    "changelog": lambda args: seeds.changelog(),
}

_MARKER = re.compile(r"^<!-- gen:([a-z-]+)((?: [\w.]+)*) -->$", re.MULTILINE)


class DocgenError(Exception):
    """A marker names a generator or an object that does not exist."""


def expand(markdown: str, where: str = "<page>") -> str:
    """The page with every marker replaced by its generated Markdown."""

    def one(match: "re.Match[str]") -> str:
        name, args = match.group(1), match.group(2).split()
        if name not in RENDERERS:
            raise DocgenError(f"{where}: unknown generator {name!r} (known: {', '.join(RENDERERS)})")
        try:
            return RENDERERS[name](args).rstrip("\n")
        except (LookupError, AttributeError, ImportError, OSError, ValueError) as exc:
            raise DocgenError(f"{where}: gen:{name} {' '.join(args)}: {exc}") from exc

    return _MARKER.sub(one, markdown)
