"""The durable_rules adapter's life cycle: engine errors, sessions, threads, fork, close."""

from __future__ import annotations

import ast
import multiprocessing
import subprocess
import sys
import threading
from pathlib import Path

import durable_rules_engine
import psutil
import pytest
from test_durable import HERE, F, matcher

from tierlib import _durable
from tierlib._durable import Matcher
from tierlib._expr import parse
from tierlib.errors import EngineError

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
