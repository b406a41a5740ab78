"""Validate and coerce the facts of an organization against the rule set's declared facts.

Values arriving from Python may be bool, int, float, Fraction, Decimal or str; values arriving
from files are text. Everything becomes a :data:`~tierlib.model.FactValue` or a coded problem
naming the organization and the field. ``None`` and empty text mean "missing".
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tierlib import model
from tierlib.decision import fmt_fraction
from tierlib.errors import Location, Problem, did_you_mean

TRUE = frozenset({"true", "yes", "y", "1", "是", "有", "√", "t"})
FALSE = frozenset({"false", "no", "n", "0", "否", "无", "×", "f"})
_NUM = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?$")
MAX_EXACT = 2**53
# A fact's number is written with at most MAX_TEXT characters and an exponent within
# ±MAX_EXPONENT, and exactly needs at most _MAX_DEN_BITS bits of denominator (every float
# does): beyond, nothing compares it exactly, and Fraction('1e999999999') would never end.
MAX_TEXT = 400
MAX_EXPONENT = 330
_MAX_DEN_BITS = 1100


def to_number(value: Any) -> Fraction:
    """An exact number from bool-free input; raises ValueError with a reason otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got boolean {value}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        # the shortest decimal that reads back as the float; float() unwraps numpy.float64
        return Fraction(Decimal(repr(float(value))))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        _check_size(str(value), len(value.as_tuple().digits), value.adjusted())
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        m = _NUM.match(text)
        if m:
            exponent = m.group(3) or "e0"
            _check_size(text, len(text), int(exponent[1:]) if len(exponent) < 8 else 10**8)
            return Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
        raise ValueError(f"expected a number, got {_brief(value)}")
    if hasattr(value, "item"):  # numpy scalars
        return _numpy_number(value)
    raise ValueError(f"expected a number, got {type(value).__name__}")


def _numpy_number(value: Any) -> Fraction:
    """A numpy scalar's exact number. A float16, float32 or long double means the shortest
    decimal that reads back as it in its own precision (``str``: float32 0.3 is 3/10), as a
    double means its shortest repr; a long double that is exactly a double means what the
    double means."""
    if not is_numpy_float(value):
        item = value.item()
        if type(item) is type(value):  # clongdouble: item() gives itself
            raise ValueError(f"expected a number, got {type(value).__name__}")
        return to_number(item)
    as_float = float(value)
    if as_float == value:  # float16, float32, and most long doubles
        if not math.isfinite(as_float):
            raise ValueError(f"{as_float!r} is not a finite number")
        if value.dtype.itemsize > 8:
            return to_number(as_float)
    return to_number(Decimal(str(value)))  # its shortest decimal; Decimal checks the size


def is_numpy_float(value: Any) -> bool:
    """Whether ``value`` is one numpy floating-point number (a scalar or 0-d array)."""
    return getattr(value, "ndim", None) == 0 and value.dtype.kind == "f"


def _check_size(text: str, digits: int, exponent: int) -> None:
    """Refuse a number written with more than MAX_TEXT digits or beyond 1e±MAX_EXPONENT."""
    if digits > MAX_TEXT:
        raise _RangeError(f"{_brief(text)} has more than {MAX_TEXT} digits")
    if abs(exponent) > MAX_EXPONENT:
        raise _RangeError(f"{_brief(text)} is beyond 1e±{MAX_EXPONENT}")


def _brief(value: Any) -> str:
    """``repr(value)``, cut to 40 characters."""
    text = (
        repr(value) if not isinstance(value, int) or value.bit_length() < 200 else "a huge number"
    )
    return text if len(text) <= 40 else text[:37] + "…"


def unwritable(value: Any) -> bool:
    """Whether ``value`` is an integer with more digits than Python writes as text
    (``sys.get_int_max_str_digits()``, 4,300 by default): ``str()`` of it raises ValueError."""
    if type(value) is bool or not isinstance(value, int) or value.bit_length() <= 2000:
        return False  # at most 603 digits: every limit allows that many (the least is 640)
    try:
        int.__repr__(value)
    except ValueError:
        return True
    return False


def too_many_digits() -> str:
    """What an :func:`unwritable` integer is, for a problem's message."""
    return f"an integer of more than {sys.get_int_max_str_digits():,} digits"


def to_boolean(value: Any) -> bool:
    """True or False from a boolean, 1 or 0 (also 1.0, 0.0), or yes/no text (是/否)."""
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        item = value.item()
        if type(item) is not type(value):
            return to_boolean(item)
        if is_numpy_float(value) and float(value) == value:  # a long double: item() is itself
            return to_boolean(float(value))
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
    raise ValueError(f"expected true/false (是/否), got {value!r}")


def is_missing(value: Any) -> bool:
    """None, blank text, and pandas' NA and NaT."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return is_na(value)


_NA_TYPES = frozenset({"NAType", "NaTType"})


def is_na(value: Any) -> bool:
    """Whether ``value`` is pandas' ``NA`` or ``NaT`` (pandas is not imported: its types are
    known by name; ``NA == x`` is ``NA``, whose truth raises TypeError, so no test compares)."""
    kind = type(value)
    return kind.__name__ in _NA_TYPES and kind.__module__.startswith("pandas")


def validate(
    org_id: str, raw: Mapping[str, Any], specs: Mapping[str, model.FactSpec], where: Location
) -> tuple[dict[str, model.FactValue], list[Problem]]:
    """Typed facts (missing ones left out) and the problems, each naming the org and field."""
    out: dict[str, model.FactValue] = {}
    problems: list[Problem] = []
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is None:
            problems.append(
                Problem("F111", f"{org_id}: unknown fact {name!r}", where, _unknown(name, specs))
            )
            continue
        kind = type(value)
        if kind is bool and spec.kind == "boolean":  # the common cases, without the checks
            out[name] = value
            continue
        if spec.kind == "number" and kind in _PLAIN:
            x = _PLAIN[kind](value)
            if x is not None and _fits(x, spec):
                out[name] = x
                continue
        if is_missing(value):
            continue
        try:
            out[name] = _coerce(value, spec)
        except ValueError as exc:
            problems.append(Problem(_code(exc), f"{org_id}: {name}: {exc}", where))
    return out, problems


def _unknown(name: object, specs: Mapping[str, model.FactSpec]) -> str:
    """The suggestion for an unknown fact: a close declared name, and how to leave out a
    column that is no fact at all (备注, 电话)."""
    close = did_you_mean(name, specs)
    ignore = f"not a fact? leave the column out: --ignore-column {name}, ignore_columns=[{name!r}]"
    return f"{close} {ignore}" if close else ignore


@functools.lru_cache(maxsize=4096)
def _from_float(value: float) -> Fraction | None:
    """The decimal a float was written as (0.1 is 1/10); None for NaN and infinities.

    Memoized: the same values (shares, amounts with few decimals) come back row after row."""
    return Fraction(Decimal(repr(value))) if math.isfinite(value) else None


_PLAIN: dict[type, Any] = {Fraction: lambda v: v, int: Fraction, float: _from_float}


def _fits(x: Fraction, spec: model.FactSpec) -> bool:
    """Whether ``x`` passes every check of a number fact (else ``_coerce`` says why not)."""
    n, d = x.numerator, x.denominator  # compared as integers: Fraction's operators are slow
    low, high = spec.minimum, spec.maximum
    return (
        -MAX_EXACT * d <= n <= MAX_EXACT * d
        and d.bit_length() <= _MAX_DEN_BITS
        and (not spec.integer or d == 1)
        and (low is None or n * low.denominator >= low.numerator * d)
        and (high is None or n * high.denominator <= high.numerator * d)
    )


class _RangeError(ValueError):
    pass


def _code(exc: ValueError) -> str:
    return "F104" if isinstance(exc, _RangeError) else "F103"


def _coerce(value: Any, spec: model.FactSpec) -> model.FactValue:
    if spec.kind == "boolean":
        return to_boolean(value)
    if spec.kind == "string":
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__}")
        text = value.strip()
        if spec.values is not None and text not in spec.values:
            hint = did_you_mean(text, spec.values)
            raise _RangeError(
                f"{text!r} is not one of {', '.join(spec.values)}" + (f" ({hint})" if hint else "")
            )
        return text
    if isinstance(value, float) and math.isnan(value):
        raise ValueError("NaN is not a number")
    x = to_number(value)
    if abs(x) > MAX_EXACT:
        shown = fmt_fraction(x) if x.numerator.bit_length() < 200 else "the number"
        raise _RangeError(f"{shown} is too large to compare exactly (beyond 2**53)")
    if x.denominator.bit_length() > _MAX_DEN_BITS:
        raise _RangeError(f"a number of more than {MAX_EXPONENT} decimals cannot be compared")
    if spec.integer and x.denominator != 1:
        raise _RangeError(f"{fmt_fraction(x)} must be a whole number")
    if spec.minimum is not None and x < spec.minimum:
        raise _RangeError(f"{fmt_fraction(x)} is below the minimum {fmt_fraction(spec.minimum)}")
    if spec.maximum is not None and x > spec.maximum:
        raise _RangeError(f"{fmt_fraction(x)} is above the maximum {fmt_fraction(spec.maximum)}")
    return x


def fact_limits(ruleset: model.RuleSet) -> tuple[dict[str, Fraction], frozenset[str]]:
    """The facts assessed points are read from (each with its indicator's max), and the facts
    that count units (never negative)."""
    bounded = {i.assessed.fact: i.max for i in ruleset.indicators if i.assessed is not None}
    counts = frozenset(
        [i.per_unit.fact for i in ruleset.indicators if i.per_unit is not None]
        + [
            it.per
            for i in ruleset.indicators
            for it in (i.checklist or ()) + (i.deductions or ())
            if it.per
        ]
    )
    return bounded, counts
