"""Facts given to the engine: coded errors for bad values; text and numpy values accepted."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import oracle
from test_engine import good_village

from tierlib import _expr
from tierlib.columnar import STATUSES, evaluate_table
from tierlib.decision import fmt
from tierlib.engine import Engine
from tierlib.errors import FactError, Location
from tierlib.model import Organization


class TestBadInput:
    @pytest.mark.parametrize(
        ("facts", "code"),
        [
            ({"satisfaction": "abc"}, "F103"),
            ({"satisfaction": float("nan")}, "F103"),
            ({"satisfaction": float("inf")}, "F103"),
            ({"superstition_incidents": -1}, "F104"),
            ({"satisfaction": Fraction(3, 2)}, "F104"),
            ({"secretary_vacant_months": Fraction(1, 2)}, "F104"),
            ({"satisfation": Fraction(1, 2)}, "F111"),
            ({"has_venue": "maybe"}, "F103"),
            ({"culture_points": 6}, "F104"),
            ({"income_per_capita": 2**60}, "F104"),
            # numbers too long or too far from 1 to compare exactly (and to write out: Python
            # refuses ints of over 4,300 digits, Fraction('1e999999999') never ends)
            ({"sanitation_points": "1e-5000"}, "F104"),
            ({"income_per_capita": "1e999999999"}, "F104"),
            ({"income_per_capita": "1" * 500}, "F104"),
            ({"sanitation_points": "0." + "0" * 5000 + "1"}, "F104"),
            ({"sanitation_points": Decimal("1e-999999999")}, "F104"),
            ({"sanitation_points": Fraction(1, 10**5000)}, "F104"),
            ({"income_per_capita": 10**5000}, "F104"),
        ],
    )
    def test_bad_facts_give_a_coded_error_naming_org_and_field(self, default, facts, code):
        """Wrong types, NaN, inf, negative counts, unknown fields: a coded error, never a crash."""
        _, engine = default
        org = good_village(**facts)
        with pytest.raises(FactError) as info:
            engine.evaluate(org)
        problem = info.value.problems[0]
        assert problem.code == code
        assert "T-001" in problem.message
        assert next(iter(facts)) in problem.message

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("id", b"T-001", "Organization.id must be text, a number or None, not bytes"),
            ("name", object(), "Organization.name must be text, a number or None, not object"),
            ("year", [2024], "Organization.year must be text, a number or None, not list"),
            ("facts", None, "Organization.facts must be a mapping, not NoneType"),
            ("facts", [("satisfaction", 90)], "Organization.facts must be a mapping, not list"),
        ],
    )
    def test_an_organization_of_the_wrong_shape_is_refused_where_it_is_made(
        self, field, value, message
    ):
        """An app passing bytes or objects as identity fields, or facts that are not a mapping,
        gets a TypeError naming the field when it builds the Organization, not one from deep in
        the engine (the facts digest, the checker)."""
        with pytest.raises(TypeError) as info:
            attrs.evolve(good_village(), **{field: value})
        assert str(info.value) == message

    def test_identity_fields_of_any_scalar_kind_and_text_subclasses_are_accepted(self, default):
        """Text, numbers, booleans and None (and numpy's text and float scalars, which are
        str and float) are identity fields the digest can write."""
        import numpy as np

        _, engine = default
        for value in ("T", 7, 7.5, True, None, np.str_("T"), np.float64(2.5)):
            org = attrs.evolve(good_village(), name=value, county=value)
            assert engine.evaluate(org).org_name == value

    def test_an_uncovered_organization_type_is_an_error(self, default):
        """A scheme for villages and communities rejects an enterprise."""
        _, engine = default
        with pytest.raises(FactError, match="F110"):
            engine.evaluate(attrs.evolve(good_village(), type="enterprise"))

    def test_a_missing_veto_input_makes_the_result_pending(self, default):
        """书记缺职月数 unknown: the veto cannot be passed, the result waits."""
        _, engine = default
        facts = dict(good_village().facts)
        del facts["secretary_vacant_months"]
        d = engine.evaluate(Organization(id="A", facts=facts))
        assert d.status == "pending"
        assert d.tier is None
        assert any(v.id == "secretary_vacant" and not v.determined for v in d.vetoes)

    def test_a_zero_divisor_anywhere_makes_a_veto_undetermined(self, default):
        """`a or x / 0 > 1` is undetermined even though `a` alone would decide it (one semantics
        for the engine, the columnar path and the oracle)."""
        ruleset, _ = default
        when = _expr.parse(
            "secretary_vacant_months > 3 or income_per_capita / superstition_incidents > 1",
            Location("<test>"),
        )
        veto = attrs.evolve(ruleset.vetoes[1], when=when)
        rs = attrs.evolve(ruleset, vetoes=(ruleset.vetoes[0], veto, *ruleset.vetoes[2:]))
        with Engine(rs) as engine:
            for months, status in ((Fraction(5), "pending"), (Fraction(0), "pending")):
                facts = dict(good_village().facts, secretary_vacant_months=months)
                d = engine.evaluate(Organization(id="Z", facts=facts))
                assert (d.status, d.tier) == (status, None)
                assert [v.id for v in d.vetoes if not v.determined] == [veto.id]
                assert oracle(rs, facts)[:2] == (d.status, d.tier)
                table = evaluate_table(engine, {"id": ["Z"], **{k: [v] for k, v in facts.items()}})
                assert STATUSES[table.status[0]] == status
                assert not table.exact_path[0]  # decided by the columnar path itself
                assert table.undetermined[veto.id].tolist() == [True]
            facts = dict(good_village().facts, superstition_incidents=Fraction(2))
            d = engine.evaluate(Organization(id="Z", facts=facts))
            assert d.status == "rated"
            assert oracle(rs, facts)[:2] == (d.status, d.tier)

    def test_text_values_from_files_are_accepted(self, default):
        """'是', '0.95', '80%' as read from a CSV give the same decision as typed values."""
        _, engine = default
        typed = engine.evaluate(good_village())
        texts = {
            k: ("是" if v is True else "否" if v is False else fmt(v))
            for k, v in good_village().facts.items()
        }
        assert (
            engine.evaluate(
                Organization(id="T-001", name="测试村", type="village", year=2024, facts=texts)
            ).to_json()
            == typed.to_json()
        )


class TestNumpyInput:
    def test_numpy_scalars_are_accepted_as_facts(self, default):
        """numpy.float64 and numpy.bool_ facts give the same decision as Python values."""
        import numpy as np

        _, engine = default
        typed = engine.evaluate(good_village())
        facts = {
            k: (np.bool_(v) if isinstance(v, bool) else np.float64(float(v)))
            for k, v in good_village().facts.items()
        }
        org = attrs.evolve(good_village(), facts=facts)
        assert engine.evaluate(org).to_json() == typed.to_json()


class TestAssessedPoints:
    def test_assessed_points_beyond_the_indicator_max_are_f107_exactly_at_the_bound(self, default):
        """With the fact itself unbounded above, the indicator's max (5) still bounds it:
        5 passes, a hair above 5 is F107, 6 is F107."""
        ruleset, _ = default
        spec = attrs.evolve(ruleset.facts["culture_points"], maximum=None)
        rs = attrs.evolve(ruleset, facts={**ruleset.facts, "culture_points": spec})
        with Engine(rs) as engine:
            assert engine.evaluate(good_village(culture_points=5)).points["culture"] == 5
            for value in (Fraction(5) + Fraction(1, 10**12), 6):
                with pytest.raises(FactError) as info:
                    engine.evaluate(good_village(culture_points=value))
                assert [p.code for p in info.value.problems] == ["F107"]


class TestFactsDigest:
    @settings(max_examples=100, deadline=None)
    @given(data=st.data())
    def test_the_engine_digests_facts_exactly_as_the_canonical_json(self, data):
        """Random rule sets, checked facts (text facts with quotes, backslashes, control
        characters and Chinese) and identity fields of every shape and type: the digest the engine
        writes directly equals the sha256 of the canonical JSON."""
        from strategies import organization_facts, rulesets

        from tierlib._decide import fact_keys, facts_digest, fast_digest
        from tierlib._facts import validate

        rs = data.draw(rulesets())
        raw = data.draw(organization_facts(rs))
        facts, _ = validate("o", raw, rs.facts, Location("test"))
        shown = {k: fmt(v) for k, v in facts.items()}
        text = st.text(alphabet=st.sampled_from('a"\\\n\x01村 é/'), max_size=6)
        org = Organization(
            id=data.draw(text),
            name=data.draw(text),
            type=data.draw(text),
            county=data.draw(st.none() | text),
            township=data.draw(st.none() | text),
            year=data.draw(  # typed int | None, but an app may pass anything
                st.none() | st.integers(1949, 2100) | st.booleans() | st.floats() | text
            ),
            facts=raw,
        )
        assert fast_digest(org, shown, fact_keys(rs.facts)) == facts_digest(org, shown)

    def test_text_facts_are_escaped_in_the_digest(self):
        """A text fact holding a quote is written as JSON would write it."""
        from tierlib._decide import fact_keys, facts_digest, fast_digest
        from tierlib.model import FactSpec

        specs = {"note": FactSpec(kind="string"), "ok": FactSpec(kind="boolean")}
        shown = {"note": 'say "是"\\', "ok": "true"}
        org = Organization(id="o", facts={})
        assert fast_digest(org, shown, fact_keys(specs)) == facts_digest(org, shown)

    @settings(max_examples=25, deadline=None)
    @given(data=st.data())
    def test_facts_sha256_is_the_input_hash_of_the_decision(self, data):
        """tierlib.facts_sha256(org, ruleset) reproduces a decision's input_sha256 whether the
        facts are typed values or the texts a data file gives (是/否, "0.870", blank cells), so
        an auditor can check saved facts against a saved decision."""
        from strategies import engine_for, organization_facts, rulesets

        from tierlib import facts_sha256

        rs = data.draw(rulesets())
        engine = engine_for(rs)
        if engine is None:
            return
        with engine:
            raw = data.draw(organization_facts(rs))

            def as_cell(value: object) -> object:  # as a data file's cell would read
                if isinstance(value, bool):
                    return data.draw(st.sampled_from(["是", "true"] if value else ["否", "false"]))
                if isinstance(value, Fraction):
                    text = fmt(value)
                    return text + "0" if "." in text and data.draw(st.booleans()) else text
                return value

            texts = {k: as_cell(v) for k, v in raw.items()} | {
                k: "" for k in rs.facts if k not in raw
            }
            hashes = []
            for facts in (raw, texts):
                org = Organization(id="甲-1", name='村"', type="village", year=2024, facts=facts)
                try:
                    decision = engine.evaluate(org)
                except FactError:
                    with pytest.raises(FactError):
                        facts_sha256(org, rs)
                    continue
                hashes.append(facts_sha256(org, rs))
                assert hashes[-1] == decision.provenance.input_sha256
            assert len(set(hashes)) <= 1  # typed values and their texts: the same facts
