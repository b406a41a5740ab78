"""E133: numbers out of reach of what they are compared with (tierlib/_reach.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tierlib

ROOT = Path(__file__).resolve().parent.parent
CASE = "tests/data/invalid/80_numbers_out_of_reach.yaml"


@pytest.fixture
def problems(monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    monkeypatch.chdir(ROOT)
    return {p.location.line: str(p) for p in tierlib.check(CASE) if p.code == "E133"}


def test_a_share_compared_with_a_whole_number_says_the_rule_always_applies(problems):
    """`满意度 < 60` for a share declared 0–1: always true, and 60% is suggested."""
    assert problems[34].endswith(
        "E133: 满意度 is at most 1, so '满意度 < 60' is always true (did you mean 60%?)"
    )
    assert "'-2 > growth' is always false" in problems[35]
    assert "'满意度 in [0.5, 2]' never holds 2" in problems[36]


def test_a_score_threshold_beyond_the_total_names_the_range_in_points(problems):
    assert problems[38].endswith("'score < 600' is always true (score is in points, from 0 to 10)")
    assert "the bound 60 of tier 'good' is never reached" in problems[30]


def test_linear_and_band_numbers_out_of_reach_are_each_reported(problems):
    assert "a linear floor of 60 is never reached (did you mean 60%?)" in problems[18]
    assert "the bound 90 of a band of indicator 'b' is never reached" in problems[26]


def test_numbers_at_the_edge_of_the_range_are_not_reported(problems):
    """`满意度 >= 0` (the minimum), `points.a > 5` and `dimension.d <= 10` (the maxima) are
    merely always true or false by design: only numbers strictly outside count."""
    assert "满意度 >= 0" not in " ".join(problems.values())
    assert "points.a" not in " ".join(problems.values())
    assert "dimension.d" not in " ".join(problems.values())


def test_the_same_number_in_reach_is_accepted(tmp_path: Path):
    """The fixture with each number written as meant (60%, 90%, 6, 60 out of 100) is valid."""
    text = (ROOT / CASE).read_text(encoding="utf-8")
    for old, new in [("floor: 60,", "floor: 60%,"), ("以上: 90,", "以上: 90%,"),
                     ("低于: 90,", "低于: 90%,"), ("满意度 < 60", "满意度 < 60%"),
                     ("-2 > growth", "-0.5 > growth"), ("[0.5, 2]", "[0.5, 1]"),
                     ("score < 600", "score < 6"), ("以上: 60}", "以上: 8}")]:  # fmt: skip
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "fixed.yaml"
    path.write_text(text, encoding="utf-8")
    assert tierlib.check(path) == []


def test_the_rule_is_quoted_as_written(tmp_path: Path):
    """A message quotes the condition with its numbers as the file spells them (200%, not 2)."""
    text = (ROOT / CASE).read_text(encoding="utf-8").replace("[0.5, 2]", "[50%, 200％]")
    path = tmp_path / "pct.yaml"
    path.write_text(text, encoding="utf-8")
    found = [str(p) for p in tierlib.check(path) if p.code == "E133"]
    assert any("'满意度 in [50%, 200％]' never holds 200％" in m for m in found), found
