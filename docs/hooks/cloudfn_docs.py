"""mkdocs hook: fill the ``<!-- gen:NAME ARGS -->`` markers of the pages from the code.

The CLI reference comes from the argument parsers, the API reference from the model
(``cloudfn/data/logistics.json``), the error tables from ``cloudfn.errors`` and
``cloudfn.events``, the porting examples from ``functions/*/index.py``: the site is
rebuilt from them on every ``mkdocs build``, so it cannot go stale.
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cloudfn_docgen import expand


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return expand(markdown, where=page.file.src_path)
