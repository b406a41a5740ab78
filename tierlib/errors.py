"""Problems and exceptions.

Every problem tierlib reports carries a stable code, a message, a location and, where it can
guess one, a suggestion. Problems are collected and raised together inside one exception.
Each exception also subclasses a builtin so callers may catch either.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

import attrs


@attrs.frozen(order=True)
class Location:
    """A 1-based position in a source file (``line == 0`` means "the whole file")."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.col <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.col}"

    def shifted(self, offset: int) -> Location:
        """The location ``offset`` characters further along the same line."""
        return Location(self.file, self.line, self.col + offset)


@attrs.frozen
class Problem:
    """One located, coded problem: ``file:line:col: code: message (did you mean …?)``."""

    code: str
    message: str
    location: Location
    suggestion: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.code}: {self.message}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text


def did_you_mean(name: object, candidates: Iterable[object]) -> str | None:
    """A "did you mean" hint for an unknown ``name``, or None when nothing is close.

    Names that are not text (a number used as a YAML or dict key) are compared as text.
    """
    close = close_match(name, candidates)
    return f"did you mean {close!r}?" if close is not None else None


def close_match(name: object, candidates: Iterable[object]) -> str | None:
    """The candidate (as text) :func:`did_you_mean` suggests for ``name``, or None."""
    texts = sorted({str(c) for c in candidates})
    close = difflib.get_close_matches(str(name), texts, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean_id(name: object, labels: Mapping[str, Sequence[str]]) -> str | None:
    """A "did you mean" hint for an unknown id, knowing each id's labels (``{id: (zh, en)}``).

    Policy staff often write the Chinese name for the id (``tier: 三类`` for ``class3``
    labelled 三类): a label equal to ``name`` gives ``did you mean class3 (三类)?``; otherwise
    an id close to ``name`` (as :func:`did_you_mean`), else a label close to it.
    """
    found = label_match(name, labels, exact=True)
    if found is None:
        hint = did_you_mean(name, labels)
        if hint is not None:
            return hint
        found = label_match(name, labels, exact=False)
    return None if found is None else f"did you mean {found[0]} ({found[1]})?"


def label_match(
    name: object, labels: Mapping[str, Sequence[str]], exact: bool
) -> tuple[str, str] | None:
    """The id and label of the label equal to ``name`` (English ignoring case), or with
    ``exact`` False, the closest label; None when there is none."""
    text = str(name).strip()
    by_label: dict[str, tuple[str, str]] = {}
    for ident in sorted(labels):
        for label in labels[ident]:
            if label.strip():
                by_label.setdefault(label.strip().casefold(), (ident, label.strip()))
    if not text:
        return None
    if exact:
        return by_label.get(text.casefold())
    close = difflib.get_close_matches(text.casefold(), sorted(by_label), n=1, cutoff=0.6)
    return by_label[close[0]] if close else None


class TierlibError(Exception):
    """Base class of every exception tierlib raises on purpose."""


class RuleSetError(TierlibError, ValueError):
    """A rule file (or a rule set built in code) has problems; all of them are listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class FactError(TierlibError, ValueError):
    """The facts of an organization are unusable (wrong type, NaN, negative count, …)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class EngineError(TierlibError, RuntimeError):
    """The rule engine failed while evaluating (an action raised, the engine is closed, …)."""


class DataError(TierlibError, ValueError):
    """A data file (CSV, XLSX, JSON) cannot be read at all."""
