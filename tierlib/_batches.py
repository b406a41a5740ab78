"""The rows of a data file as columns, a batch at a time, for the columnar evaluator.

:func:`read_tables` gives exactly the rows :func:`tierlib.tables.read_rows` gives, in order:
rows whose cells a column can hold unchanged go into :class:`Table` objects; the others stay
single rows, decided one by one, so both paths read every cell the same way.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

import attrs
import numpy as np
from numpy.typing import NDArray

from tierlib.errors import Location
from tierlib.tables import (
    ALIASES,
    Row,
    Unreadable,
    _cells,
    _Records,
    _source,
    _text,
    _year,
    ignored_columns,
)


@attrs.frozen
class Table:
    """Rows of a data file that have the same cells, column by column.

    ``columns[name][k]`` is cell ``name`` of row ``k`` exactly as in that row's
    :attr:`Row.cells` (object arrays); ``where[k]`` is the row's location and ``index[k]`` its
    position among the rows :func:`read_rows` gives.
    """

    index: Sequence[int]
    where: Sequence[Location]
    columns: Mapping[str, NDArray[Any]]


@attrs.frozen
class Batch:
    """Rows ``start`` to ``start + n - 1`` of a data file: tables of the rows whose cells can be
    columns, and the others one by one with their positions (more cells than the header, a JSON
    item that is not an object or has no id, a list, object or NaN cell)."""

    start: int
    n: int
    tables: Sequence[Table]
    odd: Sequence[tuple[int, Row]]


def read_tables(
    path: str | os.PathLike[str], size: int = 32768, *, ignore_columns: Iterable[str] = ()
) -> Iterator[Batch]:
    """The rows of :func:`read_rows`, in order, in batches of up to ``size`` rows (without the
    columns named in ``ignore_columns``, as ``read_rows`` leaves them out).

    A CSV or XLSX file is read batch by batch, so only one batch of cells is held at a time.
    """
    source = _source(path, ignored_columns(ignore_columns))
    if isinstance(source, list):
        for lo in range(0, len(source), size):
            yield _row_batch(lo, source[lo : lo + size])
        return
    start = 0
    while chunk := list(itertools.islice(source.records, size)):
        yield _record_batch(start, source, chunk)
        start += len(chunk)


_ODD_NAMES = frozenset({"__extra__", "__invalid__", "__unreadable__"})
_TEXT = frozenset({str, type(None)})
_PLAIN = frozenset({str, type(None), int, bool, dt.datetime, dt.date, dt.time, dt.timedelta})


def _record_batch(
    start: int, source: _Records, chunk: list[tuple[int, list[Any] | Unreadable]]
) -> Batch:
    """CSV or XLSX records: one table under the header; rows longer than it, and records that
    could not be read, are odd."""
    file, header = source.file, source.header
    width = len(header)
    if _ODD_NAMES.intersection(header):
        fit = []
    else:
        fit = [k for k, (_, c) in enumerate(chunk) if type(c) is list and len(c) <= width]
    tables: list[Table] = []
    bad: list[int] = []
    if fit:
        body = [cast(list[Any], chunk[k][1]) for k in fit]
        body = [c if len(c) == width else [*c, *[None] * (width - len(c))] for c in body]
        where = [Location(file, chunk[k][0]) for k in fit]
        table, bad = _table([start + k for k in fit], where, header, body, source.text)
        tables += [table] if table is not None else []
    odd = sorted((set(range(len(chunk))) - set(fit)) | {fit[j] for j in bad})
    rows = [(start + k, Row(Location(file, chunk[k][0]), _cells(header, chunk[k][1]))) for k in odd]
    return Batch(start, len(chunk), tables, rows)


def _row_batch(start: int, rows: list[Row]) -> Batch:
    """JSON rows: one table per set of keys (in order) that can be column names."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for k, row in enumerate(rows):
        groups.setdefault(tuple(row.cells), []).append(k)
    tables: list[Table] = []
    odd: list[int] = []
    for names, ks in groups.items():
        if "id" not in names or any(n in _ODD_NAMES or _column_name(n) != n for n in names):
            odd += ks
            continue
        body = [list(rows[k].cells.values()) for k in ks]
        where = [rows[k].where for k in ks]
        table, bad = _table([start + k for k in ks], where, names, body, text=False)
        tables += [table] if table is not None else []
        odd += [ks[j] for j in bad]
    return Batch(start, len(rows), tables, [(start + k, rows[k]) for k in sorted(odd)])


def _column_name(name: Any) -> str:
    """A cell name as a table column name (as tierlib.columnar reads column names)."""
    text = str(name).strip()
    return ALIASES.get(text, text)


def _table(
    index: list[int],
    where: list[Location],
    names: Sequence[str],
    body: Sequence[Sequence[Any]],
    text: bool,
) -> tuple[Table | None, list[int]]:
    """Rows with cells ``body[k]`` under ``names`` (``""``: no column) as a table, and the
    positions in ``body`` of the rows left out: those with a cell that is not a plain value
    (``text``: every cell is a str or None, so all are plain)."""
    cols = list(zip(*body))
    bad: set[int] = set()
    for col in [] if text else cols:
        if not _PLAIN.issuperset(map(type, col)):
            bad.update(k for k, v in enumerate(col) if not _plain(v))
    if bad:
        keep = [k for k in range(len(body)) if k not in bad]
        cols = [tuple(col[k] for k in keep) for col in cols]
        index = [index[k] for k in keep]
        where = [where[k] for k in keep]
    if not index:
        return None, sorted(bad)
    columns = {name: _objects(col) for name, col in zip(names, cols) if name}
    return Table(index, where, columns), sorted(bad)


Identity = tuple[str, str, str, str, str, int | None]


def identities(columns: Mapping[str, NDArray[Any]]) -> list[Identity]:
    """Per row of a table's columns, the identity :func:`to_organization` gives it: id, name,
    type, county, township and year (None also for a year cell it rejects)."""
    n = len(next(iter(columns.values()))) if columns else 0

    def texts(name: str) -> list[str]:
        col = columns.get(name)
        if col is None:
            return [""] * n
        cells = col.tolist()
        if not _TEXT.issuperset(map(type, cells)):  # True, 1 and 1.0 read differently
            return list(map(_safe_text, cells))
        once = {v: _text(v) for v in set(cells)}
        return list(map(once.__getitem__, cells))

    def year(cell: Any) -> int | None:
        try:
            return _year(cell)
        except ValueError:
            return None

    col = columns.get("year")
    years = [None] * n if col is None else list(map(year, col.tolist()))
    types = [t or "village" for t in texts("type")]
    return list(zip(texts("id"), texts("name"), types, texts("county"), texts("township"), years))


def _safe_text(value: Any) -> str:
    """The cell as :func:`_text` reads it; ``""`` for an integer too long to write as text
    (``to_organization`` refuses its row)."""
    try:
        return _text(value)
    except ValueError:
        return ""


def _plain(value: Any) -> bool:
    """Whether a cell reads the same in a column (tierlib.columnar reads NaN as empty)."""
    if type(value) is float:
        return value == value
    return type(value) in _PLAIN


def _objects(values: Sequence[Any]) -> NDArray[Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
