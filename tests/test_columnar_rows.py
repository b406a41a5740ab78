"""tierlib.columnar on row mappings: every row decided as the per-row path decides it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import row_mappings
from test_columnar import _good_village, actual, expected

from tierlib._load import load
from tierlib.columnar import evaluate_stream
from tierlib.decision import Decision
from tierlib.engine import Engine
from tierlib.errors import FactError, Location, Problem
from tierlib.tables import IDENTITY, Row, to_organization

DEFAULT = Path(__file__).resolve().parent.parent / "rules" / "default.yaml"
WHERE = "<rows>"


@pytest.fixture(scope="module")
def default() -> Engine:
    with Engine(load(DEFAULT)) as engine:
        yield engine


def per_row(engine: Engine, cells: Mapping[Any, Any], i: int) -> Decision | list[Problem]:
    """Row ``i`` as the per-row path decides it: to_organization, then Engine.evaluate."""
    where = Location(WHERE, i + 1)
    try:
        return engine.evaluate(to_organization(Row(where, cells)), where)
    except FactError as exc:
        return list(exc.problems)


def stream(
    engine: Engine, rows: Sequence[Mapping[Any, Any]], chunk_size: int = 65536
) -> dict[int, dict[str, Any] | list[Problem]]:
    """Every row's columns (in the shape of ``expected``) or problems, from evaluate_stream."""
    out: dict[int, dict[str, Any] | list[Problem]] = {}
    for part in evaluate_stream(engine, rows, chunk_size, where=WHERE):
        for k, i in enumerate(part.rows.tolist()):
            out[i] = actual(part, k)
        out.update(part.errors)
    assert sorted(out) == list(range(len(rows)))
    return out


def assert_rows_match_per_row(
    engine: Engine, rows: Sequence[Mapping[Any, Any]], chunk_size: int = 65536
) -> dict[int, dict[str, Any] | list[Problem]]:
    """evaluate_stream gives every row the per-row path's decision or problems."""
    got = stream(engine, rows, chunk_size)
    for i, cells in enumerate(rows):
        want = per_row(engine, cells, i)
        assert got[i] == (want if isinstance(want, list) else expected(want)), (i, cells)
    return got


def _village(org_id: str, **changes: Any) -> dict[str, Any]:
    return {**_good_village(), "id": org_id, **changes}


def _codes(got: dict[str, Any] | list[Problem]) -> list[str]:
    assert isinstance(got, list), got
    return [p.code for p in got]


def _decided(got: dict[str, Any] | list[Problem]) -> dict[str, Any]:
    assert isinstance(got, dict), got
    return got


class TestUnknownKeys:
    def test_only_the_row_with_an_unknown_key_is_an_f111_error(self, default: Engine) -> None:
        """One row with an unknown key among good ones: F111 for it, its neighbours decided."""
        rows = [_village("A"), _village("B", bogus_fact="1"), _village("C")]
        got = assert_rows_match_per_row(default, rows)
        assert _codes(got[1]) == ["F111"]
        assert [_decided(got[i])["status"] for i in (0, 2)] == ["rated", "rated"]

    def test_an_unknown_key_with_an_empty_value_is_still_f111(self, default: Engine) -> None:
        """The per-row path flags an unknown key whatever its value, None included."""
        rows = [_village("A", bogus_fact=None), _village("B")]
        got = assert_rows_match_per_row(default, rows)
        assert _codes(got[0]) == ["F111"]

    @pytest.mark.parametrize("key", [7, 2.5, ("a", 1)])
    def test_a_key_that_is_not_text_is_an_f111_error_not_a_crash(
        self, default: Engine, key: Any
    ) -> None:
        """A number or tuple as a key (JSON from a program, not a file): F111 on both paths."""
        rows = [_village("A"), {**_village("B"), key: "1"}]
        got = assert_rows_match_per_row(default, rows)
        assert _codes(got[1]) == ["F111"]
        assert _decided(got[0])["status"] == "rated"


class TestAliasedKeys:
    @pytest.mark.parametrize("key", ["编号", " id", "ID"])
    def test_an_aliased_id_key_is_not_the_id(self, default: Engine, key: str) -> None:
        """编号 and spaced or capitalised id keys are not renamed: the id is empty (D103)."""
        cells = _village("A")
        cells[key] = cells.pop("id")
        got = assert_rows_match_per_row(default, [cells])
        assert _codes(got[0]) == ["D103"]

    @pytest.mark.parametrize(
        ("key", "value"), [("年度", "2024"), ("名称", "柳树湾村"), ("县", "x")]
    )
    def test_an_aliased_identity_key_is_an_unknown_fact(
        self, default: Engine, key: str, value: str
    ) -> None:
        """年度, 名称, 县 … in a row mapping are unknown facts (F111), as on the per-row path."""
        got = assert_rows_match_per_row(default, [_village("A", **{key: value}), _village("B")])
        assert _codes(got[0]) == ["F111"]
        assert _decided(got[1])["status"] == "rated"


class TestNaN:
    @pytest.mark.parametrize("fact", ["income_per_capita", "road_hardened", "satisfaction"])
    def test_nan_in_a_fact_is_f103(self, default: Engine, fact: str) -> None:
        """A float NaN fact value is F103 (not a missing value), as in Engine.evaluate."""
        for nan in (math.nan, np.float64("nan")):
            got = assert_rows_match_per_row(default, [_village("A", **{fact: nan}), _village("B")])
            assert _codes(got[0]) == ["F103"]

    def test_nan_in_identity_cells_reads_as_the_per_row_path_reads_it(
        self, default: Engine
    ) -> None:
        """NaN id, name, type or year: the text "nan" (id, name, type) or D104 (year)."""
        rows = [_village("A", **{name: math.nan}) for name in IDENTITY]
        got = assert_rows_match_per_row(default, rows)
        assert _decided(got[0])["id"] == "nan"
        assert _codes(got[IDENTITY.index("year")]) == ["D104"]


# ---------------------------------------------------------------- differential


class TestDifferential:
    @settings(max_examples=60)
    @given(rows=row_mappings(_good_village()), chunk_size=st.integers(1, 5))
    def test_row_mappings_give_the_per_row_results(
        self, default: Engine, rows: list[dict[Any, Any]], chunk_size: int
    ) -> None:
        """Row mappings with odd keys and values: evaluate_stream == the per-row path, row by row."""
        assert_rows_match_per_row(default, rows, chunk_size)


# ---------------------------------------------------------------- data files by path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("name", ["county.csv", "county_with_errors.csv", "county.xlsx"])
def test_a_data_file_path_is_decided_as_the_per_row_path_decides_its_rows(
    default: Engine, name: str
) -> None:
    """evaluate_table(engine, path) and evaluate_stream(engine, path): every row of the file as
    Engine.evaluate(to_organization(row)) decides it, errors located at file:line."""
    from tierlib.columnar import evaluate_table
    from tierlib.tables import read_rows

    path = EXAMPLES / name
    rows = read_rows(path)
    whole = evaluate_table(default, path, chunk_size=97)
    parts = list(evaluate_stream(default, str(path), chunk_size=97))
    assert len(whole) == len(rows) == sum(len(p) for p in parts)
    for res in (whole, *parts):
        errors = dict(res.errors)
        for k, i in enumerate(res.rows.tolist()):
            want = engine_row(default, rows[i])
            assert isinstance(want, Decision), (i, want)
            assert actual(res, k) == expected(want)
        for i, problems in errors.items():
            assert problems == engine_row(default, rows[i])
            assert problems[0].location == rows[i].where


def engine_row(engine: Engine, row: Row) -> Decision | list[Problem]:
    try:
        return engine.evaluate(to_organization(row), row.where)
    except FactError as exc:
        return list(exc.problems)


def test_an_unreadable_path_is_a_data_error(default: Engine, tmp_path: Path) -> None:
    from tierlib.columnar import evaluate_table
    from tierlib.errors import DataError

    with pytest.raises(DataError, match="cannot read"):
        evaluate_table(default, tmp_path / "absent.csv")
    with pytest.raises(DataError, match="cannot read"):
        evaluate_stream(default, tmp_path / "absent.csv")


def test_the_explanation_of_a_row_is_the_engines(default: Engine) -> None:
    """TableResult.explain(i) equals explain() of Engine.evaluate of the row, in zh and en."""
    from tierlib.columnar import evaluate_table
    from tierlib.explain import explain
    from tierlib.tables import read_rows

    path = EXAMPLES / "county_with_errors.csv"
    rows = read_rows(path)
    res = evaluate_table(default, path)
    failed = {i for i, _ in res.errors}
    for i in range(len(rows)):
        if i in failed:
            with pytest.raises(FactError):
                res.explain(i)
            continue
        want = explain(default.evaluate(to_organization(rows[i]), rows[i].where), default.ruleset)
        got = res.explain(i)
        assert got == want
        assert got.text("zh") == want.text("zh")
        assert got.text("en") == want.text("en")
