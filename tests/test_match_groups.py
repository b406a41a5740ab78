"""The first stage's grouped matcher against one match of all the rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import MATCHER_SYMBOLS, conditions_and_values
from test_durable import HERE

from tierlib import _durable, _match_groups
from tierlib._ast import Expr
from tierlib._durable import Matcher
from tierlib._expr import parse
from tierlib._match_groups import GroupedMatcher
from tierlib.errors import EngineError, FactError


def _outcome(m: Matcher | GroupedMatcher, values: dict[str, _durable.Value | None]) -> object:
    try:
        return m.match_all(values)
    except FactError as exc:
        return str(exc)


@settings(max_examples=120, deadline=None)
@given(conditions_and_values(near=True), st.integers(1, 4), st.integers(1, 6))
def test_grouped_matching_answers_exactly_as_one_match_of_all_rules(
    case: tuple[list[Expr], list[dict[str, _durable.Value | None]]],
    size: int,
    window: int,
) -> None:
    """Random rules and values, asked twice and with 1 for True; small, often cleared memos
    and a short window, so groups turn volatile mid-way: every answer, and every error's
    text (all its problems, in order), equals that of one match of all the rules."""
    rules, value_sets = case
    named = {f"rule{k}": expr for k, expr in enumerate(rules)}
    asked = [*value_sets, *value_sets]
    asked += [{k: (1 if v is True else v) for k, v in values.items()} for values in value_sets]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_match_groups, "WINDOW", window)
        with (
            Matcher(named, MATCHER_SYMBOLS) as whole,
            GroupedMatcher(named, MATCHER_SYMBOLS, memo_size=size) as grouped,
        ):
            for values in asked:
                assert _outcome(grouped, values) == _outcome(whole, values)
            for group in grouped._state[0] + grouped._volatile:
                assert len(group.memo) <= size


@settings(max_examples=150, deadline=None)
@given(conditions_and_values(max_sets=24, near=True))
def test_remembering_numbers_by_position_among_literals_answers_as_matching_each_value(
    case: tuple[list[Expr], list[dict[str, _durable.Value | None]]],
) -> None:
    """Many value sets with numbers at, just either side of, between and a hair from the
    rules' literals, through memos that never forget or turn volatile: every answer and every
    error equals that of one match of all the rules."""
    rules, asked = case
    named = {f"rule{k}": expr for k, expr in enumerate(rules)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_match_groups, "WINDOW", 10**6)
        with (
            Matcher(named, MATCHER_SYMBOLS) as whole,
            GroupedMatcher(named, MATCHER_SYMBOLS, memo_size=1000) as grouped,
        ):
            for values in asked:
                assert _outcome(grouped, values) == _outcome(whole, values)


RULES = {
    "flag": parse("b", HERE),
    "share": parse("x >= 0.5", HERE),
    "both": parse("x > 0.25 and b", HERE),
}
KINDS: dict[str, _durable.Kind] = {"b": "boolean", "x": "number"}


def test_rules_reading_the_same_names_share_a_group() -> None:
    with GroupedMatcher(RULES, KINDS, memo_size=16) as m:
        assert sorted(m.groups[0]) == [("b",), ("b", "x"), ("x",)]


def test_a_group_whose_values_never_repeat_turns_volatile(monkeypatch) -> None:
    """Shares that never repeat, read through arithmetic (so remembered by value): their
    groups stop remembering and are matched together; the boolean's group keeps its memo.
    Answers stay right throughout."""
    from fractions import Fraction

    rules = {
        "flag": parse("b", HERE),
        "share": parse("x * 2 >= 1", HERE),
        "both": parse("x + 0 > 0.25 and b", HERE),
    }
    monkeypatch.setattr(_match_groups, "WINDOW", 8)
    with GroupedMatcher(rules, KINDS, memo_size=64) as m, Matcher(rules, KINDS) as w:
        for k in range(40):
            values = {"b": k % 2 == 0, "x": Fraction(k, 40)}
            assert m.match_all(values) == w.match_all(values)
        assert m.groups[0] == (("b",),)
        assert sorted(m.groups[1]) == [("b", "x"), ("x",)]
        assert m._state[1] is not None
        assert all(not g.memo for g in m._volatile)


def test_a_bad_value_is_reported_with_every_problem_of_the_stage() -> None:
    """A NaN and a value of the wrong kind in two groups: one error naming both, as one match
    of all the rules gives it."""
    values = {"b": 3.5, "x": float("nan")}
    with GroupedMatcher(RULES, KINDS, memo_size=8) as m, Matcher(RULES, KINDS) as w:
        assert _outcome(m, values) == _outcome(w, values)
        text = str(_outcome(m, values))
        assert "b:" in text
        assert "x:" in text


def test_a_closed_grouped_matcher_refuses_even_remembered_values() -> None:
    m = GroupedMatcher(RULES, KINDS, memo_size=8)
    values = {"b": True, "x": 1}
    m.match_all(values)
    m.close()
    m.close()  # idempotent
    with pytest.raises(EngineError):
        m.match_all(values)


def test_without_a_memo_every_match_is_one_match_of_all_rules() -> None:
    with GroupedMatcher(RULES, KINDS, memo_size=0) as m:
        assert m._state == ((), None)
        assert m.match_all({"b": True, "x": 1}) == (frozenset(RULES), frozenset())


def _cuts(text: str, kinds: dict[str, _durable.Kind] | None = None) -> dict[str, list[str]]:
    kinds = kinds or {"x": "number", "y": "number", "b": "boolean"}
    got = _match_groups.literal_cuts([parse(text, HERE)], kinds)
    return {name: [str(x) for x in exact] for name, (_, exact) in got.items()}


def test_a_number_compared_only_with_literals_is_cut_at_those_literals() -> None:
    assert _cuts("x >= 60% and x < 0.8") == {"x": ["3/5", "4/5"]}
    assert _cuts("-1 < x or x in [2, 0.5] or x > 1 / 3") == {"x": ["-1", "1/3", "1/2", "2"]}
    assert _cuts("x > 1 and b") == {"x": ["1"]}


def test_a_number_used_any_other_way_is_remembered_by_value() -> None:
    assert _cuts("x > 1 or x * 2 > 3") == {}  # arithmetic somewhere
    assert _cuts("x > y") == {}  # compared with another name
    assert _cuts("x > 1 / 0") == {}  # a literal that divides by zero
    assert _cuts("x > 1 and y > x") == {}


def test_shares_compared_with_literals_answer_from_memory() -> None:
    """Values that never repeat, on every side of and exactly at the literals: each stretch
    between two literals is matched once, and the answers equal one match of all rules."""
    from fractions import Fraction

    with GroupedMatcher(RULES, KINDS, memo_size=64) as m, Matcher(RULES, KINDS) as w:
        for k in range(300):
            values = {"b": k % 2 == 0, "x": Fraction(k, 300)}
            assert m.match_all(values) == w.match_all(values)
        assert m.groups[1] == ()  # nothing turned volatile
        memo = {g.names: len(g.memo) for g in m._state[0]}
        # x: below, at, between, at and above 1/4 and 1/2 → 5 positions; with b, the three
        # stretches twice, and the two literals once each (75/300 comes with b false)
        assert memo == {("b",): 2, ("x",): 5, ("b", "x"): 8}


def test_a_value_a_hair_from_a_literal_is_still_refused() -> None:
    """0.5 + 10**-30 is the double 0.5 for durable_rules: it is matched (and refused, F101)
    rather than taken for 0.5's stretch, even after 0.5 and its neighbours were remembered."""
    from fractions import Fraction

    with GroupedMatcher(RULES, KINDS, memo_size=64) as m, Matcher(RULES, KINDS) as w:
        for x in (Fraction(1, 2), Fraction(2, 5), Fraction(3, 5)):
            assert m.match_all({"b": True, "x": x}) == w.match_all({"b": True, "x": x})
        for x in (Fraction(1, 2) + Fraction(1, 10**30), Fraction(2**60, 3)):
            values = {"b": True, "x": x}
            assert _outcome(m, values) == _outcome(w, values)
            assert "F101" in str(_outcome(m, values))
