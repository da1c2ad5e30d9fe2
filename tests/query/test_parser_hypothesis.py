"""Property tests of the filter_query parser: generated queries round-trip, junk never crashes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql, postgresql, sqlite

from lineage.errors import FilterQueryError, InvalidArgumentError
from lineage.query import ENUMS, EnumType, format_filter, parse_filter
from lineage.store._filters import filter_node_ids
from lineage.store._schema import Tables, build_tables

KINDS = ("artifact", "execution", "context")

# A grammar of well-formed, well-typed queries ------------------------------------------------

_SPACE = st.sampled_from([" ", "  ", "\n", "\t", " /* c */ "])
_word = st.text(alphabet="abcxyzABC0123456789_", min_size=1, max_size=8)
_property_name = st.one_of(
    _word,
    st.text(
        st.characters(exclude_characters="`\x00", exclude_categories=("Cs",)),
        min_size=1,
        max_size=8,
    ).map(lambda s: f"`{s}`"),
)


def _keyword(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.lower(), word.capitalize()])


def _quote(value: str, quote: str) -> str:
    out = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return quote + out.replace("\n", "\\n").replace("\r", "\\r") + quote


_string_literal = st.builds(
    _quote,
    st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["'", '"']),
)
# A LIKE pattern must not end with a lone backslash: end every generated one with '%'.
_like_pattern = st.builds(
    _quote,
    st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=8).map(
        lambda s: s + "%"
    ),
    st.sampled_from(["'", '"']),
)
_int_literal = st.one_of(
    st.integers(0, 2**63 - 1).map(str),
    st.integers(0, 2**40).map(hex),
)
_float_literal = st.one_of(
    st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["0.5", ".5", "1.", "1e3", "2.5E-3", "1e+2"]),
)

_INT_ATTRS = ["id", "type_id", "create_time_since_epoch", "last_update_time_since_epoch"]
_STRING_ATTRS = ["name", "type", "external_id"]
_NEIGHBOR_INTS = {
    "artifact": [
        "contexts_{a}.id",
        "events_{a}.execution_id",
        "events_{a}.milliseconds_since_epoch",
    ],
    "execution": ["contexts_{a}.id", "events_{a}.artifact_id"],
    "context": [
        "parent_contexts_{a}.id",
        "child_contexts_{a}.create_time_since_epoch",
        "artifacts_{a}.id",
        "executions_{a}.last_update_time_since_epoch",
    ],
}
_NEIGHBOR_STRINGS = {
    "artifact": ["contexts_{a}.name", "contexts_{a}.type"],
    "execution": ["contexts_{a}.name", "contexts_{a}.type"],
    "context": [
        "parent_contexts_{a}.name",
        "child_contexts_{a}.type",
        "artifacts_{a}.uri",
        "artifacts_{a}.external_id",
        "executions_{a}.name",
    ],
}
_ENUM_ATTRS: dict[str, list[tuple[str, EnumType]]] = {
    "artifact": [("state", "Artifact.State"), ("events_{a}.type", "Event.Type")],
    "execution": [("last_known_state", "Execution.State"), ("events_{a}.type", "Event.Type")],
    "context": [
        ("artifacts_{a}.state", "Artifact.State"),
        ("executions_{a}.last_known_state", "Execution.State"),
    ],
}


def _join(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Concatenate the parts with random whitespace between them."""

    def build(draw: Callable[[st.SearchStrategy[str]], str]) -> str:
        out = draw(parts[0])
        for part in parts[1:]:
            out += draw(_SPACE) + draw(part)
        return out

    return st.composite(lambda draw: build(draw))()


def _lit(text: str) -> st.SearchStrategy[str]:
    return st.just(text)


def _property(field: str) -> st.SearchStrategy[str]:
    return st.builds(
        lambda prefix, name: f"{prefix}.{name}.{field}",
        st.sampled_from(["properties", "custom_properties"]),
        _property_name,
    )


def _neighbor(templates: list[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda t, a: t.format(a=a), st.sampled_from(templates), _word)


def _grammar(kind: str) -> st.SearchStrategy[str]:
    string_attrs = _STRING_ATTRS + (["uri"] if kind == "artifact" else [])
    int_leaf = st.one_of(
        st.sampled_from(_INT_ATTRS),
        _int_literal,
        _property("int_value"),
        _neighbor(_NEIGHBOR_INTS[kind]),
    )
    number: st.SearchStrategy[str] = st.recursive(
        st.one_of(int_leaf, _float_literal, _property("double_value")),
        lambda inner: st.one_of(
            _join(inner, st.sampled_from(["+", "-", "*", "/"]), inner),
            inner.map(lambda x: f"-{x}" if not x.startswith("-") else f"-({x})"),
            inner.map(lambda x: f"({x})"),
            _join(_keyword("ABS"), inner.map(lambda x: f"({x})")),
            st.builds(lambda s: f"LENGTH({s})", st.sampled_from(string_attrs)),
        ),
        max_leaves=4,
    )
    string: st.SearchStrategy[str] = st.recursive(
        st.one_of(
            st.sampled_from(string_attrs),
            _string_literal,
            _property("string_value"),
            _neighbor(_NEIGHBOR_STRINGS[kind]),
        ),
        lambda inner: st.builds(
            lambda f, x: f"{f}({x})", st.sampled_from(["LOWER", "upper", "Lower"]), inner
        ),
        max_leaves=2,
    )
    comparison_op = st.sampled_from(["=", "!=", "<>", "<", "<=", ">", ">="])

    def enum_predicate(draw: Callable[[st.SearchStrategy[str]], str]) -> str:
        attr, enum = draw(st.sampled_from(_ENUM_ATTRS[kind]))
        attr = attr.format(a=draw(_word))
        names = st.sampled_from(sorted(ENUMS[enum]))
        shape = draw(st.integers(0, 3))
        if shape == 0:
            return f"{attr} {draw(st.sampled_from(['=', '!=', '<>']))} {draw(names)}"
        if shape == 1:
            return f"{draw(names)} = {attr}"
        if shape == 2:
            items = ", ".join(draw(st.lists(names, min_size=1, max_size=4)))
            return f"{attr} {draw(st.sampled_from(['IN', 'not in']))} ({items})"
        return f"{attr} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"

    predicate = st.one_of(
        _join(number, comparison_op, number),
        _join(string, comparison_op, string),
        _join(string, _keyword("LIKE"), _like_pattern),
        _join(string, _keyword("NOT"), _keyword("LIKE"), _like_pattern),
        st.builds(
            lambda x, neg, items: f"{x} {neg}IN ({', '.join(items)})",
            number,
            st.sampled_from(["", "NOT "]),
            st.lists(number, min_size=1, max_size=4),
        ),
        _join(number, _keyword("BETWEEN"), number, _keyword("AND"), number),
        _join(string, _keyword("IS"), st.sampled_from(["NULL", "NOT NULL", "not null"])),
        st.composite(lambda draw: enum_predicate(draw))(),
        st.sampled_from(["TRUE", "false", "NULL IS NULL"]),
        _property("bool_value"),
        _join(
            _property("bool_value"),
            st.sampled_from(["=", "!="]),
            st.sampled_from(["TRUE", "FALSE"]),
        ),
    )
    return st.recursive(
        predicate,
        lambda inner: st.one_of(
            _join(inner, _keyword("AND"), inner),
            _join(inner, _keyword("OR"), inner),
            _join(_keyword("NOT"), inner.map(lambda x: f"({x})")),
            inner.map(lambda x: f"({x})"),
        ),
        max_leaves=8,
    )


_query = st.sampled_from(KINDS).flatmap(lambda kind: st.tuples(st.just(kind), _grammar(kind)))


@settings(max_examples=400, deadline=None)
@given(_query)
def test_generated_queries_parse_and_round_trip(case: tuple[str, str]) -> None:
    kind, text = case
    tree = parse_filter(text, kind)
    canonical = format_filter(tree)
    again = parse_filter(canonical, kind)
    assert again == tree
    assert format_filter(again) == canonical


# Every generated query compiles for all three dialects and runs on SQLite -------------------

_DIALECTS = (sqlite.dialect(), mysql.dialect(), postgresql.dialect())


@pytest.fixture(scope="module")
def empty_sqlite() -> Iterator[tuple[sa.Engine, Tables]]:
    engine = sa.create_engine("sqlite://")
    tables = build_tables("sqlite")
    tables.metadata.create_all(engine)
    yield engine, tables
    engine.dispose()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_query)
def test_generated_queries_compile_and_run(
    empty_sqlite: tuple[sa.Engine, Tables], case: tuple[str, str]
) -> None:
    engine, tables = empty_sqlite
    kind, text = case
    tree = parse_filter(text, kind)
    for dialect in _DIALECTS:
        filter_node_ids(tree, kind, build_tables(dialect.name)).select.compile(dialect=dialect)
    with engine.connect() as conn:
        conn.execute(filter_node_ids(tree, kind, tables).select).all()


# Junk never escapes as anything but InvalidArgumentError ----------------------------------

_TOKENS = [
    *("AND", "OR", "NOT", "IN", "LIKE", "BETWEEN", "IS", "NULL", "TRUE", "FALSE", "and", "not"),
    *("id", "name", "type", "uri", "state", "last_known_state", "LIVE", "INPUT", "NEW", "x"),
    *("properties", "custom_properties", "properties.p.int_value", "custom_properties.`a b`.x"),
    *("contexts_a.name", "events_0.type", "artifacts_b.state", "parent_contexts_c.id"),
    *(".", "..", "`", "``", "`x`", "'", '"', "'''", "'a'", '"b"', "'\\'", "'\\x'", "'\\u12'"),
    *("0", "1", "-1", "1.5", ".5", "1e", "1e5", "0x", "0x1F", "9" * 25, "1.2.3"),
    *("=", "==", "!=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "||", "!", "~"),
    *("(", ")", ",", ";", "@p", "$", "?", ":", "[", "]", "{", "}"),
    *("--", "#", "/*", "*/", "\n", "\\", "LOWER(", "ABS(", "CAST(", "SELECT", "é", "\x00"),
]

_soup = st.lists(st.sampled_from(_TOKENS), max_size=20).flatmap(
    lambda tokens: st.lists(
        st.sampled_from(["", " ", "\n"]), min_size=len(tokens), max_size=len(tokens)
    ).map(lambda seps: "".join(t + s for t, s in zip(tokens, seps, strict=True)))
)


def _check_no_crash(text: str, kind: str) -> None:
    """Parse ``text``: it either round-trips or fails with a positioned FilterQueryError."""
    error: FilterQueryError | None = None
    try:
        tree = parse_filter(text, kind)
    except FilterQueryError as exc:  # anything else escapes and fails the test
        error = exc
    if error is not None:
        assert isinstance(error, InvalidArgumentError)
        assert error.message.startswith("Invalid `filter_query` at position ")
        assert 0 <= error.position <= len(text)
        return
    canonical = format_filter(tree)
    assert parse_filter(canonical, kind) == tree


@settings(max_examples=1000, deadline=None)
@given(_soup, st.sampled_from(KINDS))
def test_token_soup_never_crashes(text: str, kind: str) -> None:
    _check_no_crash(text, kind)


@settings(max_examples=500, deadline=None)
@given(st.text(), st.sampled_from(KINDS))
def test_arbitrary_text_never_crashes(text: str, kind: str) -> None:
    _check_no_crash(text, kind)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3000), st.sampled_from(["(", "NOT ", "- ", "ABS(", "id IN (", "-("]))
def test_deep_nesting_never_crashes(depth: int, opener: str) -> None:
    _check_no_crash(opener * depth + "id = 1" + ")" * depth, "artifact")


@pytest.mark.parametrize("kind", KINDS)
def test_mlmd_invalid_syntax_for_all_kinds(kind: str) -> None:
    # ml-metadata's Python suite asserts this for all three node kinds.
    with pytest.raises(InvalidArgumentError):
        parse_filter("invalid syntax", kind)
