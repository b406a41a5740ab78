"""Every organization once a year: a second row for an organization and year is a located D105
error naming the first, in evaluate, summary and compare-years, on both paths."""

from __future__ import annotations

import csv
import json

import pytest
from test_cli import DEFAULT, _county_records, _write_csv, assert_paths_agree

import tierlib._filerun


def _d105(data, line, org, year, first):
    return f"{data}:{line}: D105: {org}: a second row for {year} (the first is {data}:{first}); not counted"


def _read(output):
    """The records of an evaluate result file (.csv, .json or .xlsx)."""
    if output.suffix == ".csv":
        return list(csv.DictReader(output.open(encoding="utf-8-sig")))
    if output.suffix == ".json":
        return json.loads(output.read_text(encoding="utf-8"))
    import openpyxl

    header, *body = openpyxl.load_workbook(output).active.iter_rows(values_only=True)
    return [dict(zip(header, r)) for r in body]


class TestEvaluate:
    @pytest.mark.parametrize("mode", ["table", "quiet", ".csv", ".json", ".xlsx"])
    def test_a_second_row_for_an_organization_in_a_year_is_a_located_d105_error_in_evaluate(
        self, mode, tmp_path
    ):
        """The first row of the example county again at the end: that row is a D105 error on
        stderr and in the result file, naming row 2; every other row is decided; exit 1; the
        same bytes on both paths."""
        records = _county_records()
        records.append(list(records[1]))
        data = tmp_path / "dup.csv"
        _write_csv(data, records)
        output = tmp_path / f"out{mode}" if mode.startswith(".") else None
        argv = ["evaluate", "--rules", DEFAULT, str(data)]
        argv += ["-o", str(output)] if output else ["-q"] if mode == "quiet" else []
        code, out, err, _ = assert_paths_agree(*argv, output=output)
        line = len(records)
        assert code == 1
        assert err == _d105(data, line, records[1][0], 2023, 2) + "\n"
        assert out.endswith(f"{line - 1} rows: {line - 2} evaluated, 1 with errors\n")
        if mode == "table":
            assert f"\n{line:>5}  " not in out
            assert f"\n{2:>5}  {records[1][0]}" in out
        if output is not None:
            results = _read(output)
            assert len(results) == line - 1
            assert [int(r["row"]) for r in results] == list(range(2, line + 1))
            assert results[-1]["status"] == "error"
            assert results[-1]["error"] == (
                f"D105: {records[1][0]}: a second row for 2023 (the first is {data}:2); not counted"
            )

    def test_every_later_row_for_the_organization_and_year_names_the_first(self, tmp_path):
        """Three rows for one organization and year: the second and the third are D105 errors,
        each naming the first row, in row order; the first is decided."""
        header, first, *_ = _county_records()
        data = tmp_path / "three.csv"
        _write_csv(data, [header, first, list(first), list(first)])
        code, out, err, _ = assert_paths_agree("evaluate", "--rules", DEFAULT, str(data), "-q")
        assert code == 1
        assert err.splitlines() == [_d105(data, n, first[0], 2023, 2) for n in (3, 4)]
        assert out.endswith("3 rows: 1 evaluated, 2 with errors\n")

    @pytest.mark.parametrize("batch", [1, 2, 3, 100])
    def test_a_second_row_in_a_later_batch_is_found_on_both_paths(self, batch, tmp_path):
        """Decided a few rows at a time, a repeat is found in the next batch and batches later:
        row 2 again as row 3, row 200 again as row 201, row 4 again as the last row."""
        records = _county_records()[:300]
        records.insert(2, list(records[1]))  # row 3 repeats row 2
        records.insert(200, list(records[199]))  # row 201 repeats row 200
        records.append(list(records[3]))  # the last row repeats row 4 (the example's row 3)
        data = tmp_path / "dup.csv"
        _write_csv(data, records)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(tierlib._filerun, "BATCH_ROWS", batch)
            code, out, err, _ = assert_paths_agree("evaluate", "--rules", DEFAULT, str(data), "-q")
        last = len(records)
        assert code == 1
        assert err.splitlines() == [
            _d105(data, 3, records[1][0], 2023, 2),
            _d105(data, 201, records[199][0], 2023, 200),
            _d105(data, last, records[3][0], 2023, 4),
        ]
        assert out.endswith(f"{last - 1} rows: {last - 4} evaluated, 3 with errors\n")

    def test_the_same_organization_in_different_years_is_no_error(self, tmp_path):
        """One organization in 2022, 2023 and 2024 (and in the example county, every one in
        2023 and 2024): three decided rows, no error, exit 0."""
        header, first, *_ = _county_records()
        year = header.index("year")
        rows = [[*first[:year], y, *first[year + 1 :]] for y in ("2022", "2023", "2024")]
        data = tmp_path / "years.csv"
        _write_csv(data, [header, *rows])
        code, out, err, _ = assert_paths_agree("evaluate", "--rules", DEFAULT, str(data), "-q")
        assert (code, err) == (0, "")
        assert out.endswith("3 rows: 3 evaluated, 0 with errors\n")
        code, _, err, _ = assert_paths_agree("evaluate", "--rules", DEFAULT, "examples/county.csv")
        assert (code, err) == (0, "")

    def test_two_rows_without_a_year_are_the_same_organization_and_year(self, tmp_path):
        """Rows with an empty year are one year, "no year": the second is a D105 error."""
        header, first, *_ = _county_records()
        first[header.index("year")] = ""
        data = tmp_path / "noyear.csv"
        _write_csv(data, [header, first, list(first)])
        code, _, err, _ = assert_paths_agree("evaluate", "--rules", DEFAULT, str(data), "-q")
        assert code == 1
        assert err == _d105(data, 3, first[0], "no year", 2) + "\n"

    def test_only_decided_rows_count_as_the_first(self, tmp_path):
        """A row that fails keeps its own errors and is not the organization's row for the year:
        a bad first row, then a good one (decided), then a bad one (its own error, not D105)."""
        header, first, *_ = _county_records()
        bad = list(first)
        bad[header.index("satisfaction")] = "-3"
        data = tmp_path / "bad.csv"
        _write_csv(data, [header, bad, list(first), bad])
        code, out, err, _ = assert_paths_agree("evaluate", "--rules", DEFAULT, str(data), "-q")
        assert code == 1
        assert [line.split(": ")[:2] for line in err.splitlines()] == [
            [f"{data}:2", "F104"],
            [f"{data}:4", "F104"],
        ]
        assert out.endswith("3 rows: 1 evaluated, 2 with errors\n")

    def test_a_second_row_in_a_workbook_names_the_first_by_sheet(self, tmp_path):
        """XLSX input: the D105 line locates both rows in the sheet, the same on both paths."""
        import openpyxl

        records = _county_records()[:20]
        records.append(list(records[5]))
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "组织"
        for record in records:
            sheet.append(record)
        data = tmp_path / "dup.xlsx"
        book.save(data)
        for argv in (["evaluate", "-q"], ["summary"]):
            code, _, err, _ = assert_paths_agree(argv[0], "--rules", DEFAULT, str(data), *argv[1:])
            assert code == 1
            assert err == _d105(f"{data}[组织]", 21, records[5][0], 2023, 6) + "\n"


class TestPopulation:
    @pytest.mark.parametrize(
        "command",
        [["summary", "--year", "2023"], ["compare-years", "--from", "2023", "--to", "2024"]],
    )
    def test_an_organization_twice_in_a_year_is_a_located_error_not_a_crash(
        self, command, tmp_path
    ):
        """A second row for the same organization and year: D105 at that row, naming the
        first; every other row still counts; exit 1; the same on both paths."""
        records = _county_records()
        first = records[1]
        records.append(list(first))
        data = tmp_path / "dup.csv"
        _write_csv(data, records)
        code, out, err, _ = assert_paths_agree(
            command[0], "--rules", DEFAULT, str(data), *command[1:]
        )
        assert code == 1
        assert out
        assert err == _d105(data, len(records), first[0], 2023, 2) + "\n"

    def test_a_repeated_row_leaves_the_summary_as_it_is_without_it(self, tmp_path):
        """The summary of a file with a repeated row is the summary without it: only the first
        row counts."""
        records = _county_records()
        clean = tmp_path / "clean.csv"
        _write_csv(clean, records)
        records.insert(5, list(records[1]))
        dup = tmp_path / "dup.csv"
        _write_csv(dup, records)
        _, want, _, _ = assert_paths_agree("summary", "--rules", DEFAULT, str(clean))
        code, got, err, _ = assert_paths_agree("summary", "--rules", DEFAULT, str(dup))
        assert (code, got) == (1, want)
        assert err == _d105(dup, 6, records[1][0], 2023, 2) + "\n"
