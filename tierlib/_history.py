"""Year-on-year history (升级晋档): transitions, streaks, deadlines, warning-colour escalation.

The helpers shared with :mod:`tierlib.population` live here too; import the public names from
there. Everything is a pure function over immutable inputs and every outcome carries its
explanation in Chinese (``reason_zh``) and English (``reason_en``).

**Known and unknown years.** An organization's tier is *known* in a year when its decision there
has status ``rated``. A year with no decision (``absent``), a ``pending`` decision or an
``unrated`` one gives no tier. Such a year is never read as "no": an outcome it could change is
"cannot determine". Warning colours are known in every year with a ``rated`` or ``unrated``
decision (a pending decision has no score to colour).
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal, TypeAlias

import attrs

from tierlib.decision import Decision, fmt_fraction
from tierlib.errors import TierlibError
from tierlib.model import Deadline, Flag, Label, RuleSet, Streak

YearStatus: TypeAlias = Literal["rated", "unrated", "pending", "absent"]
Direction: TypeAlias = Literal["up", "down", "same", "cannot determine"]
RunOutcome: TypeAlias = Literal["fires", "does not fire", "cannot determine"]
DeadlineOutcome: TypeAlias = Literal[
    "overdue", "met", "missed", "running", "cannot determine", "not applicable"
]
Labels: TypeAlias = Mapping[str, Label] | None

MAX_UNKNOWN_YEARS = 16  # deadlines enumerate 2**k completions of the unknown years


class PopulationError(TierlibError, ValueError):
    """Decisions that cannot be evaluated together (an organization twice, an unknown tier, …)."""


# --- shared helpers -------------------------------------------------------------------------


def tier_order(ruleset: RuleSet) -> tuple[str, ...]:
    """The tier ids of ``ruleset``, best first."""
    return tuple(t.id for t in ruleset.tiers)


def tier_labels(ruleset: RuleSet) -> dict[str, Label]:
    """The labels of the tiers of ``ruleset`` by id, for the explanations."""
    return {t.id: t.label for t in ruleset.tiers}


def positions(order: Sequence[str]) -> dict[str, int]:
    """Tier id → index in ``order`` (0 = best)."""
    pos = {t: i for i, t in enumerate(order)}
    if len(pos) != len(order):
        raise PopulationError(f"the tier order lists a tier twice: {list(order)}")
    return pos


def check_decisions(decisions: Sequence[Decision], pos: Mapping[str, int]) -> int | None:
    """Check that ``decisions`` are one year's, one per organization, with known tiers.

    Returns the year (None when no decision states one)."""
    seen: set[str] = set()
    for d in decisions:
        if d.org_id in seen:
            raise PopulationError(f"organization {d.org_id!r} appears twice")
        seen.add(d.org_id)
        if d.status == "rated" and d.tier not in pos:
            raise PopulationError(
                f"organization {d.org_id!r}: tier {d.tier!r} is not in the tier order {list(pos)}"
            )
    years = sorted({d.year for d in decisions if d.year is not None})
    if len(years) > 1:
        raise PopulationError(f"decisions of several years {years} cannot be evaluated together")
    return years[0] if years else None


def ceil_share(share: Fraction, n: int) -> int:
    """``ceil(share × n)`` in exact integer arithmetic."""
    return -((-share.numerator * n) // share.denominator)


def pct_exact(share: Fraction) -> str:
    """``share`` as a percentage, exact when it terminates (``10%``, ``12.5%``)."""
    return fmt_fraction(share * 100) + "%"


def pct_rounded(x: Fraction, digits: int = 2) -> str:
    """``x`` as a percentage rounded half up to ``digits`` decimals (``3.76%``)."""
    scaled = abs(x) * 100 * 10**digits
    q = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    sign = "-" if x < 0 and q else ""
    if digits == 0:
        return f"{sign}{q}%"
    text = str(q).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}%"


def num_json(x: Fraction | None) -> str | None:
    return None if x is None else fmt_fraction(x, exact=True)


def score_text(score: Fraction | None, lang: str) -> str:
    if score is None:
        return "无分数" if lang == "zh" else "no score"
    return f"{fmt_fraction(score)}分" if lang == "zh" else f"score {fmt_fraction(score)}"


def tier_name(tier: str | None, labels: Labels, lang: str) -> str:
    if tier is None:
        return "不定级" if lang == "zh" else "unrated"
    label = labels.get(tier) if labels else None
    return label.text(lang) if label is not None else tier


def tiers_text(tiers: Iterable[str], labels: Labels, lang: str) -> str:
    names = [tier_name(t, labels, lang) for t in tiers]
    return "、".join(names) if lang == "zh" else " or ".join(names)


_ZH_NUM = "零一两三四五六七八九十"
_EN_NUM = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def zh_count(n: int) -> str:
    return _ZH_NUM[n] if 0 <= n <= 10 else str(n)


def en_classes(n: int) -> str:
    word = _EN_NUM[n] if 0 <= n <= 10 else str(n)
    return f"{word} class" if n == 1 else f"{word} classes"


def ordinal_en(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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


def as_json(value: Any) -> Any:
    """JSON-ready data of a result: attrs classes as dicts (in field order), exact fractions as
    text, dates in ISO form, labels as ``{"zh", "en"}``."""
    if isinstance(value, Label):
        return {"zh": value.zh, "en": value.en or value.zh}
    if attrs.has(type(value)):
        return {f.name: as_json(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, Fraction):
        return fmt_fraction(value, exact=True)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [as_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    return value


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


def record_of(year: int | None, decision: Decision | None) -> YearRecord:
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


def history(decisions_by_year: Mapping[int, Sequence[Decision]]) -> dict[str, OrgHistory]:
    """Each organization's record in every year from the first to the last year of the input.

    A year missing from the mapping, or an organization missing from a year, is ``absent``.
    A decision whose ``year`` differs from its key, or an organization twice in a year, raises
    :class:`PopulationError`. Type, county and township come from the latest decision."""
    if not decisions_by_year:
        return {}
    by_org: dict[str, dict[int, Decision]] = {}
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
    prev_year: Sequence[Decision],
    next_year: Sequence[Decision],
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
    decisions_y1: Sequence[Decision],
    decisions_y2: Sequence[Decision],
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
