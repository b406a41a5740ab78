"""Apply an overlay rule file (one with ``extends:``) to its base.

The overlay's ``scheme:`` keys and ``facts:`` replace the base's by name; an element of a list
section replaces the base's element of the same id in place, or is appended; ``remove:`` then
drops base elements by id. An element whose name is not in the base but nearly is
(``satisfacton_cap`` beside ``satisfaction_cap``) is taken for a typo that silently adds an
element instead of replacing one (E143), unless it is marked ``new: true``.
"""

from __future__ import annotations

import difflib
from typing import Any

from tierlib._yaml import LDict, LList, LStr
from tierlib.errors import Location, Problem, did_you_mean

__all__ = ["LISTS", "NEAR_MISS", "NEAR_MISS_SECTIONS", "merge"]

#: The list sections: their elements have ids, and an overlay replaces or adds them by id.
LISTS = ("dimensions", "indicators", "tiers", "vetoes", "flags", "quotas", "streaks", "deadlines")
#: Where an overlay's element with a name the base lacks is checked against the base's names
#: (E143): every section whose elements an overlay replaces by id, and the facts by name.
NEAR_MISS_SECTIONS = (*LISTS, "facts")
#: How alike (difflib's ratio) an added id and a base id must be to be taken for a typo:
#: satisfacton_cap / satisfaction_cap (0.97) are; no_recruits / no_venue (0.53) and
#: class5 / class4 (0.83) are not.
NEAR_MISS = 0.85

_NOUNS = {  # what an element of a section is called, with its article
    "dimensions": ("a", "dimension"),
    "indicators": ("an", "indicator"),
    "tiers": ("a", "tier"),
    "vetoes": ("a", "veto"),
    "flags": ("a", "flag"),
    "quotas": ("a", "quota"),
    "streaks": ("a", "streak"),
    "deadlines": ("a", "deadline"),
    "facts": ("a", "fact"),
}


def merge(
    base: LDict, child: LDict, remove: Any, remove_loc: Location | None, problems: list[Problem]
) -> LDict:
    """The child's sections over the base's: elements replaced or appended by id; ``remove`` drops."""
    out = LDict(base)
    out.loc = child.loc
    out.key_locs, out.value_locs = (
        {**base.key_locs, **child.key_locs},
        {**base.value_locs, **child.value_locs},
    )
    removed = _removed(remove)
    for key, value in child.items():
        if key in ("__sources__", "__sha256__"):
            continue
        if key == "scheme" and isinstance(value, LDict) and isinstance(base.get(key), LDict):
            out[key] = _merge_mapping(base[key], value)
        elif key == "facts" and isinstance(value, LDict):
            have = base.get(key)
            mine = _facts(value, have if isinstance(have, LDict) else {}, problems)
            out[key] = _merge_mapping(have, mine) if isinstance(have, LDict) else mine
        elif key in LISTS and isinstance(value, LList):
            have = base.get(key)
            if not isinstance(have, LList):  # none in the base: new: marks are taken off too
                have = LList()
                have.loc, have.item_locs = value.loc, []
            out[key] = _merge_list(have, value, key, removed.get(key, set()), problems)
        else:
            out[key] = value
    out["__sources__"] = [*child["__sources__"], *base["__sources__"]]
    out["__sha256__"] = [*child["__sha256__"], *base["__sha256__"]]
    if remove is None:
        return out
    if not isinstance(remove, LDict):
        problems.append(
            Problem("E111", "remove: expects a mapping of section → ids", remove_loc or child.loc)
        )
        return out
    for section, ids in remove.items():
        where = remove.key_locs[section]
        if section not in LISTS:
            problems.append(
                Problem(
                    "E110", f"cannot remove from {section!r}", where, did_you_mean(section, LISTS)
                )
            )
            continue
        current = out.get(section)
        names = _names(ids)
        have = [e.get("id") for e in current] if isinstance(current, LList) else []
        for i, name in enumerate(names):
            loc = ids.item_locs[i] if isinstance(ids, LList) else remove.value_locs[section]
            if name not in have:
                problems.append(
                    Problem(
                        "E142",
                        f"remove: no {section[:-1]} {name!r} in the base",
                        loc,
                        did_you_mean(name, [str(h) for h in have]),
                    )
                )
        if isinstance(current, LList):
            out[section] = _filter_list(current, set(names))
    return out


def _names(ids: Any) -> list[str]:
    return [str(i) for i in ids] if isinstance(ids, list) else [str(ids)]


def _removed(remove: Any) -> dict[str, set[str]]:
    """The ids ``remove:`` drops, by section: a base element that goes is no near miss."""
    if not isinstance(remove, LDict):
        return {}
    return {section: set(_names(ids)) for section, ids in remove.items()}


def _merge_mapping(base: LDict, child: LDict) -> LDict:
    merged = LDict({**base, **child})
    merged.loc = child.loc
    merged.key_locs = {**base.key_locs, **child.key_locs}
    merged.value_locs = {**base.value_locs, **child.value_locs}
    return merged


def _facts(child: LDict, base: dict[str, Any], problems: list[Problem]) -> LDict:
    """The overlay's facts without their ``new:`` marks, near misses of base facts reported.

    A near miss is kept under the name written: an unused fact changes nothing, and the
    overlay's own conditions may name it."""
    out = LDict()
    out.loc, out.key_locs, out.value_locs = child.loc, dict(child.key_locs), dict(child.value_locs)
    names = [str(k) for k in base]
    for name, spec in child.items():
        if isinstance(spec, LDict):
            spec, _ = _added(
                spec, str(name), child.key_locs[name], names, base, "facts", set(), problems
            )
        out[name] = spec
    return out


def _merge_list(
    base: LList, child: LList, section: str, removed: set[str], problems: list[Problem]
) -> LList:
    def key_of(element: Any) -> str | None:  # only text ids match (a list is unhashable)
        key = element.get("id") if isinstance(element, LDict) else None
        return str(key) if isinstance(key, str) else None

    index = {k: i for i, e in enumerate(base) if (k := key_of(e)) is not None}
    by_id = {k: base[i] for k, i in index.items()}
    own = {k for e in child if (k := key_of(e)) is not None}  # the overlay's own ids
    items, locs = list(base), list(base.item_locs)
    for item, loc in zip(child, child.item_locs):
        key = key_of(item)
        if isinstance(item, LDict) and key is not None:
            where = item.value_locs.get("id", item.loc)
            item, meant = _added(item, key, where, list(index), by_id, section, removed, problems)
            if meant is not None and meant not in own:  # read as meant: no sum, no order
                item = _with_id(item, meant)  # is reported because of the typo
                key = meant
        elif isinstance(item, LDict):
            item, _ = _added(item, None, item.loc, [], {}, section, removed, problems)
        if key is not None and key in index:
            items[index[key]], locs[index[key]] = item, loc
        else:
            items.append(item)
            locs.append(loc)
    out = LList(items)
    out.loc, out.item_locs = child.loc, locs
    return out


def _added(
    item: LDict,
    key: str | None,
    where: Location,
    base_ids: list[str],
    base: dict[str, Any],
    section: str,
    removed: set[str],
    problems: list[Problem],
) -> tuple[LDict, str | None]:
    """``item`` of an overlay without its ``new:`` mark, and the base id it is a near miss of
    (None: none, or it is marked new). E143 when its id is not in the base but a near miss of
    a base id (a typo adds a second element instead of replacing one) and it is not marked
    ``new: true``, or when it is marked new but replaces a base element."""
    article, what = _NOUNS[section]
    marked = item.get("new", False)
    if "new" in item:
        if not isinstance(marked, bool):
            problems.append(Problem("E111", "new: expects true or false", item.value_locs["new"]))
            marked = True  # it says something; no E143 on top
        item = _without(item, "new")
    if key is None:
        return item, None
    if key in base_ids:
        if marked is True:
            problems.append(
                Problem(
                    "E143",
                    f"{what} {key!r} is marked new: true, but the base has {article} {what} "
                    f"{key!r}, which it replaces",
                    where,
                    f"give the new {what} an id of its own, or remove new: true to replace it",
                )
            )
        return item, None
    candidates = sorted(k for k in base_ids if k not in removed)
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=NEAR_MISS)
    if not close or marked is True:
        return item, None
    meant = close[0]
    label = _zh_label(base.get(meant), section)
    named = f"{meant!r} ({label})" if label else repr(meant)
    problems.append(
        Problem(
            "E143",
            f"{what} {key!r} is not in the base, so it is added next to the base's "
            f"{what} {meant!r} instead of replacing it",
            where,
            f"did you mean {named}? To add {article} {what} beside it, write new: true",
        )
    )
    return item, meant


def _zh_label(element: Any, section: str) -> str:
    """The Chinese label of a base element (a veto's reason), or ``""``."""
    if not isinstance(element, dict):
        return ""
    lab = element.get("reason" if section == "vetoes" else "label")
    if isinstance(lab, dict):
        lab = lab.get("zh")
    return " ".join(lab.split()) if isinstance(lab, str) else ""


def _without(item: LDict, key: str) -> LDict:
    rest = LDict({k: v for k, v in item.items() if k != key})
    rest.loc = item.loc
    rest.key_locs = {k: v for k, v in item.key_locs.items() if k != key}
    rest.value_locs = {k: v for k, v in item.value_locs.items() if k != key}
    return rest


def _with_id(item: LDict, ident: str) -> LDict:
    """``item`` with the id ``ident``, located where its own id is written."""
    out = LDict(item)
    out.loc, out.key_locs, out.value_locs = item.loc, dict(item.key_locs), dict(item.value_locs)
    text = LStr(ident)
    text.loc = out.value_locs.get("id", item.loc)
    out["id"] = text
    return out


def _filter_list(items: LList, drop: set[str]) -> LList:
    keep = [
        (e, loc)
        for e, loc in zip(items, items.item_locs)
        if not (isinstance(e, LDict) and str(e.get("id")) in drop)
    ]
    out = LList(e for e, _ in keep)
    out.loc, out.item_locs = items.loc, [loc for _, loc in keep]
    return out
