"""Odd values from numpy and pandas: long doubles, float32, float years, 1.0/0.0 booleans,
pandas' NA, overflowing doubles and malformed table shapes. Each becomes what its plain Python
counterpart becomes, or one located, coded row error; never a crash, a lost batch or a
warning; and the columns equal ``Engine.evaluate`` row by row."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_columnar import _good_village, actual, expected

from tierlib._load import load
from tierlib.columnar import TableResult, evaluate_stream, evaluate_table
from tierlib.engine import Engine
from tierlib.errors import DataError, FactError, Location, Problem
from tierlib.model import Organization
from tierlib.tables import Row, to_organization

DEFAULT = Path(__file__).resolve().parent.parent / "rules" / "default.yaml"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(load(DEFAULT)) as eng:
        yield eng


class NAType:
    """A stand-in for ``pandas.NA`` (pandas is not a dependency): its truth raises, and it
    equals nothing but itself as itself."""

    __module__ = "pandas._libs.missing"

    def __bool__(self) -> bool:
        raise TypeError("boolean value of NA is ambiguous")

    def __eq__(self, other: object) -> Any:
        return self

    def __ne__(self, other: object) -> Any:
        return self

    def __hash__(self) -> int:
        return 2**61 - 7

    def __repr__(self) -> str:
        return "<NA>"


NA = NAType()


def village(**facts: Any) -> Organization:
    cells = {**_good_village(), **facts}
    cells.pop("type")
    return Organization(id=str(cells.pop("id")), facts=cells)


def outcome(engine: Engine, org: Organization) -> dict[str, Any] | list[str]:
    """The decision in the shape of the columns, or the problem codes."""
    try:
        return expected(engine.evaluate(org))
    except FactError as exc:
        return [p.code for p in exc.problems]


def table(n: int, **columns: Any) -> dict[str, Any]:
    """``n`` good villages as columns of text cells (ids v0, v1, ...), ``columns`` replacing
    or adding whole columns."""
    base = _good_village()
    out: dict[str, Any] = {k: [v] * n for k, v in base.items()}
    out["id"] = [f"v{i}" for i in range(n)]
    out.update(columns)
    return out


def rows_of(res: TableResult) -> dict[int, dict[str, Any] | list[Problem]]:
    """Every input row: its columns (in the shape of ``expected``) or its problems."""
    out: dict[int, dict[str, Any] | list[Problem]] = {
        int(i): actual(res, k) for k, i in enumerate(res.rows.tolist())
    }
    out.update(res.errors)
    assert sorted(out) == list(range(len(res)))
    return out


def codes(got: dict[str, Any] | list[Problem]) -> list[str]:
    assert isinstance(got, list), got
    return [p.code for p in got]


def per_row(engine: Engine, columns: Mapping[str, Any], i: int) -> dict[str, Any] | list[str]:
    """Row ``i`` of a table of columns decided by the engine from its cells (NaN: empty)."""
    cells = {k: None if _nan(v[i]) else v[i] for k, v in columns.items()}
    where = Location("<table>", i + 1)
    try:
        return expected(engine.evaluate(to_organization(Row(where, cells)), where))
    except FactError as exc:
        return [p.code for p in exc.problems]


def _nan(x: Any) -> bool:
    return isinstance(x, float | np.floating) and bool(np.isnan(x))


def assert_columns_are_the_engine(
    engine: Engine, res: TableResult, columns: Mapping[str, Any]
) -> dict[int, dict[str, Any] | list[Problem]]:
    got = rows_of(res)
    for i, row in got.items():
        want = per_row(engine, columns, i)
        assert (codes(row) if isinstance(row, list) else row) == want, i
    return got


# ---------------------------------------------------------------- 1. long doubles


class TestLongDouble:
    def test_a_long_double_that_is_a_double_means_the_double(self, engine: Engine) -> None:
        facts = engine.facts(village(income_per_capita=np.longdouble(9000.5)))
        assert facts["income_per_capita"] == Fraction("9000.5")
        facts = engine.facts(village(coop_household_share=np.longdouble(0.1)))
        assert facts["coop_household_share"] == Fraction("0.1")

    def test_a_long_double_finer_than_a_double_means_its_shortest_decimal(
        self, engine: Engine
    ) -> None:
        x = np.longdouble(1) / 3
        facts = engine.facts(village(coop_household_share=x))
        assert facts["coop_household_share"] == Fraction(str(x))

    def test_long_double_booleans_and_out_of_range(self, engine: Engine) -> None:
        facts = engine.facts(village(has_venue=np.longdouble(1), big_ceremonies=np.longdouble(0)))
        assert facts["has_venue"] is True
        assert facts["big_ceremonies"] is False
        assert outcome(engine, village(has_venue=np.longdouble(0.5))) == ["F103"]
        assert outcome(engine, village(income_per_capita=np.longdouble("1e4000"))) == ["F104"]
        assert outcome(engine, village(income_per_capita=np.longdouble("nan"))) == ["F103"]

    @pytest.mark.parametrize(
        "value", [np.clongdouble(1), np.complex128(1), 1 + 0j, np.clongdouble("nan")]
    )
    def test_complex_numbers_are_f103(self, engine: Engine, value: Any) -> None:
        assert outcome(engine, village(income_per_capita=value)) == ["F103"]
        assert outcome(engine, village(has_venue=value)) == ["F103"]

    def test_tables_and_streams_of_long_doubles(self, engine: Engine) -> None:
        cols = table(
            4,
            income_per_capita=np.array([9000.5, 1, "1e4000", "nan"], dtype=np.longdouble),
            has_venue=np.array([1, 0, 1, 0], dtype=np.longdouble),
            coop_household_share=[np.longdouble(0.1), np.clongdouble(1), 0.5, 0.5],
        )
        got = assert_columns_are_the_engine(engine, evaluate_table(engine, cols), cols)
        assert codes(got[1]) == ["F103"]
        assert codes(got[2]) == ["F104"]
        assert not isinstance(got[0], list)
        assert not isinstance(got[3], list)
        rows = [{k: v[i] for k, v in cols.items()} for i in range(4)]
        streamed = [r for part in evaluate_stream(engine, rows) for r in part.errors]
        assert [(i, codes(p)) for i, p in streamed] == [
            (1, ["F103"]),
            (2, ["F104"]),
            (3, ["F103"]),  # a row mapping keeps its NaN: no number
        ]


# ---------------------------------------------------------------- 2. pandas' NA


class TestNA:
    def test_na_is_missing_for_the_engine(self, engine: Engine) -> None:
        with_na = village(coop_household_share=NA, has_venue=NA)
        with_none = village(coop_household_share=None, has_venue=None)
        assert outcome(engine, with_na) == outcome(engine, with_none)

    def test_na_identity_cells_are_empty(self) -> None:
        org = to_organization(Row(Location("t", 2), {"id": "a", "year": NA, "name": NA}))
        assert (org.year, org.name) == (None, "")
        with pytest.raises(FactError) as exc:
            to_organization(Row(Location("t", 2), {"id": NA}))
        assert [p.code for p in exc.value.problems] == ["D103"]

    def test_na_cells_in_tables_and_streams(self, engine: Engine) -> None:
        cols = table(
            4,
            id=["a", NA, "c", "d"],
            year=[2024, 2024, NA, 2023],
            coop_household_share=[0.5, 0.5, NA, 0.2],
            has_venue=[True, NA, NA, False],
            name=[NA, "x", "y", "z"],
        )
        got = assert_columns_are_the_engine(engine, evaluate_table(engine, cols), cols)
        assert codes(got[1]) == ["D103"]
        assert evaluate_table(engine, cols).decision(2).year is None
        rows = [{k: v[i] for k, v in cols.items()} for i in range(4)]
        parts = list(evaluate_stream(engine, rows))
        assert [(i, codes(p)) for part in parts for i, p in part.errors] == [(1, ["D103"])]

    def test_pandas_nullable_columns(self, engine: Engine) -> None:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame(table(3))
        frame["year"] = pd.array([2024, None, 2023], dtype="Int64")
        frame["coop_household_share"] = pd.array([0.5, None, 0.2], dtype="Float64")
        frame["has_venue"] = pd.array([True, None, False], dtype="boolean")
        frame["name"] = pd.array(["a", None, "c"], dtype="string")
        res = evaluate_table(engine, frame)
        assert res.errors == []
        assert [res.decision(i).year for i in range(3)] == [2024, None, 2023]
        frame["year"] = [2024.0, float("nan"), 2023.0]
        assert evaluate_table(engine, frame).errors == []


# ---------------------------------------------------------------- 3. float years


class TestFloatYears:
    @pytest.mark.parametrize(
        "cell", [2024.0, np.float64(2024), np.float32(2024), np.int32(2024), "2024年", 2024]
    )
    def test_a_whole_number_is_a_year(self, cell: Any) -> None:
        assert to_organization(Row(Location("t", 2), {"id": "a", "year": cell})).year == 2024

    @pytest.mark.parametrize(
        "cell", [2023.5, np.float64(2023.5), float("inf"), "2023.5", np.timedelta64(1, "D")]
    )
    def test_a_fraction_is_d104_and_says_so(self, cell: Any) -> None:
        with pytest.raises(FactError) as exc:
            to_organization(Row(Location("t", 2), {"id": "a", "year": cell}))
        (problem,) = exc.value.problems
        assert problem.code == "D104"
        assert "is not a whole number" in problem.message
        assert f"year {cell!r} is" in problem.message

    def test_a_float_year_column(self, engine: Engine) -> None:
        for years in (
            np.array([2024.0, np.nan, 2023.5, np.inf]),
            np.array([2024.0, np.nan, 2023.5, np.inf], dtype=np.float32),
            [2024.0, None, 2023.5, np.float64(np.inf)],
        ):
            cols = table(4, year=years)
            res = evaluate_table(engine, cols)
            got = assert_columns_are_the_engine(engine, res, cols)
            assert [res.decision(i).year for i in (0, 1)] == [2024, None]
            assert codes(got[2]) == codes(got[3]) == ["D104"]


# ---------------------------------------------------------------- 4. 1.0 and 0.0


class TestFloatBooleans:
    @pytest.mark.parametrize(("one", "zero"), [(1.0, 0.0), (np.float64(1), np.float32(0))])
    def test_one_and_zero_as_floats_are_true_and_false(
        self, engine: Engine, one: Any, zero: Any
    ) -> None:
        assert outcome(engine, village(has_venue=one, big_ceremonies=zero)) == outcome(
            engine, village(has_venue=True, big_ceremonies=False)
        )
        assert outcome(engine, village(has_venue=0.5)) == ["F103"]

    @pytest.mark.parametrize("dtype", [np.float64, np.float32, object])
    def test_float_boolean_columns(self, engine: Engine, dtype: Any) -> None:
        venue = np.array([1.0, 0.0, 0.5, np.nan], dtype=dtype)
        cols = table(4, has_venue=venue)
        res = evaluate_table(engine, cols)
        got = assert_columns_are_the_engine(engine, res, cols)
        assert codes(got[2]) == ["F103"]
        assert got[0] == outcome(engine, village(id="v0", has_venue=True))
        assert got[1] == outcome(engine, village(id="v1", has_venue=False))
        if dtype is not object:
            assert not res.exact_path[:2].any()  # decided by the columns, not row by row


# ---------------------------------------------------------------- 5. overflow


def test_a_huge_double_is_f104_without_a_warning(engine: Engine) -> None:
    cols = table(3, income_per_capita=np.array([1e300, 5.5, -1e308]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = evaluate_table(engine, cols)
    got = assert_columns_are_the_engine(engine, res, cols)
    assert codes(got[0]) == codes(got[2]) == ["F104"]
    assert not isinstance(got[1], list)


# ---------------------------------------------------------------- 6. float32


class TestFloat32:
    @pytest.mark.parametrize("value", [np.float32(0.3), np.float16(0.3), np.array(0.3, np.float32)])
    def test_a_float32_means_its_shortest_decimal(self, engine: Engine, value: Any) -> None:
        assert engine.facts(village(coop_household_share=value))["coop_household_share"] == (
            Fraction(3, 10)
        )
        # 超过30%: 0.3 is not more than 30%
        assert outcome(engine, village(coop_household_share=value)) == outcome(
            engine, village(coop_household_share="0.3")
        )

    @pytest.mark.parametrize("dtype", [np.float32, np.float16])
    def test_float32_columns(self, engine: Engine, dtype: Any) -> None:
        share = np.array([0.3, 0.31, 0.29, np.nan, 1.5], dtype=dtype)
        green = np.array([0.29, 0.3, 0.31, 0.3, 1.5], dtype=dtype)
        cols = table(5, coop_household_share=share, green_coverage=green)
        res = evaluate_table(engine, cols)
        got = assert_columns_are_the_engine(engine, res, cols)
        for i in range(3):
            text = {"coop_household_share": str(share[i]), "green_coverage": str(green[i])}
            assert got[i] == outcome(engine, village(id=f"v{i}", **text))
        assert codes(got[4]) == ["F104", "F104"]  # 1.5 is above the maximum 1, in both


# ---------------------------------------------------------------- 7. table shapes


@pytest.mark.parametrize(
    ("data", "column"),
    [
        ({"id": "ab"}, "id"),
        ({"id": ["a", "b"], "year": 2024}, "year"),
        ({"id": ["a", "b"], "has_venue": None}, "has_venue"),
        ({"id": ["a", "b"], "name": b"xy"}, "name"),
        ({"id": ["a", "b"], "name": {"a": 1, "b": 2}}, "name"),
        ({"id": ["a", "b"], "name": {"a", "b"}}, "name"),
    ],
)
def test_a_column_that_is_not_a_column_is_a_data_error(
    engine: Engine, data: dict[str, Any], column: str
) -> None:
    with pytest.raises(DataError, match=repr(column)):
        evaluate_table(engine, data)


def test_where_must_locate_every_row(engine: Engine) -> None:
    with pytest.raises(DataError, match="1 locations for 2 rows"):
        evaluate_table(engine, table(2), where=[Location("f", 1)])
    res = evaluate_table(engine, table(2, id=["a", ""]), where=[Location("f", 7), Location("f", 9)])
    assert [(i, p[0].code, p[0].location) for i, p in res.errors] == [(1, "D103", Location("f", 9))]


def test_columns_from_iterables_still_read(engine: Engine) -> None:
    cols = table(2)
    cols["id"] = (f"g{i}" for i in range(2))
    assert list(evaluate_table(engine, cols).ids) == ["g0", "g1"]


# ---------------------------------------------------------------- 8. integers too long to write

HUGE = 10**5000  # str() of it raises ValueError (Python's int-to-text limit, 4,300 digits)
CODES = {"id": "D103", "year": "D104", "name": "F103", "type": "F103", "county": "F103"}


@pytest.mark.parametrize("field", ["id", "name", "type", "county", "township", "year"])
def test_an_organization_with_an_integer_too_long_to_write_is_a_type_error(field: str) -> None:
    fields: dict[str, Any] = {"id": "a", field: HUGE}
    with pytest.raises(TypeError, match=f"Organization.{field} is an integer of more than"):
        Organization(**fields)
    fields[field] = 10**600  # long, but written: still an organization
    assert getattr(Organization(**fields), field) == 10**600


@pytest.mark.parametrize("field", sorted(CODES))
def test_an_integer_too_long_to_write_in_a_table_is_a_located_row_error(
    engine: Engine, field: str
) -> None:
    """In a table of columns and in a stream of row mappings: the row is one coded error
    (D103 for the id, D104 for the year, F103 for text), its neighbours decided, and the
    records are written."""
    cells = {"year": [2024, HUGE, 2023], "type": ["village", HUGE, "community"]}
    cols = table(3, **{field: cells.get(field, ["x", HUGE, "y"])})
    res = evaluate_table(engine, cols)
    got = assert_columns_are_the_engine(engine, res, cols)
    assert codes(got[1]) == [CODES[field]]
    assert "an integer of more than 4,300 digits" in got[1][0].message
    assert got[1][0].location == Location("<table>", 2)
    assert not isinstance(got[0], list)
    assert not isinstance(got[2], list)
    assert [r["status"] for r in res.to_records()][1] == "error"
    rows = [{k: v[i] for k, v in cols.items()} for i in range(3)]
    parts = list(evaluate_stream(engine, rows))
    assert [(i, codes(p)) for part in parts for i, p in part.errors] == [(1, [CODES[field]])]
    assert [r["status"] for part in parts for r in part.to_records()][1] == "error"


class Indexed:
    """A stand-in for a pandas Series (pandas is not a dependency): values with an index."""

    def __init__(self, values: list[Any], index: list[int]) -> None:
        self.values, self.index = values, Labels(index)

    def to_numpy(self) -> Any:
        return np.array(self.values, dtype=object)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


class Labels(list[int]):
    def equals(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, list) else False


def test_series_with_different_indexes_are_refused_not_mixed(engine: Engine) -> None:
    cols: dict[str, Any] = table(3)
    cols["id"] = Indexed(["a", "b", "c"], [0, 1, 2])
    cols["income_per_capita"] = Indexed(["9000", "100", "5000"], [3, 7, 9])
    with pytest.raises(
        DataError, match="column 'income_per_capita' has another index than column 'id'"
    ):
        evaluate_table(engine, cols)
    with pytest.raises(DataError, match="'income_per_capita'"):
        list(evaluate_stream(engine, [cols]))
    cols["income_per_capita"] = Indexed(["9000", "100", "5000"], [0, 1, 2])
    assert list(evaluate_table(engine, cols).ids) == ["a", "b", "c"]
    (streamed,) = evaluate_stream(engine, [cols])
    assert list(streamed.ids) == ["a", "b", "c"]
