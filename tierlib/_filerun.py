"""Decide every row of a data file for the CLI: one by one, or a batch at a time in columns.

Both paths give, in input order, one :class:`~tierlib.tables.Outcome` or one :class:`Failure`
per data row — never fewer. The columnar path reads the rows with
:func:`tierlib._batches.read_tables` and decides each table with
:func:`tierlib.columnar.evaluate_table`; rows a table cannot hold unchanged are decided by the
engine, as on the per-row path, so the two paths print the same bytes.

On both paths a decided row for an organization and year that an earlier decided row already
had is a D105 failure naming that row (:class:`FirstRows`): every organization is counted once
a year.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import IO, Any, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from tierlib._batches import Table, identities, read_tables
from tierlib._facts import is_missing
from tierlib._popbase import Rated
from tierlib._score import inputs_of
from tierlib.columnar import STATUSES, Exact, evaluate_table
from tierlib.decision import Decision, Status
from tierlib.engine import Engine
from tierlib.errors import FactError, Location, Problem
from tierlib.model import RuleSet
from tierlib.tables import (
    IDENTITY,
    Outcome,
    Row,
    _text,
    applied_vetoes,
    count_rows,
    ignored_columns,
    iter_rows,
    to_organization,
)

PROGRESS_MIN_ROWS = 2000
BATCH_ROWS = 32768  # rows read and decided at a time by the columnar path
_STATUSES = cast("tuple[Status, ...]", STATUSES)  # the codes of TableResult.status, typed


class Failure(NamedTuple):
    """A row that could not be evaluated, why, and the organization's id as far as it reads."""

    where: Location
    problems: Sequence[Problem]
    org_id: str = ""


Entry = Outcome | Failure


class FirstRows:
    """Where the first decided row of each organization and year is, and nothing more, so that
    a file can be checked a batch at a time in bounded memory: one short text key and one line
    number per organization and year (rows of another file keep their whole location)."""

    def __init__(self) -> None:
        self._first: dict[str, int | Location] = {}
        self._file: str | None = None

    def check(self, where: Location, decided: Rated) -> Failure | None:
        """None for the first row of ``decided``'s organization and year; for a later one, its
        D105 failure naming the first (the population rules count every organization once a
        year)."""
        key = f"{decided.year}\x1f{decided.org_id}"  # a year never holds \x1f
        first = self._first.get(key)
        if first is None:
            if self._file is None:
                self._file = where.file
            self._first[key] = where.line if where.file == self._file and not where.col else where
            return None
        if isinstance(first, int):
            first = Location(self._file or where.file, first)
        year = "no year" if decided.year is None else str(decided.year)
        message = f"{decided.org_id}: a second row for {year} (the first is {first}); not counted"
        return Failure(where, [Problem("D105", message, where)], decided.org_id)


def evaluate_file(
    engine: Engine, path: str, stderr: IO[str], ignore_columns: Iterable[str] = ()
) -> tuple[list[tuple[Location, Decision]], list[Failure]]:
    """Evaluate every row, in order; a row that fails, or repeats an organization and year
    (D105, :class:`FirstRows`), is kept as a failure with its location. The columns named in
    ``ignore_columns`` are left out; naming a declared fact is a D107 DataError."""
    results: list[tuple[Location, Decision]] = []
    failures: list[Failure] = []
    for item in _decide_rows(engine, path, stderr, ignore_columns):
        if isinstance(item, Failure):
            failures.append(item)
        else:
            results.append(item)
    return results, failures


def _decide_rows(
    engine: Engine, path: str, stderr: IO[str], ignore_columns: Iterable[str] = ()
) -> Iterator[tuple[Location, Decision] | Failure]:
    """Each row's decision with its location, or its failure, in input order, as read."""
    ignore = ignored_columns(ignore_columns, engine.ruleset.facts)
    first = FirstRows()
    with _progress(count_rows(path) if _on_terminal(stderr) else 0, stderr) as advance:
        for row in iter_rows(path, ignore_columns=ignore):
            advance()
            where = row.where
            try:
                decision = engine.evaluate(to_organization(row), where)
            except FactError as exc:
                yield Failure(where, exc.problems, _text(row.cells.get("id")))
                continue
            again = first.check(where, decision)
            yield (where, decision) if again is None else again


@contextlib.contextmanager
def _progress(total: int, stderr: IO[str]) -> Iterator[Callable[..., None]]:
    """A rich progress bar on stderr for large inputs on a terminal; a no-op otherwise."""
    if total < PROGRESS_MIN_ROWS or not _on_terminal(stderr):
        yield lambda rows=1: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=stderr), transient=True) as bar:
        task = bar.add_task("evaluating", total=total)
        yield lambda rows=1: bar.advance(task, rows)


def _on_terminal(stream: IO[str]) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file is decided: that makes millions of
    short-lived containers but no reference cycles, and the collector's full passes over them
    took about a third of the run on 500k rows (reference counting still frees everything)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def evaluate_per_row(
    engine: Engine, path: str, stderr: IO[str], ignore_columns: Iterable[str] = ()
) -> Iterator[Entry]:
    """Every row in input order, each decided by ``Engine.evaluate`` (the reference path),
    yielded as it is read (without the columns named in ``ignore_columns``)."""
    for item in _decide_rows(engine, path, stderr, ignore_columns):
        yield item if isinstance(item, Failure) else Outcome.of(item[0].line, item[1])


def evaluate_columnar(
    engine: Engine, path: str, stderr: IO[str], ignore_columns: Iterable[str] = ()
) -> Iterator[Entry]:
    """Every row in input order, decided by :func:`tierlib.columnar.evaluate_table` a batch at a
    time; rows that cannot be table rows are decided one by one as on the per-row path. A
    repeated organization and year is a D105 failure (:class:`FirstRows`), across batches too.
    Yields a batch's rows as soon as it is decided, so a caller that does not keep them needs
    memory for one batch only. The columns named in ``ignore_columns`` are left out; naming a
    declared fact is a D107 DataError."""
    ignore = ignored_columns(ignore_columns, engine.ruleset.facts)
    view = _View(engine.ruleset)
    total = count_rows(path) if _on_terminal(stderr) else 0
    first = FirstRows()
    with _progress(total, stderr) as advance:
        for batch in read_tables(path, BATCH_ROWS, ignore_columns=ignore):
            part: list[tuple[Location, Entry] | None] = [None] * batch.n
            for i, row in batch.odd:
                part[i - batch.start] = row.where, _evaluate_row(engine, row)
            for table in batch.tables:
                for i, where, entry in _evaluate_table(engine, view, table):
                    part[i - batch.start] = where, entry
            decided = [e for e in part if e is not None]
            if len(decided) != batch.n:  # every row must come out as a result or an error
                raise AssertionError(f"{path}: {batch.n - len(decided)} rows left undecided")
            for where, entry in decided:
                again = None if isinstance(entry, Failure) else first.check(where, entry)
                yield entry if again is None else again
            advance(batch.n)


def _evaluate_row(engine: Engine, row: Row) -> Entry:
    try:
        return Outcome.of(row.where.line, engine.evaluate(to_organization(row), row.where))
    except FactError as exc:
        return Failure(row.where, exc.problems, _text(row.cells.get("id")))


class _View:
    """What the CLI reads from a TableResult, derived once from the rule set."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.vetoes = [v.id for v in ruleset.vetoes]
        self.overriding = [v.id for v in ruleset.vetoes if v.effect in ("force", "unrated")]
        self.flags = [f.id for f in ruleset.flags]
        self.inputs = {ind.id: tuple(inputs_of(ind)) for ind in ruleset.indicators}


def _evaluate_table(
    engine: Engine, view: _View, table: Table
) -> Iterator[tuple[int, Location, Entry]]:
    """``(position, location, outcome or failure)`` of every row of ``table``.

    Everything but the missing facts is read from the columns. A row's missing facts are, as
    in the engine, the inputs of its indicators with missing data that are absent or empty,
    or, for an indicator without such an input, its conditions undetermined by a zero divisor
    (``TableResult.zero_divisor``). Should neither tell, the row's decision is materialized
    with ``TableResult.decision`` and read instead.
    """
    res = evaluate_table(engine, table.columns, where=table.where)
    names = identities(table.columns)
    for i, problems in res.errors:
        yield table.index[i], table.where[i], Failure(table.where[i], problems, names[i][0])
    rows: list[int] = res.rows.tolist()
    tiers = [*res.tiers, None]
    status, tier = res.status.tolist(), res.tier.tolist()
    n_vetoes = len(view.vetoes)
    vetoes = _patterns(  # as Outcome.of: the decisive one first, then the others applied
        [res.decisive[v] for v in view.vetoes] + [res.vetoes[v] for v in view.vetoes],
        len(rows),
        lambda bits: applied_vetoes(
            (v for v, b in zip(view.vetoes, bits[n_vetoes:]) if b),
            (v for v, b in zip(view.vetoes, bits) if b),
        ),
    )
    undetermined = _patterns(
        [res.undetermined[v] for v in view.vetoes],
        len(rows),
        lambda bits: tuple(v for v, b in zip(view.vetoes, bits) if b),
    )
    flags = _patterns(
        [res.flags[f] for f in view.flags],
        len(rows),
        lambda bits: tuple(f for f, b in zip(view.flags, bits) if b),
    )
    gaps = _patterns(
        list(res.missing.values()),
        len(rows),
        lambda bits: tuple(i for i, b in zip(res.missing, bits) if b),
    )
    divided = {r: m for r, m in res.zero_divisor.items() if m.any()}
    zeros = _patterns(
        list(divided.values()),
        len(rows),
        lambda bits: tuple(r for r, b in zip(divided, bits) if b),
    )
    scores = _fractions(res.score)
    vetoed = np.zeros(len(rows), dtype=np.bool_)
    for v in view.overriding:  # Decision.vetoed: a decisive force / unrated veto
        vetoed |= res.decisive[v]
    vetoed_rows: list[bool] = vetoed.tolist()
    decided = np.zeros(len(rows), dtype=np.bool_)
    for v in view.vetoes:
        decided |= res.decisive[v]
    decided_rows: list[bool] = decided.tolist()
    for k, i in enumerate(rows):
        missing = _missing_facts(view, table.columns, i, gaps[k], zeros[k])
        if missing is None:
            yield table.index[i], table.where[i], Outcome.of(table.where[i].line, res.decision(i))
            continue
        org_id, name, org_type, county, township, year = names[i]
        yield (
            table.index[i],
            table.where[i],
            Outcome(
                table.where[i].line,
                org_id,
                name,
                org_type,
                county,
                township,
                year,
                _STATUSES[status[k]],
                tiers[tier[k]],
                scores[k],
                vetoes[k],
                decided_rows[k],
                undetermined[k],
                vetoed_rows[k],
                flags[k],
                missing,
            ),
        )


def _patterns(
    masks: Sequence[NDArray[np.bool_]], n: int, read: Callable[[list[bool]], tuple[str, ...]]
) -> list[tuple[str, ...]]:
    """``read`` of each row's bits across ``masks``, computed once per distinct pattern."""
    if not masks or not n:
        return [()] * n
    packed = np.packbits(np.stack(masks, axis=1), axis=1)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(n)
    distinct, codes = np.unique(keys, return_inverse=True)
    bits = np.unpackbits(distinct.view(np.uint8).reshape(len(distinct), -1), axis=1)
    texts = [read(p) for p in bits[:, : len(masks)].astype(bool).tolist()]
    return [texts[c] for c in codes.reshape(n).tolist()]


def _fractions(column: Exact) -> list[Fraction | None]:
    """The values of an exact column, one Fraction per distinct value."""
    once: dict[tuple[int, int], Fraction | None] = {}
    out = []
    for num, den in zip(column.num.tolist(), column.den.tolist()):
        if (num, den) not in once:
            once[num, den] = None if den == 0 else Fraction(num, den)
        out.append(once[num, den])
    return out


def _missing_facts(
    view: _View,
    columns: Mapping[str, NDArray[Any]],
    i: int,
    indicators: Sequence[str],
    divided: Sequence[str],
) -> tuple[str, ...] | None:
    """The facts (or, for an indicator with every input present, the conditions divided by
    zero: ``divided``) the engine lists as missing for row ``i``; None: only its decision can
    tell."""
    found: set[str] = set()
    for ind in indicators:
        absent = [f for f in view.inputs[ind] if _absent(columns, f, i)]
        if not absent:
            absent = [r for r in divided if r.partition("/")[0] == ind]
            if not absent:
                return None
        found.update(absent)
    return tuple(sorted(found))


def _absent(columns: Mapping[str, NDArray[Any]], fact: str, i: int) -> bool:
    col = columns.get(fact)
    return fact in IDENTITY or col is None or is_missing(col[i])
