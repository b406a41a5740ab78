"""Check a saved result file against its rules and data: ``tierlib verify`` and
:func:`tierlib.verify`.

The data is decided again exactly as ``tierlib evaluate -o`` decides it (:func:`result_records`
makes the records both write and compare), and the saved rows are read back with
:func:`tierlib.tables.iter_rows` (CSV, XLSX or JSON). The two streams are matched on the
``row`` column as they are read: in a file in the order ``evaluate`` wrote, only the data rows
whose result was deleted wait for the end, so neither file is held whole (a JSON file is read
whole by ``iter_rows``).

Every difference is a :class:`~tierlib.errors.Problem` located at the saved row (``V1xx``,
``docs/codes.md``); a result file that cannot be verified at all is a :class:`ResultsError`.
"""

from __future__ import annotations

import io
import itertools
import math
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, cast

from tierlib._filerun import Entry, evaluate_columnar
from tierlib.engine import Engine
from tierlib.errors import DataError, Location, Problem
from tierlib.tables import (
    RESULT_COLUMNS,
    Outcome,
    Row,
    _source,
    error_record,
    ignored_columns,
    iter_rows,
)

RULES = ("ruleset", "ruleset_version", "ruleset_sha256")
_COMPARED = tuple(c for c in RESULT_COLUMNS if c != "row" and c not in RULES)
# Result files written before the ``undetermined`` column (tierlib 0.1.0) listed the decisive
# veto, then the undetermined ones, in ``vetoes``, and did not list the others that applied. A
# row without the column is accepted and its ``vetoes`` compared with what that file would have
# held: its tier, status, decisive and undetermined vetoes are still checked, and calling every
# row with an undetermined veto a difference (V102) would bury real changes under a change of
# format. What the old file never recorded (the vetoes that applied without deciding) is not
# checked. The ``decisive`` column came with it; a file without it is not compared on it.
_SINCE = frozenset({"undetermined", "decisive"})  # columns an older result file may lack
_REQUIRED = tuple(c for c in RESULT_COLUMNS if c not in _SINCE)
_LEGACY_VETOES = "__legacy_vetoes__"  # in a fresh record: ``vetoes`` as an older file held it


class ResultsError(DataError):
    """A result file that cannot be verified at all (it lacks required columns): one located,
    coded problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def result_records(engine: Engine, entries: Iterable[Entry]) -> Iterator[dict[str, Any]]:
    """The result record of each decided or failed row, as ``tierlib evaluate -o`` writes it:
    the row's record and the rule set that decided it (id, version, sha256)."""
    for record in _records(engine, entries):
        del record[_LEGACY_VETOES]
        yield record


def _records(engine: Engine, entries: Iterable[Entry]) -> Iterator[dict[str, Any]]:
    """:func:`result_records`, each also with the ``vetoes`` cell of an older result file
    under ``_LEGACY_VETOES``."""
    scheme = engine.ruleset.scheme
    labels = {t.id: t.label.zh for t in engine.ruleset.tiers}
    rules = dict(zip(RULES, (scheme.id, scheme.version, engine.sha256)))
    for e in entries:
        if isinstance(e, Outcome):
            yield {**e.record(labels), **rules, _LEGACY_VETOES: e.legacy_vetoes()}
        else:
            yield {**error_record(e.where.line, e.problems, e.org_id), **rules, _LEGACY_VETOES: ""}


def verify(
    engine: Engine,
    data: str | os.PathLike[str],
    results: str | os.PathLike[str],
    *,
    progress: IO[str] | None = None,
    ignore_columns: Iterable[str] = (),
) -> Verification:
    """The differences between the result file ``results`` and deciding ``data`` again with
    ``engine``: iterate the returned :class:`Verification` once for them (none: the results
    reproduce). Raises DataError when either file cannot be read. ``ignore_columns``: the
    data's columns left out, as ``evaluate`` left them out (D107 for a declared fact)."""
    return Verification(engine, data, results, progress=progress, ignore_columns=ignore_columns)


class Verification:
    """Iterate once: every difference as a located problem, in the result file's order, then
    the data rows without a result (V103). The counts are complete when the iteration ends.

    The result file is opened (and its first row read) on creation, so an unreadable one is a
    DataError before anything is decided."""

    def __init__(
        self,
        engine: Engine,
        data: str | os.PathLike[str],
        results: str | os.PathLike[str],
        *,
        progress: IO[str] | None = None,
        ignore_columns: Iterable[str] = (),
    ) -> None:
        self.engine = engine
        self.data, self.results = str(data), str(results)
        self.ignore = ignored_columns(ignore_columns, engine.ruleset.facts)
        self.progress = progress if progress is not None else io.StringIO()
        self.data_rows = 0  # decided or failed rows of the data
        self.result_rows = 0  # rows of the result file
        self.matching = 0  # rows alike on both sides
        self.codes: Counter[str] = Counter()  # the problems found, by code
        self._saved = iter_rows(self.results)
        self._head: list[Row] = []  # the rows up to the first that can be read, which names
        for row in self._saved:  # the rule set of the file
            self._head.append(row)
            if _readable(row):
                break
        # a file of no rows is checked against its header (JSON has none), as the first row
        self._header = _header_row(self.results) if not self._head else None
        self._rules = dict(zip(RULES, (engine.ruleset.scheme.id, engine.ruleset.scheme.version)))
        self._rules["ruleset_sha256"] = engine.sha256

    def __iter__(self) -> Iterator[Problem]:
        for problem in self._differences():
            self.codes[problem.code] += 1
            yield problem

    @property
    def ok(self) -> bool:
        """Whether no difference was found (meaningful once iterated)."""
        return not self.codes

    def _differences(self) -> Iterator[Problem]:
        """Saved rows are matched with the data's by row number, in any order: data rows
        passed over (by a deleted result row, or one out of order) wait in ``pending``; in a
        file in the order evaluate wrote, that is only the deleted ones."""
        file_rules: dict[str, str] | None = None
        if self._header is not None:  # no rows: every data row is then missing (V103)
            _require_columns(self._header, self.results)
        if self._head and _readable(first := self._head[-1]):
            _require_columns(first, self.results)
            file_rules = {k: _text(first.cells.get(k)) for k in RULES}
            if file_rules != self._rules:
                yield self._other_rules(first.where, file_rules)
        new = _records(
            self.engine, evaluate_columnar(self.engine, self.data, self.progress, self.ignore)
        )
        fresh = self._next(new)
        pending: dict[int, tuple[dict[str, Any], Location]] = {}  # row: record, where it was due
        compared = _Rows()
        where = Location(self.results, 1)
        for row in itertools.chain(self._head, self._saved):
            self.result_rows += 1
            where = row.where
            key, problem = _key(row)
            if key is None:  # cannot say which data row it is the result of
                yield cast("Problem", problem)
                continue
            while fresh is not None and fresh["row"] < key:
                pending[fresh["row"]] = fresh, where
                fresh = self._next(new)
            if key in pending:
                record = pending.pop(key)[0]
            elif fresh is not None and fresh["row"] == key:
                record, fresh = fresh, self._next(new)
            else:
                yield _unmatched(row, key, again=key in compared)
                continue
            compared.add(key)
            if problem is None:
                problem = _difference(row, record, file_rules)
            if problem is None:
                self.matching += 1
            else:
                yield problem
        for r in sorted(pending):
            yield _missing(pending[r][1], pending[r][0])
        end = Location(where.file, where.line + 1)
        while fresh is not None:
            yield _missing(end, fresh)
            fresh = self._next(new)

    def _next(self, records: Iterator[dict[str, Any]]) -> dict[str, Any] | None:
        record = next(records, None)
        self.data_rows += record is not None
        return record

    def _other_rules(self, where: Location, saved: Mapping[str, str]) -> Problem:
        def name(rules: Mapping[str, str]) -> str:
            return f"{rules['ruleset'] or '(no id)'} {rules['ruleset_version'] or '(no version)'}"

        was, now = saved["ruleset_sha256"] or "(none)", self._rules["ruleset_sha256"]
        same = name(saved) == name(self._rules)
        message = (
            f"the results were made with other rules: sha256 {was}"
            + ("" if same else f" ({name(saved)})")
            + f"; the rules given have sha256 {now}"
            + (
                f" (the same id and version, {name(saved)}: the rule file changed)"
                if same
                else f" ({name(self._rules)})"
            )
        )
        return _problem("V101", where, message)


def _readable(row: Row) -> bool:
    """Whether a row is a record (not an unreadable CSV record or a JSON item that is not an
    object)."""
    return "__unreadable__" not in row.cells and "__invalid__" not in row.cells


def _header_row(results: str) -> Row | None:
    """The header of a CSV or XLSX file as a row of empty cells, located at line 1 (None for
    JSON, which has no header)."""
    source = _source(results)
    if isinstance(source, list):
        return None
    for _ in source.records:  # blank rows at most; reading them to the end closes the file
        pass
    return Row(Location(source.file, 1), dict.fromkeys(source.header, ""))


def _require_columns(first: Row, results: str) -> None:
    """A ResultsError at the header (a JSON file: its first record) for missing columns."""
    absent = [c for c in _REQUIRED if c not in first.cells]
    if absent:
        json = results.lower().endswith(".json")
        where = first.where if json else Location(first.where.file, 1)
        what = "the first record lacks the fields" if json else "the header lacks the columns"
        raise ResultsError(
            _problem("V106", where, f"{what} {', '.join(absent)}: not a tierlib result file?")
        )


def _key(row: Row) -> tuple[int | None, Problem | None]:
    """The data row a saved row is the result of, and why it cannot be compared, if so."""
    cells = row.cells
    if "__unreadable__" in cells:
        why = cells["__unreadable__"]
        return None, _problem("V107", row.where, f"the row cannot be read: {why}")
    if "__invalid__" in cells:
        return None, _problem("V107", row.where, "the record is not an object")
    text = _text(cells.get("row"))
    key = int(text) if text.isascii() and text.isdigit() else None
    if key is None:
        return None, _problem("V107", row.where, f"the row cell {text!r} is not a row number")
    if cells.get("__extra__") is not None:
        extra = len(cells["__extra__"])
        return key, _problem(
            "V107", row.where, f"row {key}: {extra} more cells than header columns"
        )
    absent = [c for c in _REQUIRED if c not in cells]
    if absent:
        return key, _problem("V106", row.where, f"row {key}: lacks the fields {', '.join(absent)}")
    return key, None


def _difference(
    row: Row, fresh: Mapping[str, Any], rules: Mapping[str, str] | None
) -> Problem | None:
    """V102 listing every field of ``row`` other than in ``fresh``, or None."""
    changes = _changes(row.cells, fresh, rules)
    if not changes:
        return None
    return _problem("V102", row.where, f"{_who(fresh)}: " + "; ".join(changes))


def _changes(
    saved: Mapping[str, Any], fresh: Mapping[str, Any], skip_rules: Mapping[str, str] | None
) -> list[str]:
    """``field was X, now Y`` for every field that differs. The rule-set fields are left out
    when they are the file's own, already reported once as V101 if other than the rules'."""
    fields: Iterable[str] = _COMPARED
    if skip_rules is None or any(_text(saved.get(k)) != skip_rules[k] for k in RULES):
        fields = (*_COMPARED, *RULES)
    if "undetermined" not in saved:  # written before the column: vetoes as it was then
        fresh = {**fresh, "vetoes": fresh[_LEGACY_VETOES]}
        fields = [f for f in fields if f not in _SINCE]
    return [
        f"{name} was {_show(was)}, now {_show(now)}"
        for name in fields
        if (was := _text(saved.get(name))) != (now := _text(fresh.get(name)))
    ]


def _who(record: Mapping[str, Any]) -> str:
    return f"row {record['row']} ({_text(record.get('id')) or 'no id'})"


def _unmatched(row: Row, key: int, *, again: bool) -> Problem:
    """V105 for a second result of a data row, V104 for a result of no data row."""
    who = f"row {key} ({_text(row.cells.get('id')) or 'no id'})"
    if again:
        return _problem("V105", row.where, f"{who}: a second result for this data row")
    return _problem("V104", row.where, f"{who}: in the results, not in the data")


def _missing(where: Location, fresh: Mapping[str, Any]) -> Problem:
    return _problem("V103", where, f"{_who(fresh)}: in the data, missing from the results")


class _Rows:
    """A set of row numbers, one bit each: the data rows already compared."""

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, n: int) -> None:
        if n >> 3 >= len(self._bits):
            self._bits.extend(bytes((n >> 3) + 1 - len(self._bits)))
        self._bits[n >> 3] |= 1 << (n & 7)

    def __contains__(self, n: int) -> bool:
        return n >> 3 < len(self._bits) and bool(self._bits[n >> 3] >> (n & 7) & 1)


def _problem(code: str, where: Location, message: str) -> Problem:
    return Problem(code, message, where)


def _text(value: Any) -> str:
    """A cell as text, alike in CSV, XLSX and JSON: empty for None, 2 for an XLSX 2.0."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)


def _show(text: str) -> str:
    if not text:
        return "empty"
    return repr(text) if any(c.isspace() or c in ",;'\"" for c in text) else text
