"""pyarrow tables are read column by column, with the results of the same data as lists."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_columnar import COUNTY, COUNTY_ERRORS, assert_same_as_engine

from tierlib._columnar_arrow import arrow_column
from tierlib._columnar_input import table_columns
from tierlib._load import load
from tierlib.columnar import TableResult, evaluate_stream, evaluate_table
from tierlib.engine import Engine
from tierlib.errors import DataError
from tierlib.tables import read_rows

pa = pytest.importorskip("pyarrow")

DEFAULT = Path(__file__).resolve().parent.parent / "rules" / "default.yaml"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(load(DEFAULT)) as eng:
        yield eng


def _cell(text: str) -> Any:
    """A file's text cell as a typed value: booleans, ints, floats, None for blank, else text."""
    if not text.strip():
        return None
    if text in ("true", "false"):
        return text == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _typed(path: Path) -> dict[str, list[Any]]:
    """A data file's columns as typed Python lists (blank cells None)."""
    rows = read_rows(path)
    names = list(dict.fromkeys(k for r in rows for k in r.cells))
    return {k: [_cell(str(r.cells.get(k) or "")) for r in rows] for k in names}


def _outcome(res: TableResult) -> tuple[list[dict[str, Any]], list[tuple[int, list[str]]]]:
    """What a result says about every row: its records and its errors' codes and messages."""
    errors = [(i, [f"{p.code}: {p.message}" for p in ps]) for i, ps in res.errors]
    return res.to_records(), errors


def _same(engine: Engine, table: Any, lists: dict[str, list[Any]], **kw: Any) -> TableResult:
    """``table`` gives what ``lists`` gives, and every row is a result or an error."""
    got = evaluate_table(engine, table, **kw)
    assert _outcome(got) == _outcome(evaluate_table(engine, lists, **kw))
    n = len(next(iter(lists.values())))
    assert len(got.rows) + len(got.errors) == n
    return got


needs_county = pytest.mark.skipif(not COUNTY.exists(), reason="examples/county.csv missing")


@needs_county
class TestArrowTables:
    def test_a_table_with_nulls_gives_the_results_of_the_same_lists(self, engine: Engine) -> None:
        """county.csv as typed Arrow columns (booleans, ints and floats with nulls, text)."""
        lists = _typed(COUNTY)
        table = pa.table(lists)
        assert table.column("culture_points").null_count > 0
        assert pa.types.is_boolean(table.column("has_venue").type)
        res = _same(engine, table, lists)
        assert_same_as_engine(engine, res, len(lists["id"]))

    def test_a_record_batch_is_a_table(self, engine: Engine) -> None:
        """A RecordBatch reads as the table it is."""
        lists = _typed(COUNTY)
        _same(engine, pa.RecordBatch.from_pydict(lists), lists)

    def test_a_chunked_table_gives_the_same_results(self, engine: Engine) -> None:
        """Several record batches, split again into chunks of other sizes by evaluate_table."""
        lists = _typed(COUNTY)
        table = pa.Table.from_batches(pa.table(lists).to_batches(max_chunksize=37))
        assert table.column("id").num_chunks > 1
        _same(engine, table, lists)
        _same(engine, table, lists, chunk_size=50, workers=2)

    def test_dictionary_columns_read_as_their_values(self, engine: Engine) -> None:
        """Dictionary-encoded text, and booleans as 是/否 text, with nulls, read as values."""
        lists = _typed(COUNTY)
        for name in ("has_venue", "road_lights"):
            lists[name] = [None if v is None else ("是" if v else "否") for v in lists[name]]
        lists["has_venue"][3] = None
        table = pa.table(lists)
        for name in ("type", "county", "township", "has_venue", "road_lights"):
            i = table.column_names.index(name)
            table = table.set_column(i, name, table.column(name).dictionary_encode())
        assert pa.types.is_dictionary(table.column("has_venue").type)
        assert table.column("has_venue").null_count > 0
        _same(engine, table, lists)

    def test_a_bad_value_is_an_error_of_its_row_only(self, engine: Engine) -> None:
        """A text where a number belongs is that row's F103; rows in == results + errors."""
        lists = _typed(COUNTY)
        lists["satisfaction"] = [str(v) if v is not None else None for v in lists["satisfaction"]]
        lists["satisfaction"][5] = "很好"
        res = _same(engine, pa.table(lists), lists)
        assert [(i, [p.code for p in ps]) for i, ps in res.errors] == [(5, ["F103"])]

    def test_the_rows_of_a_file_with_errors_are_results_or_errors(self, engine: Engine) -> None:
        """county_with_errors.csv as Arrow text columns gives the errors of the same lists."""
        if not COUNTY_ERRORS.exists():
            pytest.skip("examples/county_with_errors.csv missing")
        rows = read_rows(COUNTY_ERRORS)
        names = list(dict.fromkeys(k for r in rows for k in r.cells))
        lists = {k: [r.cells.get(k) for r in rows] for k in names}
        res = _same(engine, pa.table(lists), lists)
        assert res.errors

    def test_a_stream_of_arrow_tables(self, engine: Engine) -> None:
        """Arrow tables in a stream are whole tables, as their lists are."""
        lists = _typed(COUNTY)
        half = {k: v[:40] for k, v in lists.items()}
        got = list(evaluate_stream(engine, [pa.table(half), pa.table(half)], workers=1))
        want = list(evaluate_stream(engine, [half, half], workers=1))
        assert [_outcome(r) for r in got] == [_outcome(r) for r in want]


class TestColumns:
    def test_nulls_read_as_to_pydict_gives_them(self) -> None:
        """Every cell reads as to_pydict gives it; null floats are NaN (empty in a table)."""
        table = pa.table(
            {
                "id": ["a", None, "a", "b"],
                "n": pa.array([1, None, 2**62, -3], pa.int64()),
                "u": pa.array([1, 2, 3, 2**64 - 1], pa.uint64()),
                "b": [True, None, False, True],
                "f": [0.5, None, float("nan"), 2.0],
                "d": pa.array(["x", None, "y", "x"]).dictionary_encode(),
                "dn": pa.DictionaryArray.from_arrays(
                    pa.array([0, 1, None, 0], pa.int8()), pa.array(["p", None])
                ),
                "none": pa.nulls(4),
            }
        )
        cols = table_columns(table)
        assert cols is not None
        want = table.to_pydict()
        for name, values in want.items():
            got = cols[name].tolist()
            if name == "f":
                assert np.isnan(got[1])
                assert np.isnan(got[2])
                got[1:3] = values[1:3] = [None, None]
            assert [(type(v), v) for v in got] == [(type(v), v) for v in values], name

    def test_cells_are_not_made_one_python_object_each(self) -> None:
        """Numbers without nulls stay numpy columns; equal texts share one string object."""
        numbers = pa.chunked_array([[1.5, 2.5], [3.5]])
        assert arrow_column(numbers).dtype == np.float64
        assert arrow_column(pa.array([1, 2], pa.int16())).dtype == np.int16
        assert arrow_column(pa.array([True, False])).dtype == np.bool_
        texts = arrow_column(pa.chunked_array([["是", "否"], ["是", None]]))
        assert texts.tolist() == ["是", "否", "是", None]
        assert texts[0] is texts[2]

    def test_reading_holds_far_less_than_to_pydict(self) -> None:
        """Peak Python memory while reading 200,000 rows is a small part of to_pydict's."""
        n = 200_000
        rng = np.random.default_rng(0)
        ints = rng.integers(10**6, 10**9, n)
        table = pa.table(
            {
                "id": pa.array([f"v{i % 5000}" for i in range(n)]),
                "income": ints,
                "share": rng.random(n),
                "count": pa.array(ints % 100, mask=ints % 7 == 0),
                "flag": pa.array(ints % 2 == 0, mask=ints % 5 == 0),
            }
        )
        del ints

        def peak(read: Any) -> int:
            tracemalloc.start()
            try:
                kept = read()
                size = tracemalloc.get_traced_memory()[1]
                del kept
            finally:
                tracemalloc.stop()
            return size

        assert 4 * peak(lambda: table_columns(table)) < peak(table.to_pydict)

    def test_a_name_twice_is_a_data_error(self) -> None:
        """Two columns of one name are refused, not one of them silently dropped."""
        table = pa.Table.from_arrays([pa.array(["a"]), pa.array([1])], names=["id", "编号"])
        with pytest.raises(DataError, match="appears twice"):
            table_columns(table)

    def test_float32_means_its_shortest_decimal_as_in_numpy(self) -> None:
        """A float32 column keeps its precision, as a numpy float32 column does: 0.3 is 0.3."""
        table = pa.table({"id": ["a"], "x": pa.array([0.3], pa.float32())})
        cols = table_columns(table)
        assert cols is not None
        assert cols["x"].dtype == np.float32
        assert str(cols["x"][0]) == "0.3"
