"""docs/codes.md documents every error code tierlib emits, and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "tierlib"
DOC = ROOT / "docs" / "codes.md"

# a code as a string literal in the sources: "E123", "F104", "D105"
SOURCE_CODE = re.compile(r"[\"']([EFDWV]\d{3})[\"']")
# a code in the first cell of a table row of the docs: | `E123` | … |
DOC_ROW = re.compile(r"^\|\s*`?([EFDWV]\d{3})`?\s*\|", re.MULTILINE)


def source_codes() -> set[str]:
    return {
        code
        for path in sorted(SOURCES.rglob("*.py"))
        for code in SOURCE_CODE.findall(path.read_text(encoding="utf-8"))
    }


def documented_codes() -> list[str]:
    return DOC_ROW.findall(DOC.read_text(encoding="utf-8"))


def test_every_error_code_is_documented_and_every_documented_code_exists() -> None:
    in_code = source_codes()
    rows = documented_codes()
    in_docs = set(rows)
    assert len(in_code) >= 50, "the source scan found too few codes: has the pattern changed?"
    assert not in_code - in_docs, (
        f"codes without a row in docs/codes.md: {sorted(in_code - in_docs)}"
    )
    assert not in_docs - in_code, (
        f"documented codes tierlib never emits: {sorted(in_docs - in_code)}"
    )
    repeated = sorted({c for c in rows if rows.count(c) > 1})
    assert not repeated, f"codes documented twice in docs/codes.md: {repeated}"
