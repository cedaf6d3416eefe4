"""Key case conversion, exactly as wx-server-sdk's ``convertCase`` does it.

Requests: camelCase -> snake_case (every capital becomes ``_`` + lowercase, except at
index 0 where it is only lowercased). Responses: snake_case -> camelCase (only ``_``
followed by a lowercase ASCII letter folds). Objects and arrays are walked
recursively; values are never touched. Like Node, a key that changes name moves to
the end of its object (JavaScript's delete-and-reassign), so JSON key order matches.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

from .result import Result

_CAPITAL = re.compile(r"[A-Z]")
_UNDERSCORE_LOWER = re.compile(r"_[a-z]")


@lru_cache(maxsize=4096)  # keys repeat from call to call
def camel_to_snake(key: str) -> str:
    """``bizId`` -> ``biz_id``; ``WayBill`` -> ``way_bill``."""
    return _CAPITAL.sub(lambda m: ("_" if m.start() else "") + m.group().lower(), key)


@lru_cache(maxsize=4096)
def snake_to_camel(key: str) -> str:
    """``waybill_id`` -> ``waybillId``; ``item_1`` stays ``item_1``."""
    return _UNDERSCORE_LOWER.sub(lambda m: m.group()[1].upper(), key)


def _convert(value: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        data = Result(value) if isinstance(value, Result) else dict(value)
        for key in list(value):
            val = data[key]
            if isinstance(val, (dict, list, tuple)):
                val = _convert(val, rename)
            new = rename(key) if isinstance(key, str) else key
            data[new] = val  # a new key lands at the end, an existing one stays put: as in JS
            if new != key:
                del data[key]
        return data
    if isinstance(value, (list, tuple)):
        return [_convert(item, rename) for item in value]
    return value


def to_snake(value: Any) -> Any:
    """Request keys camelCase -> snake_case, recursively."""
    return _convert(value, camel_to_snake)


def to_camel(value: Any) -> Any:
    """Response keys snake_case -> camelCase, recursively."""
    return _convert(value, snake_to_camel)
