"""Whole-county rules: quotas (倒排), rankings, distributions, history (升级晋档), risers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import POP_TIERS, pop_decisions, pop_followed_pairs, pop_year_pairs

from tierlib._ast import Ref
from tierlib.decision import Decision, FiredVeto, Provenance, Status
from tierlib.model import NOWHERE, Deadline, Escalation, Flag, Label, Quota, Streak
from tierlib.population import (
    PopulationError,
    Ranking,
    Rated,
    apply_quota,
    biggest_risers,
    check_deadlines,
    check_streaks,
    compare_years,
    distribution,
    escalations,
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


# --- quotas ------------------------------------------------------------------------------------


def test_quota_lists_39_of_381_villages() -> None:
    """At least 10% of 381 rounds up to 39; the reason gives rank, n and the formula."""
    res = apply_quota(VILLAGES, villages(381), TIERS, labels=LABELS)
    (g,) = res.groups
    assert (g.n, g.required, len(g.listed), g.extra, g.ties_at_cut) == (381, 39, 39, 0, ())
    assert g.listed_ids == tuple(f"v{i:03d}" for i in range(39))
    e = g.listed[36]
    assert e.rank == 37
    assert e.reason_zh == "按倒排列入后进名单：第37名/共381个；名单至少 ceil(10% × 381) = 39 个"
    assert (
        e.reason_en
        == "listed by quota: rank 37 of 381; the list holds at least ceil(10% × 381) = 39"
    )
    json.dumps(res.to_dict(), ensure_ascii=False)


def test_quota_size_is_exact_integer_ceiling() -> None:
    """380 × 10% = 38 exactly (no float drift up to 39); 5% of 20 = 1."""
    assert apply_quota(VILLAGES, villages(380), TIERS).groups[0].required == 38
    comm = [dec(f"c{i}", org_type="community", score=60 + i) for i in range(20)]
    assert apply_quota(COMMUNITIES, comm, TIERS).groups[0].required == 1


def test_quota_tie_at_the_cut_lists_more_than_39_and_says_why() -> None:
    """Ranks 39–41 share tier and score: all three are listed, 41 in all."""
    ds = villages(381)
    ds[39] = dec("v039x", ds[38].tier, ds[38].score, township="t3")
    ds[40] = dec("v040x", ds[38].tier, ds[38].score, township="t5")
    g = apply_quota(VILLAGES, ds, TIERS, labels=LABELS).groups[0]
    assert (g.required, len(g.listed), g.extra, g.cut_rank) == (39, 41, 2, 39)
    assert set(g.ties_at_cut) == {"v038", "v039x", "v040x"}
    assert [e.rank for e in g.listed[-3:]] == [39, 39, 39]
    assert "第39名处3个并列，全部列入，多出2个" in g.reason_zh
    assert "3 tied at rank 39, all listed: 2 more than required" in g.reason_en
    last = g.listed[-1]
    assert last.tied_at_cut
    assert "与名单末位并列（四类、43.8分），一并列入" in last.reason_zh


def test_vetoed_organizations_come_first_and_count_toward_the_list() -> None:
    """Five force-vetoed villages with high scores rank 1–5; the list stays at 39."""
    ds = villages(376) + [dec(f"x{i}", "class4", 95, vetoed=True) for i in range(5)]
    g = apply_quota(VILLAGES, ds, TIERS).groups[0]
    assert (g.n, g.required, len(g.listed)) == (381, 39, 39)
    assert [e.org_id for e in g.listed[:5]] == [f"x{i}" for i in range(5)]
    assert all(e.vetoed and e.rank == 1 for e in g.listed[:5])
    assert "一票否决" in g.listed[0].reason_zh
    assert "veto" in g.listed[0].reason_en
    assert g.listed[5].rank == 6
    assert g.listed_ids[5:] == tuple(f"v{i:03d}" for i in range(34))


def test_quota_is_per_type_and_per_county_never_split_by_township() -> None:
    """Villages 10% and communities 5% separately; each county on its own; townships unsplit."""
    ds = villages(381, county="随县") + villages(100, county="曾都区", start=400, prefix="w")
    ds += [dec(f"c{i:02d}", org_type="community", score=50 + i, county="随县") for i in range(41)]
    vil = apply_quota(VILLAGES, ds, TIERS)
    assert [(g.county, g.township, g.n, len(g.listed)) for g in vil.groups] == [
        ("曾都区", None, 100, 10),
        ("随县", None, 381, 39),
    ]
    assert not any(i.startswith("c") for i in vil.listed_ids)
    comm = apply_quota(COMMUNITIES, ds, TIERS)
    assert [(g.county, g.n, g.required) for g in comm.groups] == [("随县", 41, 3)]
    assert comm.groups[0].listed_ids == ("c00", "c01", "c02")
    # the worst 39 of 随县 all sit in one township: they are all listed, not spread evenly
    worst = [dec(f"z{i:02d}", "class4", Fraction(i, 10), township="t_bad") for i in range(39)]
    g = apply_quota(VILLAGES, [*villages(342), *worst], TIERS).groups[0]
    assert set(g.listed_ids) == {d.org_id for d in worst}


def test_quota_per_township_makes_one_list_per_township() -> None:
    """With per: township each township gets its own ceil(share × n)."""
    q = Quota("t", Label("乡镇倒排"), "village", Fraction(1, 10), per="township")
    res = apply_quota(q, villages(70), TIERS)
    assert [(g.township, g.n, g.required) for g in res.groups] == [
        (f"t{i}", 10, 1) for i in range(7)
    ]


def test_pending_organizations_are_reported_unranked_and_still_count_in_n() -> None:
    """378 rated + 3 pending: n = 381, 39 listed from the rated, the 3 reported as unranked."""
    ds = villages(378) + [dec(f"p{i}", None, None, status="pending") for i in range(3)]
    g = apply_quota(VILLAGES, ds, TIERS).groups[0]
    assert (g.n, g.required, g.ranked, len(g.listed)) == (381, 39, 378, 39)
    assert [u.org_id for u in g.unranked] == ["p0", "p1", "p2"]
    assert not set(g.listed_ids) & {"p0", "p1", "p2"}
    assert "3个评定待定，无法排名" in g.reason_zh
    assert "3 pending cannot be ranked" in g.reason_en


def test_among_tiers_keeps_n_at_all_organizations_and_reports_a_shortfall() -> None:
    """Only class 4 may be listed, but n counts all 100: 10 required, 4 eligible, 6 short."""
    q = Quota("q", Label("四类倒排"), "village", Fraction(1, 10), among_tiers=("class4",))
    ds = [dec(f"a{i:02d}", "class3", 70 + Fraction(i, 10)) for i in range(96)]
    ds += [dec(f"b{i}", "class4", 50 + i) for i in range(4)]
    g = apply_quota(q, ds, TIERS).groups[0]
    assert (g.n, g.required, len(g.listed), g.shortfall, g.not_eligible) == (100, 10, 4, 6, 96)
    assert "不足6个" in g.reason_zh


def test_mixed_years_or_duplicates_or_unknown_tiers_are_refused() -> None:
    """Quota inputs are one year's decisions, one per organization, with known tiers."""
    with pytest.raises(PopulationError, match="several years"):
        apply_quota(VILLAGES, [dec("a"), dec("b", year=2024)], TIERS)
    with pytest.raises(PopulationError, match="twice"):
        apply_quota(VILLAGES, [dec("a"), dec("a")], TIERS)
    with pytest.raises(PopulationError, match="tier order"):
        apply_quota(VILLAGES, [dec("a", "class9")], TIERS)


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


# --- history: streaks, deadlines, escalation ------------------------------------------------------


def years_of(**tiers_by_org: Sequence[str | None]) -> dict[int, list[Decision]]:
    """Decisions for 2021, 2022, …; a tier None means the organization is absent that year,
    "pending" means a pending decision."""
    out: dict[int, list[Decision]] = {}
    for org, tiers in tiers_by_org.items():
        for i, t in enumerate(tiers):
            y = 2021 + i
            out.setdefault(y, [])
            if t == "pending":
                out[y].append(dec(org, None, None, status="pending", year=y))
            elif t is not None:
                out[y].append(dec(org, t, 50 if t == "class4" else 75, year=y,
                                  flags=("red",) if t == "class4" else ()))  # fmt: skip
    return out


def test_history_holds_the_tier_per_year_none_when_absent_or_pending() -> None:
    """tiers: {2021: class4, 2022: None (absent), 2023: None (pending)}."""
    h = history(years_of(a=["class4", None, "pending"], b=["class1", "class1", "class1"]))
    assert h["a"].tiers == {2021: "class4", 2022: None, 2023: None}
    assert [r.status for r in h["a"].records] == ["rated", "absent", "pending"]
    json.dumps(h["a"].to_dict())


def test_two_weak_years_fire_the_streak() -> None:
    """class4 in 2022 and 2023 → replace the secretary."""
    r = check_streaks(
        WEAK_TWICE, history(years_of(a=["class2", "class4", "class4"])), labels=LABELS
    )["a"]
    assert (r.outcome, r.window) == ("fires", (2022, 2023))
    assert r.action is not None
    assert r.action.zh == "调整党组织书记"
    assert r.reason_zh == "触发「连续2年软弱涣散」：2022–2023年连续2年均为四类 → 调整党组织书记"


def test_a_missing_year_in_the_window_cannot_be_determined() -> None:
    """Absent or pending in 2022 and class4 in 2023: never "no", but "cannot determine"."""
    h = history(years_of(a=["class4", None, "class4"], b=["class4", "pending", "class4"]))
    rs = check_streaks(WEAK_TWICE, h)
    assert rs["a"].outcome == rs["b"].outcome == "cannot determine"
    assert rs["a"].unknown_years == (2022,)
    assert "2022年无此组织的评定结果" in rs["a"].reason_zh
    assert "pending in 2022" in rs["b"].reason_en


def test_a_known_non_weak_year_means_the_streak_does_not_fire() -> None:
    """class3 in 2023 settles it even when 2022 is missing."""
    h = history(years_of(a=["class4", None, "class3"], b=["class4", "class4", "class2"]))
    rs = check_streaks(WEAK_TWICE, h, labels=LABELS)
    assert rs["a"].outcome == rs["b"].outcome == "does not fire"
    assert "2023年三类，不是四类" in rs["a"].reason_zh


def test_streak_window_can_end_at_an_earlier_year() -> None:
    """year=2022 looks at 2021–2022 only."""
    h = history(years_of(a=["class4", "class4", "class1"]))
    assert check_streaks(WEAK_TWICE, h, year=2022)["a"].outcome == "fires"
    assert check_streaks(WEAK_TWICE, h)["a"].outcome == "does not fire"


def test_two_reds_in_a_row_escalate_to_a_warning_talk() -> None:
    """Red flags in 2022 and 2023 → 约谈书记; a missing year → cannot determine."""
    h = history(years_of(a=["class4", "class4"], b=["class4", None], c=["class4", "class2"]))
    rs = escalations(RED, h)
    assert rs["a"].outcome == "fires"
    assert rs["a"].action is not None
    assert rs["a"].action.zh == "约谈书记"
    assert rs["b"].outcome == "cannot determine"
    assert rs["c"].outcome == "does not fire"
    assert "2022年未亮红色预警" in rs["c"].reason_zh
    with pytest.raises(PopulationError):
        escalations(Flag("green", Label("绿色"), Ref(("score",), NOWHERE)), h)


def test_deadline_overdue_running_met_missed_and_not_applicable() -> None:
    """Class 4 since 2022 and still in 2023 → overdue in March 2024; since 2023 → running."""
    h = history(
        years_of(
            over=["class3", "class4", "class4"],
            run=["class3", "class3", "class4"],
            met=["class4", "class3", "class3"],
            ok=["class1", "class1", "class1"],
        )
    )
    rs = check_deadlines(PROMOTE_IN_12, h, dt.date(2024, 3, 1), labels=LABELS)
    assert rs["over"].outcome == "overdue"
    assert rs["over"].due == dt.date(2023, 12, 31)
    assert rs["over"].reason_zh.startswith(
        "逾期未晋位：2022年起列为四类，须于12个月内（2023-12-31前）晋位"
    )
    assert (rs["run"].outcome, rs["run"].months_left, rs["run"].text) == (
        "running", 9, "running (9 months left)")  # fmt: skip
    assert rs["met"].outcome == "met"
    assert rs["met"].promoted == 2022
    assert rs["ok"].outcome == "not applicable"
    six = Deadline("d6", Label("限时晋位"), ("class4",), 6)
    late = check_deadlines(six, h, dt.date(2024, 3, 1))["met"]
    assert late.outcome == "missed"
    assert late.text == "promoted late"
    json.dumps(late.to_dict())


def test_deadline_uses_assessment_dates_and_ignores_later_assessments() -> None:
    """Assessed on 2022-06-30 with 6 months (due 2022-12-30): promoted on 2022-12-30 → met."""
    six = Deadline("d6", Label("限时晋位"), ("class4",), 6)
    h = history(years_of(a=["class3", "class4", "class3"]))
    on = {2022: dt.date(2022, 6, 30), 2023: dt.date(2022, 12, 30)}
    assert check_deadlines(six, h, dt.date(2023, 1, 5), on)["a"].outcome == "met"
    on_late = {**on, 2023: dt.date(2022, 12, 31)}
    assert check_deadlines(six, h, dt.date(2023, 1, 5), on_late)["a"].outcome == "missed"
    # as of 2022-09-01 only the 2021 and 2022 assessments have happened
    r = check_deadlines(six, h, dt.date(2022, 9, 1), on)["a"]
    assert (r.outcome, r.months_left) == ("running", 3)


def test_deadline_with_an_unknown_year_that_matters_cannot_be_determined() -> None:
    """Class 4 in 2021, nothing in 2022: promoted in time, or overdue — cannot say."""
    h = history(years_of(a=["class4", None], b=["class4", "pending", "class2"], c=["class1", None]))
    rs = check_deadlines(PROMOTE_IN_12, h, dt.date(2023, 2, 1))
    assert rs["a"].outcome == "cannot determine"
    assert "已按期晋位" in rs["a"].reason_zh
    assert "逾期未晋位" in rs["a"].reason_zh
    assert rs["b"].outcome == "cannot determine"  # met, or promoted late
    assert rs["c"].outcome == "cannot determine"  # not applicable, or running


# --- biggest risers (晋位最多) -------------------------------------------------------------------


def rise(
    org_id: str,
    tiers: tuple[str | None, str | None],
    scores: tuple[int | str, int | str] = (60, 70),
    township: str = "t1",
) -> list[Decision]:
    """An organization's two decisions (2023, 2024); a tier "pending" gives a pending decision,
    None leaves the year out."""
    out = []
    for year, tier, score in zip((2023, 2024), tiers, scores):
        if tier == "pending":
            out.append(dec(org_id, None, None, status="pending", year=year, township=township))
        elif tier == "unrated":
            out.append(dec(org_id, None, score, status="unrated", year=year, township=township))
        elif tier is not None:
            out.append(dec(org_id, tier, score, year=year, township=township))
    return out


def two_years(*orgs: list[Decision]) -> tuple[list[Decision], list[Decision]]:
    """The 2023 and the 2024 decisions of the organizations built by :func:`rise`."""
    decisions = [d for org in orgs for d in org]
    return [d for d in decisions if d.year == 2023], [d for d in decisions if d.year == 2024]


def test_the_organization_that_rose_most_classes_is_its_townships_riser() -> None:
    """四→二 beats 三→二 in t1; the score change is exact and secondary."""
    y1, y2 = two_years(
        rise("a", ("class4", "class2"), (50, "80.5")),
        rise("b", ("class3", "class2"), (60, 95)),
        rise("c", ("class2", "class3")),
    )
    (g,) = biggest_risers(y1, y2, TIERS, labels=LABELS)
    assert (g.county, g.township, g.from_year, g.to_year) == ("随县", "t1", 2023, 2024)
    assert (g.compared, g.rose, g.steps, g.riser_ids) == (3, 2, 2, ("a",))
    assert g.risers[0].score_change == Fraction(61, 2)
    assert g.risers[0].reason_zh == "2023年四类→2024年二类：升两档；得分变化+30.5"
    assert g.risers[0].reason_en == (
        "Class 4 (2023) → Class 2 (2024): up two classes; score change +30.5"
    )
    assert g.reason_zh == (
        "随县t1（2023年→2024年）：两年均已定级的3个组织中升档2个；晋位最多的是a，升两档"
    )
    assert g.reason_en == (
        "t1, 随县 (2023 → 2024): of 3 rated in both years, 2 moved up; "
        "rose the most: a (up two classes)"
    )
    json.dumps(g.to_dict(), ensure_ascii=False)


def test_ties_at_the_largest_rise_are_all_listed_by_id_whatever_their_scores() -> None:
    """Three villages up one class: all three are risers, by id; the score does not break ties."""
    y1, y2 = two_years(
        rise("z", ("class3", "class2"), (60, 90)),
        rise("m", ("class4", "class3"), (50, 51)),
        rise("a", ("class2", "class1"), (85, 85)),
    )
    (g,) = biggest_risers(y1, y2, TIERS, labels=LABELS)
    assert (g.steps, g.riser_ids) == (1, ("a", "m", "z"))
    assert [r.score_change for r in g.risers] == [0, 1, 30]
    assert "晋位最多的是a、m、z，均升一档" in g.reason_zh
    assert "rose the most: a, m, z (up one class each)" in g.reason_en
    assert g.risers[0].reason_zh.endswith("得分变化0")


def test_a_township_where_nobody_rose_is_reported_not_dropped() -> None:
    """t2 has only a demotion and a same-class village: it is listed, with no risers."""
    y1, y2 = two_years(
        rise("a", ("class3", "class2")),
        rise("b", ("class2", "class3"), township="t2"),
        rise("c", ("class3", "class3"), township="t2"),
    )
    groups = biggest_risers(y1, y2, TIERS)
    assert [(g.township, g.riser_ids) for g in groups] == [("t1", ("a",)), ("t2", ())]
    t2 = groups[1]
    assert t2.nobody_rose
    assert (t2.compared, t2.rose, t2.steps) == (2, 0, 0)
    assert t2.reason_zh.endswith("两年均已定级的2个组织中无人升档")
    assert t2.reason_en.endswith("of 2 rated in both years, nobody moved up")
    assert t2.to_dict()["nobody_rose"] is True


def test_missing_pending_or_unrated_organizations_are_excluded_with_the_reason() -> None:
    """A jump 四→一 by an organization absent, pending or unrated in a year is never a rise."""
    y1, y2 = two_years(
        rise("a", ("class3", "class2")),
        rise("new", (None, "class1")),
        rise("gone", ("class4", None)),
        rise("p", ("pending", "class1")),
        rise("u", ("class4", "unrated")),
    )
    (g,) = biggest_risers(y1, y2, TIERS)
    assert g.riser_ids == ("a",)
    assert [t.org_id for t in g.excluded] == ["gone", "new", "p", "u"]
    assert all(t.direction == "cannot determine" for t in g.excluded)
    reasons = {t.org_id: t.reason_zh for t in g.excluded}
    assert "2023年无此组织的评定结果" in reasons["new"]
    assert "2023年评定待定" in reasons["p"]
    assert "2024年不定级" in reasons["u"]
    assert g.reason_zh.endswith("；另有4个无法比较（某一年无结果、待定或不定级）")
    assert g.reason_en.endswith(
        "; 4 more cannot be compared (absent, pending or unrated in a year)"
    )


def test_a_township_with_nobody_comparable_says_so() -> None:
    """Only a newcomer in t9: the group is there, nobody rose, and the reason says why."""
    y1, y2 = two_years(rise("a", ("class3", "class2")), rise("n", (None, "class1"), township="t9"))
    t9 = biggest_risers(y1, y2, TIERS)[1]
    assert (t9.township, t9.compared, t9.riser_ids) == ("t9", 0, ())
    assert "没有两年均已定级的组织" in t9.reason_zh
    assert t9.reason_en.endswith("; 1 cannot be compared (absent, pending or unrated in a year)")


def test_an_organization_counts_in_its_later_township_and_per_county_merges_townships() -> None:
    """Moved from t1 to t2: a riser of t2; within="county" gives one group with township None."""
    y1 = [dec("a", "class4", year=2023, township="t1"), dec("b", "class3", year=2023)]
    y2 = [dec("a", "class2", year=2024, township="t2"), dec("b", "class2", year=2024)]
    assert [(g.township, g.riser_ids) for g in biggest_risers(y1, y2, TIERS)] == [
        ("t1", ("b",)), ("t2", ("a",))]  # fmt: skip
    (county,) = biggest_risers(y1, y2, TIERS, "county")
    assert (county.county, county.township, county.riser_ids) == ("随县", None, ("a",))


def test_org_type_restricts_the_risers_to_villages() -> None:
    """A community that rose more is left out when only villages are asked for."""
    y1 = [dec("v", "class3", year=2023), dec("c", "class4", year=2023, org_type="community")]
    y2 = [dec("v", "class2", year=2024), dec("c", "class1", year=2024, org_type="community")]
    assert biggest_risers(y1, y2, TIERS)[0].riser_ids == ("c",)
    assert biggest_risers(y1, y2, TIERS, org_type="village")[0].riser_ids == ("v",)


def test_biggest_risers_refuses_what_transitions_refuses() -> None:
    """An organization twice in a year raises PopulationError."""
    with pytest.raises(PopulationError, match="twice"):
        biggest_risers([dec("a"), dec("a")], [dec("a", year=2024)], TIERS)


def test_seed_004_biggest_risers_are_the_three_that_skipped_a_class() -> None:
    """Seed 004's 3 四→二 villages rose two classes; each is the only riser of its township."""
    before, after = seed_004()
    groups = biggest_risers(before, after, TIERS)
    assert len(groups) == 12
    top = {g.township: g.riser_ids for g in groups if g.steps == 2}
    assert sorted(i for ids in top.values() for i in ids) == ["v216", "v217", "v218"]
    assert all(len(ids) == 1 for ids in top.values())


# --- hypothesis invariants ---------------------------------------------------------------------


def _worse_or_equal(a: Decision, b: Decision) -> bool:
    """Whether ``a`` ranks at or before ``b`` in a worst-first quota ordering."""

    def key(d: Decision) -> tuple[int, int, int, Fraction]:
        pos = POP_TIERS.index(d.tier) if d.status == "rated" and d.tier else len(POP_TIERS)
        return (0 if d.vetoed else 1, -pos, 1 if d.score is None else 0, d.score or Fraction(0))

    return key(a) <= key(b)


SHARES = [
    Fraction(1, 10),
    Fraction(1, 20),
    Fraction(1, 3),
    Fraction(1, 2),
    Fraction(0),
    Fraction(1),
]


@settings(max_examples=60, deadline=None)
@given(pop_decisions(), st.sampled_from(SHARES))
def test_quota_list_holds_at_least_ceil_p_n_and_everyone_below_the_cut(
    decisions: list[Decision], share: Fraction
) -> None:
    """|list| ≥ min(ceil(p·n), rankable); everyone at or below the cut is listed, nobody above."""
    q = Quota("q", Label("倒排"), "village", share)
    res = apply_quota(q, decisions, POP_TIERS)
    by_id = {d.org_id: d for d in decisions}
    for g in res.groups:
        members = [d for d in decisions if d.org_type == "village" and d.county == g.county]
        assert g.n == len(members)
        assert (g.required - 1) < share * g.n <= g.required
        assert len(g.listed) >= min(g.required, g.ranked)
        listed = {e.org_id for e in g.listed}
        assert {u.org_id for u in g.unranked} == {
            d.org_id for d in members if d.status == "pending"
        }
        assert not listed & {u.org_id for u in g.unranked}
        if not listed:
            assert g.required == 0 or g.ranked == 0
            continue
        cut = by_id[g.listed[-1].org_id]
        for d in members:
            if d.status != "pending":
                assert (d.org_id in listed) == _worse_or_equal(d, cut)
        assert g.extra == max(len(g.listed) - g.required, 0)
        if g.extra:
            assert len(g.ties_at_cut) > g.extra


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
def test_every_township_appears_once_in_biggest_risers(
    pair: tuple[list[Decision], list[Decision]],
) -> None:
    """One group per place of either year; each organization is in one group, as a riser, an
    exclusion or simply compared; risers are exactly those up by the group's largest rise."""
    y1, y2 = pair
    groups = biggest_risers(y1, y2, POP_TIERS)
    latest = {d.org_id: d for d in y1} | {d.org_id: d for d in y2}
    places = sorted({(d.county, d.township) for d in latest.values()})
    assert [(g.county, g.township) for g in groups] == places
    trans = transitions(y1, y2, POP_TIERS)
    seen: list[str] = []
    for g in groups:
        members = sorted(
            i for i, d in latest.items() if (d.county, d.township) == (g.county, g.township)
        )
        seen += members
        ups = [trans[i] for i in members if trans[i].direction == "up"]
        best = max((t.steps or 0 for t in ups), default=0)
        assert g.steps == best
        assert g.riser_ids == tuple(t.org_id for t in ups if t.steps == best)
        assert list(g.riser_ids) == sorted(g.riser_ids)
        assert g.nobody_rose == (not ups)
        assert [t.org_id for t in g.excluded] == [
            i for i in members if trans[i].direction == "cannot determine"
        ]
        assert g.compared + len(g.excluded) == len(members)
        for r in g.risers:
            b, a = r.before.score, r.after.score
            assert r.score_change == (None if a is None or b is None else a - b)
    assert sorted(seen) == sorted(latest)


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
