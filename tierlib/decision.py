"""What the engine returns for one organization: a :class:`Decision` and its trace.

The trace is a flat list of :class:`TraceEvent`; everything else in the decision is derivable
from it (explanation is a pure function over the trace).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import attrs

from tierlib.errors import Location

Status: TypeAlias = Literal["rated", "unrated", "pending"]
EventKind: TypeAlias = Literal[
    "indicator",  # points of one indicator (inputs: the facts used; result: points)
    "item",  # one checklist item / deduction / band / method step of an indicator
    "missing",  # an input was missing; result says what the policy did
    "dimension",  # a dimension subtotal
    "score",  # raw score, rescaling
    "round",  # rounding of the score before banding
    "tier",  # the tier the score alone gives
    "veto",  # a veto / cap / requirement that fired (or could not be determined)
    "flag",  # a warning colour raised
    "decision",  # the final outcome
]


def fmt(value: object) -> str:
    """Canonical text of a value in traces and JSON: exact decimals, ``true``/``false``."""
    if type(value) is Fraction:  # the common case first
        den = value.denominator
        return str(value.numerator) if den == 1 else _fmt_terms(value.numerator, den)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return fmt_fraction(value)
    return str(value)


@functools.lru_cache(maxsize=4096)
def decimal_places(den: int) -> int | None:
    """The decimals a fraction with denominator ``den`` needs, or None if it never ends."""
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    return max(twos, fives) if den == 1 else None


@functools.lru_cache(maxsize=8192)
def _fmt_terms(num: int, den: int) -> str:
    """:func:`fmt_fraction` of ``num/den`` in lowest terms (memoized: values repeat a lot)."""
    return fmt_fraction(Fraction(num, den))


def fmt_fraction(x: Fraction, exact: bool = False) -> str:
    """``x`` as an exact decimal when it terminates, else ``n/d`` (``exact``) or its first 6
    decimals between ``≈`` and ``…`` (cut, not rounded: ``≈89.949999…`` is below 89.95, which
    a rounded ``≈89.950000`` would hide right at a boundary)."""
    if x.denominator == 1:
        return str(x.numerator)
    digits = decimal_places(x.denominator)
    if digits is not None:
        scaled = abs(x.numerator) * 10**digits // x.denominator
        sign = "-" if x < 0 else ""
        text = str(scaled).rjust(digits + 1, "0")
        return f"{sign}{text[:-digits]}.{text[-digits:]}".rstrip("0").rstrip(".")
    return f"{x.numerator}/{x.denominator}" if exact else approx(x)


def approx(x: Fraction) -> str:
    """``x``'s first 6 decimals, cut toward zero (every digit shown is exact), as ``≈0.333333…``."""
    cut = abs(x.numerator) * 10**6 // x.denominator
    text = str(cut).rjust(7, "0")
    return f"≈{'-' if x < 0 else ''}{text[:-6]}.{text[-6:]}…"


@attrs.frozen
class TraceEvent:
    """One flat, located step of an evaluation."""

    kind: EventKind
    id: str
    loc: Location
    inputs: tuple[tuple[str, str], ...] = ()
    result: str = ""
    note: str = ""
    parent: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "id": self.id, "at": str(self.loc)}
        if self.parent:
            out["parent"] = self.parent
        if self.inputs:
            out["inputs"] = dict(self.inputs)
        out["result"] = self.result
        if self.note:
            out["note"] = self.note
        return out


@attrs.frozen
class FiredVeto:
    """A veto, cap or requirement that applied (``determined=False``: its input was missing)."""

    id: str
    effect: str
    tier: str | None
    determined: bool = True
    decisive: bool = False


@attrs.frozen
class MissingInput:
    """An input that was missing, and what the scheme's policy did about it."""

    indicator: str
    fact: str
    policy: str


def _pairs(x: Any) -> tuple[tuple[str, str], ...]:
    """``x`` as a tuple of pairs (JSON gives lists)."""
    return x if type(x) is tuple else tuple((str(a), str(b)) for a, b in x)


@attrs.frozen
class Provenance:
    ruleset_id: str
    ruleset_version: str
    ruleset_sha256: str  # of the canonical rules: formatting and comments do not count
    tierlib_version: str
    input_sha256: str
    # each rule file read (the file, then the bases it extends) and the sha256 of its bytes: the
    # lines the trace cites are lines of exactly these files
    rule_files: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class Decision:
    """The outcome for one organization, with everything needed to explain it."""

    org_id: str
    org_name: str
    org_type: str
    year: int | None
    status: Status
    tier: str | None
    score: Fraction | None  # None: the score waits for data (pending, or a veto decided anyway)
    raw_score: Fraction | None
    score_tier: str | None
    dimensions: Mapping[str, Fraction]
    points: Mapping[str, Fraction | None]
    vetoes: tuple[FiredVeto, ...]
    flags: tuple[str, ...]
    missing: tuple[MissingInput, ...]
    trace: tuple[TraceEvent, ...]
    provenance: Provenance
    county: str = ""
    township: str = ""

    @property
    def vetoed(self) -> bool:
        """Whether a force / unrated veto decided the outcome."""
        return any(v.decisive and v.effect in ("force", "unrated") for v in self.vetoes)

    def to_dict(self) -> dict[str, Any]:
        def num(x: Fraction | None) -> str | None:
            return None if x is None else fmt_fraction(x, exact=True)

        return {
            "org": {
                "id": self.org_id,
                "name": self.org_name,
                "type": self.org_type,
                "county": self.county,
                "township": self.township,
                "year": self.year,
            },
            "status": self.status,
            "tier": self.tier,
            "score": num(self.score),
            "raw_score": num(self.raw_score),
            "score_tier": self.score_tier,
            "dimensions": {k: num(v) for k, v in self.dimensions.items()},
            "points": {k: num(v) for k, v in self.points.items()},
            "vetoes": [attrs.asdict(v) for v in self.vetoes],
            "flags": list(self.flags),
            "missing": [attrs.asdict(m) for m in self.missing],
            "trace": [e.to_dict() for e in self.trace],
            "provenance": self.provenance.to_dict(),
        }

    def to_json(self) -> str:
        """Canonical JSON: same input and rule file give byte-identical text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
