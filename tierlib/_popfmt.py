"""Numbers and phrases of the population explanations: percentages, scores, tier names, counts
in words, places, and the JSON form of the results.

Private: the results in :mod:`tierlib.population` use these for ``reason_zh`` / ``reason_en``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import attrs

from tierlib._popbase import Labels
from tierlib.decision import fmt_fraction
from tierlib.model import Label


def pct_exact(share: Fraction) -> str:
    """``share`` as a percentage, exact when it terminates (``10%``, ``12.5%``)."""
    return fmt_fraction(share * 100) + "%"


def pct_rounded(x: Fraction, digits: int = 2) -> str:
    """``x`` as a percentage rounded half up to ``digits`` decimals (``3.76%``)."""
    scaled = abs(x) * 100 * 10**digits
    q = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    sign = "-" if x < 0 and q else ""
    if digits == 0:
        return f"{sign}{q}%"
    text = str(q).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}%"


def num_json(x: Fraction | None) -> str | None:
    return None if x is None else fmt_fraction(x, exact=True)


def signed(x: Fraction) -> str:
    """``x`` with its sign, exact when it terminates (``+2.5``, ``-3``, ``0``)."""
    return "+" + fmt_fraction(x) if x > 0 else fmt_fraction(x)


def score_text(score: Fraction | None, lang: str) -> str:
    if score is None:
        return "无分数" if lang == "zh" else "no score"
    return f"{fmt_fraction(score)}分" if lang == "zh" else f"score {fmt_fraction(score)}"


def tier_name(tier: str | None, labels: Labels, lang: str) -> str:
    if tier is None:
        return "不定级" if lang == "zh" else "unrated"
    label = labels.get(tier) if labels else None
    return label.text(lang) if label is not None else tier


def tiers_text(tiers: Iterable[str], labels: Labels, lang: str) -> str:
    names = [tier_name(t, labels, lang) for t in tiers]
    return "、".join(names) if lang == "zh" else " or ".join(names)


_ZH_NUM = "零一两三四五六七八九十"
_EN_NUM = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def zh_count(n: int) -> str:
    return _ZH_NUM[n] if 0 <= n <= 10 else str(n)


def en_classes(n: int) -> str:
    word = _EN_NUM[n] if 0 <= n <= 10 else str(n)
    return f"{word} class" if n == 1 else f"{word} classes"


def ordinal_en(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_TYPE_ZH = {"village": "村党组织", "community": "社区党组织"}


def type_zh(org_type: str) -> str:
    return _TYPE_ZH.get(org_type, f"{org_type}党组织")


def place(county: str, township: str | None, lang: str) -> str:
    parts = [p for p in (county, township) if p]
    if not parts:
        return "（未注明）" if lang == "zh" else "(unnamed)"
    return "".join(parts) if lang == "zh" else ", ".join(reversed(parts))


def as_json(value: Any) -> Any:
    """JSON-ready data of a result: attrs classes as dicts (in field order), exact fractions as
    text, dates in ISO form, labels as ``{"zh", "en"}``."""
    if isinstance(value, Label):
        return {"zh": value.zh, "en": value.en or value.zh}
    if attrs.has(type(value)):
        return {f.name: as_json(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, Fraction):
        return fmt_fraction(value, exact=True)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [as_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    return value
