"""The engine: a compiled rule set that tiers organizations.

``Engine(ruleset)`` compiles the condition rules into two durable_rules matchers — stage 1 for
every rule that reads facts only (indicator conditions, and the vetoes and flags that need no
score), stage 2 for the vetoes and flags that read the score, dimension subtotals or points. Each stage is matched group by group, each group of
rules remembering its outcomes by the values it reads, or by where they lie among the literals
they are compared with (:mod:`tierlib._match_groups`). Scoring,
banding and veto precedence are exact Python (:mod:`tierlib._decide`). ``evaluate`` returns a :class:`~tierlib.decision.Decision` with a
flat, located trace.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tierlib import _score, model
from tierlib._ast import refs
from tierlib._check import conditions, symbols
from tierlib._decide import MEMO_SIZE, Compiled, Run, Scored, fact_keys, fast_digest
from tierlib._facts import fact_limits, validate
from tierlib._load import canonical
from tierlib._match_groups import GroupedMatcher
from tierlib._scorers import compile_scorer
from tierlib.decision import Decision, fmt
from tierlib.errors import EngineError, FactError, Location, Problem
from tierlib.explain import Explainer, Explanation

if TYPE_CHECKING:
    from tierlib.columnar import TableResult


def ruleset_sha256(ruleset: model.RuleSet) -> str:
    """sha256 of the canonical text of a rule set (formatting and comments do not count)."""
    return hashlib.sha256(canonical(ruleset).encode("utf-8")).hexdigest()


def facts_sha256(org: model.Organization, ruleset: model.RuleSet) -> str:
    """The ``input_sha256`` of ``org``'s decisions under ``ruleset``: sha256 of the canonical JSON
    of its identity and its facts as the rule set reads them (checked and typed: ``"是"`` is
    ``true``, ``"0.870"`` is 0.87, a blank is missing), so an auditor can tell whether saved
    facts are the ones a decision was made from. Raises FactError for unusable facts."""
    bounded, counts = fact_limits(ruleset)
    facts = _checked(org, ruleset, bounded, counts, Location(f"org {org.id}"))
    return fast_digest(org, {k: fmt(v) for k, v in facts.items()}, fact_keys(ruleset.facts))


def _checked(
    org: model.Organization,
    ruleset: model.RuleSet,
    bounded: Mapping[str, Fraction],
    counts: frozenset[str],
    where: Location,
) -> dict[str, model.FactValue]:
    """``org``'s facts checked and typed; raises FactError listing every problem."""
    problems: list[Problem] = []
    types = ruleset.scheme.org_types
    if types and org.type not in types:
        problems.append(
            Problem(
                "F110",
                f"{org.id}: type {org.type!r} is not covered by {ruleset.scheme.id} ({', '.join(types)})",
                where,
            )
        )
    facts, found = validate(org.id, org.facts, ruleset.facts, where)
    problems += found
    for name, limit in bounded.items():
        x = facts.get(name)
        # 0 <= x <= limit, in integers (denominators are positive)
        if isinstance(x, Fraction) and not (
            x.numerator >= 0 and x.numerator * limit.denominator <= limit.numerator * x.denominator
        ):
            problems.append(
                Problem("F107", f"{org.id}: {name}: {fmt(x)} is outside 0–{fmt(limit)}", where)
            )
    for name in counts:
        x = facts.get(name)
        if isinstance(x, Fraction) and x.numerator < 0:
            problems.append(
                Problem("F104", f"{org.id}: {name}: a count cannot be negative ({fmt(x)})", where)
            )
    if problems:
        raise FactError(problems)
    return facts


class Engine:
    """A compiled rule set. Thread-safe; call :meth:`close` (or use ``with``) to free it.

    Results are pure functions of the values they read, so an engine remembers up to
    ``memo_size`` of each kind (an indicator's points and trace, a durable_rules match, an
    explanation line) and returns the same objects when values repeat; ``memo_size=0`` turns
    every memo off. Decisions and explanations are identical either way.
    """

    def __init__(self, ruleset: model.RuleSet, *, memo_size: int = MEMO_SIZE) -> None:
        if memo_size < 0:
            raise ValueError(f"memo_size must be 0 or more, not {memo_size}")
        self.ruleset = ruleset
        self.memo_size = memo_size
        self.sha256 = ruleset_sha256(ruleset)
        # the files the rule set was read from, with the sha256 of their bytes (provenance)
        self.rule_files = tuple(zip(ruleset.sources, ruleset.source_sha256, strict=False))
        rules = conditions(ruleset)
        kinds = symbols(ruleset, computed=True)
        self._lock = threading.Lock()
        self._closed = False
        self._explainer = Explainer(ruleset, memo_size=memo_size)
        self._columnar_plan: Any = None  # tierlib.columnar's plan, built on first use
        self._scored: dict[Any, Scored] = {}  # indicator results by inputs (see _decide)
        computed = kinds.keys() - symbols(ruleset, computed=False).keys()
        # stage 2 holds only the rules that read a computed value; the rest run in stage 1
        late = {
            rid for rid, expr, may in rules if may and any(r.name in computed for r in refs(expr))
        }
        self._stage1 = GroupedMatcher(
            {rid: expr for rid, expr, _ in rules if rid not in late}, kinds, memo_size
        )
        self._stage2 = GroupedMatcher(
            {rid: expr for rid, expr, _ in rules if rid in late}, kinds, memo_size
        )
        inputs = {ind.id: tuple(_score.inputs_of(ind)) for ind in ruleset.indicators}
        step_locs = _step_locs(ruleset)
        rules_of = {
            ind.id: frozenset(
                rid for rid, _, may in rules if not may and rid.partition("/")[0] == ind.id
            )
            for ind in ruleset.indicators
        }
        bounded, counts = fact_limits(ruleset)
        scorers = {
            ind.id: compile_scorer(ind, inputs[ind.id], step_locs) for ind in ruleset.indicators
        }
        self._c = Compiled(
            tier_index={t.id: k for k, t in enumerate(ruleset.tiers)},
            dims={
                d.id: tuple(i.id for i in ruleset.indicators if i.dimension == d.id and not i.bonus)
                for d in ruleset.dimensions
            },
            bounded=bounded,
            bonus=frozenset(i.id for i in ruleset.indicators if i.bonus),
            step_locs=step_locs,
            cond_names={
                **{f"veto/{v.id}": _names(v.when) for v in ruleset.vetoes},
                **{f"flag/{f.id}": _names(f.when) for f in ruleset.flags},
            },
            tier_locs={t.id: t.loc for t in ruleset.tiers},
            all_inputs=frozenset(n for names in inputs.values() for n in names),
            dim_notes={d.id: f"max {fmt(d.max)}" for d in ruleset.dimensions},
            dim_names={d.id: f"dimension.{d.id}" for d in ruleset.dimensions},
            point_names={i.id: f"points.{i.id}" for i in ruleset.indicators},
            tier_of=_score.compile_tier_of(ruleset.tiers, ruleset.below_lowest),
            fact_keys=fact_keys(ruleset.facts),
            plan=tuple(
                (ind, ind.id, inputs[ind.id], rules_of[ind.id], scorers[ind.id])
                for ind in ruleset.indicators
            ),
            counts=counts,
        )

    @classmethod
    def from_file(cls, path: str, *, memo_size: int = MEMO_SIZE) -> Engine:
        """Load, check and compile the rule file at ``path``."""
        from tierlib._load import load

        return cls(load(path), memo_size=memo_size)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Free the compiled rules; idempotent. Evaluating afterwards raises EngineError."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._stage1.close()
                self._stage2.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def facts(
        self, org: model.Organization, where: Location | None = None
    ) -> dict[str, model.FactValue]:
        """The organization's facts checked and typed; raises FactError listing every problem.

        ``where`` locates the organization in its data file (e.g. ``county.csv:17``)."""
        where = where or Location(f"org {org.id}")
        return _checked(org, self.ruleset, self._c.bounded, self._c.counts, where)

    def evaluate(self, org: model.Organization, where: Location | None = None) -> Decision:
        """Tier one organization. Raises FactError for unusable facts, EngineError if closed."""
        if self._closed:
            raise EngineError("the engine is closed")
        facts = self.facts(org, where)
        return Run(self, org, facts).decide()

    def explain(self, decision: Decision) -> Explanation:
        """``tierlib.explain(decision, self.ruleset)``, with the rule set's phrases built once."""
        return self._explainer(decision)

    def evaluate_table(
        self,
        data: Any,
        *,
        chunk_size: int | None = None,
        where: str | Sequence[Location] = "<table>",
        workers: int | None = None,
        once_a_year: bool = False,
        ignore_columns: Iterable[str] = (),
    ) -> TableResult:
        """Decide every row of a table with numpy: :func:`tierlib.columnar.evaluate_table`."""
        from tierlib.columnar import evaluate_table

        return evaluate_table(
            self,
            data,
            chunk_size=chunk_size,
            where=where,
            workers=workers,
            once_a_year=once_a_year,
            ignore_columns=ignore_columns,
        )

    def evaluate_many(self, orgs: Iterable[model.Organization]) -> Iterator[Decision | FactError]:
        """Decisions in input order; an organization with bad facts yields its FactError instead."""
        for org in orgs:
            try:
                yield self.evaluate(org)
            except FactError as exc:
                yield exc

    def _match(
        self, stage: int, values: Mapping[str, model.FactValue]
    ) -> tuple[frozenset[str], frozenset[str]]:
        matcher = self._stage1 if stage == 1 else self._stage2
        with self._lock:
            if self._closed:
                raise EngineError("the engine is closed")
        return matcher.match_all(values)


def _names(expr: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r.name for r in refs(expr)))


def _step_locs(rs: model.RuleSet) -> dict[tuple[str, str], Location]:
    """Where each step the scorer reports is written: items, bands or the method's spec."""
    out: dict[tuple[str, str], Location] = {}
    for ind in rs.indicators:
        for item in itertools.chain(ind.checklist or (), ind.deductions or ()):
            out.setdefault((ind.id, item.id), item.loc)
        if ind.bands is not None:
            for j, band in enumerate(ind.bands.bands):
                out.setdefault((ind.id, band.id or str(j)), band.loc)
            out.setdefault((ind.id, "otherwise"), ind.bands.loc)
        for spec in (ind.linear, ind.per_unit, ind.assessed):
            if spec is not None:
                out.setdefault((ind.id, spec.fact), spec.loc)
        if ind.all_or_nothing is not None:
            out.setdefault((ind.id, ind.id), ind.all_or_nothing.loc)
    return out
