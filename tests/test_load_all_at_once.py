"""Every mistake of a rule file at once: a structural one does not hide the semantic ones, and
no mistake is followed by problems it caused (the elements that fail are left out)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_load import INVALID, MINI, RULES

import tierlib
from tierlib import _load, _yaml
from tierlib.errors import Problem, RuleSetError


def codes_of(case: str) -> list[str]:
    """The codes check() reports for tests/data/invalid/``case``.yaml (run from the root)."""
    return [p.code for p in tierlib.check(INVALID / f"{case}.yaml")]


def _check_text(text: str) -> list[Problem]:
    """The problems loads() raises for ``text`` (none when it loads)."""
    try:
        tierlib.loads(text, "t.yaml")
    except RuleSetError as exc:
        return list(exc.problems)
    return []


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

    def test_a_misspelled_required_key_is_one_problem_not_two(self) -> None:
        """``wehn:``, ``knid:``, ``lable:`` are each the unknown key with its "did you mean",
        not also the required key they stand for reported missing (E112)."""
        problems = tierlib.check(INVALID / "67_misspelled_required_keys.yaml")
        assert [(p.code, p.suggestion) for p in problems] == [
            ("E110", "did you mean 'kind'?"),
            ("E110", "did you mean 'label'?"),
            ("E110", "did you mean 'when'?"),
            ("E110", "did you mean 'label'?"),
        ]

    def test_a_missing_key_with_an_unrelated_unknown_key_is_two_problems(self) -> None:
        """An unknown key that is not close to the missing one does not hide it."""
        text = MINI.replace("{id: poor, label: Poor}", "{id: poor, xyz: Poor}")
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "two.yaml")
        assert [p.code for p in caught.value.problems] == ["E112", "E110"]

    def test_a_full_width_comma_in_a_list_is_one_problem_not_a_cascade(self) -> None:
        """``[village，community]`` is one E106 at the item, with the list as meant; the items
        are read as meant (no E131 for a quota naming ``community``), and a ``，`` in a label
        or a quoted item is not a problem."""
        text = MINI.replace("  total: 10\n", "  total: 10\n  org_types: [village，community]\n")
        text += "quotas:\n  - {id: q, label: 后进，倒排, org_type: community, share: 10%}\n"
        with pytest.raises(RuleSetError) as caught:
            tierlib.loads(text, "comma.yaml")
        (problem,) = caught.value.problems
        assert (problem.code, problem.location.line, problem.location.col) == ("E106", 6, 15)
        assert problem.suggestion == "write [village, community]"
        fixed = text.replace("village，community", "village, community")
        assert tierlib.loads(fixed, "comma.yaml").scheme.org_types == ("village", "community")

    def test_a_full_width_comma_in_values_is_not_one_value(self) -> None:
        """``values: [标准化，一般，无]`` is not accepted as a single value."""
        text = MINI.replace(
            "  ok: {kind: boolean}\n",
            "  ok: {kind: boolean}\n  venue: {kind: string, values: [标准化，一般，无]}\n",
        )
        problems = [p for p in _check_text(text) if p.code == "E106"]
        assert [p.suggestion for p in problems] == ["write [标准化, 一般, 无]"]

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
