"""Generate the fictional example county 安平县: county.csv, county.xlsx, county_with_errors.csv.

Deterministic (fixed numpy seed, fixed workbook properties and zip timestamps): running it twice
gives byte-identical files. Run from anywhere: ``.venv/bin/python examples/make_county.py``.
A latent "strength" per organization drives most facts; 2024 mostly improves on 2023.
``estimate()`` below is a rough re-implementation of rules/default.yaml used ONLY to tune the
distributions and print a summary; it is not tierlib's engine.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
RULES = HERE.parent / "rules" / "default.yaml"
SEED = 20240601
STRENGTH = 0.55  # how strongly the latent strength drives the facts (the rest is noise)
COUNTY, CODE, YEARS = "安平县", "AP", (2023, 2024)
FIXED_TIME = datetime(2025, 1, 15, 8, 0, 0)
HEAD = ["id", "name", "type", "county", "township", "year"]
# (township, communities, villages in both years); communities only in 街道 and 镇
TOWNSHIPS = [("城关街道", 13, 4), ("东城街道", 11, 6), ("柳林镇", 4, 36), ("石桥镇", 3, 38),
             ("清河镇", 3, 36), ("双河镇", 3, 34), ("马坪镇", 3, 40), ("长岗乡", 0, 44),
             ("草店乡", 0, 42)]  # fmt: skip
NEW_COMMUNITIES = {1: 2, 2: 1, 3: 1}  # township no. → communities founded in 2024
MERGED = (4, 8, 9)  # township nos. where one village was merged into a neighbour after 2023
PREFIX = ("柳树 石板 黄土 王家 李家 张家 刘家 陈家 杨家 周家 吴家 何家 高家 胡家 罗家 桃园 杏花 "
          "枣林 松林 竹园 梅子 桂花 荷花 青山 白云 金鸡 凤凰 龙泉 卧龙 双井 三里 五里 七里 九里 "
          "新店 大河 小河 沙河 马鞍 牛角 鹰嘴 红石 青石 白果 油坊")  # fmt: skip
SUFFIX = list("湾岗店河畈冲坪庙桥寨沟铺垸岭坡港坝洼集庄")
COMMUNITY = ("文昌 春晖 和平 新华 解放 建设 人民 光明 东风 向阳 幸福 团结 振兴 花园 滨河 紫荆 锦绣 "
             "翠苑 金桥 银杏 书院 府前 站前 桂园 阳光 民主 胜利 朝阳 红星 五一 康宁 泰和 安居 "
             "丰收 长青 东关 西关 南关 北关 玉泉 友谊 繁荣 育才 迎宾")  # fmt: skip
# boolean facts: true when strength + persistent + yearly noise exceeds the threshold
BOOL = {"has_industry_plan": -1.2, "has_leading_industry": -0.7, "road_hardened": -1.8,
        "road_to_groups": -1.0, "road_lights": -0.4, "road_maintained": -1.1, "water_safe": -1.6,
        "water_tap": -0.7, "has_cooperative": -1.0, "waste_collection": -1.3,
        "governance_ok": -1.5, "team_united": -1.8, "has_woman_member": -1.2,
        "open_party_affairs": -1.8, "open_village_affairs": -1.6, "open_finance": -1.3}  # fmt: skip
URBAN = {"road_hardened", "road_to_groups", "road_lights", "water_safe", "water_tap"}
SPARSE = {"green_coverage": 0.03, "culture_points": 0.03, "income_growth": 0.03,
          "satisfaction": 0.005}  # fmt: skip


def fact_names() -> list[str]:
    """The facts of rules/default.yaml in order (a regex, so no YAML library is needed)."""
    block = RULES.read_text(encoding="utf-8").split("\nfacts:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^  (\w+): \{kind:", block, flags=re.M)


def make_orgs(rng: np.random.Generator) -> list[dict]:
    villages = iter(rng.permutation([p + s for p in PREFIX.split() for s in SUFFIX]))
    communities = iter(rng.permutation(COMMUNITY.split()))
    orgs = []
    for t, (town, n_comm, n_vill) in enumerate(TOWNSHIPS, 1):
        kinds = ["community"] * n_comm + ["village"] * (n_vill + (t in MERGED))
        kinds += ["new"] * NEW_COMMUNITIES.get(t, 0)
        merged = n_comm + 1 + int(rng.integers(3, n_vill)) if t in MERGED else -1
        for n, kind in enumerate(kinds, 1):
            village = kind == "village"
            years = YEARS[:1] if n == merged else YEARS[1:] if kind == "new" else YEARS
            s = rng.normal(0.0, 1.0) if village else rng.normal(0.2, 0.8)
            s -= 0.6 * (n == merged)  # small weak villages get merged
            s += 2.0 * (rng.random() < 0.035)  # a few model villages (示范村)
            delta = rng.normal(0.26, 0.3)
            name = str(next(villages)) + "村" if village else str(next(communities)) + "社区"
            orgs.append(
                {
                    "id": f"{CODE}-{t:02d}-{n:03d}",
                    "name": name,
                    "type": "village" if village else "community",
                    "township": town,
                    "years": years,
                    "s": {2023: s, 2024: s + delta},
                    "e": {k: rng.normal(0, 0.5) for k in BOOL},  # persistent part per fact
                    "income0": 3500 * np.exp(0.26 * s + rng.normal(0, 0.1)),
                }
            )
    return orgs


def shape_history(orgs: list[dict], rng: np.random.Generator) -> None:
    """A few big improvements (two-class jumps) and a few set-backs from 2023 to 2024."""
    both = [o for o in orgs if len(o["years"]) == 2]
    picks = rng.permutation(len(both))
    for i in picks[:4]:  # big improvements (new secretary, new industry)
        both[i]["s"][2024], both[i]["tag"] = both[i]["s"][2023] + 2.6, "jump"
    for i in picks[4:9]:  # set-backs
        both[i]["s"][2024], both[i]["tag"] = both[i]["s"][2023] - 1.2, "setback"


def yearly_facts(o: dict, year: int, rng: np.random.Generator) -> dict:
    s, urban = STRENGTH * o["s"][year], o["type"] == "community"
    f: dict = {}
    for k, th in BOOL.items():
        bonus = 1.2 if urban and k in URBAN else -1.0 if urban and k == "has_cooperative" else 0
        f[k] = bool(s + o["e"][k] + bonus + rng.normal(0, 0.25) > th)

    def num(mean: float, slope: float, sd: float, lo: float, hi: float, step: float) -> float:
        x = float(np.clip(mean + slope * s + rng.normal(0, sd), lo, hi))
        return round(round(x / step) * step, 4)

    f["leading_industry_income_share"] = num(0.40, 0.12, 0.1, 0.05, 0.9, 0.01)
    f["coop_household_share"] = num(0.25, 0.1, 0.1, 0.02, 0.8, 0.01) if f["has_cooperative"] else 0
    growth = o["s"][year] - o["s"].get(year - 1, o["s"][year] - 0.22)
    g = float(np.clip(rng.normal(0.045 + 0.09 * growth, 0.035), -0.15, 0.4))
    income = o.setdefault("income", {}).get(year - 1, o["income0"] * (1.3 if urban else 1))
    o["income"][year] = income * (1 + g)
    f["income_per_capita"] = int(round(o["income"][year] / 10) * 10)
    f["income_growth"] = round(g, 3)
    f["sanitation_points"] = num(3.7, 1.5, 0.8, 0, 8, 0.5)
    f["green_coverage"] = num(0.17, 0.07, 0.05, 0.02, 0.6, 0.01)
    f["medical_enrolment"] = num(0.91, 0.03, 0.02, 0.7, 1.0, 0.001)
    f["culture_points"] = num(2.4, 0.8, 0.6, 0, 5, 0.5)
    f["big_ceremonies"] = bool(s + rng.normal(0, 0.8) < -1.6)
    f["superstition_incidents"] = int(rng.poisson(max(0.05, 0.35 - 0.3 * s)))
    f["two_committees_complete"] = True
    f["satisfaction"] = num(0.815, 0.045, 0.03, 0.61, 0.99, 0.01)
    f["secretary_vacant_months"] = int(rng.integers(1, 4)) if rng.random() < 0.05 else 0
    f["election_bribery"] = f["clan_interference"] = False
    f["has_venue"] = True
    f["collective_income"] = int(round(105000 * np.exp(0.6 * s + rng.normal(0, 0.4)), -2))
    return f


def add_incidents(rows: list[dict], names: list[str], rng: np.random.Generator) -> None:
    """Veto situations, missing cells and whole-row gaps (on fixed, seeded picks)."""
    for year in YEARS:
        yr = sorted((r for r in rows if r["year"] == year), key=lambda r: r["_s"])
        weak = [yr[i] for i in rng.permutation(len(yr) // 5)]  # the weakest fifth
        mid = [yr[i] for i in rng.permutation(range(len(yr) // 3, len(yr) * 4 // 5))]
        for r in weak[:4] + mid[:2]:
            r["two_committees_complete"] = False  # ≈2 %
        for r in weak[4:6] + mid[2:3]:
            r["secretary_vacant_months"] = int(rng.integers(4, 9))
        weak[6]["election_bribery"] = True
        weak[7]["clan_interference"] = True
        for r in weak[8:10]:
            r["has_venue"] = False
        for r in weak[10:12]:
            r["satisfaction"] = round(float(rng.uniform(0.45, 0.59)), 2)
        calm = [r for r in yr if not r["_tag"]]  # no planned jump or set-back
        if year == 2023:  # a good organization without a secretary, filled in 2024: 4 → 2
            calm[-12]["secretary_vacant_months"] = 5
        else:  # a strong organization whose 两委 became incomplete: forced to class 4
            calm[-2]["two_committees_complete"] = False
    for k, p in SPARSE.items():
        for r in rows:
            if rng.random() < p:
                r[k] = None
    for r in (rows[57], rows[-100]):  # data not submitted
        r.update(dict.fromkeys(names))


def estimate(r: dict) -> tuple[int | None, float | None]:
    """Rough (tier 1-4 or None = pending, score) under rules/default.yaml; a tuning aid only."""
    g = r.get
    inc, sat, green = g("income_per_capita"), g("satisfaction"), g("green_coverage")
    if inc is None or sat is None:
        return None, None
    p = g("has_industry_plan") + g("has_leading_industry")
    p += 2 * (g("leading_industry_income_share") >= 0.5)
    p += g("road_hardened") + g("road_to_groups") + g("road_lights") + g("road_maintained")
    p += 2 * g("water_safe") + 2 * g("water_tap")
    p += g("has_cooperative") + 2 * (g("coop_household_share") > 0.3)
    growth = g("income_growth") or 0.0
    bands = [(0, 2300, 5, 10, False), (2300, 4500, 10, 15, growth > 0.13)]
    bands += [(4500, 5500, 15, 20, growth > 0.15), (5500, 8000, 20, 25, growth > 0.17)]
    met = [
        a + (b - a) * clamp((inc - lo) / (hi - lo))
        for lo, hi, a, b, c in bands
        if c or lo <= inc < hi
    ]
    p += 25 if inc >= 8000 else max(met)
    p += g("sanitation_points") + 6 * g("waste_collection") + 2 * g("governance_ok")
    me = g("medical_enrolment")
    p += 4 if me >= 0.95 else 3.5 if me >= 0.9 else 3 if me >= 0.8 else 2
    customs = 4 - 2 * g("big_ceremonies") - g("superstition_incidents")
    p += (g("culture_points") or 0) + max(0, customs)
    team = 5 * (not g("two_committees_complete")) + 3 * (not g("team_united"))
    p += clamp(10 - team - 3 * (not g("has_woman_member")), 10)
    p += 3 * g("open_party_affairs") + 3 * g("open_village_affairs") + 2 * g("open_finance")
    p += 7 * clamp((sat - 0.6) / 0.35)
    p = p * 100 / 94 if green is None else p + 6 * clamp((green - 0.1) / 0.2)
    score = int(p * 10 + 0.5 + 1e-9) / 10
    tier = 1 if score >= 90 else 2 if score >= 80 else 3 if score >= 60 else 4
    tier = max(tier, 2 if g("collective_income") < 50000 else 1, 3 if sat < 0.8 else 1)
    vetoed = not (g("two_committees_complete") and g("has_venue")) or sat < 0.6
    vetoed |= g("secretary_vacant_months") > 3 or g("election_bribery") or g("clan_interference")
    tier = 4 if vetoed else tier
    return tier, score


def clamp(x: float, hi: float = 1.0) -> float:
    return min(max(x, 0.0), hi)


def cell(v: object) -> str:
    """CSV text: true/false, plain decimals (never exponent notation), empty = missing."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        text = f"{v:.4f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(v)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([header, *rows])


def write_xlsx(path: Path, header: list[str], rows: list[dict]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "组织"
    ws.append(header)
    for r in rows:
        ws.append([cell(v) if isinstance(v, bool) else v for v in (r[k] for k in header)])
    ws.freeze_panes = "A2"
    wb.properties.creator = wb.properties.lastModifiedBy = "tierlib examples/make_county.py"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # fixed timestamps and attributes: a reproducible zip
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))


def main() -> None:
    rng = np.random.default_rng(SEED)
    names = fact_names()
    orgs = make_orgs(rng)
    shape_history(orgs, rng)
    rows = []
    for year in YEARS:
        for o in (o for o in orgs if year in o["years"]):
            f = yearly_facts(o, year, rng)
            assert set(f) == set(names), set(f) ^ set(names)
            head = [o["id"], o["name"], o["type"], COUNTY, o["township"], year]
            rows.append({**dict(zip(HEAD, head)), **f, "_s": o["s"][year], "_tag": o.get("tag")})
    add_incidents(rows, names, rng)
    header = HEAD + names
    write_csv(HERE / "county.csv", header, [[cell(r[k]) for k in header] for r in rows])
    write_xlsx(HERE / "county.xlsx", header, rows)
    sample = [dict(r) for r in rows if r["year"] == 2024][::27][:12]  # all townships
    sample[2]["income_per_capita"] = "abc"  # not a number
    sample[5]["superstition_incidents"] = -1  # below its minimum 0
    sample[7]["satisfaction"] = 1.7  # above its maximum 1
    sample[10]["water_tap"] = "maybe"  # not a boolean
    bad = [[cell(r[k]) for k in header] for r in sample]
    write_csv(HERE / "county_with_errors.csv", header, bad)
    report(rows, names, len(sample))


def report(rows: list[dict], names: list[str], n_bad: int) -> None:
    """Counts, the estimated tier distribution and a few organizations worth citing."""
    print(f"county.csv / county.xlsx: {len(rows)} rows; county_with_errors.csv: {n_bad} rows")
    by = Counter((r["year"], r["township"], r["type"][0]) for r in rows)
    est = {(r["id"], r["year"]): estimate(r) for r in rows}
    tier = {k: t or 0 for k, (t, _) in est.items()}  # 0 = pending
    for year in YEARS:
        print(year, dict(Counter(r["type"] for r in rows if r["year"] == year)))
        towns = (f"{t} {by[year, t, 'v']}+{by[year, t, 'c']}" for t, *_ in TOWNSHIPS)
        print("  villages+communities:", ", ".join(towns))
        c = Counter(t for (_, y), t in tier.items() if y == year)
        share = {k: f"{c[k]} ({c[k] / sum(c.values()):.1%})" for k in sorted(c)}
        print(f"  estimated tiers (0 = pending): {share}")
    pairs = [(i, tier[i, 2023], t) for (i, y), t in tier.items() if y == 2024 and (i, 2023) in tier]
    print("2023 → 2024:", dict(sorted(Counter((a, b) for _, a, b in pairs if a and b).items())))
    print("class 4 both years:", [i for i, a, b in pairs if a == b == 4])
    print("promoted two classes:", [i for i, a, b in pairs if a and b and a - b >= 2])
    print("class 4, score >= 85:", [k for k, (t, s) in est.items() if t == 4 and s and s >= 85])
    print("pending:", [k for k, t in tier.items() if not t])
    keys = [(r["id"], r["year"]) for r in rows]
    print("no green_coverage:", [k for k, r in zip(keys, rows) if r["green_coverage"] is None][:5])
    print("no data:", [k for k, r in zip(keys, rows) if all(r[f] is None for f in names)])


if __name__ == "__main__":
    main()
