"""What applications write type-checks under ``mypy --strict``: tests/typed/usage.py (fact
values of every kind the engine reads) and the examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USAGE = "tests/typed/usage.py"
EXAMPLE = "examples/explain_one.py"


@pytest.fixture(scope="module")
def mypy_output() -> str:
    """One ``mypy --strict`` run over the files, its report (one line per error)."""
    pytest.importorskip("mypy")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", USAGE, EXAMPLE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_organization_facts_take_every_value_the_engine_reads(mypy_output: str) -> None:
    """float, int, Decimal, Fraction, bool, text, None and numpy scalars as fact values, and
    dicts typed as ``dict[str, float]``: no error; checked facts stay FactValue."""
    errors = [line for line in mypy_output.splitlines() if line.startswith(USAGE)]
    assert errors == []


def test_the_explain_example_type_checks(mypy_output: str) -> None:
    errors = [line for line in mypy_output.splitlines() if line.startswith(EXAMPLE)]
    assert errors == []


def test_the_usage_file_runs() -> None:
    done = subprocess.run(
        [sys.executable, USAGE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
