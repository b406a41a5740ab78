"""Tier distributions (counts and exact shares) and the comparison of two years (升级晋档).

Private: import the public names from :mod:`tierlib.population`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, overload

import attrs

from tierlib._history import Transition, TransitionMatrix, transition_matrix, transitions
from tierlib._popbase import Labels, Rated, Within, check_decisions, groups, positions
from tierlib._popfmt import as_json, pct_rounded, place, tier_name


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
    members: Sequence[Rated],
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
    where_zh = "" if county is None else place(county, township, "zh") + "："
    where_en = "" if county is None else place(county, township, "en") + ": "
    zh = f"{where_zh}共{total}个，" + "，".join(p[0] for p in parts)
    en = f"{where_en}{total} in all; " + ", ".join(p[1] for p in parts)
    return Distribution(county, township, tuple(order), tuple(counts), unrated, pending, zh, en)


@overload
def distribution(
    decisions: Sequence[Rated],
    tier_order: Sequence[str],
    by: None = None,
    *,
    org_type: str | None = None,
    labels: Labels = None,
) -> Distribution: ...


@overload
def distribution(
    decisions: Sequence[Rated],
    tier_order: Sequence[str],
    by: Within,
    *,
    org_type: str | None = None,
    labels: Labels = None,
) -> list[Distribution]: ...


def distribution(
    decisions: Sequence[Rated],
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
    return [_distribution(c, t, ms, tier_order, pos, labels) for (c, t), ms in groups(mine, by)]


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
    decisions_y1: Sequence[Rated],
    decisions_y2: Sequence[Rated],
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
