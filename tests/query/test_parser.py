"""The filter_query parser: a corpus of valid and invalid queries, errors and round trips."""

from __future__ import annotations

import pytest

from lineage.errors import FilterQueryError, InvalidArgumentError
from lineage.query import (
    MAX_DEPTH,
    And,
    Arithmetic,
    Attribute,
    Between,
    BoolLiteral,
    Comparison,
    EnumValue,
    Expr,
    FloatLiteral,
    FunctionCall,
    InList,
    IntLiteral,
    IsNull,
    Like,
    Negate,
    NeighborRef,
    Not,
    NullLiteral,
    Or,
    PropertyRef,
    StringLiteral,
    children,
    format_filter,
    parse_filter,
    walk,
)

A, E, C = "artifact", "execution", "context"
ALL = (A, E, C)
NOT_CONTEXT = (A, E)

# Valid queries -------------------------------------------------------------------------------

VALID: list[tuple[str, tuple[str, ...]]] = [
    # reference §4.5
    ("type = 'Dataset' AND properties.span.int_value = 1", (A,)),
    ("uri LIKE '/data/train/%'", (A,)),
    ("state IN (LIVE, PENDING)", (A,)),
    ("state != LIVE", (A,)),
    ("properties.accuracy.double_value > 0.9", (A,)),
    ("custom_properties.`my key`.string_value = 'x'", ALL),
    ("custom_properties.flag.bool_value = true", ALL),
    ("contexts_r.name = 'r1' AND contexts_r.type = 'Run'", NOT_CONTEXT),
    ("events_0.execution_id = 1 AND events_0.type = INPUT", (A,)),
    ("NOT(name = 'train_1') AND type = 'Dataset'", ALL),
    ("last_known_state NOT IN (COMPLETE, FAILED)", (E,)),
    ("events_0.artifact_id = 4", (E,)),
    ("parent_contexts_a.name = 'my_pipeline'", (C,)),
    ("child_contexts_a.name = 'r1'", (C,)),
    ("executions_a.name = 'train_run1' AND artifacts_b.uri LIKE '/data/%'", (C,)),
    # node attributes and operators (MLMD's resolver corpus and more)
    ("id != 1", ALL),
    ("id <> 1", ALL),
    ("id IN (1, 3)", ALL),
    ("id NOT IN (1, 3)", ALL),
    ("type_id = 1", ALL),
    ("type_id > 1", ALL),
    ("type_id + 1 > 1", ALL),
    ("type = 'Dataset'", ALL),
    ("type IS NOT NULL", ALL),
    ("uri = 'abc'", (A,)),
    ("uri like 'abc'", (A,)),
    ("uri LIKE 'abc'", (A,)),
    ("uri NOT LIKE 'a\\\\%c'", (A,)),
    ("uri IS NOT NULL", (A,)),
    ("name = 'a'", ALL),
    ('name = "double \\"quoted\\""', ALL),
    ("name = 'it\\'s'", ALL),
    ("name = '''triple 'quoted'\nstring'''", ALL),
    ('name = """triple"""', ALL),
    ("name = 'tab\\tnew\\nline \\u00e9 \\U0001F600 \\x41 \\101 \\\\ \\` \\?'", ALL),
    ("name = 'é😀'", ALL),
    ("external_id = 'e1'", ALL),
    ("external_id IS NULL", ALL),
    ("create_time_since_epoch = 1", ALL),
    ("create_time_since_epoch > 1", ALL),
    ("create_time_since_epoch + 1 > 1", ALL),
    ("last_update_time_since_epoch = 1", ALL),
    ("last_update_time_since_epoch > 1", ALL),
    ("last_update_time_since_epoch BETWEEN 1 AND 5", ALL),
    ("last_update_time_since_epoch NOT BETWEEN -5 AND 0x10", ALL),
    ("id < 2 AND id <= 2 AND id > 0 AND id >= 0", ALL),
    ("id = -9223372036854775808 OR id = 9223372036854775807", ALL),
    ("id * 2 - 1 = 3 / 1.5 + .5 - 1e3 + 2.5E-2", ALL),
    ("-id = +1", ALL),
    ("- - id = 1", ALL),
    ("(id) = ((1))", ALL),
    ("TRUE", ALL),
    ("FALSE OR true", ALL),
    ("NULL IS NULL", ALL),
    ("name = NULL", ALL),
    ("NOT NULL", ALL),
    ("(id = 1) = TRUE", ALL),
    ("'a' < 'b' AND TRUE != FALSE", ALL),
    ("NAME = 'upper-case attribute names resolve like ZetaSQL columns'", ALL),
    ("`name` = 'backquoted attribute'", ALL),
    ("name = 'x' -- a trailing comment", ALL),
    ("name = 'x' # another comment\n AND id = 1", ALL),
    ("/* leading */ name /* inline */ = 'x'", ALL),
    # whitelisted functions
    ("LOWER(name) = 'a'", ALL),
    ("upper(name) LIKE 'A%'", ALL),
    ("LENGTH(name) > 3", ALL),
    ("ABS(-id) = 1 AND ABS(properties.x.double_value) < 0.5", ALL),
    # contexts
    ("contexts_0.id = 1", NOT_CONTEXT),
    ("contexts_2.name = '1'", NOT_CONTEXT),
    ("contexts_abc.type = 'foo'", NOT_CONTEXT),
    ("contexts_abc.create_time_since_epoch = 1", NOT_CONTEXT),
    ("contexts_abc.last_update_time_since_epoch = 1", NOT_CONTEXT),
    ("contexts_a_b.NAME = 'field names are case-insensitive'", NOT_CONTEXT),
    ("contexts_a.`name` = 'x'", NOT_CONTEXT),
    # context neighbours
    ("artifacts_0.id = 1", (C,)),
    ("artifacts_2.name = '1'", (C,)),
    ("artifacts_abc.type = 'foo'", (C,)),
    ("artifacts_abc.create_time_since_epoch = 1", (C,)),
    ("artifacts_abc.last_update_time_since_epoch = 1", (C,)),
    ("artifacts_a.state = LIVE AND artifacts_a.external_id = 'x'", (C,)),
    ("artifacts_a.state NOT IN (ABANDONED, REFERENCE)", (C,)),
    ("executions_0.id = 1", (C,)),
    ("executions_2.name = '1'", (C,)),
    ("executions_abc.type = 'foo'", (C,)),
    ("executions_abc.create_time_since_epoch = 1", (C,)),
    ("executions_abc.last_update_time_since_epoch = 1", (C,)),
    ("executions_a.last_known_state = CANCELED AND executions_a.external_id IS NULL", (C,)),
    ("child_contexts_0.id = 1", (C,)),
    ("child_contexts_2.name = '1'", (C,)),
    ("child_contexts_abc.type = 'foo'", (C,)),
    ("parent_contexts_0.id = 1", (C,)),
    ("parent_contexts_2.name = '1'", (C,)),
    ("parent_contexts_abc.type = 'foo'", (C,)),
    ("parent_contexts_a.create_time_since_epoch > 0", (C,)),
    # logical operators
    ("type_id = 1 AND uri != 'abc'", (A,)),
    ("type_id = 1 OR uri != 'abc'", (A,)),
    ("NOT(type_id = 1)", ALL),
    ("NOT(type_id = 1) AND (contexts_foo.type = 'bar' OR uri like 'x%')", (A,)),
    ("not not id = 1", ALL),
    # properties
    ("properties.0.int_value = 1", ALL),
    ("properties.foo.string_value = '2'", ALL),
    ("properties.bar_baz.double_value IS NOT NULL", ALL),
    ("properties.select.bool_value = FALSE", ALL),
    ("properties.x.INT_VALUE = 1", ALL),
    ("custom_properties.0.double_value > 1.0", ALL),
    ("custom_properties.1.string_value = '2'", ALL),
    ("custom_properties.2.int_value != 0", ALL),
    ("properties.`0:b`.int_value = 1", ALL),
    ("custom_properties.`0 b`.string_value != '1'", ALL),
    (
        "properties.`0:b`.int_value = 1 AND properties.foo.double_value = 1 AND "
        "custom_properties.`0 b`.string_value != '1'",
        ALL,
    ),
    ("properties.0.int_value > 1 OR custom_properties.0.int_value > 1 ", ALL),
    ("properties.n.int_value * 2 = 4", ALL),
    ("custom_properties.flag.bool_value", ALL),
    ("NOT custom_properties.flag.bool_value AND properties.`é ü`.int_value = 1", ALL),
    (
        "type_id = 1 OR type = 'Dataset' AND contexts_0.name = '1' AND "
        "(properties.0.int_value > 1 OR custom_properties.0.int_value > 1) AND "
        "custom_properties.1.string_value IS NOT NULL",
        NOT_CONTEXT,
    ),
    # enums
    ("state = PENDING", (A,)),
    ("state != PENDING", (A,)),
    ("state = LIVE", (A,)),
    ("state = ABANDONED OR state = REFERENCE OR state = UNKNOWN", (A,)),
    ("state = MARKED_FOR_DELETION OR state = DELETED", (A,)),
    ("LIVE = state", (A,)),
    ("state IS NULL", (A,)),
    ("STATE = LIVE", (A,)),
    ("state = PENDING AND state = LIVE", (A,)),
    ("last_known_state = RUNNING", (E,)),
    ("last_known_state != RUNNING", (E,)),
    ("last_known_state = CANCELED", (E,)),
    ("last_known_state IN (UNKNOWN, NEW, RUNNING, COMPLETE, FAILED, CACHED, CANCELED)", (E,)),
    ("last_known_state IS NOT NULL", (E,)),
    ("events_0.execution_id = 1", (A,)),
    ("events_0.artifact_id = 1", (E,)),
    ("events_0.milliseconds_since_epoch = 1", NOT_CONTEXT),
    ("events_0.type = INPUT", NOT_CONTEXT),
    ("events_0.type = PENDING_OUTPUT OR events_0.type = UNKNOWN", NOT_CONTEXT),
    (
        "events_x.type IN (DECLARED_OUTPUT, DECLARED_INPUT, OUTPUT, INTERNAL_INPUT, "
        "INTERNAL_OUTPUT)",
        NOT_CONTEXT,
    ),
]


def _valid_cases() -> list[tuple[str, str]]:
    return [(query, kind) for query, kinds in VALID for kind in kinds]


@pytest.mark.parametrize(("query", "kind"), _valid_cases())
def test_valid_queries_parse_and_round_trip(query: str, kind: str) -> None:
    tree = parse_filter(query, kind)
    text = format_filter(tree)
    again = parse_filter(text, kind)
    assert again == tree
    assert format_filter(again) == text


# Invalid queries -----------------------------------------------------------------------------

INVALID: list[tuple[str, tuple[str, ...], int, str]] = [
    # (query, kinds, position, message fragment)
    ("", ALL, 0, "Syntax error: the query is empty"),
    ("   -- only a comment", ALL, 0, "the query is empty"),
    ("a == 'a'", ALL, 2, "operator '==' is not supported; use '='"),
    ("a", ALL, 0, "Unrecognized name: 'a' is not an attribute of"),
    ("a = 'a'", ALL, 0, "Unrecognized name"),
    ("nmae = 'x'", (A,), 0, "'nmae' is not an attribute of artifacts (did you mean 'name'?)"),
    ("'a'", ALL, 0, "Given query string is not a valid boolean expression"),
    ("type_id", ALL, 0, "not a valid boolean expression (the expression has type INT64)"),
    ("NULL", ALL, 0, "not a valid boolean expression"),
    ("id + 1", ALL, 0, "not a valid boolean expression"),
    ("id = 'a'", ALL, 3, "No matching signature for operator = for argument types: INT64, STRING"),
    ("type_id = 'a'", ALL, 8, "No matching signature for operator = for argument types"),
    ("type = 1", ALL, 5, "argument types: STRING, INT64"),
    ("uri = 1", (A,), 4, "No matching signature for operator = for argument types"),
    ("uri = 1", (E, C), 0, "Unrecognized name: 'uri' is an attribute of artifacts, not of"),
    ("create_time_since_epoch = 'a'", ALL, 24, "No matching signature for operator ="),
    ("create_time_since_epoch = a", ALL, 26, "Unrecognized name"),
    ("last_update_time_since_epoch = 'a'", ALL, 29, "No matching signature"),
    ("name = 1", ALL, 5, "No matching signature for operator = for argument types"),
    ("name = a", ALL, 7, "Unrecognized name"),
    ("name = TRUE", ALL, 5, "argument types: STRING, BOOL"),
    ("name < 1.5", ALL, 5, "operator < for argument types: STRING, DOUBLE"),
    ("id IN (1, 'a')", ALL, 10, "No matching signature for operator IN"),
    ("id BETWEEN 'a' AND 2", ALL, 3, "No matching signature for operator BETWEEN"),
    ("id LIKE 'a'", ALL, 3, "No matching signature for operator LIKE"),
    ("name LIKE 1", ALL, 5, "No matching signature for operator LIKE"),
    ("name + 1 = 2", ALL, 5, "No matching signature for operator +"),
    ("-name = 'a'", ALL, 0, "No matching signature for operator unary -"),
    ("+name = 'a'", ALL, 0, "No matching signature for operator unary +"),
    ("NOT id", ALL, 0, "No matching signature for operator NOT for argument type: INT64"),
    ("id AND TRUE", ALL, 0, "No matching signature for operator AND for argument types: INT64"),
    ("TRUE OR 'x'", ALL, 8, "No matching signature for operator OR"),
    ("id = 9223372036854775808", ALL, 5, "Invalid integer literal"),
    ("id = -9223372036854775809", ALL, 5, "Invalid integer literal"),
    ("id = 1" + "0" * 30, ALL, 5, "Invalid integer literal"),
    ("id = 0x1" + "0" * 16, ALL, 5, "Invalid integer literal"),
    ("id = 1e999", ALL, 5, "Invalid floating point literal"),
    # contexts
    ("contexts", ALL, 0, "Unrecognized name"),
    ("contexts_0", NOT_CONTEXT, 0, "Unrecognized name: contexts_0 is not a value"),
    ("contexts_0", (C,), 0, "contexts_<alias> is available for artifacts and executions"),
    ("contexts_.id = 1", NOT_CONTEXT, 0, "Unrecognized name"),
    ("contexts_0.foo", NOT_CONTEXT, 11, "Field name foo does not exist in contexts_0"),
    ("contexts_0.id.", NOT_CONTEXT, 14, "Unexpected end of expression"),
    ("contexts_0.id.bar", NOT_CONTEXT, 14, "Cannot access field bar"),
    ("contexts_0.nmae = 'x'", NOT_CONTEXT, 11, "(did you mean 'name'?)"),
    ("contexts_0.external_id = 'x'", NOT_CONTEXT, 11, "Field name external_id does not exist"),
    ("Contexts_a.name = 'x'", NOT_CONTEXT, 0, "Unrecognized name"),
    ("contexts_a .name = 'x'", NOT_CONTEXT, 11, "Syntax error"),
    # artifacts / executions of a context
    ("artifacts", ALL, 0, "Unrecognized name"),
    ("artifacts_0", (C,), 0, "Unrecognized name"),
    ("artifacts_0.foo", (C,), 12, "Field name foo does not exist"),
    ("artifacts_0.id.", (C,), 15, "Unexpected end of expression"),
    ("artifacts_0.id.bar", (C,), 15, "Cannot access field bar"),
    ("artifacts_0.id = 1", NOT_CONTEXT, 0, "artifacts_<alias> is available for contexts"),
    ("artifacts_0.last_known_state = NEW", (C,), 12, "Field name last_known_state does not"),
    ("executions", ALL, 0, "Unrecognized name"),
    ("executions_0", (C,), 0, "Unrecognized name"),
    ("executions_0.foo", (C,), 13, "Field name foo does not exist"),
    ("executions_0.id.", (C,), 16, "Unexpected end of expression"),
    ("executions_0.id.bar", (C,), 16, "Cannot access field bar"),
    ("executions_0.uri = 'x'", (C,), 13, "Field name uri does not exist"),
    # properties
    ("properties", ALL, 0, "Unrecognized name"),
    ("properties.foo", ALL, 0, "Unrecognized name: properties.foo needs a value field"),
    ("properties.bar.", ALL, 15, "Unexpected end of expression"),
    ("properties.baz.int", ALL, 15, "Field name int does not exist"),
    ("properties.baz.int = 1", ALL, 15, "(did you mean 'int_value'?)"),
    ("properties.0:b.int_value = 1", ALL, 12, "Syntax error: unexpected character ':'"),
    ("properties.a.int_value.x = 1", ALL, 23, "Cannot access field x on a value with type INT64"),
    ("properties.``.int_value = 1", ALL, 11, "empty backquoted name"),
    ("properties.`a.int_value = 1", ALL, 11, "unterminated backquoted name"),
    ("properties.a. int_value = 1", ALL, 13, "expected a name after '.'"),
    ("PROPERTIES.a.int_value = 1", ALL, 0, "Unrecognized name"),
    ("custom_properties", ALL, 0, "Unrecognized name"),
    ("custom_properties.foo", ALL, 0, "Unrecognized name"),
    ("custom_properties.bar.", ALL, 22, "Unexpected end of expression"),
    ("custom_properties.baz.string", ALL, 22, "Field name string does not exist"),
    ("custom_properties.0:b.string_value", ALL, 19, "Syntax error"),
    ("properties.p.string_value = 1", ALL, 26, "argument types: STRING, INT64"),
    ("properties.p.bool_value = 1", ALL, 24, "argument types: BOOL, INT64"),
    # parent / child contexts
    ("child_contexts", (C,), 0, "Unrecognized name"),
    ("child_contexts_0", (C,), 0, "Unrecognized name"),
    ("child_contexts_0.foo", (C,), 17, "Field name foo does not exist"),
    ("child_contexts_0.id.", (C,), 20, "Unexpected end of expression"),
    ("child_contexts_0.id.bar", (C,), 20, "Cannot access field bar"),
    ("parent_contexts", (C,), 0, "Unrecognized name"),
    ("parent_contexts_0", (C,), 0, "Unrecognized name"),
    ("parent_contexts_0.foo", (C,), 18, "Field name foo does not exist"),
    ("parent_contexts_0.id.", (C,), 21, "Unexpected end of expression"),
    ("parent_contexts_0.id.bar", (C,), 21, "Cannot access field bar"),
    ("parent_contexts_0.id = 1", NOT_CONTEXT, 0, "parent_contexts_<alias> is available for"),
    # enums
    ("state", (A,), 0, "not a valid boolean expression"),
    ("state = 'LIVE'", (A,), 8, "No matching signature for operator = for argument types"),
    ("state = 'LIVE'", (A,), 8, "takes an enum name without quotes"),
    ("state = 1", (A,), 8, "Unsupported enum value specified in the query: 1"),
    ("state = -1", (A,), 8, "Unsupported enum value specified"),
    ("state = NULL", (A,), 8, "write state IS NULL"),
    ("state = RUNNING", (A,), 8, "Unsupported enum value specified in the query: RUNNING"),
    ("state = live", (A,), 8, "(did you mean 'LIVE'?)"),
    ("state = LIVE + 1", (A,), 13, "state can only be compared with an enum name"),
    ("state IN (LIVE, 2)", (A,), 16, "Unsupported enum value"),
    ("state IN (LIVE, 'PENDING')", (A,), 16, "enum name without quotes"),
    ("state < LIVE", (A,), 6, "an enum supports only =, !=, IN, NOT IN and IS [NOT] NULL"),
    ("state BETWEEN LIVE AND DELETED", (A,), 6, "No matching signature for operator BETWEEN"),
    ("state + 1 = 2", (A,), 6, "No matching signature for operator +"),
    ("state = state", (A,), 8, "Unsupported enum value specified in the query: state"),
    ("state = name", (A,), 8, "Unsupported enum value specified in the query: name"),
    ("state = LOWER(name)", (A,), 8, "state can only be compared with an enum name"),
    ("LIVE = PENDING", (A,), 0, "Unrecognized name"),
    ("name = LIVE", (A,), 7, "Unrecognized name: 'LIVE'"),
    ("state", (E, C), 0, "Unrecognized name"),
    ("last_known_state", (E,), 0, "not a valid boolean expression"),
    ("last_known_state = 'RUNNING'", (E,), 19, "No matching signature for operator"),
    ("last_known_state = 1", (E,), 19, "Unsupported enum value specified"),
    ("last_known_state = LIVE", (E,), 19, "Unsupported enum value specified"),
    ("events_0.field_1 = '1'", NOT_CONTEXT, 9, "Field name field_1 does not exist"),
    ("events", ALL, 0, "Unrecognized name"),
    ("events_0.execution_id.", NOT_CONTEXT, 22, "Unexpected end of expression"),
    (
        "events_0.type = SOME_ENUM",
        NOT_CONTEXT,
        16,
        "Unsupported enum value specified in the query: SOME_ENUM",
    ),
    ("events_0.type = 3", NOT_CONTEXT, 16, "Unsupported enum value"),
    ("events_0.artifact_id = 1", (A,), 9, "Field name artifact_id does not exist"),
    ("events_0.execution_id = 1", (E,), 9, "Field name execution_id does not exist"),
    ("events_0.artifact_id = 1", (C,), 0, "Unrecognized name"),
    ("events_0.execution_id = 1", (C,), 0, "Unrecognized name"),
    # syntax
    ("invalid syntax", ALL, 8, "expected the end of the query but found 'syntax'"),
    ("name = ", ALL, 7, "expected a value after '=' but the query ends"),
    ("name = 'x' AND", ALL, 14, "expected a value after 'AND' but the query ends"),
    ("name = 'x' AND AND id = 1", ALL, 15, "expected a value after 'AND' but found 'AND'"),
    ("= 1", ALL, 0, "expected a value but found '='"),
    ("(id = 1", ALL, 7, "expected ')' after '1' but found the end of the query"),
    ("id = 1)", ALL, 6, "expected the end of the query but found ')'"),
    ("()", ALL, 1, "expected a value after '(' but found ')'"),
    ("id = 1 id = 2", ALL, 7, "expected the end of the query"),
    ("id = 1 = 1", ALL, 7, "comparison operators cannot be chained"),
    ("id = 1 IS NULL", ALL, 7, "comparison operators cannot be chained"),
    ("id < 2 NOT IN (1)", ALL, 7, "comparison operators cannot be chained"),
    ("name NOT 'x'", ALL, 9, "expected LIKE, IN or BETWEEN after 'NOT'"),
    ("name IS 'x'", ALL, 8, "expected NULL after 'IS' but found"),
    ("name IS NOT TRUE", ALL, 12, "expected NULL"),
    ("id BETWEEN 1 OR 2", ALL, 13, "expected AND after '1' but found 'OR'"),
    ("id IN 1", ALL, 6, "expected '(' to open the IN list"),
    ("id IN ()", ALL, 7, "an IN list needs at least one value"),
    ("id IN (1 2)", ALL, 9, "expected ',' or ')' in the IN list"),
    ("id IN (1,)", ALL, 9, "expected a value after ',' but found ')'"),
    ("id IN (SELECT 1)", ALL, 7, "subqueries are not supported"),
    ("(SELECT 1) = 1", ALL, 1, "subqueries are not supported"),
    ("name = @p", ALL, 7, "query parameters ('@name') are not supported"),
    ("name = 'x' ; DROP TABLE Artifact", ALL, 11, "unexpected character ';'"),
    ("name = 'x' || 'y'", ALL, 11, "operator '||' is not supported"),
    ("id & 1 = 1", ALL, 3, "operator '&' is not supported"),
    ("id = 1 /* unclosed", ALL, 7, "unclosed comment"),
    ("name = 'abc", ALL, 7, "unterminated string literal"),
    ('name = "abc', ALL, 7, "unterminated string literal"),
    ("name = 'abc\\'", ALL, 7, "unterminated string literal"),
    ("name = 'a\nb'", ALL, 7, "a quoted string cannot span lines"),
    ("name = '''abc''", ALL, 7, "unterminated string literal"),
    ("name = 'a\\qb'", ALL, 9, "Illegal escape sequence: \\q"),
    ("name = 'a\\x4'", ALL, 9, "\\x needs 2 hex digits"),
    ("name = '\\xff'", ALL, 8, "is not ASCII"),
    ("name = '\\400'", ALL, 8, "is not ASCII"),
    ("name = '\\12'", ALL, 8, "octal escapes need 3 digits"),
    ("name = '\\ud800'", ALL, 8, "is not a character"),
    ("name = '\\U00110000'", ALL, 8, "is not a character"),
    ("name = '\\u12'", ALL, 8, "\\u needs 4 hex digits"),
    ("name = '\\000'", ALL, 8, "cannot contain the NUL character"),
    ("name = 'a\x00'", ALL, 9, "NUL character"),
    ("name = '\ud800'", ALL, 8, "lone surrogate"),
    ("id = 1abc", ALL, 5, "malformed number '1abc'"),
    ("id = 1.2.3", ALL, 5, "malformed number"),
    ("id = 1e", ALL, 5, "malformed number"),
    ("id = 0x", ALL, 5, "malformed number"),
    ("name LIKE 'abc\\\\'", ALL, 10, "LIKE pattern must not end with an unescaped backslash"),
    # functions
    ("CAST(id AS STRING) = '1'", ALL, 0, "function CAST is not supported"),
    ("REGEXP_CONTAINS(name, 'a')", ALL, 0, "function REGEXP_CONTAINS is not supported"),
    ("concat(name, 'a') = 'b'", ALL, 0, "supported functions: ABS, LENGTH, LOWER, UPPER"),
    ("LOWER(name, 'x') = 'a'", ALL, 0, "Number of arguments does not match for function LOWER"),
    ("LOWER() = 'a'", ALL, 0, "Number of arguments does not match"),
    ("LOWER(id) = 'a'", ALL, 0, "No matching signature for function LOWER"),
    ("ABS(name) = 1", ALL, 0, "No matching signature for function ABS"),
    ("LENGTH(DISTINCT name) = 1", ALL, 7, "DISTINCT is not supported here"),
    ("`LOWER`(name) = 'a'", ALL, 7, "Syntax error"),
]


def _invalid_cases() -> list[tuple[str, str, int, str]]:
    return [
        (query, kind, position, fragment)
        for query, kinds, position, fragment in INVALID
        for kind in kinds
    ]


@pytest.mark.parametrize(("query", "kind", "position", "fragment"), _invalid_cases())
def test_invalid_queries(query: str, kind: str, position: int, fragment: str) -> None:
    with pytest.raises(FilterQueryError) as info:
        parse_filter(query, kind)
    error = info.value
    assert isinstance(error, InvalidArgumentError)
    assert error.message.startswith(f"Invalid `filter_query` at position {position}: ")
    assert error.position == position
    assert fragment in error.message


def test_error_is_an_invalid_argument_with_mlmd_code() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_filter("invalid syntax", "artifact")
    assert info.value.error_code == 3  # INVALID_ARGUMENT


@pytest.mark.parametrize("kind", ["artifacts", "Artifact", "", "node"])
def test_unknown_kind(kind: str) -> None:
    with pytest.raises(InvalidArgumentError, match="kind must be one of"):
        parse_filter("id = 1", kind)


def test_query_must_be_text() -> None:
    with pytest.raises(InvalidArgumentError, match="filter_query must be a str, got bytes"):
        parse_filter(b"id = 1", "artifact")  # type: ignore[arg-type]


# Deep nesting never exhausts the stack -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "(" * 10_000 + "id = 1" + ")" * 10_000,
        "NOT " * 10_000 + "TRUE",
        "- " * 10_000 + "id = 1",
        "id" + " + 1" * 10_000 + " = 1",
        "id = " + "ABS(" * 10_000 + "1" + ")" * 10_000,
        "id IN (" * 10_000,
        "(" * (MAX_DEPTH + 1) + "id = 1" + ")" * (MAX_DEPTH + 1),
    ],
    ids=["parens", "not", "minus", "chain", "calls", "in", "just-over"],
)
def test_deep_nesting_is_a_clear_error(query: str) -> None:
    with pytest.raises(FilterQueryError, match="nested too deeply"):
        parse_filter(query, "artifact")


def test_just_under_the_depth_limit_parses() -> None:
    depth = MAX_DEPTH - 2
    tree = parse_filter("(" * depth + "id = 1" + ")" * depth, "artifact")
    assert tree == Comparison("=", Attribute("id", "INT64"), IntLiteral(1))


def test_long_flat_chains_are_fine() -> None:
    tree = parse_filter(" OR ".join(f"id = {i}" for i in range(5000)), "artifact")
    assert isinstance(tree, Or)
    assert len(tree.operands) == 5000
    tree = parse_filter("id IN (" + ", ".join(map(str, range(5000))) + ")", "artifact")
    assert isinstance(tree, InList)
    assert len(tree.items) == 5000


# The tree ------------------------------------------------------------------------------------


def test_tree_shapes() -> None:
    tree = parse_filter(
        "NOT(name = 'a') AND (state <> LIVE OR properties.`my key`.int_value * -2 >= 1.5) "
        "AND contexts_r.type LIKE 'R%' AND id NOT BETWEEN 1 AND 3 AND uri IS NOT NULL "
        "AND events_0.type NOT IN (INPUT, PENDING_OUTPUT) "
        "AND LOWER(custom_properties.o.string_value) = NULL",
        "artifact",
    )
    assert tree == And(
        (
            Not(Comparison("=", Attribute("name", "STRING"), StringLiteral("a"))),
            Or(
                (
                    Comparison(
                        "!=",
                        Attribute("state", "Artifact.State"),
                        EnumValue("Artifact.State", "LIVE", 2),
                    ),
                    Comparison(
                        ">=",
                        Arithmetic(
                            "*", PropertyRef("my key", "int_value", False, "INT64"), IntLiteral(-2)
                        ),
                        FloatLiteral(1.5),
                    ),
                )
            ),
            Like(NeighborRef("contexts", "r", "type", "STRING"), StringLiteral("R%")),
            Between(Attribute("id", "INT64"), IntLiteral(1), IntLiteral(3), negated=True),
            IsNull(Attribute("uri", "STRING"), negated=True),
            InList(
                NeighborRef("events", "0", "type", "Event.Type"),
                (EnumValue("Event.Type", "INPUT", 3), EnumValue("Event.Type", "PENDING_OUTPUT", 7)),
                negated=True,
            ),
            Comparison(
                "=",
                FunctionCall("LOWER", (PropertyRef("o", "string_value", True, "STRING"),)),
                NullLiteral(),
            ),
        )
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("id = -5", IntLiteral(-5)),
        ("id = - 5", IntLiteral(-5)),
        ("id = -(5)", IntLiteral(-5)),
        ("id = -+5", IntLiteral(-5)),
        ("id = - -5", IntLiteral(5)),
        ("id = +5", IntLiteral(5)),
        ("id = 0x1F", IntLiteral(31)),
        ("id = -9223372036854775808", IntLiteral(-(2**63))),
        ("id = 1.", FloatLiteral(1.0)),
        ("id = -.5e1", FloatLiteral(-5.0)),
        ("id = -(id)", Negate(Attribute("id", "INT64"))),
        ("name = 'a\\'b\"c'", StringLiteral("a'b\"c")),
        ('name = "a\\"b\'c"', StringLiteral("a\"b'c")),
        ("name = 'a\\\\b'", StringLiteral("a\\b")),
        ("name = '\\n\\r\\t\\a\\b\\f\\v\\?\\`'", StringLiteral("\n\r\t\a\b\f\v?`")),
        ("name = '\\x41\\101\\u00e9\\U0001F600'", StringLiteral("AAé😀")),
        ("name = '''a'b\nc'''", StringLiteral("a'b\nc")),
        ("custom_properties.flag.bool_value = TRUE", BoolLiteral(True)),
    ],
)
def test_literals(query: str, expected: Expr) -> None:
    tree = parse_filter(query, "artifact")
    assert isinstance(tree, Comparison)
    assert tree.right == expected


def test_positions() -> None:
    tree = parse_filter("name = 'a' AND  properties.p.int_value IN (1, -2)", "artifact")
    assert isinstance(tree, And)
    comparison, in_list = tree.operands
    assert isinstance(comparison, Comparison)
    assert isinstance(in_list, InList)
    assert (comparison.pos, comparison.left.pos, comparison.right.pos) == (5, 0, 7)
    assert (in_list.pos, in_list.operand.pos) == (39, 16)
    assert [item.pos for item in in_list.items] == [43, 46]


def test_positions_do_not_affect_equality() -> None:
    assert parse_filter("id=1", "context") == parse_filter("  id   =   1  ", "context")
    assert parse_filter("id = 1 AND (name = 'a')", "context") == parse_filter(
        "(id = 1) AND name = 'a'", "context"
    )


def test_and_or_are_flattened() -> None:
    tree = parse_filter("id = 1 AND (id = 2 AND (id = 3 AND id = 4))", "context")
    assert isinstance(tree, And)
    assert len(tree.operands) == 4
    tree = parse_filter("(id = 1 OR id = 2) OR id = 3", "context")
    assert isinstance(tree, Or)
    assert len(tree.operands) == 3


def test_precedence() -> None:
    tree = parse_filter("id = 1 OR id = 2 AND NOT id = 3", "context")
    assert isinstance(tree, Or)
    assert isinstance(tree.operands[1], And)
    assert isinstance(tree.operands[1].operands[1], Not)
    tree = parse_filter("id - 1 - 2 * -id / 3 = 0", "context")
    assert format_filter(tree) == "id - 1 - 2 * -id / 3 = 0"
    assert isinstance(tree, Comparison)
    left = tree.left
    assert isinstance(left, Arithmetic)
    assert isinstance(left.left, Arithmetic)
    assert isinstance(left.right, Arithmetic)
    assert (left.op, left.left.op, left.right.op) == ("-", "-", "/")


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("not(name='a')and state<>LIVE", "NOT name = 'a' AND state != LIVE"),
        ("(id = 1 OR id = 2) AND id = 3", "(id = 1 OR id = 2) AND id = 3"),
        ("NOT (id = 1 AND id = 2)", "NOT (id = 1 AND id = 2)"),
        ("id - (1 - 2) = 0", "id - (1 - 2) = 0"),
        ("(id - 1) - 2 = 0", "id - 1 - 2 = 0"),
        ("-(id + 1) = 0", "-(id + 1) = 0"),
        ("-(-id) = 0", "-(-id) = 0"),
        ("id - -1 = 0", "id - -1 = 0"),
        ("(id = 1) = (id = 2)", "(id = 1) = (id = 2)"),
        ("(NOT TRUE) = FALSE", "(NOT TRUE) = FALSE"),
        ("(id IS NULL) IS NULL", "(id IS NULL) IS NULL"),
        ('lower(name) like "a%"', "LOWER(name) LIKE 'a%'"),
        ("properties.`a b`.Int_Value = 1", "properties.`a b`.int_value = 1"),
        ("custom_properties.x.string_value = 'it''", None),
        ("name = 'a\\\\b\\'c\\nd'", "name = 'a\\\\b\\'c\\nd'"),
        ("name = '\\x01'", "name = '\\x01'"),
        ("name = '\\u2028'", "name = '\\u2028'"),
        ("id = 1.5e300", "id = 1.5e+300"),
        ("CONTEXTS_a.name = 'x'", None),
    ],
)
def test_canonical_text(query: str, canonical: str | None) -> None:
    kind = "artifact"
    if canonical is None:
        with pytest.raises(FilterQueryError):
            parse_filter(query, kind)
        return
    assert format_filter(parse_filter(query, kind)) == canonical


def test_format_refuses_unprintable_property_names() -> None:
    tree = Comparison("=", PropertyRef("a`b", "int_value", False, "INT64"), IntLiteral(1))
    with pytest.raises(InvalidArgumentError, match="cannot be written"):
        format_filter(tree)


def test_walk_and_children() -> None:
    tree = parse_filter("id = 1 AND NOT (name IN ('a', 'b') OR uri LIKE 'x')", "artifact")
    kinds = [type(node).__name__ for node in walk(tree)]
    assert kinds == [
        "And",
        "Comparison",
        "Attribute",
        "IntLiteral",
        "Not",
        "Or",
        "InList",
        "Attribute",
        "StringLiteral",
        "StringLiteral",
        "Like",
        "Attribute",
        "StringLiteral",
    ]
    assert children(IntLiteral(1)) == ()
