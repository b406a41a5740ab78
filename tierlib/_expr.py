"""tierlib's condition language and its parser: text to a located syntax tree.

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

The rest of the language lives next door: :mod:`tierlib._unparse` prints a tree back as text,
:mod:`tierlib._typecheck` checks it against the kinds of the names it uses and
:mod:`tierlib._evaluate` computes its value.

Error codes: E301 syntax error; E302 bad string literal (unterminated, unknown escape); E303 bad
number; E304 chained comparison; E305 empty expression; E306 expression too long (over
:data:`MAX_LENGTH` characters) or too deep (over :data:`MAX_DEPTH` levels of nodes or
parentheses).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from fractions import Fraction
from typing import Literal, NamedTuple, cast, get_args

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
from tierlib.errors import Location, Problem, RuleSetError

MAX_LENGTH = 2000
MAX_DEPTH = 100

__all__ = [
    "AND",
    "ATOM",
    "CMP",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "NEG",
    "NOT",
    "OR",
    "SUM",
    "TERM",
    "ExprError",
    "parse",
    "percent_locations",
]


class ExprError(RuleSetError):
    """A condition does not parse; holds exactly one :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__([problem])
        self.problem = problem


# Binding powers, which the printer (tierlib._unparse) shares; "(" is 0 so that no operator
# ever reduces past it.
OR, AND, NOT, CMP, SUM, TERM, NEG, ATOM = 1, 2, 3, 4, 5, 6, 7, 8
_BINARY = {"or": OR, "and": AND, "+": SUM, "-": SUM, "*": TERM, "/": TERM}
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
    where = _locator(text, start)
    try:
        if len(text) > MAX_LENGTH:
            raise ParseFailure(
                "E306", f"expression is too long ({len(text)} characters, at most {MAX_LENGTH})", 0
            )
        return _Parser(tokenize(text), where).run()
    except ParseFailure as e:
        raise ExprError(Problem(e.code, e.message, where(e.pos), e.suggestion)) from None


def _locator(text: str, start: Location) -> Callable[[int], Location]:
    """The location of each character offset of ``text``, which starts at ``start``."""
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def where(pos: int) -> Location:
        k = bisect.bisect_left(newlines, pos)
        if k == 0 or start.line <= 0:
            return start.shifted(pos)
        return Location(start.file, start.line + k, pos - newlines[k - 1])

    return where


def percent_locations(text: str, start: Location) -> frozenset[Location]:
    """Where the numbers written with ``%`` (``60%``, ``60％``) start in the condition ``text``.

    A percentage is read as its value (``60%`` is 3/5), so the tree does not tell it from
    ``0.6``; the checks that a percentage is wrong for (a score in points) ask here. Each is
    the ``loc`` :func:`parse` gives the number (an ``in`` list's ``-60%`` starts at its sign).
    A text that does not tokenize has none.
    """
    where = _locator(text, start)
    try:
        tokens = tokenize(text)
    except ParseFailure:
        return frozenset()
    out = set()
    for k, tok in enumerate(tokens):
        if tok.kind == "num" and tok.raw.endswith(("%", "％")):
            out.add(where(tok.pos))
            if k and tokens[k - 1].kind == "op" and tokens[k - 1].text == "-":
                out.add(where(tokens[k - 1].pos))
    return frozenset(out)


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
            self.ops.append(_Op("neg", NEG, tok.pos))
        elif tok.text == "not" and tok.kind in ("kw", "op"):
            if top > NOT:
                raise _expected("a value", tok, "put parentheses around 'not …'")
            self.ops.append(_Op("not", NOT, tok.pos))
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
            return Num(tok.value, loc, tok.raw)
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
            self.ops.append(_Op("cmp", CMP, tok.pos, tok.text))
            return True
        if tok.text in _BINARY and tok.kind in ("kw", "op"):
            prec = _BINARY[tok.text]
            if prec in (OR, AND):
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
        self._reduce_to(CMP + 1)
        if self.ops and self.ops[-1].prec == CMP:
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
        self.ops.append(_Op("in", CMP, tok.pos, "not in" if negated else "in", 1, tuple(items)))

    def _literal(self) -> Num | Str | Bool:
        tok = self.toks[self.i]
        sign = tok.pos
        minus = tok.kind == "op" and tok.text == "-"
        if minus:
            self.i += 1
            tok = self.toks[self.i]
        self.i += 1
        if tok.kind == "num" and isinstance(tok.value, Fraction):
            written = "-" + tok.raw if minus else tok.raw
            return Num(-tok.value if minus else tok.value, self.where(sign), written)
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
