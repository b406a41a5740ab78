"""One organization's values for a compiled rule set: checked, then encoded as a durable fact.

:class:`Encoder` is the half of a :class:`~tierlib._durable_json.Plan` that facts need — the
posted fields, the hoisted comparisons, what each rule reads and divides by — with the two
methods :mod:`tierlib._durable` calls on every match: :meth:`Encoder.prepare` and
:meth:`Encoder.fact`. Everything here is pure and exact (and never imports durable):

* A hoisted comparison gets the sign of ``left - right``, computed exactly in Python, posted as
  its derived field.
* A rule that references a missing (or None) value, or divides by zero anywhere for the given
  values, is *undetermined*: never reported as matching.
* Numbers are posted as integers when exact, otherwise as doubles written without an exponent
  (durable_rules rejects ``5e-05`` with error 204). Values durable_rules could not compare
  exactly are refused (F101), as are NaN/infinity (F102) and values of the wrong kind (F103).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import cast

import attrs

from tierlib._ast import Expr, refs
from tierlib._evaluate import Value, evaluate
from tierlib._typecheck import Kind
from tierlib.errors import FactError, Location, Problem

__all__ = [
    "MARKER",
    "Derived",
    "Encoder",
    "Prepared",
    "Value",
    "dumps",
    "exact",
]

MARKER = "tk"  # the field only tierlib's facts carry
MAX_EXACT = 2**53  # integers up to this magnitude are exact doubles
MAX_STRING_BYTES = 65535  # durable_rules truncates string lengths to an unsigned short
_FACTS = Location("<facts>")
_TYPED: dict[Kind, type] = {"number": Fraction, "boolean": bool, "string": str}


def dumps(obj: object) -> str:
    """JSON text durable_rules parses: ASCII only, floats in positional notation."""
    if isinstance(obj, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dumps(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ",".join(dumps(v) for v in obj) + "]"
    if isinstance(obj, bool) or obj is None:
        raise TypeError(f"durable_rules mishandles {obj!r}; post 1/0 instead")
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"durable_rules cannot parse {obj!r}")
        text = repr(obj)
        if "e" in text:  # durable_rules reads 5e-05 or 1e+16 as a syntax error (204)
            text = format(Decimal(text), "f")
        return text if "." in text else text + ".0"
    if isinstance(obj, int | str):
        return json.dumps(obj)
    raise TypeError(f"cannot encode {type(obj).__name__}")


def exact(value: Fraction) -> int | float | None:
    """``value`` as durable_rules will hold it: an exact int, a double, or None when too big."""
    if value.denominator == 1 and abs(value) <= MAX_EXACT:
        return int(value)
    return None if abs(value) > MAX_EXACT else float(value)


@attrs.frozen
class Derived:
    """A hoisted comparison: ``field`` holds the sign of ``left - right`` (-1, 0 or 1)."""

    field: str
    left: Expr
    right: Expr
    names: frozenset[str]


@attrs.frozen
class Prepared:
    """One organization's values, checked and ready to post."""

    present: dict[str, Value]
    signs: dict[str, int]  # derived field -> sign, for those that could be computed
    undetermined: frozenset[str]


@attrs.define
class Encoder:
    """What a plan needs to check and encode facts: the fields it posts and what rules read."""

    token: int
    kinds: Mapping[str, Kind]
    fields: dict[str, str] = attrs.Factory(dict)  # reference name -> posted field
    derived: dict[tuple[Expr, Expr], Derived] = attrs.Factory(dict)
    rule_names: dict[str, frozenset[str]] = attrs.Factory(dict)
    rule_derived: dict[str, frozenset[str]] = attrs.Factory(dict)
    rule_divisors: dict[str, frozenset[Expr]] = attrs.Factory(dict)
    divisors: set[Expr] = attrs.Factory(set)  # every divisor of every rule
    referenced: set[str] = attrs.Factory(set)  # every name any rule references
    # posted field -> double -> the exact literals it is compared with directly
    literals: dict[str, dict[float, set[Fraction]]] = attrs.Factory(dict)
    pairs: set[tuple[str, str]] = attrs.Factory(set)  # numeric names compared directly

    def prepare(self, values: Mapping[str, object]) -> Prepared:
        """Check one organization's values; raises :class:`FactError` listing every problem."""
        problems: list[Problem] = []
        present: dict[str, Value] = {}
        kinds = self.kinds
        for name in self.referenced:
            raw = values.get(name)
            if raw is not None:
                kind = kinds[name]
                if type(raw) is _TYPED[kind]:  # already typed (as Engine.facts gives): no checks
                    present[name] = cast(Value, raw)
                    continue
                value = _checked(name, kind, raw, problems)
                if value is not None:
                    present[name] = value
        for name, field in self.fields.items():
            if name in present:
                self._check_exact(name, field, present[name], problems)
        for a, b in self.pairs:
            x, y = present.get(a), present.get(b)
            if isinstance(x, Fraction) and isinstance(y, Fraction) and _too_close_pair(x, y):
                problems.append(_too_close(a, x, f"{b} = {y}"))
        if problems:
            raise FactError(problems)
        signs: dict[str, int] = {}
        for d in self.derived.values():
            if d.names <= present.keys():
                with contextlib.suppress(ZeroDivisionError):  # see the divisors below
                    signs[d.field] = _sign(evaluate(d.left, present), evaluate(d.right, present))
        # undetermined: a value is missing, or some division in the rule has a zero divisor
        # (wherever it stands: not only where an and/or would evaluate it)
        zero = {e for e in self.divisors if _is_zero_divisor(e, present)}
        if not zero and len(present) == len(self.referenced) and len(signs) == len(self.derived):
            return Prepared(present, signs, frozenset())  # everything read is there
        undetermined = frozenset(
            rule
            for rule, names in self.rule_names.items()
            if not names <= present.keys()
            or self.rule_divisors[rule] & zero
            or not self.rule_derived[rule] <= signs.keys()
        )
        return Prepared(present, signs, undetermined)

    def _check_exact(self, name: str, field: str, value: Value, problems: list[Problem]) -> None:
        if isinstance(value, str):
            if len(json.dumps(value)) - 2 > MAX_STRING_BYTES:
                message = f"{name}: text longer than {MAX_STRING_BYTES} bytes cannot be compared"
                problems.append(Problem("F101", message, _FACTS))
        elif isinstance(value, Fraction):
            if abs(value.numerator) > MAX_EXACT * value.denominator:
                message = f"{name}: {value} is beyond 2**53 and cannot be compared exactly"
                problems.append(Problem("F101", message, _FACTS))
                return
            literals = self.literals.get(field)
            near = literals.get(float(value)) if literals else None
            clash = sorted(x for x in near if x != value) if near else []
            if clash:
                problems.append(_too_close(name, value, str(clash[0])))

    def fact(self, prepared: Prepared, sid: str) -> str:
        """The JSON text of the fact to assert for ``prepared`` in session ``sid``."""
        parts = [f'{{"sid":{json.dumps(sid)},"{MARKER}":{self.token}']
        for name, field in self.fields.items():
            value = prepared.present.get(name)
            if isinstance(value, bool):
                parts.append(f',"{field}":{int(value)}')
            elif isinstance(value, Fraction) and value.denominator == 1:
                parts.append(f',"{field}":{value.numerator}')  # |value| <= 2**53: checked
            elif isinstance(value, Fraction):
                parts.append(f',"{field}":{_number(value)}')
            elif value is not None:
                parts.append(f',"{field}":{dumps(value)}')
        parts.extend(f',"{field}":{sign}' for field, sign in prepared.signs.items())
        parts.append("}")
        return "".join(parts)


@functools.lru_cache(maxsize=4096)
def _number(value: Fraction) -> str:
    """The JSON text of a (checked) number. Memoized: shares and amounts recur row after row."""
    return dumps(exact(value))


def _sign(a: Value, b: Value) -> int:
    x, y = cast(Fraction, a), cast(Fraction, b)  # same kind (type-checked): any ordered pair
    return (x > y) - (x < y)


def _is_zero_divisor(divisor: Expr, present: Mapping[str, Value]) -> bool:
    if any(r.name not in present for r in refs(divisor)):
        return False  # the rule is undetermined anyway
    try:
        return evaluate(divisor, present) == 0
    except ZeroDivisionError:
        return True


def _checked(name: str, kind: Kind, raw: object, problems: list[Problem]) -> Value | None:
    """``raw`` as an exact value of ``kind``, or None after recording a problem."""
    if kind == "number" and not isinstance(raw, bool):
        if isinstance(raw, float | Decimal) and not math.isfinite(raw):
            problems.append(Problem("F102", f"{name}: {raw} is not a finite number", _FACTS))
            return None
        if isinstance(raw, float):
            return Fraction(repr(raw))  # the decimal the float was written as: 0.1 is 1/10
        if isinstance(raw, int | Fraction | Decimal):
            return raw if type(raw) is Fraction else Fraction(raw)
    elif isinstance(raw, bool if kind == "boolean" else str):
        return cast(Value, raw)
    got = "boolean" if isinstance(raw, bool) else type(raw).__name__
    problems.append(Problem("F103", f"{name}: expected a {kind}, got {got} {raw!r}", _FACTS))
    return None


def _too_close_pair(x: Fraction, y: Fraction) -> bool:
    """Whether distinct ``x`` and ``y`` become the same double (so durable sees them equal)."""
    return x != y and abs(x) <= MAX_EXACT and abs(y) <= MAX_EXACT and float(x) == float(y)


def _too_close(name: str, value: Fraction, other: str) -> Problem:
    message = (
        f"{name}: {value} and {other} differ by less than double precision; "
        "durable_rules cannot compare them exactly"
    )
    return Problem("F101", message, _FACTS)
