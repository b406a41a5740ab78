"""The explainer's memos: a remembered part always equals a freshly built one.

An :class:`~tierlib.explain.Explainer` remembers the parts of explanations (indicator lines by
the identity of their events; everything else by small value keys). Each test explains through
one shared explainer and compares with ``explain`` (a fresh explainer) or with an explainer of
``memo_size=0`` (nothing remembered). The variants test changes one value of a decision at a
time after explaining the original, so a memo whose key missed a value its part shows would hand
back the original's part.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import drawn_decisions, random_engine
from test_explain import CAPPED, SECOND, VETOED, _county_decisions, village

from tierlib import load
from tierlib._explain_static import Static
from tierlib.decision import Decision, MissingInput, TraceEvent
from tierlib.engine import Engine
from tierlib.errors import FactError, Location
from tierlib.explain import Explainer, Explanation, explain
from tierlib.model import FactValue, Label, Organization, RuleSet

ROOT = Path(__file__).resolve().parent.parent
RULE_FILES = sorted((ROOT / "rules").glob("*.yaml"))


def outcome(explainer: Explainer | None, d: Decision, ruleset: RuleSet) -> Explanation | str:
    """The explanation, or the exception it raised (odd variants may have none)."""
    try:
        return explainer(d) if explainer is not None else explain(d, ruleset)
    except Exception as exc:  # compared, not hidden: both ways must fail alike
        return f"{type(exc).__name__}: {exc}"


def sampled(ruleset: RuleSet, n: int) -> Iterator[Organization]:
    """``n`` organizations with seeded random facts within their declared bounds, a few missing
    (values repeat, as in a county: booleans, counts, two decimals)."""
    rng = random.Random(20240601)
    for k in range(n):
        facts: dict[str, FactValue] = {}
        for name, spec in ruleset.facts.items():
            if rng.random() < 0.02:
                continue
            if spec.kind == "boolean":
                facts[name] = rng.random() < 0.8
            elif spec.kind == "string":
                facts[name] = rng.choice(spec.values or ("a", "b"))
            else:
                low = spec.minimum if spec.minimum is not None else Fraction(0)
                high = spec.maximum if spec.maximum is not None else low + 100
                x = low + (high - low) * Fraction(rng.randint(0, 100), 100)
                facts[name] = Fraction(round(x)) if spec.integer else x
        yield Organization(id=f"S{k:03}", type="village", facts=facts)


def decisions(ruleset: RuleSet, eng: Engine) -> list[Decision]:
    """Decisions of a rule set: the example county's organizations (when they fit its facts),
    the test villages and sampled organizations."""
    orgs = [*sampled(ruleset, 150)]
    orgs += [village(**facts) for facts in ({}, VETOED, SECOND, CAPPED)]
    orgs += [village(drop=("satisfaction", "green_coverage"), **f) for f in (VETOED, CAPPED)]
    out = []
    for org in orgs:
        try:
            out.append(eng.evaluate(org))
        except FactError:  # facts this rule set does not declare, or out of a method's range
            continue
    return out + _county_decisions(eng)  # (rows whose facts do not fit are left out)


Decided = tuple[RuleSet, list[Decision], list[Explanation]]


@pytest.fixture(scope="module", params=[p.name for p in RULE_FILES])
def decided(request: pytest.FixtureRequest) -> Decided:
    """A rule set, its decisions and their explanations by ``explain`` (nothing remembered)."""
    ruleset = load(ROOT / "rules" / request.param)
    with Engine(ruleset) as eng:
        ds = decisions(ruleset, eng)
    return ruleset, ds, [explain(d, ruleset) for d in ds]


# ---------------------------------------------------------------- variants


def changed_events(e: TraceEvent, ruleset: RuleSet) -> Iterator[TraceEvent]:
    """``e`` with one of its values changed, each way in turn."""
    loc = e.loc
    yield attrs.evolve(e, loc=Location(loc.file, loc.line + 1, loc.col))
    yield attrs.evolve(e, loc=Location(loc.file + "x", loc.line, loc.col))
    yield attrs.evolve(e, id=e.id + "x")
    yield attrs.evolve(e, result=e.result + "1")
    yield attrs.evolve(e, note=e.note + "x")
    if e.inputs:
        (name, value), *rest = e.inputs
        yield attrs.evolve(e, inputs=((name, value + "1"), *rest))
        yield attrs.evolve(e, inputs=((name, "missing"), *rest))
        yield attrs.evolve(e, inputs=tuple(rest))
    yield attrs.evolve(e, inputs=(*e.inputs, ("score", "1")))
    others = {
        "veto": [v.id for v in ruleset.vetoes],
        "dimension": [x.id for x in ruleset.dimensions],
        "flag": [f.id for f in ruleset.flags],
    }
    for other in others.get(e.kind, []):
        if other != e.id:
            yield attrs.evolve(e, id=other)
    if e.kind == "veto":
        yield attrs.evolve(e, result="undetermined")
        effect = e.result.partition(" ")[0]  # a veto unknown to the rule set: as its result says
        for t in ruleset.tiers:
            yield attrs.evolve(e, id=e.id + "x", result=f"{effect} {t.id}")
        for other in ("force", "unrated", "cap", "require"):
            yield attrs.evolve(e, id=e.id + "x", result=f"{other} {ruleset.tiers[-1].id}")
        decisive = e.note.endswith("decisive")
        yield attrs.evolve(e, note=e.note.removesuffix("; decisive") if decisive else "; decisive")
    elif e.kind == "tier":
        for t in ruleset.tiers:
            yield attrs.evolve(e, result=t.id)
    elif e.kind == "item":
        for result in ("met", "not met", "0"):
            yield attrs.evolve(e, result=result)
        for note in ("met", "not met", "band 0 matched by condition"):
            yield attrs.evolve(e, note=note)
        yield attrs.evolve(e, parent=e.parent + "x")
        for ind in ruleset.indicators:  # an item of another yes/no indicator
            if ind.id != e.parent and (ind.checklist or ind.deductions):
                yield attrs.evolve(e, parent=ind.id)
                break
    elif e.kind in ("indicator", "missing"):
        for policy in ("zero", "rescale", "pending"):
            yield attrs.evolve(e, kind="missing", result=policy)
    elif e.kind == "flag":
        yield attrs.evolve(e, result="undetermined")


def variants(d: Decision, ruleset: RuleSet) -> Iterator[Decision]:
    """``d`` with one value changed: of one of its events, or of its outcome."""
    trace = d.trace
    for i, e in enumerate(trace):
        for changed in changed_events(e, ruleset):
            yield attrs.evolve(d, trace=(*trace[:i], changed, *trace[i + 1 :]))
    tiers = [t.id for t in ruleset.tiers]
    for tier in [*tiers, None]:
        yield attrs.evolve(d, tier=tier)
        yield attrs.evolve(d, score_tier=tier)
    for status in ("rated", "unrated", "pending"):
        yield attrs.evolve(d, status=status)
    score = d.score if d.score is not None else Fraction(50)
    for other in (score + Fraction(1, 10), score - 1, Fraction(1, 3), None):
        yield attrs.evolve(d, score=other)
    gaps = [MissingInput(i.id, "culture_points", "pending") for i in ruleset.indicators[:2]]
    yield attrs.evolve(d, missing=(*d.missing, *gaps))
    yield attrs.evolve(d, missing=())


def kinds_of(ds: list[Decision], most: int) -> list[Decision]:
    """One decision of each kind of outcome (status, tiers, vetoes, gaps), at most ``most``."""
    seen: dict[object, Decision] = {}
    for d in ds:
        vetoes = tuple((e.id, e.result, e.note) for e in d.trace if e.kind == "veto")
        gaps = tuple(e.result for e in d.trace if e.kind == "missing")
        seen.setdefault((d.status, d.tier, d.score_tier, vetoes, gaps), d)
    return list(seen.values())[:most]


def test_a_warm_explainer_explains_each_one_value_variant_as_a_fresh_one(decided) -> None:
    """After the original, each variant through the same explainer (its memos full of the
    original's parts) equals its explanation with nothing remembered: no memo key misses a
    value its part shows."""
    ruleset, ds, _ = decided
    shared, bare, seen = Explainer(ruleset), Explainer(ruleset, memo_size=0), 0
    for d in kinds_of(ds, 12):
        assert outcome(shared, d, ruleset) == outcome(None, d, ruleset)
        for v in variants(d, ruleset):
            assert outcome(shared, v, ruleset) == outcome(bare, v, ruleset)
            seen += 1
        assert outcome(shared, d, ruleset) == outcome(None, d, ruleset)  # and back
    assert seen > 1000


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_rule_sets_explain_one_value_variants_as_fresh(data: st.DataObject) -> None:
    """Random rule sets × organizations × variants drawn among the one-value changes."""
    eng = random_engine(data)
    if eng is None:
        return
    with eng:
        ruleset = eng.ruleset
        shared, bare = Explainer(ruleset), Explainer(ruleset, memo_size=0)
        for d in drawn_decisions(data, eng, 3):
            assert outcome(shared, d, ruleset) == outcome(None, d, ruleset)
            every = list(variants(d, ruleset))
            for i in data.draw(st.lists(st.integers(0, len(every) - 1), max_size=12)):
                assert outcome(shared, every[i], ruleset) == outcome(bare, every[i], ruleset)


# ---------------------------------------------------------------- sizes, threads, layouts


@pytest.mark.parametrize("size", [0, 1, 3])
def test_a_small_or_no_memo_explains_exactly_as_a_fresh_explainer(decided, size) -> None:
    """Memos that start over every few entries, or hold nothing, change no explanation."""
    ruleset, ds, want = decided
    explainer = Explainer(ruleset, memo_size=size)
    static = explainer._static
    for _ in range(2):
        for d, w in zip(ds, want):
            assert explainer(d) == w
            assert all(len(getattr(static, name)) <= size for name in Static.MEMOS)


def test_every_memo_stays_within_memo_size_and_some_fill(decided) -> None:
    ruleset, ds, _ = decided
    explainer = Explainer(ruleset, memo_size=40)
    for d in ds:
        explainer(d)
    sizes = {name: len(getattr(explainer._static, name)) for name in Static.MEMOS}
    assert all(n <= 40 for n in sizes.values())
    assert min(sizes[name] for name in ("lines", "facts", "dim_lines", "score_lines")) > 0


def test_a_warm_explainer_explains_exactly_as_a_fresh_one(decided) -> None:
    """Every decision twice through one explainer, forwards then backwards."""
    ruleset, ds, want = decided
    shared = Explainer(ruleset)
    assert [shared(d) for d in ds] == want
    assert [shared(d) for d in reversed(ds)] == want[::-1]


def test_threads_sharing_a_tiny_memo_give_the_sequential_explanations() -> None:
    """Four threads clearing and filling the same small memos: the same explanations."""
    from concurrent.futures import ThreadPoolExecutor

    ruleset = load(ROOT / "rules" / "default.yaml")
    with Engine(ruleset) as eng:
        ds = _county_decisions(eng)
    want = [explain(d, ruleset) for d in ds]
    shared = Explainer(ruleset, memo_size=7)
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(shared, ds * 3)) == want * 3


def items_first(d: Decision) -> Decision:
    """``d`` with every item event moved ahead of the rest, each kind keeping its order."""
    trace = [e for e in d.trace if e.kind == "item"] + [e for e in d.trace if e.kind != "item"]
    return attrs.evolve(d, trace=tuple(trace))


def test_a_trace_in_another_layout_is_explained_as_the_engine_layout(decided) -> None:
    """An indicator's items need not come right before its event: a trace with all items first
    (read event by event, not indicator by indicator) gives the same explanation."""
    ruleset, ds, want = decided
    shared, moved_any = Explainer(ruleset), False
    for d, w in zip(ds, want):
        moved = items_first(d)
        moved_any |= moved.trace != d.trace
        assert shared(moved) == w == shared(d)
    assert moved_any


def test_equal_events_that_are_other_objects_give_the_same_explanation(decided) -> None:
    """A decision rebuilt from copies of its events (nothing remembered by their identity)."""
    ruleset, ds, want = decided
    shared = Explainer(ruleset)
    for d, w in zip(ds[::5], want[::5]):
        copied = attrs.evolve(d, trace=tuple(attrs.evolve(e) for e in d.trace))
        assert shared(d) == shared(copied) == w


def test_an_indicator_event_with_other_items_gets_its_own_line() -> None:
    """The same indicator event object with different items before it: a line of its own."""
    ruleset = load(ROOT / "rules" / "default.yaml")
    with Engine(ruleset) as eng:
        d = eng.evaluate(village())
    k = next(i for i, e in enumerate(d.trace) if e.kind == "item" and e.parent == "roads")
    item = d.trace[k]
    other = attrs.evolve(item, result="0", note="not met")
    changed = attrs.evolve(d, trace=(*d.trace[:k], other, *d.trace[k + 1 :]))
    shared = Explainer(ruleset)
    assert shared(d) == explain(d, ruleset)
    assert shared(changed) == explain(changed, ruleset) != explain(d, ruleset)


def test_an_all_or_nothing_step_shows_the_inputs_of_its_decisions_indicator_event() -> None:
    """An indicator with a missing event and, later, an indicator event: its all-or-nothing step
    shows that event's inputs, so two decisions differing only there differ in the step."""
    ruleset = load(ROOT / "rules" / "default.yaml")
    with Engine(ruleset) as eng:
        d = eng.evaluate(village())
    k = next(i for i, e in enumerate(d.trace) if e.kind == "indicator" and e.id == "waste")
    ev = d.trace[k]
    gap = attrs.evolve(ev, kind="missing", result="zero")
    before = (*d.trace[:k], gap, *d.trace[k + 1 :])
    first = attrs.evolve(d, trace=(*before, ev))
    second = attrs.evolve(
        d, trace=(*before, attrs.evolve(ev, inputs=(("waste_collection", "false"),)))
    )
    shared = Explainer(ruleset)
    assert shared(first) == explain(first, ruleset)
    assert shared(second) == explain(second, ruleset) != explain(first, ruleset)


def test_two_indicators_with_one_id_each_get_their_own_line() -> None:
    """A rule set (not checked) whose last indicator repeats the first one's id: both lines
    come from the same events, each with its own indicator's label."""
    ruleset = load(ROOT / "rules" / "default.yaml")
    with Engine(ruleset) as eng:
        ds = [eng.evaluate(village(**facts)) for facts in ({}, VETOED, SECOND)]
    first = ruleset.indicators[0]
    twin = attrs.evolve(first, label=Label("同号指标", "twin"))
    doubled = attrs.evolve(ruleset, indicators=(*ruleset.indicators, twin))
    shared, bare = Explainer(doubled), Explainer(doubled, memo_size=0)
    for d in ds * 2:
        got = shared(d)
        assert got == bare(d)
        assert got.indicators[-1].label.en == "twin" != got.indicators[0].label.en
