"""Run condition rules with durable_rules — the only module of tierlib that imports it.

durable_rules 2.0.28 works only behind a careful adapter (see ``shared/design/
durable-rules.md``). :class:`Matcher` is that adapter. It drives durable_rules' C engine
(``durable_rules_engine``) directly: the Python layer (``durable.engine``) adds about 20 µs per
fired rule (a closure, a timestamp and two JSON parses of the whole fact per action) and starts
two timer threads per host that never stop, so it is not used at all. Every guard below answers
one measured quirk:

* a fixed internal ruleset name and internal rule names (``r0``, ``r1``, …; YAML names are
  never passed on, so ``$state``/``$flow`` in a name cannot be reinterpreted);
* rulesets and facts are serialized by :mod:`tierlib._durable_json` (exponent-free floats,
  one key per condition object, every rule guarded by a marker field) and the C ruleset is
  created from that text directly;
* each evaluation asserts ONE fact into a fresh session id, then walks the actions the engine
  queues for that session (``start_action_for_state`` / ``complete_and_start_action``) and
  records their rule names, then deletes the session — which is safe only because a sentinel
  rule (the marker alone) guarantees that some action ran; batch APIs and events are never
  used;
* an ``$or`` rule fires once per branch that holds, so names repeat; a walk longer than
  :data:`MAX_ACTIONS_PER_RULE` actions per rule (a runaway loop such as the ``$nex`` self-match
  of upstream issues #288/#222) stops with :class:`~tierlib.errors.EngineError`;
* errors the C engine raises (plain exceptions carrying an error code) become
  :class:`~tierlib.errors.EngineError`, and the session is still deleted when that is safe;
* the C extension has no locks: one lock per Matcher serializes every call into it;
* :meth:`Matcher.close` frees the C ruleset (a garbage-collected Matcher frees it too).

A match is a pure function of the values the rules reference, so a Matcher built with
``memo_size`` remembers up to that many results by those values (their classes included:
``True``, ``1`` and ``Fraction(1)`` stay apart). A memo that does not pay for itself — fewer
than one hit in four over a window of lookups — switches itself off.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Mapping
from typing import Any

import durable_rules_engine

from tierlib._ast import Expr, refs
from tierlib._durable_facts import Prepared, Value, dumps
from tierlib._durable_json import SENTINEL, Json, Kind, Plan, compile_plan, limit_problems
from tierlib.errors import EngineError, RuleSetError

__all__ = ["Kind", "Matcher", "Value", "limit_problems"]

RULESET = "tierlib"  # never a name from YAML ("$state"/"$flow" in a name are reinterpreted)
_TOKENS = itertools.count(1)
MAX_ACTIONS_PER_RULE = 128  # joins per node are capped at 100 (see _durable_json.MAX_JOINS)
MEMO_WINDOW = 1024  # lookups between two checks that the memo pays for itself


class _Handle:
    """The C ruleset of one Matcher; ``None`` once freed."""

    def __init__(self, text: str) -> None:
        self.value: int | None = durable_rules_engine.create_ruleset(RULESET, text)


def _free(handle: _Handle) -> None:
    """Delete the C ruleset (runs once: on close() or when the Matcher dies)."""
    value, handle.value = handle.value, None
    if value is not None:
        durable_rules_engine.delete_ruleset(value)


def _rule_name(message: str) -> str:
    """The rule name of a queued action: its message is ``{"<rule>":{…the fact…}}``."""
    end = message.find('"', 2)
    if not message.startswith('{"') or end < 0:
        raise EngineError(f"durable_rules queued an unreadable action: {message[:80]!r}")
    return message[2:end]


class Matcher:
    """Matches condition rules against one organization's values with durable_rules.

    ``rules`` maps each rule id to a boolean condition (already type-checked); ``kinds`` gives
    the kind of every referenced name (``Ref.name``). :meth:`match` reports the rules whose
    condition holds; a rule that references a missing (or None) value, or divides by zero
    anywhere in its condition for these values, is never reported — it is
    :meth:`undetermined`. Raises :class:`~tierlib.errors.RuleSetError` (E401–E404) when the
    rules exceed a limit of durable_rules, before touching it. Thread-safe; close when done.
    """

    def __init__(
        self, rules: Mapping[str, Expr], kinds: Mapping[str, Kind], memo_size: int = 0
    ) -> None:
        unknown = sorted({r.name for e in rules.values() for r in refs(e)} - kinds.keys())
        if unknown:
            raise ValueError(f"no kind given for {', '.join(map(repr, unknown))}")
        self._plan: Plan = compile_plan(rules, kinds, token=next(_TOKENS))
        problems = self._plan.problems({rule: expr.loc for rule, expr in rules.items()})
        if problems:
            raise RuleSetError(problems)
        self._ids = {f"r{n}": rule for n, rule in enumerate(rules)}
        definition = {
            name: {"all": [{"m": self._plan.conditions[rule]}]} for name, rule in self._ids.items()
        }
        definition[SENTINEL] = {"all": [{"m": {"$and": [self._plan.marker(True)]}}]}
        _check_single_keys(definition)
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        try:
            self._handle = _Handle(dumps(definition))
        except Exception as exc:  # durable_rules raises plain Exceptions with an error code
            raise EngineError(f"durable_rules could not load the rules: {exc}") from exc
        self._finalizer = weakref.finalize(self, _free, self._handle)
        self._names = tuple(sorted(self._plan.referenced))
        self._memo_size = memo_size
        self._memo: dict[tuple[Any, ...], tuple[frozenset[str], frozenset[str]]] | None = (
            {} if memo_size > 0 else None
        )
        self._lookups = self._hits = 0

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
        return self.match_all(values)[0]

    def match_all(
        self, values: Mapping[str, Value | None]
    ) -> tuple[frozenset[str], frozenset[str]]:
        """``(match(values), undetermined(values))`` with one check of the values."""
        memo = self._memo
        if memo is None:
            return self._match_all(values)
        if self._handle.value is None:
            raise EngineError("the rule engine is closed")
        key = tuple([(v.__class__, v) for v in map(values.get, self._names)])
        got = memo.get(key)
        self._lookups += 1
        if got is not None:
            self._hits += 1
            return got
        got = self._match_all(values)
        if self._lookups >= MEMO_WINDOW:  # a window is over: keep the memo only if it pays
            if self._hits * 4 < self._lookups:
                self._memo = None
                return got
            self._lookups = self._hits = 0
        if len(memo) >= self._memo_size:  # bounded: start over rather than grow
            memo.clear()
        memo[key] = got
        return got

    def _match_all(
        self, values: Mapping[str, Value | None]
    ) -> tuple[frozenset[str], frozenset[str]]:
        prepared = self._plan.prepare(values)
        if not self._ids:
            return frozenset(), prepared.undetermined
        return self._run(prepared) - prepared.undetermined, prepared.undetermined

    def _run(self, prepared: Prepared) -> frozenset[str]:
        with self._lock:
            handle = self._handle.value
            if handle is None:
                raise EngineError("the rule engine is closed")
            sid = str(next(self._sids))
            names: set[str] = set()
            budget = MAX_ACTIONS_PER_RULE * (len(self._ids) + 1)
            sentinel = False
            try:
                _, state = durable_rules_engine.assert_fact(handle, self._plan.fact(prepared, sid))
                queued = durable_rules_engine.start_action_for_state(handle, state)
                message = queued[1] if queued else None
                while message:
                    name = _rule_name(message)
                    if name == SENTINEL:
                        sentinel = True
                    elif name in self._ids:
                        names.add(name)
                    else:
                        raise EngineError(f"durable_rules ran an unknown action {name!r}")
                    budget -= 1
                    if budget < 0:
                        raise EngineError("durable_rules keeps running actions for one fact")
                    message = durable_rules_engine.complete_and_start_action(handle, state)
            except EngineError:
                raise
            except Exception as exc:  # plain Exceptions carrying an error code
                raise EngineError(f"durable_rules failed: {exc}") from exc
            finally:
                if sentinel:  # only then is deleting the session safe
                    durable_rules_engine.delete_state(handle, sid)
            if not sentinel:  # the session is left in place (see above)
                raise EngineError("durable_rules ran no action for the fact")
        return frozenset(self._ids[name] for name in names)

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
