"""The ground shared by the population modules: what they read of a decision (:class:`Rated`),
their error, the tier order and its positions, the checks on one year's decisions, grouping by
place and competition ranks.

Private: import the public names from :mod:`tierlib.population`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal, Protocol, TypeAlias, TypeVar

from tierlib.decision import Status
from tierlib.errors import TierlibError
from tierlib.model import Label, RuleSet

Labels: TypeAlias = Mapping[str, Label] | None
Within: TypeAlias = Literal["township", "county"]
GroupKey: TypeAlias = tuple[str, str | None]  # (county, township); township None per county


class Rated(Protocol):
    """What the population functions read of a decision, and all they read: a
    :class:`~tierlib.decision.Decision` is one, and so is the
    :class:`~tierlib.tables.Outcome` of a decided row (the CLI passes those)."""

    @property
    def org_id(self) -> str: ...
    @property
    def org_name(self) -> str: ...
    @property
    def org_type(self) -> str: ...
    @property
    def county(self) -> str: ...
    @property
    def township(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def status(self) -> Status: ...
    @property
    def tier(self) -> str | None: ...
    @property
    def score(self) -> Fraction | None: ...
    @property
    def flags(self) -> tuple[str, ...]: ...
    @property
    def vetoed(self) -> bool: ...  # whether a force / unrated veto decided the outcome


R = TypeVar("R", bound=Rated)


class PopulationError(TierlibError, ValueError):
    """Decisions that cannot be evaluated together (an organization twice, an unknown tier, …)."""


def tier_order(ruleset: RuleSet) -> tuple[str, ...]:
    """The tier ids of ``ruleset``, best first."""
    return tuple(t.id for t in ruleset.tiers)


def tier_labels(ruleset: RuleSet) -> dict[str, Label]:
    """The labels of the tiers of ``ruleset`` by id, for the explanations."""
    return {t.id: t.label for t in ruleset.tiers}


def positions(order: Sequence[str]) -> dict[str, int]:
    """Tier id → index in ``order`` (0 = best)."""
    pos = {t: i for i, t in enumerate(order)}
    if len(pos) != len(order):
        raise PopulationError(f"the tier order lists a tier twice: {list(order)}")
    return pos


def check_decisions(decisions: Sequence[Rated], pos: Mapping[str, int]) -> int | None:
    """Check that ``decisions`` are one year's, one per organization, with known tiers.

    Returns the year (None when no decision states one)."""
    seen: set[str] = set()
    for d in decisions:
        if d.org_id in seen:
            raise PopulationError(f"organization {d.org_id!r} appears twice")
        seen.add(d.org_id)
        if d.status == "rated" and d.tier not in pos:
            raise PopulationError(
                f"organization {d.org_id!r}: tier {d.tier!r} is not in the tier order {list(pos)}"
            )
    years = sorted({d.year for d in decisions if d.year is not None})
    if len(years) > 1:
        raise PopulationError(f"decisions of several years {years} cannot be evaluated together")
    return years[0] if years else None


def ceil_share(share: Fraction, n: int) -> int:
    """``ceil(share × n)`` in exact integer arithmetic."""
    return -((-share.numerator * n) // share.denominator)


def groups(decisions: Sequence[R], per: Within) -> list[tuple[GroupKey, list[R]]]:
    """Decisions by (county, township) — township None when grouped per county — sorted."""
    out: dict[GroupKey, list[R]] = {}
    for d in decisions:
        out.setdefault((d.county, d.township if per == "township" else None), []).append(d)
    return sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))


def tier_pos(d: Rated, pos: Mapping[str, int]) -> int:
    """Index of the tier; an unrated organization sits below every tier."""
    return pos[d.tier] if d.status == "rated" and d.tier is not None else len(pos)


def competition(keys: Sequence[Any]) -> list[int]:
    """Competition ranks ("1224") of entries already sorted by ``keys``."""
    ranks: list[int] = []
    for i, k in enumerate(keys):
        ranks.append(ranks[-1] if i and k == keys[i - 1] else i + 1)
    return ranks
