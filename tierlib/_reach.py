"""Numbers out of reach: a threshold that what it is compared with can never come near.

A share declared ``{minimum: 0, maximum: 1}`` compared with 60 (``satisfaction < 60``, meant as
60%), a score compared with 600, a linear target of 95 for that share, a band or tier no value
can reach: the rule then always or never applies, and nothing else would say so. Each such
number is E133 at its place, with ``did you mean 60%?`` when the number read as a percentage
is in reach.

Only numbers strictly outside the declared range count: ``x >= 0`` for a fact whose minimum is 0
is merely always true by design, not a slip. Part of :func:`tierlib._check.check_ruleset`.

E134 is the same slip the other way round: a percentage where points are meant. The score, a
dimension subtotal and points are in points, so ``score < 60%`` and a tier's ``以上: 60%`` read
as 0.6 points; the suggestion names the points meant (60% of the total, of the dimension's or
indicator's max). A percentage is read as its value, so it is recognised in the YAML text: the
rule's raw ``when:`` text (:func:`tierlib._expr.percent_locations`), the tier's raw bound. A
percentage on a fact (a share from 0 to 1) is what it should be and is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction

from tierlib import _ast, model
from tierlib._expr import percent_locations
from tierlib._unparse import to_text
from tierlib._where import Where
from tierlib._yaml import LDict, LList
from tierlib.decision import fmt_fraction as fmt
from tierlib.errors import Location, Problem

__all__ = ["out_of_reach", "percent_bounds", "percent_locations_in"]

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
    percent = _Percent(rs, percent_locations_in(where.tree))
    out: list[Problem] = []
    for _, expr, _ in rules:
        for node in _ast.nodes(expr):
            if isinstance(node, _ast.Compare):
                out += _compare(node, span, percent)
            elif isinstance(node, _ast.In) and isinstance(node.item, _ast.Ref):
                got = span.get(node.item.name)
                for option in node.options:
                    if isinstance(option, _ast.Num) and percent.marks(node.item.name, option):
                        out.append(percent.problem(node.item.name, option, to_text(node)))
                    elif got is not None and isinstance(option, _ast.Num):
                        far = _beyond(option.value, got)
                        if far:
                            item = option.written or fmt(option.value)
                            what = f"{to_text(node, written=True)!r} never holds {item}"
                            out.append(
                                _problem(node.item.name, option.value, far, got, option.loc, what)
                            )
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
    for k, tier in enumerate(rs.tiers):
        percents = percent_bounds(where, k)
        for key in percents:
            x = getattr(tier.range, key)
            loc = where("tiers", k, "range", key)
            out.append(percent.problem("score", _ast.Num(x, loc), None, f"tier {tier.id!r}: "))
        if not percents:
            out += _bound("score", tier.range, span["score"], tier.loc, f"tier {tier.id!r}")
    return out


def percent_locations_in(tree: object) -> frozenset[Location]:
    """Where a number written with ``%`` starts in any ``when:`` text of the YAML ``tree``."""
    out: set[Location] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, LDict):
            when, loc = node.get("when"), getattr(node.get("when"), "loc", None)
            if (
                isinstance(when, str)
                and isinstance(loc, Location)
                and ("%" in when or "％" in when)
            ):
                out |= percent_locations(str(when), loc)
            stack.extend(node.values())
        elif isinstance(node, LList):
            stack.extend(node)
    return frozenset(out)


def percent_bounds(where: Where, k: int) -> list[str]:
    """The bounds of tier ``k`` written as a percentage in the YAML (``以上: 60%``)."""
    tiers = where.tree.get("tiers") if isinstance(where.tree, LDict) else None
    tier = tiers[k] if isinstance(tiers, LList) and k < len(tiers) else None
    rng = tier.get("range") if isinstance(tier, LDict) else None
    if not isinstance(rng, LDict):
        return []
    return [
        key
        for key in ("at_least", "above", "below", "at_most")
        if isinstance(rng.get(key), str) and str(rng[key]).strip().endswith(("%", "％"))
    ]


class _Percent:
    """E134: a percentage compared with the score, a dimension subtotal or points."""

    def __init__(self, rs: model.RuleSet, where: frozenset[Location]) -> None:
        self.where = where
        total = rs.scheme.total
        self.whole: dict[str, tuple[Fraction, str]] = {"score": (total, f"the total {fmt(total)}")}
        for d in rs.dimensions:
            of = f"the max {fmt(d.max)} of dimension {d.id!r}"
            self.whole[f"dimension.{d.id}"] = (d.max, of)
        for i in rs.indicators:
            self.whole[f"points.{i.id}"] = (i.max, f"the max {fmt(i.max)} of indicator {i.id!r}")

    def marks(self, name: str, num: _ast.Num) -> bool:
        """Whether ``num`` is a percentage compared with ``name``, a number of points."""
        return name in self.whole and num.loc in self.where

    def problem(self, name: str, num: _ast.Num, rule: str | None, head: str = "") -> Problem:
        """E134 for the percentage ``num`` compared with ``name`` in ``rule`` (its text)."""
        whole, of = self.whole[name]
        pct = fmt(abs(num.value) * 100)
        message = (
            f"{head}{name} is in points, from 0 to {fmt(whole)}, but {pct}% is a share: "
            f"it reads as {fmt(abs(num.value))} points"
        )
        if rule is not None:
            message += f", so the rule is {rule!r}"
        hint = f"did you mean {fmt(abs(num.value) * whole)}, which is {pct}% of {of}?"
        return Problem("E134", message, num.loc, hint)


def _compare(node: _ast.Compare, span: Mapping[str, Span], percent: _Percent) -> Iterator[Problem]:
    """``name op number`` (either way round) with the number out of the name's reach, or a
    percentage where the name is in points (E134)."""
    op: str = node.op
    ref, num = node.left, node.right
    if isinstance(num, _ast.Ref):
        op, ref, num = _FLIP[op], num, ref
    value = _literal(num)
    if isinstance(ref, _ast.Ref) and isinstance(num, _ast.Num) and percent.marks(ref.name, num):
        yield percent.problem(ref.name, num, to_text(node))
        return
    if not isinstance(ref, _ast.Ref) or value is None or ref.name not in span:
        return
    got = span[ref.name]
    far = _beyond(value, got)
    if not far:
        return
    # above the most: x < c holds always; below the least: x > c holds always
    holds = op in ("<", "<=", "!=") if far == "above" else op in (">", ">=", "!=")
    what = f"{to_text(node, written=True)!r} is always {'true' if holds else 'false'}"
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
