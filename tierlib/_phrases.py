"""The bilingual phrase book of explanations: every sentence is one template pair.

:data:`PHRASES` maps a key to a (Chinese, English) template; :func:`t` fills one in both
languages at once, each argument in its own language. Boundary words follow the policy texts
(``90 分以上`` includes 90; ``超过`` does not).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Literal, TypeAlias

import attrs

from tierlib import model
from tierlib.decision import fmt

Lang: TypeAlias = Literal["zh", "en"]
Template: TypeAlias = tuple[str, str]  # a phrase in Chinese and English, some arguments left

__all__ = [
    "FIXED", "PHRASES", "Lang", "Template", "Text", "bound_text", "fill", "join", "label", "partial",
    "range_text", "t", "unit_text",
]  # fmt: skip


@attrs.frozen
class Text:
    """One phrase in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh


# fmt: off
PHRASES: dict[str, tuple[str, str]] = {
    "true": ("是", "yes"), "false": ("否", "no"), "missing": ("缺失", "missing"),
    "excluded": ("剔除", "excluded"), "unit.元": ("元", "yuan"), "unit.月": ("个月", "months"),
    "unit.次": ("次", "times"), "unit.分": ("分", ""), "pending": ("待定", "pending"),
    "unrated": ("不定级", "not rated"), "bonus": ("加分", "Bonus"), "score": ("得分", "score"),
    "points": ("{x}得分", "{x} points"), "subtotal": ("{x}小计", "{x} subtotal"),
    "linear": ("线性折算", "linear"), "bands": ("分档计分", "bands"),
    "checklist": ("逐项计分", "checklist"), "deductions": ("扣分制", "deductions"),
    "all_or_nothing": ("全有或全无", "all or nothing"), "per_unit": ("按次计分", "per unit"),
    "assessed": ("评定分", "assessed"),
    "policy.zero": ("缺数据：按 0 分计，予以披露", "data missing: scored 0, disclosed"),
    "policy.rescale": ("缺数据：本项剔除，总分按比例折算", "data missing: left out, rescaled"),
    "policy.pending": ("缺数据：结果待定", "data missing: the result waits"),
    "needs": ("{x}（缺少{f}）", "{x} (needs {f})"), "half_up": ("四舍五入", "half up"),
    "half_even": ("四舍六入五成双", "half to even"), "down": ("舍去", "down"), "up": ("进一", "up"),
    "at_least": ("{n}{u}以上", "at least {n}{u}"), "above": ("超过 {n}{u}", "above {n}{u}"),
    "below": ("低于 {n}{u}", "below {n}{u}"), "at_most": ("不超过 {n}{u}", "at most {n}{u}"),
    "undecided": ("缺少{f}，无法判定", "cannot be decided without {f}"),
    "moot": ("缺少{f}，无法判定，但无论是否触发都不改变结果（{t}）",
             "cannot be decided without {f}, but could not change the result either way ({t})"),
    "applies": ("已触发，但结果待定", "applies, but the result is pending"),
    "beaten": ("已触发，但由「{by}」决定{why}", "applies, but outweighed by “{by}”{why}"),
    "why.prec": ("（优先级 {p} 高于 {q}）", " (precedence {p} over {q})"),
    "why.harsher": ("（优先级同为 {p}，结果更重者优先）", " (both precedence {p}: the harsher outcome wins)"),
    "why.first": ("（优先级同为 {p}、结果相同，取规则文件中在前者）",
                  " (both precedence {p}, same outcome: the first in the rule file wins)"),
    "idle": ("已触发，但未改变结果（{t}）", "applies, but does not change the result ({t})"),
    "eff.force": ("一票否决，定为{t}", "veto: forces {t}"),
    "eff.unrated": ("不予定级", "not rated"), "eff.cap": ("封顶：最高定为{t}", "cap: at best {t}"),
    "eff.require": ("未满足：不能定为{t}", "requirement not met: cannot be {t}"),
    "alone": ("仅按得分 {s} 分本应为{t}", "the score alone, {s}, would have been {t}"),
    "alone.wait": ("得分待定：{x}", "the score is pending: {x}"),
    "alone.same": ("按得分 {s} 分亦为{t}", "the score alone, {s}, gives {t} too"),
    "h.force": ("一票否决：{r}，定为{t}；{alone}。", "Veto: {r} forced {t}; {alone}."),
    "h.unrated": ("不予定级：{r}；{alone}。", "Not rated: {r}; {alone}."),
    "got": ("（仅按得分 {s} 分为{t}）", " (the score alone, {s}, gives {t})"),
    "h.cap": ("封顶：{r}，定为{t}{got}。", "Cap: {r}, so {t}{got}."),
    "lowered": ("降为{t}", "lowered to {t}"),
    "h.require": ("{r}，未满足，{verb}{got}。", "Requirement not met: {r}; {verb}{got}."),
    "h.low": ("不予定级：得分 {s} 分，未达最低类别{t}（{b}）。",
             "Not rated: the score {s} is below the lowest tier, {t} ({b})."),
    "h.score": ("得分 {s} 分（{rule}），定为{t}。", "Score {s} ({rule}): {t}."),
    "rule": ("{b}为{t}", "{t}: {b}"),
    "p.ind": ("指标「{x}」缺少{f}", "indicator “{x}” has no data for {f}"),
    "p.veto": ("否决项「{x}」缺少{f}，无法判定", "veto “{x}” cannot be decided without {f}"),
    "p.all": ("所有指标均缺数据而被剔除", "every indicator was left out for missing data"),
    "p.score": ("按现有得分 {s} 分为{t}", "the score so far, {s}, gives {t}"),
    "p.fired": ("已触发：{x}", "already applies: {x}"),
    "h.pending": ("待定：{x}；补齐后才能定级{tail}。",
                 "Pending: {x}; the tier waits until they are supplied{tail}."),
    "tail": ("（{x}）", " ({x})"), "met": ("符合", "met"), "not met": ("不符合", "not met"),
    "deducted": ("扣分", "deducted"), "not deducted": ("不扣分", "not deducted"),
    "each": ("每次 {p} 分", "{p} each"),
    "each.max": ("每次 {p} 分，至多 {m} 分", "{p} each, at most {m}"),
    "otherwise": ("其他", "otherwise"), "no band": ("未落入任何一档", "no band matched"),
    "by condition": ("按条件落档", "by condition"), "in range": ("落入本档", "in range"),
    "by the condition": ("按条件落档：{c}，取 {p} 分", "by its condition, {c}: {p} points"),
    "in range.interpolated": ("落入本档，按 {lo}–{hi} 分在档内按比例计分",
                              "in range, pro rata within the band's {lo}–{hi} points"),
    "line": ("{lo} 得 0 分，{hi} 得满分，其间线性", "{lo} → 0, {hi} → full marks, linear between"),
    "raw": ("各项合计 {b} 分，加分 {x} 分", "indicators {b}, bonus {x}"),
    "rescale": ("剔除{x}后按 ×{k} 折算：{b} → {s}", "{x} left out, rescaled ×{k}: {b} → {s}"),
    "rescale.bonus": ("剔除{x}后按 ×{k} 折算：{b} → {r}，加上加分 {p} 分为 {s}",
                      "{x} left out, rescaled ×{k}: {b} → {r}, plus bonus {p}: {s}"),
    "round": ("保留 {d} 位小数（{m}）：{b} → {s}", "rounded to {d} decimals, {m}: {b} → {s}"),
    "round.1": ("保留 1 位小数（{m}）：{b} → {s}", "rounded to 1 decimal, {m}: {b} → {s}"),
    "round.0": ("取整（{m}）：{b} → {s}", "rounded to a whole number, {m}: {b} → {s}"),
    "by score": ("按得分定为{t}（{rule}）", "by score alone: {t} ({rule})"),
    "by score.none": ("按得分不予定级（低于所有类别）", "by score: not rated (below every tier)"),
    "escalate": ("连续 {n} 次：{x}", "{n} in a row: {x}"), "quoted": ("「{x}」", "“{x}”"),
    "top": ("按得分已是{t}", "already {t} by score"),
    "top.blocked": ("按得分已是{t}；但{x}使其不按得分定级",
                   "already {t} by score; but {x} overrode the score"),
    "gap": ("距{t}还差 {g} 分", "{g} more points needed for {t}"),
    "gap.strict": ("距{t}还需超过 {g} 分", "more than {g} more points needed for {t}"),
    "unknown": ("{x}；{b}缺数据，补齐后才知是否也会阻止晋档",
                "{x}; {b} may also stand in the way: its data is missing"),
    "blocked": ("{x}；但{b}使其即使达到该分数也不能晋档",
               "{x}; but {b} blocks it whatever the score"),
}
# fmt: on


FIXED = {k: Text(zh, en) for k, (zh, en) in PHRASES.items() if "{" not in zh + en}


def t(key: str, **args: Text | str) -> Text:
    """The phrase ``key`` in both languages, each with the arguments in its own language."""
    if not args and key in FIXED:
        return FIXED[key]
    zh, en = PHRASES[key]
    in_en = args  # the arguments in English: a copy once one of them is a Text
    for k, v in args.items():
        if isinstance(v, Text):
            if in_en is args:
                in_en = args.copy()
            args[k], in_en[k] = v.zh, v.en  # no key added while iterating
    return Text(zh.format_map(args), en.format_map(in_en))


def partial(key: str, **args: Text | str | Template) -> Template:
    """The templates of ``key`` with ``args`` filled in and the other arguments left as they are
    (``{name}``). A Text or str argument stays literal; a :data:`Template` argument (a
    ``partial`` of its own) is inserted as it is, its arguments left too. :func:`fill` fills the
    rest, giving what :func:`t` gives for all the arguments at once."""
    zh, en = PHRASES[key]
    in_zh, in_en = _Left(), _Left()
    for name, v in args.items():
        if isinstance(v, Text):
            in_zh[name], in_en[name] = _literal(v.zh), _literal(v.en)
        elif isinstance(v, str):
            in_zh[name] = in_en[name] = _literal(v)
        else:
            in_zh[name], in_en[name] = v
    return zh.format_map(in_zh), en.format_map(in_en)


def fill(template: Template, **args: str) -> Text:
    """The phrase of a :func:`partial` ``template`` with the arguments it left."""
    return Text(template[0].format_map(args), template[1].format_map(args))


class _Left(dict[str, str]):
    """Arguments by name; a name not given is left as ``{name}``."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def join(texts: Sequence[Text], zh_sep: str = "、", en_sep: str = ", ") -> Text:
    return Text(zh_sep.join(x.zh for x in texts), en_sep.join(x.en for x in texts))


def label(lab: model.Label) -> Text:
    return Text(lab.zh, lab.en or lab.zh)


def unit_text(unit: str, en: str = "") -> Text:
    """A unit in both languages: ``en`` when the rule file gives it (``unit: {zh: 户, en:
    households}``), else the built-in name (元 yuan, 月 个月/months, 次 times; 分 none in
    English), else the unit as written."""
    known = FIXED.get("unit." + unit)
    if known is None:
        return Text(unit, en or unit)
    return Text(known.zh, en) if en else known


def bound_text(word: str, value: Fraction, unit: str | Text = "分") -> Text:
    """``90 分以上`` / ``at least 90``: a bound in the policy's own boundary words (``unit``:
    as written, or both languages, as :func:`unit_text` gives them)."""
    u = unit_text(unit) if isinstance(unit, str) else unit
    u = Text(f" {u.zh}" if u.zh else "", f" {u.en}" if u.en else "")
    return t(word, n=fmt(value), u=u)


def range_text(rng: model.Bound, unit: str | Text) -> Text:
    words = ("at_least", "above", "below", "at_most")
    parts = [bound_text(w, v, unit) for w in words if (v := getattr(rng, w)) is not None]
    return join(parts, "、", " and ")
