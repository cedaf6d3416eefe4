"""The nearest valid name to a mistyped one, for "did you mean" hints."""

from __future__ import annotations

import difflib
from typing import Iterable, Optional


def nearest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> Optional[str]:
    """The choice closest to ``word``: a case-insensitive match first, then the closest spelling (None if none is close)."""
    options = list(dict.fromkeys(choices))
    folded = {c.lower(): c for c in options}
    if word.lower() in folded:
        return folded[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=cutoff)
    return folded[close[0]] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``": did you mean 'X'?"`` or ``""``, to append to an error line."""
    found = nearest(word, choices)
    return f": did you mean {found!r}?" if found and found != word else ""


def known_api(name: str) -> Optional[str]:
    """The canonical ``logistics.method`` for ``name`` (``logistics.getPath`` or ``getPath``), None if unknown."""
    from .. import spec

    namespace = spec.model()["namespace"]
    family, dot, method = name.partition(".")
    if not dot:
        family, method = namespace, name
    if family == namespace and spec.method(method) is not None:
        return f"{namespace}.{method}"
    return None


def api_names() -> list:
    """Every open API cloudfn knows, as ``logistics.method``."""
    from .. import spec

    namespace = spec.model()["namespace"]
    return [f"{namespace}.{m}" for m in spec.methods()]
