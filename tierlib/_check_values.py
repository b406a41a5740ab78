"""E314: a text fact compared with a text that is not among its declared ``values:``.

``level == "优秀"`` where ``level`` is declared ``{kind: string, values: [好, 较好, 一般]}`` can
never hold (the data may only hold the listed texts), so the rule would silently never (for
``!=`` and ``not in``: always) apply. Each such text is reported at its place, with the
closest value as "did you mean", else the values. Part of :func:`tierlib._check.check_ruleset`.
"""

from __future__ import annotations

from collections.abc import Iterable

from tierlib import _ast, model
from tierlib._unparse import to_text
from tierlib.errors import Problem, close_match

__all__ = ["unknown_values"]


def unknown_values(
    rs: model.RuleSet, rules: Iterable[tuple[str, _ast.Expr, bool]]
) -> list[Problem]:
    """E314 for every text compared with a string fact that does not list it under ``values:``."""
    allowed = {
        name: spec.values
        for name, spec in rs.facts.items()
        if spec.kind == "string" and spec.values is not None
    }
    out: list[Problem] = []
    for _, expr, _ in rules:
        for node in _ast.nodes(expr):
            pairs: list[tuple[_ast.Expr, _ast.Expr]] = []
            if isinstance(node, _ast.Compare) and node.op in ("==", "!="):
                pairs = [(node.left, node.right), (node.right, node.left)]
            elif isinstance(node, _ast.In):
                pairs = [(node.item, option) for option in node.options]
            for ref, text in pairs:
                if not (isinstance(ref, _ast.Ref) and isinstance(text, _ast.Str)):
                    continue
                values = allowed.get(ref.name)
                if values is not None and text.value not in values:
                    out.append(_problem(ref.name, text, values, node))
    return out


def _problem(name: str, text: _ast.Str, values: tuple[str, ...], node: _ast.Expr) -> Problem:
    listed = ", ".join(values)
    close = close_match(text.value, values) or _containing(text.value, values)
    hint = f"did you mean {close!r}?" if close is not None else f"write one of {listed}"
    if isinstance(node, _ast.Compare):
        verdict = f"{to_text(node)!r} is always {'true' if node.op == '!=' else 'false'}"
    else:
        verdict = f"this item of {to_text(node)!r} never matches"
    return Problem(
        "E314",
        f"{text.value!r} is not one of the values of {name} ({listed}), so {verdict}",
        text.loc,
        hint,
    )


def _containing(text: str, values: tuple[str, ...]) -> str | None:
    """The one value that contains ``text`` or is contained in it (好 for 好的), if just one."""
    found = [v for v in values if v and (v in text or text in v)]
    return found[0] if len(found) == 1 else None
