"""The domain model: a rule set (scheme) and the facts of one organization.

All classes are frozen attrs classes. Every rule element keeps the location of its definition
in the rule file (``loc``, excluded from equality so a re-formatted file gives an equal model).
Numbers are exact :class:`fractions.Fraction`; conditions are parsed ASTs.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Literal, TypeAlias

import attrs
import numpy as np

from tierlib._ast import Expr
from tierlib.errors import Location

NOWHERE = Location("<memory>")

FactKind: TypeAlias = Literal["number", "boolean", "string"]
FactValue: TypeAlias = Fraction | bool | str
MissingPolicy: TypeAlias = Literal["zero", "rescale", "pending"]
RoundingMode: TypeAlias = Literal["half_up", "half_even", "down", "up"]
Effect: TypeAlias = Literal["force", "cap", "unrated", "require"]
BelowLowest: TypeAlias = Literal["lowest", "unrated"]
MatchMode: TypeAlias = Literal["first", "highest"]


def _loc() -> Location:
    field: Location = attrs.field(default=NOWHERE, eq=False, repr=False, kw_only=True)
    return field


@attrs.frozen
class Label:
    """A name in Chinese and English (``en`` falls back to ``zh``)."""

    zh: str
    en: str = ""

    def text(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh


@attrs.frozen
class Rounding:
    """Rounding of the score before banding: ``digits`` decimals, ``mode``."""

    digits: int = 1
    mode: RoundingMode = "half_up"
    loc: Location = _loc()


@attrs.frozen
class Scheme:
    """Metadata of a rule set."""

    id: str
    name: Label
    version: str
    year: int | None = None
    org_types: tuple[str, ...] = ()
    total: Fraction = Fraction(100)
    rounding: Rounding | None = None
    missing: MissingPolicy = "pending"
    loc: Location = _loc()


@attrs.frozen
class FactSpec:
    """A declared fact: its kind, label, admissible values and unit (as the policy writes
    it, 元 or 户; with its English for explanations, unit: {zh: 户, en: households}, kept as
    unit_en; without one, English names 元, 月, 次 and 分 itself and shows others as written)."""

    kind: FactKind
    label: Label | None = None
    minimum: Fraction | None = None
    maximum: Fraction | None = None
    integer: bool = False
    values: tuple[str, ...] | None = None
    unit: str | None = None
    unit_en: str | None = None
    loc: Location = _loc()


@attrs.frozen
class Dimension:
    id: str
    label: Label
    max: Fraction
    loc: Location = _loc()


@attrs.frozen
class Bound:
    """A numeric interval written with boundary words (以上/不低于 include, 超过/低于 exclude)."""

    at_least: Fraction | None = None
    above: Fraction | None = None
    below: Fraction | None = None
    at_most: Fraction | None = None

    @property
    def lower(self) -> tuple[Fraction, bool] | None:
        """Lower end and whether it is included."""
        if self.at_least is not None:
            return self.at_least, True
        if self.above is not None:
            return self.above, False
        return None

    @property
    def upper(self) -> tuple[Fraction, bool] | None:
        """Upper end and whether it is included."""
        if self.at_most is not None:
            return self.at_most, True
        if self.below is not None:
            return self.below, False
        return None

    @property
    def unbounded(self) -> bool:
        """No end at all (a band matched only by its condition)."""
        return (
            self.at_least is None
            and self.above is None
            and self.below is None
            and self.at_most is None
        )

    def contains(self, x: Fraction) -> bool:
        lo, hi = self.lower, self.upper
        if lo is not None and (x < lo[0] or (x == lo[0] and not lo[1])):
            return False
        return not (hi is not None and (x > hi[0] or (x == hi[0] and not hi[1])))


@attrs.frozen
class Linear:
    """0 points at ``floor``, the maximum at ``target``, linear between, clamped (either direction)."""

    fact: str
    floor: Fraction
    target: Fraction
    loc: Location = _loc()


@attrs.frozen
class Band:
    """Points when the value lies in ``range`` (or ``when`` holds): fixed, or ``(low, high)``
    interpolated over the range."""

    range: Bound
    points: tuple[Fraction, Fraction]
    id: str = ""
    when: Expr | None = None
    loc: Location = _loc()


@attrs.frozen
class Bands:
    fact: str
    bands: tuple[Band, ...]
    match: MatchMode = "first"
    otherwise: Fraction | None = None
    loc: Location = _loc()


@attrs.frozen
class Item:
    """A checklist item or a deduction: ``points`` when ``when`` holds (times ``per`` if given)."""

    id: str
    points: Fraction
    label: Label | None = None
    when: Expr | None = None
    per: str | None = None
    loc: Location = _loc()


@attrs.frozen
class AllOrNothing:
    when: Expr
    loc: Location = _loc()


@attrs.frozen
class PerUnit:
    fact: str
    points: Fraction
    loc: Location = _loc()


@attrs.frozen
class Assessed:
    """Points entered by the assessors as the fact ``fact``, within ``0..max``."""

    fact: str
    loc: Location = _loc()


@attrs.frozen
class Indicator:
    """One indicator with exactly one scoring method."""

    id: str
    label: Label
    max: Fraction
    dimension: str | None = None
    bonus: bool = False
    missing: MissingPolicy | None = None
    linear: Linear | None = None
    bands: Bands | None = None
    checklist: tuple[Item, ...] | None = None
    deductions: tuple[Item, ...] | None = None
    all_or_nothing: AllOrNothing | None = None
    per_unit: PerUnit | None = None
    assessed: Assessed | None = None
    source: str | None = None
    loc: Location = _loc()

    @property
    def method(self) -> str:
        for name in METHODS:
            if getattr(self, name) is not None:
                return name
        return "none"


METHODS = ("linear", "bands", "checklist", "deductions", "all_or_nothing", "per_unit", "assessed")


@attrs.frozen
class Tier:
    """A tier; ``range`` holds its lower bound (None: the catch-all lowest tier)."""

    id: str
    label: Label
    range: Bound = Bound()
    loc: Location = _loc()


@attrs.frozen
class Veto:
    """A veto or cap: when ``when`` holds, apply ``effect`` (for ``require``: when it fails)."""

    id: str
    reason: Label
    when: Expr
    effect: Effect
    tier: str | None = None
    precedence: int = 0
    source: str | None = None
    loc: Location = _loc()


@attrs.frozen
class Escalation:
    after: int
    action: Label


@attrs.frozen
class Flag:
    """A warning colour with its own cut-off condition."""

    id: str
    label: Label
    when: Expr
    escalate: Escalation | None = None
    loc: Location = _loc()


@attrs.frozen
class Quota:
    """倒排: at least ``share`` of the organizations of ``org_type`` per ``per`` are listed."""

    id: str
    label: Label
    org_type: str
    share: Fraction
    per: Literal["county", "township"] = "county"
    among_tiers: tuple[str, ...] | None = None
    loc: Location = _loc()


@attrs.frozen
class Streak:
    """``years`` consecutive years in one of ``tiers`` → ``action`` (连续2年软弱涣散 → 调整书记)."""

    id: str
    label: Label
    tiers: tuple[str, ...]
    years: int
    action: Label
    loc: Location = _loc()


@attrs.frozen
class Deadline:
    """An organization in ``tiers`` must be promoted within ``months`` (限时晋位)."""

    id: str
    label: Label
    tiers: tuple[str, ...]
    months: int
    loc: Location = _loc()


@attrs.frozen
class RuleSet:
    """A checked, fully merged rule set (``extends`` already applied)."""

    scheme: Scheme
    facts: Mapping[str, FactSpec]
    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    tiers: tuple[Tier, ...]
    below_lowest: BelowLowest = "lowest"
    vetoes: tuple[Veto, ...] = ()
    flags: tuple[Flag, ...] = ()
    quotas: tuple[Quota, ...] = ()
    streaks: tuple[Streak, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    sources: tuple[str, ...] = attrs.field(default=(), eq=False)
    # the sha256 of each source file's bytes as read (its text for ``loads``), in that order:
    # the lines an explanation cites are those of these files
    source_sha256: tuple[str, ...] = attrs.field(default=(), eq=False)


# What Organization(facts=...) takes: the values the engine reads and checks (text as read from
# a file, numbers of any exact or binary kind, numpy scalars, None for missing); a value of
# another kind is not refused here but by the engine, as a coded problem (F103). The checked
# values (Engine.facts) are FactValue.
FactInput: TypeAlias = Fraction | Decimal | float | int | bool | str | np.generic | None


@attrs.frozen
class Organization:
    """The facts of one organization for one year.

    ``facts`` maps fact names to raw values (:data:`FactInput`): numbers, booleans, text as
    read from a file ("0.85", "是") or None; the engine checks and types them.
    """

    id: str
    name: str = ""
    type: str = "village"
    county: str = ""
    township: str = ""
    year: int | None = None
    facts: Mapping[str, FactInput] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        # a programming error, said where it is made rather than deep in the engine: identity
        # fields are JSON scalars (the facts digest writes them), facts a mapping
        for field in ("id", "name", "type", "county", "township", "year"):
            value = getattr(self, field)
            if not (value is None or isinstance(value, (str, int, float))):
                raise TypeError(
                    f"Organization.{field} must be text, a number or None, not {type(value).__name__}"
                )
            if isinstance(value, int) and value.bit_length() > 2000:
                from tierlib._facts import too_many_digits, unwritable

                if unwritable(value):  # str() of it raises ValueError: nothing could write it
                    raise TypeError(
                        f"Organization.{field} is {too_many_digits()}, which Python does not "
                        "write as text; give it as text"
                    )
        if not isinstance(self.facts, Mapping):
            raise TypeError(
                f"Organization.facts must be a mapping, not {type(self.facts).__name__}"
            )
