"""The first scorer of indicators, kept as the reference the compiled scorers are tested
against (``tierlib._scorers`` must give the same points and the same steps).

Returns the points with ``(step id, inputs, result, note)`` steps, which the engine turned
into item trace events (located by step id) before the scorers were compiled.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from tierlib import model
from tierlib._ast import refs
from tierlib.decision import fmt

Step = tuple[str, tuple[tuple[str, str], ...], str, str]
ZERO = Fraction(0)


def clamp(x: Fraction, low: Fraction, high: Fraction) -> Fraction:
    return max(low, min(high, x))


def points(
    ind: model.Indicator, facts: Mapping[str, model.FactValue], fired: frozenset[str]
) -> tuple[Fraction, list[Step]]:
    """Points of ``ind`` given complete facts and the ids of the conditions that hold."""
    steps: list[Step] = []
    if ind.linear is not None:
        spec = ind.linear
        x = _num(facts[spec.fact])
        t = clamp((x - spec.floor) / (spec.target - spec.floor), ZERO, Fraction(1))
        pts = ind.max * t
        note = f"{fmt(spec.floor)}→0, {fmt(spec.target)}→{fmt(ind.max)}"
        steps.append((spec.fact, ((spec.fact, fmt(x)),), fmt(pts), f"linear {note}"))
        return pts, steps
    if ind.bands is not None:
        return _bands(ind, ind.bands, facts, fired)
    if ind.all_or_nothing is not None:
        hit = ind.id in fired
        return (ind.max if hit else ZERO), [
            (ind.id, (), "met" if hit else "not met", "all or nothing")
        ]
    if ind.per_unit is not None:
        n = _num(facts[ind.per_unit.fact])
        pts = clamp(n * ind.per_unit.points, ZERO, ind.max)
        steps.append(
            (
                ind.per_unit.fact,
                ((ind.per_unit.fact, fmt(n)),),
                fmt(pts),
                f"{fmt(ind.per_unit.points)} per unit, at most {fmt(ind.max)}",
            )
        )
        return pts, steps
    if ind.assessed is not None:
        x = _num(facts[ind.assessed.fact])
        return x, [(ind.assessed.fact, ((ind.assessed.fact, fmt(x)),), fmt(x), "assessed")]
    if ind.checklist is not None:
        total = ZERO
        for item in ind.checklist:
            got, step = _item(ind, item, facts, fired)
            total += got
            steps.append(step)
        return clamp(total, ZERO, ind.max), steps
    assert ind.deductions is not None
    lost = ZERO
    for item in ind.deductions:
        got, step = _item(ind, item, facts, fired)
        lost += got
        steps.append(step)
    return clamp(ind.max - lost, ZERO, ind.max), steps


def _item(
    ind: model.Indicator,
    item: model.Item,
    facts: Mapping[str, model.FactValue],
    fired: frozenset[str],
) -> tuple[Fraction, Step]:
    if item.when is not None:
        met = f"{ind.id}/{item.id}" in fired
    elif item.per is None:
        met = facts[item.id] is True
    else:
        met = True
    if item.per is not None:
        n = _num(facts[item.per])
        got = item.points * n if met else ZERO
        return got, (item.id, ((item.per, fmt(n)),), fmt(got), f"{fmt(item.points)} each")
    got = item.points if met else ZERO
    if item.when is None:
        inputs: tuple[tuple[str, str], ...] = ((item.id, fmt(facts[item.id])),)
    else:
        names = dict.fromkeys(r.name for r in refs(item.when))
        inputs = tuple((n, fmt(facts[n]) if n in facts else "missing") for n in names)
    return got, (item.id, inputs, fmt(got), "met" if met else "not met")


def _bands(
    ind: model.Indicator,
    spec: model.Bands,
    facts: Mapping[str, model.FactValue],
    fired: frozenset[str],
) -> tuple[Fraction, list[Step]]:
    x = _num(facts[spec.fact])
    best: tuple[Fraction, int] | None = None
    steps: list[Step] = []
    for j, band in enumerate(spec.bands):
        in_range = not band.range.unbounded and band.range.contains(x)
        by_when = band.when is not None and f"{ind.id}/{band.id or j}" in fired
        if not (in_range or by_when):
            continue
        got = band_points(band, x) if in_range else band.points[0]
        how = "in range" if in_range else "by condition"
        seen = ((spec.fact, fmt(x)),)
        if not in_range:  # taken by its condition: what the condition read is shown too
            names = dict.fromkeys(r.name for r in refs(band.when))
            seen += tuple((n, fmt(facts[n])) for n in names)
        steps.append((band.id or str(j), seen, fmt(got), f"band {j + 1} matched {how}"))
        if best is None or (spec.match == "highest" and got > best[0]):
            best = (got, j)
        if spec.match == "first":
            break
    if best is None:
        got = spec.otherwise if spec.otherwise is not None else ZERO
        steps.append(("otherwise", ((spec.fact, fmt(x)),), fmt(got), "no band matched"))
        return got, steps
    return best[0], steps


def band_points(band: model.Band, x: Fraction) -> Fraction:
    """Points of a band for a value inside its range (interpolated for a points range)."""
    low, high = band.points
    if low == high:
        return low
    lo, hi = band.range.lower, band.range.upper
    assert lo is not None
    assert hi is not None
    t = clamp((x - lo[0]) / (hi[0] - lo[0]), ZERO, Fraction(1))
    return low + (high - low) * t


def _num(value: model.FactValue) -> Fraction:
    assert isinstance(value, Fraction)
    assert not isinstance(value, bool)
    return value
