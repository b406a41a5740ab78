"""Semantic checks of a structured rule set; every problem is collected, none raised.

Structure (keys, types) was checked while structuring, which left out what failed; the
checks here skip whatever depended on that (:class:`tierlib._structure.Lost`). Here:
references, sums, orderings, band coverage, condition names and kinds, and the limits of the
matching engine. Each indicator's scoring method (its facts, items and bands) is checked in
:mod:`tierlib._check_indicators`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import attrs

from tierlib import _ast, model
from tierlib._check_indicators import check_indicator
from tierlib._check_values import unknown_values
from tierlib._reach import out_of_reach, percent_bounds
from tierlib._structure import Lost
from tierlib._typecheck import Kind, typecheck
from tierlib._where import Where
from tierlib.decision import fmt_fraction as fmt
from tierlib.errors import Problem, did_you_mean, did_you_mean_id, label_match

COMPUTED = ("score",)
_COMPUTED = ("points.", "dimension.")


def symbols(rs: model.RuleSet, computed: bool) -> dict[str, Kind]:
    """Names a condition may use: facts, and (``computed``) score, dimension and indicator points."""
    out: dict[str, Kind] = {name: spec.kind for name, spec in rs.facts.items()}
    if computed:
        out["score"] = "number"
        out.update({f"dimension.{d.id}": "number" for d in rs.dimensions})
        out.update({f"points.{i.id}": "number" for i in rs.indicators})
    return out


def check_ruleset(rs: model.RuleSet, tree: Any, lost: Lost | None = None) -> list[Problem]:
    """All semantic problems of ``rs``; ``tree`` is the YAML it came from (for locations).

    ``lost`` is what structuring left out of ``rs`` (already reported): a check that depends on
    something left out is skipped, so a mistake is never followed by problems it caused.
    The engine limits (E4xx) are checked only when nothing was left out and nothing else found.
    """
    lost = Lost() if lost is None else lost
    where = Where(tree, rs.scheme.loc)
    out: list[Problem] = []
    out += _scheme(rs, where, lost)
    out += _facts(rs, where)
    out += _duplicates(rs, where, lost)
    out += _sums(rs, where, lost)
    for i, ind in enumerate(rs.indicators):
        out += check_indicator(rs, ind, i, where, lost)
    out += _tiers(rs, where, lost)
    out += _conditions(rs, lost)
    out += out_of_reach(rs, conditions(rs), where)
    out += unknown_values(rs, conditions(rs))
    out += _population(rs, where, lost)
    if not out and not lost:
        out += _limits(rs)
    out.sort(key=lambda p: (p.location.file, p.location.line, p.location.col, p.code))
    return out


def _scheme(rs: model.RuleSet, where: Where, lost: Lost) -> list[Problem]:
    out = []
    if rs.scheme.total <= 0:
        out.append(Problem("E115", "total must be positive", where("scheme", "total")))
    if rs.scheme.rounding and not 0 <= rs.scheme.rounding.digits <= 6:
        out.append(
            Problem(
                "E115",
                "rounding digits must be between 0 and 6",
                where("scheme", "rounding", "digits"),
            )
        )
    if not rs.indicators and not lost.any("indicators"):
        out.append(
            Problem("E112", "a scheme needs at least one indicator", where.key("indicators"))
        )
    if not rs.tiers and not lost.any("tiers"):
        out.append(Problem("E112", "a scheme needs at least one tier", where.key("tiers")))
    return out


def _facts(rs: model.RuleSet, where: Where) -> list[Problem]:
    out = []
    for name, spec in rs.facts.items():
        if not name.isidentifier() or name in COMPUTED or name in ("dimension", "points"):
            out.append(
                Problem(
                    "E115",
                    f"{name!r} cannot name a fact",
                    where.key("facts", name),
                    "use letters, digits and _",
                )
            )
        if spec.kind != "number" and (
            spec.minimum is not None or spec.maximum is not None or spec.integer
        ):
            out.append(
                Problem(
                    "E115",
                    f"minimum/maximum/integer apply to numbers only, and {name!r} is a {spec.kind}",
                    where("facts", name),
                )
            )
        if spec.minimum is not None and spec.maximum is not None and spec.minimum > spec.maximum:
            out.append(
                Problem(
                    "E115",
                    f"minimum {fmt(spec.minimum)} is above maximum {fmt(spec.maximum)}",
                    where("facts", name, "minimum"),
                )
            )
        if spec.values is not None and spec.kind != "string":
            out.append(
                Problem(
                    "E115",
                    "values: lists allowed texts, for string facts only",
                    where("facts", name, "values"),
                )
            )
    return out


def _duplicates(rs: model.RuleSet, where: Where, lost: Lost) -> list[Problem]:
    out = []
    sections: dict[str, Iterable[Any]] = {
        "dimensions": rs.dimensions,
        "indicators": rs.indicators,
        "tiers": rs.tiers,
        "vetoes": rs.vetoes,
        "flags": rs.flags,
        "quotas": rs.quotas,
        "streaks": rs.streaks,
        "deadlines": rs.deadlines,
    }
    for section, items in sections.items():
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in seen:
                out.append(
                    Problem(
                        "E113",
                        f"duplicate id {item.id!r} in {section}"
                        f" (first is item {lost.position(section, seen[item.id]) + 1})",
                        where(section, i, "id"),
                    )
                )
            else:
                seen[item.id] = i
    for i, ind in enumerate(rs.indicators):
        for method in ("checklist", "deductions"):
            counts = Counter(item.id for item in getattr(ind, method) or ())
            for j, item in enumerate(getattr(ind, method) or ()):
                if counts[item.id] > 1 and [x.id for x in getattr(ind, method)].index(item.id) != j:
                    out.append(
                        Problem(
                            "E113",
                            f"duplicate item id {item.id!r} in {ind.id}",
                            where("indicators", i, method, j, "id"),
                        )
                    )
    return out


def _sums(rs: model.RuleSet, where: Where, lost: Lost) -> list[Problem]:
    out = []
    dims = {d.id for d in rs.dimensions}
    per_dim: dict[str, Fraction] = {d: Fraction(0) for d in dims}
    strays: list[Fraction] = []  # maxima of the indicators reported E112/E127 below
    unknown_max: set[str | None] = set()  # dimensions with an indicator whose max is wrong
    for i, ind in enumerate(rs.indicators):
        if ind.max <= 0:
            out.append(
                Problem("E115", f"max of {ind.id} must be positive", where("indicators", i, "max"))
            )
            if not ind.bonus:
                unknown_max.add(ind.dimension)  # what it was meant to be is unknown: no sum
        if ind.dimension is None:
            if not ind.bonus and rs.dimensions:
                out.append(
                    Problem(
                        "E112",
                        f"indicator {ind.id!r} needs a dimension",
                        where("indicators", i),
                        f"one of {', '.join(sorted(dims))}",
                    )
                )
                strays.append(ind.max)
            continue
        if ind.dimension not in dims:
            if lost.may_define("dimensions", ind.dimension):
                continue  # it may be the dimension left out
            out.append(
                Problem(
                    "E127",
                    f"unknown dimension {ind.dimension!r}",
                    where("indicators", i, "dimension"),
                    did_you_mean_id(ind.dimension, labels(rs.dimensions)),
                )
            )
            if not ind.bonus:
                strays.append(ind.max)
        elif not ind.bonus:
            per_dim[ind.dimension] += ind.max
    # An indicator without a known dimension (E112, E127) was meant for some dimension, whose
    # sum then falls short: an E120 there would report the one mistake twice. Skipped are only
    # the dimensions the strays could make right, those short by exactly what some of them add
    # up to; a sum off by anything else is wrong wherever they go, and is reported now. (Two
    # dimensions short by what one stray has are both skipped; once it names one, the other's
    # E120 shows.) The total (E121) does not depend on where an indicator goes: it adds up the
    # dimension maxima, or, without dimensions, every indicator whatever dimension it names.
    fillable = _amounts(strays)  # None: too many strays to tell, any dimension may be meant
    for j, dim in enumerate(rs.dimensions):
        short = dim.max - per_dim[dim.id]
        if dim.max <= 0:
            out.append(
                Problem("E115", f"max of {dim.id} must be positive", where("dimensions", j, "max"))
            )
        elif (
            short
            and dim.id not in unknown_max
            and not lost.touches_sum(dim.id)
            and fillable is not None
            and short not in fillable
        ):
            out.append(
                Problem(
                    "E120",
                    f"indicators of {dim.id} add up to {fmt(per_dim[dim.id])}, but its max is {fmt(dim.max)}",
                    where("dimensions", j, "max"),
                )
            )
    if lost.any("scheme.total") or lost.any("dimensions"):
        pass  # the total, or a maximum it is compared with, was left out
    elif rs.dimensions:
        total = sum((d.max for d in rs.dimensions), Fraction(0))
        if total != rs.scheme.total:
            out.append(
                Problem(
                    "E121",
                    f"dimension maxima add up to {fmt(total)}, but the total is {fmt(rs.scheme.total)}",
                    where("scheme", "total"),
                )
            )
    else:
        total = sum((ind.max for ind in rs.indicators if not ind.bonus), Fraction(0))
        if (
            rs.indicators
            and total != rs.scheme.total
            and not lost.touches_sum()
            and not unknown_max
        ):
            out.append(
                Problem(
                    "E121",
                    f"indicator maxima add up to {fmt(total)}, but the total is {fmt(rs.scheme.total)}",
                    where("scheme", "total"),
                )
            )
    return out


_MAX_STRAYS = 12  # more strays have too many selections to try: any amount is possible


def _amounts(maxima: list[Fraction]) -> set[Fraction] | None:
    """What some of ``maxima`` (one or more) add up to; None when they are too many to try."""
    if len(maxima) > _MAX_STRAYS:
        return None
    sums: set[Fraction] = set()
    for m in maxima:
        sums |= {s + m for s in sums} | {m}
    return sums


def _tiers(rs: model.RuleSet, where: Where, lost: Lost) -> list[Problem]:
    out = []
    ids = {t.id for t in rs.tiers}
    prev: tuple[Fraction, int] | None = None
    prev_percent = False
    for k, tier in enumerate(rs.tiers):
        if tier.range.upper is not None:
            out.append(
                Problem(
                    "E117", "a tier takes only a minimum (以上/不低于/超过/高于)", where("tiers", k)
                )
            )
        lo = tier.range.lower
        if lo is None:
            if k != len(rs.tiers) - 1:
                out.append(
                    Problem(
                        "E126",
                        f"tier {tier.id!r} has no minimum but is not the last tier",
                        where("tiers", k),
                        "only the lowest tier may omit its minimum",
                    )
                )
            elif rs.below_lowest == "unrated" and not lost.any("tiers"):
                out.append(
                    Problem(
                        "E118",
                        "below_lowest: unrated never applies, as the last tier has no minimum",
                        where("below_lowest"),
                    )
                )
            continue
        key = (lo[0], 0 if lo[1] else 1)
        percent = bool(percent_bounds(where, k))  # E134: its order is known once in points
        if prev is not None and not key < prev and not percent and not prev_percent:
            out.append(
                Problem(
                    "E122",
                    f"tier minima must strictly decrease: {tier.id!r} ({fmt(lo[0])}) is not below the tier above it",
                    where("tiers", k),
                )
            )
        prev, prev_percent = key, percent
    for i, veto in enumerate(rs.vetoes):
        if veto.effect == "unrated" and veto.tier is not None:
            out.append(Problem("E115", "effect unrated takes no tier", where("vetoes", i, "tier")))
        elif veto.effect in ("cap", "require") and veto.tier is None:
            out.append(Problem("E112", f"effect {veto.effect} needs a tier", where("vetoes", i)))
        elif veto.effect == "force" and veto.tier in ids and veto.tier != rs.tiers[-1].id:
            out.append(
                Problem(
                    "E132",
                    f"veto {veto.id!r} forces {veto.tier!r}, above the lowest tier "
                    f"{rs.tiers[-1].id!r}: it would raise an organization whose score gives less",
                    where("vetoes", i, "tier"),
                    f"for 'at most {veto.tier}' write effect: cap; a force sets the lowest tier",
                )
            )
        if (
            veto.tier is not None
            and veto.tier not in ids
            and not lost.may_define("tiers", veto.tier)
        ):
            out.append(
                Problem(
                    "E128",
                    f"unknown tier {veto.tier!r}",
                    where("vetoes", i, "tier"),
                    did_you_mean_id(veto.tier, labels(rs.tiers)),
                )
            )
    return out


def conditions(rs: model.RuleSet) -> list[tuple[str, _ast.Expr, bool]]:
    """Every condition rule: (rule id, condition, may use computed values)."""
    out: list[tuple[str, _ast.Expr, bool]] = []
    for ind in rs.indicators:
        for method in ("checklist", "deductions"):
            for item in getattr(ind, method) or ():
                if item.when is not None:
                    out.append((f"{ind.id}/{item.id}", item.when, False))
        if ind.bands is not None:
            for j, band in enumerate(ind.bands.bands):
                if band.when is not None:
                    out.append((f"{ind.id}/{band.id or j}", band.when, False))
        if ind.all_or_nothing is not None:
            out.append((ind.id, ind.all_or_nothing.when, False))
    out += [(f"veto/{v.id}", v.when, True) for v in rs.vetoes]
    out += [(f"flag/{f.id}", f.when, True) for f in rs.flags]
    return out


def _conditions(rs: model.RuleSet, lost: Lost) -> list[Problem]:
    plain, full = symbols(rs, computed=False), symbols(rs, computed=True)
    out: list[Problem] = []
    for rule_id, expr, computed in conditions(rs):
        found = typecheck(expr, full if computed else plain, "boolean")
        for p in found:
            name = p.message.split("'")[1] if p.code == "E310" and "'" in p.message else ""
            maybe = bool(name) and lost.may_name(name)  # defined by something left out?
            if name and not maybe and name not in full:
                p = _by_label(p, name, rs, computed)
            if not computed and (name in full or (maybe and name.startswith(_COMPUTED))):
                out.append(
                    Problem(
                        "E320",
                        f"{rule_id}: {name!r} is computed from the scores and cannot decide an indicator's points",
                        p.location,
                        "use facts here; score, dimension.* and points.* are for vetoes and flags",
                    )
                )
            elif not maybe:
                out.append(p)
    return out


def labels(items: Iterable[Any]) -> dict[str, tuple[str, str]]:
    """The zh and en labels of each element of a section (or fact), by id."""
    out: dict[str, tuple[str, str]] = {}
    for item in items:
        label = getattr(item, "label", None)
        out[item.id] = (label.zh, label.en) if label is not None else ("", "")
    return out


def fact_labels(rs: model.RuleSet) -> dict[str, tuple[str, str]]:
    """The zh and en labels of each declared fact, by name."""
    return {
        name: (spec.label.zh, spec.label.en) if spec.label is not None else ("", "")
        for name, spec in rs.facts.items()
    }


def _by_label(p: Problem, name: str, rs: model.RuleSet, computed: bool) -> Problem:
    """An unknown name (E310) written as a label (群众满意度 for satisfaction, labelled so):
    the name whose label it is, as the suggestion; else the suggestion it had, else the name
    whose label is closest."""
    names: dict[str, tuple[str, str]] = {}
    text = name
    head, _, tail = name.partition(".")
    computed_names = {f"dimension.{k}": v for k, v in labels(rs.dimensions).items()} | {
        f"points.{k}": v for k, v in labels(rs.indicators).items()
    }
    if computed and tail and head in ("dimension", "points"):
        text = tail
        names = {k: v for k, v in computed_names.items() if k.startswith(head + ".")}
    else:
        names = fact_labels(rs) | (computed_names if computed else {})
    found = label_match(text, names, exact=True)
    if found is None and p.suggestion is None:
        found = label_match(text, names, exact=False)
    if found is None:
        return p
    return attrs.evolve(p, suggestion=f"did you mean {found[0]} ({found[1]})?")


def _population(rs: model.RuleSet, where: Where, lost: Lost) -> list[Problem]:
    out = []
    for i, q in enumerate(rs.quotas):
        if not 0 < q.share <= 1:
            out.append(
                Problem(
                    "E115", "share must be above 0% and at most 100%", where("quotas", i, "share")
                )
            )
        if rs.scheme.org_types and q.org_type not in rs.scheme.org_types:
            out.append(
                Problem(
                    "E131",
                    f"org_type {q.org_type!r} is not covered by this scheme",
                    where("quotas", i, "org_type"),
                    did_you_mean(q.org_type, rs.scheme.org_types),
                )
            )
        out += _tier_list(q.among_tiers or (), rs, lost, where, "quotas", i, "among_tiers")
    for i, s in enumerate(rs.streaks):
        if s.years < 1:
            out.append(Problem("E115", "years must be at least 1", where("streaks", i, "years")))
        out += _tier_list(s.tiers, rs, lost, where, "streaks", i, "tiers")
    for i, d in enumerate(rs.deadlines):
        if d.months < 1:
            out.append(
                Problem("E115", "months must be at least 1", where("deadlines", i, "months"))
            )
        out += _tier_list(d.tiers, rs, lost, where, "deadlines", i, "tiers")
    for i, f in enumerate(rs.flags):
        if f.escalate is not None and f.escalate.after < 1:
            out.append(
                Problem(
                    "E115",
                    "escalate after must be at least 1",
                    where("flags", i, "escalate", "after"),
                )
            )
    return out


def _tier_list(
    names: Iterable[str], rs: model.RuleSet, lost: Lost, where: Where, *at: str | int
) -> list[Problem]:
    tiers = labels(rs.tiers)
    return [
        Problem("E128", f"unknown tier {name!r}", where(*at, k), did_you_mean_id(name, tiers))
        for k, name in enumerate(names)
        if name not in tiers and not lost.may_define("tiers", name)
    ]


def _limits(rs: model.RuleSet) -> list[Problem]:
    from tierlib._durable import limit_problems

    rules = {rule_id: (expr, expr.loc) for rule_id, expr, _ in conditions(rs)}
    return limit_problems(rules)
