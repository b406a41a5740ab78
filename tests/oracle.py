"""A small pure-Python oracle of tierlib's semantics, written independently of the engine.

It reads the model directly and evaluates conditions with the exact tree-walking evaluator
(no durable_rules, no code shared with ``tierlib._score`` or ``tierlib.engine``).
Returns ``(status, tier, score, points, fired veto ids, flags)``.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

from tierlib import _ast, _evaluate, model
from tierlib._decide import MOOT_LIMIT  # a stated limit, not semantics

F0, F1 = Fraction(0), Fraction(1)


def _holds(expr, env):
    """True / False, or None when any input it names is missing or any divisor in it is zero
    (wherever it stands: an ``or`` that would not reach it does not help)."""
    if any(ref.name not in env for ref in _ast.refs(expr)):
        return None
    try:
        divisors = [n.right for n in _ast.nodes(expr) if isinstance(n, _ast.Arith) and n.op == "/"]
        if any(_evaluate.evaluate(d, env) == 0 for d in divisors):
            return None
        return _evaluate.evaluate(expr, env) is True
    except (_evaluate.MissingValue, ZeroDivisionError):
        return None


def _contains(bound: model.Bound, x: Fraction) -> bool:
    if bound.at_least is not None and x < bound.at_least:
        return False
    if bound.above is not None and x <= bound.above:
        return False
    if bound.below is not None and x >= bound.below:
        return False
    return not (bound.at_most is not None and x > bound.at_most)


def _needs(ind: model.Indicator) -> set:
    names, conds = set(), []
    for spec in (ind.linear, ind.per_unit, ind.assessed, ind.bands):
        if spec is not None:
            names.add(spec.fact)
    if ind.bands is not None:
        conds += [b.when for b in ind.bands.bands if b.when is not None]
    if ind.all_or_nothing is not None:
        conds.append(ind.all_or_nothing.when)
    for item in (ind.checklist or ()) + (ind.deductions or ()):
        if item.when is not None:
            conds.append(item.when)
        names.add(item.per or (item.id if item.when is None else None))
    names.discard(None)
    return names | {r.name for c in conds for r in _ast.refs(c)}


def _indicator(ind: model.Indicator, facts):
    """Points, or None when an input is missing."""
    if not _needs(ind) <= set(facts):
        return None
    try:
        if ind.linear is not None:
            x, lo, hi = facts[ind.linear.fact], ind.linear.floor, ind.linear.target
            return ind.max * min(F1, max(F0, (x - lo) / (hi - lo)))
        if ind.per_unit is not None:
            return min(ind.max, facts[ind.per_unit.fact] * ind.per_unit.points)
        if ind.assessed is not None:
            return facts[ind.assessed.fact]
        if ind.all_or_nothing is not None:
            met = _holds(ind.all_or_nothing.when, facts)
            return None if met is None else (ind.max if met else F0)
        if ind.bands is not None:
            x = facts[ind.bands.fact]
            found = []
            for band in ind.bands.bands:
                cond = _holds(band.when, facts) if band.when is not None else False
                if cond is None:
                    return None
                ranged = band.range != model.Bound() and _contains(band.range, x)
                if ranged:
                    lo, hi = band.points
                    if lo != hi:
                        a = (
                            band.range.at_least
                            if band.range.at_least is not None
                            else band.range.above
                        )
                        b = band.range.below if band.range.below is not None else band.range.at_most
                        lo = lo + (hi - lo) * min(F1, max(F0, (x - a) / (b - a)))
                    found.append(lo)
                elif cond:
                    found.append(band.points[0])
                if found and ind.bands.match == "first":
                    break
            if not found:
                return ind.bands.otherwise or F0
            return max(found) if ind.bands.match == "highest" else found[0]
        items = ind.checklist if ind.checklist is not None else ind.deductions
        total = F0
        for item in items:
            if item.when is not None:
                met = _holds(item.when, facts)
                if met is None:
                    return None
            else:
                met = True if item.per is not None else facts[item.id]
            if met:
                total += item.points * (facts[item.per] if item.per is not None else 1)
        if ind.checklist is not None:
            return min(ind.max, total)
        return max(F0, ind.max - total)
    except KeyError:
        return None


def oracle(rs: model.RuleSet, facts: dict):
    points, pending, excluded = {}, False, F0
    for ind in rs.indicators:
        got = _indicator(ind, facts)
        if got is None:
            policy = ind.missing or rs.scheme.missing
            if policy == "zero":
                got = F0
            elif policy == "rescale":
                excluded += 0 if ind.bonus else ind.max
            else:
                pending = True
        points[ind.id] = got
    score = tier_by_score = None
    env = dict(facts)
    if not pending and excluded < rs.scheme.total:
        base = sum((p for i, p in points.items() if p is not None and not _bonus(rs, i)), F0)
        bonus = sum((p for i, p in points.items() if p is not None and _bonus(rs, i)), F0)
        if excluded:
            base = base * rs.scheme.total / (rs.scheme.total - excluded)
        score = base + bonus
        if rs.scheme.rounding is not None:
            score = _round(score, rs.scheme.rounding)
        tier_by_score = None
        for tier in rs.tiers:
            if tier.range.lower is None or _contains(tier.range, score):
                tier_by_score = tier.id
                break
        if tier_by_score is None and rs.below_lowest == "lowest":
            tier_by_score = rs.tiers[-1].id
        env["score"] = score
        for dim in rs.dimensions:
            env[f"dimension.{dim.id}"] = sum(
                (
                    points[i.id] or F0
                    for i in rs.indicators
                    if i.dimension == dim.id and not i.bonus
                ),
                F0,
            )
        env.update({f"points.{k}": v for k, v in points.items() if v is not None})
    else:
        pending = True
    fired, unknown = [], []
    for veto in rs.vetoes:
        h = _holds(veto.when, env)
        if h is None:
            unknown.append(veto)
        elif h != (veto.effect == "require"):
            fired.append(veto)
    flags = tuple(f.id for f in rs.flags if _holds(f.when, env))
    tier = _outcome(rs, fired, tier_by_score, scored=not pending)
    if tier is _WAITS:
        return "pending", None, score, points, sorted(v.id for v in fired), flags
    if unknown:
        # decided anyway only if every way the unknown vetoes could go gives the same tier
        if len(unknown) > MOOT_LIMIT:
            return "pending", None, score, points, sorted(v.id for v in fired), flags
        for outcome in itertools.product((False, True), repeat=len(unknown)):
            more = {v.id for v, on in zip(unknown, outcome) if on}
            alt = [v for v in rs.vetoes if v in fired or v.id in more]
            if _outcome(rs, alt, tier_by_score, scored=not pending) != tier:
                return "pending", None, score, points, sorted(v.id for v in fired), flags
    return ("rated" if tier else "unrated"), tier, score, points, sorted(v.id for v in fired), flags


_WAITS = object()  # no tier yet: the score waits for data and no force/unrated veto decides


def _outcome(rs, fired, tier_by_score, scored):
    """``_final``, or _WAITS when there is no score and nothing decides without one."""
    if not scored and not any(v.effect in ("force", "unrated") for v in fired):
        return _WAITS
    return _final(rs, fired, tier_by_score)


def _final(rs, fired, tier_by_score):
    """The tier the fired vetoes leave of the tier by score (None: unrated)."""
    order = [t.id for t in rs.tiers]
    decisive = [v for v in fired if v.effect in ("force", "unrated")]
    tier = tier_by_score
    if decisive:
        best = max(v.precedence for v in decisive)
        top = [v for v in decisive if v.precedence == best]
        if any(v.effect == "unrated" for v in top):
            return None
        return order[max(order.index(v.tier or order[-1]) for v in top)]
    while tier is not None:
        before = tier
        for v in fired:
            if v.effect == "cap" and order.index(tier) < order.index(v.tier):
                tier = v.tier
            if v.effect == "require" and order.index(tier) <= order.index(v.tier):
                k = order.index(v.tier) + 1
                tier = order[k] if k < len(order) else None
                break
        if tier == before:
            break
    return tier


def _bonus(rs, ind_id):
    return next(i.bonus for i in rs.indicators if i.id == ind_id)


def _round(x: Fraction, r: model.Rounding) -> Fraction:
    q = abs(x) * 10**r.digits
    n = {
        "half_up": lambda: math.floor(q + Fraction(1, 2)),
        "half_even": lambda: round(q),
        "down": lambda: math.floor(q),
        "up": lambda: math.ceil(q),
    }[r.mode]()
    return Fraction(n if x >= 0 else -n, 10**r.digits)
