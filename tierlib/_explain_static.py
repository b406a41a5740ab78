"""What the explanations under one rule set share: look-ups, phrases built once, and memos.

Every memo is a dict bounded by ``memo_size`` (full: it starts over; 0: it remembers nothing)
whose key holds every value its part is built from, so a remembered part equals a freshly built
one. Filling one twice from two threads stores equal values; no memo is ever iterated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tierlib import model
from tierlib._explanation import Fact, IndicatorLine, Line, NextTier, Reason, Step
from tierlib._phrases import PHRASES, Text, bound_text, join, label, partial, t, unit_text
from tierlib.decision import TraceEvent, fmt
from tierlib.errors import Location

_K = TypeVar("_K")
_V = TypeVar("_V")


def remember(memo: dict[_K, _V], size: int, key: _K, value: _V) -> _V:
    """``value``, remembered under ``key`` if ``size`` (at most ``size`` entries: when full, the
    memo starts over rather than grow)."""
    if size:
        if len(memo) >= size:
            memo.clear()
        memo[key] = value
    return value


class Facts(dict[tuple[str, str], Fact]):
    """``facts[(name, value)]``: the fact of an input, remembered by the pair (the parts that
    show an event's inputs are remembered by them anyway); its label and unit are its name's."""

    __slots__ = ("label_of", "labels", "size")

    def __init__(
        self,
        labels: dict[str, tuple[Text, str, str]],
        label_of: Callable[[str], tuple[Text, str, str]],
        size: int,
    ) -> None:
        super().__init__()
        self.labels, self.label_of, self.size = labels, label_of, size

    def __missing__(self, pair: tuple[str, str]) -> Fact:
        name, value = pair
        lab, unit, unit_en = self.labels.get(name) or self.label_of(name)  # a declared fact's
        got = Fact(name, lab, value, unit, unit_en)
        if self.size:  # as remember()
            if len(self) >= self.size:
                self.clear()
            self[pair] = got
        return got


class Static:
    """What explanations under one rule set share: look-ups, phrases built once, memos."""

    MEMOS = (
        "lines", "other_lines", "steps", "step_texts", "facts", "dim_lines", "score_lines",
        "flag_lines", "reasons", "summaries", "frames", "next_tiers", "rules",
    )  # fmt: skip

    def __init__(self, rs: model.RuleSet, memo_size: int) -> None:
        self.rs, self.memo_size = rs, memo_size
        self.tiers = {x.id: x for x in rs.tiers}
        self.index = {x.id: k for k, x in enumerate(rs.tiers)}
        self.inds = {x.id: x for x in rs.indicators}
        self.ind_ids = [x.id for x in rs.indicators]
        self.distinct = len(self.inds) == len(self.ind_ids)  # no two indicators share an id
        self.dims = {x.id: x for x in rs.dimensions}
        self.vetoes = {x.id: x for x in rs.vetoes}
        self.tier_texts = {x.id: label(x.label) for x in rs.tiers}
        self.fact_labels = {  # the declared facts' (see label_of for the others)
            name: (
                label(spec.label) if spec.label else Text(name, name),
                spec.unit or "",
                spec.unit_en or "",
            )
            for name, spec in rs.facts.items()
        }
        # each declared fact's unit in both languages (for a band's range: range_text)
        self.units = {
            name: unit_text(spec.unit or "", spec.unit_en or "") for name, spec in rs.facts.items()
        }
        # per indicator (by position): its items by id, and the parts of its line
        self.items = [
            {i.id: i for i in (ind.checklist or ()) + (ind.deductions or ())}
            for ind in rs.indicators
        ]
        self.aon = [ind.all_or_nothing is not None for ind in rs.indicators]
        # steps worth remembering: yes/no items' (a step of a linear, banded, assessed or
        # per-unit indicator shows its fact's value: new whenever the indicator's line is)
        self.keep_steps = [
            ind.checklist is not None
            or ind.deductions is not None
            or ind.all_or_nothing is not None
            for ind in rs.indicators
        ]
        self.heads: list[tuple[Text, Text, Text, str, str, Location, str]] = []
        for ind in rs.indicators:
            dim = self.dims.get(ind.dimension or "")
            m = ind.method
            self.heads.append(
                (
                    label(ind.label),
                    label(dim.label) if dim is not None else t("bonus"),
                    t(m) if m in PHRASES else Text(m, m),
                    fmt(ind.max),
                    ind.source or "",
                    ind.loc,
                    str(ind.loc),
                )
            )
        self.dim_heads = {x.id: (label(x.label), fmt(x.max)) for x in self.dims.values()}
        self.flag_heads: dict[str, tuple[Text, Text | None]] = {}
        for f in rs.flags:
            if f.id not in self.flag_heads:  # the first flag of an id, as rs.flags is searched
                e = f.escalate
                esc = None if e is None else t("escalate", n=str(e.after), x=label(e.action))
                self.flag_heads[f.id] = (label(f.label), esc)
        self.veto_labels = {v.id: label(v.reason) for v in self.vetoes.values()}
        self.veto_sources = {v.id: v.source or "" for v in self.vetoes.values()}
        self.effects = {  # (a force without a tier forces the lowest: when there is one)
            v.id: self._effect(v) for v in self.vetoes.values() if v.tier or rs.tiers
        }
        self.scheme_at = (rs.scheme.loc, str(rs.scheme.loc))
        r = rs.scheme.rounding
        key = "round" if r is None or r.digits > 1 else f"round.{r.digits}"
        self.rounded = ("", "") if r is None else partial(key, d=str(r.digits), m=t(r.mode))
        # the better tier a score of each tier could reach next: (tier, its index, label)
        self.targets = {x.id: self._target(self.index[x.id]) for x in rs.tiers}
        self.other_target = self._target(len(rs.tiers))  # of a score tier that is no tier
        # memos (see the module's docstring)
        self.lines: dict[int, tuple[tuple[TraceEvent, ...], int, IndicatorLine, int]] = {}
        self.steps: dict[tuple[Any, ...], Step] = {}
        self.step_texts: dict[tuple[int, str, str, bool], tuple[Text, Text, Location, str]] = {}
        self.facts = Facts(self.fact_labels, self.label_of, memo_size)
        self.fact = self.facts.__getitem__  # the fact of a (name, value) input
        self.other_lines: dict[tuple[Any, ...], tuple[tuple[Any, ...], IndicatorLine]] = {}
        self.dim_lines: dict[tuple[str, str, str, int, int], Line] = {}
        self.score_lines: dict[tuple[str, str, str, int, int], tuple[Line, ...]] = {}
        self.flag_lines: dict[tuple[Any, ...], Line] = {}
        self.reasons: dict[tuple[Any, ...], Reason] = {}
        self.summaries: dict[tuple[Any, ...], tuple[Any, Text]] = {}
        self.frames: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.next_tiers: dict[tuple[Any, ...], NextTier] = {}
        self.rules: dict[str, Text] = {}

    def keep(self, memo: dict[_K, _V], key: _K, value: _V) -> _V:
        """``value``, remembered under ``key`` in ``memo`` if memos are on (as :func:`remember`)."""
        if self.memo_size:
            if len(memo) >= self.memo_size:
                memo.clear()
            memo[key] = value
        return value

    def tier(self, tier_id: str | None) -> Text:
        got = self.tier_texts.get(tier_id or "")
        if got is not None:
            return got
        return t("unrated") if tier_id is None else Text(tier_id, tier_id)

    def label_of(self, name: str) -> tuple[Text, str, str]:
        """The label and unit (as written, and its English if given) of a fact name: a
        declared fact's, the score's, an indicator's points (``points.<id>``) or a
        dimension's subtotal (``dimension.<id>``)."""
        got = self.fact_labels.get(name)
        if got is not None:
            return got
        head, _, rest = name.partition(".")
        if name == "score":
            return t("score"), "", ""
        if head == "points" and rest in self.inds:
            return t("points", x=label(self.inds[rest].label)), "", ""
        if head == "dimension" and rest in self.dims:
            return t("subtotal", x=label(self.dims[rest].label)), "", ""
        return Text(name, name), "", ""

    def fact_label(self, name: str) -> Text:
        return self.label_of(name)[0]

    def rule(self, tier_id: str) -> Text:
        """The bound of ``tier_id`` and of the tier just above it, in the policy's words."""
        got = self.rules.get(tier_id)
        if got is None:
            got = self.keep(self.rules, tier_id, self._rules(tier_id))
        return got

    def veto_label(self, veto_id: str) -> Text:
        got = self.veto_labels.get(veto_id)
        return got if got is not None else Text(veto_id, veto_id)

    def effect_tier(self, ev: TraceEvent) -> tuple[str, str | None]:
        got = self.effects.get(ev.id)
        if got is not None:
            return got
        v = self.vetoes.get(ev.id)
        if v is None:  # not a veto of the rule set: as the trace says
            effect, _, tier = ev.result.partition(" ")
            return effect, tier or None
        return self._effect(v)

    def _effect(self, v: model.Veto) -> tuple[str, str | None]:
        return v.effect, (v.tier or self.rs.tiers[-1].id) if v.effect == "force" else v.tier

    def below(self, tier: str | None) -> str | None:
        tiers = self.rs.tiers
        k = self.index.get(tier or "", len(tiers)) + 1
        return tiers[k].id if k < len(tiers) else None

    def _target(self, end: int) -> tuple[model.Tier, int, Text] | None:
        """The next better tier (its index and label) than the first ``end`` tiers' last."""
        better = [x for x in self.rs.tiers[:end] if x.range.lower is not None]
        if not better:
            return None
        return better[-1], self.index[better[-1].id], label(better[-1].label)

    def quote(self, veto_id: str) -> Text:
        return t("quoted", x=self.veto_label(veto_id))

    def _rules(self, tier_id: str) -> Text:
        tiers = self.rs.tiers
        k, out = self.index[tier_id], []
        for x in tiers[max(k - 1, 0) : k + 1]:
            if x.range.lower is not None:
                b = bound_text("at_least" if x.range.lower[1] else "above", x.range.lower[0])
            elif k > 0 and (up := tiers[k - 1].range.lower) is not None:
                b = bound_text("below" if up[1] else "at_most", up[0])
            else:
                continue
            out.append(t("rule", b=b, t=label(x.label)))
        return join(out, "，", "; ")
