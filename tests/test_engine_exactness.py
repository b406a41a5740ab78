"""Exact scoring: banding at the threshold, rounding, and the integer fast paths of the score."""

from __future__ import annotations

from fractions import Fraction

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine import good_village

import tierlib
from tierlib.engine import Engine


class TestExactness:
    def test_a_score_of_exactly_90_is_class_1_even_from_float_input(self, default):
        """以上 includes the number: satisfaction 0.7 (a float) makes the score exactly 90 → 一类."""
        ruleset = attrs.evolve(default[0], vetoes=())  # the satisfaction cap would fire at 70%
        with Engine(ruleset) as engine:
            d = engine.evaluate(good_village(culture_points=0, satisfaction=0.7))
            assert d.raw_score == Fraction(90)
            assert d.tier == "class1"
            assert (
                engine.evaluate(good_village(culture_points=0, satisfaction=0.69)).tier == "class2"
            )

    def test_rounding_happens_before_banding(self):
        """89.95 rounds half up to 90.0 and is banded as 一类; 89.94 rounds to 89.9, 二类."""
        ruleset = attrs.evolve(tierlib.load("rules/default.yaml"), vetoes=(), flags=())
        with Engine(ruleset) as engine:
            # satisfaction gives 7 × (x − 0.6) / 0.35 points on top of 88
            for raw, tier in ((Fraction("89.95"), "class1"), (Fraction("89.94"), "class2")):
                x = Fraction("0.6") + (raw - 88) * Fraction("0.35") / 7
                d = engine.evaluate(good_village(culture_points=0, satisfaction=x))
                assert d.raw_score == raw
                assert d.tier == tier
        assert d.score == Fraction("89.9")


@settings(max_examples=200)
@given(
    st.lists(
        st.none()
        | st.fractions(max_denominator=10**6)
        | st.integers(-(10**20), 10**20).map(Fraction),
        max_size=20,
    )
)
def test_exact_sum_is_the_sum_of_the_fractions(values):
    from tierlib import _score

    got = _score.exact_sum(values)
    want = sum((v for v in values if v is not None), Fraction(0))
    assert got == want
    assert (got.numerator, got.denominator) == (want.numerator, want.denominator)


@settings(max_examples=300)
@given(
    x=st.fractions(max_denominator=1000) | st.integers(-(2**54), 2**54).map(Fraction),
    low=st.none() | st.fractions(max_denominator=100),
    high=st.none() | st.fractions(max_denominator=100),
    integer=st.booleans(),
)
def test_the_fast_number_check_agrees_with_the_fraction_comparisons(x, low, high, integer):
    """_facts._fits compares numerators and denominators as integers: same verdicts."""
    from tierlib import _facts
    from tierlib.model import FactSpec

    spec = FactSpec(kind="number", minimum=low, maximum=high, integer=integer)
    want = (
        -_facts.MAX_EXACT <= x <= _facts.MAX_EXACT
        and (not integer or x.denominator == 1)
        and (low is None or x >= low)
        and (high is None or x <= high)
    )
    assert _facts._fits(x, spec) == want


@settings(max_examples=400)
@given(
    x=st.fractions(max_denominator=10**4)
    | st.decimals(places=4, allow_nan=False, allow_infinity=False).map(Fraction),
    digits=st.integers(0, 3),
    mode=st.sampled_from(["half_up", "half_even", "down", "up"]),
)
def test_rounding_in_integers_agrees_with_fraction_rounding(x, digits, mode):
    """round_score works on numerators and denominators; the reference rounds |x| as a Fraction
    (half_up: floor(a + 1/2); half_even: round(a); down: floor; up: ceil) and restores the sign."""
    import math

    from tierlib import _score
    from tierlib.model import Rounding

    a = abs(x * 10**digits)
    n = {
        "half_up": math.floor(a + Fraction(1, 2)),
        "half_even": round(a),
        "down": math.floor(a),
        "up": math.ceil(a),
    }[mode]
    want = Fraction((-1 if x < 0 else 1) * n) / 10**digits
    assert _score.round_score(x, Rounding(digits=digits, mode=mode)) == want


@given(
    st.fractions(min_value=-(10**6), max_value=10**6).filter(
        lambda x: tierlib.decision.decimal_places(x.denominator) is None
    )
)
def test_an_approximate_text_shows_only_digits_the_value_has(x: Fraction) -> None:
    """A value with no finite decimal shows its first 6 decimals cut, never rounded: a raw
    score just under 89.95 reads ≈89.949999…, not ≈89.950000, which would look like a value
    that rounds up to 90.0."""
    text = tierlib.decision.fmt(x)
    assert text.startswith("≈")
    assert text.endswith("…")
    shown = Fraction(text.strip("≈…"))
    assert abs(shown) <= abs(x) < abs(shown) + Fraction(1, 10**6)
    assert (shown < 0) == (x < 0) or shown == 0


def test_a_value_just_under_a_rounding_boundary_does_not_read_as_the_boundary() -> None:
    x = Fraction(8995, 100) - Fraction(1, 3 * 10**7)
    assert tierlib.decision.fmt(x) == "≈89.949999…"
