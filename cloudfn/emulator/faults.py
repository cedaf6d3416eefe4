"""Fault injection rules: which calls fail, how, how often and how late; reproducible with a seed.

Public API
----------
- ``FaultTable(seed=None, methods=None, max_rules=MAX_RULES)``; ``methods``: the names a rule may
  target (default: the model's logistics methods from ``cloudfn.spec`` plus ``token`` and ``stable_token``).
  - ``add(rule: dict) -> FaultRule`` (ValueError naming the field when the JSON is wrong; at most
    ``max_rules`` rules), ``list() -> List[dict]``, ``clear(method=None) -> int`` (all, or one api's).
  - ``pick(method, appid=None) -> Optional[Decision]``: the first rule (in insertion order) that
    matches and fires, its remaining count spent; None when no fault applies.
  - ``export() -> dict`` / ``load(state)``: rules, ids and the generator's state as JSON (export ->
    load -> export is identical, and the loaded table goes on with the same decisions).
- ``FaultRule``: one validated rule (``from_dict``, ``to_dict``, ``matches``).
- ``Decision(rule_id, delay_s, kind, errcode, errmsg, status)`` with ``to_dict()``; ``kind`` is one of
  ``"errcode"``, ``"status"``, ``"drop"``, ``"timeout"`` or None (latency only).

Rule JSON (the vocabulary of ``POST /_emulator/faults``, extended)
------------------------------------------------------------------
``{"api": "getPath" | "*", "appid": "wx...", "errcode": n | "status": 400-599 | "drop": true | "timeout": true,
"errmsg": "...", "delay_ms": n | {"mean": n, "stddev": n}, "probability": 0..1, "count": N | null}``
- ``api`` (default ``"*"``): a method name, ``token``, ``stable_token``, or ``*`` = every method except
  the two token endpoints (as the emulator has always done). ``appid``: only calls of that app.
- At most one of ``errcode`` (HTTP 200 ``{"errcode": n, "errmsg": errmsg or "injected fault"}``),
  ``status`` (that HTTP status), ``drop`` (close the connection unanswered) and ``timeout`` (hold the
  connection ``delay_ms``, default ``TIMEOUT_HOLD_MS``, then close it unanswered); with none of them a
  rule needs ``delay_ms`` and the call is answered normally after the delay.
- ``delay_ms``: fixed, or normal with mean and standard deviation, clipped at 0 (at most 600000).
- ``probability`` (default 1): chance that a matching call is faulted (one draw per matching rule).
- ``count``: how many faults the rule injects before it goes; default 1, or unlimited (null) when a
  ``probability`` is given; ``null`` means unlimited.
Same seed and same sequence of ``pick`` calls -> same decisions. Thread-safe (one lock).
Sources: the emulator's existing fault vocabulary (cloudfn/emulator/server.py ``Faults``, README
"Admin endpoints"); issue 13 item 5 (probability, latency distribution, app scope, seed).
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from ..names import nearest

MAX_RULES = 256
MAX_DELAY_MS = 600_000
TIMEOUT_HOLD_MS = 60_000
KINDS = ("errcode", "status", "drop", "timeout")
TOKEN_APIS = ("token", "stable_token")
_FIELDS = ("api", "appid", *KINDS, "errmsg", "delay_ms", "probability", "count")
_STATE_FIELDS = ("id", "remaining")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)


def _ms(value: Any, field: str) -> float:
    if not _is_number(value) or not 0 <= value <= MAX_DELAY_MS:
        raise ValueError(f"{field} must be a number of milliseconds from 0 to {MAX_DELAY_MS}, got {value!r}")
    return float(value)


def _delay(value: Any) -> Tuple[float, float]:
    """``delay_ms`` as (mean, stddev): a number is fixed (stddev 0)."""
    if isinstance(value, Mapping):
        extra = set(value) - {"mean", "stddev"}
        if extra or "mean" not in value:
            raise ValueError(f"delay_ms as an object takes 'mean' and optional 'stddev' (milliseconds), got keys {sorted(value)}")
        return _ms(value["mean"], "delay_ms.mean"), _ms(value.get("stddev", 0), "delay_ms.stddev")
    return _ms(value, "delay_ms"), 0.0


@dataclass(frozen=True)
class Decision:
    """What to do with one call: wait ``delay_s``, then apply ``kind`` (None: answer normally)."""

    rule_id: int
    delay_s: float
    kind: Optional[str]
    errcode: Optional[int] = None
    errmsg: Optional[str] = None
    status: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return {"rule_id": self.rule_id, "delay_s": self.delay_s, "kind": self.kind, "errcode": self.errcode,
                "errmsg": self.errmsg, "status": self.status}


@dataclass
class FaultRule:
    """One validated rule; ``to_dict`` gives back its JSON with ``id``, ``count`` and ``remaining``."""

    id: int
    api: str
    kind: Optional[str]
    value: Any  # the kind's value: errcode, status, or True for drop/timeout
    errmsg: Optional[str]
    delay: Optional[Any]  # delay_ms as given (number or {"mean", "stddev"}), None when absent
    probability: Optional[float]
    appid: Optional[str]
    count: Optional[int]
    remaining: Optional[int]

    @classmethod
    def from_dict(cls, data: Any, rule_id: int, methods: Iterable[str]) -> "FaultRule":
        """Validate a rule's JSON; ValueError names the field and what was expected."""
        if not isinstance(data, Mapping):
            raise ValueError("a fault is a JSON object")
        for key in data:
            if key not in _FIELDS and key not in _STATE_FIELDS:
                near = nearest(str(key), _FIELDS, cutoff=0.6)
                raise ValueError(f"unknown fault field {key!r}" + (f" (did you mean {near!r}?)" if near else f"; fields are {', '.join(_FIELDS)}"))
        api = _api(data.get("api", "*"), methods)
        kind, value = _kind(data)
        errmsg = data.get("errmsg")
        if errmsg is not None and (kind != "errcode" or not isinstance(errmsg, str) or not 0 < len(errmsg) <= 256):
            raise ValueError("errmsg must be a string of 1 to 256 characters, and goes with errcode")
        delay = data.get("delay_ms")
        if delay is not None:
            _delay(delay)
        if kind is None and delay is None:
            raise ValueError("give one of errcode, status, drop, timeout, or a delay_ms")
        probability = data.get("probability")
        if probability is not None and (not _is_number(probability) or not 0 <= probability <= 1):
            raise ValueError(f"probability must be a number from 0 to 1, got {probability!r}")
        appid = data.get("appid")
        if appid is not None and (not isinstance(appid, str) or not appid):
            raise ValueError(f"appid must be a non-empty string, got {appid!r}")
        count = data["count"] if "count" in data else (None if probability is not None else 1)
        if count is not None and (not _is_int(count) or count < 1):
            raise ValueError(f"count must be a positive integer or null (unlimited), got {count!r}")
        remaining = data.get("remaining", count)
        if remaining is not None and (count is None or not _is_int(remaining) or not 0 < remaining <= count):
            raise ValueError(f"remaining must be an integer from 1 to count, got {remaining!r}")
        return cls(rule_id, api, kind, value, errmsg, delay, probability, appid, count, remaining)

    def matches(self, method: str, appid: Optional[str]) -> bool:
        if self.appid is not None and self.appid != appid:
            return False
        return self.api == method or (self.api == "*" and method not in TOKEN_APIS)

    def sample_delay_s(self, rng: random.Random) -> float:
        if self.delay is None:
            return TIMEOUT_HOLD_MS / 1000.0 if self.kind == "timeout" else 0.0
        mean, stddev = _delay(self.delay)
        ms = max(0.0, rng.normalvariate(mean, stddev)) if stddev > 0 else mean
        return ms / 1000.0

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": self.id, "api": self.api}
        if self.appid is not None:
            out["appid"] = self.appid
        if self.kind is not None:
            out[self.kind] = self.value
        for key, value in (("errmsg", self.errmsg), ("delay_ms", self.delay), ("probability", self.probability)):
            if value is not None:
                out[key] = value
        out.update(count=self.count, remaining=self.remaining)
        return out


def _api(api: Any, methods: Iterable[str]) -> str:
    known = set(methods) | set(TOKEN_APIS)
    if api == "*" or (isinstance(api, str) and api in known):
        return api
    near = nearest(str(api), sorted(known), cutoff=0.6)
    hint = f" (did you mean {near!r}?)" if near else ""
    raise ValueError(f"api must be '*' or a logistics method name (or token, stable_token), got {api!r}{hint}")


def _kind(data: Mapping[str, Any]) -> Tuple[Optional[str], Any]:
    given = [k for k in KINDS if data.get(k) not in (None, False)]
    if len(given) > 1:
        raise ValueError(f"give only one of errcode, status, drop, timeout (got {', '.join(given)})")
    for flag in ("drop", "timeout"):
        if flag in data and data[flag] is not None and not isinstance(data[flag], bool):
            raise ValueError(f"{flag} must be true or false")
    if not given:
        return None, None
    kind = given[0]
    value = data[kind]
    if kind == "errcode" and not _is_int(value):
        raise ValueError(f"errcode must be an integer, got {value!r}")
    if kind == "status" and (not _is_int(value) or not 400 <= value <= 599):
        raise ValueError(f"status must be an HTTP error status (400-599), got {value!r}")
    return kind, value


class FaultTable:
    """The emulator's fault rules and the seeded generator that decides (module docstring)."""

    def __init__(self, seed: Optional[int] = None, methods: Optional[Iterable[str]] = None, max_rules: int = MAX_RULES) -> None:
        if seed is not None and not _is_int(seed):
            raise ValueError(f"seed must be an integer or None, got {seed!r}")
        if methods is None:
            from .. import spec  # the model, imported only when no method list is given

            methods = spec.methods()
        self._methods = frozenset(methods)
        self._max_rules = max_rules
        self._lock = threading.Lock()
        self._seed = seed
        self._rng = random.Random(seed)
        self._rules: List[FaultRule] = []
        self._next_id = 1

    def add(self, rule: Any) -> FaultRule:
        """Validate and append a rule (``id`` and ``remaining`` in the JSON are ignored)."""
        fresh = {k: v for k, v in rule.items() if k not in _STATE_FIELDS} if isinstance(rule, Mapping) else rule
        with self._lock:
            if len(self._rules) >= self._max_rules:
                raise ValueError(f"at most {self._max_rules} fault rules; clear some first")
            parsed = FaultRule.from_dict(fresh, self._next_id, self._methods)
            self._rules.append(parsed)
            self._next_id += 1
            return parsed

    def list(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def clear(self, method: Optional[str] = None) -> int:
        """Remove every rule, or those whose ``api`` is ``method``; returns how many went."""
        with self._lock:
            keep = [] if method is None else [r for r in self._rules if r.api != method]
            removed = len(self._rules) - len(keep)
            self._rules = keep
            return removed

    def __bool__(self) -> bool:
        """Whether any rule is set."""
        return bool(self._rules)

    def pick(self, method: str, appid: Optional[str] = None) -> Optional[Decision]:
        """The fault for one call of ``method`` by ``appid``, or None."""
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, appid):
                    continue
                if rule.probability is not None and rule.probability < 1 and self._rng.random() >= rule.probability:
                    continue
                delay_s = rule.sample_delay_s(self._rng)
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                errcode = rule.value if rule.kind == "errcode" else None
                status = rule.value if rule.kind == "status" else None
                errmsg = (rule.errmsg or "injected fault") if rule.kind == "errcode" else None
                return Decision(rule.id, delay_s, rule.kind, errcode, errmsg, status)
        return None

    def export(self) -> Dict[str, Any]:
        with self._lock:
            version, internal, gauss_next = self._rng.getstate()
            return {"seed": self._seed, "next_id": self._next_id, "rng_state": [version, list(internal), gauss_next],
                    "rules": [r.to_dict() for r in self._rules]}

    def load(self, state: Mapping[str, Any]) -> None:
        """Replace rules, ids and generator state with an exported state; ValueError when malformed."""
        if not isinstance(state, Mapping) or not isinstance(state.get("rules"), list):
            raise ValueError("fault state must be an object with a 'rules' list")
        seed, next_id = state.get("seed"), state.get("next_id", 1)
        if (seed is not None and not _is_int(seed)) or not _is_int(next_id) or next_id < 1:
            raise ValueError("fault state: seed must be an integer or null and next_id a positive integer")
        if len(state["rules"]) > self._max_rules:
            raise ValueError(f"fault state: at most {self._max_rules} rules")
        rules = []
        for i, item in enumerate(state["rules"]):
            rule_id: Any = item.get("id") if isinstance(item, Mapping) else None
            if not _is_int(rule_id) or not 0 < rule_id < next_id:
                raise ValueError(f"rules[{i}].id must be an integer below next_id")
            rules.append(FaultRule.from_dict(item, int(rule_id), self._methods))
        rng = random.Random(seed)
        if state.get("rng_state") is not None:
            rng.setstate(_rng_state(state["rng_state"]))
        with self._lock:
            self._seed, self._next_id, self._rng, self._rules = seed, next_id, rng, rules


def _rng_state(value: Any) -> Tuple[Any, ...]:
    try:
        version, internal, gauss_next = value
        state = (version, tuple(int(x) for x in internal), gauss_next)
        random.Random().setstate(state)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"fault state: rng_state is not a generator state ({exc})") from None
    return state
