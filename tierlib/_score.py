"""Exact sums, rounding and banding of scores (pure functions over Fractions), and the facts
each indicator reads. Indicators themselves are scored by :mod:`tierlib._scorers`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from fractions import Fraction

from tierlib import model
from tierlib._ast import Expr, refs

Step = tuple[str, tuple[tuple[str, str], ...], str, str]  # (id, inputs, result, note)
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


def tier_of(score: Fraction, tiers: Sequence[model.Tier], below: model.BelowLowest) -> str | None:
    """The first tier whose minimum the score reaches; below them all: lowest tier or None."""
    for tier in tiers:
        if tier.range.lower is None or tier.range.contains(score):
            return tier.id
    return tiers[-1].id if below == "lowest" else None
