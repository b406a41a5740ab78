"""Explanations: decisive reason first, located steps, both languages, canonical renderings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import drawn_decisions, random_engine

from tierlib import _decide, _score, load, loads
from tierlib.decision import Decision, FiredVeto, MissingInput, Provenance, TraceEvent
from tierlib.engine import Engine
from tierlib.errors import FactError, Location
from tierlib.explain import Explainer, Explanation, explain
from tierlib.model import FactValue, Organization, RuleSet
from tierlib.render import to_html, to_json, to_markdown, to_text, width

RULES = Path(__file__).resolve().parent.parent / "rules" / "default.yaml"


@pytest.fixture(scope="module")
def default() -> Iterator[tuple[RuleSet, Engine]]:
    ruleset = load(RULES)
    with Engine(ruleset) as eng:
        yield ruleset, eng


def village(drop: tuple[str, ...] = (), name: str = "张村", **overrides: FactValue) -> Organization:
    """A village of the default scheme scoring 100 with no veto, changed by ``overrides``."""
    facts: dict[str, FactValue] = {
        "has_industry_plan": True, "has_leading_industry": True,
        "leading_industry_income_share": Fraction("0.6"), "road_hardened": True,
        "road_to_groups": True, "road_lights": True, "road_maintained": True,
        "water_safe": True, "water_tap": True, "has_cooperative": True,
        "coop_household_share": Fraction("0.4"), "income_per_capita": Fraction(9000),
        "income_growth": Fraction("0.1"), "sanitation_points": Fraction(8),
        "green_coverage": Fraction("0.3"), "waste_collection": True, "governance_ok": True,
        "medical_enrolment": Fraction("0.96"), "culture_points": Fraction(5),
        "big_ceremonies": False, "superstition_incidents": Fraction(0),
        "two_committees_complete": True, "team_united": True, "has_woman_member": True,
        "open_party_affairs": True, "open_village_affairs": True, "open_finance": True,
        "satisfaction": Fraction("0.95"), "secretary_vacant_months": Fraction(0),
        "election_bribery": False, "clan_interference": False, "has_venue": True,
        "collective_income": Fraction(80000),
    }  # fmt: skip
    facts.update(overrides)
    for key in drop:
        del facts[key]
    return Organization(id="V-001", name=name, type="village", year=2024, facts=facts)


# 100 − 5 (committees incomplete) − 1.5 (culture 3.5 of 5) = 93.5: 一类 by score alone.
VETOED: dict[str, FactValue] = {"two_committees_complete": False, "culture_points": Fraction("3.5")}
# 100 − 4.1 (culture 0.9) − 3 (disunited) − 3 (no woman member) − 4 (sanitation 4) = 85.9: 二类.
SECOND: dict[str, FactValue] = {
    "culture_points": Fraction("0.9"),
    "team_united": False,
    "has_woman_member": False,
    "sanitation_points": Fraction(4),
}
# 100 − 4.1 − 3 − 3 − 4 (satisfaction 75% gives 3 of 7) = 85.9, capped at 三类.
CAPPED: dict[str, FactValue] = {
    **SECOND,
    "sanitation_points": Fraction(8),
    "satisfaction": Fraction("0.75"),
}


def run(default: tuple[RuleSet, Engine], org: Organization) -> tuple[Decision, Explanation]:
    ruleset, eng = default
    decision = eng.evaluate(org)
    return decision, explain(decision, ruleset)


def locations(e: Explanation) -> list[str]:
    out = [r.at for r in e.reasons] + [i.at for i in e.indicators]
    out += [s.at for i in e.indicators for s in i.steps]
    return out + [x.at for x in (*e.dimensions, *e.score, *e.flags)]


def stored(decision: Decision) -> Decision:
    """The decision rebuilt from its stored JSON trace (inputs keep their recorded order)."""
    data = json.loads(json.dumps(decision.to_dict(), ensure_ascii=False))

    def loc(at: str) -> Location:
        file, line, col = at.rsplit(":", 2)
        return Location(file, int(line), int(col))

    def num(x: str | None) -> Fraction | None:
        return None if x is None else Fraction(x)

    trace = tuple(
        TraceEvent(
            e["kind"],
            e["id"],
            loc(e["at"]),
            tuple(e.get("inputs", {}).items()),
            e["result"],
            e.get("note", ""),
            e.get("parent", ""),
        )
        for e in data["trace"]
    )
    org = data["org"]
    return Decision(
        org_id=org["id"],
        org_name=org["name"],
        org_type=org["type"],
        year=org["year"],
        status=data["status"],
        tier=data["tier"],
        score=num(data["score"]),
        raw_score=num(data["raw_score"]),
        score_tier=data["score_tier"],
        dimensions={k: Fraction(v) for k, v in data["dimensions"].items()},
        points={k: num(v) for k, v in data["points"].items()},
        vetoes=tuple(FiredVeto(**v) for v in data["vetoes"]),
        flags=tuple(data["flags"]),
        missing=tuple(MissingInput(**m) for m in data["missing"]),
        trace=trace,
        provenance=Provenance(**data["provenance"]),
        county=org["county"],
        township=org["township"],
    )


class TestExplain:
    def test_force_veto_that_overrode_a_class1_score_comes_first(self, default):
        """A force veto is the headline and the first reason, with the score-alone tier."""
        decision, e = run(default, village(**VETOED))
        expected = ("class1", "class4")
        assert expected == (decision.score_tier, decision.tier)
        zh = "一票否决：班子配备不齐（软弱涣散），定为四类；仅按得分 93.5 分本应为一类。"
        en = (
            "Veto: Leadership team incomplete (weak and lax) forced Class 4; "
            "the score alone, 93.5, would have been Class 1."
        )
        assert (zh, en) == (e.headline.zh, e.headline.en)
        expected = ("team_incomplete", "decisive")
        assert expected == (e.reasons[0].id, e.reasons[0].state)
        assert zh == e.text("zh").splitlines()[1]
        assert en == e.text("en").splitlines()[1]

    def test_veto_reason_gives_its_facts_and_location(self, default):
        """The decisive reason carries the fact that triggered it and its rule location."""
        _, e = run(default, village(**VETOED))
        reason, fact = e.reasons[0], e.reasons[0].facts[0]
        expected = ("two_committees_complete", "false", "否", "no")
        assert expected == (fact.name, fact.value, fact.shown("zh"), fact.shown("en"))
        lines = RULES.read_text(encoding="utf-8").splitlines()
        line = int(reason.at.rsplit(":", 2)[1])
        assert "id: team_incomplete" in lines[line - 1]

    def test_outweighed_force_veto_is_marked_and_ranked_after(self, default):
        """With two force vetoes the higher precedence decides and the other is outweighed."""
        _, e = run(default, village(**VETOED, election_bribery=True))
        expected = [("election_bribery", "decisive"), ("team_incomplete", "outweighed")]
        assert expected == [(r.id, r.state) for r in e.reasons]
        summary = "applies, but outweighed by “Vote buying at the election” (precedence 30 over 20)"
        assert summary == e.reasons[1].summary.en
        assert e.reasons[1].summary.zh == "已触发，但由「换届拉票贿选」决定（优先级 30 高于 20）"

    def test_a_tie_between_force_vetoes_says_the_first_in_the_rule_file_won(self, default):
        """Same precedence, same outcome: the first in the file decides, and the other's
        summary says so rather than leave the choice unexplained."""
        _, e = run(default, village(**VETOED, secretary_vacant_months=Fraction(6)))
        expected = [("team_incomplete", "decisive"), ("secretary_vacant", "outweighed")]
        assert expected == [(r.id, r.state) for r in e.reasons]
        assert e.reasons[1].summary.en.endswith(
            "(both precedence 20, same outcome: the first in the rule file wins)"
        )

    def test_a_tie_between_force_vetoes_goes_to_the_harsher_outcome_and_says_so(self):
        text = RULES.read_text(encoding="utf-8").replace(
            "    when: secretary_vacant_months > 3          # [domain] e.g. vacant more than 3 months\n"
            "    effect: force\n    tier: class4\n",
            "    when: secretary_vacant_months > 3\n    effect: unrated\n",
        )
        ruleset = loads(text, str(RULES))
        with Engine(ruleset) as eng:
            d = eng.evaluate(village(**VETOED, secretary_vacant_months=Fraction(6)))
        e = explain(d, ruleset)
        assert (d.status, [(r.id, r.state) for r in e.reasons]) == (
            "unrated",
            [("secretary_vacant", "decisive"), ("team_incomplete", "outweighed")],
        )
        assert e.reasons[1].summary.zh.endswith("（优先级同为 20，结果更重者优先）")

    def test_a_cap_outweighed_by_a_force_veto_gives_no_precedence(self, default):
        _, e = run(default, village(**VETOED, satisfaction=Fraction("0.7")))
        (cap,) = [r for r in e.reasons if r.id == "satisfaction_cap"]
        assert (
            cap.summary.en
            == "applies, but outweighed by “Leadership team incomplete (weak and lax)”"
        )

    def test_cap_names_the_cap_and_the_score_tier(self, default):
        """A cap that lowered the tier is the headline, with the tier the score gave."""
        decision, e = run(default, village(**CAPPED))
        expected = ("class2", "class3")
        assert expected == (decision.score_tier, decision.tier)
        zh = "封顶：群众满意度低于80%，最高定为三类，定为三类（仅按得分 85.9 分为二类）。"
        en = (
            "Cap: Satisfaction below 80% caps the tier at Class 3, so Class 3 "
            "(the score alone, 85.9, gives Class 2)."
        )
        assert (zh, en) == (e.headline.zh, e.headline.en)
        expected = ("satisfaction_cap", "decisive")
        assert expected == (e.reasons[0].id, e.reasons[0].state)

    def test_next_tier_hint_is_exact_and_names_the_cap_that_blocks_it(self, default):
        """The next-tier hint gives the exact points and says the cap blocks it regardless."""
        _, e = run(default, village(**CAPPED))
        assert e.next_tier is not None
        expected = ("class1", "4.1")
        assert expected == (e.next_tier.tier, e.next_tier.gap)
        text = (
            "距一类还差 4.1 分；但「群众满意度低于80%，最高定为三类」使其即使达到该分数也不能晋档"
        )
        assert text == e.next_tier.text.zh

    def test_requirement_not_met_lowers_the_tier(self, default):
        """An unmet requirement of 一类 is the headline and lowers the tier to 二类."""
        _, e = run(default, village(collective_income=Fraction(30000)))
        zh = "一类须村集体经济收入5万元以上，未满足，降为二类（仅按得分 100 分为一类）。"
        en = (
            "Requirement not met: Class 1 needs a collective income of at least 50,000 yuan; "
            "lowered to Class 2 (the score alone, 100, gives Class 1)."
        )
        assert (zh, en) == (e.headline.zh, e.headline.en)
        expected = ("class1_needs_collective_income", "decisive")
        assert expected == (e.reasons[0].id, e.reasons[0].state)

    def test_plain_score_names_the_policy_bounds(self, default):
        """Without a veto the headline gives the score and the bounds in the policy's words."""
        _, e = run(default, village(**SECOND))
        zh = "得分 85.9 分（90 分以上为一类，80 分以上为二类），定为二类。"
        en = "Score 85.9 (Class 1: at least 90; Class 2: at least 80): Class 2."
        assert (zh, en) == (e.headline.zh, e.headline.en)
        assert e.next_tier is not None
        expected = ("距一类还差 4.1 分", "4.1 more points needed for Class 1", ())
        assert expected == (e.next_tier.text.zh, e.next_tier.text.en, e.next_tier.blocked_by)

    def test_a_cap_above_the_score_tier_is_shown_as_having_no_effect(self, default):
        """A cap above the tier the score already gives decides nothing: it has no effect
        (未起作用), which is not the same as being outweighed by another veto."""
        low = {"culture_points": Fraction(0), "income_per_capita": Fraction(1000)}
        d, e = run(default, village(**low, satisfaction=Fraction("0.7"), governance_ok=False))
        expected = [("satisfaction_cap", "idle")]
        assert expected == [(r.id, r.state) for r in e.reasons]
        assert [ev.note for ev in d.trace if ev.kind == "veto"] == ["cap; no effect"]
        assert "[no effect]" in to_text(e, "en")
        assert "[未起作用]" in to_text(e, "zh")

    def test_above_bound_renders_as_the_policy_word(self):
        """A tier written with 超过 reads "超过 90 分" / "above 90", never "90 分以上"."""
        text = RULES.read_text(encoding="utf-8")
        text = text.replace("en: Class 1}, 以上: 90}", "en: Class 1}, 超过: 90}")
        ruleset = loads(text, str(RULES))
        with Engine(ruleset) as eng:
            org = village(culture_points=Fraction(0), sanitation_points=Fraction(3))
            e = explain(eng.evaluate(org), ruleset)
        zh = "得分 90 分（超过 90 分为一类，80 分以上为二类），定为二类。"
        en = "Score 90 (Class 1: above 90; Class 2: at least 80): Class 2."
        assert (zh, en) == (e.headline.zh, e.headline.en)
        assert e.next_tier is not None
        expected = ("0.1", False)  # the next score above 90 at one decimal
        assert expected == (e.next_tier.gap, e.next_tier.strict)

    def test_pending_with_a_missing_veto_input_says_what_waits(self, default):
        """A veto whose input is missing makes the result pending, and the headline says why."""
        decision, e = run(default, village(drop=("has_venue",)))
        expected_status = "pending"
        assert expected_status == decision.status
        zh = (
            "待定：否决项「无活动场所」缺少有活动场所，无法判定；"
            "补齐后才能定级（按现有得分 100 分为一类）。"
        )
        en = (
            "Pending: veto “No meeting venue” cannot be decided without Has a meeting venue; "
            "the tier waits until they are supplied (the score so far, 100, gives Class 1)."
        )
        assert (zh, en) == (e.headline.zh, e.headline.en)
        expected = ("no_venue", "undetermined")
        assert expected == (e.reasons[0].id, e.reasons[0].state)
        assert e.next_tier is None

    @pytest.mark.parametrize(
        ("fact", "indicator", "points", "policy", "status"),
        [
            ("sanitation_points", "sanitation", "0", "zero", "rated"),
            ("green_coverage", "greening", None, "rescale", "rated"),
            ("satisfaction", "satisfaction", None, "pending", "pending"),
        ],
    )
    def test_missing_indicator_shows_its_policy(
        self, default, fact, indicator, points, policy, status
    ):
        """A missing indicator input is disclosed with what its policy did."""
        decision, e = run(default, village(drop=(fact,)))
        line = next(i for i in e.indicators if i.id == indicator)
        assert (points, policy, status) == (line.points, line.policy, decision.status)
        assert line.missing is not None
        expected = [(fact, "missing")]
        assert expected == [(f.name, f.value) for f in line.facts]

    def test_missing_zero_policy_is_disclosed_in_words(self, default):
        """The zero policy says 0 points were given and which input was missing."""
        _, e = run(default, village(drop=("sanitation_points",)))
        line = next(i for i in e.indicators if i.id == "sanitation")
        assert line.missing is not None
        expected = "缺数据：按 0 分计，予以披露（缺少环境卫生评分）"
        assert expected == line.missing.zh

    def test_rescaled_score_line_gives_the_factor(self, default):
        """Leaving out a rescaled indicator adds a score line with the exact factor."""
        _, e = run(default, village(drop=("green_coverage",), culture_points=Fraction(2)))
        line = next(s for s in e.score if s.kind == "rescale")
        expected = "剔除村庄绿化后按 ×100/94 折算：91 → ≈96.808510…"
        assert expected == line.label.zh

    def test_every_location_exists_in_the_rule_file(self, default):
        """Every location in an explanation points inside the rule file."""
        lines = RULES.read_text(encoding="utf-8").splitlines()
        orgs = [village(**VETOED), village(**CAPPED), village(drop=("has_venue", "green_coverage"))]
        for org in orgs:
            _, e = run(default, org)
            for at in locations(e):
                file, line, col = at.rsplit(":", 2)
                assert str(RULES) == file
                assert 1 <= int(line) <= len(lines)
                assert 1 <= int(col) <= len(lines[int(line) - 1]) + 1

    def test_texts_have_no_untranslated_placeholders(self, default):
        """zh and en texts hold no template fields, None, or engine notes left in English."""
        orgs = [village(**VETOED), village(**CAPPED), village(drop=("satisfaction",))]
        incidents = Fraction(2)
        orgs.append(
            village(drop=("green_coverage", "sanitation_points"), superstition_incidents=incidents)
        )
        english = re.compile(
            r"\b(not met|met|band|linear|assessed|decisive|outweighed|missing|true|false)\b"
        )
        for org in orgs:
            _, e = run(default, org)
            zh, en = e.text("zh"), e.text("en")
            for text in (zh, en):
                assert not re.search(r"\{\w*\}|\bNone\b", text)
            located = ".yaml", "sha256"
            body = [line for line in zh.splitlines() if not any(w in line for w in located)]
            expected: list[str] = []
            assert expected == english.findall("\n".join(body))
            assert expected == re.findall(r"[\u4e00-\u9fff]", en.replace(org.name, ""))

    def test_explain_does_not_mutate_or_reevaluate(self, default, monkeypatch):
        """explain works from a stored trace alone, leaves it unchanged and evaluates nothing."""
        ruleset, _ = default
        decision, expected = run(default, village(**CAPPED))
        again = stored(decision)
        before = again.to_json()

        def boom(*args: object, **kwargs: object) -> None:
            raise AssertionError("explain must not evaluate")

        monkeypatch.setattr(Engine, "evaluate", boom)
        monkeypatch.setattr(_decide.Run, "decide", boom)
        monkeypatch.setattr(_score, "tier_of", boom)
        assert expected == explain(again, ruleset)
        assert before == again.to_json()


class TestRender:
    def test_json_is_byte_identical_across_evaluations(self, default):
        """Two evaluations of the same input give byte-identical explanation JSON."""
        ruleset, eng = default
        expected = to_json(explain(eng.evaluate(village(**VETOED)), ruleset))
        with Engine(load(RULES)) as fresh:
            actual = to_json(explain(fresh.evaluate(village(**VETOED)), ruleset))
        assert expected == actual
        assert actual.endswith("}\n")
        data = json.loads(actual)
        headline = "一票否决：班子配备不齐（软弱涣散），定为四类；仅按得分 93.5 分本应为一类。"
        assert headline == data["headline"]["zh"]

    def test_html_escapes_facts_and_labels(self):
        """A rule-file label and an organization name containing <script> are escaped."""
        text = RULES.read_text(encoding="utf-8")
        text = text.replace("班子配备不齐（软弱涣散）", "<script>alert(1)</script>")
        ruleset = loads(text, str(RULES))
        with Engine(ruleset) as eng:
            org = village(name="<script>x()</script>", **VETOED)
            page = to_html(explain(eng.evaluate(org), ruleset), "zh")
        assert "<script" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;script&gt;x()&lt;/script&gt;" in page
        assert page.startswith("<!DOCTYPE html>")

    def test_text_aligns_chinese_by_display_width(self, default):
        """Indicator rows put their rule location at the same display column."""
        _, e = run(default, village(**VETOED))
        text = to_text(e, "zh")
        locs = {i.id: i.loc for i in default[0].indicators}
        ends = tuple(f":{locs[i].line}:{locs[i].col}" for i in ("team", "leading_industry"))
        rows = [line for line in text.splitlines() if line.endswith(ends)]
        assert len(rows) == 2
        columns = {width(line[: line.index(str(RULES))]) for line in rows}
        expected = 1
        assert expected == len(columns)
        assert "\x1b" not in text

    def test_width_counts_wide_characters_twice(self):
        """Wide CJK characters take two columns, ASCII one."""
        expected = (4, 3, 6)
        assert expected == (width("一类"), width("abc"), width("一类ab"))

    def test_markdown_escapes_table_pipes(self):
        """A pipe in a rule-file label does not split a Markdown table row."""
        text = RULES.read_text(encoding="utf-8").replace("班子配备不齐（软弱涣散）", "班子|不齐")
        ruleset = loads(text, str(RULES))
        with Engine(ruleset) as eng:
            page = to_markdown(explain(eng.evaluate(village(**VETOED)), ruleset), "zh")
        assert "班子\\|不齐" in page

    def test_markdown_keeps_a_name_with_a_line_break_on_its_line(self):
        """A line break or escape in an organization's name does not split the Markdown title
        (nor reach a terminal that shows it)."""
        ruleset = loads(RULES.read_text(encoding="utf-8"), str(RULES))
        with Engine(ruleset) as eng:
            org = village(name="柳树\n湾\x1b[2J村", **VETOED)
            page = to_markdown(explain(eng.evaluate(org), ruleset), "zh")
        assert page.splitlines()[0].startswith("# 柳树 湾 [2J村 (")
        assert "\x1b" not in page


# ---------------------------------------------------------------- one explainer, many decisions


def _county_decisions(eng: Engine) -> list[Decision]:
    from tierlib.tables import read_rows, to_organization

    county = Path(__file__).resolve().parent.parent / "examples" / "county.csv"
    out = []
    for row in read_rows(county):
        try:
            out.append(eng.evaluate(to_organization(row), row.where))
        except FactError:  # rows with bad facts are not what this test is about
            continue
    return out


def test_engine_explain_equals_explain_for_every_county_decision() -> None:
    """Engine.explain reuses the rule set's phrases across decisions: the same explanations."""
    ruleset = load(RULES)
    with Engine(ruleset) as eng:
        decisions = _county_decisions(eng)
        decisions += [eng.evaluate(village(**VETOED)), eng.evaluate(village(**SECOND))]
        decisions.append(eng.evaluate(village(drop=("satisfaction", "green_coverage"))))
        assert len(decisions) > 300
        for d in decisions:
            assert eng.explain(d) == explain(d, ruleset)
        # and again, now every phrase comes from the memo
        assert [eng.explain(d) for d in decisions] == [explain(d, ruleset) for d in decisions]


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_one_explainer_over_many_decisions_equals_fresh_explanations(data: st.DataObject) -> None:
    """Random rule sets × organizations: a shared Explainer gives explain()'s result each time."""
    eng = random_engine(data)
    if eng is None:
        return
    with eng:
        explainer = Explainer(eng.ruleset)
        for d in drawn_decisions(data, eng, 6):
            assert explainer(d) == explain(d, eng.ruleset) == eng.explain(d)


def test_an_explainer_shared_by_threads_gives_the_sequential_explanations() -> None:
    from concurrent.futures import ThreadPoolExecutor

    ruleset = load(RULES)
    with Engine(ruleset) as eng:
        decisions = _county_decisions(eng)
        want = [explain(d, ruleset) for d in decisions]
        fresh = Engine(ruleset)
        with fresh, ThreadPoolExecutor(4) as pool:
            got = list(pool.map(fresh.explain, decisions))
        assert got == want


def test_the_indicator_line_memo_is_bounded_and_changes_nothing() -> None:
    ruleset = load(RULES)
    with Engine(ruleset) as eng:
        decisions = _county_decisions(eng)[:60]
        explainer = Explainer(ruleset, memo_size=5)
        for d in decisions:
            assert explainer(d) == explain(d, ruleset)
            assert len(explainer._static.lines) <= 5


def test_a_decision_rebuilt_with_other_gaps_is_explained_from_its_own_gaps() -> None:
    """Two decisions sharing one "missing" event that names no input (as for a condition left
    undetermined) but listing different gaps: each line names its own decision's gaps, the
    memo notwithstanding."""
    import attrs

    ruleset = load(RULES)
    with Engine(ruleset) as eng:
        d = eng.evaluate(village(drop=("satisfaction",)))
        ev = next(e for e in d.trace if e.kind == "missing")
        bare = attrs.evolve(ev, inputs=())
        first = attrs.evolve(d, trace=tuple(bare if e is ev else e for e in d.trace))
        gaps = tuple(attrs.evolve(m, fact="culture_points") for m in d.missing)
        second = attrs.evolve(first, missing=gaps)
        explainer = Explainer(ruleset)
        assert explainer(first) == explain(first, ruleset)
        assert explainer(second) == explain(second, ruleset)
        assert explainer(first) != explainer(second)


_BONUS_RULES = """
scheme: {id: b, name: B, version: "1", total: 10, missing: rescale, rounding: {digits: 0, mode: half_up}}
facts:
  a: {kind: number, minimum: 0, maximum: 1}
  b: {kind: number, minimum: 0, maximum: 5}
  months: {kind: number, minimum: 0, unit: 月}
  extra: {kind: number, minimum: 0, maximum: 2}
dimensions:
  - {id: d, label: D, max: 10}
indicators:
  - {id: ia, label: {zh: 甲, en: A}, dimension: d, max: 5, linear: {fact: a, floor: 0, target: 1}}
  - {id: ib, label: {zh: 乙, en: B}, dimension: d, max: 5, assessed: {fact: b}}
  - {id: plus, label: {zh: 加分, en: Plus}, max: 2, bonus: true, assessed: {fact: extra}}
tiers:
  - {id: good, label: Good, 以上: 6}
  - {id: poor, label: Poor}
vetoes:
  - {id: vacant, reason: {zh: 缺职, en: Vacant}, when: months > 3, effect: force}
"""


def test_a_rescaled_score_with_a_bonus_shows_both_steps() -> None:
    """Rescaling applies to the indicators only; the bonus comes on top: 4 ×10/5 = 8, plus 1 is
    9 — not "4 → 9". A rounding to no decimals reads 取整; a unit 月 reads 个月."""
    rs = loads(_BONUS_RULES)
    with Engine(rs) as engine:
        org = Organization(id="x", facts={"b": 4, "extra": 1, "months": 5})
        text = {lang: engine.explain(engine.evaluate(org)).text(lang) for lang in ("zh", "en")}
    assert "剔除甲后按 ×10/5 折算：4 → 8，加上加分 1 分为 9" in text["zh"]
    assert "A left out, rescaled ×10/5: 4 → 8, plus bonus 1: 9" in text["en"]
    assert "取整（四舍五入）：9 → 9" in text["zh"]
    assert "rounded to a whole number, half up: 9 → 9" in text["en"]
    assert "= 5 个月" in text["zh"]


def test_the_title_and_json_name_the_year_and_type_graded() -> None:
    """Two years of one organization explain differently from the first line on; the JSON
    carries the year and the organization type."""
    with Engine(load(RULES)) as engine:
        base = {"has_venue": True}
        for year in (2023, 2024):
            org = Organization(id="A-1", name="甲村", type="village", year=year, facts=base)
            e = engine.explain(engine.evaluate(org))
            assert e.text("zh").startswith(f"甲村 (A-1) {year} 年：")
            assert e.text("en").startswith(f"甲村 (A-1), {year}: ")
            data = json.loads(to_json(e))
            assert (data["year"], data["org_type"]) == (year, "village")
        undated = engine.explain(engine.evaluate(Organization(id="B", facts=base)))
        assert undated.text("zh").startswith("B：")


class TestBandSteps:
    def test_a_band_taken_by_its_condition_shows_the_condition_and_what_it_read(self, default):
        """2000 yuan is in the lowest band, but growth of 16% also meets the conditions of the
        next two bands: each such step names its condition and shows the growth it read."""
        _, e = run(
            default, village(income_per_capita=Fraction(2000), income_growth=Fraction("0.16"))
        )
        (income,) = [i for i in e.indicators if i.id == "income"]
        by_condition = [s for s in income.steps if "condition" in s.how.en]
        assert [s.how.en for s in by_condition] == [
            "by its condition, income_growth > 13%: 10 points",
            "by its condition, income_growth > 15%: 15 points",
        ]
        assert by_condition[0].how.zh == "按条件落档：income_growth > 13%，取 10 分"
        for step in by_condition:
            assert [(f.name, f.value) for f in step.facts] == [
                ("income_per_capita", "2000"),
                ("income_growth", "0.16"),
            ]

    def test_a_points_range_says_the_points_are_pro_rata_within_the_band(self, default):
        _, e = run(
            default, village(income_per_capita=Fraction(5000), income_growth=Fraction("0.05"))
        )
        (income,) = [i for i in e.indicators if i.id == "income"]
        (step,) = income.steps
        assert (step.points, step.how.en) == (
            "17.5",
            "in range, pro rata within the band's 15–20 points",
        )
        assert step.how.zh == "落入本档，按 15–20 分在档内按比例计分"
