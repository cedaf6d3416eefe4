"""``Result``: a ``dict`` that also answers attribute access, as JavaScript objects do.

``res.waybillId``, ``res.pathItemList[0].actionMsg``, ``ctx.OPENID``. It stays a plain
``dict`` in every other respect: equal to dicts, same ``repr``, same ``json.dumps``
output and key order, and copy / deepcopy / pickle work. Responses are parsed straight
into it (``json.loads(..., object_pairs_hook=Result)``), so nested objects, in lists too,
are ``Result`` at no extra walk.
"""

from __future__ import annotations

from typing import Any, List


class Result(dict):  # type: ignore[type-arg]
    """A dict whose keys are also attributes (stripe-python's ``StripeObject`` idea, minus the extras)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            if name.startswith("__"):
                raise AttributeError(name) from None
            raise AttributeError(_missing(self, name)) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(_missing(self, name)) from None

    def __dir__(self) -> List[str]:
        return sorted(set(dir(dict)) | {k for k in self if isinstance(k, str) and k.isidentifier()})

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (Result, (dict(self),))

    def __copy__(self) -> "Result":
        return Result(self)

    def __deepcopy__(self, memo: Any) -> "Result":
        import copy

        out = Result()
        memo[id(self)] = out
        for key, value in self.items():
            out[copy.deepcopy(key, memo)] = copy.deepcopy(value, memo)
        return out


def _missing(result: Result, name: str) -> str:
    from .names import did_you_mean

    keys = [k for k in result if isinstance(k, str)]
    return f"no key {name!r}{did_you_mean(name, keys)}; keys present: {', '.join(keys) or '(none)'}"


def wrap(value: Any) -> Any:
    """``value`` with every dict (at any depth, in lists too) made a :class:`Result`."""
    if isinstance(value, dict):
        return Result((k, wrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value
