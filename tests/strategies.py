"""Hypothesis strategies shared by tierlib's tests."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar, get_args

import numpy as np
from hypothesis import strategies as st

from tierlib import model
from tierlib._ast import (
    Arith,
    ArithOp,
    Bool,
    BoolOp,
    Compare,
    CompareOp,
    Expr,
    In,
    Neg,
    Not,
    Num,
    Ref,
    Str,
    nodes,
)
from tierlib._expr import MAX_DEPTH, MAX_LENGTH
from tierlib._lexer import KEYWORDS
from tierlib._typecheck import Kind
from tierlib._unparse import to_text
from tierlib.decision import fmt_fraction
from tierlib.errors import Location

if TYPE_CHECKING:
    from tierlib import _durable

# ---------------------------------------------------------------- condition expressions

_GENERATED = Location("<hypothesis>")
_T = TypeVar("_T")
_KINDS: tuple[Kind, ...] = ("number", "boolean", "string")
_ARITH_OPS: tuple[ArithOp, ...] = get_args(ArithOp)
_COMPARE_OPS: tuple[CompareOp, ...] = get_args(CompareOp)
_ORDERING_OPS: tuple[CompareOp, ...] = ("<", "<=", ">", ">=")
_EQUALITY_OPS: tuple[CompareOp, ...] = ("==", "!=")


def identifiers() -> st.SearchStrategy[str]:
    """Names the condition language accepts: ASCII, Chinese and other Unicode identifiers."""
    ascii_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True)
    unicode_names = st.text(
        alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Nd")), min_size=1, max_size=5
    ).filter(str.isidentifier)
    chinese = st.sampled_from(["满意度", "班子完整", "非公有制企业数", "或然", "且慢"])
    return st.one_of(ascii_names, unicode_names, chinese).filter(lambda s: s not in KEYWORDS)


def numbers(negative: bool = False) -> st.SearchStrategy[Num]:
    """Number literals with a terminating decimal expansion (so ``to_text`` prints one number)."""
    low = -(10**9) if negative else 0
    values = st.builds(Fraction, st.integers(low, 10**9), st.sampled_from([1, 10, 100, 1000, 8]))
    return st.builds(Num, values, st.just(_GENERATED))


def strings() -> st.SearchStrategy[Str]:
    """String literals holding arbitrary text (quotes, backslashes, newlines, Chinese)."""
    return st.builds(Str, st.text(max_size=8), st.just(_GENERATED))


def bools() -> st.SearchStrategy[Bool]:
    """``true`` and ``false``."""
    return st.builds(Bool, st.booleans(), st.just(_GENERATED))


def _literals(kind: Kind | None) -> st.SearchStrategy[Num | Str | Bool]:
    """Items of an ``in`` list (numbers may be negative there: ``[-1, 2]``)."""
    by_kind: dict[Kind, st.SearchStrategy[Num | Str | Bool]] = {
        "number": numbers(negative=True),
        "string": strings(),
        "boolean": bools(),
    }
    return by_kind[kind] if kind else st.one_of(*by_kind.values())


def _refs(symbols: Mapping[str, Kind], kind: Kind | None) -> st.SearchStrategy[Expr]:
    names = sorted(name for name, k in symbols.items() if kind is None or k == kind)
    if names:
        paths = st.sampled_from(names).map(lambda name: tuple(name.split(".")))
    elif kind is None:
        paths = st.lists(identifiers(), min_size=1, max_size=3).map(tuple)
    else:
        return st.nothing()
    return st.builds(Ref, paths, st.just(_GENERATED))


def _any_exprs(symbols: Mapping[str, Kind]) -> st.SearchStrategy[Expr]:
    leaves: st.SearchStrategy[Expr] = st.one_of(numbers(), strings(), bools(), _refs(symbols, None))

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        here = st.just(_GENERATED)
        return st.one_of(
            st.builds(Neg, children, here),
            st.builds(Not, children, here),
            st.builds(Arith, st.sampled_from(_ARITH_OPS), children, children, here),
            st.builds(Compare, st.sampled_from(_COMPARE_OPS), children, children, here),
            st.builds(
                In, children, st.lists(_literals(None), max_size=4).map(tuple), st.booleans(), here
            ),
            st.builds(
                BoolOp,
                st.sampled_from(("and", "or")),
                st.lists(children, min_size=2, max_size=4).map(tuple),
                here,
            ),
        )

    return st.recursive(leaves, extend, max_leaves=20)


def _typed_exprs(symbols: Mapping[str, Kind], kind: Kind, depth: int) -> st.SearchStrategy[Expr]:
    here = st.just(_GENERATED)
    leaf: dict[Kind, st.SearchStrategy[Expr]] = {
        "number": numbers(),
        "string": strings(),
        "boolean": bools(),
    }
    level = {k: st.one_of(s, _refs(symbols, k)) for k, s in leaf.items()}
    for _ in range(depth):
        below = level

        def in_list(
            k: Kind, below: dict[Kind, st.SearchStrategy[Expr]] = below
        ) -> st.SearchStrategy[Expr]:
            return st.builds(
                In, below[k], st.lists(_literals(k), max_size=3).map(tuple), st.booleans(), here
            )

        def equality(
            k: Kind, below: dict[Kind, st.SearchStrategy[Expr]] = below
        ) -> st.SearchStrategy[Expr]:
            return st.builds(Compare, st.sampled_from(_EQUALITY_OPS), below[k], below[k], here)

        kinds = st.sampled_from(_KINDS)
        arith = st.builds(
            Arith, st.sampled_from(_ARITH_OPS), below["number"], below["number"], here
        ).filter(lambda a: not (a.op == "/" and _is_literal_zero(a.right)))
        level = {
            "number": st.one_of(below["number"], st.builds(Neg, below["number"], here), arith),
            "string": below["string"],
            "boolean": st.one_of(
                below["boolean"],
                st.builds(Not, below["boolean"], here),
                st.builds(
                    Compare,
                    st.sampled_from(_ORDERING_OPS),
                    below["number"],
                    below["number"],
                    here,
                ),
                kinds.flatmap(equality),
                kinds.flatmap(in_list),
                st.builds(
                    BoolOp,
                    st.sampled_from(("and", "or")),
                    st.lists(below["boolean"], min_size=2, max_size=3).map(tuple),
                    here,
                ),
            ),
        }
    return level[kind]


def _is_literal_zero(node: Expr) -> bool:
    while isinstance(node, Neg):
        node = node.operand
    return isinstance(node, Num) and node.value == 0


def _depth(node: Expr) -> int:
    if isinstance(node, Neg | Not):
        return 1 + _depth(node.operand)
    if isinstance(node, Arith | Compare):
        return 1 + max(_depth(node.left), _depth(node.right))
    if isinstance(node, In):
        return 1 + _depth(node.item)
    if isinstance(node, BoolOp):
        return 1 + max(_depth(o) for o in node.operands)
    return 1


def _fits(node: Expr) -> bool:
    return _depth(node) <= MAX_DEPTH and len(to_text(node)) <= MAX_LENGTH


def exprs(symbols: Mapping[str, Kind], kind: Kind | None = None) -> st.SearchStrategy[Expr]:
    """Condition trees that ``tierlib._expr.parse`` could have produced.

    References are drawn from ``symbols`` (dotted name → kind); with ``kind=None`` the trees
    are syntactically valid but not necessarily well typed (and, when ``symbols`` is empty,
    use generated names). With a ``kind``, every tree type-checks as that kind against
    ``symbols`` (no literal division by zero either); string trees are literals or references.
    """
    strategy = _any_exprs(symbols) if kind is None else _typed_exprs(symbols, kind, depth=3)
    return strategy.filter(_fits)


# ---------------------------------------------------------------- population (tierlib.population)

from tierlib.decision import Decision, FiredVeto, Provenance  # noqa: E402

POP_TIERS: tuple[str, ...] = ("class1", "class2", "class3", "class4")
_POP_PROVENANCE = Provenance("hypothesis", "0", "0" * 64, "0", "0" * 64)
# few distinct scores, so that ties (also at a quota's cut) are common
_POP_SCORES = st.one_of(st.none(), st.sampled_from([Fraction(s, 2) for s in range(100, 131, 3)]))


@st.composite
def _pop_decision(draw: st.DrawFn, org_id: str, year: int) -> Decision:
    status = draw(st.sampled_from(["rated", "rated", "rated", "unrated", "pending"]))
    vetoed = status != "pending" and draw(st.booleans())
    tier = None
    if status == "rated":
        tier = "class4" if vetoed else draw(st.sampled_from(POP_TIERS))
    score = None if status == "pending" else draw(_POP_SCORES)
    vetoes = (FiredVeto("veto", "force" if tier else "unrated", tier, decisive=True),)
    return Decision(
        org_id=org_id,
        org_name=org_id,
        org_type=draw(st.sampled_from(["village", "village", "community"])),
        year=year,
        status=status,
        tier=tier,
        score=score,
        raw_score=score,
        score_tier=tier,
        dimensions={},
        points={},
        vetoes=vetoes if vetoed else (),
        flags=(),
        missing=(),
        trace=(),
        provenance=_POP_PROVENANCE,
        county=draw(st.sampled_from(["A县", "B县"])),
        township=draw(st.sampled_from(["t1", "t2", "t3"])),
    )


def pop_decisions(year: int = 2023, max_size: int = 40) -> st.SearchStrategy[list[Decision]]:
    """One year's decisions of distinct organizations (villages and communities in two counties
    and three townships; rated, unrated, pending; some vetoed; many tied scores)."""
    ids = st.lists(st.integers(0, 99), max_size=max_size, unique=True)
    return ids.flatmap(lambda ns: st.tuples(*(_pop_decision(f"o{n:02d}", year) for n in ns))).map(
        list
    )


def pop_year_pairs() -> st.SearchStrategy[tuple[list[Decision], list[Decision]]]:
    """Decisions of two consecutive years over overlapping sets of organizations."""
    return st.tuples(pop_decisions(2023), pop_decisions(2024))


@st.composite
def pop_followed_pairs(draw: st.DrawFn) -> tuple[list[Decision], list[Decision]]:
    """Two consecutive years of mostly the same organizations: most stay in their place (type,
    county, township) with a freshly drawn decision, so tiers rise, fall and tie often; a few
    leave, a few move township, a few enter."""
    import attrs

    before = draw(pop_decisions(2023))
    after = []
    for d in before:
        fate = draw(st.sampled_from(["stay", "stay", "stay", "stay", "move", "leave"]))
        if fate == "leave":
            continue
        township = draw(st.sampled_from(["t1", "t2", "t3"])) if fate == "move" else d.township
        nxt = draw(_pop_decision(d.org_id, 2024))
        after.append(attrs.evolve(nxt, org_type=d.org_type, county=d.county, township=township))
    known = {d.org_id for d in before}
    after += [d for d in draw(pop_decisions(2024, max_size=5)) if d.org_id not in known]
    return before, after


# --- organization facts for a given rule set (engine and columnar tests) -----------------------


def fact_values(spec: model.FactSpec, constants: Iterable[Fraction] = ()) -> st.SearchStrategy[Any]:
    """Values admissible for one declared fact; numbers favour the rule set's own thresholds."""
    from fractions import Fraction

    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind == "string":
        return st.sampled_from(spec.values) if spec.values else st.text(min_size=1, max_size=5)
    low = spec.minimum if spec.minimum is not None else Fraction(-1000)
    high = spec.maximum if spec.maximum is not None else max(Fraction(10000), low + 10000)
    step = Fraction(1) if spec.integer else Fraction(1, 100)
    span = int((high - low) / step)
    grid = st.integers(0, span).map(lambda k: low + k * step)
    near = [c for c in constants if low <= c <= high and (not spec.integer or c.denominator == 1)]
    return st.one_of(grid, st.sampled_from(near)) if near else grid


def organization_facts(
    ruleset: model.RuleSet, missing: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """A facts mapping for ``ruleset`` (some facts left out when ``missing``)."""
    from tierlib import _ast

    constants = set()
    for ind in ruleset.indicators:
        for spec in (ind.linear,):
            if spec is not None:
                constants |= {spec.floor, spec.target}
        if ind.bands is not None:
            for band in ind.bands.bands:
                constants |= {
                    b
                    for b in (
                        band.range.at_least,
                        band.range.above,
                        band.range.below,
                        band.range.at_most,
                    )
                    if b is not None
                }
    for veto in ruleset.vetoes:
        constants |= {n.value for n in _ast.nodes(veto.when) if isinstance(n, _ast.Num)}
    ordered = sorted(constants)
    parts = {}
    for name, fact in ruleset.facts.items():
        value = fact_values(fact, ordered)
        parts[name] = st.one_of(st.none(), value) if missing else value
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


def engine_for(ruleset: model.RuleSet) -> Any:
    """An :class:`~tierlib.engine.Engine` for ``ruleset``, or None when the rule set is beyond
    a durable_rules limit (E401–E404): tests of what an engine decides are not about those.
    Close it (``with``) when done."""
    from tierlib.engine import Engine
    from tierlib.errors import RuleSetError

    try:
        return Engine(ruleset)
    except RuleSetError:
        return None


def random_engine(data: st.DataObject) -> Any:
    """:func:`engine_for` a drawn rule set."""
    return engine_for(data.draw(rulesets()))


def drawn_decisions(data: st.DataObject, engine: Any, count: int) -> list[Decision]:
    """The decisions of ``count`` drawn villages (``O0``, ``O1``, …), leaving out those whose
    facts the engine refuses (a value outside a method's range: nothing was decided)."""
    from tierlib.errors import FactError

    out = []
    for k in range(count):
        facts = data.draw(organization_facts(engine.ruleset))
        try:
            out.append(engine.evaluate(model.Organization(id=f"O{k}", type="village", facts=facts)))
        except FactError:
            continue
    return out


# --- whole rule sets (columnar differential tests) ---------------------------------------------


def _fractions(
    low: Fraction | int, high: Fraction | int, denominators: Sequence[int] = (1, 2, 4, 10, 100)
) -> st.SearchStrategy[Fraction]:
    """Exact decimals between ``low`` and ``high`` (Fractions)."""
    from fractions import Fraction

    def build(den: int, k: int) -> Fraction:
        return Fraction(low) + Fraction(k, den)

    return st.sampled_from(denominators).flatmap(
        lambda den: st.integers(0, int((Fraction(high) - Fraction(low)) * den)).map(
            lambda k: build(den, k)
        )
    )


@st.composite
def rulesets(draw: st.DrawFn, max_indicators: int = 6) -> model.RuleSet:
    """Checked rule sets using every scoring method, missing policy, condition and veto kind.

    Built directly as model objects (valid by construction: sums add up, bands partition
    their fact's range, tiers decrease); conditions come from :func:`exprs`.
    """
    from fractions import Fraction

    from tierlib import model
    from tierlib._check import symbols

    label = model.Label("x")
    facts = {}
    for k in range(draw(st.integers(2, 4))):
        minimum = draw(st.sampled_from([None, Fraction(0), Fraction(-5)]))
        maximum = draw(st.sampled_from([None, Fraction(1), Fraction(100)]))
        integer = draw(st.booleans()) and maximum != 1
        facts[f"n{k}"] = model.FactSpec("number", minimum=minimum, maximum=maximum, integer=integer)
    for k in range(draw(st.integers(1, 3))):
        facts[f"b{k}"] = model.FactSpec("boolean")
    values = draw(st.sampled_from([None, ("a", "b", "c")]))
    facts["s0"] = model.FactSpec("string", values=values)
    counts = {"c0": model.FactSpec("number", minimum=Fraction(0), integer=True)}
    scored = {"p0": model.FactSpec("number", minimum=Fraction(0))}
    facts.update(counts)
    facts.update(scored)
    numbers = sorted(n for n, s in facts.items() if s.kind == "number" and n not in scored)
    plain = {n: s.kind for n, s in facts.items()}
    cond = exprs(plain, "boolean")
    policies = st.sampled_from([None, "zero", "rescale", "pending"])

    def indicator(k: int, dimension: str | None, bonus: bool) -> model.Indicator:
        method = draw(
            st.sampled_from(
                [
                    "linear",
                    "bands",
                    "checklist",
                    "deductions",
                    "all_or_nothing",
                    "per_unit",
                    "assessed",
                ]
            )
        )
        ind_id = f"i{k}"
        maximum = draw(_fractions(1, 20, (1, 2, 10)).filter(lambda x: x > 0))
        extra = {}
        if method == "linear":
            floor = draw(_fractions(-10, 100))
            target = draw(_fractions(-10, 100).filter(lambda t: t != floor))
            extra["linear"] = model.Linear(draw(st.sampled_from(numbers)), floor, target)
        elif method == "bands":
            cuts = sorted(draw(st.lists(_fractions(-10, 100), min_size=1, max_size=4, unique=True)))
            bands = []
            edges = [None, *cuts, None]
            for j in range(len(edges) - 1):
                lo, hi = edges[j], edges[j + 1]
                if lo is not None and hi is not None and draw(st.booleans()):
                    a = draw(_fractions(0, maximum))
                    b = draw(_fractions(0, maximum))
                    points = (min(a, b), max(a, b))
                else:
                    p = draw(_fractions(0, maximum))
                    points = (p, p)
                when = draw(st.none() | cond) if draw(st.integers(0, 3)) == 0 else None
                bands.append(
                    model.Band(model.Bound(at_least=lo, below=hi), points, id=f"band{j}", when=when)
                )
            match = draw(st.sampled_from(["first", "highest"]))
            otherwise = draw(st.none() | _fractions(0, maximum))
            extra["bands"] = model.Bands(
                draw(st.sampled_from(numbers)), tuple(bands), match, otherwise
            )
        elif method in ("checklist", "deductions"):
            items = []
            for j in range(draw(st.integers(1, 4))):
                points = draw(_fractions(1, 5, (1, 2, 10)))
                how = draw(st.sampled_from(["fact", "when", "per", "per_when"]))
                if how == "fact" and f"b{j}" in facts:
                    items.append(model.Item(f"b{j}", points))
                elif how in ("per", "per_when"):
                    when = draw(cond) if how == "per_when" else None
                    items.append(model.Item(f"it{j}", points, when=when, per="c0"))
                else:
                    items.append(model.Item(f"it{j}", points, when=draw(cond)))
            if method == "checklist" and all(it.per is None for it in items):
                maximum = sum((it.points for it in items), Fraction(0))
            extra[method] = tuple(items)
        elif method == "all_or_nothing":
            extra["all_or_nothing"] = model.AllOrNothing(draw(cond))
        elif method == "per_unit":
            extra["per_unit"] = model.PerUnit("c0", draw(_fractions(1, 5, (1, 2, 10))))
        else:
            extra["assessed"] = model.Assessed("p0")
        return model.Indicator(
            ind_id,
            label,
            maximum,
            dimension=dimension,
            bonus=bonus,
            missing=draw(policies),
            **extra,
        )

    n_dims = draw(st.integers(1, 3))
    indicators = []
    for k in range(draw(st.integers(1, max_indicators))):
        bonus = k > 0 and draw(st.integers(0, 5)) == 0
        dim = None if bonus else f"d{k % n_dims}"
        indicators.append(indicator(k, dim, bonus))
    if sum(1 for i in indicators if i.assessed is not None) > 1:  # one 0..max bound per fact
        first = next(i for i in indicators if i.assessed is not None)
        indicators = [i for i in indicators if i.assessed is None or i is first]
    used = {i.dimension for i in indicators if i.dimension is not None}
    dims = []
    for d in sorted(used):
        top = sum((i.max for i in indicators if i.dimension == d and not i.bonus), Fraction(0))
        dims.append(model.Dimension(d, label, top))
    whole = sum((d.max for d in dims), Fraction(0))
    if whole == 0:  # only bonus indicators: make the first a scored one
        first = indicators[0]
        indicators[0] = attrs_evolve(first, dimension="d0", bonus=False)
        dims = [model.Dimension("d0", label, first.max)]
        whole = first.max
    minima = sorted(
        draw(st.lists(_fractions(0, whole), min_size=0, max_size=3, unique=True)), reverse=True
    )
    tiers = []
    for k, m in enumerate(minima):
        word = draw(st.sampled_from(["at_least", "above"]))
        tiers.append(model.Tier(f"t{k}", label, model.Bound(**{word: m})))
    if not tiers or draw(st.booleans()):
        tiers.append(model.Tier(f"t{len(tiers)}", label))
    below = (
        "lowest" if tiers[-1].range.lower is None else draw(st.sampled_from(["lowest", "unrated"]))
    )
    ruleset = model.RuleSet(
        model.Scheme(
            "random",
            label,
            "1",
            org_types=draw(st.sampled_from([(), ("village", "community")])),
            total=whole,
            rounding=draw(
                st.none()
                | st.builds(
                    model.Rounding,
                    st.integers(0, 2),
                    st.sampled_from(["half_up", "half_even", "down", "up"]),
                )
            ),
            missing=draw(st.sampled_from(["zero", "rescale", "pending"])),
        ),
        facts,
        tuple(dims),
        tuple(indicators),
        tuple(tiers),
        below_lowest=below,
    )
    full = symbols(ruleset, computed=True)
    late = exprs(full, "boolean")
    vetoes = []
    for k in range(draw(st.integers(0, 4))):
        effect = draw(st.sampled_from(["force", "unrated", "cap", "require"]))
        tier = None
        if effect != "unrated":
            # a force sets the lowest tier (E132); the others may name any
            ids = [tiers[-1].id, None] if effect == "force" else [t.id for t in tiers]
            tier = draw(st.sampled_from(ids))
        vetoes.append(
            model.Veto(f"v{k}", label, draw(late), effect, tier, precedence=draw(st.integers(0, 2)))
        )
    flags = tuple(model.Flag(f"f{k}", label, draw(late)) for k in range(draw(st.integers(0, 2))))
    return _within_reach(attrs_evolve(ruleset, vetoes=tuple(vetoes), flags=flags))


def attrs_evolve(obj: _T, **changes: Any) -> _T:
    """``attrs.evolve`` (imported lazily, like the rest of this section)."""
    import attrs

    return attrs.evolve(obj, **changes)


# --- rule sets as rule files hold them (loader round trips) ------------------------------------

# Text of labels, ids, units and sources: Chinese, characters YAML cares about, quotes, line
# breaks (U+0085 too, which PyYAML folds unless quoted), control characters, astral planes.
_RS_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("村党组织一二三类：，（）%#&*!|>-'\"\\ \n\t\x85…"),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=10,
)


def _rs_label() -> st.SearchStrategy[model.Label]:
    from tierlib import model

    return st.builds(model.Label, _RS_TEXT, st.one_of(st.just(""), _RS_TEXT))


@st.composite
def yaml_rulesets(draw: st.DrawFn) -> model.RuleSet:
    """:func:`rulesets` dressed as a rule file can be: free text (Chinese, quotes, line
    breaks, control characters) in every label, name, unit and source; allowed values of
    string facts; escalating flags; a band decided by ``when:`` alone; quotas, streaks and
    deadlines (tier lists may repeat a tier). Still valid: ``check`` finds no problem."""
    import attrs

    from tierlib import model

    rs = draw(rulesets())
    label = _rs_label()
    texts = st.none() | _RS_TEXT

    def relabel(items: Sequence[Any], name: str = "label") -> tuple[Any, ...]:
        return tuple(attrs.evolve(x, **{name: draw(label)}) for x in items)

    facts = {}
    for name, spec in rs.facts.items():
        changes = {"label": draw(st.none() | label)}
        if spec.kind == "number":
            changes["unit"] = draw(texts)
        if spec.kind == "string" and spec.values is not None:
            changes["values"] = tuple(draw(st.lists(_RS_TEXT, max_size=3)))
        facts[name] = attrs.evolve(spec, **changes)
    indicators = []
    for ind in relabel(rs.indicators):
        ind = attrs.evolve(ind, source=draw(texts))
        if ind.bands is not None and draw(st.booleans()):
            points = draw(st.sampled_from([ind.max, ind.max / 2, 0]))
            only_when = model.Band(model.Bound(), (points, points), "", _rs_some_condition(rs))
            bands = list(ind.bands.bands)
            bands.insert(draw(st.integers(0, len(bands))), only_when)
            ind = attrs.evolve(ind, bands=attrs.evolve(ind.bands, bands=tuple(bands)))
        indicators.append(ind)
    vetoes = tuple(attrs.evolve(v, reason=draw(label), source=draw(texts)) for v in rs.vetoes)
    escalations = st.none() | st.builds(model.Escalation, st.integers(1, 5), label)
    flags = tuple(attrs.evolve(f, escalate=draw(escalations)) for f in relabel(rs.flags))
    org_types = tuple(draw(st.lists(st.sampled_from(["village", "community", "社区"]), max_size=3)))
    tier_ids = st.sampled_from([t.id for t in rs.tiers])
    some_tiers = st.lists(tier_ids, min_size=1, max_size=3).map(tuple)
    ids = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
    unique_ids = st.lists(ids, max_size=2, unique=True)
    quotas = tuple(
        model.Quota(
            quota_id,
            draw(label),
            draw(st.sampled_from(org_types) if org_types else _RS_TEXT),
            draw(st.integers(1, 100).map(lambda k: Fraction(k, 100))),
            draw(st.sampled_from(["county", "township"])),
            draw(st.none() | some_tiers),
        )
        for quota_id in draw(unique_ids)
    )
    streaks = tuple(
        model.Streak(s, draw(label), draw(some_tiers), draw(st.integers(1, 5)), draw(label))
        for s in draw(unique_ids)
    )
    deadlines = tuple(
        model.Deadline(d, draw(label), draw(some_tiers), draw(st.integers(1, 36)))
        for d in draw(unique_ids)
    )
    scheme = attrs.evolve(
        rs.scheme,
        id=draw(_RS_TEXT),
        name=draw(label),
        version=draw(_RS_TEXT),
        year=draw(st.none() | st.integers(1990, 2100)),
        org_types=org_types,
    )
    return _within_reach(
        attrs.evolve(
            rs,
            scheme=scheme,
            facts=facts,
            dimensions=relabel(rs.dimensions),
            indicators=tuple(indicators),
            tiers=relabel(rs.tiers),
            vetoes=vetoes,
            flags=flags,
            quotas=quotas,
            streaks=streaks,
            deadlines=deadlines,
        )
    )


def _within_reach(rs: model.RuleSet) -> model.RuleSet:
    """``rs`` with no number out of reach (E133) and no text outside a fact's values (E314), as a
    checked file has: a text compared with a text fact is added to its ``values:``; a number compared with
    a fact or a computed value beyond its range is moved to the nearest end of that range (the
    edges are worth testing), and a fact whose linear or band numbers lie beyond its declared
    range loses that range."""
    import attrs

    from tierlib._reach import out_of_reach, spans
    from tierlib._where import Where

    facts = dict(rs.facts)
    # a text compared with a text fact is one of its values (E314): the values take it in
    from tierlib._ast import nodes
    from tierlib._check import conditions

    for _, expr, _ in conditions(rs):
        for node in nodes(expr):
            pairs: list[tuple[Expr, Expr]] = []
            if isinstance(node, Compare) and node.op in ("==", "!="):
                pairs = [(node.left, node.right), (node.right, node.left)]
            elif isinstance(node, In):
                pairs = [(node.item, o) for o in node.options]
            for ref, text in pairs:
                if isinstance(ref, Ref) and isinstance(text, Str):
                    spec = facts.get(ref.name)
                    listed = spec.values if spec is not None and spec.kind == "string" else None
                    if spec is not None and listed is not None and text.value not in listed:
                        facts[ref.name] = attrs.evolve(spec, values=(*listed, text.value))
    for ind in rs.indicators:  # linear and band numbers: drop the fact's range if beyond it
        alone = attrs.evolve(rs, vetoes=(), flags=(), tiers=(), indicators=(ind,))
        for p in out_of_reach(alone, [], Where(None, _GENERATED)):
            name = p.message.split(" is ", 1)[0]
            facts[name] = attrs.evolve(facts[name], minimum=None, maximum=None)
    rs = attrs.evolve(rs, facts=facts)
    span = spans(rs)

    def near(x: Fraction, name: str) -> Fraction:
        low, high = span[name]
        return max(low, x) if high is None else min(high, x if low is None else max(low, x))

    def fix(node: Expr) -> Expr:
        if isinstance(node, Compare):
            left, right = fix(node.left), fix(node.right)
            for ref, lit in ((left, right), (right, left)):
                value = _literal_value(lit)
                if isinstance(ref, Ref) and ref.name in span and value is not None:
                    moved = Num(near(value, ref.name), lit.loc)
                    left, right = (ref, moved) if ref is left else (moved, ref)
                    break
            return attrs.evolve(node, left=left, right=right)
        if isinstance(node, In) and isinstance(node.item, Ref) and node.item.name in span:
            name = node.item.name
            options = tuple(
                Num(near(o.value, name), o.loc) if isinstance(o, Num) else o for o in node.options
            )
            return attrs.evolve(node, options=tuple(dict.fromkeys(options)))
        if isinstance(node, Not | Neg):
            return attrs.evolve(node, operand=fix(node.operand))
        if isinstance(node, Arith):
            return attrs.evolve(node, left=fix(node.left), right=fix(node.right))
        if isinstance(node, BoolOp):
            return attrs.evolve(node, operands=tuple(fix(o) for o in node.operands))
        return node

    def fixed(item: Any, name: str = "when") -> Any:
        when = getattr(item, name)
        return item if when is None else attrs.evolve(item, **{name: fix(when)})

    indicators = []
    for ind in rs.indicators:
        changes: dict[str, Any] = {}
        for method in ("checklist", "deductions"):
            if getattr(ind, method):
                changes[method] = tuple(fixed(it) for it in getattr(ind, method))
        if ind.bands is not None:
            changes["bands"] = attrs.evolve(
                ind.bands, bands=tuple(fixed(b) for b in ind.bands.bands)
            )
        if ind.all_or_nothing is not None:
            changes["all_or_nothing"] = fixed(ind.all_or_nothing)
        indicators.append(attrs.evolve(ind, **changes))
    return attrs.evolve(
        rs,
        indicators=tuple(indicators),
        vetoes=tuple(fixed(v) for v in rs.vetoes),
        flags=tuple(fixed(f) for f in rs.flags),
    )


def _literal_value(node: Expr) -> Fraction | None:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg) and isinstance(node.operand, Num):
        return -node.operand.value
    return None


def _rs_some_condition(rs: model.RuleSet) -> Expr:
    """A condition on facts only: the first boolean fact of ``rs``."""
    from tierlib._ast import Ref

    name = next(n for n, spec in sorted(rs.facts.items()) if spec.kind == "boolean")
    return Ref((name,), _GENERATED)


# --- data files for the command line (tests/test_cli.py) ----------------------------------------

_TRUE_TEXTS = ("是", "true", "1", "√", "有", " Y ")
_FALSE_TEXTS = ("否", "False", "0", "无", "×", "n")


def _number_texts(x: Fraction) -> list[str]:
    """Ways a data file may write the number ``x`` that all read back as ``x``."""
    from tierlib.decision import fmt_fraction

    text = fmt_fraction(x)
    ways = [text, f" {text} ", f"{fmt_fraction(x * 100)}%"]
    whole, _, frac = text.lstrip("-").partition(".")
    if len(whole) > 3:
        sign = "-" if x < 0 else ""
        ways.append(f"{sign}{whole[:-3]},{whole[-3:]}" + (f".{frac}" if frac else ""))
    return ways


def _bad_cells(spec: model.FactSpec) -> list[str]:
    """Cells the engine refuses for a fact like ``spec`` (F103 or F104)."""
    from tierlib.decision import fmt_fraction

    if spec.kind == "boolean":
        return ["maybe", "2"]
    if spec.kind == "string":
        return ["no such value"] if spec.values else []
    bad = ["abc", "1.2.3"]
    if spec.maximum is not None:
        bad.append(fmt_fraction(spec.maximum + 1))
    if spec.minimum is not None:
        bad.append(fmt_fraction(spec.minimum - 1))
    if spec.integer:
        bad.append("0.5")
    return bad


@st.composite
def _cell_pool(draw: st.DrawFn, spec: model.FactSpec) -> dict[str, Any]:
    """A column's few distinct cells: values written in several ways, blanks, and bad cells
    with how often each kind is picked."""
    values = draw(st.lists(fact_values(spec), min_size=1, max_size=5))
    good = []
    for v in values:
        if spec.kind == "number":
            good.append(draw(st.sampled_from(_number_texts(v))))
        elif spec.kind == "boolean":
            good.append(draw(st.sampled_from(_TRUE_TEXTS if v else _FALSE_TEXTS)))
        else:
            good.append(draw(st.sampled_from([v, f" {v} "])))
    bad = _bad_cells(spec)
    return {
        "good": good,
        "blank": ["", " "],
        "bad": bad,
        "p_blank": draw(st.sampled_from([0.0, 0.01, 0.2])),
        "p_bad": draw(st.sampled_from([0.0, 0.0, 0.002])) if bad else 0.0,
    }


@st.composite
def data_file_rows(draw: st.DrawFn, ruleset: model.RuleSet, rows: int = 2500) -> list[list[str]]:
    """The records of a CSV data file for ``ruleset`` (header first, every cell text).

    ``rows`` data rows are drawn from small per-column pools of well-formed cells (written in
    several ways), blank cells and bad ones, using a drawn seed; a few rows are odd: blank
    rows, short rows, rows with extra cells, an empty id, a bad year or type, a name that
    spans two lines, an unknown-looking identity.
    """
    import random

    names = list(ruleset.facts)
    pools = {name: draw(_cell_pool(spec)) for name, spec in ruleset.facts.items()}
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    odd_rate = draw(st.sampled_from([0.0, 0.003, 0.02]))
    header = ["编号", "名称", "类型", "县", "乡镇", "年度", *names]
    out = [header]

    def cell(pool: dict[str, Any]) -> str:
        r = rnd.random()
        if r < pool["p_bad"]:
            return rnd.choice(pool["bad"])
        if r < pool["p_bad"] + pool["p_blank"]:
            return rnd.choice(pool["blank"])
        return rnd.choice(pool["good"])

    for k in range(rows):
        record = [
            f"G{k:05d}",
            rnd.choice(["柳树湾村", "光明社区", " 石桥村 ", "Village 7", "123"]),
            rnd.choice(["village", "village", "community", " community", ""]),
            rnd.choice(["安平县", ""]),
            rnd.choice(["城关街道", "柳林镇", " 长岗乡"]),
            rnd.choice(["2023", "2024", "2024年", " 2023 "]),
            *(cell(pools[name]) for name in names),
        ]
        if rnd.random() < odd_rate:
            kind = rnd.choice(["blank", "short", "extra", "id", "year", "type", "name", "huge"])
            if kind == "blank":
                record = [rnd.choice(["", "  "]) for _ in record]
            elif kind == "short":
                record = record[: rnd.randrange(1, len(record))]
            elif kind == "extra":
                record += ["x"] * rnd.randrange(1, 3)
            elif kind == "id":
                record[0] = rnd.choice(["", "   "])
            elif kind == "year":
                record[5] = rnd.choice(["twenty", "2024.5", "年"])
            elif kind == "type":
                record[2] = "town"
            elif kind == "huge":  # over the csv module's field limit: an unreadable record
                record[-1] = "9" * 140_000
            else:
                record[1] = "两行\n村名"
        out.append(record)
    return out


# --- tables of organizations for a rule set (tests/test_columnar.py) ---------------------------


def _table_constants(rs: model.RuleSet) -> list[Fraction]:
    """Numbers a rule set compares with: thresholds, band edges, literals, maxima."""
    from tierlib._check import conditions

    out = {Fraction(0), Fraction(1)}
    for ind in rs.indicators:
        out.add(ind.max)
        if ind.linear is not None:
            out |= {ind.linear.floor, ind.linear.target}
        for band in ind.bands.bands if ind.bands else ():
            out |= {b for b in (band.range.at_least, band.range.below) if b is not None}
    for _, expr, _ in conditions(rs):
        out |= {n.value for n in nodes(expr) if isinstance(n, Num)}
    for spec in rs.facts.values():
        out |= {b for b in (spec.minimum, spec.maximum) if b is not None}
    return sorted(x for x in out if abs(x) < 10**6)


def _table_numbers(spec: model.FactSpec, constants: list[Fraction]) -> st.SearchStrategy[Fraction]:
    """Admissible values of a number fact, often on or next to one of ``constants``."""
    grid = st.builds(Fraction, st.integers(-500, 12000), st.sampled_from([1, 10, 100, 8]))
    near = st.sampled_from(constants).flatmap(
        lambda c: st.sampled_from([c, c + Fraction(1, 100), c - Fraction(1, 100), c + 1])
    )
    lo = spec.minimum if spec.minimum is not None else Fraction(-(10**5))
    hi = spec.maximum if spec.maximum is not None else Fraction(10**5)

    def admissible(x: Fraction) -> Fraction:
        x = min(max(x, lo), hi)
        return Fraction(math.floor(x)) if spec.integer and x.denominator != 1 else x

    return st.one_of(near, grid).map(admissible)


def _table_cell(kind: str, fmt: str, value: Any, draw: st.DrawFn) -> Any:
    """``value`` (a Fraction, bool, str or None) written the way column format ``fmt`` holds it."""
    if value is None:
        return {"text": draw(st.sampled_from(["", "  "])), "python": None, "typed": math.nan}[fmt]
    if fmt == "text":
        if kind == "number":
            assert isinstance(value, Fraction)
            text = fmt_fraction(value)
            return draw(st.sampled_from([text, f" {text} "]))
        if kind == "boolean":
            return draw(
                st.sampled_from(["是", "true", "1", "√"] if value else ["否", "False", "0", "无"])
            )
        return value
    if fmt == "python" and kind == "number":
        return draw(st.sampled_from([value, Decimal(value.numerator) / Decimal(value.denominator)]))
    if fmt == "typed" and kind == "number":
        return float(value)
    return value


def _table_typed_ok(kind: str, values: list[Any]) -> bool:
    """Whether a column can be a float64/bool array without changing what the engine sees."""
    if kind == "number":
        return all(v is None or Fraction(repr(float(v))) == v for v in values)
    return False


@st.composite
def organization_tables(
    draw: st.DrawFn, rs: model.RuleSet, max_rows: int = 10
) -> tuple[dict[str, Any], int]:
    """A table for ``rs`` and its row count: mixed formats, missing values, a few bad cells."""
    n = draw(st.integers(1, max_rows))
    constants = _table_constants(rs)
    columns: dict[str, Any] = {
        "id": [f"o{i}" for i in range(n)],
        "type": [
            draw(st.sampled_from(["village", "community", "", "village", "town"])) for _ in range(n)
        ],
        "year": [draw(st.sampled_from(["2024", 2023, "", "2024年"])) for _ in range(n)],
    }
    for name, spec in rs.facts.items():
        if spec.kind == "number":
            values: st.SearchStrategy[Any] = _table_numbers(spec, constants)
        elif spec.kind == "boolean":
            values = st.booleans()
        else:
            values = st.sampled_from(spec.values or ("a", "b", "中文"))
        cells = [
            draw(st.none() | values) if draw(st.integers(0, 5)) == 0 else draw(values)
            for _ in range(n)
        ]
        fmt = draw(st.sampled_from(["text", "python", "typed"]))
        if fmt == "typed" and not _table_typed_ok(spec.kind, cells):
            fmt = "python"
        col = [_table_cell(spec.kind, fmt, v, draw) for v in cells]
        if draw(st.integers(0, 14)) == 0:  # one bad cell
            col[draw(st.integers(0, n - 1))] = {"number": "abc", "boolean": "maybe", "string": 5}[
                spec.kind
            ]
            fmt = "python"
        columns[name] = np.array(col, dtype=np.float64) if fmt == "typed" else col
    return columns, n


# --- row mappings (tests/test_columnar_rows.py) -------------------------------------------------

_ROW_EDITS = ("drop", "none", "blank", "nan", "unknown", "alias", "spaced", "numpy", "bad")


@st.composite
def row_mappings(draw: st.DrawFn, base: Mapping[str, Any]) -> list[dict[Any, Any]]:
    """Rows like ``base`` with a few edits each: odd keys, None, blanks, NaN, numpy, bad values."""
    names = sorted(base)
    rows = []
    for k in range(draw(st.integers(1, 12))):
        cells: dict[Any, Any] = dict(base, id=f"R{k}")
        for edit in draw(st.lists(st.sampled_from(_ROW_EDITS), max_size=3)):
            name = draw(st.sampled_from([*names, "year", "name"]))
            if edit == "drop":
                cells.pop(name, None)
            elif edit == "none":
                cells[name] = None
            elif edit == "blank":
                cells[name] = draw(st.sampled_from(["", "  "]))
            elif edit == "nan":
                cells[name] = draw(st.sampled_from([math.nan, np.float64("nan")]))
            elif edit == "unknown":
                cells[draw(st.sampled_from(["bogus", "facts", "Bogus "]))] = draw(
                    st.sampled_from(["1", None])
                )
            elif edit == "alias":
                key = draw(st.sampled_from(["编号", "名称", "年度", "类型", "乡镇"]))
                cells[key] = cells.pop(name, "x")
            elif edit == "spaced":
                cells[f" {name}"] = cells.pop(name, "x")
            elif edit == "numpy":
                cells[name] = draw(st.sampled_from([np.float64(0.5), np.int64(1), np.bool_(True)]))
            else:
                cells[name] = draw(st.sampled_from(["abc", "2", -1.5, [1], 2024.0]))
        rows.append(cells)
    return rows


# --- conditions and values for the durable_rules matcher (tests/test_durable.py) ---------------

MATCHER_SYMBOLS: dict[str, Kind] = {
    "n1": "number",
    "n2": "number",
    "points.income": "number",
    "满意度": "number",
    "flag": "boolean",
    "ok": "boolean",
    "s": "string",
    "t.x": "string",
}


@st.composite
def conditions_and_values(
    draw: st.DrawFn, max_sets: int = 4, near: bool = False
) -> tuple[list[Expr], list[dict[str, _durable.Value | None]]]:
    """Conditions over MATCHER_SYMBOLS and value sets drawn mostly from their own literals.

    ``near``: numbers also just either side of each literal, halfway between neighbours, a
    hair (10**-30) from them and beyond 2**53, so the same stretch between two literals comes
    up often, and values durable_rules refuses (F101) too."""
    rules = draw(st.lists(exprs(MATCHER_SYMBOLS, "boolean"), min_size=1, max_size=5))
    literals = [n for e in rules for n in nodes(e)]
    numbers = [n.value for n in literals if isinstance(n, Num)]
    if near:
        around = sorted(set(numbers))
        numbers += [x + d for x in around for d in (Fraction(1, 1000), Fraction(-1, 1000))]
        numbers += [(a + b) / 2 for a, b in itertools.pairwise(around)]
        # a hair from a literal (durable_rules sees the same double: F101), and beyond 2**53
        numbers += [x + Fraction(1, 10**30) for x in around[:3]] + [Fraction(2**60, 3)]
    numbers += [Fraction(0), Fraction(1, 10), Fraction(-3, 8)]
    texts = [n.value for n in literals if isinstance(n, Str)] + ["", '"', "中"]
    pools = {
        "number": st.sampled_from(numbers) | st.integers(-5, 5).map(Fraction),
        "boolean": st.booleans(),
        "string": st.sampled_from(texts) | st.text(max_size=3),
    }
    values = st.fixed_dictionaries(
        {},
        optional={name: st.none() | pools[kind] for name, kind in MATCHER_SYMBOLS.items()},
    )
    return rules, draw(st.lists(values, min_size=1, max_size=max_sets))


# --- damaged rule files (tests/test_load.py) ----------------------------------------------------

_YAMLISH = st.sampled_from(
    [": ", "- ", "{", "}", "[", "]", ",", "&a ", "*a", "!!python/object/apply:os.system [x]",
     "\t", "\n", "  ", "'", '"', "#", "以上: ", "低于: ", "when: ", "score > ", "%", "extends: x",
     "remove: {indicators: [x]}", "max: ", "null", "~", "yes", "1e9", "-", "<<: *a", "? ",
     "\x85", "\ufeff", "\ud800"]
)  # fmt: skip


@st.composite
def mutated_texts(draw: st.DrawFn, text: str) -> str:
    """``text`` with 1–4 line or character edits, inserting YAML syntax and invalid characters."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert"]))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            line = lines[i]
            k = draw(st.integers(0, len(line)))
            new = draw(_YAMLISH | st.text(max_size=6))
            if op == "replace":
                lines[i] = line[:k] + new + line[k + 1 :]
            else:
                lines[i] = line[:k] + new + line[k:]
    return "".join(lines)
