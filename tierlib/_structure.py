"""Structure a rule set part by part, so that one broken element does not hide the others.

The scheme, each element of a list section, each declared fact and every other section are
structured on their own. What fails is reported (through :func:`tierlib._convert.problems_from`)
and left out; :class:`Lost` records what was left out so that the semantic checks can skip what
depended on it — a sum over a dimension that lost an indicator, a reference to a name that a
dropped element may have defined. So every mistake is reported, and none causes another.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from typing import Any

import attrs
from cattrs.errors import AttributeValidationNote, ClassValidationError

from tierlib import model
from tierlib._convert import make_converter, problems_from
from tierlib._yaml import LDict, LList, loc_of
from tierlib.errors import Problem

__all__ = ["Lost", "structure"]

_PREFIXES = (("points.", "indicators"), ("dimension.", "dimensions"))


@attrs.frozen
class Lost:
    """What structuring left out of a rule set, for the checks to skip what depended on it.

    ``whole`` names the sections that could not be read at all (missing, or of the wrong
    shape), and ``"scheme.<field>"`` for a scheme field left out. ``dropped`` holds, per
    section, the raw YAML of the elements left out (for ``facts``: their names). ``kept`` maps
    each list section that lost elements to the file index of every element kept.
    """

    whole: frozenset[str] = frozenset()
    dropped: Mapping[str, tuple[Any, ...]] = attrs.field(factory=dict)
    kept: Mapping[str, tuple[int, ...]] = attrs.field(factory=dict)

    def __bool__(self) -> bool:
        return bool(self.whole) or any(self.dropped.values())

    def any(self, section: str) -> bool:
        """Whether ``section`` (or, as ``"scheme.total"``, a scheme field) lost anything."""
        head = section.split(".")[0]
        return section in self.whole or head in self.whole or bool(self.dropped.get(section))

    def may_define(self, section: str, name: str) -> bool:
        """Whether an element left out of ``section`` may have had the id ``name``."""
        if section in self.whole:
            return True
        for raw in self.dropped.get(section, ()):
            ident = (
                raw if section == "facts" else raw.get("id") if isinstance(raw, Mapping) else None
            )
            if not isinstance(ident, str) or ident == name:
                return True
        return False

    def may_name(self, name: str) -> bool:
        """Whether a condition's ``name`` (a fact, ``points.<id>``, ``dimension.<id>``) may
        have been defined by something left out."""
        for prefix, section in _PREFIXES:
            if name.startswith(prefix):
                return self.may_define(section, name[len(prefix) :])
        return self.may_define("facts", name)

    def touches_sum(self, dimension: str | None = None) -> bool:
        """Whether an indicator left out may have counted towards ``dimension``'s sum
        (None: towards the sum of all indicators)."""
        if "indicators" in self.whole:
            return True
        for raw in self.dropped.get("indicators", ()):
            if not isinstance(raw, Mapping):
                return True
            named = raw.get("dimension")
            if raw.get("bonus") is not True and (
                dimension is None or not isinstance(named, str) or named == dimension
            ):
                return True
        return False

    def position(self, section: str, i: int) -> int:
        """The index in the file of element ``i`` of ``section`` in the rule set."""
        kept = self.kept.get(section)
        return kept[i] if kept is not None and 0 <= i < len(kept) else i


@functools.cache
def _hints() -> dict[str, Any]:
    return typing.get_type_hints(model.RuleSet)


def structure(tree: LDict) -> tuple[model.RuleSet, Lost, LDict, list[Problem]]:
    """The rule set of ``tree`` with whatever failed to structure left out, what was left out,
    ``tree`` without the elements left out (so indices match the rule set's) and the problems."""
    conv = make_converter()
    problems: list[Problem] = []
    whole: set[str] = set()
    dropped: dict[str, tuple[Any, ...]] = {}
    kept: dict[str, tuple[int, ...]] = {}
    pruned = _copy(tree, dict(tree))
    values: dict[str, Any] = {}
    for field in attrs.fields(model.RuleSet):
        name, hint = field.name, _hints()[field.name]
        if name in ("sources", "source_sha256"):
            continue
        if name not in tree:
            if field.default is attrs.NOTHING:
                problems.append(Problem("E112", f"missing required key {name!r}", tree.loc))
                whole.add(name)
                values[name] = {} if name == "facts" else _placeholder() if name == "scheme" else ()
            continue
        value = tree[name]
        loc = loc_of(value, tree.value_locs.get(name, tree.loc))
        if name == "scheme":
            values[name], bad = _scheme(value, loc, problems)
            whole |= {f"scheme.{b}" if b else "scheme" for b in bad}
        elif isinstance(value, LList) and typing.get_origin(hint) is tuple:
            (cls, _) = typing.get_args(hint)
            good, keep = [], []
            for i, (item, item_loc) in enumerate(zip(value, value.item_locs)):
                try:
                    good.append(conv.structure(item, cls))
                    keep.append(i)
                except Exception as exc:  # every failure is a located problem
                    problems.extend(problems_from(exc, item, item_loc))
            values[name] = tuple(good)
            if len(keep) < len(value):
                dropped[name] = tuple(value[i] for i in range(len(value)) if i not in keep)
                kept[name] = tuple(keep)
                pruned[name] = _copy(value, [value[i] for i in keep])
                pruned[name].item_locs = [value.item_locs[i] for i in keep]
        elif name == "facts" and isinstance(value, LDict):
            facts: dict[str, model.FactSpec] = {}
            for fact, spec in value.items():
                try:
                    facts[fact] = conv.structure(spec, model.FactSpec)
                except Exception as exc:  # every failure is a located problem
                    where = loc_of(spec, value.value_locs.get(fact, loc))
                    problems.extend(problems_from(exc, spec, where))
            values[name] = facts
            if len(facts) < len(value):
                dropped[name] = tuple(f for f in value if f not in facts)
                pruned[name] = _copy(value, {f: s for f, s in value.items() if f in facts})
        else:
            try:
                values[name] = conv.structure(value, hint)
            except Exception as exc:  # every failure is a located problem
                problems.extend(problems_from(exc, value, loc))
                whole.add(name)
                if field.default is attrs.NOTHING:
                    values[name] = {} if name == "facts" else ()
    ruleset = model.RuleSet(**values)
    return ruleset, Lost(frozenset(whole), dropped, kept), pruned, problems


def _scheme(raw: Any, loc: Any, problems: list[Problem]) -> tuple[model.Scheme, set[str]]:
    """The scheme, with the fields that fail left at their defaults; the names of those fields
    (``""``: the whole scheme)."""
    conv = make_converter()
    try:
        return conv.structure(raw, model.Scheme), set()
    except Exception as exc:  # every failure is a located problem
        problems.extend(problems_from(exc, raw, loc))
        if not isinstance(raw, LDict) or not isinstance(exc, ClassValidationError):
            return _placeholder(), {""}
        bad = {
            note.name
            for sub in exc.exceptions
            for note in getattr(sub, "__notes__", [])
            if isinstance(note, AttributeValidationNote)
        }
    fields = {k: f for k, f in attrs.fields_dict(model.Scheme).items() if k != "loc"}
    bad |= {k for k in raw if k not in fields}  # unknown keys: left out too
    if not bad:  # pragma: no cover - every failure names a field or an unknown key
        return _placeholder(), {""}
    rest = {k: v for k, v in raw.items() if k not in bad}
    for name, field in fields.items():  # a required field that failed: any text will do
        if field.default is attrs.NOTHING and name not in rest:
            rest[name] = ""
    try:
        return conv.structure(_copy(raw, rest), model.Scheme), bad
    except Exception:  # pragma: no cover - the fields left are ones that structured
        return _placeholder(), {""}


def _placeholder() -> model.Scheme:
    return model.Scheme(id="", name=model.Label(""), version="")


def _copy(like: Any, items: Any) -> Any:
    """A located mapping or list holding ``items``, with the locations of ``like``."""
    if isinstance(like, LDict):
        out = LDict(items)
        out.loc = like.loc
        out.key_locs = {k: v for k, v in like.key_locs.items() if k in out}
        out.value_locs = {k: v for k, v in like.value_locs.items() if k in out}
        return out
    new = LList(items)
    new.loc, new.item_locs = like.loc, list(like.item_locs)
    return new
