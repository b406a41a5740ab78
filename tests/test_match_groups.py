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
@given(conditions_and_values(), st.integers(1, 4), st.integers(1, 6))
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
    """Shares that never repeat: their groups stop remembering and are matched together;
    the boolean's group keeps its memo. Answers stay right throughout."""
    from fractions import Fraction

    monkeypatch.setattr(_match_groups, "WINDOW", 8)
    with GroupedMatcher(RULES, KINDS, memo_size=64) as m, Matcher(RULES, KINDS) as w:
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
