"""Input side of tierlib.columnar: tables → chunks → typed, exactly scaled fact columns.

A chunk is up to ``chunk_size`` rows of one source (a mapping of columns, a DataFrame-like or
Arrow-like table, row mappings, :class:`tierlib.tables.Row` objects or organizations). Row
``j`` of a chunk always has an :class:`~tierlib.model.Organization` built exactly as
:func:`tierlib.tables.to_organization` builds it from the row's cells (in tables of columns
NaN cells read as empty; row mappings are kept and read as they are), so the exact per-row
path sees what the CLI would.

Coercion follows :mod:`tierlib._facts` exactly: text and objects go through its own functions
(once per distinct value); typed numpy columns are converted with vectorized rules that are
proven equal to it (see :func:`_float_column`). A row gets ``slow`` set whenever the fast path
cannot vouch for it — any problem the engine would report, a value that is not exactly
representable at the column's scale — and is then decided by the engine itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tierlib import model
from tierlib._columnar_arrow import arrow_columns, is_arrow_table
from tierlib._columnar_num import I64, Mask, Rat
from tierlib._facts import _coerce, is_missing, is_na, to_boolean, unwritable
from tierlib.decision import decimal_places
from tierlib.errors import DataError, Location
from tierlib.tables import ALIASES, Row, _text, _year, to_organization

Column = NDArray[Any]
Locate = Callable[[int], "Location | None"]
KMAX = 15  # at most 15 decimals on the fast path (10**15 is exact in a double)
XMAX = 2**53  # scaled integers of input values stay below this
LONG_TEXT = 5000  # longer strings may exceed what durable_rules compares (65535 JSON bytes)
_KS = (0, 1, 2, 3, 4, 6, 9, 12, 15)


def allowance(n: int) -> int:
    """How many of ``n`` rows may go to the engine one by one for needing more decimals than
    the rest, rather than raise the scale of the whole column: a larger scale makes the int64
    arithmetic after it overflow on more rows, up to all of them (one value such as
    5000.000000000001 would send every row to the engine)."""
    return n >> 11


class Chunk:
    """Up to ``chunk_size`` consecutive rows of a source; ``start`` is the first row's index.

    ``orgs`` holds the organizations of a chunk of organizations, ``rows`` the cells of a
    chunk of row mappings (its rows are those cells exactly; ``columns`` only serve the
    vectorized path).
    """

    def __init__(
        self,
        start: int,
        columns: Mapping[str, Column],
        n: int,
        where: Locate,
        orgs: Sequence[model.Organization] | None = None,
        rows: Sequence[Mapping[Any, Any]] | None = None,
    ) -> None:
        self.start, self.n, self.columns, self._where = start, n, columns, where
        self.orgs, self.rows = orgs, rows
        self._unwritable: Mask | None = None

    def unwritable(self) -> Mask | None:
        """Rows whose name, type, county or township is an integer too long to write as text
        (``to_organization`` refuses the row; the columns do not read those cells), or None
        for none. Ids and years like that read as empty ids and bad years (D103, D104)."""
        if self.orgs is None and self._unwritable is None:
            self._unwritable = unwritable_rows(self.columns)
        return self._unwritable

    def where(self, j: int) -> Location | None:
        return self._where(self.start + j)

    def organization(self, j: int) -> model.Organization:
        """Row ``j`` as an organization; raises FactError for an unusable id or year."""
        if self.orgs is not None:
            return self.orgs[j]
        where = self.where(j) or Location("<table>")
        if self.rows is not None:
            return to_organization(Row(where, self.rows[j]))
        cells = {name: _py(col[j]) for name, col in self.columns.items()}
        return to_organization(Row(where, cells))


def _py(value: Any) -> Any:
    """A cell of a table of columns as the per-row path gets it: NaN and pandas' NA are empty
    (None); numpy scalars are Python values, but for float16, float32 and long doubles, which
    keep their precision (float32 0.3 means 0.3, see tierlib._facts.to_number)."""
    if isinstance(value, np.generic):
        if isinstance(value, np.floating) and not isinstance(value, np.float64):
            return None if np.isnan(value) else value
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return None if is_na(value) else value


# ---------------------------------------------------------------- sources


def normalize_name(name: Any) -> str:
    text = str(name).strip()
    return ALIASES.get(text, text)


def table_columns(data: Any, ignore: frozenset[str] = frozenset()) -> dict[str, Column] | None:
    """Columns of a mapping / DataFrame-like / Arrow-like table, or None for other data;
    columns whose :func:`normalize_name` is in ``ignore`` are left out (not even converted).

    Row ``i`` is the ``i``-th value of every column: positions, not index labels (the columns
    of a DataFrame share its index, whatever it is). A mapping whose pandas Series do not all
    have the same index (labels in the same order) is a DataError naming them: pairing their
    values by position would mix rows, and aligning them by label would make rows up."""

    def kept(name: Any) -> bool:
        return not ignore or normalize_name(name) not in ignore

    raw: Iterable[tuple[Any, Any]]
    if isinstance(data, Mapping):
        raw = [(k, v) for k, v in data.items() if kept(k)]
    elif is_arrow_table(data):  # column by column, not a Python object per cell
        raw = arrow_columns(data, kept)
    elif hasattr(data, "to_pydict") and hasattr(data, "column_names"):  # like pyarrow.Table
        raw = [(k, v) for k, v in data.to_pydict().items() if kept(k)]
    elif hasattr(data, "columns") and hasattr(data, "to_dict"):  # pandas.DataFrame
        raw = [(c, data[c].to_numpy()) for c in data.columns if kept(c)]
    else:
        return None
    return _named_columns(raw, isinstance(data, Mapping))


def _named_columns(raw: Iterable[tuple[Any, Any]], mapping: bool) -> dict[str, Column]:
    """The columns of :func:`table_columns` from ``(name, values)`` pairs; ``mapping``: they
    are a mapping's items, whose pandas Series must share one index."""
    out: dict[str, Column] = {}
    indexes: dict[str, Any] = {}  # the pandas index of each Series in a mapping
    for key, values in raw:
        name = normalize_name(key)
        if name in out:
            raise DataError(f"column {name!r} appears twice")
        if mapping and is_series(values):
            indexes[name] = values.index
        if isinstance(values, np.ndarray) and values.ndim != 1:
            raise DataError(
                f"column {name!r} is a {values.ndim}-dimensional array; a column holds one "
                "value per row (flatten it, e.g. with .ravel())"
            )
        out[name] = values if isinstance(values, np.ndarray) else _column(name, values)
    if "id" not in out:
        raise DataError("the table has no 'id' (编号) column")
    lengths = {len(c) for c in out.values()}
    if len(lengths) > 1:
        raise DataError(f"columns differ in length: {sorted(lengths)}")
    _same_index(indexes)
    return out


def is_series(values: Any) -> bool:
    """Whether a column is a pandas Series (or another array with an index of labels)."""
    return (
        not isinstance(values, np.ndarray)
        and hasattr(values, "to_numpy")
        and hasattr(values, "index")
        and hasattr(values.index, "equals")
    )


def _same_index(indexes: Mapping[str, Any]) -> None:
    """Refuse Series whose indexes differ from the first one's (DataError naming them)."""
    if len(indexes) < 2:
        return
    (first, index), *rest = indexes.items()
    odd = [name for name, other in rest if not index.equals(other)]
    if odd:
        names = ", ".join(map(repr, odd))
        what = f"column {names} has" if len(odd) == 1 else f"columns {names} have"
        raise DataError(
            f"{what} another index than column {first!r}: rows are taken by "
            "position, so Series with different indexes would mix rows; align them first "
            "(pandas.DataFrame(columns) aligns by label) or give them one index "
            "(.reset_index(drop=True))"
        )


def _column(name: str, values: Any) -> Column:
    """A column given as a sequence, as an object array; DataError for a single value (text
    is one cell, not a column of characters) or a mapping or set (no rows in order)."""
    if isinstance(values, str | bytes | bytearray | Mapping | set | frozenset) or not hasattr(
        values, "__iter__"
    ):
        raise DataError(
            f"column {name!r} is a single {type(values).__name__}, not a column: give a list "
            "or array of one value per row"
        )
    return _object_array(values)


def _object_array(values: Iterable[Any]) -> Column:
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def table_chunks(
    columns: Mapping[str, Column], chunk_size: int, where: Locate, offset: int = 0
) -> Iterator[Chunk]:
    n = len(next(iter(columns.values()))) if columns else 0
    for lo in range(0, n, chunk_size):
        hi = min(n, lo + chunk_size)
        yield Chunk(offset + lo, {k: c[lo:hi] for k, c in columns.items()}, hi - lo, where)


def org_chunk(
    start: int, orgs: Sequence[model.Organization], where: Locate, names: Iterable[str]
) -> Chunk:
    """A chunk of organizations: object columns of their facts (absent facts read as None)."""
    cols: dict[str, Column] = {
        "id": _object_array(o.id for o in orgs),
        "type": _object_array(o.type for o in orgs),
    }
    for name in names:
        cols[name] = _object_array(o.facts.get(name) for o in orgs)
    return Chunk(start, cols, len(orgs), where, orgs)


def rows_chunk(start: int, rows: Sequence[Mapping[Any, Any]], where: Locate) -> Chunk:
    """A chunk of row mappings (cells by column name), as a table.

    Each row means what :func:`tierlib.tables.to_organization` makes of it: keys are not
    renamed (``编号`` is not ``id`` there), and a NaN cell is a value, not an empty cell. The
    id and type columns hold the text it reads (NaN: ``"nan"``), a NaN year the text
    ``"nan"`` (which it rejects, as it rejects NaN). Fact columns are read with
    ``nan_missing=False``; rows with a key that is not a fact are left to the engine (F111).
    """
    names: dict[Any, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    cols = {name: _object_array(row.get(name) for row in rows) for name in names}
    odd = unwritable_rows(cols)
    for name in ("id", "type"):
        cells = cols.get(name)
        cols[name] = _object_array(map(_safe_text, [None] * len(rows) if cells is None else cells))
    years = cols.get("year")
    if years is not None:
        cols["year"] = _object_array("nan" if _is_nan(v) else v for v in years)
    chunk = Chunk(start, cols, len(rows), where, rows=rows)
    chunk._unwritable = odd
    return chunk


_TEXT_FIELDS = ("name", "type", "county", "township")


def unwritable_rows(columns: Mapping[str, Column]) -> Mask | None:
    """Rows with an identity text cell (name, type, county, township) that is an integer too
    long to write as text, or None for none. Only object columns can hold one; a column is
    looked at cell by cell only if it holds integers."""
    out: Mask | None = None
    for name in _TEXT_FIELDS:
        col = columns.get(name)
        if col is None or col.dtype != object:
            continue
        cells = col.tolist()
        if not any(issubclass(t, int) for t in set(map(type, cells))):
            continue
        bad = np.fromiter(map(unwritable, cells), np.bool_, len(cells))
        if bad.any():
            out = bad if out is None else out | bad
    return out


def _is_nan_float(value: Any) -> bool:
    """Whether a value is a Python float NaN (equal to nothing, itself included)."""
    return type(value) is float and value != value


def _is_nan(value: Any) -> bool:
    """Whether a cell is a NaN (a float, or a numpy floating scalar)."""
    return isinstance(value, float | np.floating) and math.isnan(value)


# ---------------------------------------------------------------- distinct values


_TEXT_ONLY = frozenset({str, type(None)})


def distinct(col: Column) -> tuple[I64, list[Any]]:
    """Codes into the list of distinct values (by type and value: True, 1 and 1.0 differ),
    in order of first appearance (float16 and float32 cells stay numpy numbers: their
    Python floats would mean other decimals).

    Cells are grouped by value in one dict pass; only when the distinct values are not all
    text or empty are the cells' types compared with their group's (one vectorized pass),
    and the few cells of another type than their group's first (1 in a group of True) get
    groups of their own."""
    items = list(col) if col.dtype.kind == "f" and col.dtype.itemsize < 8 else col.tolist()
    try:
        uniq: dict[Any, int] = dict.fromkeys(items, 0)  # C speed; types may collapse here
    except TypeError:  # an unhashable cell: one code per row
        return np.arange(len(items), dtype=np.int64), items
    for k, key in enumerate(uniq):
        uniq[key] = k
    codes = np.fromiter(map(uniq.__getitem__, items), np.int64, len(items))
    values = list(uniq)
    # text, empty and NaN cells never equal a value of another type: the plain key is exact
    if (
        col.dtype.kind == "U"
        or _TEXT_ONLY.issuperset(map(type, values))
        or all(type(v) in _TEXT_ONLY or _is_nan_float(v) for v in values)
    ):
        return codes, values
    types = np.fromiter(map(type, items), object, len(items))
    firsts = np.fromiter(map(type, values), object, len(values))
    odd = np.flatnonzero(types != firsts[codes])
    if len(odd):
        codes, values = _split_types(codes, values, items, odd)
    return codes, values


def _split_types(
    codes: I64, values: list[Any], items: list[Any], odd: NDArray[np.intp]
) -> tuple[I64, list[Any]]:
    """Give the ``odd`` cells (of another type than the first of their group) groups by type
    and value of their own, then number all groups in order of first appearance."""
    extra: dict[tuple[type, Any], int] = {}
    values = list(values)
    for i in odd.tolist():
        key = (type(items[i]), items[i])
        code = extra.get(key)
        if code is None:
            code = extra[key] = len(values)
            values.append(items[i])
        codes[i] = code
    _, first = np.unique(codes, return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], [values[k] for k in order.tolist()]


def text_column(col: Column, nan_missing: bool = True) -> Column:
    """Cells as :func:`tierlib.tables._text` reads them (stripped text, ``1.0`` → ``1``; with
    ``nan_missing``, NaN as empty); ``""`` for a cell it cannot write (an integer of more
    digits than Python writes: the row is an error, see :func:`unwritable_rows`)."""
    if col.dtype.kind == "U":
        return np.strings.strip(col)
    codes, values = distinct(col)
    texts = [_safe_text(_py(v) if nan_missing else v) for v in values]
    return _object_array(texts)[codes] if texts else np.empty(0, dtype=object)


def _safe_text(value: Any) -> str:
    try:
        return _text(value)
    except ValueError:  # an integer too long to write: to_organization says so
        return ""


Identity = tuple[Any, str, str, str, str, "int | None"]


def identities(chunk: Chunk) -> list[Identity]:
    """Per row of ``chunk``: id, name, type, county, township and year as its organization has
    them, as far as they read (an unreadable cell is ``""``, an unreadable year None) — also
    for the rows whose organization cannot be made."""
    if chunk.orgs is not None:
        return [(o.id, o.name, o.type, o.county, o.township, o.year) for o in chunk.orgs]
    table = chunk.rows is None  # a table of columns: NaN cells read as empty

    def texts(name: str) -> list[str]:
        col = chunk.columns.get(name)
        return [""] * chunk.n if col is None else text_column(col, table).tolist()

    def year(cell: Any) -> int | None:
        try:
            return _year(_py(cell) if table else cell)
        except ValueError:
            return None

    col = chunk.columns.get("year")
    years = [None] * chunk.n if col is None else list(map(year, col.tolist()))
    types = [t or "village" for t in texts("type")]
    return list(zip(texts("id"), texts("name"), types, texts("county"), texts("township"), years))


def bad_years(col: Column) -> Mask:
    """Rows whose year cell :func:`tierlib.tables.to_organization` rejects (D104)."""
    if col.dtype.kind in "iu":
        return np.zeros(len(col), dtype=np.bool_)
    if col.dtype.kind == "f" and col.dtype.itemsize <= 8:  # NaN is empty; 2024.0 is 2024
        with np.errstate(invalid="ignore"):
            bad: Mask = np.isinf(col) | (np.isfinite(col) & (col != np.trunc(col)))
        return bad
    codes, values = distinct(col)
    bad = np.zeros(len(values), dtype=np.bool_)
    for i, v in enumerate(values):
        try:
            _year(_py(v))
        except ValueError:
            bad[i] = True
    return bad[codes] if len(values) else np.zeros(0, dtype=np.bool_)


# ---------------------------------------------------------------- typed fact columns


class Fact:
    """One fact column of a chunk: values, ``missing`` and ``slow`` masks."""

    __slots__ = ("missing", "slow", "value")

    def __init__(self, value: Rat | Mask | I64, missing: Mask, slow: Mask) -> None:
        self.value, self.missing, self.slow = value, missing, slow


def number_fact(
    col: Column, spec: model.FactSpec, k_hint: int, nan_missing: bool
) -> tuple[Fact, int]:
    """A number column as integers scaled by ``10**k``; returns the fact and ``k``."""
    n = len(col)
    kind = col.dtype.kind
    if kind == "f" and col.dtype.itemsize <= 8:
        # a float32 or float16 means its shortest decimal (float32 0.3 is 0.3): that decimal
        # has at most 9 digits, so the double nearest it has it as its shortest repr too
        x = col if col.dtype == np.float64 else col.astype(str).astype(np.float64)
        nan = np.isnan(x)
        missing = nan if nan_missing else np.zeros(n, dtype=np.bool_)
        X, k, slow = _float_column(x, k_hint)
        slow &= ~missing  # NaN is slow (F103) unless it means missing
        fact = Fact(Rat.scaled(X, 10**k), missing, slow)
        _range(fact, spec, k)
        return fact, k
    if kind in "iu":
        big = (col > XMAX) | (col < -XMAX) if col.dtype.itemsize >= 8 else np.zeros(n, np.bool_)
        X = np.where(big, 0, col).astype(np.int64)
        fact = Fact(Rat.scaled(X, 1), np.zeros(n, dtype=np.bool_), big)
        _range(fact, spec, 0)
        return fact, 0
    if kind == "b":  # to_number refuses booleans
        return Fact(
            Rat(np.zeros(n, np.int64), 0, 1, 1), np.zeros(n, np.bool_), np.ones(n, np.bool_)
        ), 0
    codes, values = distinct(col)
    exact: list[Fraction | None] = []
    miss = np.zeros(len(values), dtype=np.bool_)
    slow = np.zeros(len(values), dtype=np.bool_)
    need = np.zeros(len(values), dtype=np.int64)  # the decimals each usable value needs
    for i, raw in enumerate(values):
        v = _py(raw) if nan_missing else raw
        if is_missing(v):
            miss[i] = True
            exact.append(None)
            continue
        try:
            got = _coerce(v, spec)
        except ValueError:
            slow[i] = True
            exact.append(None)
            continue
        assert isinstance(got, Fraction)
        places = decimal_places(got.denominator)
        if places is None or places > KMAX:
            slow[i] = True
            exact.append(None)
        else:
            need[i] = places
            exact.append(got)
    usable = ~(miss | slow)
    rows = np.bincount(codes, minlength=len(values))  # how many rows hold each value
    allow = allowance(int(rows[usable].sum()))
    k = next(k for k in _KS if int(rows[usable & (need > k)].sum()) <= allow)
    scaled = np.zeros(len(values), dtype=np.int64)
    scale = 10**k
    for i, value in enumerate(exact):
        if value is not None and need[i] > k:  # one of the few with more decimals
            slow[i] = True
        elif value is not None:
            whole = int(value * scale)
            if abs(whole) >= XMAX:
                slow[i] = True
            else:
                scaled[i] = whole
    return Fact(Rat.scaled(scaled[codes], scale), miss[codes], slow[codes]), k


def _float_column(x: NDArray[np.float64], k_hint: int) -> tuple[I64, int, Mask]:
    """Doubles as integers ``X`` with ``X / 10**k`` equal to ``Fraction(repr(x))``.

    Exactness: for ``|x| < 2**50 / 10**k`` the spacing of doubles near ``x`` is below
    ``10**-k / 2``, so at most one multiple of ``10**-k`` rounds to ``x``. ``X = rint(x·10**k)``
    is accepted only if ``X / 10**k`` (one correctly rounded division of exact operands)
    gives back ``x``; then ``X / 10**k`` is that unique decimal, and the shortest repr of ``x``
    — which has no more significant digits and also rounds to ``x`` — is the same number.
    Rows failing the test (more decimals than ``KMAX``, or too large) are slow. ``k`` is the
    first from ``k_hint`` up at which no more rows than :func:`allowance` fail, else the one
    at which the fewest do.
    """
    nan = np.isnan(x)
    ks = [k for k in _KS if k >= k_hint] or [KMAX]
    allow = allowance(len(x) - int(np.count_nonzero(nan)))
    best: tuple[int, NDArray[np.float64], Mask, int] | None = None
    for k in ks:
        scale = float(10**k)
        # for |x·10**k| < 2**51, adding 1.5·2**52 rounds to an integer (half even, like rint)
        # that sits in the low mantissa bits of the sum; larger values may overflow to
        # infinity, silently: those rows fail the test below
        with np.errstate(over="ignore", invalid="ignore"):
            shifted = (x * scale if k else x) + _MAGIC
            X = shifted - _MAGIC
        ok = np.abs(x) < 2.0**50 / scale  # False for NaN and infinities
        ok &= (X / scale == x) if k else (x == X)
        fails = int(np.count_nonzero(~(ok | nan)))
        if best is None or fails < best[0]:
            best = (fails, shifted, ok, k)
        if fails <= allow:
            break
    assert best is not None
    _, shifted, ok, k = best
    Xi = (shifted.view(np.int64) - _MAGIC_BITS) * ok
    return Xi, k, ~ok


_MAGIC = np.float64(1.5 * 2**52)
_MAGIC_BITS = int(_MAGIC.view(np.int64))


def _range(fact: Fact, spec: model.FactSpec, k: int) -> None:
    """Mark rows whose value breaks ``integer``/``minimum``/``maximum`` (engine: F104)."""
    assert isinstance(fact.value, Rat)
    X = fact.value.num
    assert not isinstance(X, int)
    scale = 10**k
    bad = np.zeros(len(X), dtype=np.bool_)
    if spec.integer and k:
        bad |= X % scale != 0
    if spec.minimum is not None:
        bad |= _lt(X, scale, spec.minimum)
    if spec.maximum is not None:
        bad |= _lt(-X, scale, -spec.maximum)
    fact.slow |= bad & ~fact.missing


def _lt(X: I64, scale: int, limit: Fraction) -> Mask:
    """Rows with ``X / scale < limit``, exactly (``X·den < num·scale``)."""
    den, rhs = limit.denominator, limit.numerator * scale
    if XMAX * den <= 2**62 and abs(rhs) <= 2**62:
        return np.asarray(X * den < rhs, dtype=np.bool_)
    return np.array([x * den < rhs for x in X.tolist()], dtype=np.bool_)  # rare: exact ints


def boolean_fact(col: Column, nan_missing: bool) -> Fact:
    n = len(col)
    kind = col.dtype.kind
    none = np.zeros(n, dtype=np.bool_)
    if kind == "b":
        return Fact(col.astype(np.bool_, copy=False), none, none.copy())
    if kind in "iu":
        return Fact(col == 1, none, (col != 0) & (col != 1))
    if kind == "f":  # 1.0 and 0.0 are true and false, as 1 and 0 are
        nan = np.isnan(col)
        missing = nan if nan_missing else none
        return Fact(col == 1, missing, ~missing & (col != 0) & (col != 1))
    return _per_value(col, nan_missing, lambda v: (to_boolean(v), False), np.bool_, False)


def string_fact(
    col: Column, spec: model.FactSpec, code: Callable[[str], int], nan_missing: bool
) -> Fact:
    """A text column as codes: ``code`` numbers each distinct text (the plan's table)."""
    n = len(col)
    if col.dtype.kind not in "UO":  # numbers or booleans where text is expected: F103
        return Fact(np.zeros(n, np.int64), np.zeros(n, np.bool_), np.ones(n, np.bool_))

    def convert(v: Any) -> tuple[int, bool]:
        text = _coerce(v, spec)
        assert isinstance(text, str)
        return code(text), len(text) > LONG_TEXT

    return _per_value(col, nan_missing, convert, np.int64, -1)


def _per_value(
    col: Column,
    nan_missing: bool,
    convert: Callable[[Any], tuple[Any, bool]],
    dtype: Any,
    fill: Any,
) -> Fact:
    """Convert each distinct value once: ``convert`` gives (value, needs the exact path) or
    raises ValueError (the row goes to the exact path, which reports the error)."""
    codes, values = distinct(col)
    val = np.full(len(values), fill, dtype=dtype)
    miss = np.zeros(len(values), dtype=np.bool_)
    slow = np.zeros(len(values), dtype=np.bool_)
    for i, raw in enumerate(values):
        v = _py(raw) if nan_missing else raw
        if is_missing(v):
            miss[i] = True
            continue
        try:
            val[i], slow[i] = convert(v)
        except ValueError:
            slow[i] = True
    return Fact(val[codes], miss[codes], slow[codes])
