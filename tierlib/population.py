"""Whole-county rules over many decisions: quotas (倒排), rankings, distributions, year-on-year
comparison (升级晋档) and the biggest risers per township (晋位最多), streaks, promotion deadlines
and warning-colour escalation.

Pure functions over immutable inputs. The decisions they take are
:class:`~tierlib.decision.Decision` objects, or anything else with the attributes of
:class:`Rated` (all that is read of a decision), such as the
:class:`~tierlib.tables.Outcome` of a decided row. The results are frozen attrs classes with
``to_dict()`` for JSON, and every population-level outcome explains itself in Chinese and English
(``reason_zh`` / ``reason_en``). ``tier_order`` is always the tier ids best first (see
:func:`tier_order`); ``labels`` (see :func:`tier_labels`) only make the explanations name tiers
by their labels instead of their ids.

This module is the public face: the code lives in private modules, one per step —
:mod:`tierlib._quota`, :mod:`tierlib._ranking`, :mod:`tierlib._distribution`,
:mod:`tierlib._history` (records and transitions), :mod:`tierlib._streaks` (streaks, escalation,
deadlines) and :mod:`tierlib._risers` — over :mod:`tierlib._popbase` and :mod:`tierlib._popfmt`.
"""

from __future__ import annotations

# An ``x as x`` import is a helper this module exposed before the split: still importable from
# here, but not part of ``__all__``.
from tierlib._distribution import Distribution, YearComparison, compare_years, distribution
from tierlib._history import (
    Direction,
    OrgHistory,
    Transition,
    TransitionMatrix,
    YearRecord,
    YearStatus,
    history,
    transition_matrix,
    transitions,
)
from tierlib._popbase import Labels as Labels
from tierlib._popbase import PopulationError, Rated, tier_labels, tier_order
from tierlib._popbase import Within as Within
from tierlib._popbase import ceil_share as ceil_share
from tierlib._popbase import check_decisions as check_decisions
from tierlib._popbase import positions as positions
from tierlib._popfmt import as_json as as_json
from tierlib._popfmt import ordinal_en as ordinal_en
from tierlib._popfmt import pct_exact as pct_exact
from tierlib._popfmt import pct_rounded as pct_rounded
from tierlib._popfmt import score_text as score_text
from tierlib._popfmt import tier_name as tier_name
from tierlib._quota import QuotaEntry, QuotaGroup, QuotaResult, Unranked, apply_quota, apply_quotas
from tierlib._ranking import Ranking, rank
from tierlib._risers import Riser, RiserGroup, biggest_risers
from tierlib._streaks import (
    DeadlineOutcome,
    DeadlineResult,
    RunOutcome,
    RunResult,
    check_deadlines,
    check_streaks,
    escalations,
)

__all__ = [
    "DeadlineOutcome",
    "DeadlineResult",
    "Direction",
    "Distribution",
    "OrgHistory",
    "PopulationError",
    "QuotaEntry",
    "QuotaGroup",
    "QuotaResult",
    "Ranking",
    "Rated",
    "Riser",
    "RiserGroup",
    "RunOutcome",
    "RunResult",
    "Transition",
    "TransitionMatrix",
    "Unranked",
    "YearComparison",
    "YearRecord",
    "YearStatus",
    "apply_quota",
    "apply_quotas",
    "biggest_risers",
    "check_deadlines",
    "check_streaks",
    "compare_years",
    "distribution",
    "escalations",
    "history",
    "rank",
    "tier_labels",
    "tier_order",
    "transition_matrix",
    "transitions",
]
