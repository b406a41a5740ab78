"""Year-on-year history (升级晋档): each organization's record per year, and tier transitions.

Import the public names from :mod:`tierlib.population`. Everything is a pure function over
immutable inputs and every outcome carries its explanation in Chinese (``reason_zh``) and
English (``reason_en``). The rules over consecutive years (streaks, escalation, deadlines) live
in :mod:`tierlib._streaks`, the shared helpers in :mod:`tierlib._popbase` and
:mod:`tierlib._popfmt`; all are re-exported here as before.

**Known and unknown years.** An organization's tier is *known* in a year when its decision there
has status ``rated``. A year with no decision (``absent``), a ``pending`` decision or an
``unrated`` one gives no tier. Such a year is never read as "no": an outcome it could change is
"cannot determine". Warning colours are known in every year with a ``rated`` or ``unrated``
decision (a pending decision has no score to colour).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import attrs

from tierlib._popbase import (
    Labels,
    PopulationError,
    Rated,
    ceil_share,
    check_decisions,
    positions,
    tier_labels,
    tier_order,
)
from tierlib._popfmt import (
    as_json,
    en_classes,
    num_json,
    ordinal_en,
    pct_exact,
    pct_rounded,
    score_text,
    tier_name,
    tiers_text,
    zh_count,
)
from tierlib._streaks import (
    MAX_UNKNOWN_YEARS,
    DeadlineOutcome,
    DeadlineResult,
    RunOutcome,
    RunResult,
    add_months,
    check_deadlines,
    check_streaks,
    escalations,
    whole_months,
)

__all__ = [
    "MAX_UNKNOWN_YEARS",
    "DeadlineOutcome",
    "DeadlineResult",
    "Direction",
    "Labels",
    "OrgHistory",
    "PopulationError",
    "RunOutcome",
    "RunResult",
    "Transition",
    "TransitionMatrix",
    "YearRecord",
    "YearStatus",
    "add_months",
    "as_json",
    "ceil_share",
    "check_deadlines",
    "check_decisions",
    "check_streaks",
    "en_classes",
    "escalations",
    "history",
    "num_json",
    "ordinal_en",
    "pct_exact",
    "pct_rounded",
    "positions",
    "record_of",
    "score_text",
    "tier_labels",
    "tier_name",
    "tier_order",
    "tiers_text",
    "transition",
    "transition_matrix",
    "transitions",
    "whole_months",
    "zh_count",
]

YearStatus: TypeAlias = Literal["rated", "unrated", "pending", "absent"]
Direction: TypeAlias = Literal["up", "down", "same", "cannot determine"]


# --- history --------------------------------------------------------------------------------


@attrs.frozen
class YearRecord:
    """What is known of one organization in one year."""

    year: int | None
    status: YearStatus
    tier: str | None = None  # only when rated
    score: Fraction | None = None
    vetoed: bool = False
    flags: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether the tier is known (the decision is ``rated``)."""
        return self.status == "rated"

    @property
    def flags_known(self) -> bool:
        """Whether the warning colours are known (a rated or unrated decision exists)."""
        return self.status in ("rated", "unrated")

    def at(self, labels: Labels, lang: str) -> str:
        """``2023年一类`` / ``Class 1 (2023)``; for an unknown year, why it is unknown."""
        if not self.known:
            return self.why_unknown(lang)
        name = tier_name(self.tier, labels, lang)
        if self.year is None:
            return name
        return f"{self.year}年{name}" if lang == "zh" else f"{name} ({self.year})"

    def why_unknown(self, lang: str) -> str:
        y = "" if self.year is None else str(self.year)
        zh = {
            "absent": f"{y}年无此组织的评定结果" if y else "无此组织的评定结果",
            "pending": f"{y}年评定待定" if y else "评定待定",
            "unrated": f"{y}年不定级" if y else "不定级",
            "rated": f"{y}年已定级",
        }
        en = {
            "absent": f"no result in {y}" if y else "no result",
            "pending": f"pending in {y}" if y else "pending",
            "unrated": f"unrated in {y}" if y else "unrated",
            "rated": f"rated in {y}",
        }
        return zh[self.status] if lang == "zh" else en[self.status]

    def to_dict(self) -> dict[str, Any]:
        return as_json(self)  # type: ignore[no-any-return]


def record_of(year: int | None, decision: Rated | None) -> YearRecord:
    if decision is None:
        return YearRecord(year, "absent")
    return YearRecord(
        year,
        decision.status,
        decision.tier if decision.status == "rated" else None,
        decision.score,
        decision.vetoed,
        tuple(decision.flags),
    )


@attrs.frozen
class OrgHistory:
    """One organization over the consecutive years of the input (absent years included)."""

    org_id: str
    records: tuple[YearRecord, ...]
    org_type: str = ""
    county: str = ""
    township: str = ""

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(r.year for r in self.records if r.year is not None)

    def record(self, year: int) -> YearRecord:
        """The record of ``year`` (``absent`` outside the covered years)."""
        for r in self.records:
            if r.year == year:
                return r
        return YearRecord(year, "absent")

    def tier(self, year: int) -> str | None:
        """The tier in ``year``; None when absent, pending or unrated."""
        return self.record(year).tier

    @property
    def tiers(self) -> dict[int, str | None]:
        return {y: self.tier(y) for y in self.years}

    def to_dict(self) -> dict[str, Any]:
        return as_json(self)  # type: ignore[no-any-return]


def history(decisions_by_year: Mapping[int, Sequence[Rated]]) -> dict[str, OrgHistory]:
    """Each organization's record in every year from the first to the last year of the input.

    A year missing from the mapping, or an organization missing from a year, is ``absent``.
    A decision whose ``year`` differs from its key, or an organization twice in a year, raises
    :class:`PopulationError`. Type, county and township come from the latest decision."""
    if not decisions_by_year:
        return {}
    by_org: dict[str, dict[int, Rated]] = {}
    for year, decisions in decisions_by_year.items():
        seen: set[str] = set()
        for d in decisions:
            if d.year is not None and d.year != year:
                raise PopulationError(
                    f"organization {d.org_id!r}: year {d.year} listed under {year}"
                )
            if d.org_id in seen:
                raise PopulationError(f"organization {d.org_id!r} appears twice in {year}")
            seen.add(d.org_id)
            by_org.setdefault(d.org_id, {})[year] = d
    years = range(min(decisions_by_year), max(decisions_by_year) + 1)
    out: dict[str, OrgHistory] = {}
    for org_id in sorted(by_org):
        per_year = by_org[org_id]
        latest = per_year[max(per_year)]
        records = tuple(record_of(y, per_year.get(y)) for y in years)
        out[org_id] = OrgHistory(org_id, records, latest.org_type, latest.county, latest.township)
    return out


# --- transitions ----------------------------------------------------------------------------


@attrs.frozen
class Transition:
    """How one organization's tier changed from one year to the next."""

    org_id: str
    before: YearRecord
    after: YearRecord
    direction: Direction
    steps: int | None  # classes moved (0: same); None when undetermined
    reason_zh: str
    reason_en: str

    @property
    def text(self) -> str:
        """``up two classes`` / ``down one class`` / ``same`` / ``cannot determine``."""
        if self.direction in ("up", "down") and self.steps is not None:
            return f"{self.direction} {en_classes(self.steps)}"
        return self.direction

    def to_dict(self) -> dict[str, Any]:
        return {**as_json(self), "text": self.text}


def transition(
    org_id: str, before: YearRecord, after: YearRecord, pos: Mapping[str, int], labels: Labels
) -> Transition:
    if not (before.known and after.known) or before.tier is None or after.tier is None:
        unknown = [r for r in (before, after) if not r.known]
        why_zh = "；".join(r.why_unknown("zh") for r in unknown)
        why_en = "; ".join(r.why_unknown("en") for r in unknown)
        return Transition(
            org_id,
            before,
            after,
            "cannot determine",
            None,
            f"无法判断：{why_zh}",
            f"cannot determine: {why_en}",
        )
    delta = pos[before.tier] - pos[after.tier]
    path_zh = f"{before.at(labels, 'zh')}→{after.at(labels, 'zh')}"
    path_en = f"{before.at(labels, 'en')} → {after.at(labels, 'en')}"
    if delta > 0:
        direction: Direction = "up"
        zh, en = f"升{zh_count(delta)}档", f"up {en_classes(delta)}"
    elif delta < 0:
        direction = "down"
        zh, en = f"降{zh_count(-delta)}档", f"down {en_classes(-delta)}"
    else:
        direction, zh, en = "same", "档次不变", "same class"
    return Transition(
        org_id, before, after, direction, abs(delta), f"{path_zh}：{zh}", f"{path_en}: {en}"
    )


def transitions(
    prev_year: Sequence[Rated],
    next_year: Sequence[Rated],
    tier_order: Sequence[str],
    *,
    labels: Labels = None,
) -> dict[str, Transition]:
    """The transition of every organization present in either year, by org id.

    Skipping classes is allowed (``up two classes``). An organization missing in a year, or
    pending or unrated there, gives ``cannot determine``."""
    pos = positions(tier_order)
    y1, y2 = check_decisions(prev_year, pos), check_decisions(next_year, pos)
    a = {d.org_id: d for d in prev_year}
    b = {d.org_id: d for d in next_year}
    return {
        org: transition(org, record_of(y1, a.get(org)), record_of(y2, b.get(org)), pos, labels)
        for org in sorted(a.keys() | b.keys())
    }


@attrs.frozen
class TransitionMatrix:
    """Counts of tier changes: ``counts[i][j]`` organizations went from tier i to tier j."""

    tier_order: tuple[str, ...]
    from_year: int | None
    to_year: int | None
    counts: tuple[tuple[int, ...], ...]
    both: int  # present in both years
    entered: int  # present only in the later year
    left: int  # present only in the earlier year
    undetermined: int  # present in both years, but not rated in at least one
    reason_zh: str
    reason_en: str

    def count(self, from_tier: str, to_tier: str) -> int:
        return self.counts[self.tier_order.index(from_tier)][self.tier_order.index(to_tier)]

    def _sum(self, keep: Callable[[int, int], bool]) -> int:
        return sum(c for i, row in enumerate(self.counts) for j, c in enumerate(row) if keep(i, j))

    @property
    def rated_in_both(self) -> int:
        return self._sum(lambda i, j: True)

    @property
    def promoted(self) -> int:
        return self._sum(lambda i, j: j < i)

    @property
    def demoted(self) -> int:
        return self._sum(lambda i, j: j > i)

    @property
    def unchanged(self) -> int:
        return self._sum(lambda i, j: i == j)

    def by_steps(self) -> dict[int, int]:
        """Classes moved (positive: up, negative: down) → number of organizations."""
        out: dict[int, int] = {}
        for i, row in enumerate(self.counts):
            for j, c in enumerate(row):
                if c:
                    out[i - j] = out.get(i - j, 0) + c
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = as_json(self)
        out["counts"] = {
            a: {b: self.counts[i][j] for j, b in enumerate(self.tier_order)}
            for i, a in enumerate(self.tier_order)
        }
        for name in ("rated_in_both", "promoted", "demoted", "unchanged"):
            out[name] = getattr(self, name)
        return out


def transition_matrix(
    decisions_y1: Sequence[Rated],
    decisions_y2: Sequence[Rated],
    tier_order: Sequence[str],
    *,
    labels: Labels = None,
) -> TransitionMatrix:
    """Rows: tier in the earlier year; columns: tier in the later year; over the organizations
    present and rated in both years. ``both == rated_in_both + undetermined``."""
    trans = transitions(decisions_y1, decisions_y2, tier_order, labels=labels)
    pos = positions(tier_order)
    grid = [[0] * len(pos) for _ in pos]
    both = entered = left = undetermined = 0
    for t in trans.values():
        if t.before.status == "absent":
            entered += 1
        elif t.after.status == "absent":
            left += 1
        else:
            both += 1
            if t.before.tier is None or t.after.tier is None:
                undetermined += 1
            else:
                grid[pos[t.before.tier]][pos[t.after.tier]] += 1
    first = next(iter(trans.values()), None)
    y1 = first.before.year if first else None
    y2 = first.after.year if first else None
    m = TransitionMatrix(
        tuple(tier_order),
        y1,
        y2,
        tuple(tuple(r) for r in grid),
        both,
        entered,
        left,
        undetermined,
        "",
        "",
    )
    skips = sum(c for k, c in m.by_steps().items() if k > 1)
    span_zh = f"{y1}年→{y2}年：" if y1 is not None and y2 is not None else ""
    span_en = f"{y1} → {y2}: " if y1 is not None and y2 is not None else ""
    zh = (
        f"{span_zh}两年均有结果的{both}个组织中，升档{m.promoted}个（其中跨档{skips}个），"
        f"降档{m.demoted}个，不变{m.unchanged}个，无法比较{undetermined}个；"
        f"新增{entered}个，减少{left}个"
    )
    en = (
        f"{span_en}of {both} organizations present in both years, {m.promoted} moved up "
        f"({skips} by more than one class), {m.demoted} down, {m.unchanged} stayed, "
        f"{undetermined} cannot be compared; {entered} entered, {left} left"
    )
    return attrs.evolve(m, reason_zh=zh, reason_en=en)
