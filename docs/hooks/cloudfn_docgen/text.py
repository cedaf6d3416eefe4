"""Small Markdown helpers."""

from __future__ import annotations

import html
import re


def rst_to_md(text: str) -> str:
    """A docstring as Markdown: ``literal`` -> `literal`."""
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def cell(text: str) -> str:
    """Text fit for one Markdown table cell: one line, pipes escaped, ``<`` shown rather than parsed as HTML."""
    parts = rst_to_md(" ".join(text.split())).split("`")
    parts[::2] = [html.escape(p, quote=False) for p in parts[::2]]  # outside code spans only
    return "`".join(parts).replace("|", "\\|")
