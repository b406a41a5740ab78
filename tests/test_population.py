"""Distributions, year-on-year transitions (seed 004), rankings; shared decision builders."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Literal

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import POP_TIERS, pop_decisions, pop_followed_pairs, pop_year_pairs

from tierlib._ast import Ref
from tierlib.decision import Decision, FiredVeto, Provenance, Status
from tierlib.model import NOWHERE, Deadline, Escalation, Flag, Label, Quota, Streak
from tierlib.population import (
    Ranking,
    Rated,
    apply_quota,
    biggest_risers,
    check_streaks,
    compare_years,
    distribution,
    history,
    rank,
    transition_matrix,
    transitions,
)
from tierlib.tables import Outcome

TIERS = ("class1", "class2", "class3", "class4")
LABELS = {
    "class1": Label("一类", "Class 1"),
    "class2": Label("二类", "Class 2"),
    "class3": Label("三类", "Class 3"),
    "class4": Label("四类", "Class 4"),
}
PROVENANCE = Provenance("test", "0", "0" * 64, "0", "0" * 64)
VILLAGES = Quota("lagging_villages", Label("后进村党组织（倒排）", "Lagging villages"), "village",
                 Fraction(1, 10))  # fmt: skip
COMMUNITIES = Quota("lagging_communities", Label("后进社区党组织（倒排）", "Lagging communities"),
                    "community", Fraction(1, 20))  # fmt: skip
WEAK_TWICE = Streak("replace_secretary", Label("连续2年软弱涣散", "Weak two years running"),
                    ("class4",), 2, Label("调整党组织书记", "Replace the secretary"))  # fmt: skip
PROMOTE_IN_12 = Deadline(
    "timed_promotion", Label("限时晋位", "Promotion deadline"), ("class4",), 12
)
RED = Flag("red", Label("红色预警", "Red warning"), Ref(("score",), NOWHERE),
           Escalation(2, Label("约谈书记", "Warning talk with the secretary")))  # fmt: skip


def tier_of(score: Fraction) -> str:
    """The default scheme's cut-offs: ≥90 / ≥80 / ≥60 / below."""
    return (
        "class1"
        if score >= 90
        else "class2"
        if score >= 80
        else "class3"
        if score >= 60
        else "class4"
    )


def dec(
    org_id: str,
    tier: str | None = "class3",
    score: Fraction | int | str | None = 70,
    *,
    status: Status = "rated",
    year: int | None = 2023,
    org_type: str = "village",
    county: str = "随县",
    township: str = "t1",
    vetoed: bool = False,
    flags: Iterable[str] = (),
) -> Decision:
    """A decision built directly (no engine run); ``vetoed`` adds a decisive force veto."""
    value = None if score is None else Fraction(score)
    vetoes = (FiredVeto("team_incomplete", "force", "class4", decisive=True),) if vetoed else ()
    return Decision(
        org_id=org_id, org_name=org_id, org_type=org_type, year=year, status=status,
        tier=tier if status == "rated" else None, score=value, raw_score=value, score_tier=tier,
        dimensions={}, points={}, vetoes=vetoes, flags=tuple(flags), missing=(), trace=(),
        provenance=PROVENANCE, county=county, township=township,
    )  # fmt: skip


def villages(n: int, *, county: str = "随县", start: int = 0, prefix: str = "v") -> list[Decision]:
    """``n`` villages over 7 townships with distinct scores from 40 upward (0.1 apart)."""
    out = []
    for i in range(start, start + n):
        score = Fraction(400 + i, 10)
        out.append(
            dec(f"{prefix}{i:03d}", tier_of(score), score, county=county, township=f"t{i % 7}")
        )
    return out


# --- seed 004 ----------------------------------------------------------------------------------


def seed_004() -> tuple[list[Decision], list[Decision]]:
    """266 villages: before 2 / 14 / 200 / 50 in classes 1–4 (our split of the 250 in 3–4);
    then 8 二→一, 37 三→二, 3 四→二 and nobody else moves."""
    before_tiers = ["class1"] * 2 + ["class2"] * 14 + ["class3"] * 200 + ["class4"] * 50
    moves = {}
    moves.update(dict.fromkeys(range(2, 10), "class1"))  # 8 of the class-2 villages
    moves.update(dict.fromkeys(range(16, 53), "class2"))  # 37 of the class-3 villages
    moves.update(dict.fromkeys(range(216, 219), "class2"))  # 3 of the class-4 villages
    before, after = [], []
    for i, t in enumerate(before_tiers):
        before.append(dec(f"v{i:03d}", t, 70, year=2008, township=f"t{i % 12}"))
        after.append(dec(f"v{i:03d}", moves.get(i, t), 75, year=2009, township=f"t{i % 12}"))
    return before, after


def test_seed_004_promotions_give_10_class1_and_46_class2_of_266() -> None:
    """Seed 004 through the API: 2/14/250 before, 8 二→一, 37 三→二, 3 四→二, then 10 and 46."""
    before, after = seed_004()
    b = distribution(before, TIERS, labels=LABELS)
    assert b.total == 266
    assert b.counts == (2, 14, 200, 50)
    assert b.count("class3") + b.count("class4") == 250
    a = distribution(after, TIERS, labels=LABELS)
    assert a.counts == (10, 46, 163, 47)
    assert a.share("class1") == Fraction(10, 266)
    assert a.share("class2") == Fraction(46, 266)
    assert (a.percent("class1"), a.percent("class2")) == ("3.76%", "17.29%")
    assert a.percent("class1", 0) == "4%"
    assert a.percent("class2", 0) == "17%"
    assert "一类10个（3.76%）" in a.reason_zh
    assert "Class 2 46 (17.29%)" in a.reason_en

    m = transition_matrix(before, after, TIERS, labels=LABELS)
    assert m.count("class2", "class1") == 8
    assert m.count("class3", "class2") == 37
    assert m.count("class4", "class2") == 3
    assert (m.promoted, m.demoted, m.unchanged) == (48, 0, 218)
    assert m.by_steps() == {0: 218, 1: 45, 2: 3}
    assert "跨档3个" in m.reason_zh

    cmp = compare_years(before, after, TIERS, labels=LABELS)
    assert (cmp.promotions, cmp.demotions) == (48, 0)
    assert "一类 2→10（+8）" in cmp.reason_zh
    assert "Class 2 14 → 46 (+32)" in cmp.reason_en
    json.dumps(cmp.to_dict(), ensure_ascii=False)


def test_skipping_a_class_is_reported_as_up_two_classes() -> None:
    """四→二 is allowed and reads "up two classes" / 升两档."""
    t = transitions([dec("a", "class4", year=2008)], [dec("a", "class2", year=2009)], TIERS,
                    labels=LABELS)["a"]  # fmt: skip
    assert (t.direction, t.steps, t.text) == ("up", 2, "up two classes")
    assert t.reason_zh == "2008年四类→2009年二类：升两档"
    assert t.reason_en == "Class 4 (2008) → Class 2 (2009): up two classes"


def test_transitions_say_down_same_and_cannot_determine() -> None:
    """Demotion, no change, and a missing or pending year gives "cannot determine"."""
    y1 = [dec("down", "class1"), dec("same", "class3"), dec("gone", "class2"), dec("p", "class2")]
    y2 = [
        dec("down", "class2", year=2024),
        dec("same", "class3", year=2024),
        dec("new", "class1", year=2024),
        dec("p", None, None, status="pending", year=2024),
    ]
    ts = transitions(y1, y2, TIERS)
    assert ts["down"].text == "down one class"
    assert ts["same"].text == "same"
    for org in ("gone", "new", "p"):
        assert ts[org].direction == "cannot determine"
    assert "2024年评定待定" in ts["p"].reason_zh
    assert "no result in 2023" in ts["new"].reason_en
    m = transition_matrix(y1, y2, TIERS)
    assert (m.both, m.rated_in_both, m.undetermined, m.entered, m.left) == (3, 2, 1, 1, 1)


# --- rankings ----------------------------------------------------------------------------------


def test_ranking_uses_competition_ties_and_says_tied() -> None:
    """Scores 90, 85, 85, 80 rank 1, 2, 2, 4; the tie reads 并列第2名 / tied 2nd."""
    ds = [dec("a", "class1", 90), dec("b", "class2", 85), dec("c", "class2", 85),
          dec("d", "class2", 80), dec("e", None, None, status="pending")]  # fmt: skip
    rs = rank(ds, TIERS, "township")
    assert [(r.org_id, r.rank) for r in rs] == [("a", 1), ("b", 2), ("c", 2), ("d", 4), ("e", None)]
    assert rs[1].reason_zh == "乡镇内并列第2名/共4个（与c并列）"
    assert rs[1].reason_en == "tied 2nd of 4 in the township (with c)"
    assert rs[0].reason_en == "1st of 4 in the township"
    assert rs[4].reason_en == "pending: cannot be ranked"


def test_ranking_puts_rated_before_unrated_and_groups_by_township_or_county() -> None:
    """A rated class-4 outranks an unrated organization; within: county merges townships."""
    ds = [
        dec("u", None, 95, status="unrated", township="t1"),
        dec("r", "class4", 40, township="t1"),
        dec("s", "class1", 99, township="t2"),
    ]
    by_town = rank(ds, TIERS, "township")
    assert [(r.township, r.org_id, r.rank) for r in by_town] == [
        ("t1", "r", 1), ("t1", "u", 2), ("t2", "s", 1)]  # fmt: skip
    by_county = rank(ds, TIERS, "county")
    assert [(r.org_id, r.rank, r.of) for r in by_county] == [("s", 1, 3), ("r", 2, 3), ("u", 3, 3)]
    assert by_county[0].reason_zh == "县内第1名/共3个"


# --- hypothesis invariants ---------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(pop_year_pairs())
def test_transition_matrix_sums_to_organizations_present_in_both_years(
    pair: tuple[list[Decision], list[Decision]],
) -> None:
    """Matrix total + undetermined = organizations in both years; entered/left are the rest."""
    y1, y2 = pair
    m = transition_matrix(y1, y2, POP_TIERS)
    ids1, ids2 = {d.org_id for d in y1}, {d.org_id for d in y2}
    assert sum(map(sum, m.counts)) + m.undetermined == len(ids1 & ids2) == m.both
    assert (m.entered, m.left) == (len(ids2 - ids1), len(ids1 - ids2))
    assert m.promoted + m.demoted + m.unchanged == m.rated_in_both


@settings(max_examples=60, deadline=None)
@given(pop_decisions(), st.sampled_from(["township", "county"]))
def test_ranking_is_a_permutation_with_competition_ties(
    decisions: list[Decision], within: Literal["township", "county"]
) -> None:
    """Every organization once; ranks are 1-based, ties share a rank and the next is skipped."""
    rs = rank(decisions, POP_TIERS, within)
    assert sorted(r.org_id for r in rs) == sorted(d.org_id for d in decisions)
    groups: dict[tuple[str, str | None], list[Ranking]] = {}
    for r in rs:
        groups.setdefault((r.county, r.township), []).append(r)
    for members in groups.values():
        ranked = [m for m in members if m.rank is not None]
        assert members[: len(ranked)] == ranked  # pending last, unranked
        for i, m in enumerate(ranked):
            assert m.of == len(ranked)
            tied_with_previous = i > 0 and ranked[i - 1].org_id in m.tied_with
            assert m.rank == (ranked[i - 1].rank if tied_with_previous else i + 1)
            assert m.tied == ("并列" in m.reason_zh) == ("tied" in m.reason_en)
            assert all(o.rank == m.rank for o in ranked if o.org_id in m.tied_with)


@settings(max_examples=60, deadline=None)
@given(st.one_of(pop_followed_pairs(), pop_year_pairs()))
def test_the_outcomes_of_decisions_give_what_the_decisions_give(
    pair: tuple[list[Decision], list[Decision]],
) -> None:
    """The CLI passes the tables.Outcome of each decision: a Rated, which every population
    function reads exactly as it reads the decision itself."""
    y1, y2 = pair
    o1, o2 = ([Outcome.of(k, d) for k, d in enumerate(ds)] for ds in pair)

    def results(a: Sequence[Rated], b: Sequence[Rated]) -> list[object]:
        histories = history({2023: a, 2024: b})
        return [
            distribution(b, POP_TIERS, "township", labels=LABELS),
            apply_quota(VILLAGES, b, POP_TIERS, labels=LABELS),
            rank(b, POP_TIERS, "county"),
            compare_years(a, b, POP_TIERS, labels=LABELS),
            biggest_risers(a, b, POP_TIERS, org_type="village", labels=LABELS),
            histories,
            check_streaks(WEAK_TWICE, histories, labels=LABELS),
        ]

    assert results(y1, y2) == results(o1, o2)
    assert [d.vetoed for d in y1 + y2] == [o.vetoed for o in o1 + o2]
