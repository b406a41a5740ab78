"""Rules over consecutive years: streaks (连续2年软弱涣散), warning-colour escalation and
promotion deadlines (限时晋位), each applied to :class:`~tierlib.population.OrgHistory` objects.

Private: import the public names from :mod:`tierlib.population`. A year whose tier or colours
are unknown is never read as "no" (see :mod:`tierlib._history`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import attrs

from tierlib._popbase import Labels, PopulationError
from tierlib._popfmt import as_json, tiers_text
from tierlib.model import Deadline, Flag, Label, Streak

if TYPE_CHECKING:  # _history re-exports this module, so it is imported for types only
    from tierlib._history import OrgHistory, YearRecord

RunOutcome: TypeAlias = Literal["fires", "does not fire", "cannot determine"]
DeadlineOutcome: TypeAlias = Literal[
    "overdue", "met", "missed", "running", "cannot determine", "not applicable"
]

MAX_UNKNOWN_YEARS = 16  # deadlines enumerate 2**k completions of the unknown years


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's end."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 when ``end`` is not later)."""
    m = (end.year - start.year) * 12 + end.month - start.month
    if m > 0 and add_months(start, m) > end:
        m -= 1
    return max(m, 0)


# --- consecutive years: streaks and warning-colour escalation --------------------------------


@attrs.frozen
class RunResult:
    """Whether a rule over the last N consecutive years fires for one organization."""

    org_id: str
    rule_id: str
    kind: Literal["streak", "escalation"]
    outcome: RunOutcome
    window: tuple[int, ...]
    unknown_years: tuple[int, ...]
    action: Label | None  # the action, when it fires
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict[str, Any]:
        return as_json(self)  # type: ignore[no-any-return]


_Rule: TypeAlias = tuple[str, Literal["streak", "escalation"], Label, Label]


def _window(histories: Mapping[str, OrgHistory], years: int, year: int | None) -> tuple[int, ...]:
    if years < 1:
        raise PopulationError(f"a run needs at least one year, not {years}")
    if year is None:
        year = max((h.years[-1] for h in histories.values() if h.years), default=None)
    if year is None:
        return ()
    return tuple(range(year - years + 1, year + 1))


def _run(
    h: OrgHistory,
    window: tuple[int, ...],
    test: Callable[[YearRecord], bool | None],
    rule: _Rule,
    what: tuple[str, str],
    outside_text: Callable[[YearRecord], tuple[str, str]],
) -> RunResult:
    """``test``: True in the run, False outside it, None unknown; ``what``: zh/en of "in the run";
    ``outside_text``: zh/en of a year outside the run."""
    rule_id, kind, label, action = rule
    records = [h.record(y) for y in window]
    states = [test(r) for r in records]
    span_zh = f"{window[0]}–{window[-1]}年" if len(window) > 1 else f"{window[0]}年"
    span_en = f"{window[0]}–{window[-1]}" if len(window) > 1 else str(window[0])
    unknown = tuple(r.year for r, s in zip(records, states) if s is None and r.year is not None)
    outside = [r for r, s in zip(records, states) if s is False]
    if outside:
        zh, en = outside_text(outside[-1])
        return RunResult(
            h.org_id, rule_id, kind, "does not fire", window, unknown, None,
            f"不触发「{label.zh}」：{zh}", f"does not fire «{label.text('en')}»: {en}",
        )  # fmt: skip
    if unknown:
        rest = any(states)
        rest_zh = f"，其余年份均为{what[0]}" if rest else ""
        rest_en = f"; {what[1]} in the other years" if rest else ""
        gaps_zh = "、".join(r.why_unknown("zh") for r, s in zip(records, states) if s is None)
        gaps_en = "; ".join(r.why_unknown("en") for r, s in zip(records, states) if s is None)
        return RunResult(
            h.org_id, rule_id, kind, "cannot determine", window, unknown, None,
            f"无法判断「{label.zh}」：{span_zh}中{gaps_zh}{rest_zh}",
            f"cannot determine «{label.text('en')}» over {span_en}: {gaps_en}{rest_en}",
        )  # fmt: skip
    n = len(window)
    return RunResult(
        h.org_id, rule_id, kind, "fires", window, (), action,
        f"触发「{label.zh}」：{span_zh}连续{n}年均为{what[0]} → {action.zh}",
        f"fires «{label.text('en')}»: {what[1]} {n} years running ({span_en}) → "
        f"{action.text('en')}",
    )  # fmt: skip


def check_streaks(
    streak: Streak,
    histories: Mapping[str, OrgHistory],
    *,
    year: int | None = None,
    labels: Labels = None,
) -> dict[str, RunResult]:
    """``fires`` when each of the ``streak.years`` years ending at ``year`` (default: the last
    year of the histories) is known and in ``streak.tiers``; ``does not fire`` when a known year
    of that window is outside them; else (an absent, pending or unrated year) ``cannot
    determine``."""
    window = _window(histories, streak.years, year)
    tiers = set(streak.tiers)
    what = (tiers_text(streak.tiers, labels, "zh"), tiers_text(streak.tiers, labels, "en"))

    def test(r: YearRecord) -> bool | None:
        return r.tier in tiers if r.known else None

    def outside(r: YearRecord) -> tuple[str, str]:
        return (
            f"{r.at(labels, 'zh')}，不是{what[0]}",
            f"{r.at(labels, 'en')}, not {what[1]}",
        )

    rule: _Rule = (streak.id, "streak", streak.label, streak.action)
    return {o: _run(h, window, test, rule, what, outside) for o, h in sorted(histories.items())}


def escalations(
    flag: Flag, histories: Mapping[str, OrgHistory], *, year: int | None = None
) -> dict[str, RunResult]:
    """``fires`` (the escalation action applies) when the flag was raised in each of the
    ``flag.escalate.after`` years ending at ``year``; a year without a rated or unrated
    decision is unknown (``cannot determine`` unless another year settles it)."""
    if flag.escalate is None:
        raise PopulationError(f"flag {flag.id!r} has no escalation")
    window = _window(histories, flag.escalate.after, year)
    what = (flag.label.zh, flag.label.text("en"))

    def test(r: YearRecord) -> bool | None:
        return flag.id in r.flags if r.flags_known else None

    def outside(r: YearRecord) -> tuple[str, str]:
        return f"{r.year}年未亮{what[0]}", f"no {what[1]} in {r.year}"

    rule: _Rule = (flag.id, "escalation", flag.label, flag.escalate.action)
    return {o: _run(h, window, test, rule, what, outside) for o, h in sorted(histories.items())}


# --- deadlines (限时晋位) ----------------------------------------------------------------------

_OUTCOME_ZH = {
    "overdue": "逾期未晋位",
    "met": "已按期晋位",
    "missed": "逾期后晋位",
    "running": "限期内",
    "not applicable": "不适用",
    "cannot determine": "无法判断",
}
_OUTCOME_EN = {"missed": "promoted late"}


@attrs.frozen
class DeadlineResult:
    """One organization against a promotion deadline at a given date."""

    org_id: str
    deadline_id: str
    outcome: DeadlineOutcome
    entered: int | None  # first year of the latest spell in the deadline tiers
    due: dt.date | None
    promoted: int | None  # year of the assessment that took it out of those tiers
    months_left: int | None  # running: whole months left at the date
    start_uncertain: bool  # an unknown year just before the spell could move its start earlier
    unknown_years: tuple[int, ...]
    reason_zh: str
    reason_en: str

    @property
    def text(self) -> str:
        if self.outcome == "running" and self.months_left is not None:
            return f"running ({self.months_left} months left)"
        return _OUTCOME_EN.get(self.outcome, self.outcome)

    def to_dict(self) -> dict[str, Any]:
        return {**as_json(self), "text": self.text}


_Spell: TypeAlias = tuple[DeadlineOutcome, int | None, dt.date | None, int | None, int | None]


def _spell(
    years: Sequence[int],
    inside: Sequence[bool],
    dates: Mapping[int, dt.date],
    months: int,
    as_of: dt.date,
) -> _Spell:
    """Outcome, entry year, due date, promotion year, months left for fully known years."""
    last = max((i for i, x in enumerate(inside) if x), default=None)
    if last is None:
        return "not applicable", None, None, None, None
    start = last
    while start > 0 and inside[start - 1]:
        start -= 1
    entered = years[start]
    due = add_months(dates[entered], months)
    if last == len(years) - 1:
        if as_of > due:
            return "overdue", entered, due, None, None
        return "running", entered, due, None, whole_months(as_of, due)
    promoted = years[last + 1]
    return ("met" if dates[promoted] <= due else "missed"), entered, due, promoted, None


def _deadline_texts(
    s: _Spell, deadline: Deadline, as_of: dt.date, labels: Labels
) -> tuple[str, str]:
    outcome, entered, due, promoted, left = s
    t_zh, t_en = tiers_text(deadline.tiers, labels, "zh"), tiers_text(deadline.tiers, labels, "en")
    if outcome == "not applicable" or entered is None or due is None:
        return f"不适用：未列为{t_zh}", f"not applicable: not in {t_en}"
    head_zh = f"{entered}年起列为{t_zh}，须于{deadline.months}个月内（{due.isoformat()}前）晋位"
    head_en = (
        f"{t_en} since {entered}; due to be promoted within {deadline.months} months "
        f"(by {due.isoformat()})"
    )
    if outcome == "overdue":
        return (
            f"逾期未晋位：{head_zh}，至{as_of.isoformat()}仍为{t_zh}",
            f"overdue: {head_en}; still {t_en} on {as_of.isoformat()}",
        )
    if outcome == "running":
        return (
            f"限期内（剩{left}个月）：{head_zh}",
            f"running ({left} months left on {as_of.isoformat()}): {head_en}",
        )
    word_zh, word_en = (
        ("已按期晋位", "met") if outcome == "met" else ("逾期后晋位", "promoted late")
    )
    return (
        f"{word_zh}：{head_zh}，{promoted}年晋位",
        f"{word_en}: {head_en}; promoted in {promoted}",
    )


def check_deadlines(
    deadline: Deadline,
    histories: Mapping[str, OrgHistory],
    as_of: dt.date,
    assessed_on: Mapping[int, dt.date] | None = None,
    *,
    labels: Labels = None,
) -> dict[str, DeadlineResult]:
    """Each organization against 限时晋位 at ``as_of``.

    The latest spell of consecutive years in ``deadline.tiers`` starts the clock at the
    assessment date of its first year (``assessed_on[year]``, default 31 December); only
    assessments made on or before ``as_of`` count. Outcomes: ``overdue`` (still in the tiers
    after ``months`` months), ``running`` (still in them, time left), ``met`` (promoted on or
    before the due date), ``missed`` (promoted after it), ``not applicable`` (never in them).
    The first year of the histories is taken as the start of the records. An unknown year
    (absent, pending, unrated) is tried both ways: if the outcome depends on it, the answer is
    ``cannot determine``, with the possible outcomes in the explanation."""
    assessed_on = assessed_on or {}
    out: dict[str, DeadlineResult] = {}
    tiers = set(deadline.tiers)
    for org_id, h in sorted(histories.items()):
        dates = {y: assessed_on.get(y, dt.date(y, 12, 31)) for y in h.years}
        records = [h.record(y) for y in h.years if dates[y] <= as_of]
        years = [r.year for r in records if r.year is not None]
        states = [r.tier in tiers if r.known else None for r in records]
        unknown = tuple(y for y, s in zip(years, states) if s is None)
        why_zh = "、".join(r.why_unknown("zh") for r in records if not r.known)
        why_en = "; ".join(r.why_unknown("en") for r in records if not r.known)
        if len(unknown) > MAX_UNKNOWN_YEARS:
            out[org_id] = DeadlineResult(
                org_id, deadline.id, "cannot determine", None, None, None, None, False, unknown,
                f"无法判断：未知年份过多（{len(unknown)}个）",
                f"cannot determine: {len(unknown)} unknown years",
            )  # fmt: skip
            continue
        spells: list[_Spell] = []
        for fill in itertools.product((False, True), repeat=len(unknown)):
            it = iter(fill)
            complete = [next(it) if s is None else s for s in states]
            spells.append(_spell(years, complete, dates, deadline.months, as_of))
        kinds = sorted({s[0] for s in spells})
        if len(kinds) > 1:
            zh = "、".join(_OUTCOME_ZH[k] for k in kinds)
            en = ", ".join(_OUTCOME_EN.get(k, k) for k in kinds)
            out[org_id] = DeadlineResult(
                org_id, deadline.id, "cannot determine", None, None, None, None, False, unknown,
                f"无法判断：{why_zh}；可能为{zh}", f"cannot determine: {why_en}; it could be {en}",
            )  # fmt: skip
            continue
        # All completions agree: report the earliest possible start (the strictest reading).
        worst = min(spells, key=lambda s: (s[1] is None, s[1] or 0))
        uncertain = len({s[1] for s in spells}) > 1
        zh, en = _deadline_texts(worst, deadline, as_of, labels)
        if uncertain:
            zh += f"（因{why_zh}，起始年份按最早可能的{worst[1]}年计）"
            en += f" (start counted from the earliest possible year {worst[1]}: {why_en})"
        left = min((s[4] for s in spells if s[4] is not None), default=None)
        out[org_id] = DeadlineResult(
            org_id,
            deadline.id,
            worst[0],
            worst[1],
            worst[2],
            worst[3],
            left,
            uncertain,
            unknown,
            zh,
            en,
        )
    return out
