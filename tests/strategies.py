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
