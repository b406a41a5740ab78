"""tierlib benchmark: columnar evaluation against the engine, durable_rules, ZEN and bare numpy.

One command (not part of the tests)::

    .venv/bin/python bench/bench.py [--sizes 10000,100000,1000000] [--sample 20000]

One workload — the default scheme (rules/default.yaml: 15 indicators, 5 dimensions, 4 tiers,
8 vetoes/caps/requirements, 3 flags) over synthetic typed columns (bool arrays, float64 with
NaN for a missing green coverage, int64 counts) — is measured in one run:

* tierlib columnar (``evaluate_table``: status, tier, exact scores, dimension subtotals,
  points per indicator, vetoes, flags, missing inputs) for each size, each size in its own
  subprocess so that peak RSS figures do not mix; also ``evaluate_stream`` over 1M rows
  generated chunk by chunk (flat memory);
* a loop over ``Engine.evaluate`` on a subsample, extrapolated; the median latency of one
  ``Engine.evaluate`` + ``Engine.explain`` on a fresh engine over organizations it has not
  seen; load+check+compile time of the default scheme;
* durable_rules used directly with its safe pattern (one Host without timers, one fact per
  fresh session id, then ``delete_state``): the vetoes as rules — matching only, no scoring;
* the ZEN engine with a JDM graph equivalent to score-and-tier plus vetoes, trace on and off;
* a bare float64 numpy score-and-tier (no vetoes, no exactness, no explanation data).

Peers that are not exact report how often their tier agrees with tierlib on the sample.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tierlib  # noqa: E402
from tierlib.columnar import _default_workers, evaluate_stream, evaluate_table  # noqa: E402
from tierlib.engine import Engine  # noqa: E402
from tierlib.model import Organization  # noqa: E402

RULES = ROOT / "rules" / "default.yaml"
BOOLEAN_RATE = {"two_committees_complete": 0.97, "has_venue": 0.98, "election_bribery": 0.01,
                "clan_interference": 0.01, "big_ceremonies": 0.1, "has_woman_member": 0.8}  # fmt: skip


# ---------------------------------------------------------------- workload


_LOADED: list[Any] = []


def _ruleset() -> Any:
    if not _LOADED:
        _LOADED.append(tierlib.load(RULES))
    return _LOADED[0]


def workload(n: int, seed: int = 2024, start: int = 0) -> dict[str, np.ndarray]:
    """Typed columns for ``n`` organizations of the default scheme (deterministic)."""
    rng = np.random.default_rng(seed + start)
    rs = _ruleset()
    strength = rng.normal(0.0, 1.0, n)
    cols: dict[str, np.ndarray] = {
        "id": np.char.add("B", np.char.zfill(np.arange(start, start + n).astype("U7"), 7)),
        "type": np.where(rng.random(n) < 0.9, "village", "community"),
    }
    for name, spec in rs.facts.items():
        if spec.kind == "boolean":
            rate = BOOLEAN_RATE.get(name, 0.8)
            cols[name] = rng.random(n) < np.clip(rate + 0.1 * strength, 0.0, 1.0)
        elif spec.integer:
            cols[name] = rng.poisson(0.3 if name == "superstition_incidents" else 0.2, n)
        elif spec.maximum == 1:
            cols[name] = np.round(np.clip(0.75 + 0.15 * strength + rng.normal(0, 0.1, n), 0, 1), 3)
        elif spec.maximum is not None:
            top = float(spec.maximum)
            cols[name] = np.round(np.clip(top * (0.7 + 0.2 * strength), 0, top) * 2) / 2
        elif name == "income_growth":
            cols[name] = np.round(rng.normal(0.1, 0.05, n), 3)
        elif name == "collective_income":
            cols[name] = np.round(np.exp(rng.normal(11, 0.6, n)), -2)
        else:  # income per capita
            cols[name] = np.round(np.clip(5500 + 1800 * strength, 500, 20000), 0)
    cols["green_coverage"][rng.random(n) < 0.02] = np.nan  # rescale policy: left out
    return cols


def organizations(cols: dict[str, np.ndarray], rows: range) -> list[Organization]:
    """Row ``i`` as an Organization with plain Python values (NaN = missing)."""
    names = [k for k in cols if k not in ("id", "type")]
    out = []
    for i in rows:
        facts: dict[str, Any] = {}
        for k in names:
            v = cols[k][i].item()
            if not (isinstance(v, float) and v != v):
                facts[k] = v
        out.append(Organization(id=str(cols["id"][i]), type=str(cols["type"][i]), facts=facts))
    return out


def chunks(n: int, size: int) -> Iterator[dict[str, np.ndarray]]:
    for lo in range(0, n, size):
        yield workload(min(size, n - lo), start=lo)


# ---------------------------------------------------------------- measurements


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(
    runs: int, fn: Callable[[], Any], before: Callable[[], Any] = lambda: None
) -> list[float]:
    """Seconds of each of ``runs`` calls of ``fn``; ``before`` runs untimed ahead of each."""
    times = []
    for _ in range(runs):
        before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def child_columnar(n: int, mode: str) -> dict[str, Any]:
    """Run in a subprocess: columnar evaluation of ``n`` rows; returns rate and peak RSS."""
    engine = Engine(tierlib.load(RULES))
    base = peak_rss_mb()
    if mode == "stream":
        t = time.perf_counter()
        counts: dict[str, int] = {}
        for part in evaluate_stream(engine, chunks(n, 65536)):
            for k, v in part.distribution().items():
                counts[k] = counts.get(k, 0) + v
        seconds = time.perf_counter() - t  # includes generating the chunks
        return {"n": n, "seconds": seconds, "rate": n / seconds, "peak_rss_mb": peak_rss_mb(),
                "base_rss_mb": base, "distribution": counts}  # fmt: skip
    cols = workload(n)
    data_mb = sum(c.nbytes for c in cols.values()) / 2**20
    evaluate_table(engine, {k: v[:2000] for k, v in cols.items()})  # warm up
    result: Any = None

    workers = 1 if mode == "table1" else None

    def run() -> None:
        nonlocal result
        result = evaluate_table(engine, cols, workers=workers)

    def release() -> None:  # freeing the previous result is not part of evaluating
        nonlocal result
        result = None

    times = timed(4 if n <= 100_000 else 3, run, release)
    seconds = min(times)
    return {"n": n, "seconds": seconds, "rate": n / seconds, "cold_rate": n / times[0],
            "workers": workers or _default_workers(),
            "peak_rss_mb": peak_rss_mb(),
            "base_rss_mb": base, "input_mb": data_mb, "exact_path_rows": int(result.exact_path.sum()),
            "errors": len(result.errors), "distribution": result.distribution()}  # fmt: skip


def in_subprocess(n: int, mode: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", mode, str(n)]
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench_engine(
    engine: Engine, orgs: list[Organization], seasoned: list[Organization]
) -> dict[str, Any]:
    """The loop rate over ``orgs``, and the latency on organizations the engine has not seen.

    Latency uses a fresh engine (its memos empty), warmed on the last 200 organizations and
    timed on the first 1,000, so no timed organization repeats an earlier one. It is timed again
    on an engine warmed on the ``seasoned`` organizations (others again), as a service that has
    already seen a county's worth would be."""
    t = time.perf_counter()
    for org in orgs:
        engine.evaluate(org)
    loop = time.perf_counter() - t
    timed = orgs[: min(1000, len(orgs) - 200)]
    fresh = _latency(engine.ruleset, orgs[-200:], timed)
    seasoned_ = _latency(engine.ruleset, seasoned, timed)
    return {"rate": len(orgs) / loop, "median_us": fresh[0], "median_evaluate_us": fresh[1],
            "seasoned_us": seasoned_[0], "seasoned_evaluate_us": seasoned_[1],
            "seasoned_n": len(seasoned)}  # fmt: skip


def _latency(
    ruleset: Any, warm: list[Organization], timed: list[Organization]
) -> tuple[float, float]:
    """Median µs of evaluate+explain and of evaluate alone over ``timed``, on a new engine
    that has decided and explained ``warm`` first."""
    with Engine(ruleset) as engine:
        for org in warm:
            engine.explain(engine.evaluate(org))
        lat, lat_eval = [], []
        for org in timed:
            t0 = time.perf_counter()
            d = engine.evaluate(org)
            t1 = time.perf_counter()
            engine.explain(d)
            t2 = time.perf_counter()
            lat.append(t2 - t0)
            lat_eval.append(t1 - t0)
    return statistics.median(lat) * 1e6, statistics.median(lat_eval) * 1e6


def bench_compile() -> dict[str, float]:
    loads, compiles = [], []
    for _ in range(7):
        t0 = time.perf_counter()
        rs = tierlib.load(RULES)
        t1 = time.perf_counter()
        Engine(rs).close()
        compiles.append(time.perf_counter() - t1)
        loads.append(t1 - t0)
    return {
        "load_check_ms": statistics.median(loads) * 1e3,
        "compile_ms": statistics.median(compiles) * 1e3,
    }


# ---------------------------------------------------------------- durable_rules, directly

VETO_CONDITIONS = {  # the default scheme's vetoes as durable_rules conditions (booleans as 1/0)
    "team_incomplete": {"two_committees_complete": 0},
    "secretary_vacant": {"$gt": {"secretary_vacant_months": 3}},
    "election_bribery": {"election_bribery": 1},
    "clan_interference": {"clan_interference": 1},
    "no_venue": {"has_venue": 0},
    "discontent": {"$lt": {"satisfaction": 0.6}},
    "satisfaction_cap": {"$lt": {"satisfaction": 0.8}},
    "class1_needs_collective_income": {"$gte": {"collective_income": 50000}},
}


def bench_durable(facts: list[dict[str, Any]]) -> dict[str, Any]:
    import durable.engine

    class Host(durable.engine.Host):  # type: ignore[misc]
        def _run(self) -> None:  # no timer threads
            pass

    fired: list[str] = []

    def action(name: str) -> Callable[[Any], None]:
        def run(c: Any) -> None:
            fired.append(name)

        return run

    rules: dict[str, Any] = {
        name: {"all": [{"m": {"$and": [{"tk": 7}, cond]}}], "run": action(name)}
        for name, cond in VETO_CONDITIONS.items()
    }
    rules["sentinel"] = {"all": [{"m": {"$and": [{"tk": 7}]}}], "run": action("")}
    host = Host()
    host.set_rulesets({"bench": rules})
    encoded: list[dict[str, Any]] = []
    for i, f in enumerate(facts):
        fact = {k: (int(v) if isinstance(v, bool) else v) for k, v in f.items()}
        encoded.append({**fact, "tk": 7, "sid": str(i + 1)})
    t = time.perf_counter()
    hits = 0
    for i, fact in enumerate(encoded):
        fired.clear()
        host.assert_fact("bench", fact)
        host.delete_state("bench", str(i + 1))
        hits += len(fired) - 1
    seconds = time.perf_counter() - t
    return {"rate": len(facts) / seconds, "rules_fired": hits}


# ---------------------------------------------------------------- ZEN


def _clamp(expr: str, low: float, high: float) -> str:
    return f"min([max([{expr}, {low}]), {high}])"


def zen_graph() -> dict[str, Any]:
    """A JDM graph equivalent to the default scheme's score, tier and vetoes (complete data;
    green coverage may be missing: rescaled as in the scheme)."""
    b = lambda name, pts: f"({name} ? {pts} : 0)"  # noqa: E731
    x = "income_per_capita"
    g = "income_growth"
    income = (
        "max(["
        f"({x} < 2300 ? 5 + 5 * {_clamp(f'{x} / 2300', 0, 1)} : 0), "
        f"({x} >= 2300 and {x} < 4500 ? 10 + 5 * {_clamp(f'({x} - 2300) / 2200', 0, 1)} : ({g} > 0.13 ? 10 : 0)), "
        f"({x} >= 4500 and {x} < 5500 ? 15 + 5 * {_clamp(f'({x} - 4500) / 1000', 0, 1)} : ({g} > 0.15 ? 15 : 0)), "
        f"({x} >= 5500 and {x} < 8000 ? 20 + 5 * {_clamp(f'({x} - 5500) / 2500', 0, 1)} : ({g} > 0.17 ? 20 : 0)), "
        f"({x} >= 8000 ? 25 : 0)])"
    )
    m = "medical_enrolment"
    points = {
        "leading_industry": f"{b('has_industry_plan', 1)} + {b('has_leading_industry', 1)} + (leading_industry_income_share >= 0.5 ? 2 : 0)",
        "roads": " + ".join(b(f, 1) for f in ("road_hardened", "road_to_groups", "road_lights", "road_maintained")),
        "drinking_water": f"{b('water_safe', 2)} + {b('water_tap', 2)}",
        "cooperatives": f"{b('has_cooperative', 1)} + (coop_household_share > 0.3 ? 2 : 0)",
        "income": income,
        "sanitation": "sanitation_points",
        "greening": f"(green_coverage == null ? 0 : 6 * {_clamp('(green_coverage - 0.1) / 0.2', 0, 1)})",
        "waste": b("waste_collection", 6),
        "governance": b("governance_ok", 2),
        "education_health": f"({m} >= 0.95 ? 4 : ({m} >= 0.9 ? 3.5 : ({m} >= 0.8 ? 3 : 2)))",
        "culture": "culture_points",
        "customs": _clamp(f"4 - {b('big_ceremonies', 2)} - superstition_incidents", 0, 4),
        "team": _clamp("10 - (two_committees_complete ? 0 : 5) - (team_united ? 0 : 3) - (has_woman_member ? 0 : 3)", 0, 10),
        "openness": f"{b('open_party_affairs', 3)} + {b('open_village_affairs', 3)} + {b('open_finance', 2)}",
        "satisfaction": "7 * " + _clamp("(satisfaction - 0.6) / 0.35", 0, 1),
    }  # fmt: skip
    dims = {
        "production": ["leading_industry", "roads", "drinking_water", "cooperatives"],
        "living": ["income"],
        "appearance": ["sanitation", "greening", "waste"],
        "civility": ["governance", "education_health", "culture", "customs"],
        "democracy": ["team", "openness", "satisfaction"],
    }
    exprs = [(f"points.{k}", v) for k, v in points.items()]
    # later expressions of one node read earlier ones as $.key
    exprs += [
        (f"dimension.{d}", " + ".join(f"$.points.{i}" for i in ids)) for d, ids in dims.items()
    ]
    base = " + ".join(f"$.dimension.{d}" for d in dims)
    exprs.append(("raw", f"(green_coverage == null ? ({base}) * 100 / 94 : {base})"))
    exprs.append(("score", "floor($.raw * 10 + 0.5) / 10"))
    vetoes = {
        "team_incomplete": "not two_committees_complete",
        "secretary_vacant": "secretary_vacant_months > 3",
        "election_bribery": "election_bribery",
        "clan_interference": "clan_interference",
        "no_venue": "not has_venue",
        "discontent": "satisfaction < 0.6",
        "satisfaction_cap": "satisfaction < 0.8",
        "class1_needs_collective_income": "collective_income < 50000",
    }
    exprs += [(f"veto.{k}", v) for k, v in vetoes.items()]
    forced = " or ".join(f"veto.{k}" for k in list(vetoes)[:6])
    expression = {
        "id": "points",
        "type": "expressionNode",
        "name": "points",
        "position": {"x": 0, "y": 0},
        "content": {
            "expressions": [{"id": f"e{i}", "key": k, "value": v} for i, (k, v) in enumerate(exprs)]
        },
    }
    final = {
        "id": "final",
        "type": "expressionNode",
        "name": "final",
        "position": {"x": 0, "y": 0},
        "content": {
            "expressions": [
                {"id": "f0", "key": "by_score", "value": "score >= 90 ? 1 : (score >= 80 ? 2 : (score >= 60 ? 3 : 4))"},
                {"id": "f1", "key": "capped", "value": "veto.satisfaction_cap ? max([$.by_score, 3]) : $.by_score"},
                {"id": "f2", "key": "required", "value": "veto.class1_needs_collective_income and $.capped == 1 ? 2 : $.capped"},
                {"id": "f3", "key": "tier", "value": f"({forced}) ? 'class4' : 'class' + string($.required)"},
            ]
        },
    }  # fmt: skip
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request", "position": {"x": 0, "y": 0}},
            expression,
            final,
            {"id": "out", "type": "outputNode", "name": "response", "position": {"x": 0, "y": 0}},
        ],
        "edges": [
            {"id": "a", "sourceId": "in", "targetId": "points", "type": "edge"},
            {"id": "b", "sourceId": "points", "targetId": "final", "type": "edge"},
            {"id": "c", "sourceId": "final", "targetId": "out", "type": "edge"},
        ],
    }


def bench_zen(facts: list[dict[str, Any]], trace: bool) -> tuple[dict[str, Any], list[str]]:
    import zen

    decision = zen.ZenEngine().create_decision(json.dumps(zen_graph()))
    tiers: list[str] = []
    t = time.perf_counter()
    for f in facts:
        tiers.append(decision.evaluate(f, {"trace": trace})["result"]["tier"])
    seconds = time.perf_counter() - t
    return {"rate": len(facts) / seconds}, tiers


# ---------------------------------------------------------------- bare numpy


def numpy_score(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Float64 score-and-tier of the default scheme (the same formulas; no vetoes)."""
    c = cols

    def clip01(v: np.ndarray) -> np.ndarray:
        return np.clip(v, 0.0, 1.0)

    x, g, m = c["income_per_capita"], c["income_growth"], c["medical_enrolment"]
    income = np.max(
        [
            np.where(x < 2300, 5 + 5 * clip01(x / 2300), 0),
            np.where(
                (x >= 2300) & (x < 4500),
                10 + 5 * clip01((x - 2300) / 2200),
                np.where(g > 0.13, 10, 0),
            ),
            np.where(
                (x >= 4500) & (x < 5500),
                15 + 5 * clip01((x - 4500) / 1000),
                np.where(g > 0.15, 15, 0),
            ),
            np.where(
                (x >= 5500) & (x < 8000),
                20 + 5 * clip01((x - 5500) / 2500),
                np.where(g > 0.17, 20, 0),
            ),
            np.where(x >= 8000, 25, 0),
        ],
        axis=0,
    )
    green = c["green_coverage"]
    base = (
        c["has_industry_plan"] * 1.0 + c["has_leading_industry"] + 2.0 * (c["leading_industry_income_share"] >= 0.5)
        + c["road_hardened"] + c["road_to_groups"] + c["road_lights"] + c["road_maintained"]
        + 2.0 * c["water_safe"] + 2.0 * c["water_tap"] + c["has_cooperative"] + 2.0 * (c["coop_household_share"] > 0.3)
        + income + c["sanitation_points"] + np.nan_to_num(6 * clip01((green - 0.1) / 0.2)) + 6.0 * c["waste_collection"]
        + 2.0 * c["governance_ok"] + np.select([m >= 0.95, m >= 0.9, m >= 0.8], [4, 3.5, 3], 2) + c["culture_points"]
        + np.clip(4 - 2.0 * c["big_ceremonies"] - c["superstition_incidents"], 0, 4)
        + np.clip(10 - 5.0 * ~c["two_committees_complete"] - 3.0 * ~c["team_united"] - 3.0 * ~c["has_woman_member"], 0, 10)
        + 3.0 * c["open_party_affairs"] + 3.0 * c["open_village_affairs"] + 2.0 * c["open_finance"]
        + 7 * clip01((c["satisfaction"] - 0.6) / 0.35)
    )  # fmt: skip
    raw = np.where(np.isnan(green), base * 100 / 94, base)
    score = np.floor(raw * 10 + 0.5) / 10
    return np.select([score >= 90, score >= 80, score >= 60], [0, 1, 2], 3)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--sample", type=int, default=20000, help="rows for the per-row peers")
    parser.add_argument("--engine-sample", type=int, default=2000, help="rows for Engine.evaluate")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_columnar(int(args.child[1]), args.child[0])))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, numpy {np.__version__}"
    )
    report: dict[str, Any] = {"compile": bench_compile()}
    print(
        f"load+check: {report['compile']['load_check_ms']:.1f} ms, compile: {report['compile']['compile_ms']:.1f} ms"
    )

    columnar = {}
    for n in sizes:
        columnar[n] = in_subprocess(n, "table")
        columnar[n]["single"] = in_subprocess(n, "table1")
        r = columnar[n]
        print(f"columnar {n:>9,}: {r['rate']:>12,.0f} orgs/s warm ({r['workers']} threads), "
              f"{r['cold_rate']:,.0f} first run; one thread {r['single']['rate']:,.0f} warm; "
              f"peak RSS {r['peak_rss_mb']:.0f} MB (input {r['input_mb']:.0f} MB), exact-path rows {r['exact_path_rows']}")  # fmt: skip
    stream_n = max(sizes)
    stream = in_subprocess(stream_n, "stream")
    print(
        f"stream   {stream_n:>9,}: {stream['rate']:>12,.0f} orgs/s incl. generating chunks, peak RSS {stream['peak_rss_mb']:.0f} MB"
    )

    cols = workload(args.sample)
    engine = Engine(tierlib.load(RULES))
    orgs = organizations(cols, range(min(args.engine_sample, args.sample)))
    seasoned = organizations(cols, range(len(orgs), min(len(orgs) + 5000, args.sample)))
    eng = bench_engine(engine, orgs, seasoned)
    print(f"Engine.evaluate loop ({len(orgs):,} orgs, extrapolated): {eng['rate']:,.0f} orgs/s; median "
          f"evaluate+explain {eng['median_us']:.0f} µs (evaluate alone {eng['median_evaluate_us']:.0f} µs); "
          f"engine warmed on {eng['seasoned_n']:,} others: {eng['seasoned_us']:.0f} µs "
          f"({eng['seasoned_evaluate_us']:.0f} µs)")  # fmt: skip
    facts = [dict(o.facts) for o in organizations(cols, range(args.sample))]
    dur = bench_durable(facts)
    print(f"durable_rules vetoes only ({len(facts):,} facts): {dur['rate']:,.0f} orgs/s")
    zen_on, zen_tiers = bench_zen(facts, trace=True)
    zen_off, _ = bench_zen(facts, trace=False)
    print(f"ZEN trace on: {zen_on['rate']:,.0f} orgs/s; trace off: {zen_off['rate']:,.0f} orgs/s")
    big = workload(max(sizes))
    numpy_rate = max(sizes) / min(timed(3, lambda: numpy_score(big)))
    print(f"bare numpy score-and-tier ({max(sizes):,}): {numpy_rate:,.0f} orgs/s")

    ref = evaluate_table(engine, cols)
    ref_tiers = ref.tier_text()
    zen_agree = float(np.mean([a == b for a, b in zip(ref_tiers, zen_tiers)]))
    score_tiers = np.array(ref.tiers, dtype=object)[numpy_score(cols)]
    np_agree = float(np.mean(score_tiers == np.array(ref.tiers, dtype=object)[ref.score_tier]))
    print(
        f"agreement with tierlib on {args.sample:,} rows: ZEN tier {zen_agree:.2%}, numpy score-tier {np_agree:.2%}"
    )

    top = columnar[max(sizes)]["rate"]
    print("\nratio tierlib columnar (largest size) / peer:")
    peers = {"Engine.evaluate loop": eng["rate"], "durable_rules (vetoes only)": dur["rate"],
             "ZEN trace on": zen_on["rate"], "ZEN trace off": zen_off["rate"], "bare numpy": numpy_rate}  # fmt: skip
    for name, rate in peers.items():
        print(f"  {name:28s} {top / rate:10.1f}×")
    print("\ntargets:")
    print(
        f"  columnar ≥ 3,000,000 orgs/s on {max(sizes):,}: {top:,.0f} — {'met' if top >= 3e6 else 'NOT met'}"
    )
    rss = max(columnar[max(sizes)]["peak_rss_mb"], stream["peak_rss_mb"])
    print(f"  {max(sizes):,} orgs under 1 GB RSS: table {columnar[max(sizes)]['peak_rss_mb']:.0f} MB, "
          f"stream {stream['peak_rss_mb']:.0f} MB — {'met' if rss < 1024 else 'NOT met'}")  # fmt: skip
    print(
        f"  ≥ 100× ZEN with trace on: {top / zen_on['rate']:.0f}× — {'met' if top >= 100 * zen_on['rate'] else 'NOT met'}"
    )
    print(
        f"  Engine.evaluate + explanation ≤ 100 µs median: {eng['median_us']:.0f} µs — {'met' if eng['median_us'] <= 100 else 'NOT met'}"
    )
    total = report["compile"]["load_check_ms"] + report["compile"]["compile_ms"]
    print(f"  load+check+compile ≤ 50 ms: {total:.0f} ms — {'met' if total <= 50 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
