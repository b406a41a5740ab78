"""History (升级晋档): tiers per year, streaks, escalations and promotion deadlines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import pytest
from test_population import LABELS, PROMOTE_IN_12, RED, WEAK_TWICE, dec

from tierlib._ast import Ref
from tierlib.decision import Decision
from tierlib.model import NOWHERE, Deadline, Flag, Label
from tierlib.population import PopulationError, check_deadlines, check_streaks, escalations, history

# --- history: streaks, deadlines, escalation ------------------------------------------------------


def years_of(**tiers_by_org: Sequence[str | None]) -> dict[int, list[Decision]]:
    """Decisions for 2021, 2022, …; a tier None means the organization is absent that year,
    "pending" means a pending decision."""
    out: dict[int, list[Decision]] = {}
    for org, tiers in tiers_by_org.items():
        for i, t in enumerate(tiers):
            y = 2021 + i
            out.setdefault(y, [])
            if t == "pending":
                out[y].append(dec(org, None, None, status="pending", year=y))
            elif t is not None:
                out[y].append(dec(org, t, 50 if t == "class4" else 75, year=y,
                                  flags=("red",) if t == "class4" else ()))  # fmt: skip
    return out


def test_history_holds_the_tier_per_year_none_when_absent_or_pending() -> None:
    """tiers: {2021: class4, 2022: None (absent), 2023: None (pending)}."""
    h = history(years_of(a=["class4", None, "pending"], b=["class1", "class1", "class1"]))
    assert h["a"].tiers == {2021: "class4", 2022: None, 2023: None}
    assert [r.status for r in h["a"].records] == ["rated", "absent", "pending"]
    json.dumps(h["a"].to_dict())


def test_two_weak_years_fire_the_streak() -> None:
    """class4 in 2022 and 2023 → replace the secretary."""
    r = check_streaks(
        WEAK_TWICE, history(years_of(a=["class2", "class4", "class4"])), labels=LABELS
    )["a"]
    assert (r.outcome, r.window) == ("fires", (2022, 2023))
    assert r.action is not None
    assert r.action.zh == "调整党组织书记"
    assert r.reason_zh == "触发「连续2年软弱涣散」：2022–2023年连续2年均为四类 → 调整党组织书记"


def test_a_missing_year_in_the_window_cannot_be_determined() -> None:
    """Absent or pending in 2022 and class4 in 2023: never "no", but "cannot determine"."""
    h = history(years_of(a=["class4", None, "class4"], b=["class4", "pending", "class4"]))
    rs = check_streaks(WEAK_TWICE, h)
    assert rs["a"].outcome == rs["b"].outcome == "cannot determine"
    assert rs["a"].unknown_years == (2022,)
    assert "2022年无此组织的评定结果" in rs["a"].reason_zh
    assert "pending in 2022" in rs["b"].reason_en


def test_a_known_non_weak_year_means_the_streak_does_not_fire() -> None:
    """class3 in 2023 settles it even when 2022 is missing."""
    h = history(years_of(a=["class4", None, "class3"], b=["class4", "class4", "class2"]))
    rs = check_streaks(WEAK_TWICE, h, labels=LABELS)
    assert rs["a"].outcome == rs["b"].outcome == "does not fire"
    assert "2023年三类，不是四类" in rs["a"].reason_zh


def test_streak_window_can_end_at_an_earlier_year() -> None:
    """year=2022 looks at 2021–2022 only."""
    h = history(years_of(a=["class4", "class4", "class1"]))
    assert check_streaks(WEAK_TWICE, h, year=2022)["a"].outcome == "fires"
    assert check_streaks(WEAK_TWICE, h)["a"].outcome == "does not fire"


def test_two_reds_in_a_row_escalate_to_a_warning_talk() -> None:
    """Red flags in 2022 and 2023 → 约谈书记; a missing year → cannot determine."""
    h = history(years_of(a=["class4", "class4"], b=["class4", None], c=["class4", "class2"]))
    rs = escalations(RED, h)
    assert rs["a"].outcome == "fires"
    assert rs["a"].action is not None
    assert rs["a"].action.zh == "约谈书记"
    assert rs["b"].outcome == "cannot determine"
    assert rs["c"].outcome == "does not fire"
    assert "2022年未亮红色预警" in rs["c"].reason_zh
    with pytest.raises(PopulationError):
        escalations(Flag("green", Label("绿色"), Ref(("score",), NOWHERE)), h)


def test_deadline_overdue_running_met_missed_and_not_applicable() -> None:
    """Class 4 since 2022 and still in 2023 → overdue in March 2024; since 2023 → running."""
    h = history(
        years_of(
            over=["class3", "class4", "class4"],
            run=["class3", "class3", "class4"],
            met=["class4", "class3", "class3"],
            ok=["class1", "class1", "class1"],
        )
    )
    rs = check_deadlines(PROMOTE_IN_12, h, dt.date(2024, 3, 1), labels=LABELS)
    assert rs["over"].outcome == "overdue"
    assert rs["over"].due == dt.date(2023, 12, 31)
    assert rs["over"].reason_zh.startswith(
        "逾期未晋位：2022年起列为四类，须于12个月内（2023-12-31前）晋位"
    )
    assert (rs["run"].outcome, rs["run"].months_left, rs["run"].text) == (
        "running", 9, "running (9 months left)")  # fmt: skip
    assert rs["met"].outcome == "met"
    assert rs["met"].promoted == 2022
    assert rs["ok"].outcome == "not applicable"
    six = Deadline("d6", Label("限时晋位"), ("class4",), 6)
    late = check_deadlines(six, h, dt.date(2024, 3, 1))["met"]
    assert late.outcome == "missed"
    assert late.text == "promoted late"
    json.dumps(late.to_dict())


def test_deadline_uses_assessment_dates_and_ignores_later_assessments() -> None:
    """Assessed on 2022-06-30 with 6 months (due 2022-12-30): promoted on 2022-12-30 → met."""
    six = Deadline("d6", Label("限时晋位"), ("class4",), 6)
    h = history(years_of(a=["class3", "class4", "class3"]))
    on = {2022: dt.date(2022, 6, 30), 2023: dt.date(2022, 12, 30)}
    assert check_deadlines(six, h, dt.date(2023, 1, 5), on)["a"].outcome == "met"
    on_late = {**on, 2023: dt.date(2022, 12, 31)}
    assert check_deadlines(six, h, dt.date(2023, 1, 5), on_late)["a"].outcome == "missed"
    # as of 2022-09-01 only the 2021 and 2022 assessments have happened
    r = check_deadlines(six, h, dt.date(2022, 9, 1), on)["a"]
    assert (r.outcome, r.months_left) == ("running", 3)


def test_deadline_with_an_unknown_year_that_matters_cannot_be_determined() -> None:
    """Class 4 in 2021, nothing in 2022: promoted in time, or overdue — cannot say."""
    h = history(years_of(a=["class4", None], b=["class4", "pending", "class2"], c=["class1", None]))
    rs = check_deadlines(PROMOTE_IN_12, h, dt.date(2023, 2, 1))
    assert rs["a"].outcome == "cannot determine"
    assert "已按期晋位" in rs["a"].reason_zh
    assert "逾期未晋位" in rs["a"].reason_zh
    assert rs["b"].outcome == "cannot determine"  # met, or promoted late
    assert rs["c"].outcome == "cannot determine"  # not applicable, or running
