"""Object columns (as pandas' read_csv gives them) are grouped by type and value at C speed,
with the results of the per-row path."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_columnar import _good_village, assert_same_as_engine

from tierlib._columnar_input import distinct
from tierlib._load import load
from tierlib.columnar import evaluate_table
from tierlib.engine import Engine

DEFAULT = Path(__file__).resolve().parent.parent / "rules" / "default.yaml"
NAN = float("nan")


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(load(DEFAULT)) as eng:
        yield eng


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _by_type_and_value(values: list[Any]) -> tuple[list[int], list[Any]]:
    """The meaning of ``distinct``, cell by cell: groups by (type, value), first seen first."""
    groups: dict[tuple[type, Any], int] = {}
    firsts: list[Any] = []
    codes = []
    for v in values:
        key = (type(v), v)
        if key not in groups:
            groups[key] = len(firsts)
            firsts.append(v)
        codes.append(groups[key])
    return codes, firsts


CELLS = [True, False, 1, 0, 1.0, 0.0, -0.0, 2, NAN, None, "是", "否", "", " 是", "x",
         Decimal(1), Fraction(1), np.True_, np.float64(1.0), np.int64(0), np.str_("是")]  # fmt: skip


class TestDistinct:
    @pytest.mark.parametrize(
        "values",
        [
            [True, 1, 1.0, True, 1, NAN, None],
            [1.0, True, 1, 0, False, 0.0, -0.0],
            ["是", NAN, "否", "是", NAN, None],
            [np.str_("是"), "是", "是"],
            [NAN, True, False, NAN, 0, Decimal(0), Fraction(0)],
        ],
    )
    def test_cells_of_equal_value_and_another_type_are_apart(self, values: list[Any]) -> None:
        """True, 1 and 1.0 are three values; NaN is its own; order is first appearance."""
        codes, firsts = distinct(_objects(values))
        want_codes, want_firsts = _by_type_and_value(values)
        assert codes.tolist() == want_codes
        assert [(type(v), v) for v in firsts] == [(type(v), v) for v in want_firsts]

    @given(st.lists(st.sampled_from(CELLS), max_size=60))
    def test_any_mix_of_cells(self, values: list[Any]) -> None:
        """Random mixes of booleans, numbers of every kind, text, NaN and None."""
        codes, firsts = distinct(_objects(values))
        want_codes, want_firsts = _by_type_and_value(values)
        assert codes.tolist() == want_codes
        assert [(type(v), v) for v in firsts] == [(type(v), v) for v in want_firsts]


class TestObjectBooleanColumns:
    """A boolean fact in an object column, as read_csv leaves one with blanks or 是/否 text."""

    @pytest.mark.parametrize(
        "cells",
        [
            [True, False, NAN, True, None, False],
            ["是", "否", NAN, "是", None, "否"],
            [True, 1, 1.0, "是", "true", np.True_],
            [False, 0, 0.0, "否", NAN, np.float64(0.0)],
            [True, "也许", 2, Decimal(1), Fraction(0), -1.0],
        ],
    )
    def test_results_are_the_engines_row_by_row(self, engine: Engine, cells: list[Any]) -> None:
        """Every row: the engine's decision of its cells, or its errors (rows in = out)."""
        n = 60
        rows = [{**_good_village(), "id": f"v{i}", "year": 2024} for i in range(n)]
        columns = {k: _objects([r[k] for r in rows]) for k in rows[0]}
        for name in ("has_venue", "road_lights", "water_safe"):
            columns[name] = _objects([cells[(i * 7 + len(name)) % len(cells)] for i in range(n)])
        res = evaluate_table(engine, columns)
        assert_same_as_engine(engine, res, n)
        assert bool(res.errors) == ("也许" in cells)  # bad values are errors of their rows
