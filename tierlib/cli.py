"""The ``tierlib`` command: ``run(argv, stdout, stderr) -> int``; ``main`` only exits with it.

Exit codes: 0 all good; 1 problems in the data (some rows could not be evaluated); 2 usage or
rule-file errors.

``evaluate``, ``summary`` and ``compare-years`` decide a file with
:func:`tierlib.columnar.evaluate_table`, a batch of rows at a time; their output is byte for byte
what deciding each row with ``Engine.evaluate`` gives, which the hidden ``--per-row`` flag still
does (the tests compare the two). ``summary`` and ``compare-years`` hand the population
functions the :class:`~tierlib.tables.Outcome` of each decided row (``--per-row``: its
:class:`~tierlib.decision.Decision`). On all three, a second row for an organization and year
is a located D105 error naming the first row, and a bad row's every problem is a line on stderr.
``verify`` decides the file the same way and compares each row with a saved result file
(:mod:`tierlib._verify`).
"""

from __future__ import annotations

import argparse
import collections
import functools
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

from tierlib import __version__
from tierlib._filerun import (
    Entry,
    Failure,
    collector_paused,
    evaluate_columnar,
    evaluate_file,
    evaluate_per_row,
)
from tierlib._load import check as check_file
from tierlib._load import load
from tierlib._popbase import Rated
from tierlib._verify import result_records, verify
from tierlib.decision import fmt_fraction
from tierlib.engine import Engine
from tierlib.errors import DataError, FactError, Location, RuleSetError, TierlibError
from tierlib.model import Organization, RuleSet
from tierlib.render import plain, width
from tierlib.tables import (
    Outcome,
    _text,
    ignored_columns,
    iter_rows,
    to_organization,
    write_records,
)

OK, DATA_PROBLEMS, USAGE = 0, 1, 2
_USAGE = "usage: tierlib {check,evaluate,explain,summary,compare-years,verify} …  (tierlib --help)"


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """Errors as :class:`_Usage`; help and version written to ``out``, not ``sys.stdout``."""

    def __init__(self, *args: Any, out: IO[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.out = out

    def _print_message(self, message: str, file: object = None) -> None:
        if message:
            self.out.write(message)

    def error(self, message: str) -> NoReturn:
        raise _Usage(
            f"{self.prog}: {message}", f"{self.format_usage().strip()}  ({self.prog} --help)"
        )

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _Usage(message or "") if status else SystemExit(0)


def _parser(stdout: IO[str]) -> _Parser:
    p = _Parser(
        prog="tierlib",
        description="Tier village Party organizations with YAML rule sets (村党组织分类定级).",
        out=stdout,
    )
    p.add_argument("--version", action="version", version=f"tierlib {__version__}")
    parser_class: Any = functools.partial(_Parser, out=stdout)
    sub = p.add_subparsers(dest="command", required=True, parser_class=parser_class)
    c = sub.add_parser("check", help="check rule files; print every problem with file:line:col")
    c.add_argument("rules", nargs="+")
    for name, text in (
        ("evaluate", "tier every organization in a data file"),
        ("explain", "explain one organization's tier"),
        ("summary", "tier distribution and quota lists"),
        ("compare-years", "tier transitions between two years"),
        ("verify", "check a saved result file against the rules and the data"),
    ):
        s = sub.add_parser(name, help=text)
        s.add_argument("--rules", "-r", required=True, help="rule file (YAML)")
        s.add_argument("data", help="data file: .csv, .xlsx or .json")
        if name == "evaluate":
            s.add_argument("-o", "--output", help="write results to .csv, .xlsx or .json")
            s.add_argument("--quiet", "-q", action="store_true", help="only the distribution")
        if name == "verify":
            s.add_argument("results", help="result file written by evaluate -o")
        if name not in ("explain", "verify"):
            s.add_argument("--per-row", action="store_true", help=argparse.SUPPRESS)
        if name == "explain":
            s.add_argument("--org", required=True, help="organization id")
            s.add_argument("--year", type=int, help="year (default: the latest)")
            s.add_argument("--lang", choices=("zh", "en"), default="zh")
            s.add_argument("--json", action="store_true", help="the explanation as JSON")
            s.add_argument("--html", action="store_true", help="the explanation as an HTML page")
        if name == "summary":
            s.add_argument("--year", type=int, help="year (default: the latest)")
            s.add_argument("--by", choices=("county", "township"), default="township")
            s.add_argument("--lang", choices=("zh", "en"), default="zh")
        if name == "compare-years":
            s.add_argument("--from", dest="year_from", type=int, required=True)
            s.add_argument("--to", dest="year_to", type=int, required=True)
            s.add_argument("--lang", choices=("zh", "en"), default="zh")
        s.add_argument(
            "--ignore-column",
            action="append",
            default=[],
            dest="ignore_columns",
            metavar="NAME",
            help="leave out a column that is not a fact (备注, 联系人 …); repeat for several",
        )
    return p


def run(argv: Sequence[str], stdout: IO[str], stderr: IO[str]) -> int:
    """Run the command line ``argv`` (without the program name); return the exit code."""
    try:
        args = _parser(stdout).parse_args(list(argv))
    except _Usage as exc:
        message, *usage = exc.args
        print(str(message).strip() or "usage error", file=stderr)
        print(usage[0] if usage else _USAGE, file=stderr)
        return USAGE
    except SystemExit:  # --help or --version, already written to stdout
        return OK
    try:
        if args.command == "check":
            return _check(args.rules, stdout, stderr)
        ruleset = load(args.rules)
    except RuleSetError as exc:
        for problem in exc.problems:
            print(plain(str(problem)), file=stderr)
        return USAGE
    try:  # a column that is read cannot be ignored (D107): its values would be lost
        ignored_columns(args.ignore_columns, ruleset.facts, where="--ignore-column")
    except DataError as exc:
        print(plain(str(exc)), file=stderr)
        return USAGE
    unwritable = _unwritable(getattr(args, "output", None))
    if unwritable:
        print(f"error: {unwritable}", file=stderr)
        return USAGE
    try:
        with Engine(ruleset) as engine:
            return _COMMANDS[args.command](args, ruleset, engine, stdout, stderr)
    except DataError as exc:
        print(plain(f"error: {exc}"), file=stderr)
        return DATA_PROBLEMS
    except TierlibError as exc:  # a problem not tied to one row (e.g. PopulationError)
        print(plain(f"error: {exc}"), file=stderr)
        return DATA_PROBLEMS


def _check(paths: Sequence[str], stdout: IO[str], stderr: IO[str]) -> int:
    bad = 0
    for path in paths:
        problems = check_file(path)
        for problem in problems:
            print(plain(str(problem)), file=stdout)
        bad += bool(problems)
        if not problems:
            print(f"{path}: ok", file=stdout)
    if bad:
        print(f"{bad} of {len(paths)} rule files have problems", file=stderr)
    return USAGE if bad else OK


def _labels(ruleset: RuleSet, lang: str) -> dict[str, str]:
    return {t.id: t.label.text(lang) for t in ruleset.tiers}


def _print_problems(failures: Sequence[Failure], stderr: IO[str]) -> None:
    """Every problem of every failed row, one located, coded line each, in row order, with its
    suggestion (a close name; for an unknown fact also --ignore-column)."""
    for failure in failures:
        for problem in failure.problems:
            line = f"{failure.where}: {problem.code}: {problem.message}"
            if problem.suggestion:
                line += f" ({problem.suggestion})"
            print(plain(line), file=stderr)


def _unwritable(output: str | None) -> str:
    """Why a result file cannot go to ``output`` (checked before deciding anything), or ''."""
    if output is None:
        return ""
    path = Path(output)
    if path.suffix.lower() not in (".csv", ".xlsx", ".json"):
        return f"{output}: results are written as .csv, .xlsx or .json, not {path.suffix or 'a file without a suffix'}"
    if not path.parent.is_dir():
        return f"{output}: no such directory {str(path.parent)!r}"
    if path.is_dir():
        return f"{output}: is a directory"
    return ""


def _cmd_evaluate(
    args: argparse.Namespace, ruleset: RuleSet, engine: Engine, stdout: IO[str], stderr: IO[str]
) -> int:
    """Decide the file and stream every row on: its problems to stderr as it comes, its line to
    the table or its record to the output file, its tier to the distribution. Nothing is kept
    per row, so memory stays flat however long the file."""
    evaluate = evaluate_per_row if args.per_row else evaluate_columnar
    labels = _labels(ruleset, "zh")
    table = not args.quiet and not args.output
    counts: Counter[tuple[int | None, str]] = Counter()
    failed = 0

    header = f"{'row':>5}  {'id':<12} {'name':<10} {'year':>4}  {'score':>6}  tier"

    def rows() -> Iterator[Entry]:
        nonlocal failed, header
        for e in evaluate(engine, args.data, stderr, args.ignore_columns):
            if table and header:  # once the file has been read: not above a read error
                print(header, file=stdout)
                header = ""
            if isinstance(e, Failure):
                failed += 1
                _print_problems([e], stderr)
            else:
                counts[e.year, e.tier if e.status == "rated" and e.tier else e.status] += 1
                if table:
                    print(_table_line(e, labels), file=stdout)
            yield e

    with collector_paused():
        if args.output:  # every row names the rules that decided it
            write_records(args.output, result_records(engine, rows()))
        else:
            collections.deque(rows(), maxlen=0)
    if table and header:  # a file without rows
        print(header, file=stdout)
    total = counts.total() + failed
    if args.output:
        print(f"wrote {total} rows to {args.output}", file=stdout)
    _print_distribution(counts, ruleset, stdout)
    print(f"{total} rows: {total - failed} evaluated, {failed} with errors", file=stdout)
    return DATA_PROBLEMS if failed else OK


def _table_line(o: Outcome, labels: Mapping[str, str]) -> str:
    tier = labels.get(o.tier or "", o.status)
    score = (
        fmt_fraction(o.score) if o.score is not None else "" if o.status == "pending" else "待定"
    )
    ids = [*o.vetoes, *(f"?{v}" for v in o.undetermined)]  # ?: undetermined, for want of data
    vetoes = f"  [{','.join(ids)}]" if ids else ""
    return f"{o.row:>5}  {plain(o.org_id):<12} {_pad(plain(o.org_name), 10)} {o.year or '':>4}  {score:>6}  {tier}{vetoes}"


def _pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def _print_distribution(
    counts: Counter[tuple[int | None, str]], ruleset: RuleSet, stdout: IO[str]
) -> None:
    """The tiers of each year: ``counts`` by (year, tier id, ``unrated`` or ``pending``)."""
    years: list[int | None] = [*sorted({y for y, _ in counts if y is not None})] or [None]
    for year in years:
        n = sum(c for (y, _), c in counts.items() if y == year)
        print(f"\n{'分布' if year is None else f'{year} 年分布'} / distribution ({n})", file=stdout)
        keys = [(t.id, f"{t.label.zh} {t.label.en}") for t in ruleset.tiers] + [
            ("unrated", "不定级 unrated"),
            ("pending", "待定 pending"),
        ]
        for key, label in keys:
            got = counts[year, key]
            if key in ("unrated", "pending") and not got:
                continue
            share = f"{100 * got / n:5.1f}%" if n else "    -"
            print(f"  {_pad(label, 22)} {got:>5}  {share}", file=stdout)


def _cmd_explain(
    args: argparse.Namespace, ruleset: RuleSet, engine: Engine, stdout: IO[str], stderr: IO[str]
) -> int:
    from tierlib.explain import explain
    from tierlib.render import to_html, to_json, to_text

    known: set[str] = set()
    wanted: list[tuple[Location, Organization]] = []
    broken: list[Failure] = []  # rows of that organization whose identity cells are unusable
    # streamed: only the organization's rows are kept
    for row in iter_rows(args.data, ignore_columns=args.ignore_columns):
        try:
            org = to_organization(row)
        except FactError as exc:
            if _text(row.cells.get("id")) == args.org:
                broken.append(Failure(row.where, exc.problems, args.org))
            continue
        known.add(org.id)
        if org.id == args.org and (args.year is None or org.year == args.year):
            wanted.append((row.where, org))
    if not wanted and broken:
        _print_problems(broken, stderr)
        return DATA_PROBLEMS
    if not wanted:
        from tierlib.errors import did_you_mean

        hint = did_you_mean(args.org, sorted(known))
        print(
            f"error: no organization {args.org!r}{' in ' + str(args.year) if args.year else ''} in {args.data}"
            + (f" ({hint})" if hint else ""),
            file=stderr,
        )
        return USAGE
    where, org = max(wanted, key=lambda wo: wo[1].year or 0)
    try:
        decision = engine.evaluate(org, where)
    except FactError as exc:
        for problem in exc.problems:
            print(plain(f"{where}: {problem.code}: {problem.message}"), file=stderr)
        return DATA_PROBLEMS
    explanation = explain(decision, ruleset)
    if args.json:
        stdout.write(to_json(explanation))
    elif args.html:
        stdout.write(to_html(explanation, args.lang))
    else:
        stdout.write(to_text(explanation, args.lang))
    return OK


def _decide(
    args: argparse.Namespace, engine: Engine, stderr: IO[str]
) -> tuple[list[Rated], list[Failure]]:
    """The decided rows of the data file and the rows that failed (a second row for an
    organization and year among them, D105), each in input order: the outcomes of the
    columnar path, or (``--per-row``) the decisions of ``Engine.evaluate``."""
    with collector_paused():
        if args.per_row:
            results, failures = evaluate_file(engine, args.data, stderr, args.ignore_columns)
            return [d for _, d in results], failures
        entries = list(evaluate_columnar(engine, args.data, stderr, args.ignore_columns))
    decided: list[Rated] = [e for e in entries if isinstance(e, Outcome)]
    return decided, [e for e in entries if isinstance(e, Failure)]


def _cmd_summary(
    args: argparse.Namespace, ruleset: RuleSet, engine: Engine, stdout: IO[str], stderr: IO[str]
) -> int:
    from tierlib import report

    decided, failures = _decide(args, engine, stderr)
    year = args.year or max((d.year or 0 for d in decided), default=0)
    chosen = [d for d in decided if (d.year or 0) == year]
    stdout.write(report.summary_text(ruleset, chosen, by=args.by, lang=args.lang))
    _print_problems(failures, stderr)
    return DATA_PROBLEMS if failures else OK


def _cmd_compare(
    args: argparse.Namespace, ruleset: RuleSet, engine: Engine, stdout: IO[str], stderr: IO[str]
) -> int:
    from tierlib import report

    decided, failures = _decide(args, engine, stderr)
    before = [d for d in decided if d.year == args.year_from]
    after = [d for d in decided if d.year == args.year_to]
    if not before or not after:
        print(
            f"error: no organizations for {args.year_from if not before else args.year_to} in {args.data}",
            file=stderr,
        )
        return USAGE
    stdout.write(report.compare_text(ruleset, before, after, lang=args.lang))
    _print_problems(failures, stderr)
    return DATA_PROBLEMS if failures else OK


def _cmd_verify(
    args: argparse.Namespace, ruleset: RuleSet, engine: Engine, stdout: IO[str], stderr: IO[str]
) -> int:
    """Decide the data again and compare each row with the saved result file: every difference
    a located, coded line on stdout, then a summary."""
    suffix = Path(args.results).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".json"):
        print(
            f"error: {args.results}: result files are .csv, .xlsx or .json, not {suffix or 'a file without a suffix'}",
            file=stderr,
        )
        return USAGE
    with collector_paused():
        check = verify(
            engine,
            args.data,
            args.results,
            progress=stderr,
            ignore_columns=args.ignore_columns,
        )
        for problem in check:
            print(plain(str(problem)), file=stdout)
    scheme = f"{ruleset.scheme.id} {ruleset.scheme.version}"
    if check.ok:
        print(
            f"{check.data_rows} rows of {args.data} match {args.results} ({scheme}, sha256 {engine.sha256})",
            file=stdout,
        )
        return OK
    counts = ", ".join(f"{n} {code}" for code, n in sorted(check.codes.items()))
    print(
        f"{args.results} does not match {args.data} with {scheme}: {check.result_rows} saved rows,"
        f" {check.data_rows} data rows, {check.matching} alike; differences: {counts}",
        file=stdout,
    )
    return DATA_PROBLEMS


_COMMANDS = {
    "evaluate": _cmd_evaluate,
    "explain": _cmd_explain,
    "summary": _cmd_summary,
    "compare-years": _cmd_compare,
    "verify": _cmd_verify,
}


def main() -> NoReturn:
    """Entry point of the ``tierlib`` console script."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr))


if __name__ == "__main__":  # pragma: no cover
    main()
