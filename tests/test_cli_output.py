"""What `evaluate` prints and writes at the edges: an output path that cannot be written
(checked before anything is decided), a data file that is not what it says, a file without rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import COUNTY, DEFAULT, call

from tierlib.errors import DataError
from tierlib.tables import write_records


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("missing/out.csv", "no such directory"),
        ("out.xls", "not .xls"),
        ("out", "not a file without a suffix"),
        ("folder.csv", "is a directory"),
    ],
)
def test_an_output_that_cannot_be_written_is_a_usage_error_before_deciding(
    tmp_path: Path, name: str, says: str
) -> None:
    """One 'error:' line naming the path and why, exit 2, and nothing decided or printed."""
    (tmp_path / "folder.csv").mkdir()
    target = tmp_path / name
    code, out, err = call("evaluate", "--rules", DEFAULT, COUNTY, "-o", str(target))
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {target}: ")
    assert says in err
    assert len(err.splitlines()) == 1


def test_a_result_file_that_cannot_be_written_is_a_data_error_not_a_traceback(
    tmp_path: Path,
) -> None:
    """write_records reports an unwritable path as DataError and leaves nothing behind."""
    with pytest.raises(DataError, match="cannot write"):
        write_records(tmp_path / "missing" / "out.csv", [{"row": 1}])
    assert list(tmp_path.iterdir()) == []


def test_an_output_suffix_is_read_without_regard_to_case(tmp_path: Path) -> None:
    target = tmp_path / "OUT.JSON"
    code, out, _ = call("evaluate", "--rules", DEFAULT, COUNTY, "-o", str(target), "-q")
    assert code == 0
    assert target.read_text(encoding="utf-8").startswith("[\n")
    assert f"wrote 647 rows to {target}" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'[{"id": "A"},\n {"id": }]', ":2:9: not valid JSON: Expecting value"),
        (b"\xff\xfe[", ": not valid JSON: not UTF-8 text (invalid start byte)"),
        (
            b"[" * 100_000 + b"]" * 100_000,
            ": not valid JSON here: arrays or objects nested too deeply",
        ),
    ],
)
def test_a_json_file_that_is_not_json_is_one_located_error(
    tmp_path: Path, text: bytes, expected: str
) -> None:
    data = tmp_path / "data.json"
    data.write_bytes(text)
    code, out, err = call("evaluate", "--rules", DEFAULT, str(data))
    assert (code, out) == (1, "")
    assert err == f"error: {data}{expected}\n"


def test_a_file_with_a_header_and_no_rows_prints_the_table_header_and_an_empty_distribution(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("id,year\n", encoding="utf-8")
    code, out, err = call("evaluate", "--rules", DEFAULT, str(data))
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split() == ["row", "id", "name", "year", "score", "tier"]
    assert out.rstrip().endswith("0 rows: 0 evaluated, 0 with errors")


@pytest.mark.parametrize("flag", [[], ["--per-row"]])
def test_every_result_row_names_its_organization_and_the_rules_that_decided_it(
    tmp_path: Path, flag: list[str]
) -> None:
    """Decided and failed rows alike carry the organization's id as read and the rule set's
    id, version and sha256 (the one `explain --json` reports), so a results file says which
    rules made it."""
    import csv

    from tierlib import Engine, load

    out = tmp_path / "out.csv"
    code, _, _ = call(
        "evaluate", "--rules", DEFAULT, "examples/county_with_errors.csv", "-o", str(out), *flag
    )
    assert code == 1
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    ruleset = load(DEFAULT)
    with Engine(ruleset) as engine:
        sha = engine.sha256
    assert {(r["ruleset"], r["ruleset_version"], r["ruleset_sha256"]) for r in rows} == {
        (ruleset.scheme.id, ruleset.scheme.version, sha)
    }
    failed = [r for r in rows if r["status"] == "error"]
    assert failed
    assert all(r["id"] for r in failed if "D103" not in r["error"])
    assert any(r["id"] == "AP-03-018" and "F103" in r["error"] for r in failed)


def test_a_json_number_of_5000_digits_is_an_error_of_its_row(tmp_path: Path) -> None:
    """Beyond Python's int-digit limit: the row's F104 (kept as text, like a CSV cell), the
    other row decided."""
    data = tmp_path / "data.json"
    row = '{"id": "%s", "type": "village", "income_per_capita": %s}'
    data.write_text("[" + row % ("A", "9" * 5000) + ",\n" + row % ("B", "5000") + "]")
    code, out, err = call("evaluate", "--rules", DEFAULT, str(data), "-q")
    assert code == 1
    assert "2 rows: 1 evaluated, 1 with errors" in out
    assert err.startswith(f"{data}:1: F104: A: income_per_capita: ")


def test_control_characters_in_the_data_never_reach_the_terminal(tmp_path: Path) -> None:
    """A name holding a line break and an escape sequence (which would clear the screen): the
    table row stays one line, located at the line the record starts on; the explanation's
    text has no control character; the result file keeps the name exactly as read."""
    import json

    lines = Path(COUNTY).read_text(encoding="utf-8-sig").splitlines()
    org, name = lines[1].split(",")[:2]
    odd = f"{name}\n\x1b[2J二组"
    lines[1] = lines[1].replace(f",{name},", f',"{odd}",', 1)
    data, result = tmp_path / "data.csv", tmp_path / "out.json"
    data.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    code, out, _ = call("evaluate", "--rules", DEFAULT, str(data))
    assert code == 0
    assert out.splitlines()[1].split()[:4] == ["2", org, name, "[2J二组"]
    assert out.splitlines()[2].split()[0] == "4"  # the next record starts on line 4
    assert "\x1b" not in out
    assert call("evaluate", "--rules", DEFAULT, str(data), "-o", str(result))[0] == 0
    assert json.loads(result.read_text(encoding="utf-8"))[0]["name"] == odd
    for lang in ("zh", "en"):
        code, text, _ = call("explain", "--rules", DEFAULT, str(data), "--org", org, "--lang", lang)
        assert code == 0
        assert not any((c < " " and c != "\n") or "\x7f" <= c <= "\x9f" for c in text)
        assert text.splitlines()[0].startswith(f"{name} [2J二组 ({org})")
    other, other_name, _, _, town = lines[2].split(",")[:5]  # the one the 倒排 list names
    cells = lines[2].split(",")
    cells[:5] = [f'"{other}\x1b[2J"', f'"{other_name}\n\x1b[2J"', *cells[2:4], f'"{town}\x07"']
    lines[2] = ",".join(cells)
    data.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    code, out, _ = call("summary", "--rules", DEFAULT, str(data))
    assert code == 0
    assert f"    {other} [2J {other_name} [2J: " in out
    assert f"\n{town}  (1)\n" in out or f"\n{town} (1)\n" in out
    assert not any((c < " " and c != "\n") or "\x7f" <= c <= "\x9f" for c in out)


@pytest.mark.parametrize("command", ["evaluate", "summary", "explain"])
def test_control_characters_in_a_bad_rows_id_never_reach_the_terminal(
    tmp_path: Path, command: str
) -> None:
    """A row whose id holds an escape sequence and whose facts are bad: its problem is still one
    located, coded line on stderr, with the escape shown as a space."""
    data = tmp_path / "data.csv"
    data.write_text(
        'id,name,type,year,income_per_capita\n"A\x1b[2J\nB",甲村,village,2024,lots\n',
        encoding="utf-8",
    )
    extra = ["--org", "A\x1b[2J\nB"] if command == "explain" else []
    code, _, err = call(command, "--rules", DEFAULT, str(data), *extra)
    assert code == 1
    assert f"{data}:2: F103: A [2J B: income_per_capita: expected a number" in err
    assert not any((c < " " and c != "\n") or "\x7f" <= c <= "\x9f" for c in err)
