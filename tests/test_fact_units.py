"""A fact's unit with an English label: ``unit: {zh: 户, en: households}``.

English explanations name the units 元, 月, 次 and 分 themselves; any other unit is shown as
written unless the rule file gives its English, as a label does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tierlib
from tierlib import Engine, Organization, loads
from tierlib._phrases import range_text, unit_text
from tierlib.model import Bound
from tierlib.render import to_json

ROOT = Path(__file__).resolve().parent.parent

RULES = """
scheme: {id: units, name: 单位, version: "1", total: 10}
facts:
  poor_households: {kind: number, integer: true, minimum: 0, unit: {zh: 户, en: households}}
  vacant: {kind: number, integer: true, minimum: 0, unit: {zh: 月, en: months vacant}}
  projects: {kind: number, integer: true, minimum: 0, unit: 个}
dimensions:
  - {id: d, label: {zh: 维度, en: D}, max: 10}
indicators:
  - {id: a, label: {zh: 甲, en: A}, dimension: d, max: 10, per_unit: {fact: projects, points: 2}}
tiers:
  - {id: good, label: {zh: 好, en: Good}, 以上: 8}
  - {id: poor, label: {zh: 差, en: Poor}}
vetoes:
  - {id: many_poor, reason: {zh: 贫困户多, en: Many poor households}, when: poor_households > 30,
     effect: force}
  - {id: vacant, reason: {zh: 缺职, en: Vacant}, when: vacant > 3, effect: force}
"""


def explained() -> dict[str, str]:
    with Engine(loads(RULES)) as engine:
        org = Organization(id="x", facts={"poor_households": 40, "vacant": 5, "projects": 5})
        e = engine.explain(engine.evaluate(org))
    return {"zh": e.text("zh"), "en": e.text("en"), "json": to_json(e)}


def test_an_english_explanation_uses_the_units_english_label() -> None:
    """户 reads households in English and stays 户 in Chinese; a label given for a built-in
    unit (月) wins over the built-in name in English only."""
    text = explained()
    assert "= 40 households" in text["en"]
    assert "户" not in text["en"]
    assert "= 40 户" in text["zh"]
    assert "= 5 months vacant" in text["en"]
    assert "= 5 个月" in text["zh"]


def test_the_explanation_json_keeps_the_unit_and_its_english() -> None:
    facts = [f for r in json.loads(explained()["json"])["reasons"] for f in r["facts"]]
    assert {"name": "poor_households", "unit": "户", "unit_en": "households"}.items() <= next(
        f for f in facts if f["name"] == "poor_households"
    ).items()


def test_a_unit_without_english_is_shown_as_written_and_loads_as_before() -> None:
    """unit: 个 has no English label: English shows 个, and the fact's unit_en is None; a unit
    written {zh: 元} is the same fact as unit: 元."""
    rs = loads(RULES)
    assert (rs.facts["projects"].unit, rs.facts["projects"].unit_en) == ("个", None)
    assert rs.facts["poor_households"].unit_en == "households"
    same = loads(RULES.replace("unit: 个", "unit: {zh: 个}"))
    assert same.facts["projects"] == rs.facts["projects"]
    assert tierlib.ruleset_sha256(same) == tierlib.ruleset_sha256(rs)


def test_a_unit_with_english_round_trips_through_dump() -> None:
    """dump() writes the unit as {zh, en}, which loads back to an equal rule set; the English
    is part of the rule set's canonical form (and so of its sha256)."""
    rs = loads(RULES)
    text = tierlib.dump(rs)
    assert "unit_en" not in text
    assert loads(text) == rs
    other = loads(RULES.replace("en: households", "en: families"))
    assert other != rs
    assert tierlib.ruleset_sha256(other) != tierlib.ruleset_sha256(rs)


def test_a_band_range_can_be_written_with_the_units_english() -> None:
    """range_text takes a unit in both languages (as Static.units holds them per fact)."""
    text = range_text(Bound(at_least=3), unit_text("户", "households"))
    assert (text.zh, text.en) == ("3 户以上", "at least 3 households")
    assert range_text(Bound(at_least=3), "户").en == "at least 3 户"  # as written, as before
    assert unit_text("月") == unit_text("月", "")
    assert (unit_text("月").zh, unit_text("月").en) == ("个月", "months")


MALFORMED = "88_malformed_unit"


def problems(monkeypatch: pytest.MonkeyPatch) -> dict[int, tierlib.Problem]:
    monkeypatch.chdir(ROOT)
    found = tierlib.check(f"tests/data/invalid/{MALFORMED}.yaml")
    assert len({p.location.line for p in found}) == len(found)  # one problem per mistake
    return {p.location.line: p for p in found}


def test_each_malformed_unit_is_one_located_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without zh, an en that is not text, a key other than zh and en, unit_en beside unit, a
    number: one problem each, at the unit, with a suggestion; the good unit is not reported."""
    found = problems(monkeypatch)
    assert sorted(found) == [5, 6, 7, 8, 9]
    assert (found[5].code, found[5].location.col) == ("E111", 61)
    assert found[5].message == "a unit needs its Chinese under zh, got nothing"
    assert found[5].suggestion == "write e.g. unit: {zh: 户, en: households}"
    assert found[6].message == "a unit's English (en) must be text, got a list"
    assert (found[7].code, found[7].message) == ("E110", "unknown key 'english'")
    assert found[8].code == "E110"
    assert found[8].suggestion == "write the unit with its English as unit: {zh: …, en: …}"
    assert "expected a unit (text, or {zh: …, en: …}), got number 5" in found[9].message


def test_the_schema_takes_a_unit_as_text_or_zh_and_en() -> None:
    from tierlib.schema import json_schema

    schema = json_schema()
    assert schema["$defs"]["FactSpec"]["properties"]["unit"] == {"$ref": "#/$defs/unit"}
    assert "unit_en" not in schema["$defs"]["FactSpec"]["properties"]
    jsonschema = pytest.importorskip("jsonschema")
    fact = {"kind": "number", "unit": {"zh": "户", "en": "households"}}
    doc = {"extends": "default.yaml", "facts": {"poor_households": fact}}
    jsonschema.validate(doc, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {**doc, "facts": {"x": {"kind": "number", "unit": {"en": "x"}}}}, schema
        )


def test_a_banded_indicator_shows_its_band_in_the_units_english() -> None:
    """The band an organization fell in reads ``at least 3 households`` in English."""
    rules = RULES.replace(
        "per_unit: {fact: projects, points: 2}}",
        "bands: {fact: poor_households, bands: [{以上: 3, points: 10}, {低于: 3, points: 0}]}}",
    )
    with Engine(loads(rules)) as engine:
        org = Organization(id="x", facts={"poor_households": 4, "vacant": 0, "projects": 0})
        e = engine.explain(engine.evaluate(org))
    assert "at least 3 households" in e.text("en")
    assert "3 户以上" in e.text("zh")
