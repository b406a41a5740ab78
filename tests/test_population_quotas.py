"""Quotas (倒排): who is listed, how many, ties at the cut, pending and vetoed organizations."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import POP_TIERS, pop_decisions
from test_population import COMMUNITIES, LABELS, TIERS, VILLAGES, dec, villages

from tierlib.decision import Decision
from tierlib.model import Label, Quota
from tierlib.population import PopulationError, apply_quota

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
