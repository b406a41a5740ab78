"""Read organizations from CSV, XLSX or JSON files and write results back.

Every data row keeps its 1-based row number (the header is row 1), so a bad row can be named.
Rows become :class:`~tierlib.model.Organization` objects with raw fact values; the engine
checks and types them. Nothing is dropped: a row that cannot become an organization is
returned as a :class:`~tierlib.errors.FactError`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from tierlib.decision import Decision, fmt_fraction
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


def read_rows(path: str | os.PathLike[str]) -> list[Row]:
    """The rows of a CSV (UTF-8, BOM optional), XLSX (first sheet) or JSON (list of objects) file."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx(p)
        data = p.read_bytes()
    except OSError as exc:
        raise DataError(f"{p}: cannot read: {exc.strerror}") from None
    if suffix == ".json":
        return _json(p, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise DataError(f"{p}: neither UTF-8 nor GB18030 text") from None
    return _csv(p, text)


def _header(names: Sequence[Any], where: Location) -> list[str]:
    header = [ALIASES.get(str(n).strip(), str(n).strip()) if n is not None else "" for n in names]
    if "id" not in header:
        raise DataError(f"{where}: the header has no 'id' (编号) column")
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise DataError(f"{where}: column {name!r} appears twice")
        seen.add(name)
    return header


def _csv(p: Path, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        names = next(reader)
    except StopIteration:
        raise DataError(f"{p}: the file is empty") from None
    except csv.Error as exc:
        raise DataError(f"{p}:1: {exc}") from None
    header = _header(names, Location(str(p), 1))
    rows: list[Row] = []
    try:
        for cells in reader:
            where = Location(str(p), reader.line_num)
            if not any(c.strip() for c in cells):
                continue
            rows.append(Row(where, _cells(header, cells)))
    except csv.Error as exc:
        raise DataError(f"{p}:{reader.line_num}: {exc}") from None
    return rows


def _cells(header: Sequence[str], cells: Sequence[Any]) -> dict[str, Any]:
    out = {name: value for name, value in zip(header, cells) if name}
    if len(cells) > len(header):
        out["__extra__"] = list(cells[len(header) :])
    for name in header[len(cells) :]:
        if name:
            out[name] = None
    return out


def _xlsx(p: Path) -> list[Row]:
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
        header = _header(list(names), Location(f"{p}[{sheet.title}]", 1))
        rows = []
        for number, cells in enumerate(it, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rows.append(Row(Location(f"{p}[{sheet.title}]", number), _cells(header, list(cells))))
        return rows
    finally:
        book.close()


def _json(p: Path, data: bytes) -> list[Row]:
    try:
        items = json.loads(data.decode("utf-8-sig"), parse_float=str)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{p}: not valid JSON ({exc})") from None
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
            rows.append(Row(where, cells))
    return rows


def to_organization(row: Row) -> Organization:
    """The organization in ``row``; raises FactError naming the row for unusable identity cells."""
    cells = dict(row.cells)
    problems = []
    if "__invalid__" in cells:
        raise FactError([Problem("D101", "an organization must be an object", row.where)])
    if "__extra__" in cells:
        problems.append(
            Problem(
                "D102", f"{len(cells.pop('__extra__'))} more cells than header columns", row.where
            )
        )
    org_id = _text(cells.pop("id", None))
    if not org_id:
        problems.append(Problem("D103", "the id cell is empty", row.where))
    year_cell = cells.pop("year", None)
    year = None
    if year_cell not in (None, ""):
        try:
            year = int(str(year_cell).strip().rstrip("年"))
        except ValueError:
            problems.append(
                Problem("D104", f"{org_id}: year {year_cell!r} is not a whole number", row.where)
            )
    if problems:
        raise FactError(problems)
    return Organization(
        id=org_id,
        name=_text(cells.pop("name", None)),
        type=_text(cells.pop("type", None)) or "village",
        county=_text(cells.pop("county", None)),
        township=_text(cells.pop("township", None)),
        year=year,
        facts=cells,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_organizations(
    path: str | os.PathLike[str],
) -> Iterator[tuple[Location, Organization | FactError]]:
    """Every row of a data file as an organization, or the FactError that names the row."""
    for row in read_rows(path):
        try:
            yield row.where, to_organization(row)
        except FactError as exc:
            yield row.where, exc


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
    "vetoes",
    "flags",
    "missing",
    "error",
)


def result_record(
    where: Location,
    decision: Decision | None,
    labels: Mapping[str, str],
    error: FactError | None = None,
) -> dict[str, Any]:
    """One output row for a decision or an error."""
    if decision is None:
        assert error is not None
        record: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS, "")
        record.update(
            row=where.line,
            status="error",
            error="; ".join(f"{p.code}: {p.message}" for p in error.problems),
        )
        return record
    return {
        "row": where.line,
        "id": decision.org_id,
        "name": decision.org_name,
        "type": decision.org_type,
        "county": decision.county,
        "township": decision.township,
        "year": decision.year,
        "status": decision.status,
        "tier": decision.tier or "",
        "tier_label": labels.get(decision.tier or "", ""),
        "score": "" if decision.score is None else fmt_fraction(decision.score, exact=True),
        "vetoes": " ".join(v.id for v in decision.vetoes if v.decisive or not v.determined),
        "flags": " ".join(decision.flags),
        "missing": " ".join(sorted({m.fact for m in decision.missing})),
        "error": "",
    }


def write_records(path: str | os.PathLike[str], records: Sequence[Mapping[str, Any]]) -> None:
    """Write result records as CSV (UTF-8 with BOM), XLSX or JSON, by the file's suffix."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        p.write_text(
            json.dumps(list(records), ensure_ascii=False, indent=2, default=str) + "\n",
            encoding="utf-8",
        )
    elif suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "结果"
        sheet.append(list(RESULT_COLUMNS))
        for rec in records:
            sheet.append([rec.get(c, "") for c in RESULT_COLUMNS])
        book.save(p)
    else:
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=RESULT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for rec in records:
                writer.writerow({c: rec.get(c, "") for c in RESULT_COLUMNS})
