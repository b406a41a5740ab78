"""Output columns of tierlib.columnar: exact number columns and the per-chunk writer.

:class:`Sink` holds the full-length result columns of a table (or of one streamed chunk): it
writes the vectorized results of a chunk into its rows, then has ``Engine.evaluate`` decide
the rows the fast path did not vouch for, writing their decisions in place (or recording
their problems as errors). Chunks may be decided by several threads at once: each writes
only its own rows, and a column whose storage changes (wider numerators, a denominator per
row) changes under that column's lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tierlib._columnar_eval import STATUS_CODES, Out, Plan, run
from tierlib._columnar_input import Chunk
from tierlib._columnar_num import Ctx, Mask, Rat
from tierlib.decision import Decision, fmt_fraction
from tierlib.engine import Engine
from tierlib.errors import FactError, Problem

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1


class Exact:
    """A column of exact numbers ``num[i] / den[i]``; ``den[i] == 0`` means none (None).

    ``num`` is an int32 array when every numerator fits (half the memory, and half the fresh
    pages to fault in), else int64, else an object array of Python ints; ``den`` is an int64
    array (object if a value needs more), often one value broadcast over the column.
    """

    __slots__ = ("den", "num")

    def __init__(self, num: NDArray[Any], den: NDArray[Any]) -> None:
        self.num, self.den = num, den

    def __len__(self) -> int:
        return len(self.num)

    @property
    def known(self) -> Mask:
        return np.asarray(self.den != 0)

    def fraction(self, i: int) -> Fraction | None:
        den = int(self.den[i])
        return None if den == 0 else Fraction(int(self.num[i]), den)

    def text(self, i: int) -> str | None:
        """The value as :meth:`Decision.to_dict` writes it (exact decimal, or ``n/d``)."""
        x = self.fraction(i)
        return None if x is None else fmt_fraction(x, exact=True)

    def to_float(self) -> NDArray[np.float64]:
        """Nearest doubles (NaN for none) — for plotting, never for deciding."""
        den = self.den.astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den == 0, np.nan, self.num.astype(np.float64) / den)


class ExactBuf:
    """An exact output column being filled chunk by chunk: numerators preallocated, the
    denominator kept as one number until some row needs its own (then an array)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.num: NDArray[Any] = np.zeros(n, dtype=np.int32)  # widened when a value needs it
        self.den: NDArray[Any] | None = None
        self.uniform: int | None = None
        self._lock = threading.Lock()

    def _widen(self, bound: int) -> None:
        """Make the numerators int64 (from int32) if a value up to ``bound`` may come."""
        if bound > INT32_MAX and self.num.dtype == np.int32:
            self.num = self.num.astype(np.int64)

    def put(self, lo: int, hi: int, r: Rat, known: Mask | None) -> None:
        with self._lock:
            self._put(lo, hi, r, known)

    def _put(self, lo: int, hi: int, r: Rat, known: Mask | None) -> None:
        num, den = r.num, r.den
        if isinstance(num, int) and abs(num) > INT64_MAX:  # rows all slow; rewritten later
            num = 0
        self._widen(abs(num) if isinstance(num, int) else r.nb)
        unknown = None if known is None or known.all() else ~known
        dst = self.num[lo:hi]  # written in place: no chunk-sized temporaries
        np.copyto(dst, num, casting="unsafe")  # fits: _widen saw the bound
        if unknown is not None:
            np.copyto(dst, 0, where=unknown)
        if isinstance(den, int) and den > INT64_MAX:
            den = 1
        uniform = self.den is None and isinstance(den, int) and unknown is None
        if uniform and self.uniform in (None, den):
            assert isinstance(den, int)
            self.uniform = den
            return
        self._own_den()
        assert self.den is not None
        dens = self.den[lo:hi]
        np.copyto(dens, den, casting="unsafe")
        if unknown is not None:
            np.copyto(dens, 0, where=unknown)

    def set(self, j: int, x: Fraction | None) -> None:
        with self._lock:
            self._set(j, x)

    def _set(self, j: int, x: Fraction | None) -> None:
        a, b = (0, 0) if x is None else (x.numerator, x.denominator)
        self._widen(abs(a))
        if self.num.dtype != object and (abs(a) > INT64_MAX or b > INT64_MAX):
            self.num = self.num.astype(object)
            self._own_den()
            assert self.den is not None
            self.den = self.den.astype(object)
        if self.den is None and b != self.uniform:
            self._own_den()
        self.num[j] = a
        if self.den is not None:
            self.den[j] = b

    def _own_den(self) -> None:
        if self.den is None:
            self.den = np.full(self.n, self.uniform or 0, dtype=np.int64)

    def column(self, keep: Mask | None) -> Exact:
        num = self.num if keep is None else self.num[keep]
        if self.den is not None:
            return Exact(num, self.den if keep is None else self.den[keep])
        return Exact(num, np.broadcast_to(np.int64(self.uniform or 0), num.shape))


class Sink:
    """Full-length output columns for ``n`` consecutive input rows starting at ``offset``."""

    def __init__(self, engine: Engine, plan: Plan, offset: int, n: int) -> None:
        rs = engine.ruleset
        self.engine, self.plan, self.offset, self.n = engine, plan, offset, n
        self.status = np.zeros(n, dtype=np.int8)
        self.tier = np.zeros(n, dtype=np.int16)
        self.score_tier = np.zeros(n, dtype=np.int16)
        self.slow = np.zeros(n, dtype=np.bool_)
        self.failed = np.zeros(n, dtype=np.bool_)
        names = ["score", "raw_score", *(f"dimension.{d.id}" for d in rs.dimensions)]
        names += [f"points.{i.id}" for i in rs.indicators]
        self.exact = {name: ExactBuf(n) for name in names}
        vetoes, flags, inds = (
            [v.id for v in rs.vetoes],
            [f.id for f in rs.flags],
            [i.id for i in rs.indicators],
        )
        kinds = {
            "applied": vetoes,
            "undetermined": vetoes,
            "decisive": vetoes,
            "flags": flags,
            "missing": inds,
        }
        self.masks = {
            kind: {k: np.zeros(n, dtype=np.bool_) for k in ks} for kind, ks in kinds.items()
        }
        self.errors: list[tuple[int, list[Problem]]] = []
        self.chunks: list[Chunk] = []
        # indicator condition rules undetermined by a zero divisor (every input present), by
        # rule id: only the rules that have such rows
        self.zero: dict[str, Mask] = {}
        self._zero_lock = threading.Lock()
        self._zero_rules = {ind: frozenset(rids) for ind, rids in plan.ind_rules.items()}

    def put(self, chunk: Chunk, nan_missing: bool) -> None:
        """Decide ``chunk`` into its rows: vectorized, then the slow rows by the engine."""
        self.put_all([chunk], nan_missing, 1)

    def put_all(self, chunks: Iterable[Chunk], nan_missing: bool, workers: int) -> None:
        """Decide consecutive ``chunks``, ``workers`` threads at once; errors keep row order."""
        todo = list(chunks)
        self.chunks.extend(todo)
        if workers <= 1 or len(todo) <= 1:
            for chunk in todo:
                self.errors.extend(self._decide(chunk, nan_missing))
            return
        with ThreadPoolExecutor(min(workers, len(todo))) as pool:
            for errors in pool.map(lambda c: self._decide(c, nan_missing), todo):
                self.errors.extend(errors)

    def _decide(self, chunk: Chunk, nan_missing: bool) -> list[tuple[int, list[Problem]]]:
        lo = chunk.start - self.offset
        hi = lo + chunk.n
        try:
            out, ctx = run(self.plan, chunk, nan_missing)
        except ArithmeticError:
            # a number the int64 arithmetic cannot hold that its guards did not foresee (a
            # rule's points or a value with very many decimals): every row of the chunk goes
            # to the engine, which is exact whatever the numbers
            slow = np.ones(chunk.n, dtype=np.bool_)
        else:
            slow = self._store(out, ctx, lo, hi)
        odd = chunk.unwritable()
        if odd is not None:  # rows to_organization refuses (F103): the engine reports them
            slow = slow | odd
        self.slow[lo:hi] = slow
        errors: list[tuple[int, list[Problem]]] = []
        for j in np.flatnonzero(slow).tolist():
            try:
                decision = self.engine.evaluate(chunk.organization(j), chunk.where(j))
            except FactError as exc:
                errors.append((chunk.start + j, list(exc.problems)))
                self.failed[lo + j] = True
                continue
            self._write(lo + j, decision)
        return errors

    def _store(self, out: Out, ctx: Ctx, lo: int, hi: int) -> Mask:
        """Store the vectorized results of rows ``lo:hi``; returns the rows left to the engine."""
        self.status[lo:hi] = out.status
        self.tier[lo:hi] = out.tier
        self.score_tier[lo:hi] = out.score_tier
        slow = out.slow | ctx.bad
        assert out.score is not None
        assert out.raw is not None
        self.exact["score"].put(lo, hi, *out.score)
        self.exact["raw_score"].put(lo, hi, *out.raw)
        for d, sub in out.dimensions.items():
            self.exact[f"dimension.{d}"].put(lo, hi, sub, None)
        for i, (p, known) in out.points.items():
            self.exact[f"points.{i}"].put(lo, hi, p, known)
        for kind, got in (
            ("applied", out.applied),
            ("undetermined", out.undetermined),
            ("decisive", out.decisive),
            ("flags", out.flags),
            ("missing", out.missing),
        ):
            for name, m in got.items():
                self.masks[kind][name][lo:hi] = m
        for rid, m in out.zero_divisor.items():
            self._zero_mask(rid)[lo:hi] = m & ~slow
        return slow

    def _zero_mask(self, rid: str) -> Mask:
        got = self.zero.get(rid)
        if got is None:
            with self._zero_lock:
                got = self.zero.get(rid)
                if got is None:
                    got = self.zero[rid] = np.zeros(self.n, dtype=np.bool_)
        return got

    def _write(self, j: int, d: Decision) -> None:
        index = self.plan.tier_index
        self.status[j] = STATUS_CODES[d.status]
        self.tier[j] = -1 if d.tier is None else index[d.tier]
        self.score_tier[j] = -1 if d.score_tier is None else index[d.score_tier]
        self.exact["score"].set(j, d.score)
        self.exact["raw_score"].set(j, d.raw_score)
        for name, v in d.dimensions.items():
            self.exact[f"dimension.{name}"].set(j, v)
        for name, p in d.points.items():
            self.exact[f"points.{name}"].set(j, p)
        fired = {v.id: v for v in d.vetoes}
        for vid in self.masks["applied"]:
            fv = fired.get(vid)
            self.masks["applied"][vid][j] = fv is not None and fv.determined
            self.masks["undetermined"][vid][j] = fv is not None and not fv.determined
            self.masks["decisive"][vid][j] = fv is not None and fv.decisive
        for fid in self.masks["flags"]:
            self.masks["flags"][fid][j] = fid in d.flags
        for m in d.missing:  # a condition listed as an input: undetermined by a zero divisor
            if m.fact in self._zero_rules.get(m.indicator, ()):
                self._zero_mask(m.fact)[j] = True
        gaps = {m.indicator for m in d.missing}
        for iid in self.masks["missing"]:
            self.masks["missing"][iid][j] = iid in gaps
