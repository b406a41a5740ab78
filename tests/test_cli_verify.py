"""`tierlib verify`: a result file checked against the rules and the data it was made from,
row by row, every difference a located V1xx line (and `tierlib.verify` for programs)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from test_cli import BROKEN, COUNTY, DEFAULT, call

import tierlib

OVERLAY = "rules/county-overlay.yaml"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The result files evaluate writes for the example county, in each format (read-only:
    tests that edit one copy it first)."""
    folder = tmp_path_factory.mktemp("saved")
    files = {}
    for suffix in ("csv", "xlsx", "json"):
        files[suffix] = folder / f"results.{suffix}"
        code, _, _ = call("evaluate", "--rules", DEFAULT, COUNTY, "-o", str(files[suffix]), "-q")
        assert code == 0
    return files


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def edited(saved: Path, target: Path, line: int, column: str, value: str) -> Path:
    """A copy of a CSV result file with one cell changed (``line`` as in the file)."""
    rows = read_csv(saved)
    rows[line - 1][rows[0].index(column)] = value
    return write_csv(target, rows)


def verify(results: Path, rules: str = DEFAULT, data: str = COUNTY) -> tuple[int, list[str], str]:
    """Exit code, the difference lines (without the summary) and stderr."""
    code, out, err = call("verify", "--rules", rules, data, str(results))
    return code, out.splitlines()[:-1], err


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_the_file_evaluate_wrote_verifies_clean(saved: dict[str, Path], suffix: str) -> None:
    code, out, err = call("verify", "--rules", DEFAULT, COUNTY, str(saved[suffix]))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"647 rows of {COUNTY} match {saved[suffix]} (village-tiering 2024.1, sha256 "
        f"{tierlib.ruleset_sha256(tierlib.load(DEFAULT))})"
    ]


@pytest.mark.parametrize(
    ("column", "value", "change"),
    [
        ("tier", "class2", "tier was class2, now class3"),
        ("score", "83.7", "score was 83.7, now 82.7"),
        ("vetoes", "", "vetoes was empty, now satisfaction_cap"),
        ("decisive", "", "decisive was empty, now satisfaction_cap"),
    ],
)
def test_a_changed_tier_score_or_veto_is_reported_at_its_line(
    saved: dict[str, Path], tmp_path: Path, column: str, value: str, change: str
) -> None:
    """Line 27 is rated class3 at 82.7, capped by satisfaction_cap."""
    line = read_csv(saved["csv"])[26]
    assert line[8:15] == ["class3", "三类", "82.7", *["satisfaction_cap"] * 2, "", "green"]
    results = edited(saved["csv"], tmp_path / "results.csv", 27, column, value)
    code, lines, err = verify(results)
    assert (code, err) == (1, "")
    assert lines == [f"{results}:27: V102: row 27 ({line[1]}): {change}"]


def test_every_changed_field_of_a_row_is_one_line(saved: dict[str, Path], tmp_path: Path) -> None:
    """Tier and score together, as an edit that moves a row up a tier would make them."""
    results = edited(saved["csv"], tmp_path / "results.csv", 27, "tier", "class2")
    results = edited(results, results, 27, "score", "83.7")
    code, lines, _ = verify(results)
    assert code == 1
    org = read_csv(results)[26][1]
    assert lines == [
        f"{results}:27: V102: row 27 ({org}): tier was class2, now class3; score was 83.7, now 82.7"
    ]


def test_a_changed_cell_of_an_xlsx_result_file_is_reported_at_its_row(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    book = openpyxl.load_workbook(saved["xlsx"])
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(27, header.index("tier") + 1).value = "class1"
    results = tmp_path / "results.xlsx"
    book.save(results)
    code, lines, _ = verify(results)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{results}[结果]:27: V102: row 27 (")
    assert lines[0].endswith("): tier was class1, now class3")


def test_a_changed_record_of_a_json_result_file_is_reported_at_its_number(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    """JSON rows are located by their record's number, as in data files (record 26 is the
    result of line 27)."""
    records = json.loads(saved["json"].read_text(encoding="utf-8"))
    records[25]["score"] = "99"
    results = tmp_path / "results.json"
    results.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    code, lines, _ = verify(results)
    assert code == 1
    assert lines == [f"{results}:26: V102: row 27 ({records[25]['id']}): score was 99, now 82.7"]


def test_a_deleted_row_is_reported_where_it_was_due(saved: dict[str, Path], tmp_path: Path) -> None:
    rows = read_csv(saved["csv"])
    gone = rows.pop(30)  # line 31
    results = write_csv(tmp_path / "results.csv", rows)
    code, lines, _ = verify(results)
    assert code == 1
    assert lines == [
        f"{results}:31: V103: row 31 ({gone[1]}): in the data, missing from the results"
    ]


def test_rows_deleted_at_the_end_are_reported_after_the_last_line(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    rows = read_csv(saved["csv"])
    results = write_csv(tmp_path / "results.csv", rows[:-2])
    code, lines, _ = verify(results)
    assert code == 1
    assert lines == [
        f"{results}:647: V103: row {r[0]} ({r[1]}): in the data, missing from the results"
        for r in rows[-2:]
    ]


def test_an_added_row_is_reported_as_not_in_the_data(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    rows = read_csv(saved["csv"])
    fake = [*rows[40]]
    fake[0], fake[1] = "9999", "AP-99-001"
    rows.insert(41, fake)  # line 42, between rows 41 and 42: nothing else is disturbed
    results = write_csv(tmp_path / "results.csv", rows)
    code, lines, _ = verify(results)
    assert code == 1
    assert lines == [f"{results}:42: V104: row 9999 (AP-99-001): in the results, not in the data"]


def test_a_copied_row_is_reported_as_a_second_result(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    rows = read_csv(saved["csv"])
    rows.insert(41, rows[40])
    results = write_csv(tmp_path / "results.csv", rows)
    code, lines, _ = verify(results)
    assert code == 1
    assert lines == [
        f"{results}:42: V105: row 41 ({rows[40][1]}): a second result for this data row"
    ]


def test_rows_in_another_order_are_matched_by_their_row_number(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    """A result file sorted otherwise (here: reversed) still verifies clean."""
    rows = read_csv(saved["csv"])
    results = write_csv(tmp_path / "results.csv", [rows[0], *reversed(rows[1:])])
    code, lines, _ = verify(results)
    assert (code, lines) == (0, [])


def test_results_from_other_rules_are_reported_as_a_rule_set_mismatch(tmp_path: Path) -> None:
    """The first line, before the rows: both hashes, and both ids and versions."""
    results = tmp_path / "results.csv"
    assert call("evaluate", "--rules", OVERLAY, COUNTY, "-o", str(results), "-q")[0] == 0
    was = tierlib.ruleset_sha256(tierlib.load(OVERLAY))
    now = tierlib.ruleset_sha256(tierlib.load(DEFAULT))
    code, lines, _ = verify(results)
    assert code == 1
    assert lines[0] == (
        f"{results}:2: V101: the results were made with other rules: sha256 {was}"
        f" (anping-village-tiering 2024.1-anping); the rules given have sha256 {now}"
        " (village-tiering 2024.1)"
    )
    assert all(": V102: " in line and "ruleset" not in line for line in lines[1:])


def test_a_changed_rule_file_with_the_same_id_and_version_is_said_once(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    """Every row names the same other sha256: one V101, no row repeats it."""
    rows = read_csv(saved["csv"])
    column = rows[0].index("ruleset_sha256")
    for row in rows[1:]:
        row[column] = "0" * 64
    results = write_csv(tmp_path / "results.csv", rows)
    code, lines, _ = verify(results)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(
        f"{results}:2: V101: the results were made with other rules: sha256 "
    )
    assert lines[0].endswith(
        " (the same id and version, village-tiering 2024.1: the rule file changed)"
    )


def test_a_row_naming_other_rules_than_the_file_is_reported(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    results = edited(saved["csv"], tmp_path / "results.csv", 5, "ruleset_version", "2023.9")
    code, lines, _ = verify(results)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{results}:5: V102: row 5 (")
    assert lines[0].endswith("): ruleset_version was 2023.9, now 2024.1")


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_a_data_row_that_is_an_error_on_both_sides_matches(tmp_path: Path, suffix: str) -> None:
    results = tmp_path / f"results.{suffix}"
    assert call("evaluate", "--rules", DEFAULT, BROKEN, "-o", str(results), "-q")[0] == 1
    code, out, err = call("verify", "--rules", DEFAULT, BROKEN, str(results))
    assert (code, err) == (0, "")
    assert out.startswith(f"12 rows of {BROKEN} match {results} ")


def test_a_changed_error_is_reported(tmp_path: Path) -> None:
    saved = tmp_path / "saved.csv"
    assert call("evaluate", "--rules", DEFAULT, BROKEN, "-o", str(saved), "-q")[0] == 1
    rows = read_csv(saved)
    assert rows[3][rows[0].index("status")] == "error"
    results = edited(saved, tmp_path / "results.csv", 4, "error", "")
    code, lines, _ = verify(results, data=BROKEN)
    assert code == 1
    assert lines == [
        f"{results}:4: V102: row 4 (AP-03-018): error was empty, now"
        " \"F103: AP-03-018: income_per_capita: expected a number, got 'abc'\""
    ]


def test_a_row_cell_that_is_not_a_row_number_is_reported(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    """The row cannot be matched: its own V107, and the data row it was is missing (V103)."""
    results = edited(saved["csv"], tmp_path / "results.csv", 9, "row", "nine")
    code, lines, _ = verify(results)
    assert code == 1
    org = read_csv(results)[8][1]
    assert lines == [
        f"{results}:9: V107: the row cell 'nine' is not a row number",
        f"{results}:10: V103: row 9 ({org}): in the data, missing from the results",
    ]


def test_a_result_file_without_the_result_columns_is_one_located_error(tmp_path: Path) -> None:
    """The data file given as the result file: V106 at its header, no traceback."""
    code, out, err = call("verify", "--rules", DEFAULT, COUNTY, COUNTY)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {COUNTY}:1: V106: the header lacks the columns row, status, ")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("missing.csv", None, "cannot read"),
        ("results.json", b'[{"row": 2,', "not valid JSON"),
        ("results.xlsx", b"not a workbook", "not a readable Excel workbook"),
    ],
)
def test_a_result_file_that_cannot_be_read_is_one_located_error(
    tmp_path: Path, name: str, content: bytes | None, says: str
) -> None:
    results = tmp_path / name
    if content is not None:
        results.write_bytes(content)
    code, out, err = call("verify", "--rules", DEFAULT, COUNTY, str(results))
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {results}")
    assert says in err
    assert "Traceback" not in err


def test_a_result_file_of_another_kind_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = call("verify", "--rules", DEFAULT, COUNTY, str(tmp_path / "results.txt"))
    assert (code, out) == (2, "")
    assert (
        err
        == f"error: {tmp_path / 'results.txt'}: result files are .csv, .xlsx or .json, not .txt\n"
    )


def test_a_rule_file_with_problems_exits_2(saved: dict[str, Path]) -> None:
    code, _, err = call(
        "verify", "--rules", "tests/data/invalid/01_yaml_syntax.yaml", COUNTY, str(saved["csv"])
    )
    assert code == 2
    assert err


def test_programs_verify_with_tierlib_verify(saved: dict[str, Path], tmp_path: Path) -> None:
    """The same problems as the command, and counts once iterated."""
    results = edited(saved["csv"], tmp_path / "results.csv", 27, "tier", "class2")
    with tierlib.Engine(tierlib.load(DEFAULT)) as engine:
        check = tierlib.verify(engine, COUNTY, results)
        problems = list(check)
    assert [(p.code, p.location.line) for p in problems] == [("V102", 27)]
    assert (check.ok, check.data_rows, check.result_rows, check.matching) == (False, 647, 647, 646)
    assert isinstance(problems[0], tierlib.Problem)


def test_a_json_record_without_fields_or_not_an_object_is_reported_at_its_number(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    """A record lacking fields is compared with nothing (V106); an item that is not an object
    cannot be matched (V107), so its data row is missing (V103)."""
    records = json.loads(saved["json"].read_text(encoding="utf-8"))
    del records[4]["tier"]
    gone = records[6]
    records[6] = ["not", "an", "object"]
    results = tmp_path / "results.json"
    results.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    code, lines, _ = verify(results)
    assert code == 1
    assert lines == [
        f"{results}:5: V106: row 6: lacks the fields tier",
        f"{results}:7: V107: the record is not an object",
        f"{results}:8: V103: row 8 ({gone['id']}): in the data, missing from the results",
    ]


def test_a_csv_row_with_more_cells_than_the_header_is_reported(
    saved: dict[str, Path], tmp_path: Path
) -> None:
    rows = read_csv(saved["csv"])
    rows[2].append("extra")
    results = write_csv(tmp_path / "results.csv", rows)
    code, lines, _ = verify(results)
    assert code == 1
    assert lines == [f"{results}:3: V107: row 3: 1 more cells than header columns"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_header_only_file_with_other_columns_is_one_located_error(
    tmp_path: Path, suffix: str
) -> None:
    """A data file's header without its rows is not taken for results that lack every row."""
    header = read_csv(Path(COUNTY))[0]
    if suffix == "csv":
        results = write_csv(tmp_path / "results.csv", [header])
        at = f"{results}:1"
    else:
        book = openpyxl.Workbook()
        book.active.title = "结果"
        book.active.append(header)
        results = tmp_path / "results.xlsx"
        book.save(results)
        at = f"{results}[结果]:1"
    code, out, err = call("verify", "--rules", DEFAULT, COUNTY, str(results))
    assert (code, out) == (1, "")
    assert err.startswith(f"error: {at}: V106: the header lacks the columns row, status, ")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("old", [False, True])
def test_a_header_only_result_file_misses_every_data_row(
    saved: dict[str, Path], tmp_path: Path, old: bool
) -> None:
    """The result columns and no rows (also as written before the undetermined column): each
    data row is one V103, after the header."""
    header = read_csv(saved["csv"])[0]
    if old:
        header.remove("undetermined")
    results = write_csv(tmp_path / "results.csv", [header])
    code, lines, err = verify(results)
    assert (code, err) == (1, "")
    assert len(lines) == 647
    assert all(f"{results}:2: V103: row " in line for line in lines)
    assert lines[0].endswith(": in the data, missing from the results")


def test_an_empty_json_result_list_misses_every_data_row(tmp_path: Path) -> None:
    """JSON has no header to check: an empty list lacks every row (V103 each)."""
    results = tmp_path / "results.json"
    results.write_text("[]\n", encoding="utf-8")
    code, lines, _ = verify(results)
    assert code == 1
    assert len(lines) == 647
    assert {line.split(": ")[1] for line in lines} == {"V103"}
