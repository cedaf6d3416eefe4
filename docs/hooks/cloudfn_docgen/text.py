"""Small Markdown helpers."""

from __future__ import annotations

import re


def cell(text: str) -> str:
    """Text fit for one Markdown table cell: one line, pipes escaped, rst literals as Markdown."""
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    return " ".join(text.split()).replace("|", "\\|")


def rst_to_md(text: str) -> str:
    """A docstring as Markdown: ``literal`` -> `literal`; indented blocks stay code."""
    return re.sub(r"``([^`]+)``", r"`\1`", text)
