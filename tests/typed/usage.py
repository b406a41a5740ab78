"""What an application writes with tierlib, checked by ``mypy --strict`` (tests/test_typing.py).

Not a test module: every line here must type-check as written, without ``# type: ignore``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

import tierlib
from tierlib.model import FactValue

RULES = Path(__file__).resolve().parents[2] / "rules" / "default.yaml"


def organizations() -> list[tierlib.Organization]:
    """Fact values of every kind the engine reads: numbers, booleans, text, None (missing)."""
    incomes: dict[str, float] = {"income_per_capita": 9000.5}
    counts: dict[str, int] = {"superstition_incidents": 0}
    mixed: dict[str, tierlib.FactInput] = {
        "satisfaction": 0.92,
        "income_per_capita": 9000,
        "income_growth": Decimal("0.08"),
        "coop_household_share": Fraction(2, 5),
        "has_venue": True,
        "road_hardened": "是",
        "green_coverage": None,
        "medical_enrolment": np.float64(0.97),
        "superstition_incidents": np.int64(0),
    }
    return [
        tierlib.Organization(id="AP-01-001", name="柳树湾村", year=2024, facts=mixed),
        tierlib.Organization(id="AP-01-002", facts=incomes),
        tierlib.Organization(id="AP-01-003", facts=counts),
        tierlib.Organization(id="AP-01-004", facts={"satisfaction": None, "has_venue": "否"}),
        tierlib.Organization(id="AP-01-005", facts={"satisfaction": 0.5, "has_venue": False}),
    ]


def checked(engine: tierlib.Engine, org: tierlib.Organization) -> dict[str, FactValue]:
    """The engine's checked facts keep their narrow type: Fraction, bool or text."""
    facts = engine.facts(org)
    share = facts.get("satisfaction")
    if isinstance(share, Fraction):
        share = share * 100
    return facts


def main() -> None:
    ruleset = tierlib.load(RULES)
    with tierlib.Engine(ruleset) as engine:
        for org in organizations():
            try:
                decision = engine.evaluate(org)
            except tierlib.FactError as exc:
                print([p.code for p in exc.problems])
                continue
            print(decision.tier, decision.score, checked(engine, org))
        res = tierlib.evaluate_table(engine, organizations())
        for record in res.to_records():
            print(record["id"], record["status"], record["error"])
        print(engine.explain(res.decision(0)).text("en"))


if __name__ == "__main__":
    main()
