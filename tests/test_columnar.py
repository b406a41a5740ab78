"""tierlib.columnar: the vectorized path gives the engine's answer for every row."""

from __future__ import annotations

import contextlib
import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import engine_for, organization_tables, rulesets

from tierlib import _ast, _expr, model
from tierlib._check import check_ruleset
from tierlib._load import load, loads
from tierlib.columnar import STATUSES, TableResult, evaluate_stream, evaluate_table
from tierlib.decision import Decision, fmt_fraction
from tierlib.engine import Engine
from tierlib.errors import EngineError, FactError, Location
from tierlib.tables import Row, read_rows, to_organization

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "rules" / "default.yaml"
COUNTY = ROOT / "examples" / "county.csv"
COUNTY_ERRORS = ROOT / "examples" / "county_with_errors.csv"


@pytest.fixture(scope="module")
def default() -> Engine:
    with Engine(load(DEFAULT)) as engine:
        yield engine


# ---------------------------------------------------------------- comparison helpers


def expected(d: Decision) -> dict[str, Any]:
    """What the columns must hold for a decision."""
    return {
        "id": d.org_id,
        "status": d.status,
        "tier": d.tier,
        "score_tier": d.score_tier,
        "score": d.score,
        "raw_score": d.raw_score,
        "dimensions": dict(d.dimensions),
        "points": dict(d.points),
        "applied": {v.id for v in d.vetoes if v.determined},
        "undetermined": {v.id for v in d.vetoes if not v.determined},
        "decisive": {v.id for v in d.vetoes if v.decisive},
        "flags": set(d.flags),
        "missing": {m.indicator for m in d.missing},
    }


def actual(res: TableResult, k: int) -> dict[str, Any]:
    """Result row ``k`` in the shape of :func:`expected`."""
    tiers = [*res.tiers, None]
    return {
        "id": res.ids[k],
        "status": STATUSES[res.status[k]],
        "tier": tiers[res.tier[k]],
        "score_tier": tiers[res.score_tier[k]],
        "score": res.score.fraction(k),
        "raw_score": res.raw_score.fraction(k),
        "dimensions": {d: c.fraction(k) for d, c in res.dimensions.items()},
        "points": {i: c.fraction(k) for i, c in res.points.items()},
        "applied": {v for v, m in res.vetoes.items() if m[k]},
        "undetermined": {v for v, m in res.undetermined.items() if m[k]},
        "decisive": {v for v, m in res.decisive.items() if m[k]},
        "flags": {f for f, m in res.flags.items() if m[k]},
        "missing": {i for i, m in res.missing.items() if m[k]},
    }


def assert_same_as_engine(engine: Engine, res: TableResult, n: int) -> None:
    """Every input row: the columns equal ``engine.evaluate`` of its organization, or its errors."""
    assert len(res.rows) + len(res.errors) == n == len(res)
    errors = dict(res.errors)
    position = {int(r): k for k, r in enumerate(res.rows)}
    for i in range(n):
        chunk, j = res._locate(i)
        try:
            decision = engine.evaluate(res.organization(i), chunk.where(j))
        except FactError as exc:
            problems = list(exc.problems)
        else:
            assert i in position, (i, errors.get(i))
            assert actual(res, position[i]) == expected(decision), i
            continue
        assert errors.get(i) == problems, i


# ---------------------------------------------------------------- random tables


def _on_boundaries(rs: model.RuleSet, scores: list[Fraction], draw: st.DrawFn) -> model.RuleSet:
    """``rs`` with tier minima (and a flag) moved onto scores that actually occur."""
    lows = [t for t in rs.tiers if t.range.lower is not None]
    if not scores or not lows:
        return rs
    chosen = sorted(
        set(draw(st.lists(st.sampled_from(scores), min_size=len(lows), max_size=len(lows)))),
        reverse=True,
    )
    others = sorted({t.range.lower[0] for t in lows} - set(chosen), reverse=True)  # type: ignore[index]
    minima = sorted([*chosen, *others][: len(lows)], reverse=True)
    tiers = []
    for t in rs.tiers:
        if t.range.lower is None:
            tiers.append(t)
        else:
            m = minima.pop(0)
            tiers.append(
                attrs.evolve(
                    t,
                    range=model.Bound(at_least=m)
                    if t.range.at_least is not None
                    else model.Bound(above=m),
                )
            )
    here = Location("<test>")
    s = draw(st.sampled_from(scores))
    flag = model.Flag(
        "on_score",
        model.Label("x"),
        _ast.Compare(">=", _ast.Ref(("score",), here), _ast.Num(s, here), here),
    )
    return attrs.evolve(rs, tiers=tuple(tiers), flags=(*rs.flags, flag))


class TestDifferential:
    @settings(max_examples=40)
    @given(data=st.data())
    def test_columns_equal_engine_evaluate_on_random_rule_sets(self, data: st.DataObject) -> None:
        """Random rule sets × tables with scores on tier minima: columnar == Engine.evaluate."""
        rs = data.draw(rulesets())
        assert check_ruleset(rs, None) == []
        columns, n = data.draw(organization_tables(rs))
        first = engine_for(rs)
        if first is None:
            return
        scores = []
        with first:
            probe = evaluate_table(first, columns)
            for i in range(n):
                with contextlib.suppress(FactError):
                    scores.append(first.evaluate(probe.organization(i)).score)
        rs2 = _on_boundaries(rs, [s for s in scores if s is not None], data.draw)
        engine = engine_for(rs2)
        if engine is None:
            return
        with engine:
            res = evaluate_table(engine, columns, chunk_size=data.draw(st.integers(1, 8)))
            assert_same_as_engine(engine, res, n)
            event(f"fast rows: {int(np.count_nonzero(~res.exact_path))}/{n}")
            orgs = []
            for i in range(n):
                with contextlib.suppress(FactError):
                    orgs.append(res.organization(i))
            by_org = evaluate_table(engine, orgs)
            assert_same_as_engine(engine, by_org, len(orgs))


# ---------------------------------------------------------------- the default scheme


def _county_columns(path: Path) -> tuple[dict[str, list[Any]], list[Row]]:
    rows = read_rows(path)
    names = list(dict.fromkeys(k for r in rows for k in r.cells))
    return {k: [r.cells.get(k) for r in rows] for k in names}, rows


class TestDefaultScheme:
    @pytest.mark.skipif(not COUNTY.exists(), reason="examples/county.csv not generated")
    def test_county_csv_gives_the_engine_results_on_the_fast_path(self, default: Engine) -> None:
        """examples/county.csv: every row on the vectorized path, identical to the engine."""
        columns, rows = _county_columns(COUNTY)
        res = evaluate_table(default, columns, where=[r.where for r in rows])
        assert not res.exact_path.any()
        assert_same_as_engine(default, res, len(rows))
        for i, row in enumerate(rows):
            assert res.organization(i) == to_organization(row)

    @pytest.mark.skipif(
        not COUNTY_ERRORS.exists(), reason="examples/county_with_errors.csv missing"
    )
    def test_bad_rows_become_errors_with_their_row_numbers(self, default: Engine) -> None:
        """county_with_errors.csv: rows in == results + errors; each error names its file line."""
        columns, rows = _county_columns(COUNTY_ERRORS)
        res = evaluate_table(default, columns, where=[r.where for r in rows])
        assert len(res.rows) + len(res.errors) == len(rows)
        assert res.errors
        for i, problems in res.errors:
            assert problems
            assert all(p.location == rows[i].where for p in problems)
        assert_same_as_engine(default, res, len(rows))

    def test_decision_json_is_byte_identical_to_engine_json(self, default: Engine) -> None:
        """decision(i).to_json() == engine.evaluate(org_i).to_json(), and agrees with the columns."""
        columns, rows = _county_columns(COUNTY)
        res = evaluate_table(default, columns)
        for k in range(0, len(res.rows), 37):
            i = int(res.rows[k])
            decision = res.decision(i)
            assert decision.to_json() == default.evaluate(to_organization(rows[i])).to_json()
            assert actual(res, k) == expected(decision)

    def test_score_rounded_onto_a_threshold_takes_that_tier(self, default: Engine) -> None:
        """A raw 89.95 rounds half-up to 90.0 and is 一类 (以上 90), as in the engine."""
        facts = _good_village()
        facts["income_per_capita"] = "7980"  # high band: 20 + 5·(7980−5500)/2500 = 24.96
        facts["culture_points"] = "4.99"  # −0.01
        facts.update(open_party_affairs="否", open_finance="否", water_tap="否")  # −3 −2 −2
        res = evaluate_table(default, {k: [v] for k, v in facts.items()})
        d = default.evaluate(res.organization(0))
        assert d.raw_score == Fraction("89.95")
        assert d.score == Fraction(90)
        assert res.raw_score.fraction(0) == Fraction("89.95")
        assert res.score.fraction(0) == Fraction(90)
        assert res.tier_text()[0] == "class1"
        assert not res.exact_path[0]

    def test_typed_float_columns_with_nan_as_missing_match_the_engine(
        self, default: Engine
    ) -> None:
        """float64 columns (NaN = missing) and bool columns: exact, on the fast path."""
        rng = np.random.default_rng(7)
        n = 3000
        columns = synthetic_default_table(rng, n)
        res = evaluate_table(default, columns, chunk_size=1024)
        assert not res.exact_path.any()
        assert len(res.rows) == n
        for k in range(0, n, 97):
            decision = default.evaluate(res.organization(int(res.rows[k])))
            assert actual(res, k) == expected(decision)
        total = res.distribution()
        assert sum(total.values()) == n

    def test_stream_of_rows_yields_chunks_covering_every_row(self, default: Engine) -> None:
        """evaluate_stream over Row objects: global row indices, every row once, same results."""
        rows = read_rows(COUNTY_ERRORS) + read_rows(COUNTY)[:40]
        seen = []
        for part in evaluate_stream(default, rows, chunk_size=16):
            assert len(part) <= 16
            seen += [int(r) for r in part.rows] + [i for i, _ in part.errors]
            for k, i in enumerate(part.rows.tolist()):
                decision = default.evaluate(to_organization(rows[i]), rows[i].where)
                assert actual(part, k) == expected(decision)
        assert sorted(seen) == list(range(len(rows)))

    def test_stream_accepts_organizations_and_whole_tables(self, default: Engine) -> None:
        """Organizations and column tables mixed in one stream keep one row numbering."""
        columns, rows = _county_columns(COUNTY)
        orgs = [to_organization(r) for r in rows[:10]]
        table = {k: v[10:30] for k, v in columns.items()}
        parts = list(evaluate_stream(default, [*orgs, table], chunk_size=8))
        rows_seen = np.concatenate([p.rows for p in parts])
        assert rows_seen.tolist() == list(range(30))
        assert [p.score.fraction(0) for p in parts[:1]] == [default.evaluate(orgs[0]).score]

    def test_rows_beyond_int64_fall_back_to_the_engine(self, default: Engine) -> None:
        """A collective income of 2**52: not representable at the column's scale → exact path."""
        facts = _good_village()
        facts["collective_income"] = [str(2**52), "50000.5", "1e3"]
        facts = {k: (v if isinstance(v, list) else [v] * 3) for k, v in facts.items()}
        facts["id"] = ["a", "b", "c"]
        res = evaluate_table(default, facts)
        assert_same_as_engine(default, res, 3)

    def test_a_row_with_extra_cells_is_an_error_and_its_neighbours_are_decided(
        self, default: Engine, tmp_path: Path
    ) -> None:
        """Streaming file rows: a row longer than the header is D102, as on the per-row path."""
        path = tmp_path / "extra.csv"
        path.write_text("id,name,type,has_venue\nA,x,village,true,EXTRA\nB,y,village,false\n")
        parts = list(evaluate_stream(default, read_rows(path)))
        errors = [(i, [p.code for p in ps]) for part in parts for i, ps in part.errors]
        decided = [int(i) for part in parts for i in part.rows]
        assert sorted([i for i, _ in errors] + decided) == [0, 1]
        assert errors[0][0] == 0
        assert "D102" in errors[0][1]
        with pytest.raises(FactError) as per_row:
            default.evaluate(to_organization(next(iter(read_rows(path)))))
        assert errors[0][1] == [p.code for p in per_row.value.problems]

    def test_to_records_lists_every_input_row_in_order(self, default: Engine) -> None:
        """to_records: one record per input row (errors included), exact score text."""
        columns, rows = _county_columns(COUNTY_ERRORS)
        res = evaluate_table(default, columns)
        records = res.to_records()
        assert [r["row"] for r in records] == list(range(len(rows)))
        for _k, i in enumerate(res.rows.tolist()):
            d = default.evaluate(res.organization(i))
            rec = records[i]
            assert rec["score"] == (None if d.score is None else fmt_fraction(d.score, exact=True))
            assert rec["status"] == d.status
            assert rec["tier"] == d.tier
        assert all(records[i]["status"] == "error" for i, _ in res.errors)

    def test_duck_typed_dataframe_and_arrow_tables_are_read(self, default: Engine) -> None:
        """Objects with pandas' or pyarrow's table interface give the same results."""
        columns, _rows = _county_columns(COUNTY)
        small = {k: v[:25] for k, v in columns.items()}

        class Series:
            def __init__(self, values: list[Any]) -> None:
                self.values = values

            def to_numpy(self) -> np.ndarray:
                return np.array(self.values, dtype=object)

        class Frame:
            columns = tuple(small)

            def __getitem__(self, key: str) -> Series:
                return Series(small[key])

            def to_dict(self, orient: str) -> dict[str, list[Any]]:
                return small

        class Arrow:
            column_names = tuple(small)

            def to_pydict(self) -> dict[str, list[Any]]:
                return small

        want = evaluate_table(default, small)
        for data in (Frame(), Arrow()):
            got = evaluate_table(default, data)
            assert [actual(got, k) for k in range(25)] == [actual(want, k) for k in range(25)]


def _good_village() -> dict[str, Any]:
    """Text cells of a strong village of the default scheme (97 points, no veto)."""
    return {
        "id": "T-1",
        "type": "village",
        "has_industry_plan": "是",
        "has_leading_industry": "是",
        "leading_industry_income_share": "0.6",
        "road_hardened": "是",
        "road_to_groups": "是",
        "road_lights": "是",
        "road_maintained": "是",
        "water_safe": "是",
        "water_tap": "是",
        "has_cooperative": "是",
        "coop_household_share": "0.4",
        "income_per_capita": "9000",
        "income_growth": "0.1",
        "sanitation_points": "8",
        "green_coverage": "0.3",
        "waste_collection": "是",
        "governance_ok": "是",
        "medical_enrolment": "0.96",
        "culture_points": "5",
        "big_ceremonies": "否",
        "superstition_incidents": "0",
        "two_committees_complete": "是",
        "team_united": "是",
        "has_woman_member": "否",
        "open_party_affairs": "是",
        "open_village_affairs": "是",
        "open_finance": "是",
        "satisfaction": "0.95",
        "secretary_vacant_months": "0",
        "election_bribery": "否",
        "clan_interference": "否",
        "has_venue": "是",
        "collective_income": "80000",
    }


def synthetic_default_table(rng: np.random.Generator, n: int) -> dict[str, Any]:
    """Typed columns for the default scheme: bool arrays, float64 with NaN, int64."""
    rs = load(DEFAULT)
    cols: dict[str, Any] = {
        "id": np.array([f"S{i:07d}" for i in range(n)]),
        "type": np.where(rng.random(n) < 0.9, "village", "community"),
    }
    for name, spec in rs.facts.items():
        if spec.kind == "boolean":
            cols[name] = rng.random(n) < 0.85
        elif spec.integer:
            cols[name] = rng.poisson(0.3, n).astype(np.int64)
        else:
            lo = float(spec.minimum or 0)
            hi = float(spec.maximum) if spec.maximum is not None else 12000.0
            x = np.round(rng.uniform(lo, hi, n), 2 if hi <= 1 else 1)
            x[rng.random(n) < 0.03] = np.nan
            cols[name] = x
    return cols


class TestExactPath:
    def test_values_beyond_the_scale_are_decided_by_the_engine(self, default: Engine) -> None:
        """0.1 + 0.2 as a double (17 digits) and 1/3 as a Fraction: exact path, same answer."""
        facts = {k: [v, v, v] for k, v in _good_village().items()}
        facts["id"] = ["a", "b", "c"]
        facts["satisfaction"] = np.array([0.1 + 0.2, 0.85, 0.3])
        facts["coop_household_share"] = [Fraction(1, 3), "0.4", "0.4"]
        res = evaluate_table(default, facts)
        assert res.exact_path.tolist() == [True, False, False]
        assert_same_as_engine(default, res, 3)

    def test_int64_overflow_in_a_condition_goes_to_the_engine(self) -> None:
        """A veto multiplying large values overflows int64: those rows take the exact path."""
        rs = load(DEFAULT)
        here = Location("<test>")
        when = _expr.parse("collective_income * collective_income * collective_income > 1", here)
        veto = model.Veto("huge", model.Label("x"), when, "cap", "class2")
        with Engine(attrs.evolve(rs, vetoes=(*rs.vetoes, veto))) as engine:
            facts = {k: [v, v] for k, v in _good_village().items()}
            facts["id"] = ["small", "big"]
            facts["collective_income"] = ["0.5", "9000000.5"]
            res = evaluate_table(engine, facts)
            assert res.exact_path.tolist() == [False, True]
            assert_same_as_engine(engine, res, 2)
            assert res.vetoes["huge"].tolist() == [False, True]

    def test_numerators_beyond_int32_widen_the_column_exactly(self) -> None:
        """Result numerators are stored as int32 until a value needs more: then int64, exact."""
        rs = load(DEFAULT)
        ind = rs.indicators[0]
        huge = attrs.evolve(ind, id="huge", max=Fraction(3000), dimension=ind.dimension)
        linear = model.Linear("collective_income", Fraction(0), Fraction(10**9 + 7))
        huge = attrs.evolve(huge, checklist=None, linear=linear, bonus=True)
        with Engine(attrs.evolve(rs, indicators=(*rs.indicators, huge))) as engine:
            facts = {k: [v, v, v] for k, v in _good_village().items()}
            facts["id"] = ["small", "big", "zero"]
            facts["collective_income"] = ["1", "999999999.5", "0"]
            res = evaluate_table(engine, facts)
            assert res.points["huge"].num.dtype == np.int64
            assert res.points[rs.indicators[1].id].num.dtype == np.int32
            assert_same_as_engine(engine, res, 3)

    def test_nan_in_an_organization_is_an_error_as_in_the_engine(self, default: Engine) -> None:
        """Organizations keep the engine's reading of NaN (F103); table cells read it as empty."""
        org = to_organization(Row(Location("x"), dict(_good_village(), satisfaction=math.nan)))
        res = evaluate_table(default, [org])
        assert [p.code for _, ps in res.errors for p in ps] == ["F103"]
        table = evaluate_table(default, {k: [v] for k, v in org.facts.items()} | {"id": ["T-1"]})
        assert table.errors == []
        assert table.status_text().tolist() == ["pending"]

    def test_a_closed_engine_is_refused(self) -> None:
        """evaluate_table on a closed engine raises EngineError, like Engine.evaluate."""
        engine = Engine(load(DEFAULT))
        engine.close()
        with pytest.raises(EngineError):
            evaluate_table(engine, {"id": ["a"]})


class TestZeroDivisor:
    def test_conditions_undetermined_by_a_zero_divisor_are_marked(self, tmp_path: Path) -> None:
        """zero_divisor marks the rows whose indicator lists a condition as missing input."""
        rules = tmp_path / "rules.yaml"
        rules.write_text(
            DEFAULT.read_text(encoding="utf-8").replace(
                'when: "coop_household_share > 30%"',
                'when: "coop_household_share / leading_industry_income_share > 30%"',
            ),
            encoding="utf-8",
        )
        with Engine(load(rules)) as engine:
            facts = {k: [v] * 4 for k, v in _good_village().items()}
            facts["id"] = ["zero", "absent", "exact", "plain"]
            facts["leading_industry_income_share"] = ["0", "0", "0", "0.6"]
            facts["coop_household_share"] = ["0.4", "", "0.4", "0.4"]
            facts["satisfaction"] = ["0.95", "0.95", "0.9" + "0" * 16 + "1", "0.95"]
            res = evaluate_table(engine, facts)
            assert res.exact_path.tolist() == [False, False, True, False]
            assert_same_as_engine(engine, res, 4)
            assert res.zero_divisor["cooperatives/wide"].tolist() == [True, False, True, False]
            assert not any(m.any() for r, m in res.zero_divisor.items() if r != "cooperatives/wide")
            listed = [{m.fact for m in res.decision(i).missing} for i in range(4)]
            assert listed == [{"cooperatives/wide"}, {"coop_household_share"}, listed[2], set()]
            assert listed[2] == {"cooperatives/wide"}  # the engine's, not the columns'


class TestAbsentColumns:
    def test_a_table_without_some_fact_columns_agrees_with_the_engine(
        self, default: Engine
    ) -> None:
        """Absent columns read as missing facts, row by row as the engine reads them; no crash."""
        res = evaluate_table(default, {"id": ["a", "b"], "satisfaction": ["0.9", "x"]})
        assert len(res.rows) + len(res.errors) == 2
        assert [row for row, _ in res.errors] == [1]
        org = model.Organization(id="a", facts={"satisfaction": "0.9"})
        assert res.decision(0).to_json() == default.evaluate(org).to_json()


_CELLS = st.sampled_from(
    ["a", "b", "", " a", "1", None, True, False, 1, 0, 2, 1.0, 0.0, float("nan"), Fraction(1, 2)]
)


@settings(max_examples=300)
@given(cells=st.lists(_CELLS, max_size=30), text=st.booleans())
def test_distinct_codes_cells_by_type_and_value_in_first_seen_order(
    cells: list[Any], text: bool
) -> None:
    """distinct(): one code per (type, value), numbered in order of first appearance; True, 1
    and 1.0 stay apart; text arrays and object arrays agree."""
    from tierlib._columnar_input import distinct

    if text:
        cells = [c for c in cells if isinstance(c, str)]
    col = np.array(cells, dtype="U") if text and cells else np.empty(len(cells), dtype=object)
    if col.dtype == object:
        col[:] = cells
    index: dict[Any, int] = {}
    want = [index.setdefault((type(c), c), len(index)) for c in col.tolist()]
    codes, values = distinct(col)
    assert codes.tolist() == want
    assert [(type(v), v) for v in values] == list(index)


class TestNumbersBeyondTheFastPath:
    """Numbers the int64 arithmetic cannot hold, in the data or in the rules: the rows are
    decided by the engine, identical to ``Engine.evaluate``, never an OverflowError."""

    @pytest.mark.skipif(not COUNTY.exists(), reason="examples/county.csv not generated")
    def test_values_with_many_decimals_are_decided_as_the_engine_decides(
        self, default: Engine
    ) -> None:
        columns, _ = _county_columns(COUNTY)
        n = 8
        columns = {k: list(v[:n]) for k, v in columns.items()}
        odd = [3.141592653589793, "3.141592653589793", 0.0999755859375, "5000.000000000001"]
        columns["income_per_capita"][: len(odd)] = odd
        for workers in (1, 2):
            res = evaluate_table(default, columns, workers=workers, chunk_size=4)
            assert_same_as_engine(default, res, n)

    @pytest.mark.parametrize("kind", ["text", "float64"])
    @pytest.mark.skipif(not COUNTY.exists(), reason="examples/county.csv not generated")
    def test_one_value_with_many_decimals_sends_only_its_row_to_the_engine(
        self, default: Engine, kind: str
    ) -> None:
        """5000.000000000001 among 2,588 incomes: its row goes to the engine alone, rather than
        the whole column being scaled by 10**12 (which overflows the arithmetic after it for
        every row); and a later table on the same engine is all on the fast path again."""
        columns, _ = _county_columns(COUNTY)
        columns = {k: v * 4 for k, v in columns.items()}
        n = len(columns["id"])
        income = columns["income_per_capita"]
        if kind == "float64":
            income = [float("nan") if x in (None, "") else float(x) for x in income]
        odd = list(income)
        odd[7] = "5000.000000000001" if kind == "text" else 5000.000000000001
        res = evaluate_table(default, {**columns, "income_per_capita": np.array(odd)})
        assert np.flatnonzero(res.exact_path).tolist() == [7]
        assert_same_as_engine(default, res, n)
        again = evaluate_table(default, {**columns, "income_per_capita": np.array(income)})
        assert not again.exact_path.any()

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ("points: [10, 15], when", "points: [0.3333333333333333, 15], when"),
            ("points: [10, 15], when", "points: [10, 15], when"),  # unchanged: the control
        ],
    )
    @pytest.mark.skipif(not COUNTY.exists(), reason="examples/county.csv not generated")
    def test_rule_points_with_many_decimals_are_decided_as_the_engine_decides(
        self, old: str, new: str
    ) -> None:
        text = (ROOT / "rules" / "default.yaml").read_text(encoding="utf-8")
        assert old in text
        with Engine(loads(text.replace(old, new, 1), "odd.yaml")) as engine:
            columns, _ = _county_columns(COUNTY)
            columns = {k: list(v[:40]) for k, v in columns.items()}
            res = evaluate_table(engine, columns, workers=1)
            assert_same_as_engine(engine, res, 40)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"id": ["A"], "satisfaction": np.array([[0.5]])}, "'satisfaction' is a 2-dimensional"),
        ({"id": ["A", "B"], "satisfaction": [0.5]}, "columns differ in length: [1, 2]"),
        ({"name": ["A"]}, "the table has no 'id'"),
    ],
)
def test_a_malformed_table_is_one_clear_error(
    default: Engine, columns: dict[str, object], message: str
) -> None:
    """Not a numpy error from deep inside: one DataError saying what is wrong with the table."""
    from tierlib.errors import DataError

    with pytest.raises(DataError, match=re.escape(message)):
        evaluate_table(default, columns)
