"""Tests of the condition language: parsing, locations, errors, printing, types, evaluation."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import exprs

from tierlib._ast import Arith, BoolOp, Compare, Expr, In, Neg, Not, Num, Ref, Str, nodes
from tierlib._evaluate import MissingValue, Value, evaluate
from tierlib._expr import MAX_DEPTH, MAX_LENGTH, ExprError, parse
from tierlib._typecheck import Kind, typecheck
from tierlib._unparse import to_text
from tierlib.errors import Location, Problem, RuleSetError

START = Location("rules.yaml", 4, 7)
SYMBOLS: dict[str, Kind] = {
    "score": "number",
    "satisfaction": "number",
    "points.income": "number",
    "points.industry": "number",
    "dimension.production": "number",
    "满意度": "number",
    "team_complete": "boolean",
    "flag": "boolean",
    "org_type": "string",
}


def p(text: str) -> Expr:
    """Parse ``text`` as if it started at line 4, column 7 of rules.yaml."""
    return parse(text, START)


def col(offset: int) -> Location:
    """The location ``offset`` characters into a text parsed with :func:`p`."""
    return START.shifted(offset)


def error(text: str) -> Problem:
    """The one problem ``text`` fails to parse with."""
    with pytest.raises(ExprError) as caught:
        p(text)
    assert len(caught.value.problems) == 1
    return caught.value.problem


def value(text: str, **env: Value) -> Value:
    """Evaluate ``text`` with the given references."""
    return evaluate(p(text), env)


# ---------------------------------------------------------------- locations


def test_every_node_carries_its_column() -> None:
    """Each node's location is its first character: same line, column shifted by the offset."""
    tree = p("a + bb * c")
    got = [(to_text(n), n.loc) for n in nodes(tree)]
    assert got == [
        ("a + bb * c", col(0)),
        ("a", col(0)),
        ("bb * c", col(4)),
        ("bb", col(4)),
        ("c", col(9)),
    ]


def test_columns_count_characters_not_bytes() -> None:
    """Chinese characters and the full-width space each advance the column by one."""
    tree = p("满意度　<　90%")
    assert isinstance(tree, Compare)
    assert tree.right.loc == col(6)
    assert tree.right.loc.col == 13


def test_parenthesized_operand_starts_at_its_parenthesis() -> None:
    """A node whose text begins with '(' is located at the '(' while the inner node is not."""
    tree = p("(a + b) * c")
    assert isinstance(tree, Arith)
    assert tree.loc == col(0)
    assert tree.left.loc == col(1)


def test_prefix_operators_are_located_at_the_operator() -> None:
    """'not' and '-' nodes start at the keyword or sign, list numbers at their sign."""
    tree = p("x and 非 -y > 1 or z in [1, -2]")
    found = {to_text(n): n.loc for n in nodes(tree)}
    assert found["not -y > 1"] == col(6)
    assert found["-y"] == col(8)
    assert found["-2"] == col(27)


def test_lines_are_counted_in_multiline_text() -> None:
    """After a newline the line grows and the column restarts at 1."""
    tree = p("a and\n  b or\nc")
    assert [n.loc for n in nodes(tree) if isinstance(n, Ref)] == [
        col(0),
        Location("rules.yaml", 5, 3),
        Location("rules.yaml", 6, 1),
    ]


def test_whole_file_start_stays_on_line_zero() -> None:
    """With a line-0 start (a rule built in code) no line numbers are invented."""
    tree = parse("a\nor b", Location("<memory>"))
    assert all(n.loc.line == 0 for n in nodes(tree))


# ---------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "code", "offset"),
    [
        ("a b", "E301", 2),
        ("a =  b", "E301", 2),
        ("a & b", "E301", 2),
        ("(a", "E301", 0),
        ("a)", "E301", 1),
        ("a +", "E301", 3),
        ("a < not b", "E301", 4),
        ("x in [y]", "E301", 6),
        ("x in 3", "E301", 5),
        ("points.", "E301", 7),
        ("a ＞ b", "E301", 2),
        ("90% %", "E301", 4),
        ('"abc', "E302", 0),
        ('x == “abc"', "E302", 5),
        ('x == "a\\q"', "E302", 7),
        (".5", "E303", 0),
        ("x > 1.", "E303", 4),
        ("1.2.3 > x", "E303", 0),
        ("x > 1e5", "E303", 4),
        ("a < b < c", "E304", 6),
        ("a == 1 != 2", "E304", 7),
        ("x in [1] == true", "E304", 9),
        ("", "E305", 0),
        ("　 \n", "E305", 0),
        ("x" * (MAX_LENGTH + 1), "E306", 0),
        ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), "E306", MAX_DEPTH),
    ],
)
def test_each_syntax_error_has_its_code_and_exact_location(
    text: str, code: str, offset: int
) -> None:
    """Every kind of syntax error is reported once, with its code, at the offending character."""
    problem = error(text)
    assert (problem.code, problem.location) == (code, col(offset))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a b", "expected an operator or the end, found name 'b'"),
        ("(a b)", "expected an operator or ')', found name 'b'"),
        ("a +", "expected a value (a number, string, name, 'not', '-' or '('), found end of text"),
        (
            "x in [y]",
            "expected a number, string, true or false (list items are literals), found name 'y'",
        ),
        (".5", "bad number '.5': write '0.5'"),
        ("(a", "'(' is never closed: expected ')' before the end"),
        ("", "empty expression"),
    ],
)
def test_syntax_errors_say_what_was_expected_and_found(text: str, message: str) -> None:
    """Messages name the expected and the found token."""
    assert error(text).message == message


def test_hints_accompany_likely_slips() -> None:
    """'=', full-width operators and glued Chinese keywords get a suggestion."""
    assert error("a = 1").suggestion == "use '==' to compare"
    assert error("a ＞ 1").suggestion == "full-width character; did you mean '>'?"
    assert error("a > 3且b").suggestion == "put a space after '且'"


def test_expr_error_is_a_rule_set_error_with_one_problem() -> None:
    """ExprError can be caught as RuleSetError (and ValueError) and prints its location."""
    with pytest.raises(RuleSetError) as caught:
        p("a <")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("rules.yaml:4:10: E301: ")


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000 + "a" + ")" * 5000,
        "(" * 150 + "a" + ")" * 150,
        "not " * 400 + "a",
        "-" * 1999 + "a",
        "a" + " + a" * 400,
        "!" * 1999 + "a",
    ],
)
def test_deep_input_gives_e306_not_recursion_error(text: str) -> None:
    """Very long or deeply nested input is refused with E306, never by overflowing the stack."""
    assert error(text).code == "E306"


def test_wide_input_within_limits_parses() -> None:
    """Long flat 'or' chains, names and strings up to the length limit are fine."""
    assert isinstance(p(" or ".join(["a"] * 399)), BoolOp)
    assert p("x" * MAX_LENGTH) == Ref(("x" * MAX_LENGTH,), START)
    assert p('"' + "y" * (MAX_LENGTH - 2) + '"') == Str("y" * (MAX_LENGTH - 2), START)


LANGUAGE_CHARS = st.sampled_from(
    [*"ab_.12%％\"'“”‘’\\()（）[],，<>=!&|+-*/≤≥≠ \u3000\n且或非满", "in", "not", "true"]
)


@settings(max_examples=500)
@given(st.one_of(st.text(), st.lists(LANGUAGE_CHARS, max_size=30).map("".join)))
def test_arbitrary_text_raises_only_expr_error(text: str) -> None:
    """Any text either parses (and then prints back to the same tree) or raises ExprError."""
    try:
        tree: Expr | None = p(text)
    except ExprError as e:
        tree, code = None, e.problem.code
    if tree is None:
        assert code.startswith("E30")
    else:
        assert p(to_text(tree)) == tree


# ---------------------------------------------------------------- grammar


@pytest.mark.parametrize(
    ("text", "explicit"),
    [
        ("a or b and c", "a or (b and c)"),
        ("not a and b", "(not a) and b"),
        ("not a < b", "not (a < b)"),
        ("not x in [1]", "not (x in [1])"),
        ("a + b * c", "a + (b * c)"),
        ("a - b - c", "(a - b) - c"),
        ("a / b * c", "(a / b) * c"),
        ("-a * b", "(-a) * b"),
        ("a + b < c * d", "(a + b) < (c * d)"),
        ("a + b not in [1]", "(a + b) not in [1]"),
        ("a == b and c != d or e", "((a == b) and (c != d)) or e"),
    ],
)
def test_precedence_follows_the_grammar(text: str, explicit: str) -> None:
    """Operators bind as documented: or < and < not < comparison < +- < */ < unary minus."""
    assert p(text) == p(explicit)


def test_same_boolean_operators_flatten_into_one_node() -> None:
    """'a or b or c' is one BoolOp with three operands; parenthesized groups stay nested."""
    assert p("a or b or c") == BoolOp("or", (p("a"), p("b"), p("c")), START)
    assert p("(a or b) or c") == BoolOp("or", (p("a or b"), p("c")), START)


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        (
            '非 team_complete 且 (a >= 1 或 b == "是")',
            'not team_complete and (a >= 1 or b == "是")',
        ),
        ("!a && b || c", "not a and b or c"),
        ("a ≥ 1 且 b ≤ 2 且 c ≠ 3", "a >= 1 and b <= 2 and c != 3"),
        ("x == “是” 或 y == ‘否’", 'x == "是" or y == "否"'),
        ("（a + b）* 2 in [1，2]", "(a + b) * 2 in [1, 2]"),
        ("x 非 in ['a']", 'x not in ["a"]'),
        ("满意度 < 90％", "满意度 < 0.9"),
    ],
)
def test_chinese_spellings_mean_the_same(chinese: str, english: str) -> None:
    """Chinese keywords, quotes, punctuation and ≥ ≤ ≠ parse like their ASCII forms."""
    assert p(chinese) == p(english)


def test_chinese_keywords_are_whole_words_only() -> None:
    """A name that merely starts with 非 or contains 且 is a name, not a keyword."""
    assert p("非公有制企业数 > 0") == Compare(
        ">", Ref(("非公有制企业数",), START), Num(Fraction(0), START), START
    )
    assert p("并且") == Ref(("并且",), START)


def test_references_are_dotted_paths() -> None:
    """'points.income' is one reference with a two-part path; spaces around '.' are allowed."""
    assert p("points.income") == Ref(("points", "income"), START)
    assert p("points . income") == p("points.income")
    assert p("dimension.production").name == "dimension.production"  # type: ignore[union-attr]


def test_percent_literal_is_exact() -> None:
    """'90%' is exactly 9/10 and '12.5%' exactly 1/8, never a float."""
    assert p("90%") == Num(Fraction(9, 10), START)
    assert p("12.5%") == Num(Fraction(1, 8), START)
    assert p("0.1") == Num(Fraction(1, 10), START)


def test_list_literals_take_negative_numbers_and_a_trailing_comma() -> None:
    """Items are literals; numbers may carry a sign; an empty list is allowed."""
    tree = p("x in [-1, 2.5, 'a', true,]")
    assert isinstance(tree, In)
    assert [to_text(o) for o in tree.options] == ["-1", "2.5", '"a"', "true"]
    assert p("x not in []") == In(Ref(("x",), START), (), True, START)


# ---------------------------------------------------------------- printing


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (Fraction(5), "5"),
        (Fraction(9, 10), "0.9"),
        (Fraction(1, 8), "0.125"),
        (Fraction(-3, 2), "-1.5"),
        (Fraction(1, 3), "(1 / 3)"),
        (Fraction(1, 1000), "0.001"),
    ],
)
def test_to_text_prints_numbers_exactly(number: Fraction, text: str) -> None:
    """Terminating fractions print as decimals, others as a parenthesized division."""
    assert to_text(Num(number, START)) == text


def test_to_text_is_canonical() -> None:
    """Minimal parentheses, English keywords, double-quoted escaped strings."""
    assert to_text(p("((a + b)) * (c)")) == "(a + b) * c"
    assert to_text(p("非 a 且 -(-b) > 1")) == "not a and - -b > 1"
    assert to_text(p("x == 'say \"是\"\\\\'")) == 'x == "say \\"是\\"\\\\"'
    assert to_text(Str("a\nb\t", START)) == '"a\\nb\\t"'


def test_non_terminating_numbers_print_as_equal_divisions() -> None:
    """A number like 1/3 prints as a division that evaluates to the same value."""
    assert evaluate(p(to_text(Num(Fraction(-2, 3), START))), {}) == Fraction(-2, 3)


@settings(max_examples=300)
@given(exprs({}))
def test_to_text_round_trips_any_tree(tree: Expr) -> None:
    """parse(to_text(tree)) == tree for every tree the parser can produce."""
    assert p(to_text(tree)) == tree


@given(exprs(SYMBOLS, "boolean"))
def test_to_text_round_trips_well_typed_trees(tree: Expr) -> None:
    """The round trip also holds for well-typed conditions over known names."""
    assert p(to_text(tree)) == tree


def test_written_text_keeps_each_number_as_the_rule_file_spells_it() -> None:
    """For people (explanations, messages) numbers keep their spelling; canonically they do not."""
    tree = p("income_growth > 13% and x < 0.50 or y in [-5％, 2]")
    assert to_text(tree, written=True) == "income_growth > 13% and x < 0.50 or y in [-5％, 2]"
    assert to_text(tree) == "income_growth > 0.13 and x < 0.5 or y in [-0.05, 2]"
    assert to_text(Num(Fraction(13, 100), START), written=True) == "0.13"  # built: canonical


@given(exprs({}))
def test_written_text_of_a_parsed_tree_parses_back_to_it(tree: Expr) -> None:
    """A tree parsed from text, printed as written, parses back to the same tree."""
    parsed = p(to_text(tree))
    assert p(to_text(parsed, written=True)) == tree


# ---------------------------------------------------------------- type checking


def check(text: str, want: Kind | None = "boolean") -> list[tuple[str, str, Location]]:
    """(code, message, location) of each problem typecheck finds in ``text``."""
    return [(q.code, q.message, q.location) for q in typecheck(p(text), SYMBOLS, want)]


@given(exprs(SYMBOLS, "boolean"))
def test_generated_well_typed_conditions_typecheck_cleanly(tree: Expr) -> None:
    """Trees built to be well typed produce no problems."""
    assert typecheck(tree, SYMBOLS) == []


def test_unknown_name_is_e310_with_a_suggestion() -> None:
    """An unknown reference is E310 at the reference, with a 'did you mean' hint."""
    [problem] = typecheck(p("satisfactoin < 90%"), SYMBOLS)
    assert problem == Problem(
        "E310", "unknown name 'satisfactoin'", col(0), "did you mean 'satisfaction'?"
    )


def test_typecheck_reports_every_problem() -> None:
    """All problems come back, in source order, not just the first."""
    assert [c[:1] + c[2:] for c in check("nope > 1 and score + team_complete > zilch")] == [
        ("E310", col(0)),
        ("E311", col(21)),
        ("E310", col(37)),
    ]


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ('score < "village"', "'<' needs numbers, got string 'village'", 8),
        ("team_complete >= 1", "'>=' needs numbers, got boolean 'team_complete'", 0),
        ('score == "60"', "'==' compares a number with string '60'", 9),
        ("team_complete != 1", "'!=' compares a boolean with number '1'", 17),
        ("score and team_complete", "'and' needs booleans, got number 'score'", 0),
        ("not score", "'not' needs a boolean, got number 'score'", 4),
        ("-org_type == 1", "'-' needs a number, got string 'org_type'", 1),
        ("org_type * 2 > 1", "'*' needs numbers, got string 'org_type'", 0),
        ('org_type in ["village", 3]', "'in' list for a string holds number '3'", 24),
    ],
)
def test_type_mismatches_are_e311_at_the_operand(text: str, message: str, offset: int) -> None:
    """A wrong-kind operand is E311 with a message naming the operator, kind and operand."""
    assert check(text) == [("E311", message, col(offset))]


def test_wrong_result_kind_is_e312() -> None:
    """The whole expression must have the wanted kind; None accepts any kind."""
    assert check("score + 1") == [("E312", "expected a boolean expression, got a number", col(0))]
    assert check("score + 1", want="number") == []
    assert check("org_type", want=None) == []


def test_division_by_a_literal_zero_is_e313() -> None:
    """Dividing by 0 (also written (0) or -0.0) is reported at the divisor."""
    assert check("score / 0 > 1") == [("E313", "division by zero", col(8))]
    assert check("score / (0) > 1") == [("E313", "division by zero", col(9))]
    assert check("score / -0.0 > 1") == [("E313", "division by zero", col(8))]


def test_problems_do_not_cascade() -> None:
    """An unknown name is reported once; its unknown kind raises no further mismatch."""
    assert [c[0] for c in check("(nope + 1) * 2 < 3 and nope2")] == ["E310", "E310"]


# ---------------------------------------------------------------- evaluation


def test_decimal_arithmetic_is_exact() -> None:
    """0.1 + 0.2 == 0.3 holds, and 1 / 3 * 3 == 1, because every number is a Fraction."""
    assert value("0.1 + 0.2 == 0.3") is True
    assert value("1 / 3 * 3 == 1") is True
    assert value("a / 3", a=Fraction(1)) == Fraction(1, 3)


def test_percentages_compare_exactly() -> None:
    """A satisfaction of exactly 9/10 is not below 90%."""
    assert value("satisfaction < 90%", satisfaction=Fraction(9, 10)) is False
    assert value("satisfaction >= 90%", satisfaction=Fraction(9, 10)) is True


def test_booleans_never_equal_numbers() -> None:
    """true is not 1 in this language, whatever Python says."""
    assert value("flag == 1", flag=True) is False
    assert value("flag != 1", flag=True) is True
    assert value("1 in [true]") is False
    assert value("x in [1, 'a']", x=True) is False


def test_in_and_not_in_test_membership() -> None:
    """'in' and 'not in' compare the item with each literal."""
    assert value("org_type in ['village', 'community']", org_type="village") is True
    assert value("org_type not in ['village', 'community']", org_type="village") is False
    assert value("score in [-1, 60]", score=Fraction(60)) is True


def test_missing_reference_raises_missing_value() -> None:
    """A reference with no value raises MissingValue (a LookupError) naming it."""
    with pytest.raises(MissingValue) as caught:
        value("points.income > 3")
    assert isinstance(caught.value, LookupError)
    assert caught.value.name == "points.income"


def test_and_or_short_circuit_left_to_right() -> None:
    """Later operands are not evaluated once the result is decided."""
    assert value("false and missing") is False
    assert value("true or missing") is True
    with pytest.raises(MissingValue):
        value("true and missing")


def test_division_by_zero_at_runtime_raises() -> None:
    """Dividing by a value that is zero raises ZeroDivisionError for the caller to handle."""
    with pytest.raises(ZeroDivisionError):
        value("a / b > 1", a=Fraction(1), b=Fraction(0))


def test_wrong_kinds_at_runtime_raise_type_error() -> None:
    """Without a prior typecheck, operands of the wrong kind raise TypeError."""
    with pytest.raises(TypeError):
        value("flag + 1", flag=True)
    with pytest.raises(TypeError):
        value("not x", x=Fraction(1))


def test_integer_values_are_taken_as_fractions() -> None:
    """Plain ints in the environment are accepted and stay exact."""
    assert value("a / 2", a=3) == Fraction(3, 2)  # type: ignore[arg-type]


KIND_VALUES: dict[str, st.SearchStrategy[Value]] = {
    "number": st.fractions(max_denominator=1000),
    "boolean": st.booleans(),
    "string": st.text(max_size=3),
}


@given(
    exprs(SYMBOLS, "boolean"),
    st.fixed_dictionaries({name: KIND_VALUES[kind] for name, kind in SYMBOLS.items()}),
)
def test_well_typed_conditions_evaluate_to_booleans(tree: Expr, env: dict[str, Value]) -> None:
    """A well-typed condition evaluates to a bool (or divides by zero at run time)."""
    try:
        result = evaluate(tree, env)
    except ZeroDivisionError:
        return
    assert isinstance(result, bool)


@given(exprs(SYMBOLS, "number"))
def test_number_expressions_evaluate_to_fractions(tree: Expr) -> None:
    """Number expressions evaluate to Fractions, never floats."""
    env: dict[str, Value] = {n: Fraction(7, 3) for n, k in SYMBOLS.items() if k == "number"}
    try:
        result = evaluate(tree, env)
    except ZeroDivisionError:
        return
    assert isinstance(result, Fraction)


def test_negation_nodes_evaluate() -> None:
    """Unary minus and 'not' nodes built in code evaluate like parsed ones."""
    assert evaluate(Neg(Num(Fraction(2), START), START), {}) == -2
    assert evaluate(Not(p("1 > 2"), START), {}) is True
