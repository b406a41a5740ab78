"""Hypothesis strategies shared by tierlib's tests."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import get_args

from hypothesis import strategies as st

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
)
from tierlib._expr import MAX_DEPTH, MAX_LENGTH, Kind, to_text
from tierlib._lexer import KEYWORDS
from tierlib.errors import Location

# ---------------------------------------------------------------- condition expressions

_GENERATED = Location("<hypothesis>")
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


# --- organization facts for a given rule set (engine and columnar tests) -----------------------


def fact_values(spec, constants=()):
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


def organization_facts(ruleset, missing=True):
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
    constants = sorted(constants)
    parts = {}
    for name, spec in ruleset.facts.items():
        value = fact_values(spec, constants)
        parts[name] = st.one_of(st.none(), value) if missing else value
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})
