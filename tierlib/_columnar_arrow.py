"""Arrow tables as numpy columns for :mod:`tierlib._columnar_input`, one column at a time.

``table.to_pydict()`` would make a Python object of every cell and a list of every column
(about 2 GB for a million rows of the default scheme). Here a number or boolean column
without nulls is a numpy array (without a copy where Arrow allows), and any other column an
object array whose equal cells share one Python object: text is dictionary-encoded first, so
each distinct text is made once, and a dictionary column's values are converted once.

Every cell reads as ``to_pydict`` gives it — a null as None, a dictionary column's cell as its
value, a date as a ``datetime.date`` — with one exception: a float16 or float32 column stays a
numpy column of its precision, as it is in a DataFrame, so float32 0.3 means 0.3 (not
0.30000001192092896), see :func:`tierlib._facts.to_number`. Null floats are NaN, which a
table reads as empty, as it reads a null.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

Column = NDArray[Any]


def is_arrow_table(data: Any) -> bool:
    """Whether ``data`` is a pyarrow Table or RecordBatch (not merely something like one)."""
    return type(data).__module__.split(".")[0] == "pyarrow" and hasattr(data, "column_names")


def arrow_columns(data: Any, kept: Callable[[str], bool]) -> Iterator[tuple[str, Column]]:
    """``(name, column)`` for every column of a pyarrow Table or RecordBatch that is ``kept``,
    in order (a name that appears twice comes twice), each converted when it is reached."""
    for i, name in enumerate(data.column_names):
        if kept(name):
            yield name, arrow_column(data.column(i))


def arrow_column(col: Any) -> Column:
    """A pyarrow ChunkedArray or Array as one numpy column (see the module's docstring)."""
    import pyarrow as pa  # only ever reached with a pyarrow object in hand

    kind = col.type
    chunks = list(col.chunks) if isinstance(col, pa.ChunkedArray) else [col]
    plain = pa.types.is_integer(kind) or pa.types.is_boolean(kind)
    if pa.types.is_floating(kind) or (plain and col.null_count == 0):
        parts: list[Column] = [c.to_numpy(zero_copy_only=False) for c in chunks]  # null: NaN
        if len(parts) == 1:
            return parts[0]
        if parts:
            return np.concatenate(parts)
        return np.empty(0, dtype=kind.to_pandas_dtype())
    texts: dict[Any, Any] = {}  # one Python object per distinct text, across chunks
    if len(chunks) == 1:
        return _objects(pa, chunks[0], texts)
    out = np.empty(len(col), dtype=object)
    lo = 0
    for chunk in chunks:
        out[lo : lo + len(chunk)] = _objects(pa, chunk, texts)
        lo += len(chunk)
    return out


def _objects(pa: Any, arr: Any, texts: dict[Any, Any]) -> Column:
    """One Arrow array as an object array of the Python values ``to_pylist`` gives. Text is
    dictionary-encoded first, and each distinct text made once: ``texts`` holds those made."""
    kind = arr.type
    n = len(arr)
    out: Column
    if pa.types.is_dictionary(kind):
        values = (
            _distinct_texts(arr.dictionary, texts)
            if _is_text(pa, arr.dictionary.type)
            else _objects(pa, arr.dictionary, texts)
        )
        if not len(values):  # every index is null
            return np.full(n, None, dtype=object)
        out = values[arr.indices.fill_null(0).to_numpy(zero_copy_only=False)]
    elif _is_text(pa, kind):
        return _objects(pa, arr.dictionary_encode(), texts)
    elif pa.types.is_integer(kind):
        out = _ints(arr.fill_null(0).to_numpy(zero_copy_only=False))
    elif pa.types.is_boolean(kind):
        flags = arr.fill_null(False).to_numpy(zero_copy_only=False)
        out = np.array([False, True], dtype=object)[flags.astype(np.intp)]
    else:  # dates, times, decimals, lists, ...: as to_pydict gives them
        out = np.empty(n, dtype=object)
        for i, value in enumerate(arr.to_pylist()):  # a cell may be a list: no broadcasting
            out[i] = value
        return out
    if arr.null_count:
        out[arr.is_null().to_numpy(zero_copy_only=False)] = None
    return out


def _ints(ints: Column) -> Column:
    """Integers as an object array of Python ints, one per distinct value."""
    if not len(ints):
        return np.empty(0, dtype=object)
    low, high = int(ints.min()), int(ints.max())
    if high - low < len(ints) + 256:  # a table of every value in between is small
        every = np.arange(low, high + 1, dtype=ints.dtype).astype(object)
        return every[ints - ints.dtype.type(low)]  # type: ignore[no-any-return]
    distinct, codes = np.unique(ints, return_inverse=True)
    return distinct.astype(object)[codes.reshape(-1)]


def _distinct_texts(arr: Any, texts: dict[Any, Any]) -> Column:
    """A dictionary's texts (distinct), each the object made for it before if there was one."""
    out = np.empty(len(arr), dtype=object)
    out[:] = [texts.setdefault(v, v) for v in arr.to_pylist()]
    return out


def _is_text(pa: Any, kind: Any) -> bool:
    checks = ("is_string", "is_large_string", "is_string_view", "is_binary", "is_large_binary")
    return any(getattr(pa.types, check, lambda _: False)(kind) for check in checks)
