"""Biggest risers (晋位最多): per township, ties, exclusions, and the seed-004 case."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import POP_TIERS, pop_followed_pairs, pop_year_pairs
from test_population import LABELS, TIERS, dec, seed_004

from tierlib.decision import Decision
from tierlib.population import PopulationError, biggest_risers, transitions

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
