"""summary and compare-years: the columnar path prints what the per-row path prints."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from strategies import data_file_rows
from test_cli import (
    BROKEN,
    COUNTY,
    DEFAULT,
    ROOT,
    _county_records,
    _write_csv,
    assert_paths_agree,
    call,
)

import tierlib._filerun
import tierlib.cli
from tierlib import load
from tierlib.engine import Engine

SUMMARY_OPTIONS = [
    [],
    ["--by", "county"],
    ["--lang", "en"],
    ["--by", "county", "--lang", "en"],
    ["--year", "2023", "--lang", "en"],
]
COMPARE_OPTIONS = [["--from", "2023", "--to", "2024", *lang] for lang in ([], ["--lang", "en"])]


def _with_bad_rows(path):
    """The example county, with bad cells in rows of both years (two in one row)."""
    records = _county_records()
    header = records[0]
    for k, (fact, value) in enumerate(
        [("income_per_capita", "abc"), ("superstition_incidents", "-1"), ("satisfaction", "1.7")]
        * 4
    ):
        records[1 + 53 * k][header.index(fact)] = value
    records[7][header.index("water_tap")] = "maybe"
    records[7][header.index("satisfaction")] = "-3"
    _write_csv(path, records)
    return str(path)


class TestPopulationPaths:
    @pytest.mark.parametrize("options", SUMMARY_OPTIONS, ids=" ".join)
    @pytest.mark.parametrize("data", [COUNTY, "examples/county.xlsx", BROKEN])
    def test_summary_is_the_same_on_both_paths(self, data, options):
        """summary from the columns prints what it prints from per-row decisions, byte for
        byte: distributions, quota lists (vetoed first) and every problem of each bad row."""
        code, out, err, _ = assert_paths_agree("summary", "--rules", DEFAULT, data, *options)
        assert code == (1 if data == BROKEN else 0)
        assert ("ceil(10%" in out) == (data != BROKEN or "--year" not in options)
        assert err.count("\n") == (4 if data == BROKEN else 0)

    @pytest.mark.parametrize("options", COMPARE_OPTIONS, ids=" ".join)
    @pytest.mark.parametrize("data", [COUNTY, "examples/county.xlsx", BROKEN, "bad rows"])
    def test_compare_years_is_the_same_on_both_paths(self, data, options, tmp_path):
        """compare-years from the columns prints what it prints from per-row decisions, byte
        for byte, also with bad rows in both years (a line per problem: 12 bad rows, one with
        two); a year without data exits 2 on both."""
        if data == "bad rows":
            data = _with_bad_rows(tmp_path / "bad.csv")
        code, out, err, _ = assert_paths_agree("compare-years", "--rules", DEFAULT, data, *options)
        if data == BROKEN:  # it has only 2024
            assert (code, out) == (2, "")
            return
        assert code == (0 if data.startswith("examples/") else 1)
        assert "2023→2024" in out
        assert err.count("\n") == (0 if code == 0 else 14)

    def test_summary_prints_every_problem_of_every_bad_row_located_and_coded(self, tmp_path):
        """Bad rows in both years: a line per problem, as evaluate prints them (a row with two
        bad cells gives two lines), in row order, the same on both paths."""
        data = _with_bad_rows(tmp_path / "bad.csv")
        code, out, err, _ = assert_paths_agree("summary", "--rules", DEFAULT, data)
        assert (code, out.count("\n倒排：")) == (1, 2)
        lines = err.splitlines()
        assert len(lines) == 14
        assert lines[1:3] == [
            f"{data}:8: F103: AP-01-007: water_tap: expected true/false (是/否), got 'maybe'",
            f"{data}:8: F104: AP-01-007: satisfaction: -3 is below the minimum 0",
        ]
        _, _, evaluated = call("evaluate", "--rules", DEFAULT, data, "-q")
        assert err == evaluated

    def test_outcomes_are_vetoed_as_their_decisions(self):
        """Outcome.vetoed from the columns is Decision.vetoed (a decisive force or unrated
        veto), row for row; some are vetoed, capped ones are not."""
        ruleset = load(ROOT / DEFAULT)
        with Engine(ruleset) as engine:
            columnar = list(tierlib._filerun.evaluate_columnar(engine, COUNTY, io.StringIO()))
            per_row = list(tierlib._filerun.evaluate_per_row(engine, COUNTY, io.StringIO()))
        vetoed = [(o.row, o.vetoed) for o in columnar]
        assert vetoed == [(o.row, o.vetoed) for o in per_row]
        assert 0 < sum(v for _, v in vetoed) < len(vetoed)
        assert any(o.vetoes == ("satisfaction_cap",) and not o.vetoed for o in columnar)

    @settings(max_examples=3, deadline=None)
    @given(records=data_file_rows(load(ROOT / DEFAULT), rows=1500))
    def test_generated_files_give_the_same_summary_and_comparison(self, records):
        """Generated rows, bad and odd ones among them, the same organizations in both years,
        decided in batches of 400: summary and compare-years are the same on both paths."""
        for k, record in enumerate(records[1:]):
            if len(record) > 5 and record[0].startswith("G") and record[5].strip()[:1] == "2":
                record[0] = f"G{k // 2:05d}"
                record[5] = record[5].replace(*(("2024", "2023") if k % 2 else ("2023", "2024")))
        with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
            mp.setattr(tierlib._filerun, "BATCH_ROWS", 400)
            data = Path(tmp) / "data.csv"
            _write_csv(data, records)
            for argv in (
                ["summary", "--by", "county"],
                ["compare-years", "--from", "2023", "--to", "2024", "--lang", "en"],
            ):
                code, out, err, _ = assert_paths_agree(
                    argv[0], "--rules", DEFAULT, str(data), *argv[1:]
                )
                assert code == (1 if err else 0)
                assert out


def test_any_other_tierlib_error_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """A population rule that cannot run ends in one 'error:' line, never a traceback."""
    import tierlib.report
    from tierlib.population import PopulationError

    def fail(*args: object, **kwargs: object) -> str:
        raise PopulationError("decisions of several years cannot be evaluated together")

    monkeypatch.setattr(tierlib.report, "summary_text", fail)
    out, err = io.StringIO(), io.StringIO()
    code = tierlib.cli.run(["summary", "--rules", DEFAULT, COUNTY], out, err)
    assert (code, out.getvalue()) == (1, "")
    assert err.getvalue() == "error: decisions of several years cannot be evaluated together\n"
