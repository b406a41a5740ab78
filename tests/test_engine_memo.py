"""The engine's scoring memo: it never changes a decision, stays bounded, can be off."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import organization_facts
from test_engine import good_village

from tierlib.engine import Engine
from tierlib.errors import FactError
from tierlib.model import Organization


def _outcomes(engine: Engine, orgs: list[Organization]) -> list[str]:
    """Each organization's decision as JSON, or its FactError's text."""
    out = []
    for org in orgs:
        try:
            out.append(engine.evaluate(org).to_json())
        except FactError as exc:
            out.append(str(exc))
    return out


class TestScoringMemo:
    """An engine remembers each indicator's points and events by the values of its inputs."""

    @settings(max_examples=40, deadline=None)
    @given(data=st.data())
    def test_a_remembered_indicator_never_changes_a_decision(self, data):
        """Random rule sets × organizations sharing values: decisions made with the memo filled
        by other organizations are byte-identical to those made with an empty memo."""
        from strategies import random_engine

        engine = random_engine(data)
        if engine is None:
            return
        ruleset = engine.ruleset
        with engine:
            base = data.draw(organization_facts(ruleset))
            orgs = []
            for k in range(8):  # each a few facts away from the first: keys repeat
                facts = dict(base)
                facts.update(data.draw(organization_facts(ruleset)) if k % 3 == 2 else {})
                for name in data.draw(st.lists(st.sampled_from(sorted(base) or ["x"]), max_size=2)):
                    facts.pop(name, None)
                orgs.append(Organization(id=f"O{k}", facts=facts))
            with Engine(ruleset, memo_size=0) as bare:  # no memo of any kind
                fresh = _outcomes(bare, orgs)
            assert _outcomes(engine, orgs) == fresh  # fills the memo
            assert _outcomes(engine, orgs) == fresh  # reads it

    def test_the_memo_is_bounded(self, default):
        """Past memo_size entries the memo starts over instead of growing."""
        ruleset, _ = default
        with Engine(ruleset, memo_size=20) as engine:
            for k in range(40):
                engine.evaluate(good_village(income_per_capita=Fraction(5000 + k)))
                assert len(engine._scored) <= 20
            assert engine._scored

    def test_values_with_the_same_approximate_text_are_scored_apart(self, default):
        """2/9 and a hair above it both show as ≈0.222222: the memo must not mistake one for
        the other (the points differ), so each decision equals a fresh engine's."""
        ruleset, _ = default
        x = Fraction(2, 9)
        orgs = [good_village(green_coverage=v) for v in (x, x + Fraction(1, 10**9))]
        with Engine(ruleset) as warm:
            got = _outcomes(warm, orgs)
        fresh = []
        for org in orgs:
            with Engine(ruleset, memo_size=0) as bare:
                fresh += _outcomes(bare, [org])
        assert got == fresh
        assert got[0] != got[1]

    def test_memo_size_zero_remembers_nothing(self, default):
        ruleset, _ = default
        with Engine(ruleset, memo_size=0) as engine:
            for k in range(5):
                engine.evaluate(good_village(income_per_capita=Fraction(5000 + k)))
            assert not engine._scored
            assert engine._stage1._state == ((), None)
            assert engine._stage2._state == ((), None)
            assert not engine._explainer._static.memo_size

    def test_a_negative_memo_size_is_refused(self, default):
        ruleset, _ = default
        with pytest.raises(ValueError, match="memo_size"):
            Engine(ruleset, memo_size=-1)
