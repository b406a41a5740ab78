"""Tests of the rule-file loader: located problems, extends, limits, dump round trips, fuzzing."""

from __future__ import annotations

import re
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import mutated_texts, yaml_rulesets

import tierlib
from tierlib import _load, _yaml, model
from tierlib.errors import Location, Problem, RuleSetError

ROOT = Path(__file__).resolve().parent.parent
INVALID = ROOT / "tests" / "data" / "invalid"
RULES = sorted((ROOT / "rules").glob("*.yaml"))
CASES = sorted(INVALID.glob("*.yaml"))
# Module attributes a case needs changed (a committed file cannot be megabytes long).
PATCHES: dict[str, dict[str, int]] = {"34_oversized.yaml": {"MAX_BYTES": 64}}

_HEAD = """\
scheme:
  id: mini
  name: Mini
  version: "1"
  total: 10
facts:
  ok: {kind: boolean}
  rate: {kind: number, minimum: 0, maximum: 1}
dimensions:
  - {id: d, label: D, max: 10}
"""  # the scheme, facts and dimension of MINI and BASE

MINI = (
    _HEAD
    + """\
indicators:
  - id: a
    label: A
    dimension: d
    max: 10
    all_or_nothing: {when: ok}
tiers:
  - {id: good, label: Good, 以上: 6}
  - {id: poor, label: Poor}
"""
)


def formatted(problem: Problem) -> str:
    """``file:line:col: code: message`` and `` (suggestion)``, built from the fields."""
    loc = problem.location
    text = f"{loc.file}:{loc.line}:{loc.col}: {problem.code}: {problem.message}"
    return f"{text} ({problem.suggestion})" if problem.suggestion else text


def prefix(problem: Problem) -> str:
    """The ``file:line:col: code`` prefix of ``str(problem)``."""
    where, code, _ = str(problem).split(": ", 2)
    return f"{where}: {code}"


def assert_well_formed(problems: list[Problem]) -> None:
    for p in problems:
        assert isinstance(p, Problem)
        assert re.fullmatch(r"E[1-4]\d\d", p.code), p
        assert p.message.strip(), p
        assert "internal" not in p.message.lower(), p
        assert p.location.line >= 1, p
        assert p.location.col >= 1, p
        assert str(p) == formatted(p)


# ---------------------------------------------------------------- broken rule files


class TestInvalidFiles:
    """tests/data/invalid: each NN_name.yaml with the exact problems in NN_name.expected."""

    def test_every_case_has_its_expectation(self) -> None:
        """Every broken file has an .expected file and every .expected file a rule file."""
        assert len(CASES) >= 32
        assert {p.stem for p in CASES} == {p.stem for p in INVALID.glob("*.expected")}

    @pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
    def test_reports_exactly_the_expected_problems(
        self, case: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """check() lists the expected file:line:col: code lines, in order, well formed."""
        monkeypatch.chdir(ROOT)
        for name, value in PATCHES.get(case.name, {}).items():
            monkeypatch.setattr(_yaml, name, value)
        expected = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
        problems = tierlib.check(case.relative_to(ROOT).as_posix())
        assert [prefix(p) for p in problems] == expected
        assert_well_formed(problems)

    def test_load_raises_every_problem_at_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """load() raises one RuleSetError holding all seven mistakes of one file."""
        monkeypatch.chdir(ROOT)
        path = "tests/data/invalid/38_many_mistakes.yaml"
        with pytest.raises(RuleSetError) as caught:
            tierlib.load(path)
        problems = caught.value.problems
        assert problems == tuple(tierlib.check(path))
        assert [p.code for p in problems] == [
            "E104",
            "E115",
            "E111",
            "E112",
            "E301",
            "E110",
            "E110",
        ]
        assert str(caught.value).splitlines() == [str(p) for p in problems]
        assert isinstance(caught.value, ValueError)

    def test_semantic_problems_are_all_reported(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Sums, tiers, vetoes and conditions are checked together, not one at a time."""
        monkeypatch.chdir(ROOT)
        problems = tierlib.check("tests/data/invalid/52_many_semantic_mistakes.yaml")
        assert len({p.code for p in problems}) == 7

    @pytest.mark.parametrize(
        ("case", "suggestion"),
        [
            ("03_unknown_section", "did you mean 'vetoes'?"),
            ("04_unknown_indicator_key", "did you mean 'source'?"),
            ("12_unknown_method_key", "did you mean 'linear'?"),
            ("24_condition_unknown_fact", "did you mean 'ok'?"),
            ("27_veto_unknown_tier", "did you mean 'poor'?"),
            ("31_remove_unknown", "did you mean 'income'?"),
            ("45_unknown_dimension", "did you mean 'd'?"),
            ("48_effect_typo", "did you mean 'force'?"),
        ],
    )
    def test_unknown_names_get_a_suggestion(
        self, case: str, suggestion: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Unknown sections, keys, facts, tiers, ids and words suggest the close known name."""
        monkeypatch.chdir(ROOT)
        problems = tierlib.check(f"tests/data/invalid/{case}.yaml")
        assert suggestion in [p.suggestion for p in problems]
        assert any(str(p).endswith(f" ({suggestion})") for p in problems)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A file that cannot be read is one E100 problem for the whole file, not an OSError."""
        missing = tmp_path / "nope.yaml"
        (problem,) = tierlib.check(missing)
        assert (problem.code, problem.location) == ("E100", Location(str(missing)))
        assert str(problem).startswith(f"{missing}: E100: cannot read the rule file")


# ---------------------------------------------------------------- every mistake at once


def codes_of(case: str) -> list[str]:
    """The codes check() reports for tests/data/invalid/``case``.yaml (run from the root)."""
    return [p.code for p in tierlib.check(INVALID / f"{case}.yaml")]


def two_dimensions(e_max: int) -> str:
    """MINI with a second dimension ``e`` (max ``e_max``, one indicator of 5) and indicator
    ``a`` (max 10) naming the unknown dimension ``dd``; the total agrees with the maxima."""
    text = MINI.replace("total: 10", f"total: {10 + e_max}")
    text = text.replace(
        "  - {id: d, label: D, max: 10}\n",
        f"  - {{id: d, label: D, max: 10}}\n  - {{id: e, label: E, max: {e_max}}}\n",
    )
    text = text.replace("dimension: d\n", "dimension: dd\n")
    return text.replace(
        "tiers:\n",
        "  - {id: b, label: B, dimension: e, max: 5, all_or_nothing: {when: ok}}\ntiers:\n",
    )


class TestEveryMistakeAtOnce:
    """A structural mistake leaves its element out; the rest is still checked, without cascades."""

    @pytest.mark.parametrize(
        ("case", "structural", "semantic"),
        [
            ("56_bad_field_and_dimension_sum", "E111", "E120"),
            ("57_unknown_key_and_unknown_fact", "E110", "E310"),
            ("58_bad_condition_and_tier_order", "E301", "E122"),
        ],
    )
    def test_a_structural_mistake_does_not_hide_semantic_ones(
        self, case: str, structural: str, semantic: str
    ) -> None:
        """A wrong type, unknown key or unreadable condition is reported with the sums,
        references and tier orders checked elsewhere in the same file."""
        assert sorted(codes_of(case)) == sorted([structural, semantic])

    def test_load_raises_structural_and_semantic_problems_together(self) -> None:
        """load() raises one RuleSetError with both kinds, in document order."""
        path = INVALID / "56_bad_field_and_dimension_sum.yaml"
        with pytest.raises(RuleSetError) as caught:
            tierlib.load(path)
        assert [(p.code, p.location.line) for p in caught.value.problems] == [
            ("E120", 11),
            ("E111", 16),
        ]

    def test_an_element_left_out_causes_no_follow_on_problems(self) -> None:
        """Facts, dimensions, indicators, tiers and a scheme total that fail to structure are
        reported once each; what names or sums them is not reported as well."""
        assert codes_of("59_no_cascade") == ["E111", "E115", "E111", "E111", "E111"]

    def test_fixing_the_structural_mistakes_leaves_no_problem(self) -> None:
        """The references skipped in 59_no_cascade were right: with the five values
        corrected, the file has no problem at all."""
        text = (INVALID / "59_no_cascade.yaml").read_text(encoding="utf-8")
        for wrong, right in [
            ("total: hundred", "total: 100"),
            ("kind: nmber", "kind: number"),
            ("max: forty", "max: 40"),
            ('max: "40 points"', "max: 40"),
            ("以上: high", "以上: 60"),
        ]:
            assert wrong in text
            text = text.replace(wrong, right)
        assert tierlib.loads(text, "fixed.yaml").scheme.total == 100

    def test_an_element_without_a_readable_id_may_be_any_reference(self) -> None:
        """A tier left out without an id: a veto's tier is not called unknown (it may be it)."""
        text = MINI.replace("{id: good, label: Good,", "{label: Good,")
        text += "vetoes:\n  - {id: v, reason: R, when: not ok, effect: cap, tier: good}\n"
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "noid.yaml")
        assert [(p.code, p.message) for p in caught.value.problems] == [
            ("E112", "missing required key 'id'")
        ]

    def test_a_name_no_element_defined_is_still_unknown(self) -> None:
        """Only names a left-out element may have defined are spared: others are reported."""
        text = MINI.replace("rate: {kind: number,", "rate: {kind: numbr,")
        text = text.replace("{when: ok}", "{when: ok and rate > 0 and okay}")
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "names.yaml")
        assert [(p.code, p.location.line) for p in caught.value.problems] == [
            ("E115", 8),
            ("E310", 16),
        ]
        assert caught.value.problems[1].message == "unknown name 'okay'"

    def test_duplicate_ids_count_the_elements_as_written(self) -> None:
        """After an element left out, "first is item N" still counts from the file."""
        text = MINI.replace(
            "  - {id: d, label: D, max: 10}\n",
            "  - {id: x, label: X, max: ten}\n"
            "  - {id: d, label: D, max: 10}\n"
            "  - {id: d, label: D, max: 10}\n",
        )
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "dup.yaml")
        assert [str(p) for p in caught.value.problems] == [
            "dup.yaml:10:28: E111: expected a number, got text 'ten'",
            "dup.yaml:12:10: E113: duplicate id 'd' in dimensions (first is item 2)",
        ]

    def test_an_unknown_dimension_is_one_problem_not_two(self) -> None:
        """An indicator naming a dimension that does not exist is E127 alone: the dimension it
        was meant for, short by its max, is not also reported E120."""
        assert codes_of("45_unknown_dimension") == ["E127"]

    def test_a_missing_dimension_is_one_problem_not_two(self) -> None:
        """An indicator without ``dimension:`` is E112 alone, without E120 where it belongs."""
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(MINI.replace("    dimension: d\n", ""), "nodim.yaml")
        assert [p.code for p in caught.value.problems] == ["E112"]

    def test_a_non_positive_indicator_max_is_one_problem_not_two(self) -> None:
        """``max: 0`` is E115 alone: what it was meant to be is unknown, so the sum of its
        dimension (or the total, without dimensions) is not also reported."""
        text = MINI.replace("max: 10\n", "max: 0\n", 1)
        assert text != MINI
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "zero.yaml")
        assert [p.code for p in caught.value.problems] == ["E115"]

    def test_a_sum_no_stray_indicator_could_make_right_is_still_reported(self) -> None:
        """A dimension short by an amount no stray indicator has is wrong wherever the stray
        goes: its E120 is reported with the E127."""
        text = two_dimensions(e_max=6)
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "sums.yaml")
        assert [(p.code, p.location.line) for p in caught.value.problems] == [
            ("E120", 11),
            ("E127", 15),
        ]

    def test_fixing_the_dimension_shows_a_sum_error_it_stood_for(self) -> None:
        """Two dimensions short by the stray's max are both spared; once the stray names one,
        the other's sum is reported."""
        text = two_dimensions(e_max=15)
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "sums.yaml")
        assert [p.code for p in caught.value.problems] == ["E127"]
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text.replace("dimension: dd", "dimension: d"), "fixed.yaml")
        assert [str(p) for p in caught.value.problems] == [
            "fixed.yaml:11:28: E120: indicators of e add up to 5, but its max is 15"
        ]

    def test_past_twelve_stray_indicators_every_dimension_sum_waits(self) -> None:
        """Thirteen strays are too many selections to try: any dimension may be the one meant,
        so no E120 is reported until they name their dimensions."""
        strays = "".join(
            f"  - {{id: s{k}, label: S, dimension: x, max: 1, all_or_nothing: {{when: ok}}}}\n"
            for k in range(13)
        )
        text = MINI.replace("max: 10}", "max: 100}").replace("total: 10", "total: 100")
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text.replace("tiers:\n", strays + "tiers:\n"), "many.yaml")
        assert {p.code for p in caught.value.problems} == {"E127"}

    def test_engine_limits_wait_for_a_file_without_other_problems(self) -> None:
        """E4xx is checked last: a file with a structural mistake does not report it yet."""
        text = (INVALID / "36_in_list_too_wide.yaml").read_text(encoding="utf-8")
        text = text.replace(
            "  - {id: poor, label: Poor}", "  - {id: poor, label: Poor, colour: red}"
        )
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "wide.yaml")
        assert [p.code for p in caught.value.problems] == ["E110"]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_one_wrong_value_in_a_valid_file_is_one_problem(self, data: st.DataObject) -> None:
        """Any one value of a shipped rule file (extends: applied) replaced by a mapping, which
        no value accepts: exactly one problem, however much depended on that value."""
        path = data.draw(st.sampled_from(RULES))
        tree = _resolved(path)
        parent, key = data.draw(st.sampled_from(_scalars(tree, [])))
        parent[key] = {"?": 1}
        _, problems = _load._build(tree, path, [])
        assert len(problems) == 1, problems


def _resolved(path: Path) -> _yaml.LDict:
    found: list[Problem] = []
    tree = _load._resolve(path, None, [], found)
    assert tree is not None
    assert not found
    return tree


def _scalars(node: object, out: list[tuple[_yaml.LDict, str]]) -> list[tuple[_yaml.LDict, str]]:
    """Every (mapping, key) of ``node`` whose value is a number, text or boolean."""
    if isinstance(node, _yaml.LDict):
        for key, value in node.items():
            if isinstance(value, str | int | Fraction) and key != "__sources__":
                out.append((node, key))
            else:
                _scalars(value, out)
    elif isinstance(node, list):
        for value in node:
            _scalars(value, out)
    return out


# ---------------------------------------------------------------- hostile YAML


class TestHostileYaml:
    def test_alias_bomb_is_rejected_fast(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The billion-laughs file is refused (E103) in well under a second."""
        monkeypatch.chdir(ROOT)
        start = time.perf_counter()
        problems = tierlib.check("tests/data/invalid/33_alias_bomb.yaml")
        assert time.perf_counter() - start < 1
        assert [p.code for p in problems] == ["E103"]

    def test_deeper_alias_bomb_is_rejected_fast(self) -> None:
        """30 levels of ten aliases each (10**30 nodes) cost no more than the file's size."""
        lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        lines += [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 10)}]" for k in range(1, 31)]
        start = time.perf_counter()
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads("\n".join(lines), "bomb.yaml")
        assert time.perf_counter() - start < 1
        assert [p.code for p in caught.value.problems] == ["E103"]

    @pytest.mark.parametrize(
        "text",
        ["[" * 5000 + "]" * 5000, "{a: " * 5000 + "1" + "}" * 5000, "- " * 5000 + "x"],
        ids=["flow-sequences", "flow-mappings", "block-sequences"],
    )
    def test_deep_nesting_is_a_problem_not_a_crash(self, text: str) -> None:
        """5,000 levels of nesting give E103, never a RecursionError."""
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "deep.yaml")
        assert [p.code for p in caught.value.problems] == ["E103"]

    def test_oversized_document(self) -> None:
        """A document over MAX_BYTES is refused before it is parsed."""
        text = MINI + "# " + "x" * _yaml.MAX_BYTES + "\n"
        start = time.perf_counter()
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "big.yaml")
        assert time.perf_counter() - start < 1
        (problem,) = caught.value.problems
        assert (problem.code, problem.location) == ("E103", Location("big.yaml", 1, 1))

    def test_no_python_object_is_ever_built(self, tmp_path: Path) -> None:
        """Unsafe tags are reported (E102) and never constructed."""
        marker = tmp_path / "pwned"
        text = MINI.replace(
            "total: 10", f'total: !!python/object/apply:os.system ["touch {marker}"]'
        )
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "unsafe.yaml")
        assert [p.code for p in caught.value.problems] == ["E102"]
        assert not marker.exists()


# ---------------------------------------------------------------- valid files and extends


class TestValidFiles:
    @pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
    def test_shipped_rule_files_load(self, path: Path) -> None:
        """Every rule file in rules/ loads without a problem."""
        assert tierlib.check(path) == []
        assert isinstance(tierlib.load(path), model.RuleSet)

    @pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
    def test_shipped_rule_files_round_trip(self, path: Path) -> None:
        """dump() of a shipped rule set (extends flattened) loads back to an equal one."""
        ruleset = tierlib.load(path)
        assert tierlib.loads(tierlib.dump(ruleset), "dumped.yaml") == ruleset

    def test_loads_keeps_locations(self) -> None:
        """Elements and conditions remember the file, line and column they came from."""
        ruleset = tierlib.loads(MINI, "mini.yaml")
        assert ruleset.indicators[0].loc == Location("mini.yaml", 12, 5)
        assert ruleset.tiers[1].loc == Location("mini.yaml", 19, 5)
        aon = ruleset.indicators[0].all_or_nothing
        assert aon is not None
        assert aon.when.loc == Location("mini.yaml", 16, 28)

    def test_boundary_words(self) -> None:
        """Chinese and English boundary words set the same bounds; percentages are exact."""
        text = MINI.replace("以上: 6", "超过: 60%")
        assert tierlib.loads(text).tiers[0].range == model.Bound(above=Fraction(3, 5))
        text = MINI.replace("以上: 6", "at_least: 6")
        assert tierlib.loads(text) == tierlib.loads(MINI)


BASE = (
    _HEAD
    + """\
indicators:
  - id: a
    label: A
    dimension: d
    max: 6
    all_or_nothing: {when: ok}
  - id: b
    label: B
    dimension: d
    max: 4
    linear: {fact: rate, floor: 0, target: 1}
tiers:
  - {id: good, label: Good, 以上: 6}
  - {id: poor, label: Poor}
vetoes:
  - {id: v1, reason: R1, when: not ok, effect: force, tier: poor}
  - {id: v2, reason: R2, when: rate < 10%, effect: unrated}
"""
)

CHILD = """\
extends: base.yaml
scheme:
  version: "2"
facts:
  extra: {kind: boolean}
indicators:
  - id: a
    label: A (county)
    dimension: d
    max: 5
    all_or_nothing: {when: ok and extra}
  - id: c
    label: C
    dimension: d
    max: 5
    linear: {fact: rate, floor: 0, target: 50%}
remove:
  indicators: [b]
  vetoes: [v2]
"""


class TestExtends:
    @pytest.fixture
    def files(self, tmp_path: Path) -> tuple[Path, Path]:
        base, child = tmp_path / "base.yaml", tmp_path / "child.yaml"
        base.write_text(BASE, encoding="utf-8")
        child.write_text(CHILD, encoding="utf-8")
        assert tierlib.check(base) == []
        return base, child

    def test_merges_by_id(self, files: tuple[Path, Path]) -> None:
        """Elements with a base id replace it in place, new ids append, remove: drops."""
        base, child = files
        ruleset = tierlib.load(child)
        assert [i.id for i in ruleset.indicators] == ["a", "c"]
        assert ruleset.indicators[0].max == 5
        assert ruleset.indicators[0].label == model.Label("A (county)")
        assert [v.id for v in ruleset.vetoes] == ["v1"]
        assert set(ruleset.facts) == {"ok", "rate", "extra"}
        assert (ruleset.scheme.id, ruleset.scheme.version) == ("mini", "2")
        assert ruleset.sources == (str(child), str(base))

    def test_keeps_the_base_locations_of_inherited_elements(self, files: tuple[Path, Path]) -> None:
        """Inherited elements point into the base file, overriding ones into the child."""
        base, child = files
        ruleset = tierlib.load(child)
        assert ruleset.dimensions[0].loc == Location(str(base), 10, 5)
        assert ruleset.tiers[0].loc == Location(str(base), 23, 5)
        assert ruleset.vetoes[0].loc == Location(str(base), 26, 5)
        assert ruleset.vetoes[0].when.loc == Location(str(base), 26, 32)
        assert ruleset.indicators[0].loc == Location(str(child), 7, 5)
        assert ruleset.indicators[1].loc == Location(str(child), 12, 5)
        assert ruleset.facts["ok"].loc.file == str(base)
        assert ruleset.facts["extra"].loc.file == str(child)

    def test_problems_in_inherited_parts_point_into_the_base(
        self, files: tuple[Path, Path]
    ) -> None:
        """A child that breaks a base sum is told where the base states it."""
        base, child = files
        child.write_text(CHILD.replace("max: 5\n    all", "max: 6\n    all"), encoding="utf-8")
        (problem,) = tierlib.check(child)
        assert (problem.code, problem.location) == ("E120", Location(str(base), 10, 28))

    def test_round_trip_flattens(self, files: tuple[Path, Path]) -> None:
        """dump() of an extended rule set is one file without extends: that loads back equal."""
        _, child = files
        ruleset = tierlib.load(child)
        text = tierlib.dump(ruleset)
        assert "extends" not in text
        assert "remove" not in text
        assert tierlib.loads(text) == ruleset


# ---------------------------------------------------------------- properties


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding copies of the shipped rule files (bases for extends:)."""
    path = tmp_path_factory.mktemp("load")
    for rules in RULES:
        (path / rules.name).write_bytes(rules.read_bytes())
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ruleset=yaml_rulesets())
def test_any_ruleset_round_trips_through_yaml(ruleset: model.RuleSet, workdir: Path) -> None:
    """load(dump(rs)) == rs for valid rule sets with arbitrary text in them."""
    path = workdir / "round-trip.yaml"
    path.write_text(tierlib.dump(ruleset), encoding="utf-8")
    assert tierlib.check(path) == []
    assert tierlib.load(path) == ruleset


_SHIPPED = st.sampled_from(RULES).map(lambda path: path.read_text(encoding="utf-8"))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_SHIPPED.flatmap(mutated_texts))
def test_random_mutations_of_valid_files_raise_only_tierlib_errors(
    text: str, workdir: Path
) -> None:
    """A damaged shipped rule file (extends: included) yields located problems: check()
    returns them, load() raises them as one RuleSetError, and nothing else ever escapes."""
    path = workdir / "mutated.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    problems = tierlib.check(path)
    assert isinstance(problems, list)
    assert all(p.code != "E999" for p in problems)
    assert_well_formed(problems)
    if problems:
        with pytest.raises(RuleSetError) as caught:
            tierlib.load(path)
        assert caught.value.problems == tuple(problems)
    else:
        assert isinstance(tierlib.load(path), model.RuleSet)
