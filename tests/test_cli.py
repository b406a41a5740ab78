"""The command line, run in-process: every subcommand and every exit code."""

from __future__ import annotations

import csv
import gc
import io
import json
import math
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import data_file_rows

import tierlib
import tierlib._filerun
import tierlib._yaml
import tierlib.cli
import tierlib.columnar
import tierlib.tables
from tierlib import load
from tierlib.cli import run
from tierlib.tables import write_records

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = "rules/default.yaml"
COUNTY = "examples/county.csv"
BROKEN = "examples/county_with_errors.csv"
INVALID = sorted(Path("tests/data/invalid").glob("*.yaml"))


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


class TestCheck:
    def test_valid_rule_files_exit_0(self):
        """check on the shipped rule files reports ok for each and exits 0."""
        code, out, _ = call(
            "check", DEFAULT, "rules/central-2012.yaml", "rules/county-overlay.yaml"
        )
        assert code == 0
        assert out.count(": ok") == 3

    @pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
    def test_every_invalid_file_prints_located_errors_and_exits_2(self, path, monkeypatch):
        """Each broken rule file gives its expected file:line:col: code lines and exit code 2."""
        if "oversized" in path.name:  # a tiny stand-in: the size limit is lowered for it
            monkeypatch.setattr(tierlib._yaml, "MAX_BYTES", 64)
        code, out, _ = call("check", str(path))
        assert code == 2
        printed = [
            line.split(": ")[0] + ": " + line.split(": ")[1] for line in out.strip().splitlines()
        ]
        expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
        assert printed == expected

    def test_all_problems_of_a_file_are_printed_at_once(self, tmp_path):
        """Three edits, four problems (a dimension max also breaks the total): all printed."""
        text = Path(DEFAULT).read_text(encoding="utf-8")
        text = (
            text.replace("max: 15}", "max: 16}", 1)
            .replace("以上: 90}", "以上: 70}")
            .replace("when: not has_venue", "when: not has_venu")
        )
        path = tmp_path / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        code, out, _ = call("check", str(path))
        assert code == 2
        codes = [line.split(": ")[1] for line in out.strip().splitlines()]
        assert sorted(codes) == ["E120", "E121", "E122", "E310"]
        assert "did you mean 'has_venue'?" in out


class TestEvaluate:
    def test_the_example_county_prints_its_tier_distribution(self):
        """evaluate prints every organization and the count and share per tier; exit 0."""
        code, out, err = call("evaluate", "--rules", DEFAULT, COUNTY)
        assert code == 0, err
        assert "2024 年分布 / distribution" in out
        assert "一类 Class 1" in out
        assert "647 rows: 647 evaluated, 0 with errors" in out

    def test_bad_rows_are_reported_with_row_numbers_and_the_run_completes(self):
        """4 broken rows of 12: each named by row on stderr, the other 8 evaluated, exit 1."""
        code, out, err = call("evaluate", "--rules", DEFAULT, BROKEN, "-q")
        assert code == 1
        assert "12 rows: 8 evaluated, 4 with errors" in out
        assert f"{BROKEN}:4: F103: AP-03-018: income_per_capita" in err
        assert err.count(BROKEN) == 4

    @pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
    def test_output_files_hold_every_row_with_chinese_intact(self, tmp_path, suffix):
        """-o writes one record per input row (results and errors), Chinese readable back."""
        out_path = tmp_path / f"out{suffix}"
        code, _, _ = call("evaluate", "--rules", DEFAULT, BROKEN, "-o", str(out_path))
        assert code == 1
        if suffix == ".csv":
            rows = list(csv.DictReader(out_path.open(encoding="utf-8-sig")))
        elif suffix == ".json":
            rows = json.loads(out_path.read_text(encoding="utf-8"))
        else:
            import openpyxl

            sheet = openpyxl.load_workbook(out_path).active
            header, *body = list(sheet.iter_rows(values_only=True))
            rows = [dict(zip(header, r)) for r in body]
        assert len(rows) == 12
        assert sum(r["status"] == "error" for r in rows) == 4
        assert any("村" in str(r["name"]) for r in rows)

    @settings(max_examples=60)
    @given(
        records=st.lists(
            st.dictionaries(
                st.text(max_size=4),
                st.recursive(
                    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
                    lambda inner: (
                        st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=3), inner, max_size=3)
                    ),
                    max_leaves=6,
                ),
                max_size=4,
            ),
            max_size=4,
        )
    )
    def test_streamed_json_output_is_the_json_of_the_whole_list(self, records):
        """write_records streams .json record by record: the bytes of json.dumps of the list."""
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "out.json"
            write_records(path, iter(records))
            want = json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n"
            assert path.read_text(encoding="utf-8") == want

    def test_xlsx_output_is_one_sheet_named_results(self, tmp_path):
        import openpyxl

        out_path = tmp_path / "out.xlsx"
        call("evaluate", "--rules", DEFAULT, BROKEN, "-o", str(out_path))
        book = openpyxl.load_workbook(out_path)
        assert book.sheetnames == ["结果"]

    def test_xlsx_input_gives_the_same_results_as_csv(self, tmp_path):
        """The example county in XLSX evaluates exactly like the CSV."""
        a, b = tmp_path / "a.json", tmp_path / "b.json"
        call("evaluate", "--rules", DEFAULT, COUNTY, "-o", str(a))
        call("evaluate", "--rules", DEFAULT, "examples/county.xlsx", "-o", str(b))
        strip = lambda rows: [{k: v for k, v in r.items() if k != "row"} for r in rows]  # noqa: E731
        assert strip(json.loads(a.read_text("utf-8"))) == strip(json.loads(b.read_text("utf-8")))

    def test_a_broken_rule_file_exits_2(self, tmp_path):
        """evaluate with an invalid rule file prints its problems and exits 2."""
        path = tmp_path / "r.yaml"
        path.write_text("scheme: {id: x}\n", encoding="utf-8")
        code, _, err = call("evaluate", "--rules", str(path), COUNTY)
        assert code == 2
        assert "E112" in err

    def test_an_unreadable_data_file_exits_1(self, tmp_path):
        """A data file that does not exist is a data problem: exit 1, one clear line."""
        code, _, err = call("evaluate", "--rules", DEFAULT, str(tmp_path / "nope.csv"))
        assert code == 1
        assert "cannot read" in err


class TestPopulationCommands:
    def test_summary_lists_quotas(self):
        """summary prints the distribution and the 倒排 list with ceil(10% × n)."""
        code, out, _ = call("summary", "--rules", DEFAULT, COUNTY, "--year", "2024")
        assert code == 0
        assert "ceil(10% × 280) = 28" in out

    def test_compare_years_prints_the_transition_matrix(self):
        """compare-years prints the matrix and the 连续2年 rule."""
        code, out, _ = call(
            "compare-years",
            "--rules",
            DEFAULT,
            COUNTY,
            "--from",
            "2023",
            "--to",
            "2024",
            "--lang",
            "en",
        )
        assert code == 0
        assert "2023→2024" in out
        assert "Weak two years running" in out

    @pytest.mark.parametrize(
        ("lang", "heads", "line"),
        [
            (
                "zh",
                ("晋位最多（各乡镇，村党组织）", "晋位最多（各乡镇，社区党组织）"),
                "AP-03-034 三里桥村: 2023年四类→2024年二类：升两档",
            ),
            (
                "en",
                (
                    "Rose the most (per township, village organizations)",
                    "Rose the most (per township, community organizations)",
                ),
                "AP-03-034 三里桥村: Class 4 (2023) → Class 2",
            ),
        ],
    )
    def test_compare_years_names_the_biggest_riser_of_every_township(self, lang, heads, line):
        """compare-years has a 晋位最多 section per organization type (villages first), with one
        line per township holding that type (nine for villages), in zh and en."""
        code, out, _ = call(
            "compare-years", "--rules", DEFAULT, COUNTY, "--from", "2023", "--to", "2024",
            "--lang", lang,
        )  # fmt: skip
        assert code == 0
        sections = [out.split(h + "\n", 1)[1].split("\n\n", 1)[0].splitlines() for h in heads]
        villages, communities = ([s for s in sec if not s.startswith("    ")] for sec in sections)
        assert len(villages) == 9
        assert communities
        assert all(("安平县" in g) and ("2023" in g) for g in villages + communities)
        assert line in "\n".join(sections[0])
        assert "社区" not in "\n".join(sections[0])  # no community among the village risers
        assert out.index(heads[0]) < out.index(heads[1])

    def test_compare_years_with_an_absent_year_exits_2(self):
        """A year with no data is a usage error."""
        code, _, err = call(
            "compare-years", "--rules", DEFAULT, COUNTY, "--from", "2019", "--to", "2024"
        )
        assert code == 2
        assert "2019" in err

    def test_summary_with_bad_rows_exits_1(self):
        """summary over a file with broken rows still summarises the rest, exit 1."""
        code, out, _ = call("summary", "--rules", DEFAULT, BROKEN)
        assert code == 1
        assert "ceil(10%" in out


class TestUsage:
    @pytest.mark.parametrize(
        ("argv", "usage"),
        [([], "tierlib [-h]"), (["bogus"], "tierlib [-h]"),
         (["evaluate", COUNTY], "tierlib evaluate [-h] --rules RULES"),
         (["explain", "--rules", DEFAULT, COUNTY], "tierlib explain [-h] --rules RULES --org ORG")],
    )  # fmt: skip
    def test_usage_errors_exit_2_with_the_usage_of_the_command_given(self, argv, usage):
        """Missing or unknown arguments: exit 2 with what is wrong, then the usage of the
        (sub)command that was given and where its help is."""
        code, out, err = call(*argv)
        assert (code, out) == (2, "")
        what, rest = err.split("\n", 1)
        assert what.startswith(("tierlib: ", "tierlib evaluate: ", "tierlib explain: "))
        assert rest.startswith(f"usage: {usage}")
        assert rest.rstrip().endswith(f"({usage.split(' [')[0]} --help)")

    @pytest.mark.parametrize(
        ("argv", "usage"),
        [(["--help"], "tierlib [-h]"), (["evaluate", "--help"], "tierlib evaluate"),
         (["explain", "-h"], "tierlib explain"), (["--version"], None)],
    )  # fmt: skip
    def test_help_and_version_are_written_once_to_the_given_stdout(self, argv, usage, capsys):
        """--help (of the command or of a subcommand) and --version exit 0, and are written once,
        to the stream given to run(), not to the process's stdout."""
        code, out, err = call(*argv)
        assert code == 0
        assert err == ""
        assert capsys.readouterr() == ("", "")
        if usage is None:
            assert out == f"tierlib {tierlib.__version__}\n"
        else:
            assert out.count("usage:") == 1
            assert out.startswith(f"usage: {usage}")


# ---------------------------------------------------------------- columnar and per-row paths


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _content(path):
    """A result file's content: its bytes; for .xlsx every part but the timestamps."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}
    return path.read_bytes()


def _outcome(argv, output):
    """Exit code, stdout, stderr and the result file of one run."""
    if output is not None and output.exists():
        output.unlink()
    code, out, err = call(*argv)
    return code, out, err, None if output is None else _content(output)


def assert_paths_agree(*argv, output=None):
    """A command (evaluate, summary, compare-years) gives the same exit code, stdout, stderr
    and result file on the columnar path as with ``--per-row``."""
    columnar = _outcome(argv, output)
    per_row = _outcome([*argv, "--per-row"], output)
    assert per_row == columnar
    assert gc.isenabled()
    return columnar


def _county_records():
    return list(csv.reader(io.StringIO(Path(COUNTY).read_text(encoding="utf-8-sig"))))


def _write_csv(path, records):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(records)


def _odd_json(path):
    """Organizations as JSON items that a table cannot hold as they are, between plain ones."""
    header, *body = _county_records()[:41]
    items = [{k: v for k, v in zip(header, r) if v} for r in body]
    items[1]["income_per_capita"] = math.nan
    items[2]["road_hardened"] = math.nan
    items[3]["name"] = math.nan
    items[4]["culture_points"] = [1, 2]
    items[5]["bogus_fact"] = "1"
    items[6]["编号"] = items[6].pop("id")
    items[7][" id"] = items[7].pop("id")
    items[8]["income_per_capita"] = math.inf
    items[9]["collective_income"] = 12345678901234567890123
    items[10]["road_hardened"] = True
    items[11]["year"] = "twenty"
    items[12] = {"id": items[12].pop("id"), "facts": items[12]}
    items[13]["satisfaction"] = None
    items[14:14] = ["not an object", [1, 2], {}]
    path.write_text(json.dumps({"organizations": items}, ensure_ascii=False), encoding="utf-8")


class TestEvaluatePaths:
    @pytest.mark.parametrize(
        ("data", "mode"),
        [(COUNTY, m) for m in ("table", ".csv", ".json", ".xlsx")]
        + [("examples/county.xlsx", m) for m in ("table", ".csv")]
        + [(BROKEN, m) for m in ("table", "quiet", ".csv", ".json", ".xlsx")],
    )
    def test_the_examples_give_the_same_output_on_both_paths(self, data, mode, tmp_path):
        """The example files: columnar output is the per-row output, byte for byte."""
        argv = ["evaluate", "--rules", DEFAULT, data]
        output = tmp_path / f"out{mode}" if mode.startswith(".") else None
        if output is not None:
            argv += ["-o", str(output)]
        code, out, _, _ = assert_paths_agree(
            *argv, *(["-q"] if mode == "quiet" else []), output=output
        )
        assert code == (1 if data == BROKEN else 0)
        assert out.endswith(" with errors\n")

    @settings(max_examples=3)
    @given(records=data_file_rows(load(ROOT / DEFAULT)))
    def test_generated_files_give_the_same_output_on_both_paths(self, records):
        """A few thousand generated rows with bad and odd ones, decided in batches of 700:
        the same result file, messages and exit code; every row is a result or an error."""
        with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
            mp.setattr(tierlib._filerun, "BATCH_ROWS", 700)
            data, output = Path(tmp) / "data.csv", Path(tmp) / "out.csv"
            _write_csv(data, records)
            _, out, _, content = assert_paths_agree(
                "evaluate", "--rules", DEFAULT, str(data), "-o", str(output), output=output
            )
        results = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
        rows = [r for r in records[1:] if any(c.strip() for c in r)]
        assert len(results) == len(rows)
        for result, row in zip(results, rows):
            unreadable = max(map(len, row)) > 131_072  # no cell, so no id, can be read
            assert result["id"] == ("" if unreadable else row[0].strip())  # error rows: as read
            assert result["status"] == "error" or not unreadable
        errors = sum(r["status"] == "error" for r in results)
        assert out.endswith(
            f"{len(rows)} rows: {len(rows) - errors} evaluated, {errors} with errors\n"
        )

    @pytest.mark.parametrize("mode", ["table", ".json"])
    def test_json_items_a_table_cannot_hold_give_the_same_output(self, mode, tmp_path):
        """NaN, lists, non-objects, aliased or unknown keys, absent keys: as on the per-row path."""
        data = tmp_path / "orgs.json"
        _odd_json(data)
        output = tmp_path / "out.json" if mode == ".json" else None
        argv = ["evaluate", "--rules", DEFAULT, str(data)]
        code, _, err, _ = assert_paths_agree(
            *argv, *(["-o", str(output)] if output else []), output=output
        )
        assert code == 1
        assert "NaN is not a number" in err
        assert "D101" in err

    def test_conditions_divided_by_zero_give_the_same_missing_inputs(self, tmp_path, monkeypatch):
        """An indicator undetermined by a division by zero lists its condition, as per row, read
        from the columns (exact-path rows included): no row has its decision materialized."""

        def decision(res, i):
            raise AssertionError(f"row {i} re-decided")

        monkeypatch.setattr(tierlib.columnar.TableResult, "decision", decision)
        rules = tmp_path / "rules.yaml"
        rules.write_text(
            Path(DEFAULT)
            .read_text(encoding="utf-8")
            .replace(
                'when: "coop_household_share > 30%"',
                'when: "coop_household_share / leading_industry_income_share > 30%"',
            ),
            encoding="utf-8",
        )
        records = _county_records()[:30]
        header = records[0]
        share = header.index("leading_industry_income_share")
        for record in records[1:14]:
            record[share] = "0"
        records[10][header.index("coop_household_share")] = ""  # the input is what is missing
        records[11][header.index("satisfaction")] = ""  # another indicator lacks data too
        records[12][header.index("satisfaction")] = "0.9" + "0" * 16 + "1"  # the exact path
        records[13][header.index("coop_household_share")] = "0"  # 0 / 0
        data, output = tmp_path / "data.csv", tmp_path / "out.csv"
        _write_csv(data, records)
        code, *_, content = assert_paths_agree(
            "evaluate", "--rules", str(rules), str(data), "-o", str(output), output=output
        )
        assert code == 0
        assert "cooperatives/wide" in content.decode("utf-8-sig")

    def test_a_cell_over_the_csv_field_limit_is_its_rows_error_and_reading_goes_on(self, tmp_path):
        """A 200,000-character cell at row 1502 (batches of 500): that row is a located D106
        error on both paths, and every row after it is still read and decided: 1,600 rows in,
        1,600 results and errors out."""
        records = _county_records()
        body = [[f"{r[0]}-{k}", *r[1:]] for k, r in enumerate((records[1:] * 3)[:1600])]
        body[1500] = [*body[1500][:-1], "x" * 200_000]
        data = tmp_path / "data.csv"
        _write_csv(data, [records[0], *body])
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(tierlib._filerun, "BATCH_ROWS", 500)
            code, out, err, _ = assert_paths_agree("evaluate", "--rules", DEFAULT, str(data))
        assert code == 1
        assert err.splitlines() == [
            f"{data}:1502: D106: the row cannot be read: a cell is longer than the 131,072"
            " characters a CSV cell may have"
        ]
        table = out.split("\n\n")[0].splitlines()[1:]  # the rows, before the distribution
        rows = [int(line.split()[0]) for line in table]
        assert rows == [k for k in range(2, 1602) if k != 1502]  # every other row, read on
        assert out.splitlines()[-1] == "1600 rows: 1599 evaluated, 1 with errors"

    def test_a_row_after_the_cell_over_the_limit_on_the_same_line_is_read(self, tmp_path):
        """The record over the limit ends with its line: the next line is a row of its own,
        decided (library path: read_rows gives every record)."""
        records = _county_records()
        data = tmp_path / "data.csv"
        _write_csv(data, [records[0], [*records[1][:-1], "y" * 140_000], records[2]])
        rows = tierlib.tables.read_rows(data)
        assert [r.where.line for r in rows] == [2, 3]
        with pytest.raises(tierlib.FactError) as info:
            tierlib.tables.to_organization(rows[0])
        assert [p.code for p in info.value.problems] == ["D106"]
        assert tierlib.tables.to_organization(rows[1]).id == records[2][0]
        with tierlib.Engine(load(ROOT / DEFAULT)) as engine:  # the library's columnar path
            result = engine.evaluate_table(data)
        assert len(result) == 2
        assert [(k, [p.code for p in problems]) for k, problems in result.errors] == [(0, ["D106"])]

    def test_a_quote_without_its_pair_is_an_error_naming_the_lines_it_swallows(self, tmp_path):
        """A stray quote at row 3 makes the csv module read rows 3-5 as one record: that
        record is a D106 error at line 3 naming lines 3 to 5 on both paths, instead of the two
        rows in it silently vanishing; the rows after it are read, and a name over two lines
        is not mistaken for it (and is located at the line it starts on)."""
        records = _county_records()
        lines = [",".join(r) for r in records[:7]]
        lines[2] = lines[2].replace(",", ',"', 1)  # "…  opens at row 3's name
        lines[4] = lines[4].replace(",", ',"', 1)  # … and closes at row 5's
        name = records[6][1]
        lines[6] = lines[6].replace(f",{name},", f',"{name}\n{name}",', 1)
        data = tmp_path / "data.csv"
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
        code, out, err, _ = assert_paths_agree("evaluate", "--rules", DEFAULT, str(data))
        assert code == 1
        assert err.splitlines() == [
            f"{data}:3: D106: the row cannot be read: a quoted cell runs from line 3 to line 5"
            ' and holds what look like rows; is a quote (") at line 3 missing its pair? The lines'
            " in it are not read as rows"
        ]
        table = out.split("\n\n")[0].splitlines()[1:]
        assert [int(x.split()[0]) for x in table if x.startswith(" ")] == [2, 6, 7]
        assert out.splitlines()[-1] == "4 rows: 3 evaluated, 1 with errors"

    @pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
    def test_a_read_failing_half_way_leaves_no_partial_result_file(
        self, tmp_path, suffix, monkeypatch
    ):
        """Results are written as they come, but into a file that replaces the output only
        once complete: a read failing half way (the disk, say) keeps an earlier result and
        leaves no stray file."""
        records = _county_records()
        body = (records[1:] * 3)[:1600]
        data = tmp_path / "data.csv"
        _write_csv(data, [records[0], *body])
        out = tmp_path / f"out{suffix}"
        out.write_bytes(b"earlier")
        real = csv.reader

        class Failing:  # a reader whose file fails with an I/O error at its 1,501st record
            def __init__(self, text):
                self.reader, self.k = real(text), 0

            def __iter__(self):
                return self

            def __next__(self):
                self.k += 1
                if self.k > 1500:
                    raise OSError(5, "Input/output error")
                return next(self.reader)

            @property
            def line_num(self):
                return self.reader.line_num

        monkeypatch.setattr(tierlib._filerun, "BATCH_ROWS", 500)
        monkeypatch.setattr(tierlib.tables.csv, "reader", Failing)
        for flag in ([], ["--per-row"]):
            code, _, err = call("evaluate", "--rules", DEFAULT, str(data), "-o", str(out), *flag)
            assert code == 1
            assert err.splitlines()[-1] == f"error: {data}: cannot read: Input/output error"
            assert out.read_bytes() == b"earlier"
            assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", out.name]

    @pytest.mark.parametrize(("threshold", "bars"), [(12, [(12, 12, True)]), (13, [])])
    def test_the_progress_bar_shows_for_as_many_rows_on_both_paths(
        self, threshold, bars, monkeypatch
    ):
        """On a terminal: a transient bar over every row from the threshold on, else none."""
        import rich.progress

        shown = []

        class Bar:
            def __init__(self, console, transient):
                self.row = [0, 0, transient]
                shown.append(self.row)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return None

            def add_task(self, name, total):
                self.row[0] = total

            def advance(self, task, rows=1):
                self.row[1] += rows

        monkeypatch.setattr(rich.progress, "Progress", Bar)
        monkeypatch.setattr(tierlib._filerun, "PROGRESS_MIN_ROWS", threshold)
        for extra in ([], ["--per-row"]):
            shown.clear()
            code = run(["evaluate", "--rules", DEFAULT, BROKEN, *extra], io.StringIO(), _Terminal())
            assert code == 1
            assert [tuple(row) for row in shown] == bars


def test_a_tier_decided_while_the_score_waits_reads_pending_in_the_score_column(tmp_path):
    """班子不健全 decides 四类 though the survey figure is missing: the table shows the tier,
    the score cell 待定, and both paths and the result file agree."""
    with open(ROOT / COUNTY, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))[:2]
    rows[0].update(satisfaction="", two_committees_complete="否")
    rows[1].update(satisfaction="")
    path = tmp_path / "wait.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for extra in ((), ("--per-row",)):
        code, out, _ = call("evaluate", *extra, "--rules", str(ROOT / DEFAULT), str(path))
        assert code == 0
        first, second = out.splitlines()[1:3]
        assert "  待定  四类  [team_incomplete," in first
        assert "  pending  [" in second
    assert_paths_agree("evaluate", "--rules", str(ROOT / DEFAULT), str(path))
