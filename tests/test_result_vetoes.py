"""The ``vetoes`` and ``undetermined`` columns of a result file (and of ``to_records``).

``vetoes`` lists the vetoes, caps and requirements that applied, the decisive one first;
``undetermined`` the vetoes that could not be decided for want of data, whether they held the
row back (pending) or were moot (rated). Older result files, without ``undetermined``, listed
the decisive veto and then the undetermined ones in ``vetoes``: verify still accepts them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from test_cli import _content, call
from test_explain import village
from test_moot import LOW

from tierlib import Engine, load
from tierlib.model import Organization
from tierlib.tables import RESULT_COLUMNS, Outcome, iter_rows

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "rules/default.yaml")
OVERLAY = str(ROOT / "rules/county-overlay.yaml")

# (name, the village's changes, status, vetoes, undetermined) under the county overlay, whose
# cap no_recruits reads years_without_recruits, a fact these villages lack
CASES = [
    # Class 3 by score: the cap at Class 3 is moot, the row is rated
    ("moot", {**LOW}, "rated", "", "no_recruits"),
    # Class 1 by score: the cap could lower it, the row waits for the figure
    ("pending", {}, "pending", "", "no_recruits"),
    # two force vetoes: the later in the rule file has the higher precedence and decides
    (
        "outweighed",
        {"two_committees_complete": False, "election_bribery": True},
        "rated",
        "election_bribery team_incomplete",
        "no_recruits",
    ),
    # a cap that applied without lowering the tier is listed, after none decisive
    (
        "no effect",
        {**LOW, "satisfaction": Fraction("0.7")},
        "rated",
        "satisfaction_cap",
        "no_recruits",
    ),
    # the figure is there: nothing is undetermined
    ("known", {"years_without_recruits": Fraction(3)}, "rated", "no_recruits", ""),
]


def _orgs() -> list[Organization]:
    return [village(name=name, **changes) for name, changes, *_ in CASES]


def _write_data(path: Path, orgs: list[Organization]) -> Path:
    keys = sorted({k for o in orgs for k in o.facts})

    def cell(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Fraction):
            return str(value.numerator) if value.denominator == 1 else str(float(value))
        return "" if value is None else str(value)

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "type", "year", *keys])
        for i, o in enumerate(orgs):
            writer.writerow(
                [f"V-{i:03}", o.name, o.type, o.year, *(cell(o.facts.get(k)) for k in keys)]
            )
    return path


@pytest.fixture(scope="module")
def overlay() -> Iterator[Engine]:
    with Engine(load(OVERLAY)) as engine:
        yield engine


def _cells(rec: dict[str, object]) -> tuple[object, object, object]:
    return rec["status"], rec["vetoes"], rec["undetermined"]


class TestOutcome:
    @pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
    def test_a_decision_lists_applied_and_undetermined_vetoes_apart(self, overlay, case):
        """A moot undetermined veto of a rated row is in ``undetermined`` only, never in
        ``vetoes``; the decisive veto comes first."""
        name, changes, status, vetoes, undetermined = case
        d = overlay.evaluate(village(name=name, **changes))
        rec = Outcome.of(2, d).record({})
        assert _cells(rec) == (status, vetoes, undetermined)

    def test_the_record_has_every_result_column_but_the_rule_set(self, overlay):
        """undetermined comes right after vetoes, as in RESULT_COLUMNS."""
        rec = Outcome.of(2, overlay.evaluate(village())).record({})
        assert [*rec, "ruleset", "ruleset_version", "ruleset_sha256"] == list(RESULT_COLUMNS)

    def test_a_table_result_gives_the_same_records_as_the_engine(self, overlay):
        """TableResult.to_records: the same vetoes and undetermined cells as Outcome.of."""
        orgs = _orgs()
        records = overlay.evaluate_table(orgs).to_records()
        expected = [CASES[i][2:] for i in range(len(orgs))]
        assert [_cells(r) for r in records] == expected
        for i, org in enumerate(orgs):
            mine = Outcome.of(i, overlay.evaluate(org)).record({})
            assert _cells(records[i]) == _cells(mine)


def _saved(path: Path) -> list[dict[str, object]]:
    return [row.cells for row in iter_rows(path)]


class TestResultFiles:
    @pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
    def test_the_columns_round_trip_and_both_paths_write_the_same_file(self, tmp_path, suffix):
        """evaluate -o writes the two columns, they read back as written, and the columnar
        path writes the file --per-row writes, byte for byte."""
        data = _write_data(tmp_path / "data.csv", _orgs())
        out = tmp_path / f"out{suffix}"
        contents = []
        for extra in ([], ["--per-row"]):
            code, _, err = call("evaluate", "--rules", OVERLAY, str(data), "-o", str(out), *extra)
            assert (code, err) == (0, "")
            contents.append(_content(out))
        assert contents[0] == contents[1]
        saved = _saved(out)
        assert [(r["status"], r["vetoes"] or "", r["undetermined"] or "") for r in saved] == [
            c[2:] for c in CASES
        ]

    def test_the_county_overlay_writes_the_same_file_on_both_paths(self, tmp_path):
        """The example county under the overlay has hundreds of rated rows with a moot
        undetermined veto."""
        out = tmp_path / "out.csv"
        contents = []
        for extra in ([], ["--per-row"]):
            code, *_ = call(
                "evaluate", "--rules", OVERLAY, "examples/county.csv", "-o", str(out), "-q", *extra
            )
            assert code == 0
            contents.append(out.read_bytes())
        assert contents[0] == contents[1]
        rows = list(csv.DictReader(io.StringIO(contents[0].decode("utf-8-sig"))))
        moot = [r for r in rows if r["status"] == "rated" and "no_recruits" in r["undetermined"]]
        assert len(moot) > 100
        assert not any("no_recruits" in r["vetoes"] for r in moot)

    def test_the_terminal_table_marks_undetermined_vetoes(self, tmp_path):
        """The table evaluate prints lists them after the applied ones, marked ``?``."""
        data = _write_data(tmp_path / "data.csv", _orgs())
        _, out, _ = call("evaluate", "--rules", OVERLAY, str(data))
        lines = out.splitlines()
        assert any(line.endswith("  [?no_recruits]") and "V-000" in line for line in lines)
        assert any(
            line.endswith("  [election_bribery,team_incomplete,?no_recruits]") for line in lines
        )


# the decisive veto of each case that has one (the cap of "known" lowers a Class 1 village)
_DECISIVE = {"outweighed": "election_bribery", "known": "no_recruits"}


def _old_format(path: Path, target: Path) -> Path:
    """A copy of a CSV result file as tierlib 0.1.0 wrote it: no ``undetermined`` column, the
    decisive veto then the undetermined ones in ``vetoes``."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    columns = [c for c in RESULT_COLUMNS if c != "undetermined"]
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            decisive = _DECISIVE.get(r["name"], "")
            r["vetoes"] = " ".join(x for x in (decisive, r["undetermined"]) if x)
            writer.writerow(r)
    return target


class TestVerify:
    @pytest.fixture
    def saved(self, tmp_path: Path) -> tuple[Path, Path]:
        data = _write_data(tmp_path / "data.csv", _orgs())
        out = tmp_path / "results.csv"
        assert call("evaluate", "--rules", OVERLAY, str(data), "-o", str(out))[0] == 0
        return data, out

    def _verify(self, data: Path, results: Path) -> tuple[int, list[str]]:
        code, out, err = call("verify", "--rules", OVERLAY, str(data), str(results))
        assert err == ""
        return code, out.splitlines()[:-1]

    @pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
    def test_a_new_file_verifies_clean(self, tmp_path, suffix):
        """The file evaluate wrote, with the undetermined column, matches in every format."""
        data = _write_data(tmp_path / "data.csv", _orgs())
        out = tmp_path / f"results{suffix}"
        assert call("evaluate", "--rules", OVERLAY, str(data), "-o", str(out))[0] == 0
        assert self._verify(data, out) == (0, [])

    def test_a_changed_undetermined_cell_is_a_difference(self, saved, tmp_path):
        """The new column is compared: emptying it is a V102 naming it."""
        data, out = saved
        rows = list(csv.reader(out.open(encoding="utf-8-sig", newline="")))
        rows[1][rows[0].index("undetermined")] = ""
        edited = tmp_path / "edited.csv"
        with edited.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
        code, lines = self._verify(data, edited)
        assert code == 1
        assert lines == [
            f"{edited}:2: V102: row 2 (V-000): undetermined was empty, now no_recruits"
        ]

    def test_a_file_written_before_the_undetermined_column_verifies_clean(self, saved, tmp_path):
        """Its vetoes are compared as that file listed them: decisive, then undetermined."""
        data, out = saved
        old = _old_format(out, tmp_path / "old.csv")
        assert "undetermined" not in old.read_text(encoding="utf-8-sig").splitlines()[0]
        assert self._verify(data, old) == (0, [])

    def test_a_changed_veto_in_an_old_file_is_still_a_difference(self, saved, tmp_path):
        """An undetermined veto dropped from an old file's vetoes cell is caught."""
        data, out = saved
        old = _old_format(out, tmp_path / "old.csv")
        text = old.read_text(encoding="utf-8-sig").splitlines()
        assert ",election_bribery no_recruits," in text[3]
        text[3] = text[3].replace(",election_bribery no_recruits,", ",election_bribery,")
        old.write_text("\n".join(text) + "\n", encoding="utf-8-sig")
        code, lines = self._verify(data, old)
        assert code == 1
        assert lines == [
            f"{old}:4: V102: row 4 (V-002): vetoes was election_bribery, now "
            "'election_bribery no_recruits'"
        ]

    def test_an_old_xlsx_and_json_file_verify_clean(self, saved, tmp_path):
        """An old file is accepted in each format, its vetoes compared as it held them."""
        data, out = saved
        old = _old_format(out, tmp_path / "old.csv")
        with old.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "结果"
        for r in rows:
            sheet.append(r)
        book.save(tmp_path / "old.xlsx")
        records = [dict(zip(rows[0], r)) for r in rows[1:]]
        (tmp_path / "old.json").write_text(json.dumps(records, ensure_ascii=False), "utf-8")
        for name in ("old.xlsx", "old.json"):
            assert self._verify(data, tmp_path / name) == (0, [])


# the ``decisive`` cell of each case: the veto that set the tier, empty where the score did (or
# where the row is pending); a veto that applied without deciding is in ``vetoes`` only
DECISIVE = {
    "moot": "",
    "pending": "",
    "outweighed": "election_bribery",
    "no effect": "",
    "known": "no_recruits",
}


def test_the_decisive_cell_names_only_the_veto_that_set_the_tier(overlay):
    orgs = _orgs()
    table = overlay.evaluate_table(orgs).to_records()
    for i, (name, *_) in enumerate(CASES):
        mine = Outcome.of(i, overlay.evaluate(orgs[i])).record({})
        assert (name, mine["decisive"], table[i]["decisive"]) == (name, *[DECISIVE[name]] * 2)
