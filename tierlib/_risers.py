"""The organizations that rose the most (晋位最多) between two years, per township or county.

Seed 001 rewards, in every township, the village that rose the most classes. The rise is read
from :func:`~tierlib.population.transitions`, so an organization is compared only when it is
rated in both years; one absent in a year, or pending or unrated there, is excluded with the
transition's "cannot determine" reason, never counted as "did not rise".

Private: import the public names from :mod:`tierlib.population`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs

from tierlib._history import Transition, YearRecord, transitions
from tierlib._popbase import Labels, Rated, Within, groups
from tierlib._popfmt import as_json, en_classes, place, signed, zh_count


@attrs.frozen
class Riser:
    """An organization that rose the most classes in its group, with its score change."""

    org_id: str
    before: YearRecord
    after: YearRecord
    steps: int  # classes moved up (at least 1)
    score_change: Fraction | None  # later score minus earlier score; None when one is missing
    reason_zh: str
    reason_en: str

    def to_dict(self) -> dict[str, Any]:
        return as_json(self)  # type: ignore[no-any-return]


@attrs.frozen
class RiserGroup:
    """The biggest risers of one township (or county) from one year to the next.

    ``risers`` holds everyone tied at the largest rise, by org id; it is empty when nobody in
    the group rose (``steps`` is then 0). ``excluded`` holds the organizations that could not
    be compared, with the reason of their transition."""

    county: str
    township: str | None  # None when grouped per county
    from_year: int | None
    to_year: int | None
    compared: int  # organizations rated in both years
    rose: int  # of those, the ones that moved up at all
    steps: int  # the largest rise in classes; 0 when nobody rose
    risers: tuple[Riser, ...]
    excluded: tuple[Transition, ...]
    reason_zh: str
    reason_en: str

    @property
    def nobody_rose(self) -> bool:
        return not self.risers

    @property
    def riser_ids(self) -> tuple[str, ...]:
        return tuple(r.org_id for r in self.risers)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = as_json(self)
        out["risers"] = [r.to_dict() for r in self.risers]
        out["excluded"] = [t.to_dict() for t in self.excluded]
        out["nobody_rose"] = self.nobody_rose
        return out


def _riser(t: Transition) -> Riser:
    before, after = t.before.score, t.after.score
    change = None if before is None or after is None else after - before
    if change is None:
        zh, en = "；缺少分数，得分变化不详", "; a score is missing, so the score change is unknown"
    else:
        zh, en = f"；得分变化{signed(change)}", f"; score change {signed(change)}"
    steps = t.steps or 0
    return Riser(t.org_id, t.before, t.after, steps, change, t.reason_zh + zh, t.reason_en + en)


def _group(
    county: str, township: str | None, trans: Sequence[Transition], from_to: tuple[int, int] | None
) -> RiserGroup:
    compared = [t for t in trans if t.direction != "cannot determine"]
    excluded = tuple(t for t in trans if t.direction == "cannot determine")
    up = [t for t in compared if t.direction == "up"]
    steps = max((t.steps or 0 for t in up), default=0)
    risers = tuple(_riser(t) for t in up if t.steps == steps)
    span_zh = span_en = ""
    if from_to is not None:
        span_zh, span_en = f"（{from_to[0]}年→{from_to[1]}年）", f" ({from_to[0]} → {from_to[1]})"
    zh = f"{place(county, township, 'zh')}{span_zh}："
    en = f"{place(county, township, 'en')}{span_en}: "
    if not compared:
        zh += "没有两年均已定级的组织，无从比较晋位"
        en += "no organization is rated in both years, so none can be said to have risen"
    elif not risers:
        zh += f"两年均已定级的{len(compared)}个组织中无人升档"
        en += f"of {len(compared)} rated in both years, nobody moved up"
    else:
        ids_zh, ids_en = "、".join(r.org_id for r in risers), ", ".join(r.org_id for r in risers)
        each_zh, each_en = ("均", " each") if len(risers) > 1 else ("", "")
        zh += (
            f"两年均已定级的{len(compared)}个组织中升档{len(up)}个；"
            f"晋位最多的是{ids_zh}，{each_zh}升{zh_count(steps)}档"
        )
        en += (
            f"of {len(compared)} rated in both years, {len(up)} moved up; "
            f"rose the most: {ids_en} (up {en_classes(steps)}{each_en})"
        )
    if excluded:
        more_zh, more_en = ("另有", " more") if compared else ("", "")
        zh += f"；{more_zh}{len(excluded)}个无法比较（某一年无结果、待定或不定级）"
        en += (
            f"; {len(excluded)}{more_en} cannot be compared (absent, pending or unrated in a year)"
        )
    return RiserGroup(
        county, township, from_to[0] if from_to else None, from_to[1] if from_to else None,
        len(compared), len(up), steps, risers, excluded, zh, en,
    )  # fmt: skip


def biggest_risers(
    decisions_y1: Sequence[Rated],
    decisions_y2: Sequence[Rated],
    tier_order: Sequence[str],
    within: Within = "township",
    *,
    org_type: str | None = None,
    labels: Labels = None,
) -> list[RiserGroup]:
    """晋位最多: per township (or county), the organizations that rose the most tier classes
    from the earlier year's decisions to the later year's (of ``org_type`` only, when given).

    Returns one :class:`RiserGroup` for every township (or county) holding an organization in
    either year, sorted by county and township as :func:`~tierlib.population.distribution`
    does; an organization belongs to its place in the later year when it has a decision then,
    else to its place in the earlier year. A group where nobody rose is still listed (empty
    ``risers``, ``steps`` 0). Ties at the largest rise are all listed, by org id; the score
    change (an exact fraction) is reported for each but does not break ties. Organizations
    absent in a year, or pending or unrated in either, are in ``excluded``. Each year's
    decisions must be of one year and hold each organization once (:class:`PopulationError`).
    """
    a = [d for d in decisions_y1 if org_type is None or d.org_type == org_type]
    b = [d for d in decisions_y2 if org_type is None or d.org_type == org_type]
    trans = transitions(a, b, tier_order, labels=labels)
    first = next(iter(trans.values()), None)
    from_to = None
    if first is not None and first.before.year is not None and first.after.year is not None:
        from_to = (first.before.year, first.after.year)
    latest = {d.org_id: d for d in a} | {d.org_id: d for d in b}  # the later place wins
    out = []
    for (county, township), members in groups(list(latest.values()), within):
        ids = sorted(d.org_id for d in members)
        out.append(_group(county, township, [trans[i] for i in ids], from_to))
    return out
