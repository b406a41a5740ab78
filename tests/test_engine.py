"""The engine: agreement with the oracle, scoring invariants, independence; shared helpers."""

from __future__ import annotations

import random
import shutil
import threading
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import oracle
from strategies import organization_facts

import tierlib
from tierlib import _ast, _evaluate
from tierlib._check import conditions
from tierlib.engine import Engine
from tierlib.errors import EngineError
from tierlib.model import Organization

RULES = ("rules/default.yaml", "rules/central-2012.yaml", "rules/county-overlay.yaml")


def good_village(**overrides):
    """A strong village of the default scheme: every fact present, no veto."""
    facts = {
        "has_industry_plan": True,
        "has_leading_industry": True,
        "leading_industry_income_share": Fraction("0.6"),
        "road_hardened": True,
        "road_to_groups": True,
        "road_lights": True,
        "road_maintained": True,
        "water_safe": True,
        "water_tap": True,
        "has_cooperative": True,
        "coop_household_share": Fraction("0.4"),
        "income_per_capita": Fraction(9000),
        "income_growth": Fraction("0.1"),
        "sanitation_points": Fraction(8),
        "green_coverage": Fraction("0.3"),
        "waste_collection": True,
        "governance_ok": True,
        "medical_enrolment": Fraction("0.96"),
        "culture_points": Fraction(5),
        "big_ceremonies": False,
        "superstition_incidents": Fraction(0),
        "two_committees_complete": True,
        "team_united": True,
        "has_woman_member": True,
        "open_party_affairs": True,
        "open_village_affairs": True,
        "open_finance": True,
        "satisfaction": Fraction("0.95"),
        "secretary_vacant_months": Fraction(0),
        "election_bribery": False,
        "clan_interference": False,
        "has_venue": True,
        "collective_income": Fraction(80000),
    }
    facts.update(overrides)
    return Organization(id="T-001", name="测试村", type="village", year=2024, facts=facts)


def _random_facts(ruleset, rng: random.Random):
    """Seeded facts: thresholds and their neighbours, missing values, quiet organizations."""
    constants = sorted(
        {
            n.value
            for _, e, _ in conditions(ruleset)
            for n in _ast.nodes(e)
            if isinstance(n, _ast.Num)
        }
    )
    quiet = rng.random() < 0.15  # conditions tend to be false: many match no condition rule
    facts = {}
    for name, spec in ruleset.facts.items():
        if rng.random() < 0.03:
            continue
        if spec.kind == "boolean":
            facts[name] = (
                (rng.random() < 0.5)
                if not quiet
                else name.startswith(("has_", "team_", "two_", "secretary_competent"))
            )
            continue
        low = spec.minimum if spec.minimum is not None else Fraction(0)
        high = spec.maximum if spec.maximum is not None else Fraction(10000)
        picks = [c for c in constants if low <= c <= high]
        if picks and rng.random() < 0.4:
            x = rng.choice(picks) + rng.choice((0, 0, Fraction(1, 100), -Fraction(1, 100)))
        else:
            x = low + (high - low) * Fraction(rng.randrange(0, 10001), 10000)
        x = min(high, max(low, x))
        facts[name] = Fraction(round(x)) if spec.integer else x
    return facts


class TestOracle:
    def test_engine_agrees_with_the_oracle_on_10000_generated_organizations(self):
        """Status, tier, score, points, fired vetoes and flags equal the oracle's, 10,000 times."""
        rng = random.Random(2024)
        compared = no_rule = 0
        for path, n in zip(RULES, (4000, 3000, 3000)):
            ruleset = tierlib.load(path)
            rules = conditions(ruleset)
            with Engine(ruleset) as engine:
                for k in range(n):
                    facts = _random_facts(ruleset, rng)
                    org = Organization(
                        id=f"O{k}", type=rng.choice(ruleset.scheme.org_types), facts=facts
                    )
                    d = engine.evaluate(org)
                    status, tier, score, points, fired, flags = oracle(ruleset, facts)
                    assert (status, tier, score, flags) == (d.status, d.tier, d.score, d.flags), (
                        path,
                        facts,
                    )
                    assert points == dict(d.points)
                    assert fired == sorted(v.id for v in d.vetoes if v.determined)
                    env = dict(facts, score=d.score) if d.score is not None else facts
                    if not any(_safe(e, env) for _, e, _ in rules):
                        no_rule += 1
                    compared += 1
        assert compared == 10000
        assert no_rule > 0


def _safe(expr, env):
    try:
        return _evaluate.evaluate(expr, env) is True
    except (_evaluate.MissingValue, ZeroDivisionError):
        return False


class TestInvariants:
    @settings(max_examples=60)
    @given(data=st.data())
    def test_raising_an_indicator_never_lowers_its_points_nor_the_tier(self, data):
        """With no veto involved, raising a score-increasing input never lowers points or tier."""
        ruleset = attrs.evolve(tierlib.load("rules/default.yaml"), vetoes=())
        facts = data.draw(organization_facts(ruleset, missing=False))
        increasing = {
            "leading_industry_income_share": "leading_industry",
            "coop_household_share": "cooperatives",
            "income_per_capita": "income",
            "sanitation_points": "sanitation",
            "green_coverage": "greening",
            "medical_enrolment": "education_health",
            "culture_points": "culture",
            "satisfaction": "satisfaction",
        }
        name = data.draw(st.sampled_from(sorted(increasing)))
        spec = ruleset.facts[name]
        high = spec.maximum if spec.maximum is not None else facts[name] + 10000
        raised = data.draw(st.integers(0, 100)) * (high - facts[name]) / 100 + facts[name]
        with Engine(ruleset) as engine:
            before = engine.evaluate(Organization(id="A", facts=facts))
            after = engine.evaluate(Organization(id="A", facts={**facts, name: raised}))
        order = [t.id for t in ruleset.tiers]
        assert after.points[increasing[name]] >= before.points[increasing[name]]
        assert order.index(after.tier) <= order.index(before.tier)

    @settings(max_examples=60)
    @given(data=st.data())
    def test_indicator_points_add_up_to_dimension_subtotals_and_score(self, data, default):
        """Dimension subtotals are sums of their indicators; the raw score is their sum."""
        ruleset, engine = default
        facts = data.draw(organization_facts(ruleset, missing=False))
        d = engine.evaluate(Organization(id="A", facts=facts))
        for dim in ruleset.dimensions:
            members = [i.id for i in ruleset.indicators if i.dimension == dim.id]
            assert sum(d.points[i] for i in members) == d.dimensions[dim.id]
            assert 0 <= d.dimensions[dim.id] <= dim.max
        assert sum(d.dimensions.values()) == d.raw_score

    @settings(max_examples=60)
    @given(data=st.data())
    def test_a_fired_force_veto_always_wins_over_any_score(self, data, default):
        """Whatever the score, a fired 班子配备不齐 veto gives 四类."""
        ruleset, engine = default
        facts = data.draw(organization_facts(ruleset, missing=False))
        facts["two_committees_complete"] = False
        d = engine.evaluate(Organization(id="A", facts=facts))
        assert d.tier == "class4"
        assert any(v.id == "team_incomplete" and v.effect == "force" for v in d.vetoes)

    @settings(max_examples=40)
    @given(data=st.data())
    def test_same_input_gives_byte_identical_json(self, data, default):
        """Two evaluations, on two engines, of the same input give the same bytes."""
        ruleset, engine = default
        facts = data.draw(organization_facts(ruleset))
        org = Organization(id="A", name="甲村", facts=facts)
        with Engine(tierlib.load("rules/default.yaml")) as other:
            assert engine.evaluate(org).to_json() == other.evaluate(org).to_json()

    @settings(max_examples=40)
    @given(data=st.data())
    def test_every_trace_location_points_at_an_existing_line(self, data):
        """Every event's file:line:col exists in its rule file (overlay and base alike)."""
        ruleset = tierlib.load("rules/county-overlay.yaml")
        facts = data.draw(organization_facts(ruleset))
        with Engine(ruleset) as engine:
            d = engine.evaluate(Organization(id="A", facts=facts))
        lines = {f: Path(f).read_text(encoding="utf-8").splitlines() for f in ruleset.sources}
        for ev in d.trace:
            text = lines[ev.loc.file]
            assert 1 <= ev.loc.line <= len(text)
            assert 1 <= ev.loc.col <= len(text[ev.loc.line - 1]) + 1


class TestIndependence:
    def test_two_rule_sets_with_the_same_id_coexist(self, tmp_path):
        """Two engines of one id, different thresholds, in one process, give their own answers."""
        text = Path("rules/default.yaml").read_text(encoding="utf-8")
        shutil.copy("rules/default.yaml", tmp_path / "a.yaml")
        (tmp_path / "b.yaml").write_text(text.replace("以上: 90}", "以上: 99}"), encoding="utf-8")
        with (
            Engine(tierlib.load(tmp_path / "a.yaml")) as a,
            Engine(tierlib.load(tmp_path / "b.yaml")) as b,
        ):
            assert a.ruleset.scheme.id == b.ruleset.scheme.id
            village = good_village(culture_points=0)  # 95 points
            assert a.evaluate(village).tier == "class1"
            assert b.evaluate(village).tier == "class2"
            assert a.sha256 != b.sha256

    def test_reloading_gives_a_new_engine_while_the_old_keeps_working(self, tmp_path):
        """An edited file gives a new engine; the old one works until closed, then refuses."""
        path = tmp_path / "r.yaml"
        shutil.copy("rules/default.yaml", path)
        old = Engine(tierlib.load(path))
        path.write_text(
            path.read_text(encoding="utf-8").replace("以上: 90}", "以上: 99}"), encoding="utf-8"
        )
        new = Engine(tierlib.load(path))
        village = good_village(culture_points=0)  # 95 points
        assert (old.evaluate(village).tier, new.evaluate(village).tier) == ("class1", "class2")
        old.close()
        assert new.evaluate(village).tier == "class2"
        with pytest.raises(EngineError):
            old.evaluate(good_village())
        new.close()

    def test_eight_threads_sharing_one_engine_agree_with_one_thread(self, default):
        """8 threads × 150 organizations on one engine give the single-thread answers."""
        ruleset, engine = default
        rng = random.Random(7)
        orgs = [Organization(id=f"O{k}", facts=_random_facts(ruleset, rng)) for k in range(150)]
        expected = [engine.evaluate(o).to_json() for o in orgs]
        results: dict[int, list[str]] = {}

        def work(n: int) -> None:
            results[n] = [engine.evaluate(o).to_json() for o in orgs]

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(results[n] == expected for n in range(8))


def test_from_file_gives_the_engine_of_the_loaded_rule_set(default):
    """Engine.from_file(path) decides as Engine(load(path)), and passes memo_size on."""
    _, engine = default
    with Engine.from_file("rules/default.yaml", memo_size=0) as other:
        assert other.memo_size == 0
        assert other.sha256 == engine.sha256
        assert other.evaluate(good_village()).to_json() == engine.evaluate(good_village()).to_json()


def test_evaluate_many_yields_a_decision_or_the_facts_error_for_each_in_order(default):
    _, engine = default
    bad = good_village(satisfaction="lots")
    got = list(
        engine.evaluate_many([good_village(), bad, good_village(satisfaction=Fraction(1, 2))])
    )
    assert [type(x).__name__ for x in got] == ["Decision", "FactError", "Decision"]
    assert got[0].to_json() == engine.evaluate(good_village()).to_json()
    assert "satisfaction" in str(got[1])
