"""Exact rational columns over int64 arrays, with proven overflow guards (for tierlib.columnar).

A :class:`Rat` is a column of rationals ``num / den``: ``num`` is an int64 array (or a Python
``int`` when the value is the same on every row) and ``den`` is a positive Python ``int`` (the
common case: one denominator for the whole column) or a positive int64 array. Each carries an
upper bound on ``|num|`` and on ``den``. Before every multiplication or addition the bounds
prove that no result can leave the int64 range; when they cannot, a per-row check does (an
exact integer test, or a float64 estimate with a 2**62 threshold, far inside int64 even after
float rounding), and the rows that might overflow are marked in :attr:`Ctx.bad` and zeroed.
Bad rows are re-evaluated by the exact per-row path, so every value this module returns for a
row not marked bad is the exact rational the engine's Fractions would give.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

I64: TypeAlias = NDArray[np.int64]
Mask: TypeAlias = NDArray[np.bool_]
Int: TypeAlias = "int | I64"

MAXI = 2**63 - 1
_EST_LIMIT = float(2**62)
_EST_BOUND = 2**62 + 2**14  # |true product| when its float64 estimate is below 2**62


class Ctx:
    """Per-chunk state: the number of rows and the rows whose arithmetic left int64."""

    __slots__ = ("bad", "n")

    def __init__(self, n: int) -> None:
        self.n = n
        self.bad: Mask = np.zeros(n, dtype=np.bool_)

    def mark(self, rows: Mask) -> None:
        self.bad |= rows


def _full(ctx: Ctx, value: int) -> I64:
    return np.full(ctx.n, value, dtype=np.int64)


def mul(ctx: Ctx, a: Int, ab: int, b: Int, bb: int) -> tuple[Int, int]:
    """``a * b`` given ``|a| <= ab`` and ``|b| <= bb``; returns the product and its bound."""
    if isinstance(a, int) and isinstance(b, int):
        r = a * b
        return r, abs(r)
    if isinstance(a, int):
        a, ab, b, bb = b, bb, a, ab
    assert not isinstance(a, int)
    if isinstance(b, int):
        c = abs(b)
        if c == 0:
            return 0, 0
        if b == 1:
            return a, ab
        if ab * c <= MAXI:
            return a * b, ab * c
        if c > MAXI:
            ctx.mark(a != 0)
            return 0, 0
        lim = MAXI // c
        ok = np.abs(a) <= lim
        ctx.mark(~ok)
        return np.where(ok, a, 0) * b, lim * c
    if ab * bb <= MAXI:
        return a * b, ab * bb
    est = np.abs(a).astype(np.float64) * np.abs(b).astype(np.float64)
    ok = est < _EST_LIMIT
    ctx.mark(~ok)
    return np.where(ok, a, 0) * np.where(ok, b, 0), _EST_BOUND


def add(ctx: Ctx, a: Int, ab: int, b: Int, bb: int) -> tuple[Int, int]:
    """``a + b`` given the bounds; returns the sum and its bound."""
    if isinstance(a, int) and isinstance(b, int):
        r = a + b
        return r, abs(r)
    if isinstance(b, int) and b == 0:
        return a, ab
    if isinstance(a, int) and a == 0:
        return b, bb
    if ab + bb <= MAXI:
        return a + b, ab + bb
    if isinstance(a, int):
        a, ab, b, bb = b, bb, a, ab
    assert not isinstance(a, int)
    if isinstance(b, int):
        if abs(b) > MAXI:
            ctx.mark(np.ones(ctx.n, dtype=np.bool_))
            return 0, 0
        ok = np.abs(a) <= MAXI - abs(b)
        ctx.mark(~ok)
        return np.where(ok, a, 0) + b, MAXI
    ok = np.abs(a) <= MAXI - np.abs(b)
    ctx.mark(~ok)
    return np.where(ok, a, 0) + np.where(ok, b, 0), MAXI


def compare(a: Int, b: Int, op: str) -> Mask | bool:
    """``a op b`` for integers that may be Python ints outside the int64 range."""
    if isinstance(a, int) and isinstance(b, int):
        return _py_compare(a, b, op)
    if isinstance(b, int) and abs(b) > MAXI:  # every array value lies strictly on one side
        return _py_compare(0, b, op)
    if isinstance(a, int) and abs(a) > MAXI:
        return _py_compare(a, 0, op)
    x: Any = a
    if op == "<":
        return x < b  # type: ignore[no-any-return]
    if op == "<=":
        return x <= b  # type: ignore[no-any-return]
    if op == ">":
        return x > b  # type: ignore[no-any-return]
    if op == ">=":
        return x >= b  # type: ignore[no-any-return]
    if op == "==":
        return x == b  # type: ignore[no-any-return]
    return x != b  # type: ignore[no-any-return]


def _py_compare(a: int, b: int, op: str) -> bool:
    return {
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
        "==": a == b,
        "!=": a != b,
    }[op]


class Rat:
    """A column of exact rationals ``num / den`` (``den > 0``) with bounds on both parts."""

    __slots__ = ("db", "den", "nb", "num")

    def __init__(self, num: Int, nb: int, den: Int, db: int) -> None:
        self.num, self.nb, self.den, self.db = num, nb, den, db

    @classmethod
    def const(cls, x: Fraction) -> Rat:
        return cls(x.numerator, abs(x.numerator), x.denominator, x.denominator)

    @classmethod
    def scaled(cls, num: I64, den: int) -> Rat:
        """``num / den`` for an array whose bound is computed from the data."""
        nb = int(np.abs(num).max()) if num.size else 0
        return cls(num, nb, den, den)

    @property
    def is_const(self) -> bool:
        return isinstance(self.num, int) and isinstance(self.den, int)

    def fraction(self) -> Fraction:
        assert isinstance(self.num, int)
        assert isinstance(self.den, int)
        return Fraction(self.num, self.den)

    def neg(self) -> Rat:
        return Rat(-self.num, self.nb, self.den, self.db)

    def over(self, ctx: Ctx, den: int) -> Int:
        """Numerators over the common scalar denominator ``den`` (a multiple of ours)."""
        assert isinstance(self.den, int)
        return mul(ctx, self.num, self.nb, den // self.den, den // self.den)[0]


def add_rat(ctx: Ctx, a: Rat, b: Rat) -> Rat:
    if isinstance(a.den, int) and isinstance(b.den, int):
        if a.den == b.den:
            num, nb = add(ctx, a.num, a.nb, b.num, b.nb)
            return Rat(num, nb, a.den, a.db)
        den = math.lcm(a.den, b.den)
        an, anb = mul(ctx, a.num, a.nb, den // a.den, den // a.den)
        bn, bnb = mul(ctx, b.num, b.nb, den // b.den, den // b.den)
        num, nb = add(ctx, an, anb, bn, bnb)
        return Rat(num, nb, den, den)
    an, anb = mul(ctx, a.num, a.nb, b.den, b.db)
    bn, bnb = mul(ctx, b.num, b.nb, a.den, a.db)
    total_num, nb = add(ctx, an, anb, bn, bnb)
    both, db = mul(ctx, a.den, a.db, b.den, b.db)
    if max(nb, db) < 2**40:
        return Rat(total_num, nb, both, db)
    return _reduce(ctx, total_num, nb, both, db)


def sub_rat(ctx: Ctx, a: Rat, b: Rat) -> Rat:
    return add_rat(ctx, a, b.neg())


def mul_rat(ctx: Ctx, a: Rat, b: Rat) -> Rat:
    num, nb = mul(ctx, a.num, a.nb, b.num, b.nb)
    den, db = mul(ctx, a.den, a.db, b.den, b.db)
    if isinstance(den, int) or max(nb, db) < 2**40:
        return Rat(num, nb, den, db)
    return _reduce(ctx, num, nb, den, db)


def div_rat(ctx: Ctx, a: Rat, b: Rat) -> Rat:
    """``a / b``; the caller guarantees ``b != 0`` on every row it keeps."""
    if isinstance(b.num, int):
        if b.num == 0:
            return Rat(0, 0, 1, 1)
        return mul_rat(ctx, a, Rat(b.den if b.num > 0 else -b.den, b.db, abs(b.num), b.nb))
    sign: I64 = np.where(b.num < 0, -1, 1).astype(np.int64)
    safe: I64 = np.where(b.num == 0, 1, np.abs(b.num)).astype(np.int64)
    return mul_rat(ctx, a, Rat(sign * b.den, b.db, safe, b.nb))


def _reduce(ctx: Ctx, num: Int, nb: int, den: Int, db: int) -> Rat:
    if isinstance(den, int) and isinstance(num, int):
        k = math.gcd(num, den)
        return Rat(num // k, nb // k, den // k, db // k)
    if isinstance(den, int):
        return Rat(num, nb, den, db)
    n = num if not isinstance(num, int) else np.full(ctx.n, num, dtype=np.int64)
    g: I64 = np.gcd(n, den)
    g[g == 0] = 1
    return Rat(n // g, nb, den // g, db)


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def cmp_rat(ctx: Ctx, a: Rat, b: Rat, op: str) -> Mask | bool:
    """``a op b`` exactly (op: < <= > >= == !=)."""
    if a.is_const and not b.is_const:
        a, b, op = b, a, _FLIPPED[op]
    if b.is_const and isinstance(a.den, int) and not isinstance(a.num, int):
        # a.num / D  op  t  ⟺  a.num  op  t·D, compared with an integer: floor/ceil of t·D
        t = b.fraction() * a.den
        lo, hi = math.floor(t), math.ceil(t)
        if op == "<":
            return compare(a.num, hi, "<")
        if op == "<=":
            return compare(a.num, lo, "<=")
        if op == ">":
            return compare(a.num, lo, ">")
        if op == ">=":
            return compare(a.num, hi, ">=")
        if lo != hi:
            return op == "!="
        return compare(a.num, lo, op)
    if isinstance(a.den, int) and isinstance(b.den, int) and a.den == b.den:
        return compare(a.num, b.num, op)
    left, _ = mul(ctx, a.num, a.nb, b.den, b.db)
    right, _ = mul(ctx, b.num, b.nb, a.den, a.db)
    return compare(left, right, op)


def select(ctx: Ctx, mask: Mask, a: Rat, b: Rat) -> Rat:
    """``a`` where ``mask`` else ``b``."""
    if isinstance(a.den, int) and isinstance(b.den, int):
        den = math.lcm(a.den, b.den)
        an, bn = a.over(ctx, den), b.over(ctx, den)
        ab, bb = a.nb * (den // a.den), b.nb * (den // b.den)
        if ab + bb > MAXI:
            return Rat(np.where(mask, an, bn), max(ab, bb), den, den)
        if isinstance(bn, int) and bn == 0:  # arithmetic blends: no branches, no np.where
            num = an * mask
        elif isinstance(an, int) and an == 0:
            num = bn * ~mask
        else:
            num = bn + (an - bn) * mask
        return Rat(num, max(ab, bb), den, den)
    return Rat(
        np.where(mask, a.num, b.num), max(a.nb, b.nb), np.where(mask, a.den, b.den), max(a.db, b.db)
    )


def clamp(ctx: Ctx, x: Rat, low: Fraction, high: Fraction) -> Rat:
    if isinstance(x.den, int) and not isinstance(x.num, int):
        den = math.lcm(x.den, low.denominator, high.denominator)
        lo, hi = (
            low.numerator * (den // low.denominator),
            high.numerator * (den // high.denominator),
        )
        if max(abs(lo), abs(hi)) <= MAXI:
            num, _nb = mul(ctx, x.num, x.nb, den // x.den, den // x.den)
            assert not isinstance(num, int)
            return Rat(np.clip(num, lo, hi), max(abs(lo), abs(hi)), den, den)
    bottom, top = Rat.const(low), Rat.const(high)
    under = np.asarray(cmp_rat(ctx, x, bottom, "<"))
    over = np.asarray(cmp_rat(ctx, x, top, ">"))
    return select(ctx, under, bottom, select(ctx, over, top, x))


def total(ctx: Ctx, parts: list[Rat]) -> Rat:
    """The sum of ``parts``: over one common denominator when they all have a scalar one."""
    if parts and all(isinstance(p.den, int) for p in parts):
        den = math.lcm(*(int(p.den) for p in parts))
        acc: Int = 0
        bound = 0
        for p in parts:
            num, nb = mul(ctx, p.num, p.nb, den // int(p.den), den // int(p.den))
            acc, bound = add(ctx, acc, bound, num, nb)
        return Rat(acc, bound, den, den)
    out = Rat(0, 0, 1, 1)
    for p in parts:
        out = add_rat(ctx, out, p)
    return out


def round_rat(ctx: Ctx, x: Rat, digits: int, mode: str) -> Rat:
    """``x`` rounded to ``digits`` decimals by ``mode`` (as tierlib._score.round_score)."""
    scale = 10**digits
    q = mul_rat(ctx, x, Rat(scale, scale, 1, 1))
    if isinstance(q.den, int) and q.den > MAXI:  # beyond int64: leave it to the engine
        ctx.mark(np.ones(ctx.n, dtype=np.bool_))
        return Rat(0, 0, scale, scale)
    num: I64 = q.num if not isinstance(q.num, int) else np.full(ctx.n, q.num, dtype=np.int64)
    a: I64 = np.abs(num)
    # a zero denominator only stands in a row already marked for the engine (mul zeroes them)
    den: Int = q.den if isinstance(q.den, int) else np.where(q.den > 0, q.den, 1)
    n: Any = a // den
    rem: I64 = a - n * den
    twice, _ = mul(ctx, rem, q.db, 2, 2)
    if mode == "half_up":
        n = n + (twice >= den)
    elif mode == "half_even":
        n = n + ((twice > den) | ((twice == den) & (n % 2 == 1)))
    elif mode == "up":
        n = n + (rem > 0)
    out = np.where(num < 0, -n, n)
    return Rat(out, q.nb // int(q.den) + 1 if isinstance(q.den, int) else q.nb, scale, scale)


def contains(
    ctx: Ctx, x: Rat, lower: tuple[Fraction, bool] | None, upper: tuple[Fraction, bool] | None
) -> Mask | bool:
    """Vectorized :meth:`tierlib.model.Bound.contains`."""
    out: Mask | bool = True
    if lower is not None:
        out = out & np.asarray(cmp_rat(ctx, x, Rat.const(lower[0]), ">=" if lower[1] else ">"))
    if upper is not None:
        out = out & np.asarray(cmp_rat(ctx, x, Rat.const(upper[0]), "<=" if upper[1] else "<"))
    return out


def broadcast(ctx: Ctx, v: Int) -> I64:
    return _full(ctx, v) if isinstance(v, int) else v


def zero_where(mask: Mask, x: Rat) -> Rat:
    """``x`` with the rows of ``mask`` set to 0."""
    if not mask.any():
        return x
    return Rat(x.num * ~mask, x.nb, x.den, x.db)


def weighted_sum(ctx: Ctx, parts: list[tuple[Mask | bool, Rat]]) -> Rat:
    """Sum of ``value`` where ``met`` (0 elsewhere) for constant or array values."""
    consts = [(m, r) for m, r in parts if r.is_const]
    rest = [(m, r) for m, r in parts if not r.is_const]
    out = Rat(0, 0, 1, 1)
    live = [(m, r) for m, r in consts if m is not False]
    if live:
        den = math.lcm(*(int(r.den) for _, r in live))
        scaled = [(m, int(r.num) * (den // int(r.den))) for m, r in live]
        bound = sum(abs(c) for _, c in scaled)
        if bound <= MAXI:
            acc: Int = 0
            for m, c in scaled:
                acc = acc + (c if m is True else m * np.int64(c))
            out = Rat(acc, bound, den, den)
        else:
            out = total(ctx, [select(ctx, np.asarray(m), r, Rat(0, 0, 1, 1)) for m, r in live])
    for flag, r in rest:
        part = r if flag is True else select(ctx, np.asarray(flag), r, Rat(0, 0, 1, 1))
        out = add_rat(ctx, out, part)
    return out
