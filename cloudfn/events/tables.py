"""EVENT TABLES: what ``cloudfn.events`` needs to know of the five logistics push events,
derived from the model (``cloudfn/data/logistics.json``, read through ``cloudfn.spec.events()``).

Names and aliases (``ALIASES``), the request fields a provider reply echoes (``ECHO_FIELDS``),
and the fields that carry numbers or lists in the JSON form (``INT_FIELDS``, ``FLOAT_FIELDS``,
``LIST_FIELDS``: XML carries no types, so reading it back needs them). Every other module of
``cloudfn.events`` reads these tables and describes no event itself; an event added to the
model is known here without a code change.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, Mapping, NamedTuple, Tuple

from .. import spec


class Tables(NamedTuple):
    """The event tables of one model."""

    aliases: Dict[str, str]  # wx-server-sdk style names (lower-cased) -> the platform's Event values
    echo_fields: Dict[str, Tuple[str, ...]]  # provider event -> request fields its reply echoes
    provider_events: Tuple[str, ...]  # events answered with reply fields (direction to_provider)
    int_fields: FrozenSet[str]
    float_fields: FrozenSet[str]
    list_fields: FrozenSet[str]


def _walk(fields: Mapping[str, Any]) -> Iterable[Tuple[str, Dict[str, Any]]]:
    for name, field in fields.items():
        yield name, field
        if "fields" in field:
            yield from _walk(field["fields"])
        items = field.get("items")
        if items and "fields" in items:
            yield from _walk(items["fields"])


def build(events: Mapping[str, Mapping[str, Any]], envelope: Mapping[str, Any]) -> Tables:
    """The tables of an events model (``spec.events()``) and the safe-mode envelope's fields."""
    typed: Dict[str, str] = {}
    for source in [envelope] + [e["fields"] for e in events.values()] + [e["reply"] for e in events.values()]:
        for name, field in _walk(source):
            kind = field.get("type", "object")
            if typed.setdefault(name, kind) != kind:
                raise ValueError(f"event field {name} is {typed[name]} in one place and {kind} in another; XML cannot tell them apart")
    provider = {n: e for n, e in events.items() if e["direction"] == "to_provider"}
    return Tables(
        aliases={e["alias"].lower(): n for n, e in events.items()},
        echo_fields={n: tuple(e["echo"]) for n, e in provider.items()},
        provider_events=tuple(provider),
        int_fields=frozenset(n for n, k in typed.items() if k == "integer"),
        float_fields=frozenset(n for n, k in typed.items() if k == "number"),
        list_fields=frozenset(n for n, k in typed.items() if k == "array"),
    )


TABLES = build(spec.events(), spec.model()["events"]["envelope"])
ALIASES = TABLES.aliases
ECHO_FIELDS = TABLES.echo_fields
PROVIDER_EVENTS = TABLES.provider_events
INT_FIELDS = TABLES.int_fields
FLOAT_FIELDS = TABLES.float_fields
LIST_FIELDS = TABLES.list_fields
