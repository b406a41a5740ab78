"""tierlib's condition language: parse, print, type-check and evaluate conditions.

A small, safe language (nothing is ever passed to ``eval``) for YAML rule files::

    secretary_vacant_months > 3
    not team_complete and satisfaction < 90%
    org_type in ["village", "community"]
    非 班子完整 且 (a >= 1 或 b == "是")

Precedence, lowest first: ``or`` (``或``, ``||``); ``and`` (``且``, ``&&``); prefix ``not``
(``非``, ``!``); comparisons (``< <= > >= == !=``, ``≤ ≥ ≠``; never chained) and
``in [...]`` / ``not in [...]``; ``+ -``; ``* /``; prefix ``-``. Numbers are exact fractions
(``90%`` is 9/10); strings take ``"…"``, ``'…'``, ``“…”`` or ``‘…’`` with backslash escapes
(``\\\\ \\" \\' \\n \\t \\r`` and the Chinese quotes). Whitespace includes the full-width space.

Error codes: E301 syntax error; E302 bad string literal (unterminated, unknown escape); E303 bad
number; E304 chained comparison; E305 empty expression; E306 expression too long (over
:data:`MAX_LENGTH` characters) or too deep (over :data:`MAX_DEPTH` levels of nodes or
parentheses); E310 unknown name; E311 type mismatch; E312 wrong result kind; E313 division by
a literal zero.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Literal, NamedTuple, TypeAlias, cast, get_args

import attrs

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
from tierlib._lexer import ParseFailure, Token, tokenize
from tierlib.errors import Location, Problem, RuleSetError, did_you_mean

Kind: TypeAlias = Literal["number", "boolean", "string"]
Value: TypeAlias = Fraction | bool | str

MAX_LENGTH = 2000
MAX_DEPTH = 100

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExprError",
    "Kind",
    "MissingValue",
    "Value",
    "evaluate",
    "parse",
    "to_text",
    "typecheck",
]


class ExprError(RuleSetError):
    """A condition does not parse; holds exactly one :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__([problem])
        self.problem = problem


class MissingValue(LookupError):
    """``evaluate`` met a reference that the environment has no value for."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"no value for {self.name!r}"


# ---------------------------------------------------------------- parsing

# Binding powers; "(" is 0 so that no operator ever reduces past it.
_OR, _AND, _NOT, _CMP, _SUM, _TERM, _NEG, _ATOM = 1, 2, 3, 4, 5, 6, 7, 8
_BINARY = {"or": _OR, "and": _AND, "+": _SUM, "-": _SUM, "*": _TERM, "/": _TERM}
_COMPARE = frozenset(get_args(CompareOp))


@attrs.define
class _Op:
    """A pending operator on the parser's stack."""

    kind: Literal["(", "not", "neg", "bool", "arith", "cmp", "in"]
    prec: int
    pos: int
    op: str = ""
    nargs: int = 2
    options: tuple[Num | Str | Bool, ...] = ()


class _Val(NamedTuple):
    node: Expr
    depth: int
    start: int  # offset of the first character, parentheses included


def parse(text: str, start: Location) -> Expr:
    """Parse ``text`` into an :data:`~tierlib._ast.Expr`; raise :class:`ExprError` if invalid.

    ``start`` is the location of the text's first character. A node's ``loc`` is the location
    of its first character (a parenthesized operand starts at its ``(``): same line, column
    ``start.col + offset``. After a newline (YAML block scalars) the line grows and the column
    restarts at 1; YAML has stripped the block's indentation, so such columns are approximate.
    """
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def where(pos: int) -> Location:
        k = bisect.bisect_left(newlines, pos)
        if k == 0 or start.line <= 0:
            return start.shifted(pos)
        return Location(start.file, start.line + k, pos - newlines[k - 1])

    try:
        if len(text) > MAX_LENGTH:
            raise ParseFailure(
                "E306", f"expression is too long ({len(text)} characters, at most {MAX_LENGTH})", 0
            )
        return _Parser(tokenize(text), where).run()
    except ParseFailure as e:
        raise ExprError(Problem(e.code, e.message, where(e.pos), e.suggestion)) from None


class _Parser:
    """Operator-precedence parsing with explicit stacks, so deep input cannot overflow."""

    def __init__(self, tokens: list[Token], where: Callable[[int], Location]) -> None:
        self.toks = tokens
        self.i = 0
        self.where = where
        self.ops: list[_Op] = []
        self.vals: list[_Val] = []
        self.parens = 0

    def run(self) -> Expr:
        if self.toks[0].kind == "end":
            raise ParseFailure("E305", "empty expression", 0)
        want_value = True
        while True:
            tok = self.toks[self.i]
            self.i += 1
            if want_value:
                want_value = self._operand(tok)
            elif tok.kind == "end":
                self._reduce_to(0)
                if self.ops:  # only "(" can be left
                    raise ParseFailure(
                        "E301", "'(' is never closed: expected ')' before the end", self.ops[-1].pos
                    )
                return self.vals[-1].node
            else:
                want_value = self._operator(tok)

    def _operand(self, tok: Token) -> bool:
        """Handle ``tok`` where a value must start; return whether one is still wanted."""
        top = self.ops[-1].prec if self.ops else 0
        if tok.text == "-" and tok.kind == "op":
            self.ops.append(_Op("neg", _NEG, tok.pos))
        elif tok.text == "not" and tok.kind in ("kw", "op"):
            if top > _NOT:
                raise _expected("a value", tok, "put parentheses around 'not …'")
            self.ops.append(_Op("not", _NOT, tok.pos))
        elif tok.text == "(" and tok.kind == "op":
            self.parens += 1
            if self.parens > MAX_DEPTH:
                raise _too_deep(tok.pos)
            self.ops.append(_Op("(", 0, tok.pos))
        else:
            self.vals.append(_Val(self._atom(tok), 1, tok.pos))
            return False
        return True

    def _atom(self, tok: Token) -> Expr:
        loc = self.where(tok.pos)
        if tok.kind == "num" and isinstance(tok.value, Fraction):
            return Num(tok.value, loc)
        if tok.kind == "str" and isinstance(tok.value, str):
            return Str(tok.value, loc)
        if tok.kind == "kw" and tok.text in ("true", "false"):
            return Bool(tok.text == "true", loc)
        if tok.kind == "name":
            path = [tok.text]
            while self.toks[self.i].text == "." and self.toks[self.i].kind == "op":
                part = self.toks[self.i + 1]
                if part.kind != "name":
                    raise _expected("a name after '.'", part)
                path.append(part.text)
                self.i += 2
            return Ref(tuple(path), loc)
        raise _expected("a value (a number, string, name, 'not', '-' or '(')", tok)

    def _operator(self, tok: Token) -> bool:
        """Handle ``tok`` where an operator (or ``)``) must come; return whether a value is next."""
        if tok.kind == "kw" and tok.text == "not" and self.toks[self.i].text == "in":
            self.i += 1
            self._compare_level(tok)
            self._in_list(tok, negated=True)
            return False
        if tok.kind == "kw" and tok.text == "in":
            self._compare_level(tok)
            self._in_list(tok, negated=False)
            return False
        if tok.text in _COMPARE and tok.kind == "op":
            self._compare_level(tok)
            self.ops.append(_Op("cmp", _CMP, tok.pos, tok.text))
            return True
        if tok.text in _BINARY and tok.kind in ("kw", "op"):
            prec = _BINARY[tok.text]
            if prec in (_OR, _AND):
                self._reduce_to(prec + 1)
                if self.ops and self.ops[-1].kind == "bool" and self.ops[-1].op == tok.text:
                    self.ops[-1].nargs += 1
                else:
                    self.ops.append(_Op("bool", prec, tok.pos, tok.text))
            else:
                self._reduce_to(prec)
                self.ops.append(_Op("arith", prec, tok.pos, tok.text))
            return True
        if tok.text == ")" and tok.kind == "op":
            self._reduce_to(1)
            if not self.ops:
                raise _expected("an operator or the end", tok, "this ')' has no matching '('")
            opening = self.ops.pop()
            self.parens -= 1
            node, depth, _ = self.vals.pop()
            self.vals.append(_Val(node, depth, opening.pos))
            return False
        what = "an operator or ')'" if self.parens else "an operator or the end"
        hint = None
        if tok.kind == "name" and tok.text[0] in "且或非":
            hint = f"put a space after {tok.text[0]!r}"
        raise _expected(what, tok, hint)

    def _compare_level(self, tok: Token) -> None:
        self._reduce_to(_CMP + 1)
        if self.ops and self.ops[-1].prec == _CMP:
            raise ParseFailure(
                "E304",
                f"comparisons cannot be chained: {tok.raw!r} follows another comparison",
                tok.pos,
                "write 'a < b and b < c' instead of 'a < b < c'",
            )

    def _in_list(self, tok: Token, negated: bool) -> None:
        if self.toks[self.i].text != "[":
            raise _expected(f"'[' after {tok.raw!r}", self.toks[self.i])
        self.i += 1
        items: list[Num | Str | Bool] = []
        while self.toks[self.i].text != "]" or self.toks[self.i].kind != "op":
            if items:
                if self.toks[self.i].text != ",":
                    raise _expected("',' or ']' in the list", self.toks[self.i])
                self.i += 1
                if self.toks[self.i].text == "]":
                    break
            items.append(self._literal())
        self.i += 1
        self.ops.append(_Op("in", _CMP, tok.pos, "not in" if negated else "in", 1, tuple(items)))

    def _literal(self) -> Num | Str | Bool:
        tok = self.toks[self.i]
        sign = tok.pos
        minus = tok.kind == "op" and tok.text == "-"
        if minus:
            self.i += 1
            tok = self.toks[self.i]
        self.i += 1
        if tok.kind == "num" and isinstance(tok.value, Fraction):
            return Num(-tok.value if minus else tok.value, self.where(sign))
        if not minus and tok.kind == "str" and isinstance(tok.value, str):
            return Str(tok.value, self.where(sign))
        if not minus and tok.kind == "kw" and tok.text in ("true", "false"):
            return Bool(tok.text == "true", self.where(sign))
        what = "a number" if minus else "a number, string, true or false (list items are literals)"
        raise _expected(what, tok)

    def _reduce_to(self, prec: int) -> None:
        """Apply pending operators that bind at least as tightly as ``prec``."""
        while self.ops and self.ops[-1].prec >= prec and self.ops[-1].kind != "(":
            self._reduce()

    def _reduce(self) -> None:
        op = self.ops.pop()
        n = 1 if op.kind in ("not", "neg", "in") else op.nargs
        args = self.vals[len(self.vals) - n :]
        del self.vals[len(self.vals) - n :]
        first = args[0]
        start = op.pos if op.kind in ("not", "neg") else first.start
        loc = self.where(start)
        node: Expr
        if op.kind == "not":
            node = Not(first.node, loc)
        elif op.kind == "neg":
            node = Neg(first.node, loc)
        elif op.kind == "in":
            node = In(first.node, op.options, op.op == "not in", loc)
        elif op.kind == "bool":
            node = BoolOp("and" if op.op == "and" else "or", tuple(a.node for a in args), loc)
        elif op.kind == "cmp":
            node = Compare(cast(CompareOp, op.op), first.node, args[1].node, loc)
        else:
            node = Arith(cast(ArithOp, op.op), first.node, args[1].node, loc)
        depth = 1 + max(a.depth for a in args)
        if depth > MAX_DEPTH:
            raise _too_deep(op.pos)
        self.vals.append(_Val(node, depth, start))


def _expected(what: str, tok: Token, hint: str | None = None) -> ParseFailure:
    return ParseFailure("E301", f"expected {what}, found {tok.describe()}", tok.pos, hint)


def _too_deep(pos: int) -> ParseFailure:
    return ParseFailure(
        "E306", f"expression is nested too deeply (more than {MAX_DEPTH} levels)", pos
    )


# ---------------------------------------------------------------- printing


def to_text(node: Expr) -> str:
    """Canonical source text for ``node``; ``parse(to_text(n)) == n`` for every parsed ``n``.

    Parentheses only where needed, English keywords, double-quoted strings, numbers as exact
    decimals (``0.9``) or, when the decimal expansion does not terminate, as ``(1 / 3)`` (which
    parses back as a division, not as one number).
    """
    if isinstance(node, Num):
        return _number_text(node.value)
    if isinstance(node, Str):
        return _quote(node.value)
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Ref):
        return node.name
    if isinstance(node, Neg):
        inner = _wrap(node.operand, _NEG)
        return "- " + inner if inner.startswith("-") else "-" + inner
    if isinstance(node, Not):
        return "not " + _wrap(node.operand, _NOT)
    if isinstance(node, Arith):
        prec = _SUM if node.op in "+-" else _TERM
        return f"{_wrap(node.left, prec)} {node.op} {_wrap(node.right, prec + 1)}"
    if isinstance(node, Compare):
        return f"{_wrap(node.left, _SUM)} {node.op} {_wrap(node.right, _SUM)}"
    if isinstance(node, In):
        options = ", ".join(to_text(o) for o in node.options)
        return f"{_wrap(node.item, _SUM)} {'not in' if node.negated else 'in'} [{options}]"
    if not node.operands:
        return "true" if node.op == "and" else "false"
    prec = _AND if node.op == "and" else _OR
    return f" {node.op} ".join(_wrap(o, prec + 1) for o in node.operands)


def _precedence(node: Expr) -> int:
    if isinstance(node, Num):
        return _NEG if node.value < 0 else _ATOM
    if isinstance(node, Neg):
        return _NEG
    if isinstance(node, Not):
        return _NOT
    if isinstance(node, Arith):
        return _SUM if node.op in "+-" else _TERM
    if isinstance(node, Compare | In):
        return _CMP
    if isinstance(node, BoolOp):
        return _AND if node.op == "and" else _OR
    return _ATOM


def _wrap(node: Expr, prec: int) -> str:
    text = to_text(node)
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


# ---------------------------------------------------------------- type checking


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
    text = node.value if isinstance(node, Str) else to_text(node)
    if len(text) > 40:
        text = text[:39] + "…"
    return f"{kind} {text!r}"


def _is_zero(node: Expr) -> bool:
    while isinstance(node, Neg):
        node = node.operand
    return isinstance(node, Num) and node.value == 0


# ---------------------------------------------------------------- evaluation


def evaluate(node: Expr, env: Mapping[str, Value]) -> Value:
    """The exact value of ``node`` given each reference's value in ``env`` (by ``Ref.name``).

    Raises :class:`MissingValue` for a reference ``env`` lacks, ``ZeroDivisionError`` for a
    division by zero and ``TypeError`` for operands of the wrong kind (which
    :func:`typecheck` reports beforehand). ``and``/``or`` stop at the first deciding operand,
    so later operands are neither evaluated nor looked up. Numbers and booleans never
    compare equal (``true == 1`` is false).
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
