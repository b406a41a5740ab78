"""Compiled indicator scorers against the reference scorer they replaced."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from reference_score import points
from strategies import organization_facts, rulesets

from tierlib import _score
from tierlib._check import conditions
from tierlib._facts import validate
from tierlib._scorers import compile_scorer
from tierlib.decision import TraceEvent, fmt
from tierlib.engine import _step_locs
from tierlib.errors import Location


def _reference(ind, names, facts, fired, step_locs):
    """The events the engine built from the reference scorer's steps."""
    got, steps = points(ind, facts, fired)
    events = [
        TraceEvent("item", sid, step_locs.get((ind.id, sid), ind.loc), inputs, result, note, ind.id)
        for sid, inputs, result, note in steps
    ]
    used = tuple((n, fmt(facts[n])) for n in names)
    note = f"{ind.method}, max {fmt(ind.max)}"
    events.append(TraceEvent("indicator", ind.id, ind.loc, used, fmt(got), note))
    return got, tuple(events)


class TestCompiledScorers:
    @settings(max_examples=150, deadline=None)
    @given(data=st.data())
    def test_a_compiled_scorer_gives_the_reference_points_and_steps(self, data):
        """Random rule sets (every scoring method, bands with points ranges, boundary values),
        facts drawn near the rule set's own thresholds, and any set of conditions holding: the
        compiled scorer's points and trace events equal the reference scorer's exactly."""
        rs = data.draw(rulesets())
        raw = data.draw(organization_facts(rs, missing=False))
        facts, problems = validate("o", raw, rs.facts, Location("test"))
        assert not problems
        rule_ids = sorted(rid for rid, _, may in conditions(rs) if not may)
        fired = frozenset(data.draw(st.lists(st.sampled_from(rule_ids or ["-"]), unique=True)))
        shown = {k: fmt(v) for k, v in facts.items()}
        step_locs = _step_locs(rs)
        for ind in rs.indicators:
            names = tuple(_score.inputs_of(ind))
            if any(n not in facts for n in names):
                continue
            want = _reference(ind, names, facts, fired, step_locs)
            got = compile_scorer(ind, names, step_locs)(facts, shown, fired)
            assert got == want
            assert type(got[0]) is Fraction

    def test_clamping_compares_exactly_at_the_ends(self, default):
        """A checklist summing to exactly its maximum keeps it; a deduction beyond it gives 0."""
        from tierlib._scorers import _clamp

        high = Fraction(4)
        assert _clamp(Fraction(4), high) == 4
        assert _clamp(Fraction(40001, 10000), high) == 4
        assert _clamp(Fraction(-1, 10**9), high) == 0
        assert _clamp(Fraction(0), high) == 0
        assert _clamp(Fraction(39999, 10000), high) == Fraction(39999, 10000)


class TestCompiledTierOf:
    @settings(max_examples=100, deadline=None)
    @given(data=st.data())
    def test_the_compiled_banding_gives_the_tier_of_every_score(self, data):
        """Scores exactly on, just below and just above every tier bound, and anywhere: the
        compiled banding (integer bounds) agrees with tier_of (Fraction comparisons)."""
        rs = data.draw(rulesets())
        bounds = [t.range.lower[0] for t in rs.tiers if t.range.lower is not None]
        hair = Fraction(1, 10**12)
        scores = [b + d for b in bounds for d in (-hair, 0, hair)]
        scores += data.draw(st.lists(st.fractions(min_value=-10, max_value=200), max_size=10))
        fast = _score.compile_tier_of(rs.tiers, rs.below_lowest)
        for x in scores:
            assert fast(x) == _score.tier_of(x, rs.tiers, rs.below_lowest)
