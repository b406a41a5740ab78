"""`tierlib explain`: one organization's explanation as text, JSON or HTML; its problems."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import BROKEN, COUNTY, DEFAULT, call


class TestExplain:
    def test_explain_in_chinese_names_the_decisive_reason(self):
        """A vetoed village: the veto comes first, in Chinese."""
        code, out, _ = call(
            "explain", "--rules", DEFAULT, COUNTY, "--org", "AP-03-008", "--year", "2024"
        )
        assert code == 0
        assert "班子配备不齐" in out
        assert out.index("班子配备不齐") < out.index("主导产业")

    def test_explain_in_english_as_json(self):
        """--lang en --json gives parseable JSON with provenance."""
        code, out, _ = call(
            "explain", "--rules", DEFAULT, COUNTY, "--org", "AP-03-008", "--lang", "en", "--json"
        )
        assert code == 0
        data = json.loads(out)
        assert "village-tiering" in json.dumps(data, ensure_ascii=False)

    def test_explain_as_html(self):
        """--html gives a self-contained page."""
        code, out, _ = call("explain", "--rules", DEFAULT, COUNTY, "--org", "AP-03-008", "--html")
        assert code == 0
        assert out.lstrip().lower().startswith("<!doctype html")

    def test_an_unknown_organization_exits_2_with_a_suggestion(self):
        """A mistyped id: exit 2 and did-you-mean."""
        code, _, err = call("explain", "--rules", DEFAULT, COUNTY, "--org", "AP-03-0008")
        assert code == 2
        assert "did you mean" in err

    def test_an_organization_with_bad_facts_exits_1(self):
        """explain on a broken row names the problem and exits 1."""
        code, _, err = call("explain", "--rules", DEFAULT, BROKEN, "--org", "AP-03-018")
        assert code == 1
        assert "F103" in err


def test_explaining_an_organization_whose_row_is_broken_prints_that_rows_problems(
    tmp_path: Path,
) -> None:
    """The organization is there but its year cell is unusable: its located, coded problem and
    exit 1 — not "no organization", which would send the user looking for a typo."""
    data = tmp_path / "data.csv"
    data.write_text("id,year,satisfaction\nA,abc,0.9\nB,2024,0.8\n", encoding="utf-8")
    code, out, err = call("explain", "--rules", DEFAULT, str(data), "--org", "A")
    assert (code, out) == (1, "")
    assert err == f"{data}:2: D104: A: year 'abc' is not a whole number\n"
