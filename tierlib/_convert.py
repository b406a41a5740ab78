"""The cattrs converter between located YAML data and the model, and its error translation.

Structuring is strict: an int is not a string, a bool is not a number, unknown keys are errors.
Every cattrs failure is turned into a located :class:`~tierlib.errors.Problem`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, get_args

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from tierlib import _ast, model
from tierlib._yaml import LDict, LList, loc_of
from tierlib.decision import fmt_fraction
from tierlib.errors import Location, Problem, close_match, did_you_mean

_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(%?)\s*$")
_RATIO = re.compile(r"^\s*([-+]?\d+)\s*/\s*(\d+)\s*$")


class _Bad(ValueError):
    """A value of the wrong shape; ``code`` and ``hint`` refine the message."""

    def __init__(self, message: str, code: str = "E111", hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.hint = code, hint


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | Fraction):
        return f"number {fmt_fraction(Fraction(value))}"
    text = str(value)
    return f"text {text if len(text) <= 40 else text[:39] + '…'!r}"


def to_fraction(value: Any) -> Fraction:
    """A number from YAML: int, exact decimal, ``"90%"`` or ``"1/3"``."""
    if isinstance(value, bool):
        raise _Bad(f"expected a number, got {_describe(value)}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, str):
        m = _NUMBER.match(value)
        r = _RATIO.match(value)
        try:
            if m:
                x = Fraction(m.group(1))
                return x / 100 if m.group(2) else x
            if r and int(r.group(2)) != 0:
                return Fraction(int(r.group(1)), int(r.group(2)))
        except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
            pass
    raise _Bad(f"expected a number, got {_describe(value)}")


def _strict(kind: type, name: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return str(value) if kind is str else value
        raise _Bad(f"expected {name}, got {_describe(value)}")

    return hook


def _structure_expr(value: Any, _: Any) -> _ast.Expr:
    from tierlib._expr import parse

    if isinstance(value, bool):
        return _ast.Bool(value, loc_of(value, model.NOWHERE))
    if not isinstance(value, str):
        raise _Bad(f"expected a condition (text), got {_describe(value)}")
    return parse(str(value), loc_of(value, model.NOWHERE))


_EXPR_TYPES = frozenset(get_args(_ast.Expr))


def _is_expr_type(t: Any) -> bool:
    args = set(get_args(t))
    return bool(args) and bool(args & _EXPR_TYPES) and args <= _EXPR_TYPES | {type(None)}


def _structure_optional_expr(value: Any, t: Any) -> _ast.Expr | None:
    """A condition, or None where the field may be left out (a required one may not be null)."""
    if value is None and type(None) in get_args(t):
        return None
    return _structure_expr(value, t)


def _structure_label(value: Any, _: Any) -> model.Label:
    if isinstance(value, str):
        return model.Label(zh=str(value))
    if isinstance(value, Mapping):
        extra = sorted(set(value) - {"zh", "en"})
        if extra:
            raise ForbiddenExtraKeysError("", model.Label, set(extra))
        zh, en = value.get("zh"), value.get("en", "")
        if not isinstance(zh, str) or not isinstance(en, str):
            raise _Bad("a label needs text under zh (and optionally en)")
        return model.Label(zh=str(zh), en=str(en))
    raise _Bad(f"expected a label (text or {{zh: …, en: …}}), got {_describe(value)}")


def _structure_unit(value: Any, _: Any) -> str | None:
    """A fact's unit: text (元, 户), or ``{zh: 户, en: households}`` (the zh text is kept here;
    :func:`_unit_en` gives the English); null is none."""
    if value is None or isinstance(value, str):
        return None if value is None else str(value)
    if isinstance(value, Mapping):
        extra = sorted(set(value) - {"zh", "en"})
        if extra:
            raise ForbiddenExtraKeysError("", model.Label, set(extra))
        zh, en = value.get("zh"), value.get("en", "")
        if not isinstance(zh, str) or not zh.strip():
            raise _Bad(
                f"a unit needs its Chinese under zh, got {_describe(zh)}",
                hint="write e.g. unit: {zh: 户, en: households}",
            )
        if not isinstance(en, str):
            raise _Bad(
                f"a unit's English (en) must be text, got {_describe(en)}",
                hint="write e.g. unit: {zh: 户, en: households}",
            )
        return str(zh)
    raise _Bad(
        f"expected a unit (text, or {{zh: …, en: …}}), got {_describe(value)}",
        hint="write e.g. unit: 元, or unit: {zh: 户, en: households}",
    )


def _unit_en(value: Any) -> str | None:
    """The English of a unit written ``{zh: …, en: …}`` (already checked), else None."""
    en = value.get("en") if isinstance(value, Mapping) else None
    return str(en) if isinstance(en, str) and en else None


def _structure_points(value: Any, _: Any) -> tuple[Fraction, Fraction]:
    if isinstance(value, list):
        if len(value) != 2:
            raise _Bad("points: a number or a range [low, high]")
        return to_fraction(value[0]), to_fraction(value[1])
    x = to_fraction(value)
    return x, x


def _structure_strings(value: Any, _: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(str(v) for v in value)
    raise _Bad(f"expected a list of names, got {_describe(value)}")


def _structure_literal(allowed: tuple[str, ...]) -> Callable[[Any, Any], str]:
    def hook(value: Any, _: Any) -> str:
        if isinstance(value, str) and value in allowed:
            return str(value)
        hint = did_you_mean(str(value), allowed) if isinstance(value, str) else None
        raise _Bad(f"expected one of {', '.join(allowed)}; got {_describe(value)}", "E115", hint)

    return hook


def _records(conv: cattrs.Converter, cls: type) -> Callable[[Any, Any], Any]:
    """Structure a YAML list into ``tuple[cls, ...]``, collecting every item's errors."""

    def hook(value: Any, t: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _Bad(f"expected a list (of - items), got {_describe(value)}")
        out: list[Any] = []
        errors: list[Exception] = []
        for i, item in enumerate(value):
            try:
                out.append(conv.structure(item, cls))
            except Exception as exc:  # collected, like cattrs does
                exc.add_note(IterableValidationNote(f"Structuring {t} @ index {i}", i, cls))
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {t!r}", errors, t)
        return tuple(out)

    return hook


def _named_records(conv: cattrs.Converter, cls: type) -> Callable[[Any, Any], Any]:
    """Structure a YAML mapping of names into ``dict[str, cls]``, collecting every error."""

    def hook(value: Any, t: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _Bad(f"expected a mapping (name: …), got {_describe(value)}")
        out: dict[str, Any] = {}
        errors: list[Exception] = []
        for name, item in value.items():
            try:
                out[str(name)] = conv.structure(item, cls)
            except Exception as exc:  # collected, like cattrs does
                exc.add_note(IterableValidationNote(f"Structuring {t} @ key {name!r}", name, cls))
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {t!r}", errors, t)
        return out

    return hook


def _located(conv: cattrs.Converter, cls: type) -> Callable[[Any, Any], Any]:
    fields = {f.name for f in attrs.fields(cls)}
    overrides: dict[str, Any] = {"loc": override(omit=True)} if "loc" in fields else {}
    if cls is model.RuleSet:
        overrides["sources"] = override(omit=True)
        overrides["source_sha256"] = override(omit=True)
    if cls is model.FactSpec:  # unit: text or {zh, en}; unit_en is no key of its own
        overrides["unit"] = override(struct_hook=_structure_unit)
        overrides["unit_en"] = override(omit=True)
    base: Callable[[Any, Any], Any] = make_dict_structure_fn(
        cls, conv, _cattrs_forbid_extra_keys=True, **overrides
    )

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _Bad(f"expected a mapping for {cls.__name__.lower()}, got {_describe(value)}")
        obj = base(value, cls)
        if "loc" in fields:
            obj = attrs.evolve(obj, loc=loc_of(value, model.NOWHERE))
        if cls is model.FactSpec and (en := _unit_en(value.get("unit"))) is not None:
            obj = attrs.evolve(obj, unit_en=en)
        return obj

    return hook


def _unstructure_fact(base: Callable[[Any], dict[str, Any]]) -> Callable[[Any], Any]:
    """A fact as written: a unit with an English label as ``{zh, en}`` (a unit without one
    stays text, as the canonical text of every rule set hashed so far has it)."""

    def hook(spec: model.FactSpec) -> dict[str, Any]:
        out = base(spec)
        if spec.unit_en:
            out["unit"] = {"zh": spec.unit or "", "en": spec.unit_en}
        return out

    return hook


def _unstructure_fraction(x: Fraction) -> int | str:
    return x.numerator if x.denominator == 1 else fmt_fraction(x, exact=True)


def _on(conv: cattrs.Converter, target: Any, hook: Callable[[Any, Any], Any]) -> None:
    conv.register_structure_hook_func(lambda t: t == target, hook)


@functools.cache  # built once; read-only afterwards, so sharing it is thread-safe
def make_converter() -> cattrs.Converter:
    """The converter used to load and dump rule sets (a new one per call: no global state)."""
    from tierlib._unparse import to_text

    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(Fraction, lambda v, _: to_fraction(v))
    conv.register_structure_hook(int, _strict(int, "a whole number"))
    conv.register_structure_hook(str, _strict(str, "text"))
    conv.register_structure_hook(bool, _strict(bool, "true or false"))
    conv.register_structure_hook(model.Label, _structure_label)
    _on(conv, tuple[Fraction, Fraction], _structure_points)
    _on(conv, tuple[str, ...], _structure_strings)
    for alias in (
        model.FactKind,
        model.MissingPolicy,
        model.RoundingMode,
        model.Effect,
        model.BelowLowest,
        model.MatchMode,
    ):
        _on(conv, alias, _structure_literal(get_args(alias)))
    for node_type in get_args(_ast.Expr):
        conv.register_structure_hook(node_type, _structure_expr)
    conv.register_structure_hook_func(_is_expr_type, _structure_optional_expr)
    # lists of records and the facts mapping: a scalar there is a problem, not a TypeError
    # (and a text is not a list of its characters)
    for cls in _LOCATED:
        _on(conv, tuple[cls, ...], _records(conv, cls))  # type: ignore[valid-type]
    _on(conv, Mapping[str, model.FactSpec], _named_records(conv, model.FactSpec))
    # rounding is written whole (digits and mode even when the defaults), as the canonical text
    # of every rule set hashed so far has it; its location is not part of it
    conv.register_unstructure_hook(
        model.Rounding,
        make_dict_unstructure_fn(model.Rounding, conv, loc=override(omit=True)),
    )
    for cls in _LOCATED:
        conv.register_structure_hook(cls, _located(conv, cls))
        if cls is model.Rounding:
            continue
        unstructure = make_dict_unstructure_fn(
            cls,
            conv,
            _cattrs_omit_if_default=True,
            **{  # type: ignore[arg-type]  # cattrs types **kwargs as its flags
                f.name: override(omit=True)
                for f in attrs.fields(cls)
                if f.name in ("loc", "sources", "source_sha256", "unit_en")
            },
        )
        if cls is model.FactSpec:
            unstructure = _unstructure_fact(unstructure)
        conv.register_unstructure_hook(cls, unstructure)
    conv.register_unstructure_hook(Fraction, _unstructure_fraction)
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, get_args(_ast.Expr)), to_text
    )
    conv.register_unstructure_hook(
        model.Label, lambda lb: {"zh": lb.zh, "en": lb.en} if lb.en else lb.zh
    )
    return conv


_LOCATED = (
    model.Scheme,
    model.Rounding,
    model.FactSpec,
    model.Dimension,
    model.Bound,
    model.Linear,
    model.Band,
    model.Bands,
    model.Item,
    model.AllOrNothing,
    model.PerUnit,
    model.Assessed,
    model.Indicator,
    model.Tier,
    model.Veto,
    model.Escalation,
    model.Flag,
    model.Quota,
    model.Streak,
    model.Deadline,
    model.RuleSet,
)


def problems_from(exc: BaseException, data: Any, file_loc: Location) -> list[Problem]:
    """Translate a cattrs error tree into located problems, in document order."""
    out: list[Problem] = []
    _walk(exc, data, data, file_loc, None, out)
    out.sort(key=lambda p: (p.location.line, p.location.col))
    return out


def _walk(
    exc: BaseException, parent: Any, node: Any, loc: Location, key: Any, out: list[Problem]
) -> None:
    from tierlib._expr import ExprError

    if isinstance(exc, ClassValidationError | IterableValidationError):
        typos = _misspelled(exc)
        for sub in exc.exceptions:
            step = _step(sub)
            if isinstance(sub, KeyError) and step in typos:
                continue  # the unknown key spelling it is reported, with "did you mean"
            child, child_loc = _child(node, step, loc)
            _walk(sub, node, child, child_loc, step, out)
    elif isinstance(exc, ForbiddenExtraKeysError):
        allowed = _allowed(exc)
        for name in sorted(exc.extra_fields):
            where = node.key_locs.get(name, loc) if isinstance(node, LDict) else loc
            hint = did_you_mean(name, allowed) or f"allowed here: {', '.join(allowed)}"
            if name == "unit_en" and exc.cl is model.FactSpec:
                hint = "write the unit with its English as unit: {zh: …, en: …}"
            out.append(Problem("E110", f"unknown key {name!r}", where, hint))
    elif isinstance(exc, ExprError):
        out.extend(exc.problems)
    elif isinstance(exc, KeyError):
        where = parent.loc if isinstance(parent, LDict | LList) else loc
        out.append(Problem("E112", f"missing required key {key!r}", where))
    elif isinstance(exc, _Bad):
        out.append(Problem(exc.code, str(exc), loc, exc.hint))
    else:
        out.append(Problem("E111", f"invalid value: {exc}", loc))


def _allowed(exc: ForbiddenExtraKeysError) -> list[str]:
    allowed = [f.name for f in attrs.fields(exc.cl)] if attrs.has(exc.cl) else ["zh", "en"]
    return [a for a in allowed if a not in ("loc", "sources", "source_sha256", "unit_en")]


def _misspelled(exc: ClassValidationError | IterableValidationError) -> set[str]:
    """The missing required keys of a mapping that an unknown key of it is suggested for."""
    if not isinstance(exc, ClassValidationError):
        return set()
    out: set[str] = set()
    for sub in exc.exceptions:
        if isinstance(sub, ForbiddenExtraKeysError) and _step(sub) is None:
            allowed = _allowed(sub)
            out.update(m for n in sub.extra_fields if (m := close_match(n, allowed)) is not None)
    return out


def _step(exc: BaseException) -> Any:
    for note in getattr(exc, "__notes__", []):
        if isinstance(note, AttributeValidationNote):
            return note.name
        if isinstance(note, IterableValidationNote):
            return note.index
    return None


def _child(node: Any, step: Any, loc: Location) -> tuple[Any, Location]:
    if step is None:  # an error of the node itself (e.g. its unknown keys), not of a child
        return node, loc
    if isinstance(node, LDict) and isinstance(step, str):
        if step in node:
            value = node[step]
            return value, loc_of(value, node.value_locs.get(step, loc))
        return None, node.loc
    if isinstance(node, LList) and isinstance(step, int) and 0 <= step < len(node):
        return node[step], node.item_locs[step]
    return None, loc
