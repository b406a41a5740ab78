"""Type checking conditions: every name known, every operand of the right kind.

A condition's names are declared up front with their kinds, so type errors surface when a rule
set is checked, not when it is evaluated.

Error codes: E310 unknown name; E311 type mismatch; E312 wrong result kind; E313 division by
a literal zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeAlias

from tierlib._ast import Arith, Bool, Compare, Expr, In, Neg, Not, Num, Ref, Str
from tierlib._unparse import to_text
from tierlib.errors import Problem, did_you_mean

Kind: TypeAlias = Literal["number", "boolean", "string"]

__all__ = ["Kind", "typecheck"]


def typecheck(
    node: Expr, symbols: Mapping[str, Kind], want: Kind | None = "boolean"
) -> list[Problem]:
    """Every type problem in ``node``, in source order; empty when it is well typed.

    ``symbols`` maps each known reference (``Ref.name``, e.g. ``"points.income"``) to its
    kind. ``want`` is the kind the whole expression must have (None: any). Codes: E310
    unknown name, E311 operand of the wrong kind, E312 result of the wrong kind, E313
    division by a literal zero.
    """
    problems: list[Problem] = []
    kind = _Checker(symbols, problems).kind(node)
    if want is not None and kind is not None and kind != want:
        hint = "compare it, e.g. 'score >= 60'" if want == "boolean" else None
        problems.append(
            Problem("E312", f"expected a {want} expression, got a {kind}", node.loc, hint)
        )
    return problems


class _Checker:
    def __init__(self, symbols: Mapping[str, Kind], problems: list[Problem]) -> None:
        self.symbols = symbols
        self.problems = problems

    def kind(self, node: Expr) -> Kind | None:
        """The kind of ``node``'s value (None when unknown because of a reported problem)."""
        if isinstance(node, Num):
            return "number"
        if isinstance(node, Str):
            return "string"
        if isinstance(node, Bool):
            return "boolean"
        if isinstance(node, Ref):
            return self._ref(node)
        if isinstance(node, Neg):
            self.need(node.operand, "number", "'-' needs a number")
            return "number"
        if isinstance(node, Not):
            self.need(node.operand, "boolean", "'not' needs a boolean")
            return "boolean"
        if isinstance(node, Arith):
            self.need(node.left, "number", f"{node.op!r} needs numbers")
            self.need(node.right, "number", f"{node.op!r} needs numbers")
            if node.op == "/" and _is_zero(node.right):
                self.problems.append(Problem("E313", "division by zero", node.right.loc))
            return "number"
        if isinstance(node, Compare):
            if node.op in ("==", "!="):
                left, right = self.kind(node.left), self.kind(node.right)
                if left and right and left != right:
                    message = f"{node.op!r} compares a {left} with {_show(right, node.right)}"
                    self.problems.append(Problem("E311", message, node.right.loc))
            else:
                self.need(node.left, "number", f"{node.op!r} needs numbers")
                self.need(node.right, "number", f"{node.op!r} needs numbers")
            return "boolean"
        if isinstance(node, In):
            item = self.kind(node.item)
            for option in node.options:
                got = self.kind(option)
                if item and got != item:
                    message = f"'in' list for a {item} holds {_show(got, option)}"
                    self.problems.append(Problem("E311", message, option.loc))
            return "boolean"
        for operand in node.operands:
            self.need(operand, "boolean", f"{node.op!r} needs booleans")
        return "boolean"

    def need(self, node: Expr, want: Kind, message: str) -> None:
        got = self.kind(node)
        if got is not None and got != want:
            self.problems.append(Problem("E311", f"{message}, got {_show(got, node)}", node.loc))

    def _ref(self, node: Ref) -> Kind | None:
        kind = self.symbols.get(node.name)
        if kind is None:
            hint = did_you_mean(node.name, self.symbols)
            if hint is None and node.name.lower() in ("and", "or", "not", "in", "true", "false"):
                hint = f"keywords are lower case: {node.name.lower()!r}"
            elif hint is None and any(k in node.name for k in "且或非"):
                hint = "put spaces around 且, 或 and 非 when they are meant as keywords"
            self.problems.append(Problem("E310", f"unknown name {node.name!r}", node.loc, hint))
        return kind


def _show(kind: Kind | None, node: Expr) -> str:
    text = node.value if isinstance(node, Str) else to_text(node, written=True)
    if len(text) > 40:
        text = text[:39] + "…"
    return f"{kind} {text!r}"


def _is_zero(node: Expr) -> bool:
    while isinstance(node, Neg):
        node = node.operand
    return isinstance(node, Num) and node.value == 0
