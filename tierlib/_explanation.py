"""The structure of an explanation: every part in both languages, each with its location.

Built by :mod:`tierlib.explain`, rendered by :mod:`tierlib.render`; import these names from
:mod:`tierlib.explain`.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

from tierlib._phrases import Lang, Text, t, unit_text
from tierlib.decision import Provenance

State: TypeAlias = Literal["decisive", "outweighed", "idle", "undetermined", "applies"]


@attrs.frozen
class Fact:
    """A value that was used, as the trace recorded it (``true``, ``0.9``, ``missing`` …)."""

    name: str
    label: Text
    value: str
    unit: str = ""
    unit_en: str = ""  # the rule file's English for the unit (unit: {zh: 户, en: households})

    def shown(self, lang: Lang) -> str:
        if self.value in ("true", "false", "missing", "excluded"):
            return t(self.value).get(lang)
        unit = unit_text(self.unit, self.unit_en).get(lang)
        return f"{self.value} {unit}".strip()


@attrs.frozen
class Reason:
    """A veto, cap or requirement that applied or could not be determined."""

    id: str
    effect: str
    tier: str | None
    label: Text
    state: State
    summary: Text
    facts: tuple[Fact, ...]
    at: str
    source: str = ""


@attrs.frozen
class Step:
    """One checklist item, deduction, band or method step of an indicator."""

    id: str
    label: Text
    points: str
    how: Text
    facts: tuple[Fact, ...]
    at: str


@attrs.frozen
class IndicatorLine:
    id: str
    label: Text
    dimension: Text
    points: str | None  # None: left out (rescale) or pending
    max: str
    method: Text
    facts: tuple[Fact, ...]
    steps: tuple[Step, ...]
    missing: Text | None  # what the missing-data policy did
    at: str
    policy: str = ""  # zero / rescale / pending when an input was missing
    bonus: bool = False
    source: str = ""


@attrs.frozen
class Line:
    """A dimension subtotal, a step of the score or a flag: a labelled value at a location."""

    kind: Literal["dimension", "raw", "rescale", "round", "tier", "flag"]
    id: str
    label: Text
    value: str  # points, the score after the step, or the flag's state (raised/undetermined)
    at: str
    max: str = ""
    facts: tuple[Fact, ...] = ()
    note: Text | None = None  # a flag's escalation


@attrs.frozen
class NextTier:
    """Points the score needs for the next better tier, and what blocks it regardless."""

    tier: str | None  # None: already the best tier by score
    label: Text | None
    gap: str | None
    strict: bool  # the bound is "above" and unrounded: strictly more than ``gap`` is needed
    blocked_by: tuple[Text, ...]
    text: Text
    # vetoes undetermined for want of data that would block it if they apply
    may_be_blocked_by: tuple[Text, ...] = ()


@attrs.frozen
class Explanation:
    """Everything a township worker needs to understand one decision, in zh and en."""

    org_id: str
    org_name: str
    status: str
    tier: str | None
    outcome: Text
    total: str | None
    headline: Text
    reasons: tuple[Reason, ...]
    indicators: tuple[IndicatorLine, ...]
    dimensions: tuple[Line, ...]
    score: tuple[Line, ...]
    flags: tuple[Line, ...]
    provenance: Provenance
    next_tier: NextTier | None
    year: int | None = None  # the year the organization was graded for
    org_type: str = ""

    def text(self, lang: Lang) -> str:
        """Plain aligned text in ``lang`` (see :func:`tierlib.render.to_text`)."""
        from tierlib.render import to_text

        return to_text(self, lang)
