"""The durable_rules adapter: one test per measured quirk (shared/design/durable-rules.md).

Each test states the behaviour tierlib guarantees; without the matching guard in
``tierlib._durable`` / ``tierlib._durable_json`` it fails (or, for the abort and hang
quirks, takes the process down).
"""

from __future__ import annotations

import ast
import json
import multiprocessing
import subprocess
import sys
import threading
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import durable_rules_engine
import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import MATCHER_SYMBOLS, conditions_and_values

from tierlib import _durable, _durable_json
from tierlib._ast import Arith, BoolOp, Compare, Expr, In, Num, Ref, Str, nodes, refs
from tierlib._durable import Matcher, limit_problems
from tierlib._durable_facts import MARKER, dumps
from tierlib._durable_json import fnv1a
from tierlib._evaluate import evaluate
from tierlib._expr import parse
from tierlib.errors import EngineError, FactError, Location, RuleSetError

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


# ---------------------------------------------------------------- engine life cycle


def test_engine_errors_surface_as_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain Exception from the C engine (it carries only an error code) is an EngineError."""
    with matcher(r="x > 1") as m:

        def boom(handle: int, state: int) -> str:
            raise Exception("Could not complete action, error code: 999")

        monkeypatch.setattr(durable_rules_engine, "complete_and_start_action", boom)
        with pytest.raises(EngineError, match="error code: 999"):
            m.match({"x": F(2)})
        monkeypatch.undo()
        assert m.match({"x": F(2)}) == {"r"}


def test_a_runaway_action_walk_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A session that keeps queueing actions (the $nex self-match loop) stops with an error."""
    with matcher(r="x > 1") as m:
        monkeypatch.setattr(
            durable_rules_engine, "complete_and_start_action", lambda h, s: '{"r0":{"m":{}}}'
        )
        with pytest.raises(EngineError, match="keeps running actions"):
            m.match({"x": F(2)})
        monkeypatch.undo()
        assert m.match({"x": F(0)}) == frozenset()


def test_unknown_or_unreadable_actions_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only tierlib's own rule names may come back from the engine."""
    for message, error in (('{"zz":{}}', "unknown action 'zz'"), ("[]", "unreadable action")):
        with matcher(r="x > 1") as m:
            monkeypatch.setattr(
                durable_rules_engine, "complete_and_start_action", lambda h, s, t=message: t
            )
            with pytest.raises(EngineError, match=error):
                m.match({"x": F(2)})
            monkeypatch.undo()


def test_an_or_rule_firing_once_per_branch_is_reported_once() -> None:
    """durable_rules runs an $or rule's action once per branch that holds."""
    with matcher(both="x > 0 or y > 0", one="x > 0") as m:
        assert m.match({"x": F(1), "y": F(1)}) == {"both", "one"}
        assert m.match({"x": F(0), "y": F(1)}) == {"both"}


def test_states_are_deleted_after_each_evaluation() -> None:
    """Each evaluation uses a fresh session and deletes it (1,024 live sessions fail)."""
    with matcher(r="x > 1") as m:
        for i in range(1100):
            assert m.match({"x": F(i % 3)}) == ({"r"} if i % 3 == 2 else frozenset())


def test_no_timer_threads() -> None:
    """Matchers start no threads (a plain durable Host starts two that never stop)."""
    before = threading.active_count()
    matchers = [matcher(r="x > 1") for _ in range(50)]
    assert threading.active_count() == before
    for m in matchers:
        m.close()


def test_close_frees_ruleset() -> None:
    """close() frees the C ruleset: no memory growth, no handle exhaustion (error 112)."""
    process = psutil.Process()
    rules, kinds = {"r": parse("x > 1", HERE)}, {"x": "number"}
    start = process.memory_info().rss
    for _ in range(2000):
        Matcher(rules, kinds).close()
    kept = []
    for _ in range(300):  # kept alive: only close() can have freed them (~190 KB each)
        m = Matcher(rules, kinds)
        m.close()
        kept.append(m)
    assert process.memory_info().rss - start < 20e6
    m.close()  # idempotent
    with pytest.raises(EngineError, match="closed"):
        m.match({"x": F(2)})


def test_eight_threads_share_one_matcher() -> None:
    """The C extension has no locks: one lock per Matcher keeps 8 threads correct."""
    with matcher(hi="score >= 90", mid="score >= 60 and score < 90", odd="flag") as m:
        wrong: list[int] = []

        def work(seed: int) -> None:
            for i in range(300):
                score = (seed * 37 + i) % 100
                expected = {"hi"} if score >= 90 else {"mid"} if score >= 60 else set()
                expected |= {"odd"} if score % 2 else set()
                if m.match({"score": F(score), "flag": bool(score % 2)}) != expected:
                    wrong.append(score)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert wrong == []


def _match_in_child(m: Matcher, queue: multiprocessing.Queue[frozenset[str]]) -> None:
    queue.put(m.match({"x": F(5)}))


@pytest.mark.skipif(sys.platform == "win32", reason="fork only")
def test_matcher_works_in_forked_child() -> None:
    """A Matcher built before fork() evaluates in the worker process."""
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[frozenset[str]] = context.Queue()
    with matcher(r="x > 1") as m:
        child = context.Process(target=_match_in_child, args=(m, queue))
        child.start()
        assert queue.get(timeout=10) == {"r"}
        child.join(10)
        assert child.exitcode == 0


def test_the_python_layer_of_durable_rules_is_never_imported() -> None:
    """durable.engine (timer threads, a utcfromtimestamp warning per action) stays unloaded."""
    code = (
        "import sys, tierlib\n"
        "e = tierlib.Engine(tierlib.load('rules/default.yaml'))\n"
        "assert 'durable_rules_engine' in sys.modules\n"
        "assert not [m for m in sys.modules if m == 'durable' or m.startswith('durable.')]\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stderr


def test_no_batch_event_or_global_host_apis_are_used() -> None:
    """Batch APIs, events, priorities and durable.lang's global host stay out of the adapter."""
    tree = ast.parse(Path(_durable.__file__).read_text(encoding="utf-8"))
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    used |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value == "pri"}
    forbidden = {"post", "post_batch", "assert_facts", "assert_event", "assert_events"}
    assert used.isdisjoint(forbidden | {"lang", "get_host", "pri"})


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
