"""The vectorized decision procedure of tierlib.columnar: facts, then points per indicator.

Mirrors :class:`tierlib._decide.Run` step by step over the rows of one chunk, with exact
rational columns (:mod:`tierlib._columnar_num`): typed facts and the row checks
(:func:`run`), conditions (:mod:`tierlib._columnar_cond`), points of every scoring method and
missing-data policies (here), score, tier and vetoes (:mod:`tierlib._columnar_decide`). A row
is *slow* (left to the engine itself) when any input is not vouched for or durable_rules might
refuse its values; the caller re-evaluates slow rows with :meth:`Engine.evaluate`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tierlib import _score, model
from tierlib._ast import refs
from tierlib._check import conditions, symbols
from tierlib._columnar_cond import Env, Value, rules
from tierlib._columnar_decide import score_and_tier, vetoes
from tierlib._columnar_input import (
    Chunk,
    Fact,
    bad_years,
    boolean_fact,
    distinct,
    number_fact,
    string_fact,
    text_column,
)
from tierlib._columnar_num import (
    Ctx,
    Mask,
    Rat,
    add_rat,
    clamp,
    cmp_rat,
    contains,
    mul_rat,
    select,
    sub_rat,
    weighted_sum,
    zero_where,
)
from tierlib._facts import fact_limits
from tierlib.tables import IDENTITY

ZERO, ONE = Fraction(0), Fraction(1)
STATUS_CODES = {"rated": 0, "unrated": 1, "pending": 2}


class Plan:
    """What the vectorized path derives once from an engine's rule set."""

    def __init__(self, ruleset: model.RuleSet) -> None:
        rs = self.rs = ruleset
        self.kinds = symbols(rs, computed=True)
        self.intern: dict[str, int] = {}
        self._lock = threading.Lock()
        self.k_hint: dict[str, int] = {}
        self.inputs = {ind.id: tuple(_score.inputs_of(ind)) for ind in rs.indicators}
        rules = conditions(rs)
        self.rules1 = [(rid, expr) for rid, expr, late in rules if not late]
        self.rule_refs = {rid: tuple(dict.fromkeys(r.name for r in refs(e))) for rid, e, _ in rules}
        self.ind_rules = {
            ind.id: [rid for rid, _ in self.rules1 if rid == ind.id or rid.startswith(ind.id + "/")]
            for ind in rs.indicators
        }
        self.bounded, self.counts = fact_limits(rs)
        self.tier_index = {t.id: k for k, t in enumerate(rs.tiers)}
        lowest = rs.tiers[-1].id
        keys = {
            v.id: (v.precedence, v.effect == "unrated", self.tier_index.get(v.tier or lowest, 0))
            for v in rs.vetoes
            if v.effect in ("force", "unrated")
        }
        order = sorted(set(keys.values()))
        self.rank = {vid: order.index(key) for vid, key in keys.items()}
        self.known = frozenset(IDENTITY) | frozenset(rs.facts)

    def code(self, text: str) -> int:
        """The number of ``text`` in this plan's table (threads share the plan)."""
        got = self.intern.get(text)
        if got is None:
            with self._lock:
                got = self.intern.setdefault(text, len(self.intern))
        return got


class Out:
    """Vectorized results for every row of a chunk (meaningful where ``slow`` is False)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.slow: Mask = np.zeros(n, dtype=np.bool_)
        self.status: NDArray[np.int8] = np.zeros(n, dtype=np.int8)
        self.tier: NDArray[np.int16] = np.zeros(n, dtype=np.int16)
        self.score_tier: NDArray[np.int16] = np.zeros(n, dtype=np.int16)
        self.score: tuple[Rat, Mask] | None = None
        self.raw: tuple[Rat, Mask] | None = None
        self.dimensions: dict[str, Rat] = {}
        self.points: dict[str, tuple[Rat, Mask]] = {}
        self.missing: dict[str, Mask] = {}
        self.applied: dict[str, Mask] = {}
        self.undetermined: dict[str, Mask] = {}
        self.decisive: dict[str, Mask] = {}
        self.flags: dict[str, Mask] = {}
        # indicator condition rules undetermined though every input of the indicator is
        # present (a zero divisor), by rule id: only the rules with such rows
        self.zero_divisor: dict[str, Mask] = {}


def run(plan: Plan, chunk: Chunk, nan_missing: bool) -> tuple[Out, Ctx]:
    """Decide every row of ``chunk``; rows the fast path cannot vouch for are marked slow."""
    rs, n = plan.rs, chunk.n
    ctx = Ctx(n)
    out = Out(n)
    slow = out.slow
    env = _facts(plan, ctx, chunk, nan_missing, slow)
    fired1, und1 = rules(plan, ctx, env, plan.rules1, slow)
    _indicators(plan, ctx, env, fired1, und1, out)
    pending = score_and_tier(plan, ctx, env, out)
    late = [(f"veto/{v.id}", v.when) for v in rs.vetoes] + [
        (f"flag/{f.id}", f.when) for f in rs.flags
    ]
    fired2, und2 = rules(plan, ctx, env, late, slow)
    vetoes(plan, out, fired2, und2, pending)
    for flag in rs.flags:
        out.flags[flag.id] = fired2[f"flag/{flag.id}"]
    return out, ctx


# ---------------------------------------------------------------- facts


def _facts(plan: Plan, ctx: Ctx, chunk: Chunk, nan_missing: bool, slow: Mask) -> Env:
    rs, n, cols = plan.rs, chunk.n, chunk.columns
    env: Env = {}
    for name, spec in rs.facts.items():
        col = cols.get(name)
        fact: Fact
        if col is None:
            zero: Value = (
                Rat(0, 0, 1, 1)
                if spec.kind == "number"
                else (False if spec.kind == "boolean" else -1)
            )
            env[name] = (zero, np.ones(n, dtype=np.bool_))
            continue
        if spec.kind == "number":
            fact, plan.k_hint[name] = number_fact(col, spec, plan.k_hint.get(name, 0), nan_missing)
            assert isinstance(fact.value, Rat)
            limit = plan.bounded.get(name)
            if limit is not None:
                fact.slow |= ~fact.missing & ~np.asarray(
                    contains(ctx, fact.value, (ZERO, True), (limit, True))
                )
            if name in plan.counts:
                fact.slow |= ~fact.missing & np.asarray(
                    cmp_rat(ctx, fact.value, Rat.const(ZERO), "<")
                )
        elif spec.kind == "boolean":
            fact = boolean_fact(col, nan_missing)
        else:
            fact = string_fact(col, spec, plan.code, nan_missing)
        slow |= fact.slow
        env[name] = (fact.value, fact.missing)
    allowed = rs.scheme.org_types
    if chunk.orgs is not None:
        for j, org in enumerate(chunk.orgs):
            if not plan.known.issuperset(org.facts):
                slow[j] = True
        if allowed:
            slow |= ~_member(cols["type"], allowed)
        return env
    if chunk.rows is not None:  # row mappings: the rows with a key that is no fact (F111)
        known = plan.known.issuperset
        slow |= np.fromiter((not known(row) for row in chunk.rows), np.bool_, n)
    elif any(name not in plan.known for name in cols):
        slow |= True  # every row has an unknown fact (F111)
    raw = cols["id"]
    if raw.dtype.kind == "U":  # an empty or blank id (D103); blank-looking rows go slow
        slow |= (raw == "") | _blank_start(raw)
    else:
        slow |= _empty(text_column(raw))
    if "year" in cols:
        slow |= bad_years(cols["year"])  # D104
    if allowed:
        types = cols.get("type")
        if types is None:
            slow |= "village" not in allowed
        elif types.dtype.kind == "U":  # unstripped text: anything unusual goes slow
            slow |= ~(_member(types, allowed) | ((types == "") & ("village" in allowed)))
        else:
            texts = text_column(types)
            slow |= ~_member(np.where(_empty(texts), "village", texts), allowed)
    return env


_WS = np.array([chr(c).isspace() for c in range(0x3001)] + [False])


def _blank_start(texts: NDArray[Any]) -> Mask:
    """Rows of a text array whose first character is whitespace (or that are empty)."""
    width = texts.dtype.itemsize // 4
    if width == 0 or len(texts) == 0:
        return np.ones(len(texts), dtype=np.bool_)
    first = texts.view(np.uint32)[::width]
    out: Mask = _WS[np.minimum(first, 0x3001)]
    return out


def _empty(texts: NDArray[Any]) -> Mask:
    if texts.dtype.kind == "U":
        return texts == ""  # type: ignore[no-any-return]
    return np.fromiter((not t for t in texts.tolist()), np.bool_, len(texts))


def _member(texts: NDArray[Any], allowed: tuple[str, ...]) -> Mask:
    if texts.dtype.kind == "U":
        ok = np.zeros(len(texts), dtype=np.bool_)
        for a in allowed:
            ok |= texts == a
        return ok
    codes, values = distinct(texts)
    table = np.array([isinstance(v, str) and v in allowed for v in values], dtype=np.bool_)
    return table[codes] if len(values) else np.zeros(0, dtype=np.bool_)


# ---------------------------------------------------------------- points


def _indicators(
    plan: Plan, ctx: Ctx, env: Env, fired: Mapping[str, Mask], und: Mapping[str, Mask], out: Out
) -> None:
    rs, n = plan.rs, ctx.n
    for ind in rs.indicators:
        absent = np.zeros(n, dtype=np.bool_)
        for name in plan.inputs[ind.id]:
            absent |= env[name][1]
        miss = absent.copy()
        for rid in plan.ind_rules[ind.id]:
            miss |= und[rid]
            zero = und[rid] & ~absent
            if zero.any():
                out.zero_divisor[rid] = zero
        pts = _points(ind, ctx, env, fired, out.slow)
        policy = ind.missing or rs.scheme.missing
        if policy == "zero":
            pts = zero_where(miss, pts)
            known = np.ones(n, dtype=np.bool_)
        else:
            known = ~miss
        out.points[ind.id] = (pts, known)
        out.missing[ind.id] = miss


def _num(env: Env, name: str) -> Rat:
    v = env[name][0]
    assert isinstance(v, Rat)
    return v


def _points(ind: model.Indicator, ctx: Ctx, env: Env, fired: Mapping[str, Mask], slow: Mask) -> Rat:
    if ind.linear is not None:
        spec = ind.linear
        x = _num(env, spec.fact)
        slope = Rat.const(ind.max / (spec.target - spec.floor))
        return clamp(
            ctx, mul_rat(ctx, sub_rat(ctx, x, Rat.const(spec.floor)), slope), ZERO, ind.max
        )
    if ind.bands is not None:
        return _bands(ind, ind.bands, ctx, env, fired, slow)
    if ind.all_or_nothing is not None:
        return select(ctx, fired[ind.id], Rat.const(ind.max), Rat.const(ZERO))
    if ind.per_unit is not None:
        n = _num(env, ind.per_unit.fact)
        return clamp(ctx, mul_rat(ctx, n, Rat.const(ind.per_unit.points)), ZERO, ind.max)
    if ind.assessed is not None:
        return _num(env, ind.assessed.fact)
    items = ind.checklist if ind.checklist is not None else ind.deductions
    assert items is not None
    got: list[tuple[Mask | bool, Rat]] = []
    for item in items:
        if item.when is not None:
            met: Mask | bool = fired[f"{ind.id}/{item.id}"]
        elif item.per is None:
            flag = env[item.id][0]  # an array, or a constant for an absent column
            met = flag.astype(np.bool_, copy=False) if isinstance(flag, np.ndarray) else bool(flag)
        else:
            met = True
        each = Rat.const(item.points)
        if item.per is not None:
            each = mul_rat(ctx, _num(env, item.per), each)
        got.append((met, each))
    s = weighted_sum(ctx, got)
    if ind.checklist is not None:
        return clamp(ctx, s, ZERO, ind.max)
    return clamp(ctx, sub_rat(ctx, Rat.const(ind.max), s), ZERO, ind.max)


def _bands(
    ind: model.Indicator,
    spec: model.Bands,
    ctx: Ctx,
    env: Env,
    fired: Mapping[str, Mask],
    slow: Mask,
) -> Rat:
    x = _num(env, spec.fact)
    n = ctx.n
    matched: list[tuple[Mask, Rat]] = []
    for j, band in enumerate(spec.bands):
        in_range: Mask = np.zeros(n, dtype=np.bool_)
        if band.range != model.Bound():
            in_range = np.broadcast_to(
                np.asarray(contains(ctx, x, band.range.lower, band.range.upper)), (n,)
            )
        by_when = (
            fired[f"{ind.id}/{band.id or j}"] if band.when is not None else np.zeros(n, np.bool_)
        )
        got = select(
            ctx, in_range, _band_points(band, x, ctx, in_range, slow), Rat.const(band.points[0])
        )
        matched.append((in_range | by_when, got))
    otherwise = Rat.const(spec.otherwise if spec.otherwise is not None else ZERO)
    if spec.match == "first":
        res = otherwise
        for hit, got in reversed(matched):
            res = select(ctx, hit, got, res)
        return res
    have = np.zeros(n, dtype=np.bool_)
    best = otherwise
    for hit, got in matched:
        take = hit & (~have | np.asarray(cmp_rat(ctx, got, best, ">")))
        best = select(ctx, take, got, best)
        have |= hit
    return best


def _band_points(band: model.Band, x: Rat, ctx: Ctx, in_range: Mask, slow: Mask) -> Rat:
    low, high = band.points
    if low == high:
        return Rat.const(low)
    lo, hi = band.range.lower, band.range.upper
    assert lo is not None
    assert hi is not None
    if hi[0] == lo[0]:  # the engine divides by zero here: let it
        slow |= in_range
        return Rat.const(low)
    t = clamp(
        ctx,
        mul_rat(ctx, sub_rat(ctx, x, Rat.const(lo[0])), Rat.const(1 / (hi[0] - lo[0]))),
        ZERO,
        ONE,
    )
    return add_rat(ctx, Rat.const(low), mul_rat(ctx, t, Rat.const(high - low)))
