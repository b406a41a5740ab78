"""Exact sums, rounding and banding of scores (pure functions over Fractions), and the facts
each indicator reads. Indicators themselves are scored by :mod:`tierlib._scorers`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction

from tierlib import model
from tierlib._ast import Expr, refs

ZERO = Fraction(0)


def exact_sum(values: Iterable[Fraction | None]) -> Fraction:
    """The sum of ``values`` (None counts as 0), normalized once at the end.

    Equal to ``sum(values, Fraction(0))``, without the per-addition normalization that makes
    Fraction addition slow."""
    n, d = 0, 1
    for x in values:
        if x is None:
            continue
        xd = x.denominator
        if xd == d:
            n += x.numerator
        else:
            g = math.gcd(d, xd)
            n = n * (xd // g) + x.numerator * (d // g)
            d = d // g * xd
    return Fraction(n, d)


def inputs_of(ind: model.Indicator) -> list[str]:
    """The facts an indicator reads, in a stable order."""
    names: list[str] = []
    conds: list[Expr] = []
    if ind.linear is not None:
        names.append(ind.linear.fact)
    elif ind.bands is not None:
        names.append(ind.bands.fact)
        conds += [b.when for b in ind.bands.bands if b.when is not None]
    elif ind.per_unit is not None:
        names.append(ind.per_unit.fact)
    elif ind.assessed is not None:
        names.append(ind.assessed.fact)
    elif ind.all_or_nothing is not None:
        conds.append(ind.all_or_nothing.when)
    for item in (ind.checklist or ()) + (ind.deductions or ()):
        if item.per is not None:
            names.append(item.per)
        if item.when is not None:
            conds.append(item.when)
        elif item.per is None:
            names.append(item.id)
    for cond in conds:
        names += [r.name for r in refs(cond)]
    return list(dict.fromkeys(names))


def round_score(x: Fraction, rounding: model.Rounding) -> Fraction:
    """``x`` rounded to ``digits`` decimals by ``mode``, exactly (in integers)."""
    scale = 10**rounding.digits
    n, d = x.numerator * scale, x.denominator  # x·scale = n/d, d > 0
    sign = -1 if n < 0 else 1
    whole, rest = divmod(abs(n), d)
    if rounding.mode == "half_up":
        k = whole + (2 * rest >= d)
    elif rounding.mode == "half_even":
        k = whole + (2 * rest > d or (2 * rest == d and whole % 2 == 1))
    elif rounding.mode == "down":
        k = whole
    else:
        k = whole + (rest > 0)
    return Fraction(sign * k, scale)


class IntRange:
    """A :class:`~tierlib.model.Bound` with its ends as integers, for fast ``contains`` (the same answers)."""

    __slots__ = ("hi", "lo")

    def __init__(self, bound: model.Bound) -> None:
        lo, hi = bound.lower, bound.upper
        self.lo = None if lo is None else (lo[0].numerator, lo[0].denominator, lo[1])
        self.hi = None if hi is None else (hi[0].numerator, hi[0].denominator, hi[1])

    def contains(self, x: Fraction) -> bool:
        n, d = x.numerator, x.denominator
        if self.lo is not None:
            a, b, included = self.lo
            left, right = n * b, a * d  # x ? a/b, denominators positive
            if left < right or (left == right and not included):
                return False
        if self.hi is not None:
            a, b, included = self.hi
            left, right = n * b, a * d
            if left > right or (left == right and not included):
                return False
        return True


def tier_of(score: Fraction, tiers: Sequence[model.Tier], below: model.BelowLowest) -> str | None:
    """The first tier whose minimum the score reaches; below them all: lowest tier or None."""
    for tier in tiers:
        if tier.range.lower is None or tier.range.contains(score):
            return tier.id
    return tiers[-1].id if below == "lowest" else None


def compile_tier_of(
    tiers: Sequence[model.Tier], below: model.BelowLowest
) -> Callable[[Fraction], str | None]:
    """:func:`tier_of` for these tiers, with their bounds as integers."""
    ranges = [(t.id, None if t.range.lower is None else IntRange(t.range)) for t in tiers]
    fallback = tiers[-1].id if below == "lowest" else None

    def tier_of(score: Fraction) -> str | None:
        for tier, bound in ranges:
            if bound is None or bound.contains(score):
                return tier
        return fallback

    return tier_of
