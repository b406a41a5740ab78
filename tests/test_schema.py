"""Tests of the JSON Schema of rule files (tierlib.schema and its shipped copy)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from strategies import yaml_rulesets

import tierlib
from tierlib import model
from tierlib.schema import json_schema, main

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "tierlib" / "schema" / "tierlib-rules.schema.json"
RULES = sorted((ROOT / "rules").glob("*.yaml"))
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def errors(schema: dict[str, Any], value: Any, root: dict[str, Any], at: str = "") -> list[str]:
    """Where ``value`` breaks ``schema``: a small validator for the keywords the schema uses
    (so the schema is exercised even where the jsonschema package is not installed)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return errors(root["$defs"][name], value, root, at)
    found: list[str] = []
    if "type" in schema and not _TYPES[schema["type"]](value):
        return [f"{at}: not a {schema['type']}: {value!r}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not one of {schema['enum']}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{at}: {value!r} does not match {schema['pattern']}")
    if len(value) < schema.get("minLength", 0) if isinstance(value, str) else False:
        found.append(f"{at}: too short")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        found += [f"{at}: missing {k}" for k in schema.get("required", []) if k not in value]
        for key, item in value.items():
            if key in props:
                found += errors(props[key], item, root, f"{at}/{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{at}: unknown key {key!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += errors(schema["additionalProperties"], item, root, f"{at}/{key}")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            found.append(f"{at}: {len(value)} items")
        for k, item in enumerate(value):
            found += errors(schema.get("items", {}), item, root, f"{at}/{k}")
    if "anyOf" in schema and all(errors(s, value, root, at) for s in schema["anyOf"]):
        found.append(f"{at}: matches none of anyOf: {value!r}")
    if "oneOf" in schema and sum(not errors(s, value, root, at) for s in schema["oneOf"]) != 1:
        found.append(f"{at}: does not match exactly one of oneOf")
    for key, needed in schema.get("dependentRequired", {}).items():
        if isinstance(value, dict) and key in value:
            found += [f"{at}: {key} needs {k}" for k in needed if k not in value]
    if "if" in schema:
        branch = "else" if errors(schema["if"], value, root, at) else "then"
        found += errors(schema.get(branch, {}), value, root, at)
    return found


def validate(value: Any) -> list[str]:
    schema = json_schema()
    return errors(schema, value, schema)


def test_shipped_schema_is_the_generated_one(capsys: pytest.CaptureFixture[str]) -> None:
    """tierlib/schema/tierlib-rules.schema.json is what `python -m tierlib.schema` prints."""
    main()
    printed = capsys.readouterr().out
    assert json.loads(printed) == json_schema()
    assert SHIPPED.read_text(encoding="utf-8") == printed, (
        "regenerate: python -m tierlib.schema > tierlib/schema/tierlib-rules.schema.json"
    )


def test_every_reference_resolves() -> None:
    """Each $ref names a definition, and every definition is used."""
    text = json.dumps(json_schema())
    refs = set(re.findall(r'"\$ref": "#/\$defs/([^"]+)"', text))
    assert refs == set(json_schema()["$defs"])


def test_follows_the_yaml_surface() -> None:
    """Boundary words instead of range, labels and numbers as text, extends and remove."""
    defs = json_schema()["$defs"]
    assert "range" not in defs["Tier"]["properties"]
    assert {"以上", "超过", "above"} <= set(defs["Tier"]["properties"])
    assert "低于" not in defs["Tier"]["properties"]  # a tier takes only a minimum
    assert {"以上", "低于", "不超过", "at_most"} <= set(defs["Band"]["properties"])
    assert {"extends", "remove"} <= set(json_schema()["properties"])
    assert defs["Indicator"]["properties"]["max"] == {"$ref": "#/$defs/number"}


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_shipped_rule_files_validate(path: Path) -> None:
    """Every rule file in rules/ is valid under the schema."""
    assert validate(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_shipped_rule_files_validate_with_jsonschema(path: Path) -> None:
    """The same, checked by the jsonschema package itself."""
    jsonschema = pytest.importorskip(
        "jsonschema", reason="jsonschema is not installed (it is no dependency of tierlib)"
    )
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["indicators"][0].update(weight=3), "unknown key 'weight'"),
        (lambda d: d["tiers"][0].update({"低于": 95}), "unknown key '低于'"),
        (lambda d: d["dimensions"][0].update(label=5), "matches none of anyOf"),
        (lambda d: d["indicators"][0].update(max="ten"), "matches none of anyOf"),
        (lambda d: d["indicators"][0].update(linear={"fact": "x", "floor": 0, "target": 1}),
         "exactly one"),
        (lambda d: d["vetoes"][0].update(effect="forse"), "not one of"),
        (lambda d: d.pop("tiers"), "missing tiers"),
        (lambda d: d["scheme"].pop("id"), "missing id"),
    ],
)  # fmt: skip
def test_catches_shape_mistakes(change: Any, message: str) -> None:
    """Unknown keys, wrong types, two methods, unknown words and missing keys are errors."""
    data = yaml.safe_load((ROOT / "rules" / "default.yaml").read_text(encoding="utf-8"))
    change(data)
    assert any(message in e for e in validate(data))


def test_a_child_file_may_be_partial() -> None:
    """With extends:, neither the sections nor the scheme's keys are required."""
    assert validate({"extends": "default.yaml", "scheme": {"version": "2"}}) == []
    assert validate({"scheme": {"version": "2"}}) != []
    assert validate({"remove": {"indicators": ["income"]}, "scheme": {"version": "2"}}) != []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ruleset=yaml_rulesets())
def test_every_dumped_ruleset_validates(ruleset: model.RuleSet) -> None:
    """What dump() writes for any valid rule set is valid under the schema."""
    assert validate(yaml.safe_load(tierlib.dump(ruleset))) == []


def test_an_overlay_veto_marked_new_is_valid_under_the_schema():
    """`new: true` marks a deliberate addition in an overlay (E143); editors must not flag it."""
    import jsonschema

    doc = {"extends": "default.yaml", "vetoes": [{"id": "x", "reason": "r", "when": "a",
            "effect": "cap", "tier": "class3", "new": True}]}  # fmt: skip
    jsonschema.validate(doc, json.loads(SHIPPED.read_text(encoding="utf-8")))
