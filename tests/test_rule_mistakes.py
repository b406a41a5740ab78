"""Mistakes policy staff make in rule files, each one located, coded problem with a suggestion.

E134 a percentage on a score threshold; E314 a text fact compared with a text not among its
values; E106 a '、' inside a [...] list; unknown ids written as their Chinese labels; the flow
form of `when: !x`; E143 an overlay element (of any section, or a fact) whose id is a near
miss of a base id.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import tierlib
from tierlib.errors import Problem

ROOT = Path(__file__).resolve().parent.parent
INVALID = "tests/data/invalid"


def check(case: str, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[int, int], Problem]:
    """The problems of ``tests/data/invalid/<case>.yaml`` by (line, column)."""
    monkeypatch.chdir(ROOT)
    return {(p.location.line, p.location.col): p for p in tierlib.check(f"{INVALID}/{case}.yaml")}


def fixed(case: str, replacements: list[tuple[str, str]], tmp_path: Path) -> list[Problem]:
    """The problems of the case with each mistake written as meant."""
    text = (ROOT / INVALID / f"{case}.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    return tierlib.check(path)


# ---------------------------------------------------------------- E134: % on a score threshold

PERCENT = "81_percent_on_a_score_threshold"


def test_a_percent_on_a_tier_threshold_is_an_error_naming_the_points_meant(monkeypatch):
    p = check(PERCENT, monkeypatch)[(19, 33)]
    assert p.code == "E134"
    assert "60% is a share: it reads as 0.6 points" in p.message
    assert p.suggestion == "did you mean 6, which is 60% of the total 10?"


def test_a_percent_on_a_score_threshold_is_an_error(monkeypatch):
    p = check(PERCENT, monkeypatch)[(23, 39)]
    assert p.code == "E134"
    assert "so the rule is 'score < 0.6'" in p.message
    assert p.suggestion == "did you mean 6, which is 60% of the total 10?"


def test_a_percent_on_a_dimension_or_points_threshold_names_their_max(monkeypatch):
    problems = check(PERCENT, monkeypatch)
    assert problems[(24, 47)].suggestion == (
        "did you mean 5, which is 50% of the max 10 of dimension 'd'?"
    )
    assert problems[(26, 42)].suggestion == (
        "did you mean 4, which is 40% of the max 10 of indicator 'a'?"
    )
    assert problems[(26, 59)].code == "E134"  # an in-list item, full-width ％ too


def test_a_percent_on_a_share_fact_is_fine_and_nothing_else_is_reported(monkeypatch):
    """`rate < 60%` (rate from 0 to 1) is as meant; the tiers 0.6 and 3 points, out of order
    as written, are not E122 as well: their order is known once the % is fixed."""
    problems = check(PERCENT, monkeypatch)
    assert [p.code for p in problems.values()] == ["E134"] * 5
    assert not any("rate" in p.message for p in problems.values())


def test_the_same_thresholds_in_points_are_accepted(tmp_path):
    meant = [
        ("以上: 60%}", "以上: 6}"),
        ("score < 60%", "score < 6"),
        ("dimension.d >= 50%", "dimension.d >= 5"),
        ("points.a < 40％", "points.a < 4"),
        ("[30%, 5]", "[3, 5]"),
    ]
    assert fixed(PERCENT, meant, tmp_path) == []


# ---------------------------------------------------------------- E314: a text not among values

VALUES = "82_text_not_among_values"


def test_a_text_fact_compared_with_a_text_not_among_its_values_is_an_error(monkeypatch):
    p = check(VALUES, monkeypatch)[(20, 46)]
    assert p.code == "E314"
    assert "'优秀' is not one of the values of level (好, 较好, 一般)" in p.message
    assert "is always false" in p.message
    assert p.suggestion == "write one of 好, 较好, 一般"


def test_a_text_not_among_the_values_in_an_in_list_gets_a_did_you_mean(monkeypatch):
    problems = check(VALUES, monkeypatch)
    assert problems[(21, 60)].suggestion == "did you mean 'simple'?"
    assert "never matches" in problems[(21, 60)].message
    assert "is always true" in problems[(28, 57)].message  # level != "好的"
    assert problems[(28, 57)].suggestion == "did you mean '好'?"
    assert (26, 32) in problems  # "差" == level, the text on the left


def test_a_text_fact_without_values_and_listed_values_are_not_reported(monkeypatch):
    problems = check(VALUES, monkeypatch)
    assert [p.code for p in problems.values()] == ["E314"] * 5
    assert not any("note" in p.message or "'较好'" in p.message for p in problems.values())


# ---------------------------------------------------------------- E106: '、' inside [...]

ENUMERATION = "83_enumeration_comma_in_list"


def test_an_enumeration_comma_inside_a_flow_list_is_flagged_with_the_list_as_meant(monkeypatch):
    problems = check(ENUMERATION, monkeypatch)
    assert [p.code for p in problems.values()] == ["E106", "E106"]
    p = problems[(7, 15)]
    assert p.message == "the enumeration comma '、' inside [...]: items are separated by ','"
    assert p.suggestion == "write [village, community]"
    assert problems[(10, 34)].suggestion == 'write [标准化, 一般, "无、或简易"]'


def test_the_items_around_an_enumeration_comma_are_read_as_meant(tmp_path):
    """The quota's community is among the org types, the condition's 标准化 and 一般 among
    the values (no E131, no E314), and the list written with ',' is valid."""
    problems = fixed(
        ENUMERATION,
        [("[village、community]", "[village, community]"), ("[标准化、一般,", "[标准化, 一般,")],
        tmp_path,
    )
    assert problems == []


# ---------------------------------------------------------------- ids written as their labels

LABELS = "84_ids_written_as_labels"


def test_an_unknown_tier_written_as_its_label_suggests_the_id(monkeypatch):
    problems = check(LABELS, monkeypatch)
    assert str(problems[(22, 63)]).endswith(
        "E128: unknown tier '三类' (did you mean class3 (三类)?)"
    )
    assert problems[(27, 31)].suggestion == "did you mean class1 (一类)?"  # in a tier list
    assert problems[(23, 82)].suggestion == "did you mean class3 (Class 3)?"  # English label


def test_a_fact_named_by_its_chinese_label_suggests_the_fact(monkeypatch):
    problems = check(LABELS, monkeypatch)
    assert str(problems[(22, 31)]).endswith(
        "E310: unknown name '群众满意度' (did you mean satisfaction (群众满意度)?)"
    )
    assert problems[(17, 20)].suggestion == "did you mean satisfaction (群众满意度)?"  # fact:
    assert problems[(23, 35)].suggestion == "did you mean ok (班子健全)?"
    assert problems[(25, 30)].suggestion == "did you mean satisfaction (群众满意度)?"  # close


def test_a_dimension_or_indicator_named_by_its_label_suggests_the_id(monkeypatch):
    problems = check(LABELS, monkeypatch)
    assert problems[(15, 16)].suggestion == "did you mean democracy (管理民主)?"
    assert problems[(23, 43)].suggestion == "did you mean dimension.democracy (管理民主)?"
    assert problems[(25, 44)].suggestion == "did you mean points.a (满意度得分)?"


def test_a_close_id_is_still_suggested_before_a_close_label():
    from tierlib.errors import did_you_mean_id

    labels = {"class1": ("一类", "Class 1"), "class3": ("三类", "Class 3")}
    assert did_you_mean_id("clas3", labels) == "did you mean 'class3'?"
    assert did_you_mean_id("三类", labels) == "did you mean class3 (三类)?"
    assert did_you_mean_id("五类", labels) is None


# ---------------------------------------------------------------- `{when: !x}` in a flow mapping

NEGATION = "85_negation_in_flow_mapping"


def test_a_negation_in_a_flow_mapping_suggests_not(monkeypatch):
    problems = check(NEGATION, monkeypatch)
    assert [p.code for p in problems.values()] == ["E102", "E102"]
    assert "write `not ok`" in (problems[(22, 31)].suggestion or "")
    assert "write `not (ok and rate > 50%)`" in (problems[(23, 31)].suggestion or "")
    assert not any("remove the tag" in (p.suggestion or "") for p in problems.values())


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
@pytest.mark.parametrize(
    ("flow", "meant"),
    [
        ("{when: !ok}", "ok"),
        ("{when: !ok, effect: unrated}", "ok"),
        ("{when: !有场所}", "有场所"),
        ("{when: !(a or b), effect: unrated}", "(a or b)"),
    ],
)
def test_a_flow_negation_gets_the_hint_with_either_yaml_parser(
    flow: str, meant: str, loader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The C and the pure-Python parser fail differently on `{when: !ok, …}` (the tag
    swallows the comma, or a URI is expected): each says to write `not ok`, at the '!'."""
    import yaml

    from tierlib import _yaml

    if not hasattr(yaml, loader):
        pytest.skip(f"PyYAML without {loader}")
    monkeypatch.setattr(_yaml, "_LOADER", getattr(yaml, loader))
    (problem,) = _check_text(flow)
    assert problem.code in {"E101", "E102"}
    assert (problem.location.line, problem.location.col) == (2, 12)
    assert f"write `not {meant}`" in (problem.suggestion or "")


def _check_text(flow: str) -> list[Problem]:
    from tierlib import _yaml

    return _yaml.read(f"vetoes:\n  - {flow}\n", "flow.yaml")[1]


# ---------------------------------------------------------------- E143: an overlay's near miss

OVERLAY = "86_overlay_near_miss_id"


def test_an_overlay_veto_whose_id_is_a_near_miss_of_a_base_id_is_an_error(monkeypatch):
    p = check(OVERLAY, monkeypatch)[(4, 9)]
    assert p.code == "E143"
    assert "'satisfacton_cap' is not in the base" in p.message
    assert "the base's veto 'satisfaction_cap'" in p.message
    assert p.suggestion == (
        "did you mean 'satisfaction_cap' (群众满意度低于80%，最高定为三类)? "
        "To add a veto beside it, write new: true"
    )
    flag = check(OVERLAY, monkeypatch)[(13, 10)].suggestion
    assert flag.startswith("did you mean 'yellow' (黄色预警)?")


def test_a_deliberate_addition_with_a_similar_id_is_marked_new(monkeypatch):
    """no_venues (beside no_venue) marked new: true is accepted; no_recruits is not close to
    any base id and needs no mark; new: true on an id the base has (which replaces) is E143."""
    problems = check(OVERLAY, monkeypatch)
    assert [p.code for p in problems.values()] == ["E143"] * 3
    assert all(line not in (9, 11) for line, _ in problems)
    assert "is marked new: true, but the base has a veto 'no_venue'" in (problems[(10, 10)].message)


def test_an_overlay_with_the_typo_fixed_or_marked_new_loads_with_both_vetoes(tmp_path):
    text = (ROOT / INVALID / f"{OVERLAY}.yaml").read_text(encoding="utf-8")
    text = text.replace("../../../rules/default.yaml", str(ROOT / "rules" / "default.yaml"))
    replaced = "satisfaction < 40%, effect: cap, tier: class3"  # no_venue replaces the base's
    for old, meant in [
        ("id: satisfacton_cap", "id: satisfaction_cap"),
        (f"{replaced}, new: true}}", f"{replaced}}}"),
        ("id: yelow", "id: yellow"),
    ]:
        assert old in text
        text = text.replace(old, meant)
    path = tmp_path / "overlay.yaml"
    path.write_text(text, encoding="utf-8")
    assert tierlib.check(path) == []
    rs = tierlib.load(path)
    ids = [v.id for v in rs.vetoes]
    assert ids.count("satisfaction_cap") == 1
    assert {"no_venue", "no_venues", "no_recruits"} <= set(ids)


def test_new_is_no_key_of_a_file_without_extends(tmp_path):
    text = (ROOT / "rules" / "default.yaml").read_text(encoding="utf-8")
    text = text.replace("  - id: no_venue\n", "  - id: no_venue\n    new: true\n")
    path = tmp_path / "plain.yaml"
    path.write_text(text, encoding="utf-8")
    assert [p.code for p in tierlib.check(path)] == ["E110"]


EVERY = "87_overlay_near_miss_every_section"


@pytest.mark.parametrize(
    ("at", "what", "meant"),
    [
        ((5, 3), "fact 'satisfacton'", "'satisfaction' (群众满意度)? To add a fact"),
        ((8, 10), "dimension 'democrazy'", "'democracy' (管理民主)? To add a dimension"),
        ((10, 9), "indicator 'satisfacton'", "'satisfaction' (群众满意度)? To add an indicator"),
        ((17, 10), "tier 'clas3'", "'class3' (三类)? To add a tier"),
        ((20, 10), "quota 'lagging_village'", "'lagging_villages' (后进村党组织（倒排）)? To add"),
        ((22, 10), "streak 'replace_secretry'", "'replace_secretary' (连续2年软弱涣散)? To add"),
        ((24, 10), "deadline 'timed_promotoin'", "'timed_promotion' (限时晋位)? To add a deadline"),
    ],
)
def test_a_near_miss_of_a_base_id_is_an_error_in_every_section(
    at: tuple[int, int], what: str, meant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each id of an overlay's element, and each fact name, that nearly is a base one is
    E143 at the id, naming the base id meant with its Chinese label."""
    p = check(EVERY, monkeypatch)[at]
    assert p.code == "E143"
    assert p.message.startswith(f"{what} is not in the base, so it is added next to the base's")
    assert p.suggestion == f"did you mean {meant}" + p.suggestion.split(meant)[1]
    assert p.suggestion.endswith("beside it, write new: true")


def test_a_near_miss_is_read_as_the_replacement_meant(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dimension, indicator and tier typos are read as replacing the base's, so neither a
    sum (E120, E121) nor the tier order (E122, E126) is reported because of them; new: true on
    an indicator and a fact close to base ones is accepted, on a base tier's id it is E143."""
    problems = check(EVERY, monkeypatch)
    assert [p.code for p in problems.values()] == ["E143"] * 8
    assert (
        "tier 'class4' is marked new: true, but the base has a tier" in problems[(18, 10)].message
    )
    assert all(line not in (6, 15) for line, _ in problems)


def test_an_overlay_with_every_near_miss_fixed_loads(tmp_path: Path) -> None:
    """With the ids written as meant, each replaces its base element; the additions marked
    new: true (a bonus indicator, a fact) are there beside the base's."""
    text = (ROOT / INVALID / f"{EVERY}.yaml").read_text(encoding="utf-8")
    text = text.replace("../../../rules/default.yaml", str(ROOT / "rules" / "default.yaml"))
    for old, meant in [
        ("  satisfacton: {kind", "  satisfaction: {kind"),
        ("democrazy", "democracy"),
        ("id: satisfacton", "id: satisfaction"),
        ("clas3", "class3"),
        ("label: 四类, new: true", "label: 四类"),
        ("lagging_village,", "lagging_villages,"),
        ("replace_secretry", "replace_secretary"),
        ("timed_promotoin", "timed_promotion"),
    ]:
        assert old in text
        text = text.replace(old, meant)
    path = tmp_path / "overlay.yaml"
    path.write_text(text, encoding="utf-8")
    assert tierlib.check(path) == []
    rs = tierlib.load(path)
    base = tierlib.load(ROOT / "rules" / "default.yaml")
    assert [i.id for i in rs.indicators] == [*(i.id for i in base.indicators), "satisfaction_bonus"]
    assert rs.indicators[-2].linear is not None
    assert rs.indicators[-2].linear.floor == Fraction(1, 2)
    assert [t.id for t in rs.tiers] == [t.id for t in base.tiers]
    assert rs.tiers[2].range.at_least == 65
    assert [d.id for d in rs.dimensions] == [d.id for d in base.dimensions]
    assert len(rs.quotas) == len(base.quotas)
    assert rs.quotas[0].share == Fraction(1, 20)
    assert (rs.streaks[0].years, rs.deadlines[0].months) == (3, 6)
    assert set(rs.facts) == {*base.facts, "satisfaction_2023"}


def test_an_id_the_overlay_removes_is_no_near_miss(tmp_path: Path) -> None:
    """An overlay that drops a base element and adds one with a similar id means to."""
    path = tmp_path / "overlay.yaml"
    path.write_text(
        f"extends: {ROOT / 'rules' / 'default.yaml'}\n"
        "remove: {vetoes: [satisfaction_cap]}\n"
        "vetoes:\n  - {id: satisfaction_caps, reason: 满意度低于85%, when: satisfaction < 85%,"
        " effect: cap, tier: class3}\n",
        encoding="utf-8",
    )
    assert tierlib.check(path) == []
    ids = [v.id for v in tierlib.load(path).vetoes]
    assert "satisfaction_caps" in ids
    assert "satisfaction_cap" not in ids


def test_new_true_is_valid_under_the_schema_in_every_section() -> None:
    """Editors must not flag the new: true that marks a deliberate addition (E143) in any
    section, nor on a fact."""
    import json

    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "tierlib/schema/tierlib-rules.schema.json").read_text("utf-8"))
    doc = {
        "extends": "default.yaml",
        "facts": {"income_2023": {"kind": "number", "new": True}},
        "dimensions": [{"id": "x", "label": "X", "max": 5, "new": True}],
        "indicators": [
            {"id": "x", "label": "X", "max": 1, "bonus": True, "new": True,
             "all_or_nothing": {"when": "ok"}}
        ],
        "tiers": [{"id": "x", "label": "X", "new": True}],
        "quotas": [{"id": "x", "label": "X", "org_type": "village", "share": "5%", "new": True}],
        "streaks": [{"id": "x", "label": "X", "tiers": ["x"], "years": 2, "action": "A",
                     "new": True}],
        "deadlines": [{"id": "x", "label": "X", "tiers": ["x"], "months": 6, "new": True}],
    }  # fmt: skip
    jsonschema.validate(doc, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**doc, "tiers": [{"id": "x", "label": "X", "new": "yes"}]}, schema)
