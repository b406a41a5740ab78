"""TableResult.to_records: one record per input row, every record with the same keys, and an
error row named by its id (name, year) as the CLI's result file names it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_columnar import _good_village

from tierlib._load import load
from tierlib.columnar import TableResult, evaluate_stream, evaluate_table
from tierlib.engine import Engine
from tierlib.model import Organization

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "rules" / "default.yaml"
ERRORS = ROOT / "examples" / "county_with_errors.csv"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(load(DEFAULT)) as eng:
        yield eng


def _rows() -> list[dict[str, Any]]:
    """Four rows: decided, F103, D103 (no id), D104 (a year that is no number)."""
    good = {**_good_village(), "name": "柳树湾村", "county": "安平县", "year": 2024}
    return [
        {**good, "id": "A"},
        {**good, "id": "B", "name": "油坊港村", "income_per_capita": "abc"},
        {**good, "id": "", "name": "无名村"},
        {**good, "id": "D", "name": "丁村", "year": "二〇二四"},
    ]


def _columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {k: [r[k] for r in rows] for k in rows[0]}


def _results(engine: Engine) -> dict[str, TableResult]:
    rows = _rows()
    orgs = [
        Organization(id="A", name="甲", year=2024, facts={"has_venue": "是"}),
        Organization(id="B", name="乙", year=2023, facts={"has_venue": "maybe"}),
    ]
    (streamed,) = evaluate_stream(engine, rows)
    return {
        "columns": evaluate_table(engine, _columns(rows)),
        "rows": streamed,
        "organizations": evaluate_table(engine, orgs),
        "file": evaluate_table(engine, ERRORS),
    }


@pytest.mark.parametrize("source", ["columns", "rows", "organizations", "file"])
def test_every_record_has_the_same_keys(engine: Engine, source: str) -> None:
    res = _results(engine)[source]
    assert res.errors, "the input must have error rows"
    records = res.to_records()
    assert len(records) == len(res)
    assert [r["row"] for r in records] == list(range(len(res)))
    keys = [list(r) for r in records]
    assert all(k == keys[0] for k in keys)
    assert keys[0][:8] == ["row", "id", "name", "type", "county", "township", "year", "status"]
    assert keys[0][-1] == "error"


def test_an_error_row_carries_its_id_name_and_year(engine: Engine) -> None:
    records = _results(engine)["columns"].to_records()
    assert [(r["id"], r["name"], r["year"], r["county"]) for r in records] == [
        ("A", "柳树湾村", 2024, "安平县"),
        ("B", "油坊港村", 2024, "安平县"),
        ("", "无名村", 2024, "安平县"),  # D103: no id to give
        ("D", "丁村", None, "安平县"),  # D104: the year does not read
    ]
    orgs = _results(engine)["organizations"].to_records()
    assert [(r["id"], r["name"], r["year"], r["status"]) for r in orgs] == [
        ("A", "甲", 2024, "pending"),
        ("B", "乙", 2023, "error"),
    ]


@pytest.mark.parametrize("source", ["columns", "rows", "organizations", "file"])
def test_an_error_row_is_told_apart_by_its_status_and_error(engine: Engine, source: str) -> None:
    """status "error" and a non-empty error exactly on the rows in ``errors``, with their
    codes; a decided row has its status and an empty error; an error row has no tier or
    score."""
    res = _results(engine)[source]
    failed = dict(res.errors)
    for rec in res.to_records():
        problems = failed.get(rec["row"])
        if problems is None:
            assert rec["status"] in ("rated", "unrated", "pending")
            assert rec["error"] == ""
            continue
        assert rec["status"] == "error"
        assert rec["error"].split(":")[0] == problems[0].code
        assert rec["tier"] is rec["score"] is rec["score_tier"] is None
        assert (rec["vetoes"], rec["flags"], rec["missing"]) == ("", "", "")


def test_a_decided_record_names_the_organization_as_its_decision_does(engine: Engine) -> None:
    for res in _results(engine).values():
        failed = dict(res.errors)
        for rec in res.to_records():
            if rec["row"] in failed:
                continue
            d = res.decision(rec["row"])
            assert (rec["id"], rec["name"], rec["type"], rec["year"]) == (
                d.org_id,
                d.org_name,
                d.org_type,
                d.year,
            )
            assert (rec["county"], rec["township"]) == (d.county, d.township)
