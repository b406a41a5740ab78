"""`tierlib explain` on rows that cannot be read: their own problems, not "no organization"."""

from __future__ import annotations

from pathlib import Path

from test_cli import DEFAULT, call


def test_explaining_an_organization_whose_row_is_broken_prints_that_rows_problems(
    tmp_path: Path,
) -> None:
    """The organization is there but its year cell is unusable: its located, coded problem and
    exit 1 — not "no organization", which would send the user looking for a typo."""
    data = tmp_path / "data.csv"
    data.write_text("id,year,satisfaction\nA,abc,0.9\nB,2024,0.8\n", encoding="utf-8")
    code, out, err = call("explain", "--rules", DEFAULT, str(data), "--org", "A")
    assert (code, out) == (1, "")
    assert err == f"{data}:2: D104: A: year 'abc' is not a whole number\n"


def test_explaining_an_absent_organization_is_a_usage_error_with_a_hint(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("id,year\nAP-01-001,2024\n", encoding="utf-8")
    code, out, err = call("explain", "--rules", DEFAULT, str(data), "--org", "AP-01-00l")
    assert (code, out) == (2, "")
    assert err.startswith("error: no organization 'AP-01-00l' in ")
    assert "AP-01-001" in err
