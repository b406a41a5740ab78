"""Printing conditions: the canonical source text of a syntax tree.

The inverse of :func:`tierlib._expr.parse`, with the parser's binding powers deciding where
parentheses are needed.
"""

from __future__ import annotations

from fractions import Fraction

from tierlib._ast import Arith, Bool, BoolOp, Compare, Expr, In, Neg, Not, Num, Ref, Str
from tierlib._expr import AND, ATOM, CMP, NEG, NOT, OR, SUM, TERM

__all__ = ["to_text"]


def to_text(node: Expr, written: bool = False) -> str:
    """Canonical source text for ``node``; ``parse(to_text(n)) == n`` for every parsed ``n``.

    Parentheses only where needed, English keywords, double-quoted strings, numbers as exact
    decimals (``0.9``) or, when the decimal expansion does not terminate, as ``(1 / 3)`` (which
    parses back as a division, not as one number). With ``written``, numbers read from a rule
    file keep their spelling there (``13%``, not ``0.13``): for people, not for hashing.
    """
    if isinstance(node, Num):
        return node.written if written and node.written else _number_text(node.value)
    if isinstance(node, Str):
        return _quote(node.value)
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Ref):
        return node.name
    if isinstance(node, Neg):
        inner = _wrap(node.operand, NEG, written)
        return "- " + inner if inner.startswith("-") else "-" + inner
    if isinstance(node, Not):
        return "not " + _wrap(node.operand, NOT, written)
    if isinstance(node, Arith):
        prec = SUM if node.op in "+-" else TERM
        return f"{_wrap(node.left, prec, written)} {node.op} {_wrap(node.right, prec + 1, written)}"
    if isinstance(node, Compare):
        return f"{_wrap(node.left, SUM, written)} {node.op} {_wrap(node.right, SUM, written)}"
    if isinstance(node, In):
        options = ", ".join(to_text(o, written) for o in node.options)
        return f"{_wrap(node.item, SUM, written)} {'not in' if node.negated else 'in'} [{options}]"
    if not node.operands:
        return "true" if node.op == "and" else "false"
    prec = AND if node.op == "and" else OR
    return f" {node.op} ".join(_wrap(o, prec + 1, written) for o in node.operands)


def _precedence(node: Expr) -> int:
    if isinstance(node, Num):
        return NEG if node.value < 0 else ATOM
    if isinstance(node, Neg):
        return NEG
    if isinstance(node, Not):
        return NOT
    if isinstance(node, Arith):
        return SUM if node.op in "+-" else TERM
    if isinstance(node, Compare | In):
        return CMP
    if isinstance(node, BoolOp):
        return AND if node.op == "and" else OR
    return ATOM


def _wrap(node: Expr, prec: int, written: bool = False) -> str:
    text = to_text(node, written)
    return f"({text})" if _precedence(node) < prec else text


def _number_text(value: Fraction) -> str:
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return f"({value.numerator} / {value.denominator})"
    places = max(twos, fives)
    digits = str(abs(value.numerator) * 10**places // value.denominator).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return sign + (f"{digits[:-places]}.{digits[-places:]}" if places else digits)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'
