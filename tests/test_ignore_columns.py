"""Extra columns of county spreadsheets (备注, 联系人, 电话) left out on request: by
``ignore_columns`` in the library and ``--ignore-column`` on the command line, with the same
answers on the engine path and the columnar path; a column tierlib reads cannot be ignored."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_columnar import _good_village

from tierlib._load import load
from tierlib.cli import run
from tierlib.columnar import TableResult, evaluate_stream, evaluate_table
from tierlib.engine import Engine
from tierlib.errors import DataError, FactError
from tierlib.model import Organization
from tierlib.tables import Row, read_organizations, read_rows, to_organization

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "default.yaml")
EXTRA = {"备注": "新班子", "联系人": "王芳", "电话": "0311-1234567"}


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine(load(RULES)) as eng:
        yield eng


def _rows(n: int = 8) -> list[dict[str, Any]]:
    """``n`` villages (text cells, as read from a file) whose satisfaction differs."""
    return [
        {**_good_village(), "id": f"v{i}", "year": "2024", "satisfaction": f"0.{60 + 5 * i}"}
        for i in range(n)
    ]


def _columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {k: [r.get(k) for r in rows] for k in rows[0]}


def _with_extra(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, **EXTRA} for r in rows]


def _outcome(res: TableResult) -> tuple[list[dict[str, Any]], list[tuple[int, list[str]]]]:
    errors = [(i, [str(p) for p in ps]) for i, ps in res.errors]
    return res.to_records(), errors


def _write_csv(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> Path:
    header = header or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(k, "") for k in header])
    return path


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


class TestLibrary:
    def test_extra_columns_make_every_row_an_f111_error_that_names_the_option(
        self, engine: Engine
    ) -> None:
        """Without the option, each extra column is an unknown fact, and says how to ignore it."""
        res = evaluate_table(engine, _columns(_with_extra(_rows())))
        assert len(res.errors) == 8
        assert not len(res.rows)
        problems = res.errors[0][1]
        assert sorted(p.code for p in problems) == ["F111"] * 3
        assert all("--ignore-column" in (p.suggestion or "") for p in problems)
        assert all("ignore_columns=" in (p.suggestion or "") for p in problems)

    def test_ignored_columns_give_the_results_of_the_table_without_them(
        self, engine: Engine
    ) -> None:
        """Columns, the engine's method, and a stream give what the table without them gives."""
        rows = _rows()
        want = _outcome(evaluate_table(engine, _columns(rows)))
        extra = _columns(_with_extra(rows))
        ignore = ["备注", " 联系人 ", "电话"]
        assert _outcome(evaluate_table(engine, extra, ignore_columns=ignore)) == want
        assert _outcome(engine.evaluate_table(extra, ignore_columns=ignore)) == want
        (part,) = evaluate_stream(engine, [extra], ignore_columns=ignore)
        assert _outcome(part) == want

    def test_dataframes_and_arrow_tables(self, engine: Engine) -> None:
        """A DataFrame's and an Arrow table's ignored columns are left out (Arrow: unread)."""
        pd = pytest.importorskip("pandas")
        pa = pytest.importorskip("pyarrow")
        rows = _rows()
        want = _outcome(evaluate_table(engine, _columns(rows)))
        extra = _columns(_with_extra(rows))
        for table in (pd.DataFrame(extra), pa.table(extra)):
            assert evaluate_table(engine, table).errors
            assert _outcome(evaluate_table(engine, table, ignore_columns=EXTRA)) == want

    def test_one_text_is_one_column_name(self, engine: Engine) -> None:
        """ignore_columns="备注" ignores 备注, not the characters 备 and 注."""
        rows = [{**r, "备注": "x"} for r in _rows()]
        res = evaluate_table(engine, _columns(rows), ignore_columns="备注")
        assert not res.errors

    def test_rows_organizations_and_row_mappings_in_a_stream(self, engine: Engine) -> None:
        """Every kind of stream item loses the ignored cells (an organization: the facts)."""
        rows = _rows(4)
        want = [engine.evaluate(to_organization(Row(_where(i), r))) for i, r in enumerate(rows)]
        extra = _with_extra(rows)
        orgs = [to_organization(Row(_where(i), r)) for i, r in enumerate(extra)]
        items: list[list[Any]] = [
            extra,
            [Row(_where(i), r) for i, r in enumerate(extra)],
            orgs,
        ]
        for stream in items:
            parts = list(evaluate_stream(engine, stream, ignore_columns=EXTRA))
            assert [p.errors for p in parts] == [[]]
            assert [parts[0].decision(i).score for i in range(4)] == [d.score for d in want]
        res = evaluate_table(engine, orgs, ignore_columns=EXTRA)
        assert [res.decision(i).score for i in range(4)] == [d.score for d in want]
        assert isinstance(orgs[0], Organization)
        assert "备注" in orgs[0].facts

    @pytest.mark.parametrize(
        ("names", "why"),
        [
            (["备注", "satisfaction"], "'satisfaction' is a declared fact"),
            (["年度"], "'year' is an identity column"),
            (["id"], "'id' is an identity column"),
        ],
    )
    def test_a_column_that_is_read_cannot_be_ignored(
        self, engine: Engine, names: list[str], why: str, tmp_path: Path
    ) -> None:
        """Ignoring a declared fact or an identity column is a D107 DataError, on every path."""
        path = _write_csv(tmp_path / "d.csv", _rows())
        calls = [
            lambda: evaluate_table(engine, _columns(_rows()), ignore_columns=names),
            lambda: evaluate_table(engine, path, ignore_columns=names),
            lambda: evaluate_stream(engine, path, ignore_columns=names),
            lambda: engine.evaluate_table(_columns(_rows()), ignore_columns=names),
        ]
        for decide in calls:
            with pytest.raises(DataError, match="D107") as info:
                decide()
            assert why in str(info.value)
            assert str(info.value).startswith("ignore_columns: D107: ")

    def test_readers_refuse_identity_columns_only(self, tmp_path: Path) -> None:
        """Without a rule set, read_rows cannot know the facts: it refuses identity columns."""
        path = _write_csv(tmp_path / "d.csv", _rows())
        with pytest.raises(DataError, match="D107"):
            read_rows(path, ignore_columns=["编号"])
        assert "satisfaction" not in read_rows(path, ignore_columns=["satisfaction"])[0].cells


class TestFiles:
    def test_csv_engine_path_and_columnar_path_agree(self, engine: Engine, tmp_path: Path) -> None:
        """A CSV file with extra columns (one of them twice): Engine.evaluate over
        read_organizations and evaluate_table give the decisions of the file without them."""
        rows = _rows()
        header = [*rows[0], "备注", "电话", "备注"]
        path = _write_csv(tmp_path / "extra.csv", _with_extra(rows), header)
        plain = _write_csv(tmp_path / "plain.csv", rows)
        with pytest.raises(DataError, match="appears twice"):
            read_rows(path)
        orgs = list(read_organizations(path, ignore_columns=["备注", "电话"]))
        decisions = [engine.evaluate(_org(org), where) for where, org in orgs]
        want = [engine.evaluate(_org(org), where) for where, org in read_organizations(plain)]
        assert [d.to_json() for d in decisions] == [d.to_json() for d in want]
        res = evaluate_table(engine, path, ignore_columns=["备注", "电话"])
        assert not res.errors
        assert [res.decision(i).to_json() for i in range(len(rows))] == [
            d.to_json() for d in decisions
        ]
        (part,) = evaluate_stream(engine, path, ignore_columns=["备注", "电话"])
        assert part.to_records() == res.to_records()

    def test_json_and_xlsx_files(self, engine: Engine, tmp_path: Path) -> None:
        """A JSON file's extra keys and an XLSX file's extra columns are left out too."""
        openpyxl = pytest.importorskip("openpyxl")
        rows = _with_extra(_rows(3))
        js = tmp_path / "d.json"
        js.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(list(rows[0]))
        for r in rows:
            sheet.append(list(r.values()))
        xlsx = tmp_path / "d.xlsx"
        book.save(xlsx)
        for path in (js, xlsx):
            assert evaluate_table(engine, path).errors  # F111 without the option
            res = evaluate_table(engine, path, ignore_columns=EXTRA)
            assert not res.errors
            assert len(res.rows) == 3
            for _, org in read_organizations(path, ignore_columns=EXTRA):
                assert not isinstance(org, FactError)
                assert not set(EXTRA) & set(org.facts)


def _org(org: Organization | FactError) -> Organization:
    assert isinstance(org, Organization), org
    return org


def _where(i: int) -> Any:
    from tierlib.errors import Location

    return Location("<rows>", i + 1)


class TestCommandLine:
    @pytest.fixture
    def files(self, tmp_path: Path) -> tuple[Path, Path]:
        rows = _rows()
        return (
            _write_csv(tmp_path / "extra.csv", _with_extra(rows)),
            _write_csv(tmp_path / "plain.csv", rows),
        )

    def test_evaluate_with_and_without_the_option(self, files: tuple[Path, Path]) -> None:
        """Without it every row is an F111 error naming the option; with it the output is the
        one of the file without the columns, on the columnar and the per-row path."""
        extra, plain = files
        code, _, err = call("evaluate", "-r", RULES, str(extra))
        assert code == 1
        assert "F111" in err
        assert "--ignore-column 备注" in err
        want = call("evaluate", "-r", RULES, str(plain))
        assert want[0] == 0
        flags = ["--ignore-column", "备注", "--ignore-column", "联系人", "--ignore-column", "电话"]
        assert call("evaluate", "-r", RULES, str(extra), *flags) == want
        assert call("evaluate", "--per-row", "-r", RULES, str(extra), *flags) == want

    def test_every_command_that_reads_data_takes_it(
        self, files: tuple[Path, Path], tmp_path: Path
    ) -> None:
        """summary, compare-years, explain and verify read the data as evaluate does."""
        extra, plain = files
        flags = [f"--ignore-column={name}" for name in EXTRA]
        for argv in (
            ["summary"],
            ["summary", "--per-row"],
            ["explain", "--org", "v3"],
        ):
            assert call(*argv, "-r", RULES, str(extra), *flags) == call(
                *argv, "-r", RULES, str(plain)
            )
        both = _rows() + [{**r, "year": "2023"} for r in _rows()]
        two_extra = _write_csv(tmp_path / "two_extra.csv", _with_extra(both))
        two_plain = _write_csv(tmp_path / "two_plain.csv", both)
        years = ["--from", "2023", "--to", "2024"]
        want = call("compare-years", "-r", RULES, str(two_plain), *years)
        assert want[0] == 0
        assert call("compare-years", "-r", RULES, str(two_extra), *years, *flags) == want
        results = tmp_path / "results.csv"
        assert call("evaluate", "-r", RULES, str(extra), *flags, "-o", str(results))[0] == 0
        code, out, _ = call("verify", "-r", RULES, str(extra), str(results), *flags)
        assert code == 0, out
        code, out, _ = call("verify", "-r", RULES, str(extra), str(results))
        assert code == 1
        assert "V102" in out

    def test_ignoring_a_declared_fact_is_a_usage_error(self, files: tuple[Path, Path]) -> None:
        """A located D107 on stderr, exit 2, before anything is read or decided."""
        extra, _ = files
        code, out, err = call(
            "evaluate", "-r", RULES, str(extra), "--ignore-column", "satisfaction"
        )
        assert (code, out) == (2, "")
        assert err.startswith("--ignore-column: D107: 'satisfaction' is a declared fact")
