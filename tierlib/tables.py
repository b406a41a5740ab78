"""Read organizations from CSV, XLSX or JSON files and write results back.

Every data row keeps the 1-based line it starts on (the header is line 1), so a bad row can be
named.
Rows become :class:`~tierlib.model.Organization` objects with raw fact values; the engine
checks and types them. Nothing is dropped: a row that cannot become an organization is
returned as a :class:`~tierlib.errors.FactError`. :mod:`tierlib._batches` gives the same rows
as columns, a batch at a time, for :mod:`tierlib.columnar`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import math
import numbers
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import attrs

from tierlib._facts import is_na, is_numpy_float, too_many_digits, unwritable
from tierlib.decision import Decision, Status, fmt_fraction
from tierlib.errors import DataError, FactError, Location, Problem
from tierlib.model import Organization

IDENTITY = ("id", "name", "type", "county", "township", "year")
ALIASES = {
    "编号": "id",
    "名称": "name",
    "组织名称": "name",
    "类型": "type",
    "县": "county",
    "县区": "county",
    "乡镇": "township",
    "乡镇街道": "township",
    "年度": "year",
    "年份": "year",
}


@attrs.frozen
class Row:
    """One data row: where it is, and its cells by column name."""

    where: Location
    cells: Mapping[str, Any]


def read_rows(path: str | os.PathLike[str], *, ignore_columns: Iterable[str] = ()) -> list[Row]:
    """The rows of a CSV (UTF-8, BOM optional), XLSX (first sheet) or JSON (list of objects)
    file; the columns named in ``ignore_columns`` are left out (see :func:`ignored_columns`)."""
    return list(iter_rows(path, ignore_columns=ignore_columns))


def iter_rows(path: str | os.PathLike[str], *, ignore_columns: Iterable[str] = ()) -> Iterator[Row]:
    """The rows of :func:`read_rows`, one at a time: a CSV or XLSX file is read as the rows are
    taken (a JSON file is read whole). Raises DataError for a file it cannot read."""
    source = _source(path, ignored_columns(ignore_columns))
    if isinstance(source, list):
        return iter(source)
    file, header = source.file, source.header
    return (Row(Location(file, line), _cells(header, cells)) for line, cells in source.records)


def column_name(name: Any) -> str:
    """A column's name as tables read it: stripped, a Chinese identity header in English."""
    text = str(name).strip()
    return ALIASES.get(text, text)


def ignored_columns(
    names: Iterable[str], facts: Iterable[str] = (), where: str = "ignore_columns"
) -> frozenset[str]:
    """The columns to leave out of a table (extra columns such as 备注, 联系人, 电话, which would
    otherwise be unknown facts, F111), by :func:`column_name`; one text is one name.

    Naming an identity column (id, name, type, county, township, year, or its Chinese header)
    or one of ``facts`` (the rule set's declared facts) is a D107 DataError located at
    ``where``: the organizations would silently lose its values."""
    wanted = frozenset(map(column_name, (names,) if isinstance(names, str) else names))
    declared = frozenset(facts)
    problems = [
        Problem(
            "D107",
            f"{name!r} is {'an identity column' if name in IDENTITY else 'a declared fact'}"
            " and cannot be ignored: its values would be lost",
            Location(where),
            "only columns the scheme does not declare can be ignored",
        )
        for name in sorted(wanted)
        if name in IDENTITY or name in declared
    ]
    if problems:
        raise DataError("\n".join(map(str, problems)))
    return wanted


class Unreadable(NamedTuple):
    """A CSV record that cannot be read as a row (a cell over the csv module's field limit,
    or a stray quote that swallowed the lines after it), in place of its cells: the record
    becomes its own D106 error and reading goes on with the next line."""

    reason: str


class _Records(NamedTuple):
    """A CSV or XLSX file: its name for locations, its header, and the line and cells of each
    non-blank row, read lazily (``text``: every cell is a str)."""

    file: str
    header: list[str]
    records: Iterator[tuple[int, list[Any] | Unreadable]]
    text: bool


def _source(
    path: str | os.PathLike[str], ignore: frozenset[str] = frozenset()
) -> list[Row] | _Records:
    """A JSON file's rows, or a CSV or XLSX file's records (a CSV file is read as they are);
    the columns in ``ignore`` (by :func:`column_name`) are left out."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx(p, ignore)
        if suffix == ".json":
            return _json(p, p.read_bytes(), ignore)
        encoding = next((e for e in ("utf-8-sig", "gb18030") if _decodes(p, e)), None)
        if encoding is None:
            raise DataError(f"{p}: neither UTF-8 nor GB18030 text")
        return _csv(p, encoding, ignore)
    except OSError as exc:
        raise DataError(f"{p}: cannot read: {exc.strerror}") from None


def _decodes(p: Path, encoding: str) -> bool:
    """Whether the file is text in ``encoding``; read and checked a megabyte at a time, so
    that neither the file nor its text is ever held whole."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with p.open("rb") as fh:
            while block := fh.read(1 << 20):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _header(
    names: Sequence[Any], where: Location, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """Column names as read (``""``: no column, also for an ignored one, which may repeat)."""
    header = [column_name(n) if n is not None else "" for n in names]
    header = [n if n not in ignore else "" for n in header]
    if "id" not in header:
        raise DataError(f"{where}: the header has no 'id' (编号) column")
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise DataError(f"{where}: column {name!r} appears twice")
        seen.add(name)
    return header


def _csv(p: Path, encoding: str, ignore: frozenset[str]) -> _Records:
    """A CSV file's header, read now, and its records, read from the file as they are taken
    (the file is opened again for them, and closed when they end)."""
    with p.open(encoding=encoding, newline="") as text:
        reader = csv.reader(text)
        try:
            names = next(reader)
        except StopIteration:
            raise DataError(f"{p}: the file is empty") from None
        except csv.Error as exc:
            raise DataError(f"{p}:1: {exc}") from None
    header = _header(names, Location(str(p), 1), ignore)

    def records() -> Iterator[tuple[int, list[Any] | Unreadable]]:
        try:
            with p.open(encoding=encoding, newline="") as text:
                reader = csv.reader(text)
                next(reader, None)  # the header, read above
                end = reader.line_num
                while True:
                    start = end + 1
                    try:
                        cells = next(reader)
                    except StopIteration:
                        return
                    except csv.Error as exc:
                        # the reader starts afresh on the next line: this record is its own
                        # error, and the rows after it are still read
                        yield start, Unreadable(_why(exc))
                        continue
                    finally:
                        end = reader.line_num
                    if end > start and _swallows(cells, len(header)):
                        yield start, Unreadable(_swallowed(start, end))
                    elif "".join(cells).strip():  # some cell is not blank
                        yield start, cells
        except OSError as exc:
            raise DataError(f"{p}: cannot read: {exc.strerror}") from None

    return _Records(str(p), header, records(), text=True)


def _why(exc: csv.Error) -> str:
    """What the csv module found, in plain words for the one error a well-formed file can
    still give (a cell over the module's field limit)."""
    if "field limit" in str(exc):
        return (
            f"a cell is longer than the {csv.field_size_limit():,} characters a CSV cell may have"
        )
    return str(exc)  # pragma: no cover - the default dialect raises only the field limit here


def _swallows(cells: list[str], width: int) -> bool:
    """Whether a record over several lines holds, inside a quoted cell, a line that looks like
    a row of its own (as many commas as the header): a quote without its pair swallows the
    rows after it into one cell."""
    return width > 2 and any(
        line.count(",") >= width - 1
        for cell in cells
        if "\n" in cell
        for line in cell.splitlines()[1:]
    )


def _swallowed(start: int, end: int) -> str:
    return (
        f"a quoted cell runs from line {start} to line {end} and holds what look like rows;"
        f' is a quote (") at line {start} missing its pair? The lines in it are not read as rows'
    )


def _cells(header: Sequence[str], cells: Sequence[Any] | Unreadable) -> dict[str, Any]:
    if isinstance(cells, Unreadable):
        return {"__unreadable__": cells.reason}
    out = {name: value for name, value in zip(header, cells) if name}
    if len(cells) > len(header):
        out["__extra__"] = list(cells[len(header) :])
    for name in header[len(cells) :]:
        if name:
            out[name] = None
    return out


def _xlsx(p: Path, ignore: frozenset[str]) -> _Records:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise DataError("reading .xlsx needs openpyxl") from None
    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DataError(f"{p}: not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        names = next(it, None)
        if names is None:
            raise DataError(f"{p}: the first sheet is empty")
        file = f"{p}[{sheet.title}]"
        header = _header(list(names), Location(file, 1), ignore)
    except BaseException:
        book.close()
        raise

    def records() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(it, start=2):
                if not all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    yield number, list(cells)
        finally:
            book.close()

    return _Records(file, header, records(), text=False)


def _json(p: Path, data: bytes, ignore: frozenset[str]) -> list[Row]:
    try:
        # numbers stay text, as in a CSV file: exact, and a 5,000-digit integer is a bad cell
        # of its row rather than Python's int-digit limit failing the whole file
        items = json.loads(data.decode("utf-8-sig"), parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:  # located where the text stops being JSON
        raise DataError(f"{p}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise DataError(f"{p}: not valid JSON here: arrays or objects nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{p}: not valid JSON: not UTF-8 text ({exc.reason})") from None
    if isinstance(items, Mapping) and "organizations" in items:
        items = items["organizations"]
    if not isinstance(items, list):
        raise DataError(f"{p}: expected a list of organizations")
    rows = []
    for k, item in enumerate(items):
        where = Location(str(p), k + 1)
        if not isinstance(item, Mapping):
            rows.append(Row(where, {"__invalid__": item}))
        else:
            cells = dict(item.get("facts", {}) if isinstance(item.get("facts"), Mapping) else {})
            cells.update({k2: v for k2, v in item.items() if k2 != "facts"})
            if ignore:
                cells = {k2: v for k2, v in cells.items() if column_name(k2) not in ignore}
            rows.append(Row(where, cells))
    return rows


def to_organization(row: Row) -> Organization:
    """The organization in ``row``; raises FactError naming the row for unusable identity cells."""
    cells = dict(row.cells)
    problems = []
    # as columns of a table, these markers are None in the rows that do not carry them
    if cells.pop("__invalid__", None) is not None:
        raise FactError([Problem("D101", "an organization must be an object", row.where)])
    unreadable = cells.pop("__unreadable__", None)
    if unreadable is not None:
        raise FactError([Problem("D106", f"the row cannot be read: {unreadable}", row.where)])
    extra = cells.pop("__extra__", None)
    if extra is not None:
        problems.append(Problem("D102", f"{len(extra)} more cells than header columns", row.where))
    id_cell = cells.pop("id", None)
    org_id = ""
    if unwritable(id_cell):
        problems.append(Problem("D103", f"the id cell is {too_many_digits()}", row.where))
    else:
        org_id = _text(id_cell)
        if not org_id:
            problems.append(Problem("D103", "the id cell is empty", row.where))
    year_cell = cells.pop("year", None)
    year = None
    if unwritable(year_cell):
        problems.append(
            Problem("D104", f"{org_id}: year: {too_many_digits()} is not a year", row.where)
        )
    else:
        try:
            year = _year(year_cell)
        except ValueError:
            problems.append(
                Problem("D104", f"{org_id}: year {year_cell!r} is not a whole number", row.where)
            )
    texts: dict[str, str] = {}
    for field in ("name", "type", "county", "township"):
        cell = cells.pop(field, None)
        if unwritable(cell):  # as Organization refuses it (TypeError)
            message = f"{org_id}: {field}: {too_many_digits()} is not text"
            problems.append(Problem("F103", message, row.where))
        else:
            texts[field] = _text(cell)
    if problems:
        raise FactError(problems)
    return Organization(
        id=org_id,
        name=texts["name"],
        type=texts["type"] or "village",
        county=texts["county"],
        township=texts["township"],
        year=year,
        facts=cells,
    )


def _text(value: Any) -> str:
    """A cell as identity text (stripped; ``2024.0`` is ``"2024"``). Raises ValueError for an
    integer with more digits than Python writes as text (:func:`tierlib._facts.unwritable`)."""
    if value is None or is_na(value):
        return ""
    if (isinstance(value, float) or is_numpy_float(value)) and _whole(value):
        value = int(value)  # 2024.0 is "2024"
    return str(value).strip()


def _year(cell: Any) -> int | None:
    """The year in a year cell, None for an empty one; raises ValueError for anything else.

    A number is a year when it is whole (2024, 2024.0, numpy's too: a year column of pandas
    with one empty cell holds floats); text when it reads as a whole number ("2024年")."""
    if cell is None or is_na(cell) or (isinstance(cell, str) and not cell):
        return None
    if isinstance(cell, bool):
        raise ValueError("a boolean is not a year")
    if unwritable(cell):
        raise ValueError(f"{too_many_digits()} is not a year")
    if isinstance(cell, numbers.Integral):
        try:
            return int(cell)
        except TypeError:  # numpy's timedelta64 is an integer type
            raise ValueError(f"{cell!r} is not a year") from None
    if isinstance(cell, numbers.Real | Decimal):
        if not _whole(cell):
            raise ValueError(f"{cell} is not a whole number")
        return int(cell)  # type: ignore[arg-type]
    return int(str(cell).strip().rstrip("年"))


def _whole(x: Any) -> bool:
    """Whether a number is finite and whole (False for one no float can hold)."""
    try:
        return math.isfinite(x) and x == int(x)
    except (ArithmeticError, ValueError):  # too large for a float, a signalling NaN
        return False


def read_organizations(
    path: str | os.PathLike[str], *, ignore_columns: Iterable[str] = ()
) -> Iterator[tuple[Location, Organization | FactError]]:
    """Every row of a data file as an organization, or the FactError that names the row;
    ``ignore_columns`` as for :func:`read_rows` (without a rule set, only identity columns
    are refused there: ``Engine`` and ``tierlib.evaluate_table`` refuse declared facts too)."""
    for row in iter_rows(path, ignore_columns=ignore_columns):
        try:
            yield row.where, to_organization(row)
        except FactError as exc:
            yield row.where, exc


def count_rows(path: str | os.PathLike[str]) -> int:
    """How many rows :func:`read_rows` gives for ``path``, without making them."""
    source = _source(path)
    return len(source) if isinstance(source, list) else sum(1 for _ in source.records)


RESULT_COLUMNS = (
    "row",
    "id",
    "name",
    "type",
    "county",
    "township",
    "year",
    "status",
    "tier",
    "tier_label",
    "score",
    "decisive",
    "vetoes",
    "undetermined",
    "flags",
    "missing",
    "error",
    # which rules decided the row: the same rule file and data give the same file, byte for byte
    "ruleset",
    "ruleset_version",
    "ruleset_sha256",
)


class Outcome(NamedTuple):
    """One decided row: what its result record shows (its decision without the trace), and
    ``vetoed``, so that it is a :class:`~tierlib.population.Rated` for the population
    functions."""

    row: int
    org_id: str
    org_name: str
    org_type: str
    county: str
    township: str
    year: int | None
    status: Status
    tier: str | None
    score: Fraction | None
    # the vetoes, caps and requirements that applied: the decisive one first, then the others
    # (outweighed, or of no effect) in rule-file order
    vetoes: tuple[str, ...]
    decisive: bool  # whether vetoes[0] decided the tier (a veto that won, or the cap or
    # requirement that set the tier)
    undetermined: tuple[str, ...]  # vetoes not decided for want of data, in rule-file order:
    # those of a pending row, or of a rated row where no outcome of them changes the tier
    vetoed: bool  # a force / unrated veto decided the outcome (Decision.vetoed)
    flags: tuple[str, ...]
    missing: tuple[str, ...]  # the missing facts, sorted

    @classmethod
    def of(cls, row: int, decision: Decision) -> Outcome:
        d = decision
        return cls(
            row,
            d.org_id,
            d.org_name,
            d.org_type,
            d.county,
            d.township,
            d.year,
            d.status,
            d.tier,
            d.score,
            applied_vetoes(
                [v.id for v in d.vetoes if v.determined], [v.id for v in d.vetoes if v.decisive]
            ),
            any(v.decisive for v in d.vetoes),
            tuple(v.id for v in d.vetoes if not v.determined),
            d.vetoed,
            d.flags,
            tuple(sorted({m.fact for m in d.missing})),
        )

    def record(self, labels: Mapping[str, str]) -> dict[str, Any]:
        """The output record, with tier labels from ``labels``."""
        return {
            "row": self.row,
            "id": self.org_id,
            "name": self.org_name,
            "type": self.org_type,
            "county": self.county,
            "township": self.township,
            "year": self.year,
            "status": self.status,
            "tier": self.tier or "",
            "tier_label": labels.get(self.tier or "", ""),
            "score": "" if self.score is None else fmt_fraction(self.score, exact=True),
            "decisive": self.vetoes[0] if self.decisive else "",
            "vetoes": " ".join(self.vetoes),
            "undetermined": " ".join(self.undetermined),
            "flags": " ".join(self.flags),
            "missing": " ".join(self.missing),
            "error": "",
        }

    def legacy_vetoes(self) -> str:
        """The ``vetoes`` cell as result files without an ``undetermined`` column held it: the
        decisive veto, then the undetermined ones (the others that applied were not listed)."""
        return " ".join((*self.vetoes[: int(self.decisive)], *self.undetermined))


def applied_vetoes(applied: Iterable[str], decisive: Iterable[str]) -> tuple[str, ...]:
    """The ``vetoes`` of a result: of the ``applied`` ids (in rule-file order), the
    ``decisive`` ones first, then the others."""
    first = tuple(decisive)
    return (*first, *(v for v in applied if v not in first))


def error_record(row: int, problems: Iterable[Problem], org_id: str = "") -> dict[str, Any]:
    """The output record of a row that could not be evaluated (with its id, if it has one)."""
    record: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS, "")
    record.update(
        row=row,
        id=org_id,
        status="error",
        error="; ".join(f"{p.code}: {p.message}" for p in problems),
    )
    return record


def write_records(path: str | os.PathLike[str], records: Iterable[Mapping[str, Any]]) -> None:
    """Write result records as CSV (UTF-8 with BOM), XLSX or JSON, by the file's suffix.

    Records are written as they come, into a temporary file beside ``path`` that replaces it
    only once every record is written: should ``records`` fail half way (an unreadable row in
    the input), no partial result file is left and an earlier file at ``path`` is kept. Raises
    DataError when the file cannot be written."""
    p = Path(path)
    name = p.with_name(f".{p.name}.{uuid.uuid4().hex}.part")  # opened as usual: umask applies
    try:
        _write(name, p.suffix.lower(), records)
        os.replace(name, p)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(name)
        if isinstance(exc, OSError):  # the readers report their own as DataError
            raise DataError(f"{p}: cannot write: {exc.strerror or exc}") from None
        raise


def _write(p: Path, suffix: str, records: Iterable[Mapping[str, Any]]) -> None:
    if suffix == ".json":  # streamed; the same bytes as json.dumps(list(records), indent=2)
        with p.open("w", encoding="utf-8") as fh:
            first = True
            for rec in records:
                text = json.dumps(rec, ensure_ascii=False, indent=2, default=str)
                fh.write(("[\n  " if first else ",\n  ") + text.replace("\n", "\n  "))
                first = False
            fh.write("[]\n" if first else "\n]\n")
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)  # rows go to disk as they come
        sheet = book.create_sheet("结果")
        sheet.append(list(RESULT_COLUMNS))
        for rec in records:
            sheet.append([rec.get(c, "") for c in RESULT_COLUMNS])
        book.save(p)
    else:
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(RESULT_COLUMNS)
            writer.writerows([rec.get(c, "") for c in RESULT_COLUMNS] for rec in records)
