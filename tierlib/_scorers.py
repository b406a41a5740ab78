"""Indicator scorers compiled once per rule set: points and trace events for given facts.

:func:`compile_scorer` turns one :class:`~tierlib.model.Indicator` into a function of an
organization's typed facts, their canonical texts and the ids of the condition rules that
held. Everything that does not depend on the organization — step locations, notes, the texts
of fixed points, the names each condition reads, range bounds as integers — is worked out
here, once; a call only compares, adds and formats. Points are exact
:class:`~fractions.Fraction` values; comparisons run on integer cross-products because
Fraction's operators are slow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction

from tierlib import model
from tierlib._ast import refs
from tierlib._score import IntRange, exact_sum
from tierlib.decision import TraceEvent, fmt
from tierlib.errors import Location

__all__ = ["Scored", "Scorer", "compile_scorer"]

ZERO = Fraction(0)
Scored = tuple[Fraction, tuple[TraceEvent, ...]]
Facts = Mapping[str, model.FactValue]
Shown = Mapping[str, str]
# (facts, their texts, the ids of the condition rules that held) → points and events
Scorer = Callable[[Facts, Shown, frozenset[str]], Scored]
_Step = Callable[[Facts, Shown, frozenset[str]], tuple[Fraction, TraceEvent]]


def compile_scorer(
    ind: model.Indicator, names: tuple[str, ...], step_locs: Mapping[tuple[str, str], Location]
) -> Scorer:
    """The scorer of ``ind``; ``names`` are the facts it reads (its indicator event's inputs).

    It expects every fact in ``names`` present and well typed (the engine checks that first).
    """
    note = f"{ind.method}, max {fmt(ind.max)}"

    def finish(got: Fraction, shown: Shown, events: list[TraceEvent]) -> Scored:
        used = tuple([(n, shown[n]) for n in names])
        events.append(TraceEvent("indicator", ind.id, ind.loc, used, fmt(got), note))
        return got, tuple(events)

    def loc(step: str) -> Location:
        return step_locs.get((ind.id, step), ind.loc)

    if ind.linear is not None:
        return _linear(ind, ind.linear, loc(ind.linear.fact), finish)
    if ind.bands is not None:
        return _bands(ind, ind.bands, loc, finish)
    if ind.all_or_nothing is not None:
        return _all_or_nothing(ind, loc(ind.id), finish)
    if ind.per_unit is not None:
        return _per_unit(ind, ind.per_unit, loc(ind.per_unit.fact), finish)
    if ind.assessed is not None:
        fact, at = ind.assessed.fact, loc(ind.assessed.fact)

        def assessed(facts: Facts, shown: Shown, fired: frozenset[str]) -> Scored:
            x, text = facts[fact], shown[fact]
            assert isinstance(x, Fraction)
            return finish(x, shown, [_item_event(ind, fact, at, ((fact, text),), text, "assessed")])

        return assessed
    deduct = ind.checklist is None
    items = ind.checklist if ind.checklist is not None else ind.deductions
    assert items is not None
    steps = [_item(ind, item, loc(item.id)) for item in items]
    high = ind.max

    def checklist(facts: Facts, shown: Shown, fired: frozenset[str]) -> Scored:
        got: list[Fraction] = []
        events: list[TraceEvent] = []
        for step in steps:
            x, event = step(facts, shown, fired)
            got.append(x)
            events.append(event)
        total = exact_sum(got)
        if deduct:
            total = high - total
        return finish(_clamp(total, high), shown, events)

    return checklist


def _item_event(
    ind: model.Indicator,
    step: str,
    loc: Location,
    inputs: tuple[tuple[str, str], ...],
    result: str,
    note: str,
) -> TraceEvent:
    return TraceEvent("item", step, loc, inputs, result, note, ind.id)


def _clamp(x: Fraction, high: Fraction) -> Fraction:
    """``x`` within ``0..high`` (compared as integers)."""
    n, d = x.numerator, x.denominator
    if n <= 0:
        return ZERO if n < 0 else x
    return high if n * high.denominator > high.numerator * d else x


def _linear(
    ind: model.Indicator,
    spec: model.Linear,
    at: Location,
    finish: Callable[[Fraction, Shown, list[TraceEvent]], Scored],
) -> Scorer:
    fact, high = spec.fact, ind.max
    floor, span = spec.floor, spec.target - spec.floor
    note = f"linear {fmt(spec.floor)}→0, {fmt(spec.target)}→{fmt(ind.max)}"

    def linear(facts: Facts, shown: Shown, fired: frozenset[str]) -> Scored:
        x = facts[fact]
        assert isinstance(x, Fraction)
        # t = (x - floor) / span as num/den with den > 0, clamped to 0..1
        num = (x.numerator * floor.denominator - floor.numerator * x.denominator) * span.denominator
        den = x.denominator * floor.denominator * span.numerator
        if den < 0:
            num, den = -num, -den
        if num <= 0:
            pts = ZERO
        elif num >= den:
            pts = high
        else:
            pts = high * Fraction(num, den)
        event = _item_event(ind, fact, at, ((fact, shown[fact]),), fmt(pts), note)
        return finish(pts, shown, [event])

    return linear


def _bands(
    ind: model.Indicator,
    spec: model.Bands,
    loc: Callable[[str], Location],
    finish: Callable[[Fraction, Shown, list[TraceEvent]], Scored],
) -> Scorer:
    fact, first = spec.fact, spec.match == "first"
    rows = [
        (
            band,
            band.id or str(j),
            f"{ind.id}/{band.id or j}" if band.when is not None else None,
            None if band.range.unbounded else IntRange(band.range),
            loc(band.id or str(j)),
            j + 1,
            _band_points(band),
            # a band taken by its condition shows what the condition read
            tuple(dict.fromkeys(r.name for r in refs(band.when))) if band.when is not None else (),
        )
        for j, band in enumerate(spec.bands)
    ]
    otherwise = spec.otherwise if spec.otherwise is not None else ZERO
    otherwise_text, otherwise_at = fmt(otherwise), loc("otherwise")

    def bands(facts: Facts, shown: Shown, fired: frozenset[str]) -> Scored:
        x = facts[fact]
        assert isinstance(x, Fraction)
        inputs = ((fact, shown[fact]),)
        best: Fraction | None = None
        events: list[TraceEvent] = []
        for band, sid, rule, bound, at, k, points_of, cond in rows:
            in_range = bound is not None and bound.contains(x)
            if not (in_range or (rule is not None and rule in fired)):
                continue
            got = points_of(x) if in_range else band.points[0]
            how = "in range" if in_range else "by condition"
            seen = inputs if in_range or not cond else inputs + tuple([(n, shown[n]) for n in cond])
            events.append(_item_event(ind, sid, at, seen, fmt(got), f"band {k} matched {how}"))
            if best is None or (not first and got > best):
                best = got
            if first:
                break
        if best is None:
            events.append(
                _item_event(
                    ind, "otherwise", otherwise_at, inputs, otherwise_text, "no band matched"
                )
            )
            return finish(otherwise, shown, events)
        return finish(best, shown, events)

    return bands


def _band_points(band: model.Band) -> Callable[[Fraction], Fraction]:
    """Points of ``band`` for a value inside its range, interpolated over it for a points range
    (``low + (high - low) · (x - lower) / (upper - lower)``), in integers: one Fraction built
    per call."""
    low, high = band.points
    lo, hi = band.range.lower, band.range.upper
    if low == high:
        return lambda x: low
    if lo is None or hi is None or hi[0] <= lo[0]:  # the check refuses these (E-codes)
        raise ValueError(f"band {band.id!r}: a points range needs both bounds, upper above lower")
    a, b = lo[0].numerator, lo[0].denominator
    span, rise = hi[0] - lo[0], high - low
    s, u = span.numerator, span.denominator

    def points(x: Fraction) -> Fraction:
        n, d = x.numerator, x.denominator
        num, den = (n * b - a * d) * u, d * b * s  # t = (x - lo) / span, den > 0
        if num <= 0:
            return low
        if num >= den:
            return high
        # low + rise · num/den as one fraction
        return Fraction(
            low.numerator * rise.denominator * den + rise.numerator * low.denominator * num,
            low.denominator * rise.denominator * den,
        )

    return points


def _all_or_nothing(
    ind: model.Indicator,
    at: Location,
    finish: Callable[[Fraction, Shown, list[TraceEvent]], Scored],
) -> Scorer:
    rule, high = ind.id, ind.max

    def all_or_nothing(facts: Facts, shown: Shown, fired: frozenset[str]) -> Scored:
        hit = rule in fired
        event = _item_event(ind, ind.id, at, (), "met" if hit else "not met", "all or nothing")
        return finish(high if hit else ZERO, shown, [event])

    return all_or_nothing


def _per_unit(
    ind: model.Indicator,
    spec: model.PerUnit,
    at: Location,
    finish: Callable[[Fraction, Shown, list[TraceEvent]], Scored],
) -> Scorer:
    fact, each, high = spec.fact, spec.points, ind.max
    note = f"{fmt(spec.points)} per unit, at most {fmt(ind.max)}"

    def per_unit(facts: Facts, shown: Shown, fired: frozenset[str]) -> Scored:
        n = facts[fact]
        assert isinstance(n, Fraction)
        pts = _clamp(n * each, high)
        event = _item_event(ind, fact, at, ((fact, shown[fact]),), fmt(pts), note)
        return finish(pts, shown, [event])

    return per_unit


def _item(ind: model.Indicator, item: model.Item, at: Location) -> _Step:
    """The step of one checklist item or deduction."""
    points, sid = item.points, item.id
    if item.per is not None:
        per, rule = item.per, (f"{ind.id}/{item.id}" if item.when is not None else None)
        note = f"{fmt(item.points)} each"

        def each(facts: Facts, shown: Shown, fired: frozenset[str]) -> tuple[Fraction, TraceEvent]:
            n = facts[per]
            assert isinstance(n, Fraction)
            got = points * n if rule is None or rule in fired else ZERO
            return got, _item_event(ind, sid, at, ((per, shown[per]),), fmt(got), note)

        return each
    met_text, unmet_text = fmt(points), fmt(ZERO)
    if item.when is None:

        def flag(facts: Facts, shown: Shown, fired: frozenset[str]) -> tuple[Fraction, TraceEvent]:
            inputs = ((sid, shown[sid]),)
            if facts[sid] is True:
                return points, _item_event(ind, sid, at, inputs, met_text, "met")
            return ZERO, _item_event(ind, sid, at, inputs, unmet_text, "not met")

        return flag
    rule, reads = f"{ind.id}/{item.id}", tuple(dict.fromkeys(r.name for r in refs(item.when)))

    def condition(facts: Facts, shown: Shown, fired: frozenset[str]) -> tuple[Fraction, TraceEvent]:
        inputs = tuple([(n, shown.get(n, "missing")) for n in reads])
        if rule in fired:
            return points, _item_event(ind, sid, at, inputs, met_text, "met")
        return ZERO, _item_event(ind, sid, at, inputs, unmet_text, "not met")

    return condition
