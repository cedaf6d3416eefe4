"""Nearest-name suggestions for misspelt options, fields and methods ("did you mean ...?")."""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional


def fold(name: str) -> str:
    """``waybillID``, ``waybill_id`` and ``WaybillId`` all fold to ``waybillid``."""
    return name.replace("_", "").lower()


def nearest(name: str, known: Iterable[str], cutoff: float = 0.75) -> Optional[str]:
    """The known name ``name`` most likely meant: same letters ignoring case and ``_`` first, else the closest
    spelling (``difflib`` ratio at least ``cutoff``), else None."""
    groups: Dict[str, List[str]] = {}
    for k in known:
        groups.setdefault(fold(k), []).append(k)
    folded = fold(name)
    if folded not in groups:
        import difflib  # only on the error path: keeps import cloudfn light

        close = difflib.get_close_matches(folded, list(groups), n=1, cutoff=cutoff)
        if not close:
            return None
        folded = close[0]
    # prefer the spelling style the caller used (camelCase unless they wrote underscores)
    return sorted(groups[folded], key=lambda k: ("_" in k) != ("_" in name))[0]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``" (did you mean secretId?)"`` or an empty string."""
    guess = nearest(name, known)
    return f" (did you mean {guess}?)" if guess else ""
