"""Columnar evaluation: tier a whole table of organizations at once, with the engine's answers.

``evaluate_table(engine, data)`` decides every row of ``data`` — a mapping of column name to
sequence or numpy array (``id, name, type, county, township, year`` and one column per declared
fact), a pandas DataFrame, a pyarrow Table, an iterable of
:class:`~tierlib.model.Organization`, or the path of a CSV, XLSX or JSON data file — and
returns a :class:`TableResult` of numpy columns. ``evaluate_stream(engine, rows)`` does the
same chunk by chunk for an iterable of rows (organizations, :class:`tierlib.tables.Row`
objects, row mappings, or whole tables) or a data file's path, yielding one
:class:`TableResult` per chunk, so memory stays flat however many rows come. Chunks are decided
by several threads at once (``workers``); numpy releases the GIL inside its kernels.

Row ``i`` means the organization :func:`tierlib.tables.to_organization` makes of its cells
(in a table of columns NaN cells read as empty; a row mapping is read exactly as
``to_organization`` reads it: keys as given, NaN a value that is no number), and its result
is by definition ``engine.evaluate(org_i)``:
``result.decision(i)`` re-runs exactly that, and the columns agree with it row by row (status,
tier, score, raw score, dimension subtotals, points, vetoes, flags, missing inputs).

Exactness scheme
----------------
The engine computes with Fractions; the columns compute with exact rationals over int64:

* Every number column is ``num / den`` with ``num`` an int64 array and ``den`` a positive
  integer for the whole chunk (an int64 array only after a division by a non-constant or a
  rescaling). Input facts are scaled integers ``X / 10**k`` (``k`` per column and chunk,
  at most 15, ``|X| < 2**53``). Text and Python values are converted by :mod:`tierlib._facts`
  itself, once per distinct value; a float64 array by rounding ``x·10**k`` to an integer
  ``X``, accepted only where ``X / 10**k == x`` and ``|x| < 2**50 / 10**k`` — which proves that
  ``X / 10**k`` is the decimal ``Fraction(repr(x))`` the engine would use (see
  :func:`tierlib._columnar_input._float_column`).
* Sums, products, quotients, clamps, rounding (half_up, half_even, down, up: integer floor
  division and remainders) and comparisons are done on numerators and denominators, so
  thresholds are met exactly (89.95 rounds half-up to 90.0 and reaches "以上 90").
* Every int64 operation is guarded: bounds on ``|num|`` and ``den`` carried with each column
  prove that no result leaves int64, or a per-row check (exact, or a float64 estimate against
  2**62, far inside 2**63) marks the rows that might.
* Rows the vectorized path cannot vouch for — a value with more than 15 decimals or not a
  terminating decimal, a possible overflow, any problem the engine would report (F103, F104,
  F107, F110, F111, D103, D104), values durable_rules would refuse (F101) — are decided by
  ``engine.evaluate`` itself (``result.exact_path`` marks them). So every row's answer is the
  engine's: computed exactly, or computed by the engine.

Conditions are compiled from their ASTs with the semantics of :mod:`tierlib._durable`: a rule
that references a missing value, or divides by zero anywhere, is undetermined; otherwise it
holds exactly when the expression is true.
"""

from __future__ import annotations

import bisect
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from tierlib._columnar_eval import Plan
from tierlib._columnar_input import (
    Chunk,
    identities,
    is_series,
    org_chunk,
    rows_chunk,
    table_chunks,
    table_columns,
    text_column,
)
from tierlib._columnar_num import Mask
from tierlib._columnar_sink import Exact, Sink
from tierlib.decision import Decision
from tierlib.engine import Engine
from tierlib.errors import DataError, EngineError, FactError, Location, Problem
from tierlib.explain import Explanation
from tierlib.model import Organization
from tierlib.tables import Row, applied_vetoes, column_name, ignored_columns, iter_rows

__all__ = ["STATUSES", "Exact", "TableResult", "evaluate_stream", "evaluate_table"]

STATUSES: tuple[str, str, str] = ("rated", "unrated", "pending")

Where = Callable[[int], "Location | None"]


def _plan(engine: Engine) -> Plan:
    """The engine's plan, built on first use; one per engine, so threads share its text codes."""
    if engine.closed:
        raise EngineError("the engine is closed")
    plan: Plan | None = engine._columnar_plan
    if plan is None:
        with engine._lock:
            plan = engine._columnar_plan
            if plan is None:
                plan = engine._columnar_plan = Plan(engine.ruleset)
    return plan


class TableResult:
    """The decisions of a table, as columns over the rows that could be decided.

    ``rows[k]`` is the input row index of result row ``k``; the other input rows are in
    ``errors`` as ``(row index, problems)``, so ``len(rows) + len(errors)`` is the number of
    input rows. ``status`` holds codes into :data:`STATUSES`; ``tier`` and ``score_tier``
    indices into ``tiers`` (-1: none). ``vetoes[id]`` marks rows where the veto, cap or
    requirement applied, ``undetermined[id]`` where an input was missing, ``decisive[id]``
    where it decided; ``missing[indicator]`` where an input of the indicator was missing (its
    policy is the rule set's). ``zero_divisor[rule]`` marks rows where an indicator's condition
    rule (``<indicator>`` or ``<indicator>/<item>``) was undetermined though every input of the
    indicator was present — a divisor was zero — so the engine lists the rule as the
    indicator's missing input (on exact-path rows, as their decisions list it).
    ``exact_path`` marks rows decided by ``Engine.evaluate``.
    """

    def __init__(self, engine: Engine, sink: Sink) -> None:
        rs = engine.ruleset
        self.engine = engine
        self.tiers: tuple[str, ...] = tuple(t.id for t in rs.tiers)
        self._chunks = sink.chunks
        self._starts = [c.start for c in sink.chunks]
        keep = None if not sink.failed.any() else ~sink.failed

        def k(a: NDArray[Any]) -> NDArray[Any]:
            return a if keep is None else a[keep]

        self.rows: NDArray[np.int64] = k(
            np.arange(sink.offset, sink.offset + sink.n, dtype=np.int64)
        )
        self._keep = keep
        self._ids: NDArray[Any] | None = None
        self.status: NDArray[np.int8] = k(sink.status)
        self.tier: NDArray[np.int16] = k(sink.tier)
        self.score_tier: NDArray[np.int16] = k(sink.score_tier)
        self.exact_path: Mask = k(sink.slow)
        self.score = sink.exact["score"].column(keep)
        self.raw_score = sink.exact["raw_score"].column(keep)
        self.dimensions = {
            d.id: sink.exact[f"dimension.{d.id}"].column(keep) for d in rs.dimensions
        }
        self.points = {i.id: sink.exact[f"points.{i.id}"].column(keep) for i in rs.indicators}
        masks = {kind: {name: k(m) for name, m in ms.items()} for kind, ms in sink.masks.items()}
        self.vetoes: dict[str, Mask] = masks["applied"]
        self.undetermined: dict[str, Mask] = masks["undetermined"]
        self.decisive: dict[str, Mask] = masks["decisive"]
        self.flags: dict[str, Mask] = masks["flags"]
        self.missing: dict[str, Mask] = masks["missing"]
        self.zero_divisor: dict[str, Mask] = _zero_divisor(sink, keep)
        self.errors: list[tuple[int, list[Problem]]] = sink.errors
        self._failed: dict[int, list[Problem]] | None = None

    @property
    def ids(self) -> NDArray[Any]:
        """Organization ids per result row (as the organizations carry them: stripped text)."""
        if self._ids is None:
            parts = [
                text_column(c.columns["id"]) if c.orgs is None else c.columns["id"]
                for c in self._chunks
            ]
            ids = np.concatenate(parts) if parts else np.empty(0, dtype=object)
            self._ids = ids if self._keep is None else ids[self._keep]
        return self._ids

    def __len__(self) -> int:
        """The number of input rows (decided plus errors)."""
        return len(self.rows) + len(self.errors)

    def status_text(self) -> NDArray[Any]:
        return np.array(STATUSES, dtype=object)[self.status]

    def tier_text(self) -> NDArray[Any]:
        """Tier ids per row (None for no tier)."""
        return np.array([*self.tiers, None], dtype=object)[self.tier]

    def _locate(self, i: int) -> tuple[Chunk, int]:
        k = bisect.bisect_right(self._starts, i) - 1
        if k < 0 or not 0 <= i - self._starts[k] < self._chunks[k].n:
            raise IndexError(f"row {i} is not in this result")
        chunk = self._chunks[k]
        return chunk, i - chunk.start

    def organization(self, i: int) -> Organization:
        """The organization of input row ``i`` (raises FactError for an unusable id or year)."""
        chunk, j = self._locate(i)
        return chunk.organization(j)

    def decision(self, i: int) -> Decision:
        """The full decision for input row ``i``: ``engine.evaluate`` of its organization.

        Its trace and JSON are the engine's; its values equal the columns' for that row.
        Raises FactError for a row listed in ``errors``.
        """
        chunk, j = self._locate(i)
        if self._failed is None:
            self._failed = dict(self.errors)
        problems = self._failed.get(i)
        if problems is not None:  # also a repeat that evaluates (D105)
            raise FactError(problems)
        return self.engine.evaluate(chunk.organization(j), chunk.where(j))

    def explain(self, i: int) -> Explanation:
        """Why input row ``i`` got its tier: ``engine.explain`` of :meth:`decision` — the same
        explanation, in both languages, as for the organization evaluated on its own."""
        return self.engine.explain(self.decision(i))

    def distribution(self) -> dict[str, int]:
        """Decided rows per tier (every tier listed), then ``unrated`` and ``pending``."""
        counts = np.bincount(self.tier[self.tier >= 0], minlength=len(self.tiers))
        out = {t: int(c) for t, c in zip(self.tiers, counts)}
        out["unrated"] = int(np.count_nonzero(self.status == 1))
        out["pending"] = int(np.count_nonzero(self.status == 2))
        return out

    def to_records(self) -> list[dict[str, Any]]:
        """One flat record per input row, in input order (errors too), for writing tables.

        Every record has the same keys, in this order: ``row, id, name, type, county,
        township, year`` (the organization's, as far as its cells read: an error row has them
        too), ``status`` (one of :data:`STATUSES`, or ``"error"`` for a row in ``errors``),
        ``tier, score, raw_score, score_tier``, ``dimension.<id>``, ``points.<id>`` (exact text
        as in the decision JSON; None for none, and in error rows), ``decisive`` (the id of the
        veto, cap or requirement that decided the tier, or ``""``), ``vetoes`` (the ids of
        the vetoes, caps and requirements that applied, the decisive one first, then the others
        in rule-file order, as in a result file), ``undetermined`` (the ids of the vetoes that
        could not be decided for want of data, in a pending row or, moot, in a rated one),
        ``flags``, ``missing`` (indicators), ``error`` (``""``, or the
        row's problems as ``code: message; …``). So ``rec["status"] == "error"`` (or a
        non-empty ``rec["error"]``) tells an error row apart, and ``rec["id"]`` names it.
        """
        tier_names = [*self.tiers, None]
        veto_ids = list(self.vetoes)
        failed = dict(self.errors)
        numbers = ["score", "raw_score", "score_tier"]
        numbers += [f"dimension.{d}" for d in self.dimensions]
        numbers += [f"points.{i}" for i in self.points]
        out: list[dict[str, Any]] = []
        result_rows: list[int] = self.rows.tolist()
        k = 0
        for chunk in self._chunks:
            names = identities(chunk)
            for j, identity in enumerate(names):
                row = chunk.start + j
                rec: dict[str, Any] = dict(zip(_IDENTITY_KEYS, (row, *identity)))
                problems = failed.get(row)
                if problems is not None:
                    rec["status"] = "error"
                    rec["tier"] = None
                    rec.update(dict.fromkeys(numbers))
                    rec.update(decisive="", vetoes="", undetermined="", flags="", missing="")
                    rec["error"] = "; ".join(f"{p.code}: {p.message}" for p in problems)
                    out.append(rec)
                    continue
                assert result_rows[k] == row
                rec["status"] = STATUSES[self.status[k]]
                rec["tier"] = tier_names[self.tier[k]]
                rec["score"] = self.score.text(k)
                rec["raw_score"] = self.raw_score.text(k)
                rec["score_tier"] = tier_names[self.score_tier[k]]
                rec.update({f"dimension.{d}": c.text(k) for d, c in self.dimensions.items()})
                rec.update({f"points.{i}": c.text(k) for i, c in self.points.items()})
                decisive = [v for v in veto_ids if self.decisive[v][k]]
                rec["decisive"] = decisive[0] if decisive else ""
                rec["vetoes"] = " ".join(
                    applied_vetoes((v for v in veto_ids if self.vetoes[v][k]), decisive)
                )
                rec["undetermined"] = " ".join(v for v in veto_ids if self.undetermined[v][k])
                rec["flags"] = " ".join(f for f, m in self.flags.items() if m[k])
                rec["missing"] = " ".join(i for i, m in self.missing.items() if m[k])
                rec["error"] = ""
                out.append(rec)
                k += 1
        return out


_IDENTITY_KEYS = ("row", "id", "name", "type", "county", "township", "year")


def _zero_divisor(sink: Sink, keep: Mask | None) -> dict[str, Mask]:
    """The zero-divisor masks of ``sink`` over its kept rows, for every indicator condition
    rule (one shared, read-only False mask for the rules without such rows)."""
    none = np.zeros(sink.n if keep is None else int(np.count_nonzero(keep)), dtype=np.bool_)
    none.flags.writeable = False
    out: dict[str, Mask] = {}
    for rules in sink.plan.ind_rules.values():
        for rid in rules:
            mask = sink.zero.get(rid)
            out[rid] = none if mask is None else mask if keep is None else mask[keep]
    return out


class FirstRows:
    """Where the first decided row of each organization and year is, across the chunks of a
    table or a stream; a later decided row for them becomes a D105 error naming it."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}

    def check(self, sink: Sink) -> None:
        """Make each decided row of ``sink`` whose organization and year an earlier decided
        row had a D105 error, located at the row, naming the first (rows of organizations are
        named by their index: ``row 3``)."""
        added: list[tuple[int, list[Problem]]] = []
        for chunk in sink.chunks:
            lo = chunk.start - sink.offset
            failed: list[bool] = sink.failed[lo : lo + chunk.n].tolist()
            for j, (org_id, *_, year) in enumerate(identities(chunk)):
                if failed[j]:
                    continue
                key = f"{year}\x1f{org_id}"  # a year never holds \x1f
                first = self._first.get(key)
                where = chunk.where(j)
                if first is None:
                    self._first[key] = f"row {chunk.start + j}" if where is None else str(where)
                    continue
                when = "no year" if year is None else str(year)
                message = f"{org_id}: a second row for {when} (the first is {first}); not counted"
                at = where or Location(f"org {org_id}")
                added.append((chunk.start + j, [Problem("D105", message, at)]))
                sink.failed[lo + j] = True
        if added:
            sink.errors = sorted([*sink.errors, *added], key=lambda e: e[0])


# ---------------------------------------------------------------- entry points


def _where(where: str | Sequence[Location]) -> Where:
    if isinstance(where, str):
        return lambda i: Location(where, i + 1)
    return lambda i: where[i]


def evaluate_table(
    engine: Engine,
    data: Any,
    *,
    chunk_size: int | None = None,
    where: str | Sequence[Location] = "<table>",
    workers: int | None = None,
    once_a_year: bool = False,
    ignore_columns: Iterable[str] = (),
) -> TableResult:
    """Decide every row of ``data``: columns, a DataFrame, an Arrow table, organizations, or
    the path of a CSV, XLSX or JSON data file (its rows read as :func:`tierlib.tables.read_rows`
    and ``to_organization`` read them, located by file and line; use :func:`evaluate_stream`
    for a file too large to hold).

    Rows are positions: row ``i`` is the ``i``-th value of every column, whatever a
    DataFrame's index (``frame.index[result.rows]`` gives the labels of the decided rows). A
    mapping of pandas Series whose indexes differ is a DataError naming the columns; align them
    first (``pandas.DataFrame(columns)``) or give them one index.

    ``where`` names the data for problem locations: row ``i`` is ``Location(where, i + 1)``,
    or ``where[i]`` when a sequence of locations is given. Organizations are located as the
    engine locates them by default (``org <id>``) and keep their values as given (a NaN fact
    is F103, as for ``Engine.evaluate``); in tables, NaN and blank cells are missing.

    Chunks of ``chunk_size`` rows are decided by ``workers`` threads at once (default: one
    per CPU this process may use, at most 4). By default chunks hold at most 131,072 rows,
    fewer so that every thread gets one when there are enough rows. The result depends on
    neither.

    With ``once_a_year``, a decided row for an organization and year that an earlier decided
    row already had is a D105 error naming that row (as the CLI reports it), so that every
    organization is counted once a year. It is off by default: by definition row ``i``'s
    result is ``engine.evaluate`` of its organization alone (the differential tests and the
    CLI, which checks repeats across its batches itself, rely on that), and finding repeats
    costs a pass over the ids and years. Turn it on when the rows should be one county's
    organizations of a year or a few, e.g. before quotas or rankings.

    ``ignore_columns`` names columns that are not facts (备注, 联系人, 电话 …), which would
    otherwise make every row an F111 error: they are left out of every row (facts of that
    name, of organizations). Naming an identity column or a declared fact is a D107
    DataError, since its values would be lost.
    """
    ignore = ignored_columns(ignore_columns, engine.ruleset.facts)
    sink = _table_sink(engine, data, chunk_size, where, workers, ignore)
    if once_a_year:
        FirstRows().check(sink)
    return TableResult(engine, sink)


def _table_sink(
    engine: Engine,
    data: Any,
    chunk_size: int | None,
    where: str | Sequence[Location],
    workers: int | None,
    ignore: frozenset[str] = frozenset(),
) -> Sink:
    """The decided rows of ``data`` (see :func:`evaluate_table`), without the columns in
    ``ignore``."""
    plan = _plan(engine)
    if chunk_size is not None and chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    if workers is not None and workers < 1:
        raise ValueError("workers must be positive")
    threads = _default_workers() if workers is None else workers
    if isinstance(data, str | os.PathLike):
        rows = list(iter_rows(data, ignore_columns=ignore))
        return _file_table(engine, plan, rows, chunk_size, threads)
    columns = table_columns(data, ignore)
    if columns is not None:
        n = len(columns["id"])
        if not isinstance(where, str) and len(where) != n:
            raise DataError(f"where= gives {len(where)} locations for {n} rows")
        locate = _where(where)
        size = chunk_size or _chunk_rows(n, threads)
        sink = Sink(engine, plan, 0, n)
        sink.put_all(table_chunks(columns, size, locate), True, threads)
        return sink
    orgs = list(data)
    odd = next((o for o in orgs if not isinstance(o, Organization)), None)
    if odd is not None:
        raise TypeError(
            f"evaluate_table takes a table or organizations, not {type(odd).__name__} items "
            "(use evaluate_stream for rows)"
        )
    if ignore:
        orgs = [_without(o, ignore) for o in orgs]
    sink = Sink(engine, plan, 0, len(orgs))
    names = engine.ruleset.facts
    size = chunk_size or _chunk_rows(len(orgs), threads)
    parts = (
        org_chunk(lo, orgs[lo : lo + size], _nowhere, names) for lo in range(0, len(orgs), size)
    )
    sink.put_all(parts, False, threads)
    return sink


def _file_table(
    engine: Engine, plan: Plan, rows: list[Row], chunk_size: int | None, threads: int
) -> Sink:
    """A data file's rows, read as the per-row path reads them, located by file and line."""
    sink = Sink(engine, plan, 0, len(rows))
    size = chunk_size or _chunk_rows(len(rows), threads)

    def where(i: int) -> Location:
        return rows[i].where

    parts = (
        rows_chunk(lo, [r.cells for r in rows[lo : lo + size]], where)
        for lo in range(0, len(rows), size)
    )
    sink.put_all(parts, False, threads)
    return sink


CHUNK_ROWS = 131072  # fewer Python-level numpy calls per row; temporaries of 1 MB a column
MIN_SPLIT_ROWS = 16384  # smaller chunks cost more in per-chunk work than a thread gains


def _chunk_rows(n: int, threads: int) -> int:
    """Rows per chunk: at most CHUNK_ROWS, fewer so that each of ``threads`` gets a chunk."""
    if threads <= 1:
        return CHUNK_ROWS
    return min(CHUNK_ROWS, max(MIN_SPLIT_ROWS, -(-n // threads)))


def _default_workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def _nowhere(i: int) -> Location | None:
    return None


def _without(item: Any, ignore: frozenset[str]) -> Any:
    """A stream item without the cells (an organization: the facts) named in ``ignore``;
    whole tables are left to :func:`table_columns`."""
    if isinstance(item, Organization):
        if not any(column_name(k) in ignore for k in item.facts):
            return item
        kept = {k: v for k, v in item.facts.items() if column_name(k) not in ignore}
        return attrs.evolve(item, facts=kept)
    if isinstance(item, Row):
        return Row(item.where, _without(item.cells, ignore))
    if isinstance(item, Mapping) and not _is_table(item):
        return {k: v for k, v in item.items() if column_name(k) not in ignore}
    return item


def _single(engine: Engine, plan: Plan, chunk: Chunk, nan_missing: bool) -> Sink:
    sink = Sink(engine, plan, chunk.start, chunk.n)
    sink.put(chunk, nan_missing)
    return sink


def evaluate_stream(
    engine: Engine,
    rows: Iterable[Any] | str | os.PathLike[str],
    chunk_size: int = 65536,
    *,
    where: str = "<stream>",
    workers: int | None = None,
    once_a_year: bool = False,
    ignore_columns: Iterable[str] = (),
) -> Iterator[TableResult]:
    """Decide ``rows`` chunk by chunk, yielding one :class:`TableResult` per chunk.

    ``rows`` may be the path of a CSV, XLSX or JSON data file: its rows are then read as they
    are decided (see :func:`tierlib.tables.iter_rows`).

    Items may be organizations, :class:`tierlib.tables.Row` objects (located by their
    ``where``), row mappings (cells by column name; located as ``Location(where, i + 1)``) or
    whole tables (a mapping of columns, a DataFrame, an Arrow table), which are split into
    chunks. A mapping is a whole table when every value in it is a list, tuple or array (cells
    are never lists), else a row. Row indices count every row seen so far, so they are global
    across chunks.

    Rows and row mappings give what the per-row path gives — ``Engine.evaluate`` of
    :func:`tierlib.tables.to_organization` of the row: their keys are not renamed (``编号`` is
    an unknown fact there, F111, and the id is then empty, D103), a NaN value is F103, and
    only the rows with an unknown key are F111 errors.

    With ``workers`` above 1 (default: one per CPU, at most 4) chunks are decided in threads
    while the input is still being read: at most ``workers`` chunks are ahead of the one
    yielded, so memory stays flat. Results come in input order and do not depend on it.

    With ``once_a_year``, a decided row for an organization and year that an earlier decided
    row of the stream already had, in this chunk or an earlier one, is a D105 error naming
    that row (see :func:`evaluate_table`; one key per organization and year is kept).

    ``ignore_columns`` leaves columns out of every row and table, as for
    :func:`evaluate_table` (a D107 DataError for an identity column or a declared fact).
    """
    ignore = ignored_columns(ignore_columns, engine.ruleset.facts)
    plan = _plan(engine)
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    if workers is not None and workers < 1:
        raise ValueError("workers must be positive")
    threads = _default_workers() if workers is None else workers
    if isinstance(rows, str | os.PathLike):
        rows = iter_rows(rows, ignore_columns=ignore)
    elif ignore:
        rows = (_without(item, ignore) for item in rows)
    jobs = _stream_jobs(engine, plan, rows, chunk_size, where, ignore)
    sinks = _pipelined(jobs, threads)
    return _results(engine, sinks, FirstRows() if once_a_year else None)


def _results(
    engine: Engine, sinks: Iterator[Sink], first: FirstRows | None
) -> Iterator[TableResult]:
    """Each decided chunk's result, in order, repeats made D105 errors by ``first``."""
    for sink in sinks:
        if first is not None:
            first.check(sink)
        yield TableResult(engine, sink)


Job = Callable[[], Sink]


def _stream_jobs(
    engine: Engine,
    plan: Plan,
    rows: Iterable[Any],
    chunk_size: int,
    where: str,
    ignore: frozenset[str] = frozenset(),
) -> Iterator[Job]:
    """One job per chunk of ``rows``, in input order; a job decides its chunk when called."""
    pending: list[Any] = []
    start = 0

    def flush() -> Job:
        nonlocal start, pending
        batch, pending = pending, []
        first = start
        start += len(batch)
        if isinstance(batch[0], Organization):
            facts = engine.ruleset.facts
            return lambda: _single(engine, plan, org_chunk(first, batch, _nowhere, facts), False)
        locs = [
            b.where if isinstance(b, Row) else Location(where, first + k + 1)
            for k, b in enumerate(batch)
        ]
        cells = [b.cells if isinstance(b, Row) else b for b in batch]
        return lambda: _single(
            engine, plan, rows_chunk(first, cells, lambda i: locs[i - first]), False
        )

    def decide(chunk: Chunk) -> Job:
        return lambda: _single(engine, plan, chunk, True)

    for item in rows:
        table = (
            None
            if isinstance(item, Organization | Row) or not _is_table(item)
            else table_columns(item, ignore)
        )
        if table is not None:
            if pending:
                yield flush()
            first = start
            n = len(next(iter(table.values())))
            start += n
            for chunk in table_chunks(
                table, chunk_size, lambda i: Location(where, i + 1), offset=first
            ):
                yield decide(chunk)
            continue
        if pending and isinstance(item, Organization) != isinstance(pending[0], Organization):
            yield flush()
        pending.append(item)
        if len(pending) >= chunk_size:
            yield flush()
    if pending:
        yield flush()


def _pipelined(jobs: Iterator[Job], workers: int) -> Iterator[Sink]:
    """The results of ``jobs`` in order, up to ``workers`` of them running ahead in threads."""
    if workers <= 1:
        for job in jobs:
            yield job()
        return
    pool = ThreadPoolExecutor(workers)
    ahead: deque[Future[Sink]] = deque()
    try:
        for job in jobs:
            ahead.append(pool.submit(job))
            if len(ahead) > workers:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
    finally:  # also when the caller stops early: drop what has not started, wait for the rest
        pool.shutdown(wait=True, cancel_futures=True)


def _is_table(item: Any) -> bool:
    """Whether a stream item is a whole table: a DataFrame, an Arrow table, or a mapping whose
    every value is a sequence or a pandas Series (a row mapping has scalar cells; one whose
    cells are all lists reads as a table)."""
    if hasattr(item, "to_pydict") or (hasattr(item, "columns") and hasattr(item, "to_dict")):
        return True
    return (
        isinstance(item, Mapping)
        and bool(item)
        and all(isinstance(v, np.ndarray | list | tuple) or is_series(v) for v in item.values())
    )
