"""The Matcher against exact Python evaluation, and its match memo against fresh matches."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import MATCHER_SYMBOLS, conditions_and_values
from test_durable import HERE, F, codes

from tierlib import _durable
from tierlib._ast import Arith, Expr, nodes, refs
from tierlib._durable import Matcher
from tierlib._evaluate import evaluate
from tierlib._expr import parse
from tierlib.errors import EngineError, FactError

# ---------------------------------------------------------------- differential


def _expected(expr: Expr, env: dict[str, _durable.Value]) -> bool | None:
    """Exact evaluation; None when a value is missing or any divisor is zero."""
    if any(r.name not in env for r in refs(expr)):
        return None
    for node in nodes(expr):
        if isinstance(node, Arith) and node.op == "/":
            try:
                if evaluate(node.right, env) == 0:
                    return None
            except ZeroDivisionError:
                return None
    return evaluate(expr, env) is True


@settings(max_examples=120)
@given(conditions_and_values())
def test_matches_exact_evaluation(
    case: tuple[list[Expr], list[dict[str, _durable.Value | None]]],
) -> None:
    """Random well-typed conditions and values agree with exact Python evaluation."""
    rules, value_sets = case
    named = {f"rule{k}": expr for k, expr in enumerate(rules)}
    with Matcher(named, MATCHER_SYMBOLS) as m:
        for values in value_sets:
            env = {k: v for k, v in values.items() if v is not None}
            expected = {rule: _expected(expr, env) for rule, expr in named.items()}
            assert m.match(values) == {r for r, hit in expected.items() if hit}
            assert m.undetermined(values) == {r for r, hit in expected.items() if hit is None}


# ---------------------------------------------------------------- the match memo


def _outcome(m: Matcher, values: dict[str, _durable.Value | None]) -> object:
    try:
        return m.match_all(values)
    except FactError as exc:
        return str(exc)


@settings(max_examples=120)
@given(conditions_and_values(), st.integers(1, 4))
def test_a_remembered_match_equals_a_fresh_one(
    case: tuple[list[Expr], list[dict[str, _durable.Value | None]]], size: int
) -> None:
    """A Matcher with a (small, often cleared) memo answers exactly as one without, for the
    same values asked again, for values of another class (1 and True), and for bad values."""
    rules, value_sets = case
    named = {f"rule{k}": expr for k, expr in enumerate(rules)}
    asked = [*value_sets, *value_sets]
    asked += [{k: (1 if v is True else v) for k, v in values.items()} for values in value_sets]
    with (
        Matcher(named, MATCHER_SYMBOLS) as bare,
        Matcher(named, MATCHER_SYMBOLS, memo_size=size) as kept,
    ):
        for values in asked:
            assert _outcome(kept, values) == _outcome(bare, values)
        assert kept._memo is None or len(kept._memo) <= size


def test_the_match_memo_is_read_for_repeated_values() -> None:
    with Matcher({"r": parse("score >= 90", HERE)}, {"score": "number"}, memo_size=8) as m:
        first = m.match_all({"score": F(95), "other": F(1)})
        assert m.match_all({"score": F(95), "other": F(2)}) is first  # only read names count
        assert m.match_all({"score": F(80)}) == (frozenset(), frozenset())
        assert m._hits == 1


def test_a_match_memo_that_does_not_pay_switches_itself_off(monkeypatch) -> None:
    monkeypatch.setattr(_durable, "MEMO_WINDOW", 8)
    with Matcher({"r": parse("x > 1", HERE)}, {"x": "number"}, memo_size=100) as m:
        for k in range(7):
            m.match({"x": F(k)})
        assert m._memo is not None
        m.match({"x": F(7)})  # eight lookups, no hit: off
        assert m._memo is None
        assert m.match({"x": F(7)}) == {"r"}


def test_a_match_memo_that_pays_stays_on(monkeypatch) -> None:
    monkeypatch.setattr(_durable, "MEMO_WINDOW", 8)
    with Matcher({"r": parse("x > 1", HERE)}, {"x": "number"}, memo_size=100) as m:
        for k in range(40):
            assert m.match({"x": F(k % 3)}) == ({"r"} if k % 3 == 2 else set())
        assert m._memo is not None
        assert m._hits > 0


def test_a_closed_matcher_refuses_even_remembered_values() -> None:
    m = Matcher({"r": parse("x > 1", HERE)}, {"x": "number"}, memo_size=8)
    assert m.match({"x": F(2)}) == {"r"}
    m.close()
    with pytest.raises(EngineError, match="closed"):
        m.match({"x": F(2)})


@pytest.mark.parametrize(
    ("kind", "value"),
    [("string", True), ("string", F(1)), ("number", True), ("number", "1"), ("boolean", F(1)),
     ("boolean", 1), ("boolean", "true")],
)  # fmt: skip
def test_a_value_of_another_kind_is_f103_even_when_already_typed(kind: str, value: object) -> None:
    """The typed fast path of the encoder admits a value only under its own kind."""
    with Matcher({"r": parse("x == x", HERE)}, {"x": kind}, memo_size=4) as m:  # type: ignore[dict-item]
        with pytest.raises(FactError) as exc:
            m.match({"x": value})  # type: ignore[dict-item]
        assert codes(exc) == {"F103"}
