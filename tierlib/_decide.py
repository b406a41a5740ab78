"""One evaluation of an :class:`~tierlib.engine.Engine`: the decide procedure and its trace.

:class:`Run` scores every indicator (applying the missing-input policy), sums the dimensions,
rescales and rounds the score, bands it into a tier, resolves the vetoes and raises the flags,
appending one located :class:`~tierlib.decision.TraceEvent` per step. :class:`Compiled` is the
plain data it reads, derived once from the rule set by the engine.

Veto precedence: force and unrated effects are decisive; among those that fired, the highest
``precedence`` wins, ties going to the harsher outcome (unrated, then the lower tier). When none
is decisive, caps and requirements lower the tier the score gives until none applies. A veto
whose input is missing leaves the result pending unless it is moot: every way the undetermined
vetoes could go (each applying or not, at most MOOT_LIMIT of them) gives the same tier. A score
that waits for data (an indicator's input missing under the ``pending`` policy) leaves the
result pending unless a decisive force or unrated veto decides it whatever the score — and
whatever the undetermined vetoes: the organization is then rated (or unrated) without a score.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from tierlib import __version__ as _version
from tierlib import _score, model
from tierlib._scorers import Scored, Scorer
from tierlib.decision import (
    Decision,
    FiredVeto,
    MissingInput,
    Provenance,
    Status,
    TraceEvent,
    fmt,
)
from tierlib.errors import Location

if TYPE_CHECKING:
    from tierlib.engine import Engine

__all__ = [
    "MEMO_SIZE", "MOOT_LIMIT", "Compiled", "Run", "Scored", "fact_keys", "facts_digest",
    "moot_vetoes", "resolve",
]  # fmt: skip

ZERO = Fraction(0)
# An indicator's points and events are a pure function of its inputs' values (and of its
# conditions that held): an engine keeps up to its memo_size (MEMO_SIZE by default) of them,
# so repeated values (booleans, counts, shares with few decimals) are scored and formatted once.
MEMO_SIZE = 8192


def facts_digest(org: model.Organization, shown: Mapping[str, str]) -> str:
    """sha256 of the canonical JSON of an organization's identity and its formatted facts."""
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


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_quote = json.encoder.encode_basestring  # a JSON string, non-ASCII kept (ensure_ascii=False)


def fact_keys(specs: Mapping[str, model.FactSpec]) -> tuple[tuple[str, str, bool], ...]:
    """Each declared fact in JSON key order: its name, that name as JSON followed by ``:``, and
    whether its text needs quoting (text facts; numbers and booleans format without quotes or
    escapes)."""
    return tuple((n, _quote(n) + ":", specs[n].kind == "string") for n in sorted(specs))


def _json(value: object) -> str:
    """``value`` as JSON (``ensure_ascii=False``), plain strings, None and ints directly."""
    if type(value) is str:
        return _quote(value)
    if value is None:
        return "null"
    return str(value) if type(value) is int else _JSON.encode(value)


def fast_digest(
    org: model.Organization, shown: Mapping[str, str], keys: Iterable[tuple[str, str, bool]]
) -> str:
    """:func:`facts_digest` of checked facts, writing the same JSON text directly.

    ``keys`` is :func:`fact_keys` of the rule set's facts: every name in ``shown`` is one."""
    get = shown.get
    out = [
        key + (_quote(value) if text else '"' + value + '"')
        for name, key, text in keys
        if (value := get(name)) is not None
    ]
    data = (
        '{"county":' + _json(org.county) + ',"facts":{' + ",".join(out)
        + '},"id":' + _json(org.id) + ',"name":' + _json(org.name)
        + ',"township":' + _json(org.township) + ',"type":' + _json(org.type)
        + ',"year":' + _json(org.year) + "}"
    )  # fmt: skip
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@attrs.frozen
class Compiled:
    """Plain data derived once from the rule set."""

    tier_index: Mapping[str, int]
    dims: Mapping[str, tuple[str, ...]]
    bounded: Mapping[str, Fraction]  # assessed points: 0..max
    counts: frozenset[str]  # per-unit counts: never negative
    bonus: frozenset[str]  # bonus indicators: on top of the total
    step_locs: Mapping[tuple[str, str], Location]  # (indicator, step id) → the YAML of the step
    cond_names: Mapping[str, tuple[str, ...]]  # veto/… and flag/… rule id → names it reads
    tier_locs: Mapping[str, Location]
    all_inputs: frozenset[str]  # every fact an indicator reads
    dim_notes: Mapping[str, str]  # dimension → the note of its trace event
    dim_names: Mapping[str, str]  # dimension → the name rules read its subtotal by
    point_names: Mapping[str, str]  # indicator → the name rules read its points by
    tier_of: Callable[[Fraction], str | None]  # the tier a score alone gives
    fact_keys: tuple[tuple[str, str, bool], ...]  # see fact_keys
    # per indicator, in order: itself, its id, its inputs, its condition rules, its scorer
    plan: tuple[tuple[model.Indicator, str, tuple[str, ...], frozenset[str], Scorer], ...]


class Run:
    """One evaluation: accumulates trace events while deciding."""

    def __init__(
        self, engine: Engine, org: model.Organization, facts: dict[str, model.FactValue]
    ) -> None:
        self.e, self.rs, self.org, self.facts = engine, engine.ruleset, org, facts
        self.shown = {k: fmt(v) for k, v in facts.items()}  # each fact formatted once
        self.trace: list[TraceEvent] = []
        self.fired1: frozenset[str] = frozenset()

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
        memo = self.e._scored
        fired1, unknown1 = self.e._match(1, facts)
        self.fired1 = fired1
        pts: dict[str, Fraction | None] = {}
        missing: list[MissingInput] = []
        pending = False
        excluded = ZERO
        texts: dict[str, str] = {}  # each indicator's points as its events show them
        complete = not unknown1 and c.all_inputs <= facts.keys()  # the common case
        exact = "≈" not in "".join(shown.values())  # texts tell every value apart
        trace = self.trace
        memo_size = self.e.memo_size
        for ind, iid, names, rules, scorer in c.plan:
            if not complete:
                absent = [f for f in names if f not in facts]
                undetermined = sorted(rules & unknown1) if unknown1 else ()
                if absent or undetermined:
                    held = (ind.missing or rs.scheme.missing) == "pending"
                    got, pending, excluded = self._missing(
                        ind, absent, undetermined, pending, excluded, missing
                    )
                    pts[iid] = got
                    texts[iid] = fmt(got) if got is not None else "pending" if held else "excluded"
                    continue
            # an indicator's result is a function of its inputs' values and of its conditions
            # that held; a fact's text identifies its value unless it is an approximation (≈)
            seen = tuple([shown[n] for n in names]) if exact else tuple([facts[n] for n in names])
            key = (iid, seen, fired1 & rules if rules else rules)
            scored = memo.get(key)
            if scored is None:
                scored = scorer(facts, shown, fired1)
                if memo_size:
                    if len(memo) >= memo_size:  # bounded: start over rather than grow
                        memo.clear()
                    memo[key] = scored
            pts[iid] = scored[0]
            events = scored[1]
            texts[iid] = events[-1].result
            trace.extend(events)
        dims: dict[str, Fraction] = {}
        for dim in rs.dimensions:
            members = c.dims[dim.id]
            dims[dim.id] = got = _score.exact_sum([pts[i] for i in members])
            shown_sum = fmt(got)
            if pending and any(texts[i] == "pending" for i in members):
                shown_sum = "pending"  # a member waits for its data: so does the subtotal
            self.trace.append(
                TraceEvent(
                    "dimension",
                    dim.id,
                    dim.loc,
                    tuple([(i, texts[i]) for i in members]),
                    shown_sum,
                    c.dim_notes[dim.id],
                )
            )
        score = raw = score_tier = None
        if not pending:
            # every indicator not a bonus is in exactly one dimension (the check makes sure)
            base = _score.exact_sum(dims.values())
            bonus = _score.exact_sum([pts[i] for i in c.bonus]) if c.bonus else ZERO
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
                        r.loc if r.loc.line else rs.scheme.loc,
                        [("raw", fmt(raw))],
                        fmt(score),
                        f"{r.digits} decimals, {r.mode}",
                    )
                score_tier = c.tier_of(score)
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
            for k, v in dims.items():
                values[c.dim_names[k]] = v
            for k, p in pts.items():
                if p is not None:
                    values[c.point_names[k]] = p
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
                fast_digest(self.org, shown, c.fact_keys),
                self.e.rule_files,
            ),
            county=self.org.county,
            township=self.org.township,
        )

    def _missing(
        self,
        ind: model.Indicator,
        absent: list[str],
        undetermined: Iterable[str],
        pending: bool,
        excluded: Fraction,
        missing: list[MissingInput],
    ) -> tuple[Fraction | None, bool, Fraction]:
        """Apply the missing-data policy to ``ind``: its points (None: left out or pending),
        and the updated pending flag and excluded maximum."""
        policy = ind.missing or self.rs.scheme.missing
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
            return ZERO, pending, excluded
        if policy == "rescale":
            return None, pending, excluded + (ZERO if ind.bonus else ind.max)
        return None, True, excluded

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
        rs = self.rs
        lowest = rs.tiers[-1].id
        applied: list[model.Veto] = []
        undetermined: list[model.Veto] = []
        for veto in rs.vetoes:
            rid = f"veto/{veto.id}"
            if rid in unknown:
                undetermined.append(veto)
            elif (rid in fired) != (veto.effect == "require"):
                applied.append(veto)
        index = self.e._c.tier_index
        tier, winner, setter = resolve(rs, index, applied, score_tier)
        # an undetermined veto is waited for only if some outcome of it could change the tier;
        # a score still waiting for data decides nothing, but a decisive veto may decide anyway
        decided = winner is not None if pending else True
        moot = (
            decided
            and bool(undetermined)
            and moot_vetoes(rs, index, applied, undetermined, score_tier, tier, not pending)
        )
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
            after = "; decisive" if is_decisive else "; outweighed" if winner else "; no effect"
            self.event(
                "veto", v.id, v.loc, self._inputs(f"veto/{v.id}", values),
                f"{v.effect} {v.tier or ''}".strip(), note + after,
            )  # fmt: skip
        for v in undetermined:
            out.append(FiredVeto(v.id, v.effect, v.tier, False, False))
            self.event(
                "veto",
                v.id,
                v.loc,
                self._inputs(f"veto/{v.id}", values),
                "undetermined",
                _MOOT_NOTE if moot else "an input is missing: the result stays pending",
            )
        if not decided or (undetermined and not moot):
            return tuple(out), None, "pending"
        return tuple(out), tier, ("rated" if tier is not None else "unrated")


# an undetermined veto whose every outcome gives the same tier does not hold the result back;
# beyond this many undetermined vetoes on one organization the outcomes are not enumerated
MOOT_LIMIT = 8
_MOOT_NOTE = "an input is missing, but no outcome of this veto could change the tier"


def resolve(
    rs: model.RuleSet, index: Mapping[str, int], applied: list[model.Veto], score_tier: str | None
) -> tuple[str | None, model.Veto | None, model.Veto | None]:
    """The tier (None: unrated) that the ``applied`` vetoes (in rule-file order) leave of
    ``score_tier``, the decisive force/unrated veto that won, and the cap or requirement that
    set the final tier."""
    lowest = rs.tiers[-1].id
    decisive = [v for v in applied if v.effect in ("force", "unrated")]
    if decisive:
        winner = max(
            decisive,
            key=lambda v: (v.precedence, v.effect == "unrated", index.get(v.tier or lowest, 0)),
        )
        return (None if winner.effect == "unrated" else (winner.tier or lowest)), winner, None
    tier = score_tier
    setter: model.Veto | None = None
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
    return tier, None, setter


def moot_vetoes(
    rs: model.RuleSet,
    index: Mapping[str, int],
    applied: list[model.Veto],
    undetermined: list[model.Veto],
    score_tier: str | None,
    tier: str | None,
    scored: bool = True,
) -> bool:
    """Whether every outcome of the ``undetermined`` vetoes (each applying or not) leaves
    ``tier``, the tier with none of them applied (up to MOOT_LIMIT of them; more: False).

    Without a score (``scored`` False: it waits for data) an outcome gives a tier only
    through a decisive force or unrated veto; one with none could give any tier."""
    k = len(undetermined)
    if k > MOOT_LIMIT:
        return False
    ids = {v.id for v in applied}
    for bits in range(1, 1 << k):
        ids_s = ids | {undetermined[j].id for j in range(k) if bits >> j & 1}
        alt = [v for v in rs.vetoes if v.id in ids_s]  # rule-file order, as the engine
        got, winner, _ = resolve(rs, index, alt, score_tier)
        if got != tier or not (scored or winner is not None):
            return False
    return True


_MISSING_NOTE = {
    "zero": "input missing: 0 points, disclosed",
    "rescale": "input missing: indicator excluded, score rescaled",
    "pending": "input missing: result pending until supplied",
}
