"""The tokenizer of tierlib's condition language (see :mod:`tierlib._expr`).

One left-to-right pass over the text, never backtracking, so it is linear in the text's
length. Errors are raised as :class:`ParseFailure`, which carries a character offset;
:func:`tierlib._expr.parse` turns it into a located :class:`tierlib._expr.ExprError`.
"""

from __future__ import annotations

import unicodedata
from fractions import Fraction
from typing import Literal, TypeAlias

import attrs

TokenKind: TypeAlias = Literal["num", "str", "name", "kw", "op", "end"]

#: Words that can never be names. The Chinese ones are keywords only as whole words, so a fact
#: called ``非公有制企业数`` is still a name; write ``非 x``, not ``非x``.
KEYWORDS: dict[str, str] = {
    "and": "and",
    "且": "and",
    "or": "or",
    "或": "or",
    "not": "not",
    "非": "not",
    "in": "in",
    "true": "true",
    "false": "false",
}

# Longest spellings first: "<=" must win over "<".
_OPERATORS: tuple[tuple[str, str], ...] = (
    ("<=", "<="),
    (">=", ">="),
    ("==", "=="),
    ("!=", "!="),
    ("&&", "and"),
    ("||", "or"),
    ("≤", "<="),
    ("≥", ">="),
    ("≠", "!="),
    ("<", "<"),
    (">", ">"),
    ("!", "not"),
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("/", "/"),
    ("(", "("),
    (")", ")"),
    ("[", "["),
    ("]", "]"),
    (",", ","),
    (".", "."),
    ("（", "("),
    ("）", ")"),
    ("，", ","),
)
_CLOSING_QUOTE = {'"': '"', "'": "'", "“": "”", "‘": "’"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"} | {q: q for q in "\"'“”‘’"}
_PERCENT = "%％"
_HINTS = {
    "=": "use '==' to compare",
    "&": "use '&&' or 'and'",
    "|": "use '||' or 'or'",
}


class ParseFailure(Exception):
    """A syntax error at character offset ``pos`` (internal: ``parse`` adds the location)."""

    def __init__(self, code: str, message: str, pos: int, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.pos = pos
        self.suggestion = suggestion


@attrs.frozen
class Token:
    """One token: ``text`` is the canonical spelling (``"and"`` for ``&&`` and ``且``)."""

    kind: TokenKind
    text: str
    pos: int
    raw: str
    value: Fraction | str | None = None

    def describe(self) -> str:
        """The token as an error message names it, e.g. ``name 'abc'``."""
        if self.kind == "end":
            return "end of text"
        if self.kind == "num":
            return f"number {self.raw!r}"
        if self.kind == "str":
            return f"string {self.raw}"
        if self.kind == "name":
            return f"name {self.raw!r}"
        if self.kind == "kw":
            return f"keyword {self.raw!r}"
        return repr(self.raw)


def _is_start(ch: str) -> bool:
    return ch.isidentifier()


def _is_continue(ch: str) -> bool:
    return ("a" + ch).isidentifier()


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with one ``end`` token; raise :class:`ParseFailure`."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif "0" <= ch <= "9" or (
            ch == "." and text[i + 1 : i + 2].isdigit() and not _after_name(tokens, i)
        ):
            tokens.append(tok := _number(text, i))
            i += len(tok.raw)
        elif ch in _CLOSING_QUOTE:
            tokens.append(tok := _string(text, i))
            i += len(tok.raw)
        elif _is_start(ch):
            j = i + 1
            while j < n and _is_continue(text[j]):
                j += 1
            word = text[i:j]
            kind: TokenKind = "kw" if word in KEYWORDS else "name"
            tokens.append(Token(kind, KEYWORDS.get(word, word), i, word))
            i = j
        else:
            for spelling, canonical in _OPERATORS:
                if text.startswith(spelling, i):
                    tokens.append(Token("op", canonical, i, spelling))
                    i += len(spelling)
                    break
            else:
                raise _unexpected(ch, i)
    tokens.append(Token("end", "", n, ""))
    return tokens


def _after_name(tokens: list[Token], pos: int) -> bool:
    """Whether a ``.`` at ``pos`` directly follows a name (``points.5`` is a bad path)."""
    return (
        bool(tokens) and tokens[-1].kind == "name" and tokens[-1].pos + len(tokens[-1].raw) == pos
    )


def _number(text: str, i: int) -> Token:
    n = len(text)
    j = i
    while j < n and text[j].isascii() and text[j].isdigit():
        j += 1
    if j < n and text[j] == ".":
        j += 1
        k = j
        while j < n and text[j].isascii() and text[j].isdigit():
            j += 1
        if k == j:
            raise _bad_number(text, i, "a digit must follow the decimal point")
    if i < n and text[i] == ".":
        raise _bad_number(text, i, f"write '0{text[i:j]}'")
    if j < n and (text[j] == "." or _is_ascii_word(text[j])):
        raise _bad_number(text, i, "a number is digits with at most one decimal point")
    value = Fraction(text[i:j])
    if j < n and text[j] in _PERCENT:
        value /= 100
        j += 1
    return Token("num", "num", i, text[i:j], value)


def _bad_number(text: str, i: int, why: str) -> ParseFailure:
    j = i
    while j < len(text) and (text[j] == "." or _is_ascii_word(text[j])):
        j += 1
    return ParseFailure("E303", f"bad number {text[i:j]!r}: {why}", i)


def _string(text: str, i: int) -> Token:
    close = _CLOSING_QUOTE[text[i]]
    out: list[str] = []
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == close:
            return Token("str", "str", i, text[i : j + 1], "".join(out))
        if ch == "\\":
            nxt = text[j + 1 : j + 2]
            if not nxt:
                break
            if nxt not in _ESCAPES:
                raise ParseFailure(
                    "E302",
                    f"unknown escape '\\{nxt}' in string",
                    j,
                    "write '\\\\' for a backslash",
                )
            out.append(_ESCAPES[nxt])
            j += 2
        else:
            out.append(ch)
            j += 1
    raise ParseFailure(
        "E302", f"unterminated string: no closing {close!r} before the end of the expression", i
    )


def _unexpected(ch: str, i: int) -> ParseFailure:
    hint = _HINTS.get(ch)
    wide = unicodedata.normalize("NFKC", ch)
    if hint is None and wide != ch and wide.isascii() and wide.isprintable():
        hint = f"full-width character; did you mean {wide!r}?"
    if ch in _PERCENT:
        hint = "'%' must directly follow a number, as in '90%'"
    return ParseFailure("E301", f"unexpected character {ch!r}", i, hint)
