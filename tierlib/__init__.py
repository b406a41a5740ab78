"""tierlib — tier village Party organizations (村党组织分类定级) with YAML rule sets.

Load a rule file, compile an :class:`Engine`, evaluate organizations into :class:`Decision`
objects, and explain them::

    ruleset = tierlib.load("rules/default.yaml")
    with tierlib.Engine(ruleset) as engine:
        decision = engine.evaluate(org)
    print(tierlib.explain(decision, ruleset).text("zh"))
"""

__version__ = "0.1.0"

from tierlib._load import check, dump, load, loads
from tierlib._verify import Verification, verify
from tierlib.columnar import TableResult, evaluate_stream, evaluate_table
from tierlib.decision import Decision, FiredVeto, MissingInput, Provenance, TraceEvent
from tierlib.engine import Engine, facts_sha256, ruleset_sha256
from tierlib.errors import (
    DataError,
    EngineError,
    FactError,
    Location,
    Problem,
    RuleSetError,
    TierlibError,
)
from tierlib.explain import Explanation, explain
from tierlib.model import FactInput, Label, Organization, RuleSet
from tierlib.tables import read_organizations

__all__ = [
    "DataError",
    "Decision",
    "Engine",
    "EngineError",
    "Explanation",
    "FactError",
    "FactInput",
    "FiredVeto",
    "Label",
    "Location",
    "MissingInput",
    "Organization",
    "Problem",
    "Provenance",
    "RuleSet",
    "RuleSetError",
    "TableResult",
    "TierlibError",
    "TraceEvent",
    "Verification",
    "__version__",
    "check",
    "dump",
    "evaluate_stream",
    "evaluate_table",
    "explain",
    "facts_sha256",
    "load",
    "loads",
    "read_organizations",
    "ruleset_sha256",
    "verify",
]
