"""A seed function's Node original (quoted at the top of its index.py) beside its Python port."""

from __future__ import annotations

import os
import textwrap
from typing import List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def split(source: str) -> Tuple[str, str]:
    """(Node original, Python port) of an index.py that opens with the original as a comment."""
    lines = source.splitlines()
    comment: List[str] = []
    while lines and lines[0].startswith("#"):
        comment.append(lines.pop(0)[1:])
    if comment and comment[0].rstrip().endswith(":"):  # "# Node original (...):" header
        comment.pop(0)
    node = textwrap.dedent("\n".join(comment)).strip("\n")
    python = "\n".join(lines).strip("\n")
    if not node or not python:
        raise ValueError("index.py does not open with its Node original as a comment")
    return node, python


def render(name: str) -> str:
    path = os.path.join(ROOT, "functions", name, "index.py")
    with open(path, encoding="utf-8") as f:
        node, python = split(f.read())
    return (
        '<div class="grid" markdown>\n\n'
        f'```js title="Node: {name}"\n{node}\n```\n\n'
        f'```python title="Python: functions/{name}/index.py"\n{python}\n```\n\n'
        "</div>"
    )


def changelog() -> str:
    with open(os.path.join(ROOT, "CHANGELOG.md"), encoding="utf-8") as f:
        text = f.read()
    return text.split("\n", 1)[1] if text.startswith("# ") else text  # the page has its own title
