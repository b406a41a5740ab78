"""The AST of tierlib's condition language.

Every node carries the 1-based location of its first character in the rule file. Numbers are
exact (:class:`fractions.Fraction`); nothing here is ever passed to ``eval``.

References are dotted paths: ``score``; ``dimension.<id>``; ``points.<indicator id>``;
``<fact>``. ``Ref.path`` holds the parts, e.g. ``("points", "income")``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal, TypeAlias

import attrs

from tierlib.errors import Location

ArithOp: TypeAlias = Literal["+", "-", "*", "/"]
CompareOp: TypeAlias = Literal["<", "<=", ">", ">=", "==", "!="]


@attrs.frozen
class Num:
    value: Fraction
    loc: Location = attrs.field(eq=False)
    # the literal as the rule file spells it (``13%``, ``0.50``); "" when built, not parsed
    written: str = attrs.field(default="", eq=False)


@attrs.frozen
class Str:
    value: str
    loc: Location = attrs.field(eq=False)


@attrs.frozen
class Bool:
    value: bool
    loc: Location = attrs.field(eq=False)


@attrs.frozen
class Ref:
    path: tuple[str, ...]
    loc: Location = attrs.field(eq=False)

    @property
    def name(self) -> str:
        return ".".join(self.path)


@attrs.frozen
class Neg:
    """Arithmetic negation ``-x``."""

    operand: Expr
    loc: Location = attrs.field(eq=False)


@attrs.frozen
class Not:
    operand: Expr
    loc: Location = attrs.field(eq=False)


@attrs.frozen
class Arith:
    op: ArithOp
    left: Expr
    right: Expr
    loc: Location = attrs.field(eq=False)


@attrs.frozen
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    loc: Location = attrs.field(eq=False)


@attrs.frozen
class In:
    """``item in [a, b, …]`` (``negated`` for ``not in``); the list holds literals only."""

    item: Expr
    options: tuple[Num | Str | Bool, ...]
    negated: bool
    loc: Location = attrs.field(eq=False)


@attrs.frozen
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Expr, ...]
    loc: Location = attrs.field(eq=False)


Expr: TypeAlias = Num | Str | Bool | Ref | Neg | Not | Arith | Compare | In | BoolOp


def refs(node: Expr) -> list[Ref]:
    """Every reference in ``node``, in source order."""
    out: list[Ref] = []
    stack: list[Expr] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Ref):
            out.append(n)
        elif isinstance(n, Neg | Not):
            stack.append(n.operand)
        elif isinstance(n, Arith | Compare):
            stack.extend((n.right, n.left))
        elif isinstance(n, In):
            stack.append(n.item)
        elif isinstance(n, BoolOp):
            stack.extend(reversed(n.operands))
    return out


def nodes(node: Expr) -> list[Expr]:
    """Every node of ``node``'s tree, pre-order."""
    out: list[Expr] = []
    stack: list[Expr] = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, Neg | Not):
            stack.append(n.operand)
        elif isinstance(n, Arith | Compare):
            stack.extend((n.right, n.left))
        elif isinstance(n, In):
            stack.extend(reversed(n.options))
            stack.append(n.item)
        elif isinstance(n, BoolOp):
            stack.extend(reversed(n.operands))
    return out
