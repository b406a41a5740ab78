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
from tierlib import _yaml, model
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

    def test_nesting_pyyaml_stops_itself_is_the_same_problem_located(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """PyYAML 6.0.4 and later refuse deep nesting with a parser error of their own: that
        is E103 too (at the spot it names), not a YAML syntax error, whichever PyYAML runs."""
        import yaml

        mark = yaml.Mark("deep.yaml", 1000, 0, 1000, None, None)

        def compose(*args: object, **kwargs: object) -> None:
            raise yaml.parser.ParserError(None, None, "exceeded maximum nesting depth", mark)

        monkeypatch.setattr(_yaml.yaml, "compose", compose)
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads("[" * 5000 + "]" * 5000, "deep.yaml")
        (problem,) = caught.value.problems
        assert (problem.code, problem.location) == ("E103", Location("deep.yaml", 1, 1001))

    def test_oversized_document(self) -> None:
        """A document over MAX_BYTES is refused before it is parsed."""
        text = MINI + "# " + "x" * _yaml.MAX_BYTES + "\n"
        start = time.perf_counter()
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "big.yaml")
        assert time.perf_counter() - start < 1
        (problem,) = caught.value.problems
        assert (problem.code, problem.location) == ("E103", Location("big.yaml", 1, 1))

    @pytest.mark.parametrize("name", ["has_venue", "有场所"])
    def test_a_negation_written_with_an_exclamation_mark_is_not_told_to_drop_it(
        self, name: str
    ) -> None:
        """``when: !has_venue`` is a YAML tag: the suggestion says to write ``not has_venue``,
        not to remove the tag (which would reverse the meaning)."""
        text = MINI.replace("all_or_nothing: {when: ok}", f"all_or_nothing:\n      when: !{name}")
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "bang.yaml")
        (problem,) = caught.value.problems
        assert problem.code in {"E102", "E101"}  # a tag of non-ASCII letters is bad syntax
        assert (problem.location.line, problem.location.col) == (17, 13)
        assert f"`not {name}`" in (problem.suggestion or "")
        assert "remove the tag" not in (problem.suggestion or "")

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


class TestYamlMistakesSayWhy:
    """A YAML syntax error is located where the mistake is and names its usual cause."""

    @pytest.mark.parametrize(
        ("case", "suggestion"),
        [
            ("02_tab_indentation", "indent with spaces, not tabs"),
            ("62_control_character", "perhaps pasted from Word: delete it"),
            ("63_full_width_colon", "use ':'"),
            ("64_no_space_after_colon", "space after its ':'"),
            ("65_no_break_space", "use a normal space"),
            ("66_dash_without_space", "space after the dash"),
        ],
    )
    @pytest.mark.parametrize("loader", ["C", "Python"])
    def test_the_cause_is_the_suggestion(
        self, case: str, suggestion: str, loader: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With libyaml or PyYAML's own parser: the expected line and column, and the cause."""
        import yaml

        monkeypatch.chdir(ROOT)
        if loader == "Python":
            monkeypatch.setattr(_yaml, "_LOADER", yaml.SafeLoader)
        path = f"tests/data/invalid/{case}.yaml"
        (problem,) = tierlib.check(path)
        expected = (INVALID / f"{case}.expected").read_text(encoding="utf-8").strip()
        assert prefix(problem) == expected
        assert suggestion in (problem.suggestion or "")

    @pytest.mark.parametrize("space", ["\u00a0", "\u3000"])
    def test_an_odd_space_is_named(self, space: str) -> None:
        """A no-break space (U+00A0) or a full-width space (U+3000) after a key's ':'."""
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(MINI.replace("max: 10\n", f"max:{space}10\n"), "odd.yaml")
        (problem,) = caught.value.problems
        assert problem.location == Location("odd.yaml", 15, 5)
        assert f"U+{ord(space):04X}" in (problem.suggestion or "")

    def test_control_characters_are_located_and_named_each(self) -> None:
        """Each control character is its own problem at its line and column, named U+XXXX,
        without PyYAML's "<unicode string>", position; Chinese text before it counts as
        characters, not bytes."""
        text = MINI.replace("label: A\n", "label: 村容\x0b村貌\n").replace(
            "label: Poor", "label: Po\x0cor"
        )
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "word.yaml")
        first, second = caught.value.problems
        assert first.location == Location("word.yaml", 13, 14)
        assert second.location == Location("word.yaml", 19, 25)
        assert "U+000B" in first.message
        assert "U+000C" in second.message
        for problem in (first, second):
            assert problem.code == "E101"
            assert "position" not in str(problem)
            assert "unicode string" not in str(problem)

    def test_a_lone_surrogate_is_a_problem_not_a_crash(self) -> None:
        """Text given to loads() with a lone surrogate is refused like a control character."""
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(MINI.replace("label: A", "label: A\ud800"), "s.yaml")
        assert [p.code for p in caught.value.problems] == ["E101"]

    def test_a_full_width_colon_in_a_value_is_not_blamed(self) -> None:
        """'：' after the key's ':' (in a label) is not named as the cause of another error."""
        text = MINI.replace("label: A\n", "label: 说明：A\n").replace("max: 10\n", "max:10\n")
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "v.yaml")
        (problem,) = caught.value.problems
        assert "max: 6" in (problem.suggestion or "")


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
        """Chinese and English boundary words set the same bounds; percentages are exact (on a
        share: a tier minimum is in points, and 60% there is E134)."""
        text = MINI.replace("以上: 6", "超过: 5.5")
        assert tierlib.loads(text).tiers[0].range == model.Bound(above=Fraction(11, 2))
        band = "bands: {fact: rate, bands: [{超过: 60%, points: 10}], otherwise: 0}"
        text = MINI.replace("all_or_nothing: {when: ok}", band)
        bands = tierlib.loads(text).indicators[0].bands
        assert bands is not None
        assert bands.bands[0].range == model.Bound(above=Fraction(3, 5))
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


def test_a_base_file_name_too_long_to_open_is_one_located_e140(tmp_path: Path) -> None:
    """``extends:`` naming a file the system cannot even look up (a name over 255 bytes):
    one E140 at the name, not an OSError."""
    path = tmp_path / "long.yaml"
    path.write_text("extends: " + "a" * 300 + ".yaml\n", encoding="utf-8")
    problems = tierlib.check(str(path))
    assert [(p.code, p.location.line, p.location.col) for p in problems] == [("E140", 1, 10)]
    assert "cannot be opened" in problems[0].message
