"""Run condition rules with durable_rules — the only module of tierlib that imports it.

durable_rules 2.0.28 works only behind a careful adapter (see ``shared/design/
durable-rules.md``). :class:`Matcher` is that adapter; every guard below answers one measured
quirk:

* one private :class:`durable.engine.Host` per Matcher whose timer start does nothing (a plain
  Host starts two timer threads that never stop), a fixed internal ruleset name and internal
  rule names (``r0``, ``r1``, …; YAML names are never passed on);
* rulesets and facts are serialized by :mod:`tierlib._durable_json` (exponent-free floats,
  one key per condition object, every rule guarded by a marker field) and the C ruleset is
  created from that text directly;
* each evaluation asserts ONE fact into a fresh session id, collects the rules whose actions
  ran, then deletes the session — which is safe only because a sentinel rule (the marker
  alone) guarantees that some action ran; batch APIs and events are never used;
* exceptions that durable_rules swallows inside actions are read back from the returned state
  and raised as :class:`~tierlib.errors.EngineError`;
* the C extension has no locks: one lock per Matcher serializes every call into it;
* :meth:`Matcher.close` frees the C ruleset (a garbage-collected Matcher frees it too).
"""

from __future__ import annotations

import itertools
import threading
import warnings
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import durable.engine
import durable_rules_engine

from tierlib._ast import Expr, refs
from tierlib._durable_json import (
    SENTINEL,
    Json,
    Kind,
    Plan,
    Value,
    compile_plan,
    dumps,
    limit_problems,
)
from tierlib.errors import EngineError, RuleSetError

__all__ = ["Kind", "Matcher", "Value", "limit_problems"]

# Python 3.12+: every action calls datetime.utcfromtimestamp inside durable.engine.
warnings.filterwarnings(
    "ignore", message=r".*utcfromtimestamp", category=DeprecationWarning, module=r"durable\.engine"
)

RULESET = "tierlib"  # never a name from YAML ("$state"/"$flow" in a name are reinterpreted)
_TOKENS = itertools.count(1)


class _Collector:
    """What the actions of one evaluation report back."""

    def __init__(self) -> None:
        self.fired: list[str] = []
        self.sentinel = False

    def hit(self, rule: str) -> None:
        self.fired.append(rule)


def _action(collector: _Collector, rule: str | None) -> Callable[[Any], None]:
    # durable_rules inspects the arity: exactly one parameter makes a synchronous action
    if rule is None:

        def sentinel(c: Any) -> None:
            collector.sentinel = True

        return sentinel

    def record(c: Any) -> None:
        collector.hit(rule)

    return record


class _Ruleset(durable.engine.Ruleset):  # type: ignore[misc]
    """A Ruleset created from tierlib's own JSON text, asserting pre-serialized facts."""

    def __init__(
        self, host: _Host, text: str, actions: Mapping[str, Callable[[Any], None]]
    ) -> None:
        self._name = RULESET
        self._host = host
        self._actions = {name: durable.engine.Promise(fn) for name, fn in actions.items()}
        self._definition = None
        self._handle = durable_rules_engine.create_ruleset(RULESET, text)

    def assert_fact(self, fact: str) -> Any:
        return self._handle_result(durable_rules_engine.assert_fact(self._handle, fact), fact)


class _Host(durable.engine.Host):  # type: ignore[misc]
    """A Host serving one ruleset, without the two self-re-arming timer threads."""

    ruleset: _Ruleset | None = None

    def _run(self) -> None:
        """Start no timers: tierlib never uses timers, events or batch dispatch."""

    def get_ruleset(self, ruleset_name: str) -> _Ruleset:
        if self.ruleset is None or ruleset_name != RULESET:
            raise EngineError("the rule engine is closed")
        return self.ruleset


def _free(host: _Host) -> None:
    """Delete the C ruleset of ``host`` (runs once: on close() or when the Matcher dies)."""
    ruleset, host.ruleset = host.ruleset, None
    if ruleset is not None:
        durable_rules_engine.delete_ruleset(ruleset._handle)


class Matcher:
    """Matches condition rules against one organization's values with durable_rules.

    ``rules`` maps each rule id to a boolean condition (already type-checked); ``kinds`` gives
    the kind of every referenced name (``Ref.name``). :meth:`match` reports the rules whose
    condition holds; a rule that references a missing (or None) value, or divides by zero
    anywhere in its condition for these values, is never reported — it is
    :meth:`undetermined`. Raises :class:`~tierlib.errors.RuleSetError` (E401–E404) when the
    rules exceed a limit of durable_rules, before touching it. Thread-safe; close when done.
    """

    def __init__(self, rules: Mapping[str, Expr], kinds: Mapping[str, Kind]) -> None:
        unknown = sorted({r.name for e in rules.values() for r in refs(e)} - kinds.keys())
        if unknown:
            raise ValueError(f"no kind given for {', '.join(map(repr, unknown))}")
        self._plan: Plan = compile_plan(rules, kinds, token=next(_TOKENS))
        problems = self._plan.problems({rule: expr.loc for rule, expr in rules.items()})
        if problems:
            raise RuleSetError(problems)
        self._ids = {f"r{n}": rule for n, rule in enumerate(rules)}
        self._collector = _Collector()
        actions = {name: _action(self._collector, name) for name in self._ids}
        actions[SENTINEL] = _action(self._collector, None)
        definition = {
            name: {"all": [{"m": self._plan.conditions[rule]}]} for name, rule in self._ids.items()
        }
        definition[SENTINEL] = {"all": [{"m": {"$and": [self._plan.marker(True)]}}]}
        _check_single_keys(definition)
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._host = _Host()
        try:
            self._host.ruleset = _Ruleset(self._host, dumps(definition), actions)
        except Exception as exc:  # durable_rules raises plain Exceptions with an error code
            raise EngineError(f"durable_rules could not load the rules: {exc}") from exc
        self._finalizer = weakref.finalize(self, _free, self._host)

    @property
    def compiled(self) -> Mapping[str, Json]:
        """The durable_rules definition generated for each rule id (without its action)."""
        return {rule: {"all": [{"m": cond}]} for rule, cond in self._plan.conditions.items()}

    def undetermined(self, values: Mapping[str, Value | None]) -> frozenset[str]:
        """Ids of the rules that reference a missing value or divide by zero for ``values``."""
        return self._plan.prepare(values).undetermined

    def match(self, values: Mapping[str, Value | None]) -> frozenset[str]:
        """Ids of the rules whose condition holds for ``values`` (one organization).

        Raises :class:`~tierlib.errors.FactError` for unusable values (F101 not exactly
        comparable by durable_rules, F102 NaN or infinite, F103 wrong kind) and
        :class:`~tierlib.errors.EngineError` when the engine fails or is closed.
        """
        prepared = self._plan.prepare(values)
        with self._lock:
            if self._host.ruleset is None:
                raise EngineError("the rule engine is closed")
            sid = str(next(self._sids))
            collector = self._collector
            collector.fired.clear()
            collector.sentinel = False
            error: Exception | None = None
            try:
                state = self._host.assert_fact(RULESET, self._plan.fact(prepared, sid))
            except Exception as exc:
                state, error = None, exc
            if collector.sentinel:  # only then is deleting the state safe
                self._host.delete_state(RULESET, sid)
            if error is not None:
                raise EngineError(f"durable_rules failed: {error}") from error
            if not collector.sentinel:  # the session is left in place (see above)
                raise EngineError("durable_rules ran no action for the fact")
            fired = frozenset(self._ids[name] for name in collector.fired)
        if isinstance(state, dict) and state.get("exception"):
            raise EngineError(f"a rule action failed: {state['exception']}")
        return fired - prepared.undetermined

    def close(self) -> None:
        """Free the C ruleset; idempotent. :meth:`match` raises EngineError afterwards."""
        with self._lock:
            self._finalizer()

    def __enter__(self) -> Matcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_single_keys(definition: Mapping[str, Json]) -> None:
    """Guard: durable_rules reads only the first key of a condition object."""
    for rule in definition.values():
        for part in rule["all"]:
            _check_condition(part["m"])


def _check_condition(cond: Json) -> None:
    ((op, body),) = cond.items() if len(cond) == 1 else _malformed(cond)
    if op in ("$and", "$or"):
        for item in body:
            _check_condition(item)
    elif not (op.startswith("$") and isinstance(body, dict) and len(body) == 1):
        _malformed(cond)


def _malformed(cond: Json) -> Any:
    raise AssertionError(f"condition objects must have exactly one key: {cond}")
