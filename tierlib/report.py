"""Plain-text reports over a population of decisions: distributions, quota lists, transitions,
biggest risers.

Used by ``tierlib summary`` and ``tierlib compare-years``; pure functions returning text. The
decisions are :class:`~tierlib.decision.Decision` objects or anything with the attributes of
:class:`tierlib.population.Rated` (the CLI passes :class:`~tierlib.tables.Outcome` rows).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

from tierlib import population as pop
from tierlib._popfmt import type_zh
from tierlib.model import RuleSet
from tierlib.render import plain

Lang = Literal["zh", "en"]


def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _names(decisions: Sequence[pop.Rated]) -> dict[str, str]:
    """Each organization's id and name as one line of text (both come from the data)."""
    return {d.org_id: plain(f"{d.org_id} {d.org_name}".rstrip()) for d in decisions}


def _distribution_lines(dist: pop.Distribution, ruleset: RuleSet, lang: Lang) -> list[str]:
    out = []
    for tier in ruleset.tiers:
        out.append(
            f"  {tier.label.text(lang):<10} {dist.count(tier.id):>5}  {dist.percent(tier.id, 1):>7}"
        )
    if dist.unrated:
        out.append(f"  {_t(lang, '不定级', 'unrated'):<10} {dist.unrated:>5}")
    if dist.pending:
        out.append(f"  {_t(lang, '待定', 'pending'):<10} {dist.pending:>5}")
    return out


def summary_text(
    ruleset: RuleSet,
    decisions: Sequence[pop.Rated],
    by: Literal["county", "township"] = "township",
    lang: Lang = "zh",
) -> str:
    """Tier distribution overall and per ``by``, then every quota list with its reasons."""
    order, labels = pop.tier_order(ruleset), pop.tier_labels(ruleset)
    lines: list[str] = []
    year = next((d.year for d in decisions if d.year is not None), None)
    total = pop.distribution(decisions, order, labels=labels)
    lines.append(
        _t(
            lang,
            f"{year or ''} 年分类定级分布（{total.total} 个）",
            f"Tier distribution {year or ''} ({total.total})",
        )
    )
    lines += _distribution_lines(total, ruleset, lang)
    for dist in pop.distribution(decisions, order, by, labels=labels):
        place = dist.township if by == "township" else dist.county
        lines.append(f"\n{plain(place or '-')} ({dist.total})")
        lines += _distribution_lines(dist, ruleset, lang)
    names = _names(decisions)
    for result in pop.apply_quotas(ruleset, decisions):
        lines.append(
            "\n" + _t(lang, f"倒排：{result.label.zh}", f"Quota: {result.label.text('en')}")
        )
        for group in result.groups:
            lines.append("  " + (group.reason_zh if lang == "zh" else group.reason_en))
            for entry in group.listed:
                reason = entry.reason_zh if lang == "zh" else entry.reason_en
                lines.append(f"    {names.get(entry.org_id, plain(entry.org_id))}: {reason}")
            for item in group.unranked:
                reason = item.reason_zh if lang == "zh" else item.reason_en
                lines.append(f"    {names.get(item.org_id, plain(item.org_id))}: {reason}")
    return "\n".join(lines) + "\n"


def compare_text(
    ruleset: RuleSet, before: Sequence[pop.Rated], after: Sequence[pop.Rated], lang: Lang = "zh"
) -> str:
    """Transition matrix between two years, promotions and demotions, the organizations that
    rose the most in each township, and history rules."""
    order, labels = pop.tier_order(ruleset), pop.tier_labels(ruleset)
    cmp = pop.compare_years(before, after, order, labels=labels)
    m = cmp.matrix
    names = [t.label.text(lang) for t in ruleset.tiers]
    lines = [cmp.reason_zh if lang == "zh" else cmp.reason_en, ""]
    lines.append(f"{m.from_year}→{m.to_year}".ljust(12) + "".join(f"{n:>10}" for n in names))
    for k, row in enumerate(m.counts):
        lines.append(f"{names[k]:<12}" + "".join(f"{c:>10}" for c in row))
    lines.append("")
    lines.append(
        _t(
            lang,
            f"晋档 {cmp.promotions} 个，降档 {cmp.demotions} 个；新增 {m.entered}，撤并 {m.left}，无法比较 {m.undetermined}",
            f"promoted {cmp.promotions}, demoted {cmp.demotions}; entered {m.entered}, left {m.left}, undetermined {m.undetermined}",
        )
    )
    steps = Counter(t.text for t in cmp.transitions if t.direction == "up" and (t.steps or 0) > 1)
    for text, n in sorted(steps.items()):
        lines.append(f"  {text}: {n}")
    named = _names([*before, *after])
    types = sorted({d.org_type for d in [*before, *after]}, key=lambda t: (t != "village", t))
    for org_type in types:  # villages compete with villages, communities with communities
        lines.append(
            "\n"
            + _t(
                lang,
                f"晋位最多（各乡镇，{type_zh(org_type)}）",
                f"Rose the most (per township, {org_type} organizations)",
            )
        )
        risers = pop.biggest_risers(before, after, order, org_type=org_type, labels=labels)
        for group in risers:
            lines.append("  " + (group.reason_zh if lang == "zh" else group.reason_en))
            for riser in group.risers:
                reason = riser.reason_zh if lang == "zh" else riser.reason_en
                lines.append(f"    {named.get(riser.org_id, plain(riser.org_id))}: {reason}")
    histories = pop.history({m.from_year or 0: list(before), m.to_year or 0: list(after)})
    for streak in ruleset.streaks:
        results = pop.check_streaks(streak, histories, labels=labels)
        fired = [r for r in results.values() if r.outcome == "fires"]
        unknown = [r for r in results.values() if r.outcome == "cannot determine"]
        lines.append(
            "\n"
            + _t(
                lang,
                f"{streak.label.zh}：{len(fired)} 个需{streak.action.zh}，{len(unknown)} 个无法确定",
                f"{streak.label.text('en')}: {len(fired)} fire ({streak.action.text('en')}), {len(unknown)} cannot be determined",
            )
        )
        for r in sorted(fired + unknown, key=lambda r: r.org_id):
            reason = r.reason_zh if lang == "zh" else r.reason_en
            lines.append(f"  {named.get(r.org_id, plain(r.org_id))}: {reason}")
    return "\n".join(lines) + "\n"
