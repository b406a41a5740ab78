"""Whole-county rules over many decisions: quotas (倒排), rankings, distributions, year-on-year
comparison (升级晋档), streaks, promotion deadlines and warning-colour escalation.

Pure functions over immutable inputs; the results are frozen attrs classes with ``to_dict()``
for JSON, and every population-level outcome explains itself in Chinese and English
(``reason_zh`` / ``reason_en``). ``tier_order`` is always the tier ids best first (see
:func:`tier_order`); ``labels`` (see :func:`tier_labels`) only make the explanations name tiers
by their labels instead of their ids.

The history functions live in :mod:`tierlib._history` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal, TypeAlias, overload

import attrs

from tierlib._history import (
    DeadlineOutcome,
    DeadlineResult,
    Direction,
    Labels,
    OrgHistory,
    PopulationError,
    RunOutcome,
    RunResult,
    Transition,
    TransitionMatrix,
    YearRecord,
    YearStatus,
    as_json,
    ceil_share,
    check_deadlines,
    check_decisions,
    check_streaks,
    escalations,
    history,
    ordinal_en,
    pct_exact,
    pct_rounded,
    positions,
    score_text,
    tier_labels,
    tier_name,
    tier_order,
    transition_matrix,
    transitions,
)
from tierlib.decision import Decision
from tierlib.model import Label, Quota, RuleSet

__all__ = [
    "DeadlineOutcome",
    "DeadlineResult",
    "Direction",
    "Distribution",
    "OrgHistory",
    "PopulationError",
    "QuotaEntry",
    "QuotaGroup",
    "QuotaResult",
    "Ranking",
    "RunOutcome",
    "RunResult",
    "Transition",
    "TransitionMatrix",
    "Unranked",
    "YearComparison",
    "YearRecord",
    "YearStatus",
    "apply_quota",
    "apply_quotas",
    "check_deadlines",
    "check_streaks",
    "compare_years",
    "distribution",
    "escalations",
    "history",
    "rank",
    "tier_labels",
    "tier_order",
    "transition_matrix",
    "transitions",
]

Within: TypeAlias = Literal["township", "county"]
_Key: TypeAlias = tuple[str, str | None]

_TYPE_ZH = {"village": "村党组织", "community": "社区党组织"}


def _type_zh(org_type: str) -> str:
    return _TYPE_ZH.get(org_type, f"{org_type}党组织")


def _place(county: str, township: str | None, lang: str) -> str:
    parts = [p for p in (county, township) if p]
    if not parts:
        return "（未注明）" if lang == "zh" else "(unnamed)"
    return "".join(parts) if lang == "zh" else ", ".join(reversed(parts))


def _groups(decisions: Sequence[Decision], per: Within) -> list[tuple[_Key, list[Decision]]]:
    """Decisions by (county, township) — township None when grouped per county — sorted."""
    out: dict[_Key, list[Decision]] = {}
    for d in decisions:
        out.setdefault((d.county, d.township if per == "township" else None), []).append(d)
    return sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))


def _tier_pos(d: Decision, pos: Mapping[str, int]) -> int:
    """Index of the tier; an unrated organization sits below every tier."""
    return pos[d.tier] if d.status == "rated" and d.tier is not None else len(pos)


def _competition(keys: Sequence[Any]) -> list[int]:
    """Competition ranks ("1224") of entries already sorted by ``keys``."""
    ranks: list[int] = []
    for i, k in enumerate(keys):
        ranks.append(ranks[-1] if i and k == keys[i - 1] else i + 1)
    return ranks


# --- quotas (倒排) --------------------------------------------------------------------------


@attrs.frozen
class QuotaEntry:
    """An organization on a quota list; ``rank`` 1 is the worst (ties share a rank)."""

    org_id: str
    rank: int
    status: str
    tier: str | None
    score: Fraction | None
    vetoed: bool
    tied_at_cut: bool
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict[str, Any]:
        return as_json(self)  # type: ignore[no-any-return]


@attrs.frozen
class Unranked:
    """A pending organization: it cannot be ranked until its assessment is complete."""

    org_id: str
    status: str
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict[str, Any]:
        return as_json(self)  # type: ignore[no-any-return]


@attrs.frozen
class QuotaGroup:
    """The quota list of one county (or township)."""

    county: str
    township: str | None  # None: the quota is per county
    n: int  # all organizations of the type in the group, whatever their status
    required: int  # ceil(share × n)
    ranked: int  # organizations eligible and rankable
    listed: tuple[QuotaEntry, ...]  # worst first
    cut_rank: int | None  # the rank at the cut (None: nothing listed)
    ties_at_cut: tuple[str, ...]  # organizations sharing the rank at the cut, when more than one
    extra: int  # listed beyond ``required`` because of ties at the cut
    shortfall: int  # ``required`` minus the rankable organizations, when they are fewer
    not_eligible: int  # rated outside ``among_tiers``
    unranked: tuple[Unranked, ...]
    reason_zh: str
    reason_en: str

    @property
    def listed_ids(self) -> tuple[str, ...]:
        return tuple(e.org_id for e in self.listed)

    def to_dict(self) -> dict[str, Any]:
        return as_json(self)  # type: ignore[no-any-return]


@attrs.frozen
class QuotaResult:
    """One quota applied to one year's decisions, group by group."""

    quota_id: str
    label: Label
    org_type: str
    share: Fraction
    per: Literal["county", "township"]
    groups: tuple[QuotaGroup, ...]
    reason_zh: str
    reason_en: str

    def group(self, county: str, township: str | None = None) -> QuotaGroup:
        for g in self.groups:
            if g.county == county and g.township == township:
                return g
        raise KeyError((county, township))

    @property
    def listed_ids(self) -> tuple[str, ...]:
        return tuple(i for g in self.groups for i in g.listed_ids)

    def to_dict(self) -> dict[str, Any]:
        return as_json(self)  # type: ignore[no-any-return]


def _worst_first(d: Decision, pos: Mapping[str, int]) -> tuple[int, int, int, Fraction]:
    """Vetoed first, then the worst tier (unrated below all), then the lowest score (None last)."""
    score = d.score if d.score is not None else Fraction(0)
    return (0 if d.vetoed else 1, -_tier_pos(d, pos), 1 if d.score is None else 0, score)


def _quota_group(
    quota: Quota,
    county: str,
    township: str | None,
    members: Sequence[Decision],
    pos: Mapping[str, int],
    labels: Labels,
) -> QuotaGroup:
    n = len(members)
    size = ceil_share(quota.share, n)
    formula = f"ceil({pct_exact(quota.share)} × {n}) = {size}"
    among = None if quota.among_tiers is None else set(quota.among_tiers)
    pending = [d for d in members if d.status == "pending"]
    rankable = [d for d in members if d.status != "pending"]
    eligible = [
        d for d in rankable if among is None or d.vetoed or d.status == "unrated" or d.tier in among
    ]
    eligible.sort(key=lambda d: (_worst_first(d, pos), d.org_id))
    keys = [_worst_first(d, pos) for d in eligible]
    ranks = _competition(keys)
    if size == 0 or not eligible:
        count = 0
    elif len(eligible) <= size:
        count = len(eligible)
    else:
        count = size
        while count < len(eligible) and keys[count] == keys[size - 1]:
            count += 1
    cut = count - 1 if count else None
    cut_rank = ranks[cut] if cut is not None else None
    tied = [d.org_id for d, k in zip(eligible, keys) if cut is not None and k == keys[cut]]
    ties = tuple(tied) if len(tied) > 1 else ()
    extra = max(count - size, 0)
    entries: list[QuotaEntry] = []
    for d, r in zip(eligible[:count], ranks):
        zh = f"按倒排列入后进名单：第{r}名/共{n}个；名单至少 {formula} 个"
        en = f"listed by quota: rank {r} of {n}; the list holds at least {formula}"
        if d.vetoed:
            zh += "；因一票否决定档，排在最前"
            en += "; a veto decided its tier, so it ranks first"
        at_cut = d.org_id in ties
        if at_cut and extra:
            what_zh = f"{tier_name(d.tier, labels, 'zh')}、{score_text(d.score, 'zh')}"
            what_en = f"{tier_name(d.tier, labels, 'en')}, {score_text(d.score, 'en')}"
            zh += f"；与名单末位并列（{what_zh}），一并列入"
            en += f"; tied at the cut ({what_en}), so listed too"
        entries.append(QuotaEntry(d.org_id, r, d.status, d.tier, d.score, d.vetoed, at_cut, zh, en))
    unranked = tuple(
        Unranked(
            d.org_id,
            d.status,
            "评定待定，无法排名；评定完成后可能进入名单",
            "pending: cannot be ranked; may enter the list once assessed",
        )
        for d in sorted(pending, key=lambda d: d.org_id)
    )
    shortfall = max(size - len(eligible), 0)
    place_zh, place_en = _place(county, township, "zh"), _place(county, township, "en")
    zh = (
        f"{quota.label.zh}（{place_zh}）：共{n}个{_type_zh(quota.org_type)}，"
        f"名单至少 {formula} 个；实列{count}个"
    )
    en = (
        f"{quota.label.text('en')} ({place_en}): {n} {quota.org_type} organizations, "
        f"the list holds at least {formula}; {count} listed"
    )
    if extra:
        zh += f"（第{cut_rank}名处{len(ties)}个并列，全部列入，多出{extra}个）"
        en += f" ({len(ties)} tied at rank {cut_rank}, all listed: {extra} more than required)"
    if shortfall:
        zh += f"；可排名的仅{len(eligible)}个，不足{shortfall}个"
        en += f"; only {len(eligible)} can be ranked, {shortfall} short"
    if pending:
        zh += f"；{len(pending)}个评定待定，无法排名，评定后名单可能变化"
        en += (
            f"; {len(pending)} pending cannot be ranked, the list may change once they are assessed"
        )
    return QuotaGroup(
        county, township, n, size, len(eligible), tuple(entries), cut_rank, ties, extra,
        shortfall, len(rankable) - len(eligible), unranked, zh, en,
    )  # fmt: skip


def apply_quota(
    quota: Quota,
    decisions: Sequence[Decision],
    tier_order: Sequence[str],
    *,
    labels: Labels = None,
) -> QuotaResult:
    """倒排: per county (or township when ``quota.per == "township"``), list at least
    ``ceil(share × n)`` organizations of ``quota.org_type``, worst first.

    ``n`` counts *all* organizations of the type in the group (rated, unrated and pending),
    also when ``among_tiers`` restricts which tiers may be listed. Order: organizations whose
    tier a force/unrated veto decided come first (they count toward the list), then by tier
    (worst first; unrated below every tier), then by score ascending (no score last). Pending
    organizations are not ranked: they are reported in ``unranked``. Every organization tied
    with the one at the cut (same veto flag, tier and score) is listed too, so the list may be
    longer than required (``extra``). ``among_tiers`` restricts rated organizations only:
    vetoed and unrated ones stay eligible. Per county, groups are never split by township.
    Decisions must be of one year and hold each organization once (:class:`PopulationError`).
    """
    pos = positions(tier_order)
    check_decisions(decisions, pos)
    mine = [d for d in decisions if d.org_type == quota.org_type]
    out = tuple(
        _quota_group(quota, c, t, members, pos, labels)
        for (c, t), members in _groups(mine, quota.per)
    )
    total = sum(len(g.listed) for g in out)
    zh = f"{quota.label.zh}：{len(out)}个分组共列入{total}个"
    en = f"{quota.label.text('en')}: {total} listed in {len(out)} group(s)"
    return QuotaResult(quota.id, quota.label, quota.org_type, quota.share, quota.per, out, zh, en)


def apply_quotas(ruleset: RuleSet, decisions: Sequence[Decision]) -> tuple[QuotaResult, ...]:
    """Every quota of ``ruleset`` applied to one year's decisions."""
    order, labels = tier_order(ruleset), tier_labels(ruleset)
    return tuple(apply_quota(q, decisions, order, labels=labels) for q in ruleset.quotas)


# --- rankings -------------------------------------------------------------------------------


@attrs.frozen
class Ranking:
    """An organization's place within its township or county; ``rank`` 1 is the best."""

    org_id: str
    county: str
    township: str | None  # None when ranked within the county
    rank: int | None  # None: pending, cannot be ranked
    of: int  # organizations ranked in the group
    tied_with: tuple[str, ...]
    status: str
    tier: str | None
    score: Fraction | None
    reason_zh: str
    reason_en: str

    @property
    def tied(self) -> bool:
        return bool(self.tied_with)

    def to_dict(self) -> dict[str, Any]:
        return {**as_json(self), "tied": self.tied}


def _best_first(d: Decision, pos: Mapping[str, int]) -> tuple[int, int, int, int, Fraction]:
    score = d.score if d.score is not None else Fraction(0)
    return (
        0 if d.status == "rated" else 1,
        _tier_pos(d, pos),
        1 if d.vetoed else 0,
        1 if d.score is None else 0,
        -score,
    )


def rank(
    decisions: Sequence[Decision],
    tier_order: Sequence[str],
    within: Within = "township",
    *,
    labels: Labels = None,
) -> list[Ranking]:
    """Best-first ranking within each township (or county): rated before unrated, then by tier,
    then organizations without a decisive veto before vetoed ones (a refinement of "by tier"),
    then by score descending (no score last). Ties share a rank and the next rank is skipped
    (competition ranking, "1224"); the explanation states the tie. Pending organizations are
    listed last in their group with ``rank`` None. Every organization appears exactly once."""
    pos = positions(tier_order)
    check_decisions(decisions, pos)
    scope_zh = "乡镇内" if within == "township" else "县内"
    scope_en = "in the township" if within == "township" else "in the county"
    out: list[Ranking] = []
    for (county, township), members in _groups(decisions, within):
        ranked = sorted(
            (d for d in members if d.status != "pending"),
            key=lambda d: (_best_first(d, pos), d.org_id),
        )
        keys = [_best_first(d, pos) for d in ranked]
        ranks = _competition(keys)
        n = len(ranked)
        same: dict[tuple[int, int, int, int, Fraction], list[str]] = {}
        for d, k in zip(ranked, keys):
            same.setdefault(k, []).append(d.org_id)
        for d, k, r in zip(ranked, keys, ranks):
            others = tuple(o for o in same[k] if o != d.org_id)
            if others:
                zh = f"{scope_zh}并列第{r}名/共{n}个（与{'、'.join(others)}并列）"
                en = f"tied {ordinal_en(r)} of {n} {scope_en} (with {', '.join(others)})"
            else:
                zh, en = f"{scope_zh}第{r}名/共{n}个", f"{ordinal_en(r)} of {n} {scope_en}"
            out.append(
                Ranking(d.org_id, county, township, r, n, others, d.status, d.tier, d.score, zh, en)
            )
        for d in sorted((d for d in members if d.status == "pending"), key=lambda d: d.org_id):
            out.append(
                Ranking(
                    d.org_id,
                    county,
                    township,
                    None,
                    n,
                    (),
                    d.status,
                    d.tier,
                    d.score,
                    "评定待定，无法排名",
                    "pending: cannot be ranked",
                )
            )
    return out


# --- distributions and year-on-year comparison ----------------------------------------------


@attrs.frozen
class Distribution:
    """Counts per tier; shares are exact fractions of ``total`` (which includes unrated and
    pending organizations)."""

    county: str | None
    township: str | None
    tier_order: tuple[str, ...]
    counts: tuple[int, ...]
    unrated: int
    pending: int
    reason_zh: str
    reason_en: str

    @property
    def total(self) -> int:
        return sum(self.counts) + self.unrated + self.pending

    def count(self, tier: str) -> int:
        return self.counts[self.tier_order.index(tier)]

    def share(self, tier: str) -> Fraction:
        """Exact share of ``tier`` (0 when there is no organization)."""
        return Fraction(self.count(tier), self.total) if self.total else Fraction(0)

    def percent(self, tier: str, digits: int = 2) -> str:
        """The share as a percentage rounded half up (``3.76%``)."""
        return pct_rounded(self.share(tier), digits)

    def to_dict(self) -> dict[str, Any]:
        def entry(count: int) -> dict[str, Any]:
            share = Fraction(count, self.total) if self.total else Fraction(0)
            return {"count": count, "share": as_json(share), "percent": pct_rounded(share)}

        return {
            "county": self.county,
            "township": self.township,
            "total": self.total,
            "tiers": {t: entry(c) for t, c in zip(self.tier_order, self.counts)},
            "unrated": entry(self.unrated),
            "pending": entry(self.pending),
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


def _distribution(
    county: str | None,
    township: str | None,
    members: Sequence[Decision],
    order: Sequence[str],
    pos: Mapping[str, int],
    labels: Labels,
) -> Distribution:
    counts = [0] * len(order)
    for d in members:
        if d.status == "rated" and d.tier is not None:
            counts[pos[d.tier]] += 1
    unrated = sum(1 for d in members if d.status == "unrated")
    pending = sum(1 for d in members if d.status == "pending")
    total = len(members)

    def part(name_zh: str, name_en: str, c: int) -> tuple[str, str]:
        pct = pct_rounded(Fraction(c, total) if total else Fraction(0))
        return f"{name_zh}{c}个（{pct}）", f"{name_en} {c} ({pct})"

    parts = [
        part(tier_name(t, labels, "zh"), tier_name(t, labels, "en"), c)
        for t, c in zip(order, counts)
    ]
    if unrated:
        parts.append(part("不定级", "unrated", unrated))
    if pending:
        parts.append(part("待定", "pending", pending))
    where_zh = "" if county is None else _place(county, township, "zh") + "："
    where_en = "" if county is None else _place(county, township, "en") + ": "
    zh = f"{where_zh}共{total}个，" + "，".join(p[0] for p in parts)
    en = f"{where_en}{total} in all; " + ", ".join(p[1] for p in parts)
    return Distribution(county, township, tuple(order), tuple(counts), unrated, pending, zh, en)


@overload
def distribution(
    decisions: Sequence[Decision],
    tier_order: Sequence[str],
    by: None = None,
    *,
    org_type: str | None = None,
    labels: Labels = None,
) -> Distribution: ...


@overload
def distribution(
    decisions: Sequence[Decision],
    tier_order: Sequence[str],
    by: Within,
    *,
    org_type: str | None = None,
    labels: Labels = None,
) -> list[Distribution]: ...


def distribution(
    decisions: Sequence[Decision],
    tier_order: Sequence[str],
    by: Within | None = None,
    *,
    org_type: str | None = None,
    labels: Labels = None,
) -> Distribution | list[Distribution]:
    """Counts and exact shares per tier, plus unrated and pending, of one year's decisions
    (only those of ``org_type`` when given): one :class:`Distribution`, or with ``by`` one per
    township or county."""
    pos = positions(tier_order)
    check_decisions(decisions, pos)
    mine = [d for d in decisions if org_type is None or d.org_type == org_type]
    if by is None:
        return _distribution(None, None, mine, tier_order, pos, labels)
    return [_distribution(c, t, ms, tier_order, pos, labels) for (c, t), ms in _groups(mine, by)]


@attrs.frozen
class YearComparison:
    """Two years side by side: distributions, the transition matrix, promotions and demotions."""

    before: Distribution
    after: Distribution
    matrix: TransitionMatrix
    transitions: tuple[Transition, ...]
    reason_zh: str
    reason_en: str

    @property
    def promotions(self) -> int:
        return self.matrix.promoted

    @property
    def demotions(self) -> int:
        return self.matrix.demoted

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "matrix": self.matrix.to_dict(),
            "transitions": [t.to_dict() for t in self.transitions],
            "promotions": self.promotions,
            "demotions": self.demotions,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


def compare_years(
    decisions_y1: Sequence[Decision],
    decisions_y2: Sequence[Decision],
    tier_order: Sequence[str],
    *,
    org_type: str | None = None,
    labels: Labels = None,
) -> YearComparison:
    """升级晋档: the distributions of both years, the transition matrix and the totals of
    promotions and demotions (of ``org_type`` only, when given)."""
    a = [d for d in decisions_y1 if org_type is None or d.org_type == org_type]
    b = [d for d in decisions_y2 if org_type is None or d.org_type == org_type]
    before = distribution(a, tier_order, labels=labels)
    after = distribution(b, tier_order, labels=labels)
    matrix = transition_matrix(a, b, tier_order, labels=labels)
    trans = tuple(transitions(a, b, tier_order, labels=labels).values())
    changes_zh, changes_en = [], []
    for t, c1, c2 in zip(tier_order, before.counts, after.counts):
        changes_zh.append(f"{tier_name(t, labels, 'zh')} {c1}→{c2}（{c2 - c1:+d}）")
        changes_en.append(f"{tier_name(t, labels, 'en')} {c1} → {c2} ({c2 - c1:+d})")
    zh = f"{matrix.reason_zh}。各档：" + "，".join(changes_zh)
    en = f"{matrix.reason_en}. By tier: " + ", ".join(changes_en)
    return YearComparison(before, after, matrix, trans, zh, en)
