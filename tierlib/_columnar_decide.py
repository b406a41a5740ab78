"""Score, tier and vetoes for tierlib.columnar, step by step as :class:`tierlib._decide.Run`.

Dimension subtotals, the raw score (rescaled only on the rows that left an indicator out),
rounding before banding, the tier by score; then veto precedence: the decisive force/unrated
veto with the highest (precedence, unrated, lower tier) — the first on ties — or else caps and
requirements applied pass by pass exactly as the engine's loop, which also names the veto
that set the final tier. Undetermined vetoes hold a row back unless they are moot there, as in
:func:`tierlib._decide.moot_vetoes`; a row whose score waits for data is decided only by a
decisive veto (its tier by score is then len(tiers) + 1, beyond every tier, which an outcome
without a decisive veto leaves as it is and so never equals a decided tier).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tierlib._columnar_cond import Env
from tierlib._columnar_num import (
    Ctx,
    Mask,
    Rat,
    add_rat,
    cmp_rat,
    contains,
    div_rat,
    mul_rat,
    round_rat,
    select,
    sub_rat,
    total,
    zero_where,
)
from tierlib._decide import MOOT_LIMIT

if TYPE_CHECKING:
    from tierlib._columnar_eval import Out, Plan

ZERO, ONE = Fraction(0), Fraction(1)


def score_and_tier(plan: Plan, ctx: Ctx, env: Env, out: Out) -> Mask:
    """Dimensions, raw score, rounding, tier by score; adds computed values to ``env``."""
    rs, n = plan.rs, ctx.n
    zeroed = {i: zero_where(~known, p) for i, (p, known) in out.points.items()}
    for dim in rs.dimensions:
        out.dimensions[dim.id] = total(
            ctx, [zeroed[i.id] for i in rs.indicators if i.dimension == dim.id and not i.bonus]
        )
    loose = [
        zeroed[i.id] for i in rs.indicators if not i.bonus and i.dimension not in out.dimensions
    ]
    base = total(ctx, [*out.dimensions.values(), *loose])
    bonus = total(ctx, [zeroed[i.id] for i in rs.indicators if i.bonus])
    pending = np.zeros(n, dtype=np.bool_)
    excluded_parts = []
    for ind in rs.indicators:
        policy = ind.missing or rs.scheme.missing
        miss = out.missing[ind.id]
        if policy == "pending":
            pending |= miss
        elif policy == "rescale" and not ind.bonus:
            excluded_parts.append(select(ctx, miss, Rat.const(ind.max), Rat.const(ZERO)))
    whole = Rat.const(rs.scheme.total)
    raw = add_rat(ctx, base, bonus)
    rounding = rs.scheme.rounding
    score = raw if rounding is None else round_rat(ctx, raw, rounding.digits, rounding.mode)
    if excluded_parts:  # rescale only the rows that left an indicator out
        excluded = total(ctx, excluded_parts)
        rows = np.flatnonzero(
            np.broadcast_to(np.asarray(cmp_rat(ctx, excluded, Rat.const(ZERO), ">")), (n,))
        )
        if len(rows):
            sub = Ctx(len(rows))
            left_out = _take(excluded, rows)
            over = np.asarray(cmp_rat(sub, left_out, whole, ">="), dtype=np.bool_)
            pending[rows] |= over
            left = select(sub, over, Rat.const(ONE), sub_rat(sub, whole, left_out))
            scaled = add_rat(
                sub, div_rat(sub, mul_rat(sub, _take(base, rows), whole), left), _take(bonus, rows)
            )
            raw = _put(ctx, raw, rows, scaled)
            if rounding is None:
                score = raw
            else:
                score = _put(
                    ctx, score, rows, round_rat(sub, scaled, rounding.digits, rounding.mode)
                )
            ctx.bad[rows] |= sub.bad
    known = ~pending
    out.raw = (raw, known)
    out.score = (score, known)
    tier = np.full(n, -1, dtype=np.int16)
    for k in reversed(range(len(rs.tiers))):
        t = rs.tiers[k]
        hit = (
            True
            if t.range.lower is None
            else np.asarray(contains(ctx, score, t.range.lower, t.range.upper))
        )
        tier[np.broadcast_to(hit, (n,))] = k
    if rs.below_lowest == "lowest":
        tier[tier < 0] = len(rs.tiers) - 1
    out.score_tier = np.where(pending, np.int16(-1), tier).astype(np.int16)
    env["score"] = (score, pending)
    for dim_id, subtotal in out.dimensions.items():
        env[f"dimension.{dim_id}"] = (subtotal, pending)
    for ind_id, (p, k2) in out.points.items():
        env[f"points.{ind_id}"] = (p, pending | ~k2)
    return pending


def vetoes(
    plan: Plan, out: Out, fired: Mapping[str, Mask], und: Mapping[str, Mask], pending: Mask
) -> None:
    rs, n = plan.rs, out.n
    nt = len(rs.tiers)
    any_und = np.zeros(n, dtype=np.bool_)
    for v in rs.vetoes:
        rid = f"veto/{v.id}"
        u = und[rid]
        out.applied[v.id] = fired[rid] if v.effect != "require" else ~(fired[rid] | u)
        out.undetermined[v.id] = u
        any_und |= u
    score_tier = out.score_tier.copy()
    score_tier[score_tier < 0] = nt
    # a score waiting for data: nt + 1, which no cap or requirement touches (see _limit)
    score_tier[pending] = nt + 1
    tier, winner, setter = _resolve(plan, out.applied, score_tier)
    for j, v in enumerate(rs.vetoes):
        won = winner == j if v.effect in ("force", "unrated") else setter == j
        out.decisive[v.id] = out.applied[v.id] & won
    # without a score only a decisive veto decides, and undetermined vetoes must be moot
    waits = tier > nt
    hold = waits | (any_und & ~_moot(plan, out, score_tier, tier, any_und & ~waits))
    none = tier >= nt
    out.status = none.astype(np.int8)
    out.status[hold] = 2
    tier[hold | none] = -1
    out.tier = tier


def _resolve(
    plan: Plan, applied: Mapping[str, Mask], score_tier: NDArray[np.int16]
) -> tuple[NDArray[np.int16], NDArray[np.int16], NDArray[np.int16]]:
    """As :func:`tierlib._decide.resolve`, on rows: the tier (len(tiers): unrated) that the
    ``applied`` vetoes leave of ``score_tier`` (len(tiers) where the score gives none), the
    index of the decisive veto that won and of the cap or requirement that set the tier (-1:
    none)."""
    rs, n = plan.rs, len(score_tier)
    index, nt = plan.tier_index, len(rs.tiers)
    lowest = nt - 1
    best = np.full(n, -1, dtype=np.int16)
    winner = np.full(n, -1, dtype=np.int16)
    for j, v in enumerate(rs.vetoes):
        on = applied[v.id]
        if v.effect in ("force", "unrated") and on.any():
            take = on & (plan.rank[v.id] > best)
            winner[take] = j
            best[take] = plan.rank[v.id]
    tier = score_tier.copy()
    setter = _limit(plan, applied, tier, winner < 0)
    for j, v in enumerate(rs.vetoes):
        if v.effect in ("force", "unrated"):
            won = winner == j
            if v.effect == "unrated":
                tier[won] = nt
            else:
                tier[won] = index.get(v.tier or rs.tiers[lowest].id, lowest)
    return tier, winner, setter


def _moot(
    plan: Plan, out: Out, score_tier: NDArray[np.int16], tier: NDArray[np.int16], rows: Mask
) -> Mask:
    """The ``rows`` whose undetermined vetoes (at most MOOT_LIMIT) could not change ``tier``
    whichever way each went: every outcome is tried, on the rows that share a pattern of
    undetermined vetoes at a time."""
    moot = np.zeros(len(tier), dtype=np.bool_)
    if not rows.any():
        return moot
    vs = plan.rs.vetoes
    where = np.flatnonzero(rows)
    pattern = np.stack([out.undetermined[v.id][where] for v in vs], axis=1)
    shapes, group = np.unique(pattern, axis=0, return_inverse=True)
    group = group.reshape(-1)
    for g, shape in enumerate(shapes):
        js = np.flatnonzero(shape)
        if len(js) > MOOT_LIMIT:
            continue
        at = where[group == g]
        base = {v.id: out.applied[v.id][at] for v in vs}
        same = np.ones(len(at), dtype=np.bool_)
        for bits in range(1, 1 << len(js)):
            alt = dict(base)
            for b, j in enumerate(js):
                if bits >> b & 1:
                    alt[vs[j].id] = np.ones(len(at), dtype=np.bool_)
            same &= _resolve(plan, alt, score_tier[at])[0] == tier[at]
            if not same.any():
                break
        moot[at] = same
    return moot


def _limit(
    plan: Plan, applied: Mapping[str, Mask], tier: NDArray[np.int16], free: Mask
) -> NDArray[np.int16]:
    """Apply caps and requirements in place, pass by pass exactly as the engine's loop does
    (a requirement that lowers the tier restarts the pass); returns the index of the veto
    that set the final tier on each row (-1: none)."""
    rs, nt = plan.rs, len(plan.rs.tiers)
    setter = np.full(len(tier), -1, dtype=np.int16)
    limits = [
        (j, v.effect == "cap", plan.tier_index[v.tier])
        for j, v in enumerate(rs.vetoes)
        if v.effect in ("cap", "require") and v.tier is not None
    ]
    done = ~free | (tier >= nt)
    while limits and not done.all():
        active = ~done
        changed = np.zeros(len(tier), dtype=np.bool_)
        for j, is_cap, c in limits:
            on = active & applied[rs.vetoes[j].id]
            hit = on & ((tier < c) if is_cap else (tier <= c))
            if hit.any():
                tier[hit] = c if is_cap else c + 1
                setter[hit] = j
                changed |= hit
                if not is_cap:
                    active &= ~hit
        done |= ~changed | (tier >= nt)
    return setter


def _take(x: Rat, rows: NDArray[np.intp]) -> Rat:
    num = x.num if isinstance(x.num, int) else x.num[rows]
    den = x.den if isinstance(x.den, int) else x.den[rows]
    return Rat(num, x.nb, den, x.db)


def _put(ctx: Ctx, x: Rat, rows: NDArray[np.intp], part: Rat) -> Rat:
    """``x`` with ``rows`` replaced by ``part`` (one denominator kept when they share it)."""
    num = np.array(np.broadcast_to(x.num, (ctx.n,)), dtype=np.int64)
    num[rows] = part.num
    if isinstance(x.den, int) and isinstance(part.den, int) and x.den == part.den:
        return Rat(num, max(x.nb, part.nb), x.den, x.db)
    den = np.array(np.broadcast_to(x.den, (ctx.n,)), dtype=np.int64)
    den[rows] = part.den
    return Rat(num, max(x.nb, part.nb), den, max(x.db, part.db))
