"""The parts of an explanation, built from trace events and remembered by small keys.

:class:`Ctx` indexes one decision's trace; the functions build its indicator, dimension, score
and flag lines, remembering them in the memos of :class:`~tierlib._explain_static.Static` (see
there).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from tierlib import model
from tierlib._explain_static import Static
from tierlib._explanation import IndicatorLine, Line, Step
from tierlib._phrases import PHRASES, Text, fill, join, label, range_text, t
from tierlib._unparse import to_text
from tierlib.decision import Decision, TraceEvent, approx, fmt

_SCORING = frozenset(("score", "round", "tier"))
_HEADS = ("indicator", "missing")  # the kinds of an indicator's own event
_INDICATOR_KINDS = frozenset(("item", "indicator", "missing"))


class Ctx:
    """One decision's trace, indexed: by kind, and per indicator (by its position in the rule
    set) its remembered line (``got``) or else its first indicator or missing event and its item
    events (``todo``).

    An engine lays a trace out as one segment per indicator in the rule set's order (the
    indicator's items, then its indicator or missing event), then the other events; segments
    repeat whenever an indicator's inputs do. A trace that looks so is read segment by segment,
    a remembered one recognised by the identity of its events without reading them; any other
    is read event by event (:meth:`_group`).
    """

    __slots__ = ("d", "dims", "flags", "got", "missing", "s", "scoring", "todo", "vetoes")

    def __init__(self, d: Decision, static: Static) -> None:
        self.d, self.s = d, static
        self.got: list[IndicatorLine | None] = []
        # an indicator's events when its line was not found (looked up: True)
        self.todo: dict[int, tuple[TraceEvent | None, list[TraceEvent], bool]] = {}
        self.dims: list[TraceEvent] = []
        self.scoring: list[TraceEvent] = []  # score, round and tier events in trace order
        self.vetoes: list[TraceEvent] = []
        self.flags: list[TraceEvent] = []
        self.missing: list[TraceEvent] = []
        end = self._segments() if static.distinct else None
        if end is None or not self._sort(d.trace[end:], strict=True):
            self._group()

    def _segments(self) -> int | None:
        """Read the indicators' segments: where they end, or None if the trace is not so."""
        trace, s = self.d.trace, self.s
        lines, got, todo = s.lines, self.got, self.todo
        p, n = 0, len(trace)
        for k, ind_id in enumerate(s.ind_ids):
            if p >= n:
                return None
            hit = lines.get(id(trace[p]))
            if hit is not None and hit[1] == k:
                seg, _, line, m = hit
                if trace[p : p + m] == seg:  # the same events (or equal ones)
                    got.append(line)
                    p += m
                    continue
            q = p
            while q < n and trace[q].kind == "item":
                q += 1
            if q == n or trace[q].kind not in _HEADS or trace[q].id != ind_id:
                return None
            items = list(trace[p:q])
            for e in items:
                if e.parent != ind_id:
                    return None
            got.append(None)
            todo[k] = (trace[q], items, True)
            if trace[q].kind == "missing":
                self.missing.append(trace[q])
            p = q + 1
        return p

    def _sort(self, events: Iterable[TraceEvent], strict: bool) -> bool:
        """Sort ``events`` by kind; ``strict``: False at an item, indicator or missing event."""
        dims, scoring, vetoes, flags = self.dims, self.scoring, self.vetoes, self.flags
        for e in events:
            kind = e.kind
            if kind == "dimension":
                dims.append(e)
            elif kind in _SCORING:
                scoring.append(e)
            elif kind == "veto":
                vetoes.append(e)
            elif kind == "flag":
                flags.append(e)
            elif kind in _INDICATOR_KINDS:
                if strict:
                    return False
                if kind == "missing":
                    self.missing.append(e)
        return True

    def _group(self) -> None:
        """Read the trace event by event: each indicator's first indicator or missing event, and
        all the items naming it."""
        for part in (self.dims, self.scoring, self.vetoes, self.flags, self.missing):
            part.clear()
        self._sort(self.d.trace, strict=False)
        first: dict[str, TraceEvent] = {}
        steps: dict[str, list[TraceEvent]] = {}
        for e in self.d.trace:
            if e.kind == "item":
                steps.setdefault(e.parent, []).append(e)
            elif e.kind in _HEADS:
                first.setdefault(e.id, e)
        ids = self.s.ind_ids
        self.todo = {k: (first.get(i), steps.get(i, []), False) for k, i in enumerate(ids)}
        self.got = [None] * len(self.todo)

    def missing_facts(self, ev: TraceEvent) -> tuple[str, ...]:
        names = tuple(n for n, v in ev.inputs if v == "missing")
        return names or tuple(m.fact for m in self.d.missing if m.indicator == ev.id)


# ---------------------------------------------------------------- indicators


def indicator_lines(c: Ctx) -> tuple[IndicatorLine, ...]:
    """The line of every indicator: a function of its trace events, remembered by their identity.

    An engine hands out the same event objects whenever an indicator's inputs repeat, so the
    line is built once for them. The memo is keyed by the id of the first of an indicator's
    events (items, then the indicator event) and keeps them alive, so their ids stay theirs;
    they are compared, which takes no time when they are the same objects (and equal events
    give an equal line).
    """
    s, got = c.s, c.got  # the lines found while indexing; the others are c.todo's
    memo, size, inds = s.lines, s.memo_size, s.rs.indicators
    for k, (ev, evs, looked_up) in c.todo.items():
        ind = inds[k]
        if ev is None or ev.kind != "indicator":
            got[k] = _other_line(c, k, ind, ev, evs)
            continue
        seg = (*evs, ev)
        if not looked_up:
            hit = memo.get(id(seg[0]))
            if hit is not None and hit[1] == k and hit[0] == seg:
                got[k] = hit[2]
                continue
        line = got[k] = _line(s, k, ind, ev, evs)
        if size:
            if len(memo) >= size:  # bounded: start over rather than grow
                memo.clear()
            memo[id(seg[0])] = (seg, k, line, len(seg))
    return tuple(got)  # type: ignore[arg-type]  # every one found or built


def _other_line(
    c: Ctx, k: int, ind: model.Indicator, ev: TraceEvent | None, evs: list[TraceEvent]
) -> IndicatorLine:
    """The line of an indicator without an indicator event: none, or a missing one."""
    s = c.s
    key: tuple[Any, ...] = (k, id(ev), *map(id, evs))
    parent = None  # the first indicator event, whose inputs an all-or-nothing step shows
    if ev is not None:  # a missing event: its line also names the decision's gaps
        parent = next((e for e in c.d.trace if e.kind == "indicator" and e.id == ind.id), None)
        key += (id(parent), *c.missing_facts(ev))
    hit = s.other_lines.get(key)
    if hit is None:
        line = _indicator_line(c, k, ind, ev, evs, parent)
        hit = s.keep(s.other_lines, key, ((ev, parent, *evs), line))
    return hit[1]


def _line(
    s: Static, k: int, ind: model.Indicator, ev: TraceEvent, evs: list[TraceEvent]
) -> IndicatorLine:
    """The line of an indicator event ``ev`` with its items ``evs``."""
    label_, dim_label, method, max_, source, loc, at = s.heads[k]
    steps = tuple([_step(s, k, ind, e, ev) for e in evs]) if evs else ()
    facts = tuple(map(s.fact, ev.inputs))
    at = at if ev.loc is loc else str(ev.loc)
    return IndicatorLine(
        ind.id, label_, dim_label, ev.result, max_, method, facts, steps, None, at, "", ind.bonus,
        source,
    )  # fmt: skip


def _indicator_line(
    c: Ctx,
    k: int,
    ind: model.Indicator,
    ev: TraceEvent | None,
    evs: list[TraceEvent],
    parent: TraceEvent | None,
) -> IndicatorLine:
    """The line of ``ind`` from its first indicator or missing event (or none) and its items."""
    s = c.s
    label_, dim_label, method, max_, source, loc, at = s.heads[k]
    steps = tuple([_step(s, k, ind, e, parent) for e in evs]) if evs else ()
    fact = s.facts
    points, missing, policy = None, None, ""
    facts = tuple([fact[x] for x in ev.inputs]) if ev else ()
    if ev is not None and ev.kind == "missing":
        names = c.missing_facts(ev)
        pol = t("policy." + ev.result) if f"policy.{ev.result}" in PHRASES else t("missing")
        missing = t("needs", x=pol, f=join([s.fact_label(n) for n in names]))
        points, policy = ("0" if ev.result == "zero" else None), ev.result
        facts = tuple([fact[(n, "missing")] for n in names])
    elif ev is not None:
        points = ev.result
    if ev is not None and ev.loc is not loc:
        at = str(ev.loc)
    return IndicatorLine(
        ind.id, label_, dim_label, points, max_, method, facts, steps, missing, at, policy,
        ind.bonus, source,
    )  # fmt: skip


def _step(
    s: Static, k: int, ind: model.Indicator, ev: TraceEvent, parent: TraceEvent | None
) -> Step:
    """One step; a yes/no item's remembered by the values it shows (the inputs it shows may be
    its indicator event's: an all-or-nothing step has none of its own)."""
    loc, inputs = ev.loc, ev.inputs
    aon = s.aon[k] and ev.id not in s.items[k]  # a step of an all-or-nothing indicator
    if aon and not inputs:
        inputs = parent.inputs if parent is not None else ()
    if not (s.keep_steps[k] and s.memo_size):
        return _new_step(s, k, ind, ev, inputs, aon)
    key = (k, ev.id, ev.note, ev.result, inputs, loc.file, loc.line, loc.col)
    got = s.steps.get(key)
    if got is None:
        got = s.keep(s.steps, key, _new_step(s, k, ind, ev, inputs, aon))
    return got


def _new_step(
    s: Static,
    k: int,
    ind: model.Indicator,
    ev: TraceEvent,
    inputs: tuple[tuple[str, str], ...],
    aon: bool,
) -> Step:
    met = ev.note == "met" or ev.result == "met"
    tk = (k, ev.id, ev.note, met)
    texts = s.step_texts.get(tk)
    if texts is None:
        texts = s.keep(s.step_texts, tk, (*_step_text(s, k, ind, ev, met), ev.loc, str(ev.loc)))
    at = texts[3] if ev.loc is texts[2] else str(ev.loc)
    pts = (s.heads[k][3] if met else "0") if aon else ev.result
    return Step(ev.id, texts[0], pts, texts[1], tuple(map(s.fact, inputs)), at)


def _step_text(
    s: Static, k: int, ind: model.Indicator, ev: TraceEvent, met: bool
) -> tuple[Text, Text]:
    """The label and the how of a step: the same for every decision with this key."""
    lab, how = Text(ev.id, ev.id), Text(ev.note, ev.note)
    items = s.items[k]
    if ev.id in items:
        item = items[ev.id]
        lab = label(item.label) if item.label else s.fact_label(item.id)
        if item.per is not None:
            how = t("each", p=fmt(item.points))
        elif ind.deductions is not None:
            how = t("deducted" if met else "not deducted")
        else:
            how = t("met" if met else "not met")
    elif ind.bands is not None:
        unit = s.units.get(ind.bands.fact, Text("", ""))
        bands = ind.bands.bands
        band = next((b for j, b in enumerate(bands) if (b.id or str(j)) == ev.id), None)
        if band is None:
            lab, how = t("otherwise"), t("no band")
        else:
            lab = range_text(band.range, unit) if band.range != model.Bound() else lab
            low, high = band.points
            if "by condition" in ev.note and band.when is not None:
                how = t("by the condition", c=to_text(band.when, written=True), p=fmt(low))
            elif low != high:
                how = t("in range.interpolated", lo=fmt(low), hi=fmt(high))
            else:
                how = t("in range")
    elif ind.linear is not None:
        x = ind.linear
        lab, how = s.fact_label(x.fact), t("line", lo=fmt(x.floor), hi=fmt(x.target))
    elif ind.per_unit is not None:
        lab = s.fact_label(ind.per_unit.fact)
        how = t("each.max", p=fmt(ind.per_unit.points), m=fmt(ind.max))
    elif ind.assessed is not None:
        lab, how = s.fact_label(ind.assessed.fact), t("assessed")
    elif ind.all_or_nothing is not None:
        lab, how = label(ind.label), t("met" if met else "not met")
    return lab, how


# ---------------------------------------------------------------- dimensions, score, flags


def dimension_lines(c: Ctx) -> tuple[Line, ...]:
    """A subtotal's line: a function of its event's id, result and location."""
    s = c.s
    memo, out = s.dim_lines, []
    for ev in c.dims:
        loc = ev.loc
        key = (ev.id, ev.result, loc.file, loc.line, loc.col)
        line = memo.get(key)
        if line is None:
            head = s.dim_heads.get(ev.id)
            lab, max_ = head if head is not None else (Text(ev.id, ev.id), "")
            line = s.keep(memo, key, Line("dimension", ev.id, lab, ev.result, str(loc), max_))
        out.append(line)
    return tuple(out)


def score_lines(c: Ctx) -> tuple[Line, ...]:
    """The lines of the score, rescaling, rounding and banding. A banding line is remembered by
    its event's id, result and location; the others show the raw score, which seldom repeats,
    so they are built each time."""
    s = c.s
    memo = s.score_lines
    out: list[Line] = []
    rescaled = tuple([e.id for e in c.missing if e.result == "rescale"]) if c.missing else ()
    for ev in c.scoring:
        if ev.kind != "tier":
            out += _score_event(s, ev, rescaled)
            continue
        loc = ev.loc
        key = (ev.id, ev.result, loc.file, loc.line, loc.col)  # it shows no input
        lines = memo.get(key)
        if lines is None:
            lines = s.keep(memo, key, _score_event(s, ev, rescaled))
        out += lines
    return tuple(out)


def _score_event(s: Static, ev: TraceEvent, rescaled: tuple[str, ...]) -> tuple[Line, ...]:
    rs, (loc, at) = s.rs, s.scheme_at
    if ev.loc is not loc:
        at = str(ev.loc)
    if ev.kind == "score":
        got = dict(ev.inputs)
        base = got.get("indicators", "0")
        text = fill(PHRASES["raw"], b=base, x=got.get("bonus", "0"))
        line = Line("raw", ev.id, text, ev.result, at)
        left_out = [s.inds[i] for i in rescaled if i in s.inds and not s.inds[i].bonus]
        if not left_out:
            return (line,)
        total = rs.scheme.total
        k = f"{fmt(total)}/{fmt(total - sum((i.max for i in left_out), Fraction(0)))}"
        names = join([label(i.label) for i in left_out])
        bonus = got.get("bonus", "0")
        if bonus == "0":
            text = t("rescale", x=names, k=k, b=base, s=ev.result)
        else:  # the bonus comes on top of the rescaled indicators: show both steps
            scaled = _minus(ev.result, bonus)
            text = t("rescale.bonus", x=names, k=k, b=base, r=scaled, p=bonus, s=ev.result)
        return (line, Line("rescale", ev.id, text, ev.result, at))
    if ev.kind == "round":
        if rs.scheme.rounding is None:
            return ()
        text = fill(s.rounded, b=dict(ev.inputs).get("raw", ""), s=ev.result)  # digits, mode in
        return (Line("round", ev.id, text, ev.result, at),)
    tier_id = ev.result if ev.result in s.tiers else None
    rule = s.rule(tier_id) if tier_id else Text("", "")
    text = t("by score", t=s.tier(tier_id), rule=rule) if tier_id else t("by score.none")
    return (Line("tier", ev.id, text, ev.result, at),)


def _minus(a: str, b: str) -> str:
    """``a - b`` of two trace texts: exact when both are, else to 6 decimals (≈…)."""
    if "≈" in a + b:
        return approx(Fraction(a.strip("≈…")) - Fraction(b.strip("≈…")))
    return fmt(Fraction(a) - Fraction(b))


def flag_lines(c: Ctx) -> tuple[Line, ...]:
    """A flag's line: a function of its event's id, result, inputs and location."""
    s = c.s
    memo, out = s.flag_lines, []
    for ev in c.flags:
        loc = ev.loc
        key = (ev.id, ev.result, ev.inputs, loc.file, loc.line, loc.col)
        line = memo.get(key)
        if line is None:
            head = s.flag_heads.get(ev.id)
            lab, esc = head if head is not None else (Text(ev.id, ev.id), None)
            facts = tuple([s.facts[x] for x in ev.inputs])
            line = s.keep(memo, key, Line("flag", ev.id, lab, ev.result, str(loc), "", facts, esc))
        out.append(line)
    return tuple(out)
