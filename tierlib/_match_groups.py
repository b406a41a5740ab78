"""Match a stage's rules group by group, remembering each group's results.

A rule's outcome is a pure function of the values it reads. Rules that read the same names
form a group, and a group remembers its outcomes by those values (their classes included).

A number that the rules only ever compare with number literals (``satisfaction < 60%``,
``score >= 60 and score < 70``, ``x in [1, 2]``) is remembered by where it lies among those
literals (below, at or above each) rather than by its value: every such comparison, and so
every outcome, is the same all along the stretch between two literals. Shares, amounts and
scores then answer from memory too. The position is found on doubles, which is exact here
(rounding to a double never reverses an order); a value whose double is a literal's double
without being that literal (durable_rules refuses it, F101), or that reaches 2**53, is
remembered by its value instead, so the matcher sees it.

Groups over booleans, small counts and such numbers answer from memory almost always; a group
over a share used in arithmetic rarely does. So each group starts out remembering, and a group
whose memo gets fewer than one hit in four over :data:`WINDOW` lookups stops remembering and
joins the *volatile* groups, which are matched together in one durable_rules match. A group
that misses its memo is matched on its own.

Every match still goes through :class:`~tierlib._durable.Matcher`. When any group finds an
unusable value, the whole stage is matched once more by the matcher of all its rules, so the
error lists every problem, exactly as without groups.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from tierlib._ast import Compare, Expr, In, Num, Ref, nodes, refs
from tierlib._durable import Kind, Matcher, Value
from tierlib._evaluate import evaluate
from tierlib.errors import EngineError, FactError

__all__ = ["GroupedMatcher"]

WINDOW = 256  # lookups after which a group's memo must have paid for itself
Outcome = tuple[frozenset[str], frozenset[str]]  # (rules that hold, rules undetermined)
Cuts = tuple[tuple[float, ...], tuple[Fraction, ...]]  # literals as doubles, and exactly
_AT = object()  # marks a key part that is a position among cuts, not a value
_BIG = float(2**53)


def literal_cuts(rules: Iterable[Expr], kinds: Mapping[str, Kind]) -> dict[str, Cuts]:
    """The number names that ``rules`` only ever compare with number literals, each with
    those literals in increasing order (as doubles, and exactly)."""
    rules = list(rules)
    seen = Counter(r.name for e in rules for r in refs(e))
    compared: Counter[str] = Counter()
    found: dict[str, set[Fraction]] = {}
    for node in (n for e in rules for n in nodes(e)):
        pairs: list[tuple[Expr, Expr]] = []
        if isinstance(node, Compare):
            pairs = [(node.left, node.right), (node.right, node.left)]
        elif isinstance(node, In):
            pairs = [(node.item, o) for o in node.options] or [(node.item, node.item)]
        for ref, literal in ((a, _number(b)) for a, b in pairs if isinstance(a, Ref)):
            if literal is None or kinds.get(ref.name) != "number":
                break
            found.setdefault(ref.name, set()).add(literal)
        else:
            for name in {a.name for a, _ in pairs if isinstance(a, Ref)}:
                compared[name] += 1
    out: dict[str, Cuts] = {}
    for name, literals in found.items():
        if compared[name] == seen[name]:
            exact = tuple(sorted(literals))
            out[name] = (tuple(float(x) for x in exact), exact)
    return out


def _number(expr: Expr) -> Fraction | None:
    """A number literal, or a reference-free number expression (``-1``, ``1/3``), as its value."""
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Ref) or refs(expr):
        return None
    try:
        value = evaluate(expr, {})
    except ZeroDivisionError:
        return None
    return None if isinstance(value, bool | str) else Fraction(value)


def _part(value: Any, cuts: Cuts | None) -> tuple[Any, Any]:
    """The part of a memo key standing for one value: its position among ``cuts`` when that
    is exact (see the module's text), otherwise the value and its class."""
    if cuts is not None and value.__class__ is Fraction:
        try:
            x = value.numerator / value.denominator  # float(value), correctly rounded
        except OverflowError:
            return value.__class__, value
        if -_BIG < x < _BIG:
            doubles, exact = cuts
            i = bisect_left(doubles, x)
            if i == len(doubles) or doubles[i] != x:
                return _AT, 2 * i
            if exact[i] == value:
                return _AT, 2 * i + 1
    return value.__class__, value


class _Group:
    __slots__ = ("cuts", "hits", "lookups", "matcher", "memo", "names", "rules", "unpaid")

    def __init__(
        self,
        names: tuple[str, ...],
        rules: dict[str, Expr],
        matcher: Matcher,
        cuts: Mapping[str, Cuts],
    ) -> None:
        self.names, self.rules, self.matcher = names, rules, matcher
        # per name, in order: its cuts when it is remembered by position
        self.cuts = tuple(cuts.get(n) for n in names)
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
            cuts = literal_cuts(rules.values(), kinds)
            stable = tuple(
                _Group(names, group, Matcher(group, kinds, 0), cuts)
                for names, group in by_names.items()
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
                key: Any = _part(values.get(names[0]), group.cuts[0])
            else:
                key = tuple(map(_part, map(values.get, names), group.cuts))
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
