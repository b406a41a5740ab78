"""Explain one village's tier with tierlib: ``python examples/explain_one.py [ID] [zh|en]``."""

import sys
from pathlib import Path
from typing import Literal

import tierlib

HERE = Path(__file__).resolve().parent
org_id = sys.argv[1] if len(sys.argv) > 1 else "AP-03-008"
lang: Literal["zh", "en"]
match sys.argv[2] if len(sys.argv) > 2 else "zh":
    case "zh":
        lang = "zh"
    case "en":
        lang = "en"
    case other:
        sys.exit(f"explain_one.py: the language is zh or en, not {other!r}")

ruleset = tierlib.load(HERE.parent / "rules" / "default.yaml")
with tierlib.Engine(ruleset) as engine:
    rows = [org for _, org in tierlib.read_organizations(HERE / "county.csv")]
    village = max(
        (o for o in rows if isinstance(o, tierlib.Organization) and o.id == org_id),
        key=lambda o: o.year or 0,
    )
    decision = engine.evaluate(village)
print(tierlib.explain(decision, ruleset).text(lang))
