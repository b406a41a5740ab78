"""Why an organization got its tier: a pure reduction of a decision's trace.

:func:`explain` reads only the :class:`~tierlib.decision.Decision` (its trace and outcome) and
the labels and bounds of the rule set; it never evaluates a rule again and does no I/O. The
:class:`Explanation` holds both languages — every sentence comes from one template pair in
:mod:`tierlib._phrases` — so one structure renders as Chinese or English text, JSON or HTML (see
:mod:`tierlib.render`). The decisive reason comes first, as in the headline.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from tierlib import model
from tierlib._explanation import Explanation as Explanation
from tierlib._explanation import Fact as Fact
from tierlib._explanation import IndicatorLine as IndicatorLine
from tierlib._explanation import Line as Line
from tierlib._explanation import NextTier as NextTier
from tierlib._explanation import Reason as Reason
from tierlib._explanation import State as State
from tierlib._explanation import Step as Step
from tierlib._phrases import PHRASES as _PHRASES
from tierlib._phrases import Lang as Lang
from tierlib._phrases import Text as Text
from tierlib._phrases import bound_text
from tierlib._phrases import join as _join
from tierlib._phrases import label as _label
from tierlib._phrases import range_text as _range_text
from tierlib._phrases import t as _t
from tierlib.decision import Decision, TraceEvent, fmt

LINES_MEMO_SIZE = 8192


class _Static:
    """What explanations under one rule set share: look-ups, and phrases built once."""

    def __init__(self, rs: model.RuleSet, memo_size: int = LINES_MEMO_SIZE) -> None:
        self.rs, self.memo_size = rs, memo_size
        self.tiers = {t.id: t for t in rs.tiers}
        self.index = {t.id: k for k, t in enumerate(rs.tiers)}
        self.inds = {i.id: i for i in rs.indicators}
        self.dims = {x.id: x for x in rs.dimensions}
        self.vetoes = {v.id: v for v in rs.vetoes}
        # memos; filling one twice from two threads stores equal values
        self.labels: dict[str, tuple[Text, str] | None] = {}
        self.items: dict[str, dict[str, model.Item]] = {}
        self.steps: dict[tuple[str, str, str, bool], tuple[Text, Text]] = {}
        self.rules: dict[str, Text] = {}
        self.lines: dict[tuple[Any, ...], tuple[tuple[Any, ...], IndicatorLine]] = {}


class _Ctx:
    """Look-ups over the rule set and the decision's trace."""

    def __init__(self, d: Decision, static: _Static) -> None:
        rs = static.rs
        self.d, self.rs, self.static = d, rs, static
        self.tiers, self.index, self.inds = static.tiers, static.index, static.inds
        self.dims, self.vetoes = static.dims, static.vetoes
        self.by_kind: dict[str, list[TraceEvent]] = {}
        self.of_indicator: dict[str, TraceEvent] = {}  # its first indicator or missing event
        self.steps: dict[str, list[TraceEvent]] = {}  # item events by parent indicator
        for e in d.trace:
            self.by_kind.setdefault(e.kind, []).append(e)
            if e.kind == "item":
                self.steps.setdefault(e.parent, []).append(e)
            elif e.kind in ("indicator", "missing"):
                self.of_indicator.setdefault(e.id, e)
        self._labels = static.labels
        self._items = static.items

    def items(self, ind: model.Indicator) -> dict[str, model.Item]:
        """The checklist items or deductions of ``ind`` by id."""
        got = self._items.get(ind.id)
        if got is None:
            got = self._items[ind.id] = {
                i.id: i for i in (ind.checklist or ()) + (ind.deductions or ())
            }
        return got

    def events(self, *kinds: str) -> list[TraceEvent]:
        if len(kinds) == 1:
            return self.by_kind.get(kinds[0], [])
        return [e for e in self.d.trace if e.kind in kinds]

    def tier(self, tier_id: str | None) -> Text:
        t = self.tiers.get(tier_id or "")
        return (
            _label(t.label) if t else _t("unrated") if tier_id is None else Text(tier_id, tier_id)
        )

    def fact(self, name: str, value: str = "") -> Fact:
        if name not in self._labels:
            spec = self.rs.facts.get(name)
            self._labels[name] = (
                None
                if spec is None
                else ((_label(spec.label) if spec.label else Text(name, name)), spec.unit or "")
            )
        known = self._labels[name]
        if known is not None:
            return Fact(name, known[0], value, known[1])
        head, _, rest = name.partition(".")
        if name == "score":
            return Fact(name, _t("score"), value)
        if head == "points" and rest in self.inds:
            return Fact(name, _t("points", x=_label(self.inds[rest].label)), value)
        if head == "dimension" and rest in self.dims:
            return Fact(name, _t("subtotal", x=_label(self.dims[rest].label)), value)
        return Fact(name, Text(name, name), value)

    def facts(self, pairs: Iterable[tuple[str, str]]) -> tuple[Fact, ...]:
        return tuple(self.fact(n, v) for n, v in pairs)

    def missing_facts(self, ev: TraceEvent) -> list[str]:
        names = [n for n, v in ev.inputs if v == "missing"]
        return names or [m.fact for m in self.d.missing if m.indicator == ev.id]

    def effect_tier(self, ev: TraceEvent) -> tuple[str, str | None]:
        v = self.vetoes.get(ev.id)
        if v is None:
            effect, _, tier = ev.result.partition(" ")
            return effect, tier or None
        return v.effect, (v.tier or self.rs.tiers[-1].id) if v.effect == "force" else v.tier

    def below(self, tier: str | None) -> str | None:
        k = self.index.get(tier or "", len(self.rs.tiers)) + 1
        return self.rs.tiers[k].id if k < len(self.rs.tiers) else None

    def rules(self, tier_id: str) -> Text:
        """The bound of ``tier_id`` and of the tier just above it, in the policy's words."""
        got = self.static.rules.get(tier_id)
        if got is None:
            got = self.static.rules[tier_id] = self._rules(tier_id)
        return got

    def _rules(self, tier_id: str) -> Text:
        k, out = self.index[tier_id], []
        for t in self.rs.tiers[max(k - 1, 0) : k + 1]:
            if t.range.lower is not None:
                b = bound_text("at_least" if t.range.lower[1] else "above", t.range.lower[0])
            elif k > 0 and (up := self.rs.tiers[k - 1].range.lower) is not None:
                b = bound_text("below" if up[1] else "at_most", up[0])
            else:
                continue
            out.append(_t("rule", b=b, t=_label(t.label)))
        return _join(out, "，", "; ")


_FORCE = ("force", "unrated")
_ORDER = {"decisive": 0, "undetermined": 1, "applies": 2, "outweighed": 3}


def explain(decision: Decision, ruleset: model.RuleSet) -> Explanation:
    """The explanation of ``decision`` (pure: reads the trace and the rule set's labels only).

    To explain many decisions of one rule set, :class:`Explainer` builds the rule set's
    phrases once (``Engine.explain`` keeps one).
    """
    return Explainer(ruleset)(decision)


class Explainer:
    """:func:`explain` for one rule set, sharing the phrases built for earlier decisions.

    Safe to call from several threads; the explanation equals ``explain(decision, ruleset)``.
    """

    def __init__(self, ruleset: model.RuleSet, *, memo_size: int = LINES_MEMO_SIZE) -> None:
        self._static = _Static(ruleset, memo_size)

    def __call__(self, decision: Decision) -> Explanation:
        return _explain(_Ctx(decision, self._static))


def _explain(c: _Ctx) -> Explanation:
    decision, ruleset = c.d, c.rs
    reasons = _reasons(c)
    pending = decision.status == "pending"
    return Explanation(
        org_id=decision.org_id,
        org_name=decision.org_name,
        status=decision.status,
        tier=decision.tier,
        outcome=_t("pending") if pending else c.tier(decision.tier),
        total=fmt(decision.score) if decision.score is not None else None,
        headline=_pending(c, reasons) if pending else _headline(c, reasons),
        reasons=tuple(sorted(reasons, key=lambda r: _ORDER[r.state])),
        indicators=tuple(_indicator(c, ind) for ind in ruleset.indicators),
        dimensions=tuple(_dimension(c, ev) for ev in c.events("dimension")),
        score=_score_lines(c),
        flags=tuple(_flag(c, ev) for ev in c.events("flag")),
        provenance=decision.provenance,
        next_tier=_next_tier(c, reasons),
    )


def _reasons(c: _Ctx) -> list[Reason]:
    d, evs = c.d, c.events("veto")
    decisive = [e for e in evs if e.note.endswith("decisive") and e.result != "undetermined"]
    winner = next((e for e in decisive if c.effect_tier(e)[0] in _FORCE), None)
    out: list[Reason] = []
    for ev in evs:
        effect, tier = c.effect_tier(ev)
        veto = c.vetoes.get(ev.id)
        summary = (
            _t("eff." + effect, t=c.tier(tier)) if f"eff.{effect}" in _PHRASES else Text("", "")
        )
        state: State = "decisive"
        if ev.result == "undetermined":
            state = "undetermined"
            f = _join([x.label for x in c.facts(ev.inputs) if x.value == "missing"])
            summary = _t("undecided", f=f)
        elif d.status == "pending":
            state, summary = "applies", _t("applies")
        elif winner is not None and ev is not winner:
            state, summary = "outweighed", _t("beaten", by=_veto_label(c, winner.id))
        elif winner is None:
            imposed = tier if effect == "cap" else c.below(tier)
            if d.tier == d.score_tier or imposed != d.tier:  # did not set the tier
                state, summary = "outweighed", _t("idle", t=c.tier(d.tier))
        source = (veto.source or "") if veto is not None else ""
        facts = c.facts(ev.inputs)
        label = _veto_label(c, ev.id)
        out.append(Reason(ev.id, effect, tier, label, state, summary, facts, str(ev.loc), source))
    return out


def _veto_label(c: _Ctx, veto_id: str) -> Text:
    veto = c.vetoes.get(veto_id)
    return _label(veto.reason) if veto is not None else Text(veto_id, veto_id)


def _headline(c: _Ctx, reasons: list[Reason]) -> Text:
    d = c.d
    s = fmt(d.score) if d.score is not None else ""
    final, by_score = c.tier(d.tier), c.tier(d.score_tier)
    alone = _t("alone.same" if d.score_tier == d.tier else "alone", s=s, t=by_score)
    got = _t("got", s=s, t=by_score)
    decisive = [r for r in reasons if r.state == "decisive"]
    for r in decisive:
        if r.effect in _FORCE:
            return _t("h." + r.effect, r=r.label, t=final, alone=alone)
    for r in decisive:
        if r.effect == "cap":
            return _t("h.cap", r=r.label, t=final, got=got)
    if decisive:
        verb = _t("lowered", t=final) if d.tier is not None else _t("eff.unrated")
        return _t("h.require", r=decisive[0].label, verb=verb, got=got)
    if d.tier is None:
        low = next((t for t in reversed(c.rs.tiers) if t.range.lower is not None), None)
        if low is None or low.range.lower is None:
            return Text("不予定级。", "Not rated.")
        b = bound_text("at_least" if low.range.lower[1] else "above", low.range.lower[0])
        return _t("h.low", s=s, t=_label(low.label), b=b)
    return _t("h.score", s=s, rule=c.rules(d.tier), t=final)


def _pending(c: _Ctx, reasons: list[Reason]) -> Text:
    parts: list[Text] = []
    for ev in c.events("missing"):
        if ev.result == "pending" and ev.id in c.inds:
            f = _join([c.fact(n).label for n in c.missing_facts(ev)])
            parts.append(_t("p.ind", x=_label(c.inds[ev.id].label), f=f))
    for r in reasons:
        if r.state == "undetermined":
            f = _join([x.label for x in r.facts if x.value == "missing"])
            parts.append(_t("p.veto", x=r.label, f=f))
    tails: list[Text] = []
    if c.d.score is not None:
        tails.append(_t("p.score", s=fmt(c.d.score), t=c.tier(c.d.score_tier)))
    fired = [r.label for r in reasons if r.state == "applies"]
    if fired:
        tails.append(_t("p.fired", x=_join(fired)))
    tail = _t("tail", x=_join(tails, "；", "; ")) if tails else Text("", "")
    return _t("h.pending", x=_join(parts or [_t("p.all")], "；", "; "), tail=tail)


def _indicator(c: _Ctx, ind: model.Indicator) -> IndicatorLine:
    """The line of ``ind``: a function of its trace events, remembered by their identity.

    An engine hands out the same event objects whenever an indicator's inputs repeat, so the
    line is built once for them. The memo keeps the events alive, so their ids stay theirs.
    """
    ev = c.of_indicator.get(ind.id)
    evs = c.steps.get(ind.id, ())
    key: tuple[Any, ...] = (ind.id, id(ev), *map(id, evs))
    if ev is not None and ev.kind == "missing":  # its line also names the decision's gaps
        key += tuple(c.missing_facts(ev))
    memo = c.static.lines
    hit = memo.get(key)
    if hit is not None:
        return hit[1]
    line = _indicator_line(c, ind, ev, evs)
    if c.static.memo_size:
        if len(memo) >= c.static.memo_size:  # bounded: start over rather than grow
            memo.clear()
        memo[key] = ((ev, *evs), line)
    return line


def _indicator_line(
    c: _Ctx, ind: model.Indicator, ev: TraceEvent | None, evs: Iterable[TraceEvent]
) -> IndicatorLine:
    dim = c.dims.get(ind.dimension or "")
    steps = tuple(_step(c, ind, e) for e in evs)
    points, missing, policy, facts = None, None, "", c.facts(ev.inputs if ev else ())
    if ev is not None and ev.kind == "missing":
        names = c.missing_facts(ev)
        pol = _t("policy." + ev.result) if f"policy.{ev.result}" in _PHRASES else _t("missing")
        missing = _t("needs", x=pol, f=_join([c.fact(n).label for n in names]))
        points, policy = ("0" if ev.result == "zero" else None), ev.result
        facts = c.facts((n, "missing") for n in names)
    elif ev is not None:
        points = ev.result
    dim_label = _label(dim.label) if dim is not None else _t("bonus")
    method = _t(ind.method) if ind.method in _PHRASES else Text(ind.method, ind.method)
    at, label, source = str(ind.loc if ev is None else ev.loc), _label(ind.label), ind.source or ""
    return IndicatorLine(
        ind.id, label, dim_label, points, fmt(ind.max), method, facts, steps, missing, at, policy,
        ind.bonus, source,
    )  # fmt: skip


def _step(c: _Ctx, ind: model.Indicator, ev: TraceEvent) -> Step:
    pts, inputs, met = ev.result, ev.inputs, ev.note == "met" or ev.result == "met"
    key = (ind.id, ev.id, ev.note, met)
    memo = c.static.steps.get(key)
    if memo is None:
        memo = c.static.steps[key] = _step_text(c, ind, ev, met)
    label, how = memo
    if ind.all_or_nothing is not None and ev.id not in c.items(ind):
        pts = fmt(ind.max) if met else "0"
        parent = next((e for e in c.events("indicator") if e.id == ind.id), None)
        inputs = inputs or (parent.inputs if parent is not None else ())
    return Step(ev.id, label, pts, how, c.facts(inputs), str(ev.loc))


def _step_text(c: _Ctx, ind: model.Indicator, ev: TraceEvent, met: bool) -> tuple[Text, Text]:
    """The label and the how of a step: the same for every decision with this key."""
    label, how = Text(ev.id, ev.id), Text(ev.note, ev.note)
    items = c.items(ind)
    if ev.id in items:
        item = items[ev.id]
        label = _label(item.label) if item.label else c.fact(item.id).label
        if item.per is not None:
            how = _t("each", p=fmt(item.points))
        elif ind.deductions is not None:
            how = _t("deducted" if met else "not deducted")
        else:
            how = _t("met" if met else "not met")
    elif ind.bands is not None:
        unit = c.rs.facts[ind.bands.fact].unit or ""
        bands = ind.bands.bands
        band = next((b for j, b in enumerate(bands) if (b.id or str(j)) == ev.id), None)
        if band is None:
            label, how = _t("otherwise"), _t("no band")
        else:
            label = _range_text(band.range, unit) if band.range != model.Bound() else label
            how = _t("by condition" if "by condition" in ev.note else "in range")
    elif ind.linear is not None:
        s = ind.linear
        label, how = c.fact(s.fact).label, _t("line", lo=fmt(s.floor), hi=fmt(s.target))
    elif ind.per_unit is not None:
        label = c.fact(ind.per_unit.fact).label
        how = _t("each.max", p=fmt(ind.per_unit.points), m=fmt(ind.max))
    elif ind.assessed is not None:
        label, how = c.fact(ind.assessed.fact).label, _t("assessed")
    elif ind.all_or_nothing is not None:
        label, how = _label(ind.label), _t("met" if met else "not met")
    return label, how


def _dimension(c: _Ctx, ev: TraceEvent) -> Line:
    dim = c.dims.get(ev.id)
    label = _label(dim.label) if dim is not None else Text(ev.id, ev.id)
    return Line("dimension", ev.id, label, ev.result, str(ev.loc), fmt(dim.max) if dim else "")


def _score_lines(c: _Ctx) -> tuple[Line, ...]:
    out: list[Line] = []
    total = c.rs.scheme.total
    for ev in c.events("score", "round", "tier"):
        at, got = str(ev.loc), dict(ev.inputs)
        if ev.kind == "score":
            base = got.get("indicators", "0")
            out.append(
                Line("raw", ev.id, _t("raw", b=base, x=got.get("bonus", "0")), ev.result, at)
            )
            left_out = [
                c.inds[e.id]
                for e in c.events("missing")
                if e.result == "rescale" and e.id in c.inds and not c.inds[e.id].bonus
            ]
            if left_out:
                k = f"{fmt(total)}/{fmt(total - sum((i.max for i in left_out), Fraction(0)))}"
                names = _join([_label(i.label) for i in left_out])
                text = _t("rescale", x=names, k=k, b=base, s=ev.result)
                out.append(Line("rescale", ev.id, text, ev.result, at))
        elif ev.kind == "round" and (r := c.rs.scheme.rounding) is not None:
            text = _t("round", d=str(r.digits), m=_t(r.mode), b=got.get("raw", ""), s=ev.result)
            out.append(Line("round", ev.id, text, ev.result, at))
        elif ev.kind == "tier":
            tier_id = ev.result if ev.result in c.tiers else None
            rule = c.rules(tier_id) if tier_id else Text("", "")
            text = _t("by score", t=c.tier(tier_id), rule=rule) if tier_id else _t("by score.none")
            out.append(Line("tier", ev.id, text, ev.result, at))
    return tuple(out)


def _flag(c: _Ctx, ev: TraceEvent) -> Line:
    flag = next((f for f in c.rs.flags if f.id == ev.id), None)
    label = _label(flag.label) if flag is not None else Text(ev.id, ev.id)
    esc = None
    if flag is not None and flag.escalate is not None:
        esc = _t("escalate", n=str(flag.escalate.after), x=_label(flag.escalate.action))
    return Line("flag", ev.id, label, ev.result, str(ev.loc), "", c.facts(ev.inputs), esc)


def _next_tier(c: _Ctx, reasons: list[Reason]) -> NextTier | None:
    d, rs = c.d, c.rs
    if d.status == "pending" or d.score is None:
        return None
    end = c.index.get(d.score_tier or "", len(rs.tiers))
    better = [t for t in rs.tiers[:end] if t.range.lower is not None]
    applied = [r for r in reasons if r.state not in ("undetermined", "applies")]
    if not better:
        blocked = tuple(_t("quoted", x=r.label) for r in applied if r.state == "decisive")
        best = c.tier(d.score_tier)
        text = _t("top.blocked", t=best, x=_join(blocked)) if blocked else _t("top", t=best)
        return NextTier(None, None, None, False, blocked, text)
    target = better[-1]
    assert target.range.lower is not None
    bound, included = target.range.lower
    gap, strict = bound - d.score, not included
    if strict and rs.scheme.rounding is not None:  # the next representable score above it
        gap, strict = gap + Fraction(1, 10**rs.scheme.rounding.digits), False
    k = c.index[target.id]
    hits = [
        r
        for r in applied
        if (r.effect in _FORCE and r.state == "decisive")
        or (r.effect == "cap" and c.index.get(r.tier or "", k) > k)
        or (r.effect == "require" and k <= c.index.get(r.tier or "", -1))
    ]
    blocked = tuple(_t("quoted", x=r.label) for r in hits)
    lab, g = _label(target.label), fmt(gap)
    text = _t("gap.strict" if strict else "gap", t=lab, g=g)
    if blocked:
        text = _t("blocked", x=text, b=_join(blocked))
    return NextTier(target.id, lab, g, strict, blocked, text)
