"""The engine: a compiled rule set that tiers organizations.

``Engine(ruleset)`` compiles the condition rules into two durable_rules matchers — stage 1 for
every rule that reads facts only (indicator conditions, and the vetoes and flags that need no
score), stage 2 for the vetoes and flags that read the score, dimension subtotals or points
(one durable_rules match each). Scoring, banding and veto precedence are exact Python. ``evaluate`` returns a :class:`~tierlib.decision.Decision` with a flat, located trace.

Veto precedence: force and unrated effects are decisive; among those that fired, the highest
``precedence`` wins, ties going to the harsher outcome (unrated, then the lower tier). When none
is decisive, caps and requirements lower the tier the score gives until none applies.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from types import TracebackType
from typing import Any

import attrs

from tierlib import __version__ as _version
from tierlib import _score, model
from tierlib._ast import refs
from tierlib._check import conditions, symbols
from tierlib._durable import Matcher
from tierlib._facts import validate
from tierlib._load import canonical
from tierlib.decision import (
    Decision,
    FiredVeto,
    MissingInput,
    Provenance,
    Status,
    TraceEvent,
    fmt,
)
from tierlib.errors import EngineError, FactError, Location, Problem
from tierlib.explain import Explainer, Explanation

ZERO = Fraction(0)


def ruleset_sha256(ruleset: model.RuleSet) -> str:
    """sha256 of the canonical text of a rule set (formatting and comments do not count)."""
    return hashlib.sha256(canonical(ruleset).encode("utf-8")).hexdigest()


def facts_sha256(org: model.Organization) -> str:
    """sha256 of the canonical JSON of an organization's identity and facts."""
    return _facts_sha256(org, {k: fmt(v) for k, v in org.facts.items()})


def _facts_sha256(org: model.Organization, shown: Mapping[str, str]) -> str:
    data = {
        "id": org.id,
        "name": org.name,
        "type": org.type,
        "county": org.county,
        "township": org.township,
        "year": org.year,
        "facts": dict(sorted(shown.items())),
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@attrs.frozen
class _Compiled:
    """Plain data derived once from the rule set."""

    inputs: Mapping[str, tuple[str, ...]]
    tier_index: Mapping[str, int]
    dims: Mapping[str, tuple[str, ...]]
    bounded: Mapping[str, Fraction]  # assessed points: 0..max
    counts: frozenset[str]  # per-unit counts: never negative
    bonus: frozenset[str]  # bonus indicators: on top of the total
    step_locs: Mapping[tuple[str, str], Location]  # (indicator, step id) → the YAML of the step
    cond_names: Mapping[str, tuple[str, ...]]  # veto/… and flag/… rule id → names it reads
    tier_locs: Mapping[str, Location]
    rules_of: Mapping[str, frozenset[str]]  # indicator → the ids of its condition rules


class Engine:
    """A compiled rule set. Thread-safe; call :meth:`close` (or use ``with``) to free it."""

    def __init__(self, ruleset: model.RuleSet) -> None:
        self.ruleset = ruleset
        self.sha256 = ruleset_sha256(ruleset)
        rules = conditions(ruleset)
        kinds = symbols(ruleset, computed=True)
        self._lock = threading.Lock()
        self._closed = False
        self._explainer = Explainer(ruleset)
        computed = kinds.keys() - symbols(ruleset, computed=False).keys()
        # stage 2 holds only the rules that read a computed value; the rest run in stage 1
        late = {
            rid for rid, expr, may in rules if may and any(r.name in computed for r in refs(expr))
        }
        self._stage1 = Matcher({rid: expr for rid, expr, _ in rules if rid not in late}, kinds)
        self._stage2 = Matcher({rid: expr for rid, expr, _ in rules if rid in late}, kinds)
        self._c = _Compiled(
            inputs={ind.id: tuple(_score.inputs_of(ind)) for ind in ruleset.indicators},
            tier_index={t.id: k for k, t in enumerate(ruleset.tiers)},
            dims={
                d.id: tuple(i.id for i in ruleset.indicators if i.dimension == d.id and not i.bonus)
                for d in ruleset.dimensions
            },
            bounded={i.assessed.fact: i.max for i in ruleset.indicators if i.assessed is not None},
            bonus=frozenset(i.id for i in ruleset.indicators if i.bonus),
            step_locs=_step_locs(ruleset),
            cond_names={
                **{f"veto/{v.id}": _names(v.when) for v in ruleset.vetoes},
                **{f"flag/{f.id}": _names(f.when) for f in ruleset.flags},
            },
            tier_locs={t.id: t.loc for t in ruleset.tiers},
            rules_of={
                ind.id: frozenset(
                    rid for rid, _, may in rules if not may and rid.partition("/")[0] == ind.id
                )
                for ind in ruleset.indicators
            },
            counts=frozenset(
                [i.per_unit.fact for i in ruleset.indicators if i.per_unit is not None]
                + [
                    it.per
                    for i in ruleset.indicators
                    for it in (i.checklist or ()) + (i.deductions or ())
                    if it.per
                ]
            ),
        )

    @classmethod
    def from_file(cls, path: str) -> Engine:
        """Load, check and compile the rule file at ``path``."""
        from tierlib._load import load

        return cls(load(path))

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Free the compiled rules; idempotent. Evaluating afterwards raises EngineError."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._stage1.close()
                self._stage2.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def facts(
        self, org: model.Organization, where: Location | None = None
    ) -> dict[str, model.FactValue]:
        """The organization's facts checked and typed; raises FactError listing every problem.

        ``where`` locates the organization in its data file (e.g. ``county.csv:17``)."""
        where = where or Location(f"org {org.id}")
        problems: list[Problem] = []
        types = self.ruleset.scheme.org_types
        if types and org.type not in types:
            problems.append(
                Problem(
                    "F110",
                    f"{org.id}: type {org.type!r} is not covered by {self.ruleset.scheme.id} ({', '.join(types)})",
                    where,
                )
            )
        facts, found = validate(org.id, org.facts, self.ruleset.facts, where)
        problems += found
        for name, limit in self._c.bounded.items():
            x = facts.get(name)
            if isinstance(x, Fraction) and not 0 <= x <= limit:
                problems.append(
                    Problem("F107", f"{org.id}: {name}: {fmt(x)} is outside 0–{fmt(limit)}", where)
                )
        for name in self._c.counts:
            x = facts.get(name)
            if isinstance(x, Fraction) and x < 0:
                problems.append(
                    Problem(
                        "F104", f"{org.id}: {name}: a count cannot be negative ({fmt(x)})", where
                    )
                )
        if problems:
            raise FactError(problems)
        return facts

    def evaluate(self, org: model.Organization, where: Location | None = None) -> Decision:
        """Tier one organization. Raises FactError for unusable facts, EngineError if closed."""
        if self._closed:
            raise EngineError("the engine is closed")
        facts = self.facts(org, where)
        return _Run(self, org, facts).decide()

    def explain(self, decision: Decision) -> Explanation:
        """``tierlib.explain(decision, self.ruleset)``, with the rule set's phrases built once."""
        return self._explainer(decision)

    def evaluate_many(self, orgs: Iterable[model.Organization]) -> Iterator[Decision | FactError]:
        """Decisions in input order; an organization with bad facts yields its FactError instead."""
        for org in orgs:
            try:
                yield self.evaluate(org)
            except FactError as exc:
                yield exc

    def _match(
        self, stage: int, values: Mapping[str, model.FactValue]
    ) -> tuple[frozenset[str], frozenset[str]]:
        matcher = self._stage1 if stage == 1 else self._stage2
        with self._lock:
            if self._closed:
                raise EngineError("the engine is closed")
        return matcher.match_all(values)


class _Run:
    """One evaluation: accumulates trace events while deciding."""

    def __init__(
        self, engine: Engine, org: model.Organization, facts: dict[str, model.FactValue]
    ) -> None:
        self.e, self.rs, self.org, self.facts = engine, engine.ruleset, org, facts
        self.shown = {k: fmt(v) for k, v in facts.items()}  # each fact formatted once
        self.trace: list[TraceEvent] = []

    def event(
        self,
        kind: Any,
        id: str,
        loc: Location,
        inputs: Iterable[tuple[str, str]] = (),
        result: str = "",
        note: str = "",
        parent: str = "",
    ) -> None:
        self.trace.append(TraceEvent(kind, id, loc, tuple(inputs), result, note, parent))

    def decide(self) -> Decision:
        rs, facts, c = self.rs, self.facts, self.e._c
        shown = self.shown
        fired1, unknown1 = self.e._match(1, facts)
        pts: dict[str, Fraction | None] = {}
        missing: list[MissingInput] = []
        pending = False
        excluded = ZERO
        for ind in rs.indicators:
            absent = [f for f in c.inputs[ind.id] if f not in facts]
            undetermined = sorted(c.rules_of[ind.id] & unknown1) if unknown1 else ()
            if absent or undetermined:
                policy = ind.missing or rs.scheme.missing
                for name in absent or undetermined:
                    missing.append(MissingInput(ind.id, name, policy))
                self.event(
                    "missing",
                    ind.id,
                    ind.loc,
                    [(n, "missing") for n in absent],
                    policy,
                    _MISSING_NOTE[policy],
                )
                if policy == "zero":
                    pts[ind.id] = ZERO
                elif policy == "rescale":
                    pts[ind.id] = None
                    excluded += ZERO if ind.bonus else ind.max
                else:
                    pts[ind.id] = None
                    pending = True
                continue
            got, steps = _score.points(ind, facts, fired1)
            for sid, inputs, result, note in steps:
                loc = c.step_locs.get((ind.id, sid), ind.loc)
                self.event("item", sid, loc, inputs, result, note, parent=ind.id)
            pts[ind.id] = got
            used = [(n, shown[n]) for n in c.inputs[ind.id]]
            self.event(
                "indicator", ind.id, ind.loc, used, fmt(got), f"{ind.method}, max {fmt(ind.max)}"
            )
        dims: dict[str, Fraction] = {}
        for dim in rs.dimensions:
            dims[dim.id] = sum((pts[i] or ZERO for i in self.e._c.dims[dim.id]), ZERO)
            self.event(
                "dimension",
                dim.id,
                dim.loc,
                [
                    (i, fmt(pts[i]) if pts[i] is not None else "excluded")
                    for i in self.e._c.dims[dim.id]
                ],
                fmt(dims[dim.id]),
                f"max {fmt(dim.max)}",
            )
        score = raw = score_tier = None
        if not pending:
            base = sum((p or ZERO for i, p in pts.items() if i not in self.e._c.bonus), ZERO)
            bonus = sum((p or ZERO for i, p in pts.items() if i in self.e._c.bonus), ZERO)
            total = rs.scheme.total
            if excluded >= total:
                pending = True
            else:
                raw = base * total / (total - excluded) + bonus if excluded else base + bonus
                note = f"rescaled ×{fmt(total)}/{fmt(total - excluded)}" if excluded else ""
                self.event(
                    "score",
                    "score",
                    rs.scheme.loc,
                    [("indicators", fmt(base)), ("bonus", fmt(bonus))],
                    fmt(raw),
                    note,
                )
                score = raw
                if rs.scheme.rounding is not None:
                    score = _score.round_score(raw, rs.scheme.rounding)
                    r = rs.scheme.rounding
                    self.event(
                        "round",
                        "rounding",
                        rs.scheme.loc,
                        [("raw", fmt(raw))],
                        fmt(score),
                        f"{r.digits} decimals, {r.mode}",
                    )
                score_tier = _score.tier_of(score, rs.tiers, rs.below_lowest)
                tier_loc = c.tier_locs.get(score_tier or "", rs.scheme.loc)
                self.event(
                    "tier",
                    score_tier or "unrated",
                    tier_loc,
                    [("score", fmt(score))],
                    score_tier or "unrated",
                    "tier by score alone",
                )
        values: dict[str, model.FactValue] = dict(facts)
        if score is not None:
            values["score"] = score
            values.update({f"dimension.{k}": v for k, v in dims.items()})
            values.update({f"points.{k}": v for k, v in pts.items() if v is not None})
        fired2, unknown2 = self.e._match(2, values)
        fired2, unknown2 = fired2 | fired1, unknown2 | unknown1  # vetoes and flags of stage 1
        vetoes, tier, status = self._vetoes(fired2, unknown2, score_tier, pending, values)
        flags = tuple(f.id for f in rs.flags if f"flag/{f.id}" in fired2)
        for flag in rs.flags:
            rid = f"flag/{flag.id}"
            if rid in fired2 or rid in unknown2:
                self.event(
                    "flag",
                    flag.id,
                    flag.loc,
                    self._inputs(rid, values),
                    "raised" if rid in fired2 else "undetermined",
                )
        self.event(
            "decision",
            self.org.id,
            rs.scheme.loc,
            [("score", fmt(score) if score is not None else "none")],
            tier or status,
            status,
        )
        return Decision(
            org_id=self.org.id,
            org_name=self.org.name,
            org_type=self.org.type,
            year=self.org.year,
            status=status,
            tier=tier,
            score=score,
            raw_score=raw,
            score_tier=score_tier,
            dimensions=dims,
            points=pts,
            vetoes=vetoes,
            flags=flags,
            missing=tuple(missing),
            trace=tuple(self.trace),
            provenance=Provenance(
                rs.scheme.id,
                rs.scheme.version,
                self.e.sha256,
                _version,
                _facts_sha256(self.org, shown),
            ),
            county=self.org.county,
            township=self.org.township,
        )

    def _inputs(self, rule: str, values: Mapping[str, model.FactValue]) -> list[tuple[str, str]]:
        shown = self.shown
        return [
            (n, shown[n] if n in shown else fmt(values[n]) if n in values else "missing")
            for n in self.e._c.cond_names[rule]
        ]

    def _vetoes(
        self,
        fired: frozenset[str],
        unknown: frozenset[str],
        score_tier: str | None,
        pending: bool,
        values: Mapping[str, model.FactValue],
    ) -> tuple[tuple[FiredVeto, ...], str | None, Status]:
        rs, index = self.rs, self.e._c.tier_index
        lowest = rs.tiers[-1].id
        applied: list[model.Veto] = []
        undetermined: list[model.Veto] = []
        for veto in rs.vetoes:
            rid = f"veto/{veto.id}"
            if rid in unknown:
                undetermined.append(veto)
            elif (rid in fired) != (veto.effect == "require"):
                applied.append(veto)
        decisive = [v for v in applied if v.effect in ("force", "unrated")]
        winner = None
        if decisive:
            winner = max(
                decisive,
                key=lambda v: (v.precedence, v.effect == "unrated", index.get(v.tier or lowest, 0)),
            )
        tier = score_tier
        setter: model.Veto | None = None  # the cap or requirement that set the final tier
        if winner is not None:
            tier = None if winner.effect == "unrated" else (winner.tier or lowest)
        elif tier is not None:
            changed = True
            while changed and tier is not None:
                changed = False
                for v in applied:
                    assert v.tier is not None
                    if v.effect == "cap" and index[tier] < index[v.tier]:
                        tier, changed, setter = v.tier, True, v
                    elif v.effect == "require" and index[tier] <= index[v.tier]:
                        below = index[v.tier] + 1
                        tier = rs.tiers[below].id if below < len(rs.tiers) else None
                        changed, setter = True, v
                        break
        out: list[FiredVeto] = []
        for v in applied:
            is_decisive = v is winner or v is setter
            out.append(
                FiredVeto(
                    v.id,
                    v.effect,
                    v.tier if v.effect != "force" else (v.tier or lowest),
                    True,
                    is_decisive,
                )
            )
            note = "requirement not met" if v.effect == "require" else v.effect
            self.event(
                "veto",
                v.id,
                v.loc,
                self._inputs(f"veto/{v.id}", values),
                f"{v.effect} {v.tier or ''}".strip(),
                note + ("; decisive" if is_decisive else "; outweighed"),
            )
        for v in undetermined:
            out.append(FiredVeto(v.id, v.effect, v.tier, False, False))
            self.event(
                "veto",
                v.id,
                v.loc,
                self._inputs(f"veto/{v.id}", values),
                "undetermined",
                "an input is missing: the result stays pending",
            )
        if pending or undetermined:
            return tuple(out), None, "pending"
        return tuple(out), tier, ("rated" if tier is not None else "unrated")


_MISSING_NOTE = {
    "zero": "input missing: 0 points, disclosed",
    "rescale": "input missing: indicator excluded, score rescaled",
    "pending": "input missing: result pending until supplied",
}


def _names(expr: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.name for r in refs(expr)))


def _step_locs(rs: model.RuleSet) -> dict[tuple[str, str], Location]:
    """Where each step the scorer reports is written: items, bands or the method's spec."""
    out: dict[tuple[str, str], Location] = {}
    for ind in rs.indicators:
        for item in itertools.chain(ind.checklist or (), ind.deductions or ()):
            out.setdefault((ind.id, item.id), item.loc)
        if ind.bands is not None:
            for j, band in enumerate(ind.bands.bands):
                out.setdefault((ind.id, band.id or str(j)), band.loc)
            out.setdefault((ind.id, "otherwise"), ind.bands.loc)
        for spec in (ind.linear, ind.per_unit, ind.assessed):
            if spec is not None:
                out.setdefault((ind.id, spec.fact), spec.loc)
        if ind.all_or_nothing is not None:
            out.setdefault((ind.id, ind.id), ind.all_or_nothing.loc)
    return out
