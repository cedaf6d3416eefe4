"""The nearest valid name to a mistyped one, for "did you mean" hints."""

from __future__ import annotations

from typing import Iterable, Optional

from .. import names


def nearest(word: str, choices: Iterable[str]) -> Optional[str]:
    """The choice closest to ``word`` (:func:`cloudfn.names.nearest`, with the looser cutoff a command line wants)."""
    return names.nearest(word, choices, cutoff=0.6)


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
