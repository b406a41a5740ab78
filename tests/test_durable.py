"""The durable_rules adapter: one test per measured quirk of conditions and values.

See shared/design/durable-rules.md. Each test states the behaviour tierlib guarantees; without
the matching guard in ``tierlib._durable`` / ``tierlib._durable_json`` it fails. The life cycle,
limits and differential tests are in test_durable_*.py, which import the helpers below.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from fractions import Fraction

import pytest

from tierlib import _durable, _durable_json
from tierlib._ast import Compare, Num, Ref, Str
from tierlib._durable import Matcher
from tierlib._durable_facts import MARKER, dumps
from tierlib._durable_json import fnv1a
from tierlib._expr import parse
from tierlib.errors import FactError, Location, RuleSetError

HERE = Location("test.yaml", 1, 1)
KINDS: dict[str, _durable.Kind] = {
    "score": "number",
    "a": "number",
    "b": "number",
    "x": "number",
    "y": "number",
    "flag": "boolean",
    "ok": "boolean",
    "name": "string",
    "points.income": "number",
    "满意度": "number",
    "a$b": "number",
}
F = Fraction


def matcher(**conditions: str) -> Matcher:
    """A Matcher over ``rule id = condition text`` (names from KINDS)."""
    return Matcher({rule: parse(text, HERE) for rule, text in conditions.items()}, KINDS)


def codes(exc: pytest.ExceptionInfo[FactError] | pytest.ExceptionInfo[RuleSetError]) -> set[str]:
    return {p.code for p in exc.value.problems}


def conditions_of(m: Matcher) -> list[dict[str, object]]:
    """Every condition object of every compiled rule, nested ones included."""
    out: list[dict[str, object]] = []
    stack = [rule["all"][0]["m"] for rule in m.compiled.values()]
    while stack:
        cond = stack.pop()
        out.append(cond)
        for key in ("$and", "$or"):
            stack.extend(cond.get(key, []))
    return out


# ---------------------------------------------------------------- conditions


def test_two_keys_in_one_condition_are_both_enforced() -> None:
    """A range is two conditions inside $and; every condition object has exactly one key."""
    with matcher(band="score >= 90 and score < 95") as m:
        assert m.match({"score": F(96)}) == frozenset()
        assert m.match({"score": F(92)}) == {"band"}
        assert all(len(cond) == 1 for cond in conditions_of(m))


def test_malformed_conditions_are_refused_before_loading() -> None:
    """The single-key guard rejects a condition object with two keys."""
    with pytest.raises(AssertionError, match="exactly one key"):
        _durable._check_single_keys(
            {"r": {"all": [{"m": {"$gte": {"v0": 90}, "$lt": {"v0": 95}}}]}}
        )


def test_rule_of_only_negations_terminates() -> None:
    """Rules made only of negations stay guarded by the positive marker and terminate."""
    with matcher(n1="not (x == 1)", n2="not flag and not (y > 2)", n3="x not in [1, 2]") as m:
        for rule in m.compiled.values():
            first = rule["all"][0]["m"]["$and"][0]
            assert first == {"$eq": {MARKER: m._plan.token}}
        done: list[frozenset[str]] = []
        worker = threading.Thread(
            target=lambda: done.append(m.match({"x": F(3), "y": F(0), "flag": False}))
        )
        worker.start()
        worker.join(5)
        assert done == [{"n1", "n2", "n3"}]
        assert m.match({}) == frozenset()


def test_not_is_pushed_into_comparisons() -> None:
    """`not` never reaches durable_rules: De Morgan and flipped comparisons instead."""
    with matcher(r="not (score >= 60 and (flag or name == 'x'))") as m:
        text = json.dumps(m.compiled)
        assert "$not" not in text
        assert "$nex" not in text
        assert m.match({"score": F(70), "flag": False, "name": "y"}) == {"r"}
        assert m.match({"score": F(70), "flag": True, "name": "y"}) == frozenset()
        assert m.match({"score": F(50), "flag": True, "name": "x"}) == {"r"}


def test_in_and_not_in_are_expanded() -> None:
    """`in` is an $or of equalities and `not in` an $and of inequalities ($in does not load)."""
    with matcher(i="name in ['村', 'b']", n="score not in [1, 2.5]") as m:
        assert "$in" not in json.dumps(m.compiled)
        assert m.match({"name": "村", "score": F(3)}) == {"i", "n"}
        assert m.match({"name": "c", "score": F(5, 2)}) == frozenset()


def test_all_firing_rules_are_reported() -> None:
    """Facts, not events: every rule that holds is reported, not just the first."""
    conditions = {f"r{i}": f"score >= {i}" for i in range(10)}
    with matcher(**conditions, both="x > 0 or y > 0") as m:
        assert m.match({"score": F(100), "x": F(1), "y": F(1)}) == {*conditions, "both"}


def test_names_from_yaml_never_reach_durable() -> None:
    """Rule ids and reference names (dotted, Chinese, with $) map to internal names."""
    rules = {
        "a$state": parse("points.income > 1", HERE),
        "b$flow": parse("满意度 >= 0.5", HERE),
        "x.y": Compare("==", Ref(("a$b",), HERE), Num(F(2), HERE), HERE),
    }
    with Matcher(rules, KINDS) as m:
        fields = {
            field
            for cond in conditions_of(m)
            for op, body in cond.items()
            if op not in ("$and", "$or")
            for field in body
        }
        assert all(f == MARKER or (f[0] in "vd" and f[1:].isdigit()) for f in fields)
        values = {"points.income": F(2), "满意度": F(1, 2), "a$b": F(2)}
        assert m.match(values) == {"a$state", "b$flow", "x.y"}


def test_internal_field_hashes_are_distinct() -> None:
    """durable_rules keys properties by a 32-bit hash: internal names never collide."""
    plan = _durable_json.compile_plan(
        {f"r{i}": parse(f"x + {i} > y", HERE) for i in range(300)}, KINDS, token=1
    )
    names = [*plan.fields.values(), *(d.field for d in plan.derived.values())]
    hashes = [fnv1a(n) for n in names] + [fnv1a(n) for n in ("sid", "id", "$s", MARKER)]
    assert len(set(hashes)) == len(hashes)
    assert fnv1a("id") == 926444256  # the constant in durable_rules' state.h


def test_two_matchers_with_same_rule_ids_coexist() -> None:
    """No process-wide registry: identical rule ids load twice and stay independent."""
    with matcher(r="score > 1") as one, matcher(r="score < 1") as two:
        assert one.match({"score": F(2)}) == {"r"}
        assert two.match({"score": F(2)}) == frozenset()
        assert two.match({"score": F(0)}) == {"r"}


# ---------------------------------------------------------------- values


def test_boolean_facts_match() -> None:
    """Booleans are posted and compared as 1/0, and only booleans are accepted for them."""
    with matcher(f="flag", nf="not flag", eq="flag == false", both="flag == ok") as m:
        assert m.match({"flag": True, "ok": True}) == {"f", "both"}
        assert m.match({"flag": False, "ok": True}) == {"nf", "eq"}
        fact = m._plan.fact(m._plan.prepare({"flag": True, "ok": False}), "1")
        rule = dumps(m.compiled["f"]["all"][0]["m"])
        assert "true" not in fact + rule
        assert "false" not in fact + rule
        with pytest.raises(FactError) as exc:
            m.match({"flag": 1})  # durable's loose equality: 1 == true
        assert codes(exc) == {"F103"}


def test_small_floats_compare_correctly() -> None:
    """Floats are written without an exponent (0.00005 would be sent as 5e-05: error 204)."""
    with matcher(lt="x < 0.0001", gt="x > 0.00001", eq="x == 0.00005") as m:
        assert m.match({"x": F(5, 100000)}) == {"lt", "gt", "eq"}
        assert m.match({"x": F(2, 10000)}) == {"gt"}
        assert m.match({"x": F(1, 10**12)}) == {"lt"}
        assert m.match({"x": F(-1, 10**12)}) == {"lt"}
    assert dumps([5e-05, 1e16, -1.5e-07, 0.1]) == "[0.00005,10000000000000000.0,-0.00000015,0.1]"


def test_arithmetic_is_exact() -> None:
    """Arithmetic is hoisted out of durable and computed with fractions: 0.1 + 0.2 == 0.3."""
    with matcher(sum="a + b == 0.3", third="a * 3 == 1", lit="0.1 + 0.2 == 0.3") as m:
        assert m.match({"a": F(1, 10), "b": F(2, 10)}) == {"sum", "lit"}
        assert m.match({"a": F(1, 3), "b": F(0)}) == {"third", "lit"}


def test_string_for_number_is_rejected() -> None:
    """Values of the wrong kind raise F103 (durable would compare '95' as a string)."""
    with matcher(r="score >= 90", f="flag", n="name == '1'") as m:
        for bad in ({"score": "95"}, {"flag": 1}, {"flag": "true"}, {"score": True}, {"name": 1}):
            with pytest.raises(FactError) as exc:
                m.match(bad)
            assert codes(exc) == {"F103"}
        assert m.match({"score": 95, "name": "1"}) == {"r", "n"}  # a plain int is a number


def test_integers_beyond_2_53_are_rejected() -> None:
    """A posted number beyond 2**53 raises F101; a literal beyond it is compared exactly."""
    with matcher(r="x > 1", big="y < 9007199254740993") as m:
        assert m.match({"x": F(2**53)}) == {"r"}
        for bad in (2**53 + 1, -(2**53) - 1, F(2**60, 3)):
            with pytest.raises(FactError) as exc:
                m.match({"x": F(bad)})
            assert codes(exc) == {"F101"}
            assert "x" in str(exc.value)
        assert m.match({"y": F(2**53)}) == {"big"}  # as doubles, 2**53 == 2**53 + 1


def test_nan_and_infinity_are_rejected() -> None:
    """NaN and infinities raise F102 (durable: no match, or error 202)."""
    with matcher(r="x > 1") as m:
        for bad in (float("nan"), float("inf"), Decimal("-Infinity")):
            with pytest.raises(FactError) as exc:
                m.match({"x": bad})
            assert codes(exc) == {"F102"}
        assert m.match({"x": 1.5}) == {"r"}


def test_values_closer_than_double_precision_are_rejected() -> None:
    """A value that rounds to the same double as what it is compared with raises F101."""
    with matcher(lit="x > 0.1", pair="a < b") as m:
        with pytest.raises(FactError) as exc:
            m.match({"x": F(1, 10) + F(1, 10**30)})
        assert codes(exc) == {"F101"}
        with pytest.raises(FactError) as exc:
            m.match({"a": F(1, 3), "b": F(1, 3) + F(1, 10**30)})
        assert codes(exc) == {"F101"}
        assert m.match({"x": F(1, 10) + F(1, 10**9), "a": F(1, 3), "b": F(1, 2)}) == {"lit", "pair"}


def test_long_strings_are_rejected() -> None:
    """durable_rules truncates string lengths to 16 bits: longer texts raise F101."""
    with matcher(r="name == 'a'") as m:
        with pytest.raises(FactError) as exc:
            m.match({"name": "a" * 65535 + "b"})
        assert codes(exc) == {"F101"}
        assert m.match({"name": "a" * 65535}) == frozenset()


def test_strings_compare_exactly() -> None:
    """Quotes, backslashes, control characters and Chinese compare exactly; ordering too."""
    text = 'a"b\\c\n中文'
    rules = {
        "eq": Compare("==", Ref(("name",), HERE), Str(text, HERE), HERE),
        "lt": Compare("<", Ref(("name",), HERE), Str("abc!", HERE), HERE),
    }
    with Matcher(rules, KINDS) as m:
        assert m.match({"name": text}) == {"eq", "lt"}  # '"' sorts before 'b'
        assert m.match({"name": text[:-1] + "x"}) == {"lt"}
        assert m.match({"name": "b"}) == frozenset()
        assert m.match({"name": "abc"}) == {"lt"}  # durable itself says "abc" > "abc!"


def test_missing_and_none_values_make_rules_undetermined() -> None:
    """A rule that references a missing or None value is undetermined, never matched."""
    with matcher(one="x > 1", either="x > 1 or flag", other="flag") as m:
        values = {"x": None, "flag": True}
        assert m.match(values) == {"other"}
        assert m.undetermined(values) == {"one", "either"}


def test_division_by_zero_makes_rule_undetermined() -> None:
    """Any division by zero in a rule leaves it undetermined, even behind a true `or`."""
    with matcher(
        div="a / b > 1",
        either="flag or a / b > 1",
        inner="(flag or a / b > 1) == ok",  # hoisted whole: Python would skip the division
        fine="a / 2 > 1",
    ) as m:
        values = {"a": F(4), "b": F(0), "flag": True, "ok": True}
        assert m.match(values) == {"fine"}
        assert m.undetermined(values) == {"div", "either", "inner"}
        values = {"a": F(4), "b": F(1), "flag": False, "ok": True}
        assert m.match(values) == {"div", "either", "inner", "fine"}
