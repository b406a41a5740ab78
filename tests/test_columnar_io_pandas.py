"""pandas tables with an index other than 0..n-1: rows are positions, and Series whose indexes
differ are refused rather than mixed by position."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_columnar import _good_village, actual, expected

from tierlib._load import load
from tierlib.columnar import evaluate_stream, evaluate_table
from tierlib.engine import Engine
from tierlib.errors import DataError, Location
from tierlib.tables import Row, to_organization

pd = pytest.importorskip("pandas")

DEFAULT = Path(__file__).resolve().parent.parent / "rules" / "default.yaml"


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(load(DEFAULT)) as eng:
        yield eng


def _frame(n: int = 10) -> Any:
    """``n`` villages whose satisfaction and income differ row by row (ids v0, v1, ...)."""
    rows = [
        {
            **_good_village(),
            "id": f"v{i}",
            "year": 2024,
            "medical_enrolment": 0.5 + i / 20,
            "income_per_capita": 3000 + 700 * i,
        }
        for i in range(n)
    ]
    return pd.DataFrame(rows)


def _filtered() -> Any:
    frame = _frame()
    part = frame[frame["id"].isin(["v3", "v7", "v9"])]
    assert part.index.tolist() == [3, 7, 9]
    return part


def test_a_filtered_dataframe_is_decided_row_by_row_by_position(engine: Engine) -> None:
    """Index [3, 7, 9]: result rows 0, 1, 2 are the frame's rows in order, each the engine's
    decision of that row's cells; ``frame.index[res.rows]`` gives the labels back."""
    part = _filtered()
    res = evaluate_table(engine, part)
    assert res.rows.tolist() == [0, 1, 2]
    assert res.errors == []
    assert list(res.ids) == ["v3", "v7", "v9"]
    assert part.index[res.rows].tolist() == [3, 7, 9]
    for k, (_, cells) in enumerate(part.iterrows()):
        where = Location("<table>", k + 1)
        org = to_organization(Row(where, cells.to_dict()))
        assert actual(res, k) == expected(engine.evaluate(org, where))


def test_series_sharing_one_index_are_decided_as_their_frame(engine: Engine) -> None:
    part = _filtered()
    whole = evaluate_table(engine, part)
    columns = evaluate_table(engine, {c: part[c] for c in part.columns})
    assert [actual(columns, k) for k in range(3)] == [actual(whole, k) for k in range(3)]


@pytest.mark.parametrize("change", ["filtered", "reordered"])
def test_series_with_different_indexes_are_a_data_error_naming_the_columns(
    engine: Engine, change: str
) -> None:
    """A Series of the filtered frame (index [3, 7, 9]) or of the same rows in another order
    among Series indexed 0, 1, 2: a DataError naming it, never rows mixed by position."""
    part = _filtered()
    columns = {c: part[c].reset_index(drop=True) for c in part.columns}
    odd = part["income_per_capita"]
    columns["income_per_capita"] = odd if change == "filtered" else odd.iloc[::-1]
    if change == "reordered":
        columns["income_per_capita"].index = [0, 1, 2][::-1]
    with pytest.raises(DataError, match=r"column 'income_per_capita' has another index than"):
        evaluate_table(engine, columns)
    with pytest.raises(DataError, match=r"'income_per_capita'"):
        list(evaluate_stream(engine, [columns]))


def test_series_and_plain_lists_pair_by_position(engine: Engine) -> None:
    """Lists have no index: a Series among them is read by position, as a DataFrame is."""
    part = _filtered()
    columns: dict[str, Any] = {c: part[c].tolist() for c in part.columns}
    columns["income_per_capita"] = part["income_per_capita"]
    res = evaluate_table(engine, columns)
    whole = evaluate_table(engine, part)
    assert [actual(res, k) for k in range(3)] == [actual(whole, k) for k in range(3)]


def test_a_mapping_of_series_in_a_stream_is_a_table(engine: Engine) -> None:
    """Not one row whose cells are Series: the rows of the Series, as evaluate_table reads them."""
    part = _filtered()
    columns = {c: part[c] for c in part.columns}
    (streamed,) = evaluate_stream(engine, [columns])
    whole = evaluate_table(engine, part)
    assert len(streamed) == 3
    assert [actual(streamed, k) for k in range(3)] == [actual(whole, k) for k in range(3)]
