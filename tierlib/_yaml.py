"""Read YAML into plain data that remembers where every part came from.

Only the safe subset is accepted: standard tags, no ``!!python/...``; size and alias expansion
are bounded so that an alias bomb or an oversized document is rejected quickly:
at most ``MAX_BYTES`` of text and ``MAX_NODES`` nodes after alias expansion.
Numbers stay exact: a YAML float becomes a :class:`fractions.Fraction` of its decimal text
(numbers that are not finite or beyond about 1e300 stay text, for the field to report).
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from typing import Any

import yaml

from tierlib.errors import Location, Problem

# libyaml's C composer when PyYAML was built with it (same nodes and marks, ~10x faster)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_EXPONENT = 300  # numbers stay within ±1e300: Fraction('1e999999999') never ends
_MAX_BITS = 1000  # about 10**301

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_DECIMAL = re.compile(r"^[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?$")


class LDict(dict[str, Any]):
    """A mapping read from YAML; ``loc`` is where it starts, ``key_locs`` where each key is."""

    loc: Location
    key_locs: dict[str, Location]
    value_locs: dict[str, Location]


class LList(list[Any]):
    """A sequence read from YAML; ``loc`` is where it starts, ``item_locs`` where each item is."""

    loc: Location
    item_locs: list[Location]


class LStr(str):
    """A string read from YAML; ``loc`` is where its text starts (after any quote)."""

    loc: Location


class _TooBig(Exception):
    pass


def _loc(file: str, mark: Any) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


def read(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse ``text`` (named ``file`` in messages) into located plain data, or problems."""
    whole = Location(file, 1, 1)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None, [
            Problem(
                "E103",
                f"rule file larger than {MAX_BYTES:,} bytes",
                whole,
                "split it or use extends:",
            )
        ]
    if _NOT_ACCEPTED.search(text):  # before PyYAML, which names a position, not a line
        return None, _character_problems(text, file)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, file)]
    except yaml.YAMLError as exc:  # pragma: no cover - the reader's errors are found above
        return None, [Problem("E101", f"YAML syntax: {exc}", whole)]
    except RecursionError:
        return None, [Problem("E103", "YAML nesting is too deep", whole)]
    if node is None:
        return None, [Problem("E105", "the rule file is empty", whole)]
    problems: list[Problem] = []
    budget = [MAX_NODES]
    try:
        if _expanded_size(node) > MAX_NODES:
            raise _TooBig
        data = _convert(node, file, problems, budget)
    except RecursionError:
        return None, [Problem("E103", "YAML nesting is too deep", whole)]
    except _TooBig:
        return None, [
            Problem(
                "E103",
                f"document expands to more than {MAX_NODES:,} nodes (alias bomb?)",
                _loc(file, node.start_mark),
                "do not reuse large anchors",
            )
        ]
    if any(p.code == "E102" for p in problems):
        return None, problems  # a file with unsafe tags is refused whole, without follow-on errors
    return data, problems


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """E101 (or E103) at the spot PyYAML names, with the likely cause as the suggestion."""
    mark = exc.problem_mark or exc.context_mark
    what = str(exc.problem or exc.context)
    if "expected ':'" in what and "simple key" in str(exc.context) and exc.context_mark:
        # "could not find expected ':'" is found on the line after the key that lacks it
        mark = exc.context_mark
    loc = _loc(file, mark) if mark is not None else Location(file, 1, 1)
    if "nesting depth" in what:  # PyYAML 6.0.4 on stops deep nesting itself
        return Problem("E103", "YAML nesting is too deep", loc)
    lines = text.splitlines()
    hint = _line_hint(lines[loc.line - 1]) if 0 < loc.line <= len(lines) else None
    if "scanning a tag" in str(exc.context) and exc.context_mark is not None:  # `!有场所`
        loc = _loc(file, exc.context_mark)
        word = re.match(r"!(\w*)", text[exc.context_mark.index :])
        hint = _negation_hint(word.group(1) if word else "…")
    if hint is None:  # `{when: !ok, effect: …}`: the tag swallowed what follows, or a comma
        marks = [m for m in (exc.problem_mark, exc.context_mark) if m is not None]
        for line_no in sorted({m.line for m in marks}):
            bang = _BANG.search(lines[line_no]) if line_no < len(lines) else None
            if bang is not None:
                hint = _negation_hint(bang.group(1) or "…")
                loc = Location(file, line_no + 1, bang.start() + 1)
                break
    if hint is None:  # `-id: x` shows as an error on the line after it
        before = [i for i in range(loc.line - 2, -1, -1) if lines[i].strip()][:1]
        for i in before:
            if _DASH_NO_SPACE.match(lines[i]):
                hint = _line_hint(lines[i])
                dash = lines[i].index("-")
                loc = Location(file, i + 1, dash + 1)
    return Problem("E101", f"YAML syntax: {what}", loc, hint)


_DASH_NO_SPACE = re.compile(r"^[ \t]*-(?![-\s\d.])\S")
_NO_SPACE_AFTER_COLON = re.compile(r"^[ \t]*(?:-[ \t]+)?[^\s:#'\"{\[,]+:(?![ \t]|$)")
# a value starting with '!' (not '!!' or '!='): a negation YAML reads as a tag
_BANG = re.compile(r"(?<![^\s:{\[,])!(?![!=\s])([^\s,{}\[\]#]*)")
_ODD_SPACES = {"\u00a0": "a no-break space U+00A0", "\u3000": "a full-width space U+3000"}


def _negation_hint(name: str) -> str:
    return (
        "YAML reads a value starting with '!' as a tag; for a negation write "
        f"`not {name}` (or quote the whole condition)"
    )


def _line_hint(line: str) -> str | None:
    """The usual cause of a YAML syntax error on ``line``, as a suggestion, or None."""
    code = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]  # comments may say anything
    indent = code[: len(code) - len(code.lstrip())]
    if "\t" in indent:
        return "indent with spaces, not tabs"
    if _DASH_NO_SPACE.match(code):
        return "a list item needs a space after the dash: write '- id: …', not '-id: …'"
    if "：" in code.split(":", 1)[0]:
        return "the full-width colon '：' does not end a key: use ':' followed by a space"
    for char, name in _ODD_SPACES.items():
        if char in code:
            return f"{name} is not a space to YAML: use a normal space"
    if _NO_SPACE_AFTER_COLON.match(code):
        return "a key needs a space after its ':': write 'max: 6', not 'max:6'"
    return None


def _character_problems(text: str, file: str) -> list[Problem]:
    """One E101 per character YAML does not accept (control characters, U+FFFE …), located."""
    problems: list[Problem] = []
    for found in _NOT_ACCEPTED.finditer(text):
        at = found.start()
        if len(problems) == _MAX_CHARACTER_PROBLEMS:
            rest = len(_NOT_ACCEPTED.findall(text, at))
            problems.append(
                Problem("E101", f"{rest} more characters YAML does not accept", _at(text, at, file))
            )
            break
        char = found.group()
        name = f"U+{ord(char):04X}"
        if char == "\0":
            message = "the NUL character U+0000 is not allowed in YAML"
            hint = "the file may be damaged or not a text file: delete it"
        elif unicodedata.category(char) == "Cc":
            message = f"the invisible control character {name} is not allowed in YAML"
            hint = "an invisible control character, perhaps pasted from Word: delete it"
        else:
            message, hint = f"the character {name} is not allowed in YAML", "delete it"
        problems.append(Problem("E101", message, _at(text, at, file), hint))
    return problems


# what PyYAML's reader refuses (yaml.reader.Reader.NON_PRINTABLE; libyaml refuses the same)
_NOT_ACCEPTED = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_MAX_CHARACTER_PROBLEMS = 50


def _at(text: str, offset: int, file: str) -> Location:
    """The line and column (in characters) of character ``offset`` of ``text``."""
    start = text.rfind("\n", 0, offset) + 1
    return Location(file, text.count("\n", 0, offset) + 1, offset - start + 1)


def _expanded_size(root: yaml.Node) -> int:
    """Node count after alias expansion, computed once per distinct node (no expansion)."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in size:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if ready:
            size[id(node)] = min(MAX_NODES + 1, 1 + sum(size[id(c)] for c in children))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
    return size[id(root)]


def _convert(node: yaml.Node, file: str, problems: list[Problem], budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    loc = _loc(file, node.start_mark)
    if node.tag not in _ALLOWED_TAGS:
        hint = "remove the tag"
        if node.tag.startswith("!") and not node.tag.startswith("!!"):  # `when: !has_venue`
            # a negation, not a tag: the condition is the tag's name and the text after it
            rest = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
            meant = f"{node.tag[1:]} {rest}".strip()
            hint = _negation_hint(meant if len(meant) <= 60 else meant[:59] + "…")
        problems.append(
            Problem("E102", f"tag {node.tag!r} is not allowed in rule files", loc, hint)
        )
        return None
    if isinstance(node, yaml.MappingNode):
        out = LDict()
        out.loc, out.key_locs, out.value_locs = loc, {}, {}
        for key_node, value_node in node.value:
            key_loc = _loc(file, key_node.start_mark)
            if key_node.tag == _STD + "merge" or not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem("E111", "mapping keys must be plain names", key_loc))
                continue
            key = str(key_node.value)
            if key in out:
                problems.append(
                    Problem(
                        "E104",
                        f"duplicate key {key!r} (first at line {out.key_locs[key].line})",
                        key_loc,
                    )
                )
                continue
            out.key_locs[key] = key_loc
            out.value_locs[key] = _loc(file, value_node.start_mark)
            out[key] = _convert(value_node, file, problems, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LList()
        seq.loc, seq.item_locs = loc, []
        for item in node.value:
            item_loc = _loc(file, item.start_mark)
            if node.flow_style and _full_width_comma(item):
                mark = next(c for c in str(item.value) if c in _WIDE_COMMAS)
                problems.append(
                    Problem(
                        "E106",
                        f"{_WIDE_COMMAS[mark]} {mark!r} inside [...]: items are separated by ','",
                        item_loc,
                        f"write [{_rewritten(node)}]",
                    )
                )
                for offset, piece in _pieces(str(item.value)):  # the items meant, not a cascade
                    tag = _RESOLVER.resolve(yaml.ScalarNode, piece, (True, False))  # type: ignore[no-untyped-call]
                    piece_node = yaml.ScalarNode(tag, piece, item.start_mark, item.end_mark)
                    same_line = item.start_mark.line == item.end_mark.line
                    piece_loc = item_loc.shifted(offset) if same_line else item_loc
                    seq.append(_scalar(piece_node, piece_loc, problems))
                    seq.item_locs.append(piece_loc)
                continue
            seq.append(_convert(item, file, problems, budget))
            seq.item_locs.append(item_loc)
        return seq
    return _scalar(node, loc, problems)


_RESOLVER = yaml.resolver.Resolver()


#: Commas of Chinese text that YAML does not take as separating the items of a [...] list.
_WIDE_COMMAS = {"，": "full-width", "、": "the enumeration comma"}
_WIDE_COMMA = re.compile("[，、]")


def _full_width_comma(item: yaml.Node) -> bool:
    """A plain (unquoted) item of a flow list holding '，' or '、': two items meant as one."""
    return (
        isinstance(item, yaml.ScalarNode)
        and item.tag == _STD + "str"
        and not item.style
        and _WIDE_COMMA.search(str(item.value)) is not None
    )


def _pieces(text: str) -> list[tuple[int, str]]:
    """The parts of ``text`` between full-width or enumeration commas, stripped, with their
    offsets."""
    out, start = [], 0
    for part in _WIDE_COMMA.split(text):
        stripped = part.strip()
        if stripped:
            out.append((start + part.index(stripped), stripped))
        start += len(part) + 1
    return out


def _rewritten(node: yaml.SequenceNode) -> str:
    """The items of a flow list as they were meant, separated by ', '."""
    texts = [
        piece
        for item in node.value
        for piece in (
            [p for _, p in _pieces(str(item.value))]
            if _full_width_comma(item)
            else [_as_written(item)]
        )
    ]
    text = ", ".join(texts)
    return text if len(text) <= 80 else text[:79] + "…"


def _as_written(item: yaml.Node) -> str:
    if not isinstance(item, yaml.ScalarNode):
        return "…"
    return f'"{item.value}"' if item.style in {"'", '"'} else str(item.value)


def _scalar(node: yaml.Node, loc: Location, problems: list[Problem]) -> Any:
    text = str(node.value)
    tag = node.tag[len(_STD) :]
    if tag == "null":
        return None
    if tag == "bool":
        return text.lower() in {"true", "yes", "on", "y"}
    if tag in {"int", "float"}:
        number = _number(text.replace("_", ""), tag == "int")
        if number is not None:
            return number
        # .inf, .nan, 1:30 (sexagesimal), 1e999999999, thousands of digits: kept as text, so
        # that the field reports it in context ("expected a number, got text '.inf'")
    out = LStr(text)
    quoted = getattr(node, "style", None) in {"'", '"'}
    out.loc = loc.shifted(1) if quoted else loc
    return out


def _number(text: str, integer: bool) -> int | Fraction | None:
    """The exact value of a YAML int or float, or None when it is not finite and moderate."""
    if integer:
        try:
            number = int(text, 0)
        except ValueError:
            pass  # sexagesimal and other YAML 1.1 oddities
        else:
            return number if number.bit_length() <= _MAX_BITS else None
    decimal = _DECIMAL.match(text)
    if not decimal or not any(c.isdigit() for c in text):
        return None
    exponent = (decimal.group(3) or "e0")[1:].lstrip("+-").lstrip("0")
    if len(exponent) > 3 or int(exponent or "0") > MAX_EXPONENT:
        return None  # before Fraction(), which would compute 10**999999999
    try:
        value = Fraction(text)
    except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
        return None
    return value if max(abs(value.numerator), value.denominator).bit_length() <= _MAX_BITS else None


def loc_of(value: Any, default: Location) -> Location:
    """The location of a value read by :func:`read`, or ``default`` for bare scalars."""
    return getattr(value, "loc", default)
