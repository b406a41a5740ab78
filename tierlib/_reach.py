"""Numbers out of reach: a threshold that what it is compared with can never come near.

A share declared ``{minimum: 0, maximum: 1}`` compared with 60 (``satisfaction < 60``, meant as
60%), a score compared with 600, a linear target of 95 for that share, a band or tier no value
can reach: the rule then always or never applies, and nothing else would say so. Each such
number is E133 at its place, with ``did you mean 60%?`` when the number read as a percentage
is in reach.

Only numbers strictly outside the declared range count: ``x >= 0`` for a fact whose minimum is 0
is merely always true by design, not a slip. Part of :func:`tierlib._check.check_ruleset`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction

from tierlib import _ast, model
from tierlib._unparse import to_text
from tierlib._where import Where
from tierlib.decision import fmt_fraction as fmt
from tierlib.errors import Location, Problem

__all__ = ["out_of_reach"]

Span = tuple[Fraction | None, Fraction | None]  # the least and the most a value can be
ZERO = Fraction(0)
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def spans(rs: model.RuleSet) -> dict[str, Span]:
    """What each name a condition may read can be: declared ranges of number facts; the score
    (up to the total and every bonus), dimension subtotals and points from 0 to their maxima."""
    out: dict[str, Span] = {
        name: (spec.minimum, spec.maximum)
        for name, spec in rs.facts.items()
        if spec.kind == "number" and (spec.minimum is not None or spec.maximum is not None)
    }
    out["score"] = (ZERO, rs.scheme.total + sum((i.max for i in rs.indicators if i.bonus), ZERO))
    out.update({f"dimension.{d.id}": (ZERO, d.max) for d in rs.dimensions})
    out.update({f"points.{i.id}": (ZERO, i.max) for i in rs.indicators})
    return out


def out_of_reach(
    rs: model.RuleSet, rules: list[tuple[str, _ast.Expr, bool]], where: Where
) -> list[Problem]:
    """E133 for every number out of reach: in ``rules`` (id, condition, computed), linear floors
    and targets, band bounds and tier minima."""
    span = spans(rs)
    out: list[Problem] = []
    for _, expr, _ in rules:
        for node in _ast.nodes(expr):
            if isinstance(node, _ast.Compare):
                out += _compare(node, span)
            elif isinstance(node, _ast.In) and isinstance(node.item, _ast.Ref):
                got = span.get(node.item.name)
                for option in node.options:
                    if got is not None and isinstance(option, _ast.Num):
                        far = _beyond(option.value, got)
                        if far:
                            out.append(_problem(node.item.name, option.value, far, got, option.loc,
                                                f"{to_text(node)!r} never holds {fmt(option.value)}"))  # fmt: skip
    for i, ind in enumerate(rs.indicators):
        if ind.linear is not None and ind.linear.fact in span:
            for key in ("floor", "target"):
                x: Fraction = getattr(ind.linear, key)
                far = _beyond(x, span[ind.linear.fact])
                if far:
                    loc = where("indicators", i, "linear", key)
                    what = f"indicator {ind.id!r}: a linear {key} of {fmt(x)} is never reached"
                    out.append(_problem(ind.linear.fact, x, far, span[ind.linear.fact], loc, what))
        if ind.bands is not None and ind.bands.fact in span:
            for band in ind.bands.bands:
                out += _bound(ind.bands.fact, band.range, span[ind.bands.fact], band.loc,
                              f"a band of indicator {ind.id!r}")  # fmt: skip
    for tier in rs.tiers:
        out += _bound("score", tier.range, span["score"], tier.loc, f"tier {tier.id!r}")
    return out


def _compare(node: _ast.Compare, span: Mapping[str, Span]) -> Iterator[Problem]:
    """``name op number`` (either way round) with the number out of the name's reach."""
    op: str = node.op
    ref, num = node.left, node.right
    if isinstance(num, _ast.Ref):
        op, ref, num = _FLIP[op], num, ref
    value = _literal(num)
    if not isinstance(ref, _ast.Ref) or value is None or ref.name not in span:
        return
    got = span[ref.name]
    far = _beyond(value, got)
    if not far:
        return
    # above the most: x < c holds always; below the least: x > c holds always
    holds = op in ("<", "<=", "!=") if far == "above" else op in (">", ">=", "!=")
    what = f"{to_text(node)!r} is always {'true' if holds else 'false'}"
    yield _problem(ref.name, value, far, got, num.loc, what)


def _bound(name: str, bound: model.Bound, got: Span, loc: Location, what: str) -> list[Problem]:
    out = []
    for x in (bound.at_least, bound.above, bound.below, bound.at_most):
        far = None if x is None else _beyond(x, got)
        if x is not None and far:
            out.append(
                _problem(name, x, far, got, loc, f"the bound {fmt(x)} of {what} is never reached")
            )
    return out


def _literal(node: _ast.Expr) -> Fraction | None:
    if isinstance(node, _ast.Num):
        return node.value
    if isinstance(node, _ast.Neg) and isinstance(node.operand, _ast.Num):
        return -node.operand.value
    return None


def _beyond(x: Fraction, got: Span) -> str | None:
    """ "above" or "below" when ``x`` lies strictly outside ``got``, else None."""
    low, high = got
    if high is not None and x > high:
        return "above"
    if low is not None and x < low:
        return "below"
    return None


def _problem(name: str, x: Fraction, far: str, got: Span, loc: Location, what: str) -> Problem:
    low, high = got
    limit = (
        f"at most {fmt(high)}"
        if far == "above" and high is not None
        else f"at least {fmt(low or ZERO)}"
    )
    hint = None
    if name == "score" or name.startswith(("dimension.", "points.")):
        hint = f"{name} is in points, from 0 to {fmt(high or ZERO)}"
    elif (low is None or x / 100 >= low) and (high is None or x / 100 <= high):
        hint = f"did you mean {fmt(x)}%?"
    return Problem("E133", f"{name} is {limit}, so {what}", loc, hint)
