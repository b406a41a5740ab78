"""Rankings: each organization's place within its township or county, best first, with
competition ties ("1224").

Private: import the public names from :mod:`tierlib.population`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from tierlib._popbase import (
    Labels,
    Rated,
    Within,
    check_decisions,
    competition,
    groups,
    positions,
    tier_pos,
)
from tierlib._popfmt import as_json, ordinal_en


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


def _best_first(d: Rated, pos: Mapping[str, int]) -> tuple[int, int, int, int, Fraction]:
    score = d.score if d.score is not None else Fraction(0)
    return (
        0 if d.status == "rated" else 1,
        tier_pos(d, pos),
        1 if d.vetoed else 0,
        1 if d.score is None else 0,
        -score,
    )


def rank(
    decisions: Sequence[Rated],
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
    for (county, township), members in groups(decisions, within):
        ranked = sorted(
            (d for d in members if d.status != "pending"),
            key=lambda d: (_best_first(d, pos), d.org_id),
        )
        keys = [_best_first(d, pos) for d in ranked]
        ranks = competition(keys)
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
