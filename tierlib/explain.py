"""Why an organization got its tier: a pure reduction of a decision's trace.

:func:`explain` reads only the :class:`~tierlib.decision.Decision` (its trace and outcome) and
the labels and bounds of the rule set; it never evaluates a rule again and does no I/O. The
:class:`Explanation` holds both languages — every sentence comes from one template pair in
:mod:`tierlib._phrases` — so one structure renders as Chinese or English text, JSON or HTML (see
:mod:`tierlib.render`). The decisive reason comes first, as in the headline.
"""

from __future__ import annotations

from fractions import Fraction

from tierlib import model
from tierlib._explain_parts import Ctx as _Ctx
from tierlib._explain_parts import dimension_lines, flag_lines, indicator_lines, score_lines
from tierlib._explain_static import Static as _Static
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
from tierlib._phrases import Template, bound_text
from tierlib._phrases import Text as Text
from tierlib._phrases import fill as _fill
from tierlib._phrases import join as _join
from tierlib._phrases import label as _label
from tierlib._phrases import partial as _partial
from tierlib._phrases import t as _t
from tierlib.decision import Decision, TraceEvent, fmt

LINES_MEMO_SIZE = 8192
_FORCE = ("force", "unrated")
_ORDER = {"decisive": 0, "undetermined": 1, "applies": 2, "outweighed": 3, "idle": 4}


def explain(decision: Decision, ruleset: model.RuleSet) -> Explanation:
    """The explanation of ``decision`` (pure: reads the trace and the rule set's labels only).

    To explain many decisions of one rule set, :class:`Explainer` builds the rule set's
    phrases once (``Engine.explain`` keeps one).
    """
    return Explainer(ruleset)(decision)


class Explainer:
    """:func:`explain` for one rule set, sharing the phrases built for earlier decisions.

    The rule set's phrases are built once; parts of explanations are remembered (indicator
    lines by the identity of their trace events, the other parts by small keys holding every
    value they show; at most ``memo_size`` of each kind, 0 remembering nothing; see
    :mod:`tierlib._explain_static`). Safe to call from several threads; the explanation equals
    ``explain(decision, ruleset)``.
    """

    def __init__(self, ruleset: model.RuleSet, *, memo_size: int = LINES_MEMO_SIZE) -> None:
        self._static = _Static(ruleset, memo_size)

    def __call__(self, decision: Decision) -> Explanation:
        return _explain(_Ctx(decision, self._static))


def _explain(c: _Ctx) -> Explanation:
    d, s = c.d, c.s
    reasons = _reasons(c)
    pending = d.status == "pending"
    total = fmt(d.score) if d.score is not None else None
    return Explanation(  # by position, which is quicker
        d.org_id,
        d.org_name,
        d.status,
        d.tier,
        _t("pending") if pending else s.tier(d.tier),  # outcome
        total,
        _pending(c, reasons) if pending else _headline(c, reasons, total or ""),  # headline
        tuple(sorted(reasons, key=_rank) if len(reasons) > 1 else reasons),  # reasons
        indicator_lines(c),  # indicators
        dimension_lines(c),  # dimensions
        score_lines(c),  # score
        flag_lines(c),  # flags
        d.provenance,
        _next_tier(c, reasons, total or ""),  # next_tier
        d.year,
        d.org_type,
    )


def _rank(r: Reason) -> int:
    return _ORDER[r.state]


def _reasons(c: _Ctx) -> list[Reason]:
    """The vetoes' reasons in trace order, each remembered by its event's values and by what
    its state and summary were decided from."""
    d, s, evs = c.d, c.s, c.vetoes
    if not evs:
        return []
    winner = None  # the first decisive force or unrated
    for e in evs:
        decisive = e.note.endswith("decisive") and e.result != "undetermined"
        if decisive and s.effect_tier(e)[0] in _FORCE:
            winner = e
            break
    memo, effects, out = s.reasons, s.effects, []
    for ev in evs:
        effect, tier = effects.get(ev.id) or s.effect_tier(ev)
        how: tuple[str, str | None] | tuple[str, str, str] = ("decisive", None)
        if ev.result == "undetermined":
            # waited for, or decided without: no outcome of it could change the tier
            how = ("undetermined", None) if d.status == "pending" else ("moot", d.tier)
        elif d.status == "pending":
            how = ("applies", None)
        elif winner is not None and ev is not winner:
            how = ("beaten", winner.id, ev.id)
        elif winner is None:
            imposed = tier if effect == "cap" else s.below(tier)
            if d.tier == d.score_tier or imposed != d.tier:  # did not set the tier
                how = ("idle", d.tier)
        loc = ev.loc
        key = (ev.id, ev.result, ev.inputs, loc.file, loc.line, loc.col, *how)
        reason = memo.get(key)
        if reason is None:
            reason = s.keep(memo, key, _reason(c, ev, effect, tier, how))
        out.append(reason)
    return out


def _reason(
    c: _Ctx,
    ev: TraceEvent,
    effect: str,
    tier: str | None,
    how: tuple[str, str | None] | tuple[str, str, str],
) -> Reason:
    s = c.s
    facts = tuple([s.facts[x] for x in ev.inputs])
    # the summary: a function of the effect, the tier and how (and of the gaps if undetermined)
    key = (effect, tier, *how, ev.inputs if how[0] in ("undetermined", "moot") else None)
    got = s.summaries.get(key)
    if got is None:
        got = s.keep(s.summaries, key, _summary(c, facts, effect, tier, how))
    state, summary = got
    source, label = s.veto_sources.get(ev.id, ""), s.veto_label(ev.id)
    return Reason(ev.id, effect, tier, label, state, summary, facts, str(ev.loc), source)


def _summary(
    c: _Ctx,
    facts: tuple[Fact, ...],
    effect: str,
    tier: str | None,
    how: tuple[str, str | None] | tuple[str, str, str],
) -> tuple[State, Text]:
    s, kind, arg = c.s, how[0], how[1]
    if kind in ("undetermined", "moot"):
        gaps = _join([x.label for x in facts if x.value == "missing"])
        if kind == "moot":
            return "undetermined", _t("moot", f=gaps, t=s.tier(arg))
        return "undetermined", _t("undecided", f=gaps)
    if kind == "applies":
        return "applies", _t("applies")
    if kind == "beaten":
        return "outweighed", _t("beaten", by=s.veto_label(arg or ""), why=_why(s, arg, how[-1]))
    if kind == "idle":
        return "idle", _t("idle", t=s.tier(arg))
    if f"eff.{effect}" in _PHRASES:
        return "decisive", _t("eff." + effect, t=s.tier(tier))
    return "decisive", Text("", "")


def _why(s: _Static, winner: str | None, loser: str | None) -> Text:
    """Why one applying force/unrated veto decided over another: its precedence, the harsher
    outcome at equal precedence, or its place in the rule file (empty for a cap or a
    requirement, which a decisive veto always overrides)."""
    w, v = s.vetoes.get(winner or ""), s.vetoes.get(loser or "")
    if w is None or v is None or v.effect not in _FORCE:
        return Text("", "")
    if w.precedence != v.precedence:
        return _t("why.prec", p=str(w.precedence), q=str(v.precedence))
    lowest = s.rs.tiers[-1].id
    harsh = [(x.effect == "unrated", s.index.get(x.tier or lowest, 0)) for x in (w, v)]
    return _t("why.harsher" if harsh[0] > harsh[1] else "why.first", p=str(w.precedence))


def _headline(c: _Ctx, reasons: list[Reason], s: str) -> Text:
    """The headline of a decision that is not pending: the score's text ``s`` in a frame
    remembered by what it is built from, the tiers and the decisive reasons (a reason's label is
    its id's)."""
    d = c.d
    if d.score is None:  # a decisive veto decided while the score waits for data
        return _unscored(c, reasons)
    decisive = tuple([(r.id, r.effect) for r in reasons if r.state == "decisive"])
    key = (d.tier, d.score_tier, decisive)
    frame = c.s.frames.get(key)
    if frame is None:
        frame = c.s.keep(c.s.frames, key, _frame(c, reasons))
    return _fill(frame, s=s)


def _unscored(c: _Ctx, reasons: list[Reason]) -> Text:
    """The headline of a decision a force or unrated veto made without a score: the veto, and
    what the score still waits for."""
    s = c.s
    waits = [
        _t(
            "p.ind",
            x=_label(s.inds[ev.id].label),
            f=_join([s.fact_label(n) for n in c.missing_facts(ev)]),
        )
        for ev in c.missing
        if ev.result == "pending" and ev.id in s.inds
    ]
    alone = _t("alone.wait", x=_join(waits or [_t("p.all")], "；", "; "))
    r = next(r for r in reasons if r.state == "decisive" and r.effect in _FORCE)
    return _t("h." + r.effect, r=r.label, t=s.tier(c.d.tier), alone=alone)


def _frame(c: _Ctx, reasons: list[Reason]) -> Template:
    """The headline with the score's text left as ``{s}``."""
    d, st = c.d, c.s
    final, by_score = st.tier(d.tier), st.tier(d.score_tier)
    decisive = [r for r in reasons if r.state == "decisive"]
    for r in decisive:
        if r.effect in _FORCE:
            alone = _partial("alone.same" if d.score_tier == d.tier else "alone", t=by_score)
            return _partial("h." + r.effect, r=r.label, t=final, alone=alone)
    for r in decisive:
        if r.effect == "cap":
            return _partial("h.cap", r=r.label, t=final, got=_partial("got", t=by_score))
    if decisive:
        verb = _t("lowered", t=final) if d.tier is not None else _t("eff.unrated")
        got = _partial("got", t=by_score)
        return _partial("h.require", r=decisive[0].label, verb=verb, got=got)
    if d.tier is None:
        low = next((x for x in reversed(st.rs.tiers) if x.range.lower is not None), None)
        if low is None or low.range.lower is None:
            return "不予定级。", "Not rated."
        b = bound_text("at_least" if low.range.lower[1] else "above", low.range.lower[0])
        return _partial("h.low", t=_label(low.label), b=b)
    return _partial("h.score", rule=st.rule(d.tier), t=final)


def _pending(c: _Ctx, reasons: list[Reason]) -> Text:
    s, parts = c.s, []
    for ev in c.missing:
        if ev.result == "pending" and ev.id in s.inds:
            f = _join([s.fact_label(n) for n in c.missing_facts(ev)])
            parts.append(_t("p.ind", x=_label(s.inds[ev.id].label), f=f))
    for r in reasons:
        if r.state == "undetermined":
            f = _join([x.label for x in r.facts if x.value == "missing"])
            parts.append(_t("p.veto", x=r.label, f=f))
    tails: list[Text] = []
    if c.d.score is not None:
        tails.append(_t("p.score", s=fmt(c.d.score), t=s.tier(c.d.score_tier)))
    fired = [r.label for r in reasons if r.state == "applies"]
    if fired:
        tails.append(_t("p.fired", x=_join(fired)))
    tail = _t("tail", x=_join(tails, "；", "; ")) if tails else Text("", "")
    return _t("h.pending", x=_join(parts or [_t("p.all")], "；", "; "), tail=tail)


def _next_tier(c: _Ctx, reasons: list[Reason], total: str) -> NextTier | None:
    """What the next better tier needs, remembered by what it is built from: the tier the score
    gives, the exact score (unless already the best tier) and the ids of the reasons that block
    it (a reason's label is its id's). Keys of the best tier by score have two items."""
    d, s = c.d, c.s
    if d.status == "pending" or d.score is None:
        return None
    memo = s.next_tiers
    target = s.targets.get(d.score_tier or "", s.other_target)
    applied = [r for r in reasons if r.state not in ("undetermined", "applies")]
    if target is None:  # already the best tier by score
        ids = tuple([r.id for r in applied if r.state == "decisive"])
        top = memo.get((d.score_tier, ids))
        if top is None:
            blocked = tuple([s.quote(i) for i in ids])
            best = s.tier(d.score_tier)
            text = _t("top.blocked", t=best, x=_join(blocked)) if blocked else _t("top", t=best)
            top = NextTier(None, None, None, False, blocked, text)
            s.keep(memo, (d.score_tier, ids), top)
        return top
    k, index = target[1], s.index

    def blocks(r: Reason) -> bool:
        return (
            (r.effect in _FORCE and r.state in ("decisive", "undetermined"))
            or (r.effect == "cap" and index.get(r.tier or "", k) > k)
            or (r.effect == "require" and k <= index.get(r.tier or "", -1))
        )

    ids = tuple([r.id for r in applied if blocks(r)])
    # a veto not decided for want of data (moot for this tier) may still stand in the way
    unknown = tuple([r.id for r in reasons if r.state == "undetermined" and blocks(r)])
    score = d.score  # by its text if that is exact (it is unless it starts with ≈)
    exact: object = total if total[:1] != "≈" else (score.numerator, score.denominator)
    key = (exact, d.score_tier, ids, unknown)
    got = memo.get(key)
    if got is None:
        free = (exact, d.score_tier, (), ())  # the same score unblocked
        base = memo.get(free)
        if base is None:
            base = s.keep(memo, free, _gap(c, score, target))
        got = base
        if ids or unknown:
            blocked = tuple([s.quote(i) for i in ids])
            maybe = tuple([s.quote(i) for i in unknown])
            text = _t("blocked", x=base.text, b=_join(blocked)) if ids else base.text
            if maybe:
                text = _t("unknown", x=text, b=_join(maybe))
            got = NextTier(base.tier, base.label, base.gap, base.strict, blocked, text, maybe)
            s.keep(memo, key, got)
    return got


def _gap(c: _Ctx, score: Fraction, target: tuple[model.Tier, int, Text]) -> NextTier:
    """The points ``score`` needs for ``target``, nothing blocking it."""
    x, _, lab = target
    assert x.range.lower is not None
    bound, included = x.range.lower
    # bound - score, on integers (Fraction's operators are slow)
    num = bound.numerator * score.denominator - score.numerator * bound.denominator
    den, strict = bound.denominator * score.denominator, not included
    rounding = c.s.rs.scheme.rounding
    if strict and rounding is not None:  # the next representable score above it: + 1/10**digits
        num, den, strict = num * 10**rounding.digits + den, den * 10**rounding.digits, False
    g = fmt(Fraction(num, den))
    return NextTier(x.id, lab, g, strict, (), _t("gap.strict" if strict else "gap", t=lab, g=g))
