"""An undetermined veto holds the result back only when its outcome could change the tier.

A veto whose input is missing is never taken as passed; but when every way it could go gives the
same tier (a force veto to the lowest tier has decided already, or a cap is above the tier the
organization has anyway), the organization is rated, and its explanation says why the gap did
not matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from test_explain import village

from tierlib import Engine, explain, load, loads
from tierlib._decide import MOOT_LIMIT
from tierlib.model import RuleSet
from tierlib.render import to_json, to_text

RULES = Path(__file__).resolve().parent.parent / "rules"
LOW = {  # the default village, lowered to 65.2 points: Class 3 by score
    "culture_points": Fraction(0),
    "income_per_capita": Fraction(1000),
    "governance_ok": False,
    "sanitation_points": Fraction(0),
    "water_safe": False,
}


@pytest.fixture(scope="module")
def overlay() -> Iterator[tuple[RuleSet, Engine]]:
    """The county overlay: adds a cap at Class 3 on years_without_recruits, a fact the
    default village does not have."""
    ruleset = load(RULES / "county-overlay.yaml")
    with Engine(ruleset) as eng:
        yield ruleset, eng


@pytest.fixture(scope="module")
def default() -> Iterator[tuple[RuleSet, Engine]]:
    ruleset = load(RULES / "default.yaml")
    with Engine(ruleset) as eng:
        yield ruleset, eng


def test_a_missing_input_of_a_cap_above_the_tier_does_not_hold_the_result(overlay):
    ruleset, eng = overlay
    d = eng.evaluate(village(**LOW))
    assert (d.status, d.score_tier, d.tier) == ("rated", "class3", "class3")
    (veto,) = [v for v in d.vetoes if v.id == "no_recruits"]
    assert not veto.determined
    assert not veto.decisive
    (ev,) = [e for e in d.trace if e.kind == "veto" and e.id == "no_recruits"]
    assert ev.result == "undetermined"
    assert "could change the tier" in ev.note
    e = explain(d, ruleset)
    (reason,) = e.reasons
    assert reason.state == "undetermined"
    assert (
        reason.summary.zh == "缺少连续无发展对象年数，无法判定，但无论是否触发都不改变结果（三类）"
    )
    assert "could not change the result either way (Class 3)" in reason.summary.en
    assert e.headline.en.startswith("Score 65.2")
    assert e.headline.en.endswith(": Class 3.")
    assert "undetermined" in to_text(e, "en")
    assert '"state": "undetermined"' in to_json(e)


def test_a_missing_input_of_a_cap_that_could_lower_the_tier_holds_the_result(overlay):
    _, eng = overlay
    d = eng.evaluate(village())
    assert (d.status, d.score_tier, d.tier) == ("pending", "class1", None)


def test_a_fired_force_veto_decides_though_a_weaker_veto_is_undetermined(default):
    ruleset, eng = default
    d = eng.evaluate(village(drop=("has_venue",), two_committees_complete=False))
    assert (d.status, d.tier) == ("rated", "class4")
    e = explain(d, ruleset)
    assert [(r.id, r.state) for r in e.reasons] == [
        ("team_incomplete", "decisive"),
        ("no_venue", "undetermined"),
    ]
    assert e.headline.zh.startswith("一票否决：班子配备不齐")


def test_an_undetermined_unrated_veto_holds_a_forced_tier(default):
    """Not rated is another outcome than the lowest tier: an undetermined veto that would
    leave the organization unrated keeps the result pending."""
    _ruleset, _ = default
    text = (RULES / "default.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    when: not has_venue\n    effect: force\n    tier: class4\n    precedence: 10",
        "    when: not has_venue\n    effect: unrated\n    precedence: 30",
    )
    changed = loads(text, str(RULES / "default.yaml"))
    with Engine(changed) as eng:
        d = eng.evaluate(village(drop=("has_venue",), two_committees_complete=False))
    assert d.status == "pending"


def test_an_undetermined_requirement_below_the_tier_does_not_hold_the_result(default):
    """class1_needs_collective_income can only take Class 1 away; a village at Class 3 by its
    score keeps Class 3 whatever its collective income."""
    _, eng = default
    d = eng.evaluate(village(drop=("collective_income",), **LOW))
    assert (d.status, d.tier) == ("rated", "class3")
    d = eng.evaluate(village(drop=("collective_income",)))
    assert d.status == "pending"


def test_more_undetermined_vetoes_than_the_limit_hold_the_result(default):
    """Past MOOT_LIMIT undetermined vetoes on one organization, outcomes are not tried: the
    result waits, as every veto with a missing input once made it."""
    _ruleset, _ = default
    text = (RULES / "default.yaml").read_text(encoding="utf-8")
    extra = "".join(
        f"  - id: extra_{k}\n    reason: {{zh: 附加{k}, en: Extra {k}}}\n"
        f"    when: collective_income >= {1000 + k}\n    effect: cap\n    tier: class3\n"
        for k in range(MOOT_LIMIT)
    )
    text = text.replace("\nflags:", extra + "\nflags:", 1)
    with Engine(loads(text, str(RULES / "default.yaml"))) as eng:
        d = eng.evaluate(village(drop=("collective_income",), **LOW))
    assert sum(not v.determined for v in d.vetoes) == MOOT_LIMIT + 1
    assert d.status == "pending"


def test_the_columnar_result_agrees_on_undetermined_vetoes(overlay, default):
    """Rows with and without a moot veto, the table path equals Engine.evaluate row by row."""
    for (_, eng), orgs in (
        (overlay, [village(**LOW), village(), village(**{**LOW, "water_safe": True})]),
        (
            default,
            [
                village(drop=("has_venue",), two_committees_complete=False),
                village(drop=("collective_income",), **LOW),
                village(drop=("collective_income",)),
                village(drop=("has_venue",)),
            ],
        ),
    ):
        table = eng.evaluate_table(orgs)
        for i, org in enumerate(orgs):
            d = eng.evaluate(org)
            assert (table.status_text()[i], table.tier_text()[i] or None) == (d.status, d.tier)


def test_a_subtotal_waiting_for_a_member_reads_pending_not_a_partial_sum(default):
    """An indicator whose policy is pending has no points yet: its dimension's subtotal is not
    known either, and is shown as 待定 / pending rather than the sum of the others."""
    ruleset, eng = default
    d = eng.evaluate(village(drop=("satisfaction",)))
    assert d.status == "pending"
    dim = next(i.dimension for i in ruleset.indicators if i.id == "satisfaction")
    (ev,) = [e for e in d.trace if e.kind == "dimension" and e.id == dim]
    assert ev.result == "pending"
    assert ("satisfaction", "pending") in ev.inputs
    others = [e.result for e in d.trace if e.kind == "dimension" and e.id != dim]
    assert "pending" not in others
    e = explain(d, ruleset)
    label = next(x.label for x in ruleset.dimensions if x.id == dim)
    assert f"{label.zh}  待定/" in to_text(e, "zh").replace("   ", "  ")
    assert "pending/" in to_text(e, "en")


def test_a_rescaled_member_still_reads_excluded_and_the_subtotal_is_its_sum(default):
    _ruleset, _ = default
    text = (RULES / "default.yaml").read_text(encoding="utf-8")
    changed = loads(text.replace("missing: pending", "missing: rescale"), str(RULES / "x.yaml"))
    with Engine(changed) as eng:
        d = eng.evaluate(village(drop=("satisfaction",)))
    dims = [e for e in d.trace if e.kind == "dimension"]
    assert "pending" not in [e.result for e in dims]
    assert ("satisfaction", "excluded") in [x for e in dims for x in e.inputs]


def test_the_next_tier_says_an_undetermined_cap_may_stand_in_its_way(overlay):
    """Class 3 is decided without the recruits figure, but Class 2 would also need it: the cap
    at Class 3 would block it if it applies, and the hint says so."""
    ruleset, eng = overlay
    e = explain(eng.evaluate(village(**LOW)), ruleset)
    assert e.next_tier is not None
    assert e.next_tier.tier == "class2"
    assert e.next_tier.blocked_by == ()
    assert [x.en for x in e.next_tier.may_be_blocked_by] == ["“No new recruit for 2 years or more”"]
    assert e.next_tier.text.en.endswith("may also stand in the way: its data is missing")
    assert "缺数据，补齐后才知是否也会阻止晋档" in e.next_tier.text.zh


# ---------------------------------------------------------------- a score waiting for data


def test_a_force_veto_decides_while_the_score_waits_for_data(default):
    """班子不健全 makes a village 软弱涣散 whatever its score: a missing survey figure (an
    indicator under the pending policy) leaves the score unknown, not the tier."""
    ruleset, eng = default
    org = village(drop=("satisfaction",), two_committees_complete=False)
    d = eng.evaluate(org)
    assert (d.status, d.tier, d.score, d.raw_score, d.score_tier) == (
        "rated", "class4", None, None, None,
    )  # fmt: skip
    assert d.points["satisfaction"] is None
    assert [(m.indicator, m.fact, m.policy) for m in d.missing] == [
        ("satisfaction", "satisfaction", "pending")
    ]
    (ev,) = [e for e in d.trace if e.kind == "decision"]
    assert (ev.result, ev.note, ev.inputs) == ("class4", "rated", (("score", "none"),))
    assert not [e for e in d.trace if e.kind in ("score", "tier")]
    e = explain(d, ruleset)
    assert e.headline.en == (
        "Veto: Leadership team incomplete (weak and lax) forced Class 4; the score is pending: "
        "indicator “Residents' satisfaction” has no data for Residents' satisfaction."
    )
    assert e.headline.zh == (
        "一票否决：班子配备不齐（软弱涣散），定为四类；得分待定：指标「群众满意度」缺少群众满意度。"
    )
    assert e.total is None
    assert e.next_tier is None
    assert eng.explain(d) == e
    table = eng.evaluate_table([org])
    (rec,) = table.to_records()
    assert (rec["status"], rec["tier"], rec["score"]) == ("rated", "class4", None)
    assert table.decision(0) == d
    assert table.explain(0) == e


def test_without_a_decisive_veto_a_waiting_score_still_holds_the_result(default):
    """A cap or a requirement lowers the tier the score gives, so it cannot decide without it."""
    _, eng = default
    assert eng.evaluate(village(drop=("satisfaction",))).status == "pending"
    d = eng.evaluate(village(drop=("satisfaction",), collective_income=Fraction(0)))
    assert [v.id for v in d.vetoes if v.determined] == ["class1_needs_collective_income"]
    assert d.status == "pending"


def test_a_stronger_undetermined_veto_holds_a_tier_decided_without_a_score(default):
    """The forced tier stands only if no undetermined veto could decide otherwise: an unrated
    veto of higher precedence whose input is missing keeps the result pending."""
    text = (RULES / "default.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    when: not has_venue\n    effect: force\n    tier: class4\n    precedence: 10",
        "    when: not has_venue\n    effect: unrated\n    precedence: 30",
    )
    orgs = [
        village(drop=("has_venue", "satisfaction"), two_committees_complete=False),
        village(drop=("satisfaction",), two_committees_complete=False, has_venue=False),
        village(drop=("satisfaction",), two_committees_complete=False),
    ]
    with Engine(loads(text, str(RULES / "default.yaml"))) as eng:
        got = [(d.status, d.tier) for d in map(eng.evaluate, orgs)]
        table = eng.evaluate_table(orgs)
    assert got == [("pending", None), ("unrated", None), ("rated", "class4")]
    assert list(zip(table.status_text(), [t or None for t in table.tier_text()])) == got
