"""evaluate_table / evaluate_stream with once_a_year=True: a second decided row for an
organization and year is a located D105 row error naming the first, as the CLI reports it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_columnar import _good_village

from tierlib._load import load
from tierlib.columnar import TableResult, evaluate_stream, evaluate_table
from tierlib.engine import Engine
from tierlib.errors import FactError, Location, Problem
from tierlib.model import Organization

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "rules" / "default.yaml"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(load(DEFAULT)) as eng:
        yield eng


def _table(ids: list[str], years: list[Any], **columns: list[Any]) -> dict[str, list[Any]]:
    good = _good_village()
    out: dict[str, list[Any]] = {k: [v] * len(ids) for k, v in good.items()}
    out.update(id=ids, year=years, **columns)
    return out


def _d105(org: str, year: Any, first: str) -> str:
    return f"{org}: a second row for {year} (the first is {first}); not counted"


def _errors(res: TableResult) -> list[tuple[int, str, str, Location | None]]:
    return [(i, p.code, p.message, p.location) for i, ps in res.errors for p in ps]


def test_a_second_row_for_an_organization_and_year_is_a_d105_error_naming_the_first(
    engine: Engine,
) -> None:
    cols = _table(["a", "b", "a", "a", "a"], [2024, 2024, 2024, 2023, None])
    res = evaluate_table(engine, cols, where="t.csv", once_a_year=True)
    assert _errors(res) == [(2, "D105", _d105("a", 2024, "t.csv:1"), Location("t.csv", 3))]
    assert res.rows.tolist() == [0, 1, 3, 4]  # another year, or no year, is another row
    with pytest.raises(FactError) as exc:
        res.decision(2)
    assert [p.code for p in exc.value.problems] == ["D105"]
    records = res.to_records()
    assert (records[2]["status"], records[2]["id"], records[2]["year"]) == ("error", "a", 2024)
    assert records[2]["error"] == "D105: " + _d105("a", 2024, "t.csv:1")


def test_every_later_row_names_the_first_and_repeats_without_a_year_too(engine: Engine) -> None:
    cols = _table(["a", "a", "a", "c", "c"], [2024, 2024, 2024, None, None])
    res = evaluate_table(engine, cols, once_a_year=True)
    assert _errors(res) == [
        (1, "D105", _d105("a", 2024, "<table>:1"), Location("<table>", 2)),
        (2, "D105", _d105("a", 2024, "<table>:1"), Location("<table>", 3)),
        (4, "D105", _d105("c", "no year", "<table>:4"), Location("<table>", 5)),
    ]


def test_the_first_decided_row_is_the_first_a_row_with_errors_is_not(engine: Engine) -> None:
    """An F103 row does not count: the next row for the organization is its first."""
    cols = _table(["a", "a", "a"], [2024] * 3, income_per_capita=["abc", "9000", "9000"])
    res = evaluate_table(engine, cols, once_a_year=True)
    assert [(i, code) for i, code, *_ in _errors(res)] == [(0, "F103"), (2, "D105")]
    assert _errors(res)[1][2] == _d105("a", 2024, "<table>:2")


def test_repeats_are_off_by_default(engine: Engine) -> None:
    """Row i is engine.evaluate of its organization alone unless once_a_year is asked for."""
    cols = _table(["a", "a"], [2024, 2024])
    assert evaluate_table(engine, cols).errors == []
    assert [p.errors for p in evaluate_stream(engine, [cols])] == [[]]


@pytest.mark.parametrize(("chunk_size", "workers"), [(1, 1), (2, 2), (3, 4)])
def test_repeats_are_found_across_chunks_and_threads(
    engine: Engine, chunk_size: int, workers: int
) -> None:
    ids = ["a", "b", "c", "a", "d", "b", "a"]
    cols = _table(ids, [2024] * len(ids))
    want = [
        (3, "D105", _d105("a", 2024, "<table>:1"), Location("<table>", 4)),
        (5, "D105", _d105("b", 2024, "<table>:2"), Location("<table>", 6)),
        (6, "D105", _d105("a", 2024, "<table>:1"), Location("<table>", 7)),
    ]
    res = evaluate_table(engine, cols, chunk_size=chunk_size, workers=workers, once_a_year=True)
    assert _errors(res) == want
    rows = [{k: v[i] for k, v in cols.items()} for i in range(len(ids))]
    parts = list(
        evaluate_stream(
            engine, rows, chunk_size, where="<table>", workers=workers, once_a_year=True
        )
    )
    assert [e for part in parts for e in _errors(part)] == want
    assert sum(len(part) for part in parts) == len(ids)


def test_organizations_name_the_first_by_its_row(engine: Engine) -> None:
    orgs = [
        Organization(id="a", year=2024),
        Organization(id="b", year=2024),
        Organization(id="a", year=2024),
    ]
    for res in (
        evaluate_table(engine, orgs, once_a_year=True),
        *evaluate_stream(engine, orgs, once_a_year=True),
    ):
        assert _errors(res) == [(2, "D105", _d105("a", 2024, "row 0"), Location("org a"))]


def test_a_data_file_gives_the_clis_d105(engine: Engine, tmp_path: Path) -> None:
    """The row of the example county again at the end: the D105 the CLI reports for it."""
    source = ROOT / "examples" / "county.csv"
    records = list(csv.reader(source.open(encoding="utf-8-sig")))[:6]
    records.append(list(records[2]))
    data = tmp_path / "dup.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(records)
    year = records[2][records[0].index("year")]
    want: list[tuple[int, list[Problem]]] = [
        (
            5,
            [Problem("D105", _d105(records[2][0], year, f"{data}:3"), Location(str(data), 7))],
        )
    ]
    assert evaluate_table(engine, data, once_a_year=True).errors == want
    parts = list(evaluate_stream(engine, data, 2, once_a_year=True))
    assert [e for part in parts for e in part.errors] == want


def test_engine_evaluate_table_passes_once_a_year_on(engine: Engine) -> None:
    cols = _table(["a", "a"], [2024, 2024])
    assert [code for _, code, _, _ in _errors(engine.evaluate_table(cols, once_a_year=True))] == [
        "D105"
    ]
    assert _errors(engine.evaluate_table(cols)) == []
