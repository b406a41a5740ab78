"""Quotas (倒排): per county (or township), list at least ``ceil(share × n)`` organizations of a
type, worst first, with every tie at the cut.

Private: import the public names from :mod:`tierlib.population`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal

import attrs

from tierlib._popbase import (
    Labels,
    Rated,
    ceil_share,
    check_decisions,
    competition,
    groups,
    positions,
    tier_labels,
    tier_order,
    tier_pos,
)
from tierlib._popfmt import as_json, pct_exact, place, score_text, tier_name, type_zh
from tierlib.model import Label, Quota, RuleSet


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


def _worst_first(d: Rated, pos: Mapping[str, int]) -> tuple[int, int, int, Fraction]:
    """Vetoed first, then the worst tier (unrated below all), then the lowest score (None last)."""
    score = d.score if d.score is not None else Fraction(0)
    return (0 if d.vetoed else 1, -tier_pos(d, pos), 1 if d.score is None else 0, score)


def _quota_group(
    quota: Quota,
    county: str,
    township: str | None,
    members: Sequence[Rated],
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
    ranks = competition(keys)
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
    place_zh, place_en = place(county, township, "zh"), place(county, township, "en")
    zh = (
        f"{quota.label.zh}（{place_zh}）：共{n}个{type_zh(quota.org_type)}，"
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
    decisions: Sequence[Rated],
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
        for (c, t), members in groups(mine, quota.per)
    )
    total = sum(len(g.listed) for g in out)
    zh = f"{quota.label.zh}：{len(out)}个分组共列入{total}个"
    en = f"{quota.label.text('en')}: {total} listed in {len(out)} group(s)"
    return QuotaResult(quota.id, quota.label, quota.org_type, quota.share, quota.per, out, zh, en)


def apply_quotas(ruleset: RuleSet, decisions: Sequence[Rated]) -> tuple[QuotaResult, ...]:
    """Every quota of ``ruleset`` applied to one year's decisions."""
    order, labels = tier_order(ruleset), tier_labels(ruleset)
    return tuple(apply_quota(q, decisions, order, labels=labels) for q in ruleset.quotas)
