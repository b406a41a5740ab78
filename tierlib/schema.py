"""A JSON Schema of rule files, generated from the model classes.

The schema follows what a rule file looks like (the YAML surface), not the model one to one:
tiers and bands take flat boundary words (``以上: 90``, ``below: 80%``) instead of a ``range``;
a label is text or ``{zh, en}``; a number is a number or text such as ``"90%"`` or ``"1/3"``; a
condition is text; the file may start from another with ``extends:`` and ``remove:``. Editors
use it for completion and hover help; ``tierlib.check`` remains the judge (sums, references,
orderings and conditions are beyond a schema).

Regenerate the shipped copy with::

    python -m tierlib.schema > tierlib/schema/tierlib-rules.schema.json
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from tierlib import _ast, model
from tierlib._convert import _NUMBER, _RATIO
from tierlib._load import BOUND_WORDS
from tierlib._overlay import LISTS

__all__ = ["json_schema", "main"]

Schema = dict[str, Any]

_EXPR_TYPES = frozenset(get_args(_ast.Expr))
_LOWER = ("at_least", "above")
_HIDDEN = ("loc", "sources", "source_sha256")  # where an element was read, never written
# the elements an overlay adds or replaces by id (or, for facts, by name): they take new: (E143)
_ADDED = (
    "FactSpec",
    "Dimension",
    "Indicator",
    "Tier",
    "Veto",
    "Flag",
    "Quota",
    "Streak",
    "Deadline",
)

# Parts of the surface the model classes do not show.
_DEFS: dict[str, Schema] = {
    "number": {
        "description": "A number, or text: a percentage (90%), a decimal or a ratio (1/3).",
        "anyOf": [
            {"type": "number"},
            {"type": "string", "pattern": _NUMBER.pattern},
            {"type": "string", "pattern": _RATIO.pattern},
        ],
    },
    "label": {
        "description": "A name: text (Chinese), or Chinese and English.",
        "anyOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                "required": ["zh"],
                "additionalProperties": False,
            },
        ],
    },
    "unit": {
        "description": (
            "A unit, as the policy writes it (元, 户), or with its English for explanations: "
            "{zh: 户, en: households}."
        ),
        "anyOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {
                    "zh": {"type": "string", "minLength": 1},
                    "en": {"type": "string"},
                },
                "required": ["zh"],
                "additionalProperties": False,
            },
            {"type": "null"},
        ],
    },
    "condition": {
        "description": (
            "A condition, e.g. 'satisfaction < 60%' or '非 班子完整 且 score >= 90' "
            "(and/且, or/或, not/非, comparisons, in [...], + - * /)."
        ),
        "anyOf": [{"type": "string", "minLength": 1}, {"type": "boolean"}],
    },
    "names": {
        "description": "One name, or a list of names.",
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    },
    "points": {
        "description": "Points: a number, or a range [low, high] spread over the band.",
        "anyOf": [
            {"$ref": "#/$defs/number"},
            {
                "type": "array",
                "items": {"$ref": "#/$defs/number"},
                "minItems": 2,
                "maxItems": 2,
            },
        ],
    },
}


def json_schema() -> Schema:
    """The JSON Schema (draft 2020-12) of rule files, built from :mod:`tierlib.model`."""
    defs: dict[str, Schema] = dict(_DEFS)
    top = _object(model.RuleSet, defs)
    required = top.pop("required")
    top["description"] = (
        "A tierlib rule file (村党组织分类定级评分标准): facts, dimensions, indicators, tiers, "
        "vetoes and flags; checked by `tierlib check`."
    )
    top["properties"] = {
        "extends": {
            "type": "string",
            "description": "The rule file this one starts from (a path relative to this file).",
        },
        **top["properties"],
        "remove": {
            "type": "object",
            "description": "Elements of the base file to drop, by id (needs extends:).",
            "properties": {section: {"$ref": "#/$defs/names"} for section in LISTS},
            "additionalProperties": False,
        },
    }
    for kind in _ADDED:  # in an overlay: an addition, not a typo of a base id (E143)
        defs[kind]["properties"]["new"] = {
            "type": "boolean",
            "description": (
                "With extends: this id (for a fact, this name) is new, not a near miss of one "
                "in the base."
            ),
        }
    # a file that extends another may give only what differs, even a partial scheme
    scheme_required = defs["Scheme"].pop("required")
    top["dependentRequired"] = {"remove": ["extends"]}
    top["if"] = {"required": ["extends"]}
    top["then"] = {}
    top["else"] = {
        "required": required,
        "properties": {"scheme": {"required": scheme_required}},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "tierlib-rules.schema.json",
        "title": "tierlib rule file",
        **top,
        "$defs": dict(sorted(defs.items())),
    }


def _object(cls: type, defs: dict[str, Schema]) -> Schema:
    """The schema of attrs class ``cls`` as a YAML mapping (no unknown keys)."""
    hints = typing.get_type_hints(cls)
    properties: dict[str, Schema] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        if field.name in _HIDDEN:
            continue
        if field.name == "range" and cls in (model.Tier, model.Band):
            properties.update(_bound_words(lower_only=cls is model.Tier))
            continue
        if cls is model.FactSpec and field.name in ("unit", "unit_en"):
            if field.name == "unit":  # unit_en is written as unit: {zh, en}
                properties["unit"] = {"$ref": "#/$defs/unit"}
            continue
        schema = _schema(hints[field.name], defs)
        default = _default(field.default)
        if default is not None:
            schema = {**schema, "default": default}
        properties[field.name] = schema
        if field.default is attrs.NOTHING:
            required.append(field.name)
    out: Schema = {"type": "object"}
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    out["properties"] = properties
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    if cls is model.Indicator:
        out["oneOf"] = [{"required": [method]} for method in model.METHODS]
    return out


def _bound_words(lower_only: bool) -> dict[str, Schema]:
    """A number under each boundary word (a tier takes only a minimum)."""
    words: dict[str, Schema] = {}
    for word, canon in BOUND_WORDS.items():
        if lower_only and canon not in _LOWER:
            continue
        included = "included" if canon in ("at_least", "at_most") else "excluded"
        side = "lower" if canon in _LOWER else "upper"
        meaning = f"{side} bound, {included}" + ("" if word == canon else f"; same as {canon}")
        words[word] = {"$ref": "#/$defs/number", "description": meaning}
    return words


def _schema(t: Any, defs: dict[str, Schema]) -> Schema:
    """The schema of a value of type ``t`` (a field's resolved type hint)."""
    origin, args = get_origin(t), get_args(t)
    if t is str:
        return {"type": "string"}
    if t is bool:
        return {"type": "boolean"}
    if t is int:
        return {"type": "integer"}
    if t is Fraction:
        return {"$ref": "#/$defs/number"}
    if t is model.Label:
        return {"$ref": "#/$defs/label"}
    if t in _EXPR_TYPES:
        return {"$ref": "#/$defs/condition"}
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        inner: Schema
        if set(present) <= _EXPR_TYPES:
            inner = {"$ref": "#/$defs/condition"}
        elif len(present) == 1:
            inner = _schema(present[0], defs)
        else:
            inner = {"anyOf": [_schema(a, defs) for a in present]}
        return {"anyOf": [inner, {"type": "null"}]} if len(present) < len(args) else inner
    if origin is tuple:
        if args == (Fraction, Fraction):
            return {"$ref": "#/$defs/points"}
        if len(args) == 2 and args[1] is Ellipsis:
            if args[0] is str:
                return {"$ref": "#/$defs/names"}
            return {"type": "array", "items": _schema(args[0], defs)}
    if origin in (Mapping, dict):
        return {"type": "object", "additionalProperties": _schema(args[1], defs)}
    if attrs.has(t):
        name = t.__name__
        if name not in defs:
            defs[name] = {}  # reserve the name first: classes may refer to each other
            defs[name] = _object(t, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {t!r}")  # a new kind of field in the model


def _default(value: Any) -> Any:
    """A field's default as JSON, when it is a plain value worth showing."""
    if isinstance(value, bool | str | int) and value != "":
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return None


def main() -> None:
    """Print the schema (``python -m tierlib.schema``)."""
    sys.stdout.write(json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
