"""durable_rules' limits: rule sets beyond them give E401–E404 at once, just within them work."""

from __future__ import annotations

import time

import pytest
from test_durable import HERE, F, codes

from tierlib._ast import BoolOp, Compare, Expr, In, Num, Ref, refs
from tierlib._durable import Matcher, limit_problems
from tierlib._expr import parse
from tierlib.errors import RuleSetError

# ---------------------------------------------------------------- limits


def _and(*parts: Expr) -> Expr:
    return BoolOp("and", parts, HERE)


def _gt(name: str, value: int) -> Expr:
    return Compare(">", Ref((name,), HERE), Num(F(value), HERE), HERE)


def _in(name: str, count: int) -> Expr:
    return In(Ref((name,), HERE), tuple(Num(F(i), HERE) for i in range(count)), False, HERE)


def test_limits_are_reported_not_hung() -> None:
    """Rule sets beyond durable_rules' limits give E401–E404 at once, never a hang."""
    started = time.monotonic()
    cases = {
        "E401": {f"r{i}": _gt("x", i) for i in range(64)},
        "E402": {"r": _in("x", 600)},
        "E403": {"r": _and(*(_gt(f"f{i}", 0) for i in range(252)))},
        "E404": {"r": _and(*(parse(f"x > {i} or y > {i}", HERE) for i in range(15)))},
    }
    cases["E401 or"] = {f"r{i}": parse(f"x > {i} or y > {i}", HERE) for i in range(33)}
    for code, rules in cases.items():
        kinds = {r.name: "number" for e in rules.values() for r in refs(e)}
        found = limit_problems({rule: (expr, HERE) for rule, expr in rules.items()})
        assert {p.code for p in found} == {code.split()[0]}, code
        with pytest.raises(RuleSetError) as exc:
            Matcher(rules, kinds)
        assert codes(exc) == {code.split()[0]}
    assert time.monotonic() - started < 5


def test_rule_sets_just_within_limits_work() -> None:
    """63 rules, 31 two-way `or`s, 256-item lists and 251 fields all load and match."""
    cases = [
        ({f"r{i}": _gt("x", i) for i in range(63)}, {"x": F(100)}),
        (
            {f"r{i}": parse(f"x > {i} or y > {i}", HERE) for i in range(31)},
            {"x": F(99), "y": F(99)},
        ),
        ({"r": _in("x", 256)}, {"x": F(255)}),
        ({"r": _and(*(_gt(f"f{i}", 0) for i in range(251)))}, {f"f{i}": F(1) for i in range(251)}),
        (
            {"r": _and(*(parse(f"x > {i} or y > {i}", HERE) for i in range(14)))},
            {"x": F(99), "y": F(0)},
        ),
    ]
    for rules, values in cases:
        kinds = {r.name: "number" for e in rules.values() for r in refs(e)}
        assert limit_problems({rule: (expr, HERE) for rule, expr in rules.items()}) == []
        with Matcher(rules, kinds) as m:
            assert m.match(values) == set(rules)
