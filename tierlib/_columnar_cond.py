"""Conditions for tierlib.columnar: condition ASTs evaluated over a chunk, as durable_rules
decides them.

A rule that references a missing value, or has a zero divisor anywhere (wherever it stands,
not only where and/or would evaluate it), is undetermined; otherwise it holds exactly when the
expression is true, so every operand is evaluated (no short-circuit). Comparisons that
durable_rules makes directly (a reference with a literal or with another reference) mark the
rows it would refuse with F101 — distinct numbers that share a double, numbers beyond 2**53 —
as slow, a superset of what :mod:`tierlib._durable_json` refuses.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from tierlib._ast import Arith, Bool, Compare, Expr, In, Neg, Not, Num, Ref, Str, refs
from tierlib._columnar_num import (
    I64,
    Ctx,
    Mask,
    Rat,
    add_rat,
    cmp_rat,
    div_rat,
    mul_rat,
    sub_rat,
)

if TYPE_CHECKING:
    from tierlib._columnar_eval import Plan

Value = Rat | Mask | I64 | bool | int
Env = dict[str, tuple[Value, Mask]]
TINY = Fraction(1, 2**900)


def rules(
    plan: Plan, ctx: Ctx, env: Env, rules: list[tuple[str, Expr]], slow: Mask
) -> tuple[dict[str, Mask], dict[str, Mask]]:
    """For each rule: rows where it holds (and is determined), rows where it is undetermined."""
    fired: dict[str, Mask] = {}
    und: dict[str, Mask] = {}
    n = ctx.n
    for rid, expr in rules:
        ev = _Eval(plan, ctx, env)
        value = np.broadcast_to(np.asarray(ev.value(expr), dtype=np.bool_), (n,))
        missing = np.zeros(n, dtype=np.bool_)
        for name in plan.rule_refs[rid]:
            missing |= env[name][1]
        u = missing | ev.zero
        und[rid] = u
        fired[rid] = value & ~u
        slow |= ev.slow
    return fired, und


class _Eval:
    """Evaluates one condition over a chunk (every operand, no short-circuit)."""

    def __init__(self, plan: Plan, ctx: Ctx, env: Env) -> None:
        self.plan, self.ctx, self.env = plan, ctx, env
        self.zero: Mask = np.zeros(ctx.n, dtype=np.bool_)
        self.slow: Mask = np.zeros(ctx.n, dtype=np.bool_)

    def kind(self, node: Expr) -> str:
        if isinstance(node, Num | Arith | Neg):
            return "number"
        if isinstance(node, Str):
            return "string"
        if isinstance(node, Ref):
            return self.plan.kinds[node.name]
        return "boolean"

    def value(self, node: Expr) -> Any:
        if isinstance(node, Num):
            return Rat.const(node.value)
        if isinstance(node, Str):
            return self.plan.code(node.value)
        if isinstance(node, Bool):
            return node.value
        if isinstance(node, Ref):
            return self.env[node.name][0]
        if isinstance(node, Neg):
            return self.value(node.operand).neg()
        if isinstance(node, Not):
            v = self.value(node.operand)
            return (not v) if isinstance(v, bool) else ~v
        if isinstance(node, Arith):
            a, b = self.value(node.left), self.value(node.right)
            if node.op == "+":
                return add_rat(self.ctx, a, b)
            if node.op == "-":
                return sub_rat(self.ctx, a, b)
            if node.op == "*":
                return mul_rat(self.ctx, a, b)
            self.zero |= np.asarray(b.num == 0)
            return div_rat(self.ctx, a, b)
        if isinstance(node, Compare):
            return self._compare(node.op, node.left, node.right)
        if isinstance(node, In):
            hit: Any = False
            for option in node.options:
                hit = hit | self._compare("==", node.item, option)
            if not node.negated:
                return hit
            return (not hit) if isinstance(hit, bool | np.bool_) else ~hit
        acc: Any = node.op == "and"
        for operand in node.operands:
            v = self.value(operand)
            acc = (acc & v) if node.op == "and" else (acc | v)
        return acc

    def _compare(self, op: str, left: Expr, right: Expr) -> Any:
        kl, kr = self.kind(left), self.kind(right)
        a, b = self.value(left), self.value(right)
        if kl != kr:
            return op == "!="
        if kl == "number":
            self._guard(left, a, right, b)
            return cmp_rat(self.ctx, a, b, op)
        if op not in ("==", "!="):  # ordered strings/booleans never type-check
            raise TypeError(f"{op!r} needs numbers")
        eq = a == b
        return eq if op == "==" else ~eq if not isinstance(eq, bool) else not eq

    def _guard(self, left: Expr, a: Rat, right: Expr, b: Rat) -> None:
        """Mark rows durable_rules would refuse (F101) for a comparison it makes directly."""
        lr, rr = bool(refs(left)), bool(refs(right))
        direct = (isinstance(left, Ref) and (isinstance(right, Ref) or not rr)) or (
            isinstance(right, Ref) and not lr
        )
        if not direct:
            return
        for node, v in ((left, a), (right, b)):
            if isinstance(node, Ref) and _may_exceed(v, 2**53):
                self.slow |= _abs_above(self.ctx, v, 2**53)
            elif v.is_const and v.num != 0 and abs(v.fraction()) < TINY:
                self.slow |= True
        if _may_collide(a, b):
            self.slow |= _collide(self.ctx, a, b)


def _may_exceed(v: Rat, limit: int) -> bool:
    return not isinstance(v.den, int) or v.nb > limit * v.den


def _abs_above(ctx: Ctx, v: Rat, limit: int) -> Mask:
    mag = Rat(np.abs(v.num) if not isinstance(v.num, int) else abs(v.num), v.nb, v.den, v.db)
    return np.asarray(cmp_rat(ctx, mag, Rat.const(Fraction(limit)), ">"), dtype=np.bool_)


def _may_collide(a: Rat, b: Rat) -> bool:
    """Whether two distinct values of these columns could round to the same double."""
    if a.is_const and b.is_const:
        return False
    if not (isinstance(a.den, int) and isinstance(b.den, int)):
        return True
    gap = Fraction(1, math.lcm(a.den, b.den))  # smallest nonzero |a - b|
    biggest = max(Fraction(a.nb, a.den), Fraction(b.nb, b.den))
    return gap * 2**50 <= biggest


def _collide(ctx: Ctx, a: Rat, b: Rat) -> Mask:
    """Rows with ``a != b`` and ``|a - b| <= 2**-50 · max(|a|, |b|)`` (a superset of F101)."""
    d = sub_rat(ctx, a, b)
    far = mul_rat(ctx, _abs(d), Rat.const(Fraction(2**50)))
    near = np.asarray(cmp_rat(ctx, far, _abs(a), "<=")) | np.asarray(
        cmp_rat(ctx, far, _abs(b), "<=")
    )
    out: Mask = np.asarray(np.asarray(d.num) != 0) & near
    return out


def _abs(v: Rat) -> Rat:
    return Rat(np.abs(v.num) if not isinstance(v.num, int) else abs(v.num), v.nb, v.den, v.db)
