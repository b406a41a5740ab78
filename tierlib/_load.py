"""Load a rule file: read YAML with locations → apply ``extends`` → structure with cattrs → check.

Structuring goes element by element (:mod:`tierlib._structure`): an element that fails is
reported and left out, and the checks still run on the rest, skipping what depended on it.

``load`` raises one :class:`~tierlib.errors.RuleSetError` holding every problem found;
``check`` returns the problems instead. Neither ever lets another exception escape for a
problem in the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import yaml

from tierlib import model
from tierlib._check import check_ruleset
from tierlib._convert import make_converter
from tierlib._overlay import LISTS, merge
from tierlib._structure import structure
from tierlib._yaml import LDict, read
from tierlib.decision import fmt_fraction
from tierlib.errors import Location, Problem, RuleSetError, did_you_mean

TOP_KEYS = ("scheme", "extends", "remove", "facts", "below_lowest", *LISTS)
BOUND_WORDS = {
    "at_least": "at_least",
    "以上": "at_least",
    "不低于": "at_least",
    "不少于": "at_least",
    "above": "above",
    "超过": "above",
    "高于": "above",
    "below": "below",
    "低于": "below",
    "不足": "below",
    "不满": "below",
    "at_most": "at_most",
    "以下": "at_most",
    "以内": "at_most",
    "不超过": "at_most",
    "不高于": "at_most",
}
MAX_EXTENDS_DEPTH = 16


def load(path: str | os.PathLike[str]) -> model.RuleSet:
    """Load and check the rule file at ``path``; raise :class:`RuleSetError` listing all problems."""
    ruleset, problems = _load(Path(path))
    if problems or ruleset is None:
        raise RuleSetError(problems)
    return ruleset


def loads(text: str, file: str = "<string>") -> model.RuleSet:
    """Load and check rule-file text (``extends`` resolves relative to the current directory)."""
    ruleset, problems = _load(Path(file), text)
    if problems or ruleset is None:
        raise RuleSetError(problems)
    return ruleset


def check(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem in the rule file at ``path`` (empty when it is valid)."""
    return _load(Path(path))[1]


def canonical(ruleset: model.RuleSet) -> str:
    """Canonical JSON of a rule set: what its sha256 is taken over (no comments, no layout)."""
    data = _plain(make_converter().unstructure(ruleset))
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dump(ruleset: model.RuleSet) -> str:
    """The rule set as YAML text that loads back to an equal rule set (extends flattened)."""
    data = _plain(make_converter().unstructure(ruleset))
    for key in ("tiers",):
        for item in data.get(key, []):
            item.update(item.pop("range", {}))
    for ind in data.get("indicators", []):
        for band in ind.get("bands", {}).get("bands", []):
            band.update(band.pop("range", {}))
            points = band.get("points")
            if isinstance(points, list) and len(points) == 2 and points[0] == points[1]:
                band["points"] = points[0]  # fixed points: one number, not a range
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


class _Dumper(yaml.SafeDumper):
    """Safe YAML, with text holding U+0085 double-quoted (PyYAML folds it to a space otherwise)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _plain(value: Any) -> Any:
    """Plain YAML-ready data: fractions as exact numbers or text, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else fmt_fraction(value, exact=True)
    if isinstance(value, str):
        return str(value)
    return value


def _load(path: Path, text: str | None = None) -> tuple[model.RuleSet | None, list[Problem]]:
    problems: list[Problem] = []
    tree = _resolve(path, text, [], problems)
    if tree is None:
        return None, _unique(problems)
    return _build(tree, path, problems)


def _build(
    tree: LDict, path: Path, problems: list[Problem]
) -> tuple[model.RuleSet | None, list[Problem]]:
    """Structure what can be structured, then check it: every mistake at once, no cascades."""
    sources = tuple(tree.pop("__sources__", [str(path)]))
    hashes = tuple(tree.pop("__sha256__", []))
    ruleset, lost, pruned, found = structure(tree)
    problems.extend(found)
    ruleset = attrs.evolve(ruleset, sources=sources, source_sha256=hashes)
    problems.extend(check_ruleset(ruleset, pruned, lost))
    return (ruleset, _unique(problems)) if not problems else (None, _unique(problems))


def _unique(problems: list[Problem]) -> list[Problem]:
    """Problems without repeats, in document order (files in the order they were first met)."""
    seen: set[Problem] = set()
    files: dict[str, int] = {}
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            files.setdefault(p.location.file, len(files))
            out.append(p)
    out.sort(key=lambda p: (files[p.location.file], p.location.line, p.location.col))
    return out


def _byte_location(name: str, raw: bytes, offset: int) -> Location:
    """The line and column (in characters) of byte ``offset`` of ``raw``."""
    start = raw.rfind(b"\n", 0, offset) + 1
    col = len(raw[start:offset].decode("utf-8", "replace")) + 1
    return Location(name, raw.count(b"\n", 0, offset) + 1, col)


def _resolve(
    path: Path, text: str | None, stack: list[Path], problems: list[Problem]
) -> LDict | None:
    """Read ``path`` (or ``text``), apply its ``extends`` chain, normalise boundary words."""
    name = str(path)
    raw = None if text is None else text.encode("utf-8", "surrogatepass")  # hashed as given
    if text is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(
                Problem("E100", f"cannot read the rule file: {exc.strerror}", Location(name))
            )
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    "E100",
                    f"not UTF-8 text (byte {exc.start})",
                    _byte_location(name, raw, exc.start),
                    "save the file as UTF-8",
                )
            )
            return None
    data, found = read(text, name)
    problems.extend(found)
    if data is None:
        return None
    if not isinstance(data, LDict):
        problems.append(
            Problem(
                "E105",
                "a rule file must be a mapping of sections (scheme:, indicators:, …)",
                Location(name, 1, 1),
            )
        )
        return None
    for key in data:
        if key not in TOP_KEYS:
            problems.append(
                Problem(
                    "E110",
                    f"unknown section {key!r}",
                    data.key_locs[key],
                    did_you_mean(key, TOP_KEYS) or f"sections: {', '.join(TOP_KEYS)}",
                )
            )
    tree = LDict(
        {k: v for k, v in data.items() if k in TOP_KEYS and k not in ("extends", "remove")}
    )
    tree.loc, tree.key_locs, tree.value_locs = data.loc, dict(data.key_locs), dict(data.value_locs)
    _normalise(tree, problems)
    tree["__sources__"] = [name]
    tree["__sha256__"] = [hashlib.sha256(raw or b"").hexdigest()]
    base_ref = data.get("extends")
    if base_ref is None:
        if "remove" in data:
            problems.append(Problem("E142", "remove: needs extends:", data.key_locs["remove"]))
        return tree
    if not isinstance(base_ref, str):
        problems.append(
            Problem(
                "E111",
                "extends: expects the path of the base rule file",
                data.value_locs["extends"],
            )
        )
        return tree
    ref_loc = data.value_locs["extends"]
    base_path = Path(os.path.normpath(path.parent / str(base_ref)))
    chain = [*stack, path.resolve()]
    if base_path.resolve() in chain:
        start = chain.index(base_path.resolve())
        cycle = " → ".join(p.name for p in [*chain[start:], base_path])
        problems.append(Problem("E141", f"extends cycle: {cycle}", ref_loc))
        return None
    if len(chain) > MAX_EXTENDS_DEPTH:
        problems.append(Problem("E141", f"extends chain deeper than {MAX_EXTENDS_DEPTH}", ref_loc))
        return None
    try:
        is_file = base_path.is_file()
    except (OSError, ValueError) as exc:  # e.g. a name too long for the file system
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problems.append(
            Problem("E140", f"base rule file {base_ref!r} cannot be opened: {reason}", ref_loc)
        )
        return None
    if not is_file:
        siblings = [p.name for p in path.parent.glob("*.y*ml")] if path.parent.is_dir() else []
        problems.append(
            Problem(
                "E140",
                f"base rule file {base_ref!r} not found",
                ref_loc,
                did_you_mean(Path(base_ref).name, siblings),
            )
        )
        return None
    base = _resolve(base_path, None, chain, problems)
    if base is None:
        return None
    return merge(base, tree, data.get("remove"), data.key_locs.get("remove"), problems)


def _normalise(tree: LDict, problems: list[Problem]) -> None:
    """Move boundary words (以上, 低于, at_least, …) of tiers and bands into a ``range`` mapping."""
    places: list[Any] = list(_items(tree.get("tiers")))
    for ind in _items(tree.get("indicators")):
        bands = ind.get("bands") if isinstance(ind, LDict) else None
        if isinstance(bands, LDict):
            places.extend(_items(bands.get("bands")))
    for item in places:
        if not isinstance(item, LDict):
            continue
        rng = LDict()
        rng.loc, rng.key_locs, rng.value_locs = item.loc, {}, {}
        for key in [k for k in item if k in BOUND_WORDS]:
            canon = BOUND_WORDS[key]
            if canon in rng:
                problems.append(
                    Problem(
                        "E116",
                        f"{key!r} repeats the {canon} bound already given",
                        item.key_locs[key],
                    )
                )
                item.pop(key)  # reported once: not again as an unknown key
                continue
            if ({"at_least", "above"} & {canon} and {"at_least", "above"} & set(rng)) or (
                {"below", "at_most"} & {canon} and {"below", "at_most"} & set(rng)
            ):
                problems.append(
                    Problem(
                        "E116",
                        f"{key!r} gives a second bound on the same side",
                        item.key_locs[key],
                        "use one lower and one upper bound",
                    )
                )
                item.pop(key)
                continue
            rng[canon] = item.pop(key)
            rng.key_locs[canon], rng.value_locs[canon] = item.key_locs[key], item.value_locs[key]
        if rng or "range" not in item:  # a band with only when: has an empty range
            item["range"] = rng
            item.key_locs["range"] = item.value_locs["range"] = rng.loc


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []
