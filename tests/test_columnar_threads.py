"""evaluate_table over several threads: the same columns and errors whatever the thread count."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_columnar import DEFAULT, synthetic_default_table

from tierlib._columnar_eval import Plan
from tierlib._load import load
from tierlib.columnar import TableResult, evaluate_table
from tierlib.engine import Engine
from tierlib.tables import read_rows

COUNTY_ERRORS = Path(__file__).resolve().parent.parent / "examples" / "county_with_errors.csv"


@pytest.fixture(scope="module")
def default() -> Any:
    with Engine(load(DEFAULT)) as engine:
        yield engine


def columns_of(res: TableResult) -> dict[str, Any]:
    """Every output column of a result, as plain lists (numerators as exact fractions)."""
    out: dict[str, Any] = {
        "rows": res.rows.tolist(),
        "ids": res.ids.tolist(),
        "status": res.status.tolist(),
        "tier": res.tier.tolist(),
        "score_tier": res.score_tier.tolist(),
        "exact_path": res.exact_path.tolist(),
        "errors": res.errors,
    }
    exact = {"score": res.score, "raw_score": res.raw_score}
    exact |= {f"dimension.{k}": c for k, c in res.dimensions.items()}
    exact |= {f"points.{k}": c for k, c in res.points.items()}
    for name, col in exact.items():
        out[name] = [col.fraction(k) for k in range(len(col))]
    for kind in ("vetoes", "undetermined", "decisive", "flags", "missing"):
        for name, mask in getattr(res, kind).items():
            out[f"{kind}.{name}"] = mask.tolist()
    return out


def test_the_thread_count_never_changes_a_result(default: Engine) -> None:
    """Typed columns in chunks of 97 rows: 1, 2 and 5 threads give identical columns."""
    cols = synthetic_default_table(np.random.default_rng(7), 3000)
    cols["satisfaction"][::41] = 0.1 + 0.2  # 17 digits: those rows take the exact path
    one = columns_of(evaluate_table(default, cols, chunk_size=97, workers=1))
    assert any(one["exact_path"])
    for workers in (2, 5):
        assert columns_of(evaluate_table(default, cols, chunk_size=97, workers=workers)) == one


@pytest.mark.skipif(not COUNTY_ERRORS.exists(), reason="examples/county_with_errors.csv missing")
def test_errors_keep_row_order_when_chunks_run_in_threads(default: Engine) -> None:
    """Text cells with bad rows, 3 rows per chunk over 4 threads: errors in row order, none lost."""
    rows = read_rows(COUNTY_ERRORS)
    names = list(dict.fromkeys(k for r in rows for k in r.cells))
    table = {k: [r.cells.get(k) for r in rows] for k in names}
    where = [r.where for r in rows]
    one = evaluate_table(default, table, chunk_size=3, where=where, workers=1)
    four = evaluate_table(default, table, chunk_size=3, where=where, workers=4)
    assert one.errors
    assert [i for i, _ in four.errors] == sorted(i for i, _ in four.errors)
    assert len(four) == len(rows)
    assert columns_of(four) == columns_of(one)


def test_organizations_are_decided_the_same_by_several_threads(default: Engine) -> None:
    cols = synthetic_default_table(np.random.default_rng(11), 400)
    res = evaluate_table(default, cols, workers=1)
    orgs = [res.organization(i) for i in range(len(res))]
    one = columns_of(evaluate_table(default, orgs, chunk_size=16, workers=1))
    assert columns_of(evaluate_table(default, orgs, chunk_size=16, workers=3)) == one


def test_threads_sharing_a_plan_never_give_two_texts_one_code() -> None:
    """The plan numbers texts for every thread deciding with it: codes stay one per text."""
    plan = Plan(load(DEFAULT))
    barrier = threading.Barrier(8)
    got: list[dict[str, int]] = [{} for _ in range(8)]

    def work(t: int) -> None:
        barrier.wait()
        for i in range(2000):
            text = f"text {(i * 7 + t) % 3000}"
            got[t][text] = plan.code(text)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    merged: dict[str, int] = {}
    for seen in got:
        for text, code in seen.items():
            assert merged.setdefault(text, code) == code
    assert len(set(merged.values())) == len(merged)
    assert sorted(plan.intern.values()) == list(range(len(plan.intern)))


def test_workers_must_be_positive(default: Engine) -> None:
    with pytest.raises(ValueError, match="workers"):
        evaluate_table(default, {"id": ["a"]}, workers=0)


def test_default_chunks_give_each_thread_a_share_of_large_tables() -> None:
    from tierlib.columnar import CHUNK_ROWS, MIN_SPLIT_ROWS, _chunk_rows

    assert _chunk_rows(100_000, 2) == 50_000  # two even chunks, not 65,536 + 34,464
    assert _chunk_rows(1_000_000, 2) == CHUNK_ROWS
    assert _chunk_rows(10_000, 4) == MIN_SPLIT_ROWS  # one chunk: too few rows to share
    assert _chunk_rows(10**6, 1) == CHUNK_ROWS


def test_default_chunking_over_threads_gives_the_single_thread_result(default: Engine) -> None:
    cols = synthetic_default_table(np.random.default_rng(5), 40_000)
    one = columns_of(evaluate_table(default, cols, workers=1))
    assert columns_of(evaluate_table(default, cols, workers=2)) == one


def test_engine_evaluate_table_is_the_columnar_evaluator(default: Engine) -> None:
    """Engine.evaluate_table (a typed method) gives evaluate_table's result; its plan is shared."""
    cols = synthetic_default_table(np.random.default_rng(3), 500)
    assert columns_of(default.evaluate_table(cols, workers=1)) == columns_of(
        evaluate_table(default, cols, workers=1)
    )
    plan = default._columnar_plan
    default.evaluate_table(cols)
    assert default._columnar_plan is plan is not None


# ---------------------------------------------------------------- evaluate_stream in threads


def _mixed_items(n: int) -> list[Any]:
    """Row mappings, organizations and a whole table, in that order."""
    cols = synthetic_default_table(np.random.default_rng(21), n)
    rows = [
        {k: (v[i].item() if hasattr(v[i], "item") else v[i]) for k, v in cols.items()}
        for i in range(n // 2)
    ]
    for r in rows[::7]:
        r["satisfaction"] = "not a number"  # some rows are errors
    head = {k: v[n // 2 :] for k, v in cols.items()}
    return [*rows, head]


def _stream_columns(parts: list[TableResult]) -> list[dict[str, Any]]:
    return [columns_of(p) for p in parts]


def test_a_threaded_stream_yields_what_a_sequential_one_does(default: Engine) -> None:
    from tierlib.columnar import evaluate_stream

    items = _mixed_items(600)
    one = list(evaluate_stream(default, items, chunk_size=50, workers=1))
    three = list(evaluate_stream(default, items, chunk_size=50, workers=3))
    assert sum(len(p) for p in three) == 600
    assert [int(p.rows[0]) if len(p.rows) else None for p in three] == [
        int(p.rows[0]) if len(p.rows) else None for p in one
    ]
    assert _stream_columns(three) == _stream_columns(one)
    assert any(p.errors for p in three)


def test_stopping_a_threaded_stream_early_leaves_no_threads(default: Engine) -> None:
    from tierlib.columnar import evaluate_stream

    before = threading.active_count()
    stream = evaluate_stream(default, _mixed_items(600), chunk_size=20, workers=2)
    first = next(stream)
    assert len(first) == 20
    stream.close()
    assert threading.active_count() == before


def test_an_input_that_fails_midway_raises_to_the_reader(default: Engine) -> None:
    from tierlib.columnar import evaluate_stream

    def rows() -> Any:
        yield from _mixed_items(200)[:60]
        raise OSError("disk went away")

    before = threading.active_count()
    seen: list[int] = []

    def read() -> None:
        for part in evaluate_stream(default, rows(), chunk_size=10, workers=2):
            seen.append(len(part))

    with pytest.raises(OSError, match="disk went away"):
        read()
    assert sum(seen) <= 60
    assert threading.active_count() == before


def test_a_stream_mapping_of_lists_is_a_table_and_of_cells_a_row(default: Engine) -> None:
    """evaluate_stream tells a whole table (every value a list, tuple or array) from a row
    mapping (scalar cells): the table's rows and the row are each decided once."""
    from tierlib.columnar import evaluate_stream

    table = synthetic_default_table(np.random.default_rng(3), 3)
    cells = {k: v[0].item() for k, v in table.items()}
    row = {k: x for k, x in cells.items() if x == x}  # a row's missing cell is left out
    as_tuples = {k: tuple(v.tolist()) for k, v in table.items()}
    parts = list(evaluate_stream(default, [table, row, as_tuples], chunk_size=100, workers=1))
    got = [i for p in parts for i in p.rows.tolist()]
    assert got == list(range(7))
    alone = evaluate_table(default, table, workers=1)
    decided = [p.tier.tolist() for p in parts]
    tiers = [t for chunk in decided for t in chunk]
    assert tiers[:3] == alone.tier.tolist()
    assert tiers[3] == alone.tier.tolist()[0]
    assert tiers[4:] == alone.tier.tolist()
