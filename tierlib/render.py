"""Render an :class:`~tierlib.explain.Explanation` as plain text, Markdown, JSON or HTML.

Text and Markdown and HTML are built from one list of sections, so the three always say the
same thing. Plain text aligns columns by display width (CJK characters count two), never
uses colour codes, and ends with a newline. HTML is one self-contained page; every string
that came from the rule file or the facts is escaped.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata

import attrs

from tierlib.explain import Explanation, Fact, Lang, Text

__all__ = ["plain", "to_html", "to_json", "to_markdown", "to_text", "width"]


@attrs.frozen
class _Row:
    cells: tuple[str, ...]
    note: bool = False  # a free line under the previous row, not aligned


@attrs.frozen
class _Section:
    title: str
    rows: tuple[_Row, ...]


_TITLES = {
    "reasons": Text("决定因素", "Reasons"),
    "indicators": Text("指标得分", "Indicators"),
    "dimensions": Text("维度小计", "Dimensions"),
    "score": Text("得分计算", "Score"),
    "flags": Text("预警", "Flags"),
    "next": Text("晋档提示", "Next tier"),
    "provenance": Text("来源", "Provenance"),
}
_STATES = {
    "decisive": Text("决定", "decisive"),
    "outweighed": Text("被压过", "outweighed"),
    "idle": Text("未起作用", "no effect"),
    "undetermined": Text("无法判定", "undetermined"),
    "applies": Text("已触发", "applies"),
    "raised": Text("已亮灯", "raised"),
}
_SOURCE = Text("依据：", "source: ")
_POINTS = {
    "rescale": Text("剔除", "excluded"),
    "pending": Text("待定", "pending"),
}


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def plain(text: str) -> str:
    """``text`` on one line for a terminal: each run of control characters (a line break in a
    name, an escape sequence) becomes one space, so data can neither break a table's layout
    nor drive the terminal."""
    return _CONTROL.sub(" ", text) if _CONTROL.search(text) else text


def width(text: str) -> int:
    """Display width of ``text`` in a terminal: wide and full-width characters count two."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def _facts(facts: tuple[Fact, ...], lang: Lang) -> str:
    sep = "；" if lang == "zh" else "; "
    return sep.join(f"{f.label.get(lang)} = {f.shown(lang)}" for f in facts)


def _title(e: Explanation, lang: Lang) -> str:
    name = f"{e.org_name} ({e.org_id})" if e.org_name else e.org_id
    if e.year is not None:
        name += f" {e.year} 年" if lang == "zh" else f", {e.year}"
    score = ""
    if e.total is not None:
        score = f"，{e.total} 分" if lang == "zh" else f", score {e.total}"
    sep = "：" if lang == "zh" else ": "
    return f"{name}{sep}{e.outcome.get(lang)}{score}"


def _sections(e: Explanation, lang: Lang) -> list[_Section]:
    t = lang
    out: list[_Section] = []
    rows = []
    for r in e.reasons:
        state = _STATES[r.state].get(t)
        rows.append(_Row((f"[{state}]", r.label.get(t), r.summary.get(t), r.at)))
        if r.facts:
            rows.append(_Row((_facts(r.facts, t),), note=True))
        if r.source:
            rows.append(_Row((_SOURCE.get(t) + r.source,), note=True))
    if rows:
        out.append(_Section(_TITLES["reasons"].get(t), tuple(rows)))
    rows = []
    last = ""
    for ind in e.indicators:
        shown = ind.points if ind.points is not None else _POINTS.get(ind.policy, Text("—", "—"))
        pts = shown if isinstance(shown, str) else shown.get(t)
        dim = ind.dimension.get(t)
        shown_dim, last = ("" if dim == last else dim), dim  # a dimension is named once
        cells = (shown_dim, ind.label.get(t), f"{pts}/{ind.max}", ind.method.get(t), ind.at)
        rows.append(_Row(cells))
        if ind.missing is not None:
            rows.append(_Row((ind.missing.get(t),), note=True))
        if ind.source:
            rows.append(_Row((_SOURCE.get(t) + ind.source,), note=True))
        for s in ind.steps:
            rows.append(_Row(("", "· " + s.label.get(t), s.points, s.how.get(t), s.at)))
            if s.facts:
                rows.append(_Row((_facts(s.facts, t),), note=True))
    out.append(_Section(_TITLES["indicators"].get(t), tuple(rows)))
    rows = []
    for d in e.dimensions:  # a subtotal waiting for a member's data reads 待定 / pending
        value = _POINTS["pending"].get(t) if d.value == "pending" else d.value
        rows.append(_Row((d.label.get(t), f"{value}/{d.max}", d.at)))
    out.append(_Section(_TITLES["dimensions"].get(t), tuple(rows)))
    rows = [_Row((s.label.get(t), s.at)) for s in e.score]
    if rows:
        out.append(_Section(_TITLES["score"].get(t), tuple(rows)))
    rows = []
    for f in e.flags:
        state = _STATES.get(f.value, Text(f.value, f.value)).get(t)
        rows.append(_Row((f.label.get(t), state, _facts(f.facts, t), f.at)))
        if f.note is not None:
            rows.append(_Row((f.note.get(t),), note=True))
    if rows:
        out.append(_Section(_TITLES["flags"].get(t), tuple(rows)))
    if e.next_tier is not None:
        out.append(_Section(_TITLES["next"].get(t), (_Row((e.next_tier.text.get(t),)),)))
    p = e.provenance
    labels = (
        ("规则集", "rule set"),
        ("规则 sha256", "rules sha256"),
        ("tierlib", "tierlib"),
        ("输入 sha256", "input sha256"),
    )
    values = (
        f"{p.ruleset_id} {p.ruleset_version}",
        p.ruleset_sha256,
        p.tierlib_version,
        p.input_sha256,
    )
    rows = [_Row((Text(*k).get(t), v)) for k, v in zip(labels, values)]
    for path, sha in p.rule_files:  # the files whose lines are cited, as they were read
        rows.append(_Row((Text("规则文件", "rule file").get(t), f"{plain(path)}  sha256 {sha}")))
    out.append(_Section(_TITLES["provenance"].get(t), tuple(rows)))
    return [section for section in out if section.rows]


def _align(rows: tuple[_Row, ...], indent: str) -> list[str]:
    cols: dict[int, int] = {}
    for r in rows:
        if not r.note:
            for k, cell in enumerate(r.cells[:-1]):
                cols[k] = max(cols.get(k, 0), width(cell))
    lines = []
    under = indent + " " * (cols[0] + 4 if len(cols) > 1 else 4)
    for r in rows:
        if r.note:
            lines.append(f"{under}{r.cells[0]}".rstrip())
            continue
        cells = [c + " " * (cols[k] - width(c)) for k, c in enumerate(r.cells[:-1])]
        lines.append((indent + "  ".join([*cells, r.cells[-1]])).rstrip())
    return lines


def to_text(explanation: Explanation, lang: Lang) -> str:
    """Plain text for terminals and files: aligned (CJK-width aware), no ANSI codes, and no
    control characters from the data (see :func:`plain`)."""
    e = explanation
    lines = [_title(e, lang), e.headline.get(lang)]
    for section in _sections(e, lang):
        lines += ["", section.title, *_align(section.rows, "  ")]
    return "\n".join(map(plain, lines)) + "\n"


def to_json(explanation: Explanation) -> str:
    """Canonical JSON (both languages): byte-identical for the same decision and rule set."""
    data = attrs.asdict(explanation)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _md(text: str) -> str:
    return (
        plain(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def to_markdown(explanation: Explanation, lang: Lang) -> str:
    """GitHub-flavoured Markdown: the headline, then one table per section."""
    e = explanation
    lines = [f"# {_md(_title(e, lang))}", "", f"**{_md(e.headline.get(lang))}**"]
    for section in _sections(e, lang):
        lines += ["", f"## {_md(section.title)}", ""]
        n = max(len(r.cells) for r in section.rows)
        lines += ["|" + " |" * n, "|" + "---|" * n]
        for r in section.rows:
            cells = [_md(c) for c in r.cells]
            if r.note:
                cells = ["", f"*{cells[0]}*"] if n > 1 else [f"*{cells[0]}*"]
            cells += [""] * (n - len(cells))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


_CSS = (
    "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;"
    "color:#222}h1{font-size:1.4em}.headline{font-size:1.15em;font-weight:600;"
    "border-left:4px solid #b22;padding:.4em .8em;background:#fbeeee}"
    "table{border-collapse:collapse;margin-bottom:1em}td{padding:.2em .6em;"
    "vertical-align:top;border-bottom:1px solid #ddd}td.note{color:#555;font-size:.9em}"
    "code{font-size:.85em;color:#555}"
)


def to_html(explanation: Explanation, lang: Lang) -> str:
    """One self-contained HTML page; every rule-file and fact string is escaped."""
    e = explanation
    esc = html.escape
    title = esc(_title(e, lang))
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
        f'<head><meta charset="utf-8"><title>{title}</title><style>{_CSS}</style></head>',
        "<body>",
        f"<h1>{title}</h1>",
        f'<p class="headline">{esc(e.headline.get(lang))}</p>',
    ]
    for section in _sections(e, lang):
        out.append(f"<h2>{esc(section.title)}</h2>")
        out.append("<table>")
        n = max(len(r.cells) for r in section.rows)
        for r in section.rows:
            if r.note:
                note = f'<td class="note" colspan="{max(n - 1, 1)}">{esc(r.cells[0])}</td>'
                out.append(f"<tr><td></td>{note}</tr>")
                continue
            cells = [f"<td>{esc(c)}</td>" for c in r.cells[:-1]]
            last = r.cells[-1]
            is_loc = last.count(":") >= 2 and last.rsplit(":", 2)[-1].isdigit()
            cells.append(
                f"<td><code>{esc(last)}</code></td>" if is_loc else f"<td>{esc(last)}</td>"
            )
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
