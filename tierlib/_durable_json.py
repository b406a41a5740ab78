"""Condition AST → durable_rules JSON and engine limits (never imports durable).

:mod:`tierlib._durable` runs what this module produces, with facts checked and encoded by
:mod:`tierlib._durable_facts`. Everything here is pure and exact:

* Reference names become internal fields (``v0``, ``v1``, …; hoisted comparisons ``d0``, …)
  whose 32-bit FNV-1a hashes — the only thing durable_rules keys properties by — are distinct
  from each other and from durable's reserved names.
* ``not`` is pushed into the comparisons, ``in`` becomes an ``$or`` of ``$eq`` (``not in`` an
  ``$and`` of ``$neq``), booleans are 1/0, and every condition object has exactly one key.
* A comparison of a reference with a literal or with another reference is left to
  durable_rules; anything else (arithmetic, string ordering, numbers beyond 2**53) is *hoisted*:
  the sign of ``left - right`` is computed exactly in Python and posted as a derived field that
  the rule compares with 0. Constant comparisons are folded.

Limits measured on durable_rules 2.0.28 (see :func:`limit_problems`): the alpha-network
traversal stack holds 64 nodes (error 303 beyond), an alpha node's child table has 512 slots
(lookups loop forever when it is full), a node links at most 128 ``$or`` joins, a rule holds at
most 15 ``$and``/``$or`` groups (error 113 at 16) and a fact at most 254 properties, three of
which (``sid``, ``id`` and the marker) are tierlib's (error 302 beyond).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, TypeAlias

import attrs

from tierlib._ast import (
    Arith,
    Bool,
    BoolOp,
    Compare,
    CompareOp,
    Expr,
    In,
    Not,
    Num,
    Ref,
    Str,
    nodes,
    refs,
)
from tierlib._durable_facts import MARKER, Derived, Encoder, dumps, exact
from tierlib._evaluate import evaluate
from tierlib._typecheck import Kind
from tierlib.errors import Location, Problem

__all__ = [
    "SENTINEL",
    "Json",
    "Kind",
    "Plan",
    "compile_plan",
    "limit_problems",
]

Json: TypeAlias = dict[str, Any]

SENTINEL = "s"  # internal name of the catch-all rule; condition rules are r0, r1, …
MAX_MATCHING = 63  # traversal stack: 64 measured, one kept in reserve
MAX_CHILDREN = 256  # children of one alpha node: 512 slots, a full table hangs
MAX_JOINS = 100  # $or joins linked from one alpha node: 128 (error 107 beyond)
MAX_GROUPS = 15  # $and/$or groups in one rule: 16 fail with error 113
MAX_FIELDS = 251  # 254 properties per fact minus sid, id and the marker

_OPS: dict[CompareOp, str] = {
    "<": "$lt",
    "<=": "$lte",
    ">": "$gt",
    ">=": "$gte",
    "==": "$eq",
    "!=": "$neq",
}
_FLIP: dict[CompareOp, CompareOp] = {
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
    "==": "==",
    "!=": "!=",
}
_NEGATE: dict[CompareOp, CompareOp] = {
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "==": "!=",
    "!=": "==",
}
_RESERVED = ("sid", "id", "$s", MARKER, "$m", "$and", "$or", "$nex", "$ex", "$forward", "label")


def fnv1a(name: str) -> int:
    """durable_rules' 32-bit property-name hash (ASCII names only)."""
    value = 2166136261
    for byte in name.encode("ascii"):
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


_RESERVED_HASHES = frozenset(fnv1a(name) for name in _RESERVED)


@attrs.define
class Plan(Encoder):
    """A compiled rule set: durable JSON per rule, on top of what :class:`Encoder` needs for facts."""

    conditions: dict[str, Json] = attrs.Factory(dict)  # rule id -> the rule's "m" condition
    field_counts: dict[str, int] = attrs.Factory(dict)  # rule id -> fields posted so far
    _hashes: set[int] = attrs.Factory(lambda: set(_RESERVED_HASHES))
    _counter: int = 0

    # ------------------------------------------------------------ translation

    def add_rule(self, rule_id: str, expr: Expr) -> Json:
        """Translate one boolean condition; returns (and records) its durable condition."""
        used: set[str] = set()
        cond = self._cond(expr, True, used)
        items = cond.get("$and", [cond])
        self.conditions[rule_id] = {"$and": [self.marker(True), *items]}
        self.rule_names[rule_id] = frozenset(r.name for r in refs(expr))
        self.rule_derived[rule_id] = frozenset(used)
        self.rule_divisors[rule_id] = frozenset(
            n.right for n in nodes(expr) if isinstance(n, Arith) and n.op == "/"
        )
        self.divisors |= self.rule_divisors[rule_id]
        self.referenced |= self.rule_names[rule_id]
        self.field_counts[rule_id] = len(self.fields) + len(self.derived)
        return self.conditions[rule_id]

    def marker(self, positive: bool) -> Json:
        """The marker test: always true (or, negated, always false) for tierlib's facts."""
        return {"$eq" if positive else "$neq": {MARKER: self.token}}

    def _name(self, prefix: str) -> str:
        while True:
            name, self._counter = f"{prefix}{self._counter}", self._counter + 1
            if fnv1a(name) not in self._hashes:
                self._hashes.add(fnv1a(name))
                return name

    def _cond(self, expr: Expr, positive: bool, used: set[str]) -> Json:
        if isinstance(expr, Not):
            return self._cond(expr.operand, not positive, used)
        if isinstance(expr, BoolOp):
            group = "$and" if (expr.op == "and") == positive else "$or"
            return self._group(group, [self._cond(o, positive, used) for o in expr.operands])
        if isinstance(expr, In):
            parts = tuple(
                Compare("!=" if expr.negated else "==", expr.item, o, expr.loc)
                for o in expr.options
            )
            joined = BoolOp("and" if expr.negated else "or", parts, expr.loc)
            return self._cond(joined, positive, used)
        if isinstance(expr, Compare):
            op = expr.op if positive else _NEGATE[expr.op]
            return self._compare(op, expr.left, expr.right, used)
        # a boolean reference or literal: compare it with true
        return self._compare("==" if positive else "!=", expr, Bool(True, expr.loc), used)

    def _group(self, group: str, items: list[Json]) -> Json:
        flat = [i for item in items for i in item.get(group, [item])]
        if not flat:
            return self.marker(group == "$and")
        return flat[0] if len(flat) == 1 else {group: flat}

    def _compare(self, op: CompareOp, left: Expr, right: Expr, used: set[str]) -> Json:
        left, right = _fold(left), _fold(right)
        if _is_literal(left) and _is_literal(right):
            return self.marker(bool(evaluate(Compare(op, left, right, left.loc), {})))
        if _is_literal(left) and isinstance(right, Ref):
            op, left, right = _FLIP[op], right, left
        if isinstance(left, Ref):
            kind = self._kind(left, right)
            ordered_strings = kind == "string" and op not in ("==", "!=")
            if isinstance(right, Num | Str | Bool) and not ordered_strings:
                value = _literal(right)
                if value is not None:
                    field = self._field(left.name)
                    if isinstance(right, Num):
                        doubles = self.literals.setdefault(field, {})
                        doubles.setdefault(float(right.value), set()).add(right.value)
                    return {_OPS[op]: {field: value}}
            if isinstance(right, Ref) and not ordered_strings:
                if kind == "number":
                    self.pairs.add((left.name, right.name))
                return {_OPS[op]: {self._field(left.name): {"$m": self._field(right.name)}}}
        return {_OPS[op]: {self._hoist(left, right, used): 0}}

    def _kind(self, ref: Ref, other: Expr) -> Kind:
        kind = self.kinds.get(ref.name)
        if kind is None and isinstance(other, Ref):
            kind = self.kinds.get(other.name)
        if kind is None and isinstance(other, Str):
            kind = "string"
        return kind or ("boolean" if isinstance(other, Bool) else "number")

    def _field(self, name: str) -> str:
        if name not in self.fields:
            self.fields[name] = self._name("v")
        return self.fields[name]

    def _hoist(self, left: Expr, right: Expr, used: set[str]) -> str:
        derived = self.derived.get((left, right))
        if derived is None:
            names = frozenset(r.name for r in [*refs(left), *refs(right)])
            derived = Derived(self._name("d"), left, right, names)
            self.derived[(left, right)] = derived
        used.add(derived.field)
        return derived.field

    # ------------------------------------------------------------ limits

    def problems(self, locations: Mapping[str, Location]) -> list[Problem]:
        """The durable_rules limits this plan exceeds; each limit is reported at the first rule
        (in insertion order) that crosses it, E404 at every rule that exceeds it."""
        net = _Network()
        problems: list[Problem] = []
        for count, (rule, cond) in enumerate(self.conditions.items(), start=1):
            net.add(0, cond)
            stack, widest, joins = net.stack(), net.widest(), net.joins()
            groups, fields = _count_groups(cond), self.field_counts[rule]
            limits = (
                ("E401", count, MAX_MATCHING, "condition rules"),
                ("E401", stack, MAX_MATCHING, "rule paths could match one organization at once "
                 "(each 'or' alternative counts)"),
                ("E402", widest, MAX_CHILDREN, "sibling conditions share one parent "
                 "(each 'in' item and 'or' alternative counts)"),
                ("E402", joins, MAX_JOINS, "'or' groups join at one condition"),
                ("E403", fields, MAX_FIELDS, "values and derived comparisons in one fact"),
                ("E404", groups, MAX_GROUPS, "nested and/or groups in the condition"),
            )  # fmt: skip
            for code, got, most, what in limits:
                if got > most and (code == "E404" or all(p.code != code for p in problems)):
                    message = f"too much for durable_rules: {got} {what}; at most {most}"
                    problems.append(Problem(code, message, locations[rule]))
        return problems


def _fold(expr: Expr) -> Expr:
    """A reference-free operand as a literal (unless evaluating it divides by zero)."""
    if isinstance(expr, Num | Str | Bool | Ref) or refs(expr):
        return expr
    try:
        value = evaluate(expr, {})
    except ZeroDivisionError:
        return expr
    if isinstance(value, bool):
        return Bool(value, expr.loc)
    return Str(value, expr.loc) if isinstance(value, str) else Num(Fraction(value), expr.loc)


def _is_literal(expr: Expr) -> bool:
    return isinstance(expr, Num | Str | Bool)


def _literal(node: Num | Str | Bool) -> int | float | str | None:
    if isinstance(node, Bool):
        return int(node.value)
    return node.value if isinstance(node, Str) else exact(node.value)


def _count_groups(cond: Json) -> int:
    ((op, body),) = cond.items()
    if op in ("$and", "$or"):
        return 1 + sum(_count_groups(c) for c in body)
    return 0


class _Network:
    """A model of the alpha network durable_rules builds, for the limits it can hit."""

    def __init__(self) -> None:
        self.children: list[dict[tuple[str, str, str], int]] = [{}]
        self.forwards: list[list[int]] = [[]]

    def _node(self) -> int:
        self.children.append({})
        self.forwards.append([])
        return len(self.children) - 1

    def add(self, parent: int, cond: Json) -> int:
        """Link ``cond`` below ``parent``; returns the node the next condition hangs from."""
        ((op, body),) = cond.items()
        if op == "$and":
            for item in body:
                parent = self.add(parent, item)
            return parent
        if op == "$or":  # each alternative hangs from parent and links to a new join node
            tails = [self.add(parent, item) for item in body]
            join = self._node()
            for tail in tails:
                self.forwards[tail].append(join)
            return join
        ((field, value),) = body.items()
        key = (field, op, dumps(value))  # durable_rules shares identical children
        if key not in self.children[parent]:
            self.children[parent][key] = self._node()
        return self.children[parent][key]

    def stack(self) -> int:
        """An upper bound on the traversal stack when every condition that can hold does."""
        bound = [0] * len(self.children)
        for node in reversed(range(len(self.children))):  # children have higher numbers
            kids = self.children[node]
            # of the equalities with a literal on one field, at most one holds
            literal_eq = [f for f, op, v in kids if op == "$eq" and not v.startswith("{")]
            width = len(set(literal_eq)) + len(kids) - len(literal_eq) + len(self.forwards[node])
            below = [bound[c] for c in [*kids.values(), *self.forwards[node]]]
            bound[node] = width - 1 + max([1, *below]) if width else 0
        return bound[0]

    def widest(self) -> int:
        return max(len(kids) for kids in self.children)

    def joins(self) -> int:
        return max(len(f) for f in self.forwards)


def compile_plan(rules: Mapping[str, Expr], kinds: Mapping[str, Kind], token: int) -> Plan:
    """Translate every rule (in order) into one :class:`Plan`."""
    plan = Plan(token, kinds)
    for rule, expr in rules.items():
        plan.add_rule(rule, expr)
    return plan


def limit_problems(
    rules: Mapping[str, tuple[Expr, Location]], kinds: Mapping[str, Kind] | None = None
) -> list[Problem]:
    """The durable_rules limits a rule set would hit, as located problems; never hangs.

    Codes: E401 more rules (or ``or`` alternatives) could match one organization at once than
    durable_rules' traversal stack holds; E402 too many sibling conditions under one parent
    (``in`` lists and ``or`` alternatives) or ``or`` groups joining at one condition; E403
    more than 251 values and derived comparisons in the posted fact; E404 a condition with
    more than 15 nested ``and``/``or`` groups. ``kinds`` (optional) refines the translation of
    string comparisons. Computed from the ASTs alone, without touching durable_rules.
    """
    plan = compile_plan({rule: expr for rule, (expr, _) in rules.items()}, kinds or {}, token=1)
    return plan.problems({rule: where for rule, (_, where) in rules.items()})
