"""Evaluating conditions: the exact value of a syntax tree given the values of its names."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TypeAlias

from tierlib._ast import Arith, Bool, Compare, Expr, In, Neg, Not, Num, Ref, Str

Value: TypeAlias = Fraction | bool | str

__all__ = ["MissingValue", "Value", "evaluate"]


class MissingValue(LookupError):
    """``evaluate`` met a reference that the environment has no value for."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no value for {self.name!r}"


def evaluate(node: Expr, env: Mapping[str, Value]) -> Value:
    """The exact value of ``node`` given each reference's value in ``env`` (by ``Ref.name``).

    Raises :class:`MissingValue` for a reference ``env`` lacks, ``ZeroDivisionError`` for a
    division by zero and ``TypeError`` for operands of the wrong kind (which
    :func:`tierlib._typecheck.typecheck` reports beforehand). ``and``/``or`` stop at the first
    deciding operand, so later operands are neither evaluated nor looked up. Numbers and
    booleans never compare equal (``true == 1`` is false).
    """
    if isinstance(node, Num | Str | Bool):
        return node.value
    if isinstance(node, Ref):
        try:
            value = env[node.name]
        except KeyError:
            raise MissingValue(node.name) from None
        return Fraction(value) if type(value) is int else value
    if isinstance(node, Neg):
        return -_number(evaluate(node.operand, env), "-")
    if isinstance(node, Not):
        return not _boolean(evaluate(node.operand, env), "not")
    if isinstance(node, Arith):
        left = _number(evaluate(node.left, env), node.op)
        right = _number(evaluate(node.right, env), node.op)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        return left * right if node.op == "*" else left / right
    if isinstance(node, Compare):
        a, b = evaluate(node.left, env), evaluate(node.right, env)
        if node.op in ("==", "!="):
            return _equal(a, b) == (node.op == "==")
        x, y = _number(a, node.op), _number(b, node.op)
        if node.op == "<":
            return x < y
        if node.op == "<=":
            return x <= y
        return x > y if node.op == ">" else x >= y
    if isinstance(node, In):
        item = evaluate(node.item, env)
        return any(_equal(item, o.value) for o in node.options) != node.negated
    decided = node.op == "or"  # the operand value that decides the result
    for operand in node.operands:
        if _boolean(evaluate(operand, env), node.op) == decided:
            return decided
    return not decided


def _kind(value: Value) -> str:
    return "boolean" if isinstance(value, bool) else type(value).__name__


def _number(value: Value, op: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Fraction | int):
        raise TypeError(f"{op!r} needs numbers, got {_kind(value)} {value!r}")
    return Fraction(value)


def _boolean(value: Value, op: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{op!r} needs booleans, got {_kind(value)} {value!r}")
    return value


def _equal(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return a == b
