"""Odd values from numpy and pandas: long doubles, float32, float years, 1.0/0.0 booleans,
pandas' NA, overflowing doubles and malformed table shapes. Each becomes what its plain Python
counterpart becomes, or one located, coded row error; never a crash, a lost batch or a
warning; and the columns equal ``Engine.evaluate`` row by row."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_columnar import _good_village, actual, expected

from tierlib._load import load
from tierlib.columnar import TableResult, evaluate_table
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


# ---------------------------------------------------------------- 5. overflow


def test_a_huge_double_is_f104_without_a_warning(engine: Engine) -> None:
    cols = table(3, income_per_capita=np.array([1e300, 5.5, -1e308]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = evaluate_table(engine, cols)
    got = assert_columns_are_the_engine(engine, res, cols)
    assert codes(got[0]) == codes(got[2]) == ["F104"]
    assert not isinstance(got[1], list)


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
