"""Checks of each indicator's scoring method: its facts, items, bands and their coverage.

Part of :func:`tierlib._check.check_ruleset`; every problem is collected, none raised.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from fractions import Fraction

import attrs

from tierlib import model
from tierlib._structure import Lost
from tierlib._where import Where
from tierlib.decision import fmt_fraction as fmt
from tierlib.errors import Location, Problem, did_you_mean_id

__all__ = ["check_indicator"]


def check_indicator(
    rs: model.RuleSet, ind: model.Indicator, i: int, where: Where, lost: Lost | None = None
) -> list[Problem]:
    """Problems of ``ind``, item ``i`` of indicators: it has one scoring method, and that is sound.

    A fact that may have been declared by a fact left out (``lost``) is not reported unknown.
    """
    facts = _Facts(rs.facts, Lost() if lost is None else lost)
    at = ("indicators", i)
    methods = [m for m in model.METHODS if getattr(ind, m) is not None]
    if len(methods) != 1:
        msg = (
            "has no scoring method"
            if not methods
            else f"has {len(methods)} scoring methods ({', '.join(methods)})"
        )
        return [
            Problem(
                "E114",
                f"indicator {ind.id!r} {msg}",
                where(*at),
                f"use exactly one of: {', '.join(model.METHODS)}",
            )
        ]
    out: list[Problem] = []
    if ind.linear is not None:
        out += _fact_ref(facts, ind.linear.fact, "number", where(*at, "linear", "fact"))
        if ind.linear.floor == ind.linear.target:
            out.append(
                Problem(
                    "E129", "linear: floor and target must differ", where(*at, "linear", "target")
                )
            )
    if ind.per_unit is not None:
        out += _fact_ref(facts, ind.per_unit.fact, "number", where(*at, "per_unit", "fact"))
        if ind.per_unit.points <= 0:
            out.append(
                Problem(
                    "E115", "per_unit: points must be positive", where(*at, "per_unit", "points")
                )
            )
    if ind.assessed is not None:
        out += _fact_ref(facts, ind.assessed.fact, "number", where(*at, "assessed", "fact"))
    for method in ("checklist", "deductions"):
        items = getattr(ind, method)
        if items is None:
            continue
        if not items:
            out.append(Problem("E112", f"{method} needs at least one item", where(*at, method)))
        for j, item in enumerate(items):
            loc = where(*at, method, j)
            if item.points <= 0:
                out.append(
                    Problem("E115", "item points must be positive", where(*at, method, j, "points"))
                )
            if item.per is not None:
                out += _fact_ref(facts, item.per, "number", where(*at, method, j, "per"))
            elif item.when is None:
                out += _fact_ref(facts, item.id, "boolean", where(*at, method, j, "id"))
            del loc
        total = sum((item.points for item in items), Fraction(0))
        if method == "checklist" and all(it.per is None for it in items) and total != ind.max:
            out.append(
                Problem(
                    "E130",
                    f"checklist items add up to {fmt(total)}, but max is {fmt(ind.max)}",
                    where(*at, "max"),
                )
            )
    if ind.bands is not None:
        out += _bands(facts, ind, at, where)
    return out


def _bands(
    facts: _Facts, ind: model.Indicator, at: tuple[str | int, ...], where: Where
) -> list[Problem]:
    assert ind.bands is not None
    spec = ind.bands
    out = _fact_ref(facts, spec.fact, "number", where(*at, "bands", "fact"))
    if not spec.bands:
        return [*out, Problem("E112", "bands needs at least one band", where(*at, "bands"))]
    ranged: list[tuple[int, model.Band]] = []
    for j, band in enumerate(spec.bands):
        bat = (*at, "bands", "bands", j)
        low, high = band.points
        if not (0 <= low <= ind.max and 0 <= high <= ind.max) or low > high:
            out.append(
                Problem(
                    "E119",
                    f"band points {fmt(low)}–{fmt(high)} must lie within 0–{fmt(ind.max)}, low first",
                    where(*bat, "points"),
                )
            )
        if band.range == model.Bound() and band.when is None:
            out.append(
                Problem(
                    "E125", "a band needs a range (以上/低于/…) or a when: condition", where(*bat)
                )
            )
        lo, hi = band.range.lower, band.range.upper
        if low != high and lo is not None and hi is not None and lo[0] == hi[0]:
            out.append(
                Problem(
                    "E125",
                    "a band with a points range needs a range wider than one value",
                    where(*bat, "points"),
                    "give a fixed number of points",
                )
            )
        if low != high and (lo is None or hi is None):
            out.append(
                Problem(
                    "E125",
                    "a band with a points range needs both a lower and an upper bound",
                    where(*bat, "points"),
                    "give a fixed number of points, or both bounds",
                )
            )
        if (
            lo is not None
            and hi is not None
            and (lo[0] > hi[0] or (lo[0] == hi[0] and not (lo[1] and hi[1])))
        ):
            out.append(Problem("E125", "the band's range is empty", where(*bat)))
        elif band.range != model.Bound():
            ranged.append((j, band))
    out += _coverage(ranged, spec, at, where)
    if spec.otherwise is not None and not 0 <= spec.otherwise <= ind.max:
        out.append(
            Problem(
                "E119",
                f"otherwise: points must lie within 0–{fmt(ind.max)}",
                where(*at, "bands", "otherwise"),
            )
        )
    return out


def _coverage(
    ranged: list[tuple[int, model.Band]],
    spec: model.Bands,
    at: tuple[str | int, ...],
    where: Where,
) -> list[Problem]:
    """Gaps (no band) and overlaps (two bands) between consecutive ranged bands."""
    out: list[Problem] = []

    def start(b: model.Band) -> tuple[Fraction | None, int]:
        lo = b.range.lower
        return (None, 0) if lo is None else (lo[0], 0 if lo[1] else 1)

    order = sorted(
        ranged, key=lambda jb: (start(jb[1])[0] is not None, start(jb[1])[0] or 0, start(jb[1])[1])
    )
    for (_, a), (j, b) in itertools.pairwise(order):
        a_hi, b_lo = a.range.upper, b.range.lower
        bat = (*at, "bands", "bands", j)
        if a_hi is None or b_lo is None:
            if spec.match == "first":
                out.append(
                    Problem(
                        "E124",
                        "bands overlap: two bands are open on the same side",
                        where(*bat),
                        "give each band both bounds, or use match: highest",
                    )
                )
            continue
        if a_hi[0] > b_lo[0] or (a_hi[0] == b_lo[0] and a_hi[1] and b_lo[1]):
            if spec.match == "first":
                out.append(
                    Problem(
                        "E124",
                        f"bands overlap at {fmt(b_lo[0])}",
                        where(*bat),
                        "one side of a shared boundary should use 低于/below, the other 以上/at_least",
                    )
                )
        elif (a_hi[0] < b_lo[0] or (not a_hi[1] and not b_lo[1])) and spec.otherwise is None:
            out.append(
                Problem(
                    "E123",
                    f"gap between bands: {fmt(a_hi[0])} to {fmt(b_lo[0])} has no band",
                    where(*bat),
                    "close the gap, or give otherwise: points",
                )
            )
    return out


@attrs.frozen
class _Facts:
    """The declared facts, and what structuring left out of them."""

    specs: Mapping[str, model.FactSpec]
    lost: Lost


def _labels(specs: Mapping[str, model.FactSpec]) -> dict[str, tuple[str, str]]:
    return {n: (s.label.zh, s.label.en) if s.label else ("", "") for n, s in specs.items()}


def _fact_ref(facts: _Facts, name: str, kind: str, loc: Location) -> list[Problem]:
    spec = facts.specs.get(name)
    if spec is None:
        if facts.lost.may_define("facts", name):
            return []  # declared, perhaps, by a fact left out
        return [
            Problem(
                "E310",
                f"unknown fact {name!r}",
                loc,
                did_you_mean_id(name, _labels(facts.specs)) or "declare it under facts:",
            )
        ]
    if spec.kind != kind:
        return [Problem("E311", f"fact {name!r} is a {spec.kind}, a {kind} is needed here", loc)]
    return []
