"""Match the first stage's rules group by group, remembering each group's results.

A rule's outcome is a pure function of the values it reads. Rules that read the same names
form a group, and a group remembers its outcomes by those values (their classes included).
Groups over booleans and small counts answer from memory almost always; a group over shares
or amounts rarely does. So each group starts out remembering, and a group whose memo gets
fewer than one hit in four over :data:`WINDOW` lookups stops remembering and joins the
*volatile* groups, which are matched together in one durable_rules match. A group that misses
its memo is matched on its own.

Every match still goes through :class:`~tierlib._durable.Matcher`. When any group finds an
unusable value, the whole stage is matched once more by the matcher of all its rules, so the
error lists every problem, exactly as without groups.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from tierlib._ast import Expr, refs
from tierlib._durable import Kind, Matcher, Value
from tierlib.errors import EngineError, FactError

__all__ = ["GroupedMatcher"]

WINDOW = 256  # lookups after which a group's memo must have paid for itself
Outcome = tuple[frozenset[str], frozenset[str]]  # (rules that hold, rules undetermined)


class _Group:
    __slots__ = ("hits", "lookups", "matcher", "memo", "names", "rules", "unpaid")

    def __init__(self, names: tuple[str, ...], rules: dict[str, Expr], matcher: Matcher) -> None:
        self.names, self.rules, self.matcher = names, rules, matcher
        self.memo: dict[tuple[Any, ...], Outcome] = {}
        self.lookups = self.hits = 0
        self.unpaid = False  # its memo got under one hit in four over a window


class GroupedMatcher:
    """``Matcher(rules, kinds)``'s answers, found group by group (see the module's text).

    Thread-safe; with ``memo_size=0`` every match is one match of all the rules."""

    def __init__(
        self, rules: Mapping[str, Expr], kinds: Mapping[str, Kind], memo_size: int
    ) -> None:
        self._whole = Matcher(rules, kinds, 0)  # first: it refuses rules beyond the limits
        self._kinds, self._memo_size = kinds, memo_size
        self._lock = threading.Lock()
        self._closed = False
        # (groups that remember, the matcher of the volatile groups' rules): one attribute, so
        # that a thread always reads a pair that answers for every rule
        self._state: tuple[tuple[_Group, ...], Matcher | None] = ((), None)
        self._volatile: tuple[_Group, ...] = ()
        self._retired: list[Matcher] = []  # earlier rest matchers, closed with the rest
        if memo_size:
            by_names: dict[tuple[str, ...], dict[str, Expr]] = {}
            for rule, expr in rules.items():
                names = tuple(sorted({r.name for r in refs(expr)}))
                by_names.setdefault(names, {})[rule] = expr
            stable = tuple(
                _Group(names, group, Matcher(group, kinds, 0)) for names, group in by_names.items()
            )
            self._state = (stable, None)

    def match_all(self, values: Mapping[str, Value | None]) -> Outcome:
        """``(rules that hold, rules undetermined)`` for one organization's values."""
        if self._closed:
            raise EngineError("the rule engine is closed")
        if not self._memo_size:
            return self._whole.match_all(values)
        try:
            return self._grouped(values)
        except FactError:  # let the whole stage list every problem, in its order
            return self._whole.match_all(values)

    def _grouped(self, values: Mapping[str, Value | None]) -> Outcome:
        fired: set[str] = set()
        unknown: set[str] = set()
        demoted = False
        stable, rest = self._state
        for group in stable:
            names = group.names
            if len(names) == 1:  # the common case, without building a tuple of pairs
                v = values.get(names[0])
                key: Any = (v.__class__, v)
            else:
                key = tuple([(v.__class__, v) for v in map(values.get, names)])
            got = group.memo.get(key)
            group.lookups += 1
            if got is None:
                got = group.matcher.match_all(values)
                if len(group.memo) >= self._memo_size:  # bounded: start over rather than grow
                    group.memo.clear()
                group.memo[key] = got
            else:
                group.hits += 1
            if group.lookups >= WINDOW:
                if group.hits * 4 < group.lookups:
                    group.unpaid = demoted = True
                group.lookups = group.hits = 0
            if got[0]:
                fired |= got[0]
            if got[1]:
                unknown |= got[1]
        if rest is not None:
            got = rest.match_all(values)
            fired |= got[0]
            unknown |= got[1]
        if demoted:
            self._demote()
        return frozenset(fired), frozenset(unknown)

    def _demote(self) -> None:
        """Move the groups whose memo did not pay to the volatile ones, and rebuild their
        common matcher. The old one stays open: another thread may be using it."""
        with self._lock:
            if self._closed:
                return
            stable, rest = self._state
            moved = tuple(g for g in stable if g.unpaid)
            if not moved:
                return
            self._volatile += moved
            rules = {rule: expr for g in self._volatile for rule, expr in g.rules.items()}
            if rest is not None:
                self._retired.append(rest)
            self._state = (tuple(g for g in stable if not g.unpaid), Matcher(rules, self._kinds, 0))
            for g in moved:
                g.memo.clear()

    def close(self) -> None:
        """Free every matcher; idempotent."""
        with self._lock:
            self._closed = True
            stable, rest = self._state
            for m in [self._whole, *(g.matcher for g in stable + self._volatile), *self._retired]:
                m.close()
            if rest is not None:
                rest.close()

    def __enter__(self) -> GroupedMatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def groups(self) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
        """The names of the groups that remember, and of the volatile ones (for tests)."""
        return tuple(g.names for g in self._state[0]), tuple(g.names for g in self._volatile)
