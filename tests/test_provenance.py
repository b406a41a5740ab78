"""Provenance stays reproducible: a saved decision's rule-set sha256 can be checked later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tierlib

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("name", "sha256"),
    [
        ("default", "d80abafcba98f48e635fb9c846aaaa492d3d7d23e0668154e3e0342eaf1e82c1"),
        ("county-overlay", "4e299c5cc084f385f05a569b0a02daa89d9f0140f87aa9c4be5b5616a964b3b3"),
        ("central-2012", "069134951041f0668beb1ca2ed057279a158b9efc33997bdc88731a2a65faa37"),
    ],
)
def test_the_shipped_rule_sets_keep_their_sha256(name: str, sha256: str) -> None:
    """The canonical text of a rule set, and so its sha256, changes only with what the rules
    mean: not with a new tierlib, nor with line numbers (decisions saved earlier still match)."""
    assert tierlib.ruleset_sha256(tierlib.load(ROOT / "rules" / f"{name}.yaml")) == sha256


def test_the_rounding_step_cites_the_rounding_line() -> None:
    """The explanation's rounding line points at `rounding:` in the rule file, and with
    `extends:` at the base file that holds it."""
    for name in ("default", "county-overlay"):
        rs = tierlib.load(ROOT / "rules" / f"{name}.yaml")
        assert rs.scheme.rounding is not None
        loc = rs.scheme.rounding.loc
        assert Path(loc.file).name == "default.yaml"
        line = (
            (ROOT / "rules" / "default.yaml").read_text(encoding="utf-8").splitlines()[loc.line - 1]
        )
        assert line.strip().startswith("rounding:")


def test_a_decision_names_every_rule_file_read_with_the_sha256_of_its_bytes() -> None:
    """The rule-set sha256 ignores formatting, so it cannot pin the lines an explanation cites;
    each file read (the overlay, then the base it extends) is named with the sha256 of its
    bytes, so an auditor can tell the cited lines are those of the file at hand."""
    import hashlib

    overlay = ROOT / "rules" / "county-overlay.yaml"
    ruleset = tierlib.load(overlay)
    with tierlib.Engine(ruleset) as engine:
        org = tierlib.Organization(id="x", name="x", type="village", year=2024, facts={})
        decision = engine.evaluate(org)
    files = [ROOT / "rules" / "county-overlay.yaml", ROOT / "rules" / "default.yaml"]
    expected = tuple((str(p), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files)
    assert decision.provenance.rule_files == expected
    saved = json.loads(decision.to_json())["provenance"]
    assert saved["rule_files"] == [list(x) for x in expected]
    assert tierlib.decision.Provenance(**saved) == decision.provenance  # read back as it was
    explanation = engine.explain(decision)
    for path, sha in expected:
        assert f"rule file     {path}  sha256 {sha}" in explanation.text("en")
        assert f"规则文件     {path}  sha256 {sha}" in explanation.text("zh")


def test_reformatting_keeps_the_ruleset_sha256_but_not_the_file_sha256() -> None:
    text = (ROOT / "rules" / "default.yaml").read_text(encoding="utf-8")
    a = tierlib.loads(text, "default.yaml")
    b = tierlib.loads("# a comment moves every line down\n" + text, "default.yaml")
    assert tierlib.ruleset_sha256(a) == tierlib.ruleset_sha256(b)
    assert a.source_sha256 != b.source_sha256
    assert a == b  # the rules are the same; where they were read from is not part of them
