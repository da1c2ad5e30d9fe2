"""Compiling ``filter_query`` trees to SQL: the reference §4.5 dataset on every backend."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql, postgresql, sqlite

from lineage.errors import FilterQueryError, InvalidArgumentError
from lineage.query import (
    MAX_DEPTH,
    Attribute,
    Comparison,
    Expr,
    IntLiteral,
    NeighborRef,
    PropertyRef,
    parse_filter,
)
from lineage.store._filters import CompiledFilter, compile_filter, filter_node_ids
from lineage.store._schema import Tables, build_tables

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too

# The reference dataset (mlmd.md §4.5) ------------------------------------------------------

ARTIFACT, EXECUTION, CONTEXT = "artifact", "execution", "context"
INPUT, OUTPUT, PENDING_OUTPUT = 3, 4, 7
PENDING, LIVE, ABANDONED = 1, 2, 5
RUNNING, COMPLETE = 2, 3

ARTIFACTS = {1: "train_1", 2: "eval_1", 3: "train_2", 4: "model_1", 5: "model_2"}
EXECUTIONS = {1: "train_run1", 2: "train_run2"}
CONTEXTS = {1: "r1", 2: "my_pipeline"}
NAMES = {ARTIFACT: ARTIFACTS, EXECUTION: EXECUTIONS, CONTEXT: CONTEXTS}


def _property(owner: str, owner_id: int, name: str, custom: bool, **value: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        owner: owner_id,
        "name": name,
        "is_custom_property": custom,
        "int_value": None,
        "double_value": None,
        "string_value": None,
        "bool_value": None,
    }
    row.update(value)
    return row


def populate(conn: sa.Connection, t: Tables) -> None:
    """Insert the §4.5 dataset (plus a few rows for the extra cases) with explicit ids."""
    conn.execute(
        t.type.insert(),
        [
            {"id": 1, "name": "Dataset", "type_kind": 1},
            {"id": 2, "name": "Model", "type_kind": 1},
            {"id": 3, "name": "Trainer", "type_kind": 0},
            {"id": 4, "name": "Run", "type_kind": 2},
            {"id": 5, "name": "Pipeline", "type_kind": 2},
        ],
    )

    def artifact(i: int, type_id: int, state: int | None, uri: str, ext: str | None = None) -> Any:
        return {
            "id": i,
            "type_id": type_id,
            "name": ARTIFACTS[i],
            "state": state,
            "uri": uri,
            "external_id": ext,
            "create_time_since_epoch": 1000 * i,
            "last_update_time_since_epoch": 1000 * i + 1,
        }

    conn.execute(
        t.artifact.insert(),
        [
            artifact(1, 1, LIVE, "/data/train/1"),
            artifact(2, 1, PENDING, "/data/eval/1"),
            artifact(3, 1, ABANDONED, "/data/train/2"),
            artifact(4, 2, LIVE, "/models/m_1", "ext-model-1"),
            artifact(5, 2, None, "/models/m%2"),
        ],
    )
    a = "artifact_id"
    conn.execute(
        t.artifact_property.insert(),
        [
            _property(a, 1, "span", False, int_value=1),
            _property(a, 1, "owner", True, string_value="alice"),
            _property(a, 2, "span", False, int_value=1),
            _property(a, 3, "span", False, int_value=2),
            _property(a, 3, "flag", True, bool_value=True),
            _property(a, 4, "accuracy", False, double_value=0.97),
            _property(a, 4, "my key", True, string_value="x"),
            _property(a, 5, "accuracy", False, double_value=0.80),
        ],
    )
    conn.execute(
        t.execution.insert(),
        [
            {"id": 1, "type_id": 3, "name": "train_run1", "last_known_state": COMPLETE},
            {"id": 2, "type_id": 3, "name": "train_run2", "last_known_state": RUNNING},
        ],
    )
    conn.execute(
        t.execution_property.insert(),
        [_property("execution_id", 1, "lr", False, double_value=0.1)],
    )
    conn.execute(
        t.event.insert(),
        [
            {"id": 1, "artifact_id": 1, "execution_id": 1, "type": INPUT},
            {"id": 2, "artifact_id": 2, "execution_id": 1, "type": INPUT},
            {"id": 3, "artifact_id": 4, "execution_id": 1, "type": OUTPUT},
            {"id": 4, "artifact_id": 3, "execution_id": 2, "type": INPUT},
            {"id": 5, "artifact_id": 5, "execution_id": 2, "type": PENDING_OUTPUT},
        ],
    )
    conn.execute(
        t.context.insert(),
        [
            {"id": 1, "type_id": 4, "name": "r1"},
            {"id": 2, "type_id": 5, "name": "my_pipeline"},
        ],
    )
    conn.execute(
        t.context_property.insert(),
        [_property("context_id", 1, "note", True, string_value="hello")],
    )
    conn.execute(t.parent_context.insert(), [{"context_id": 1, "parent_context_id": 2}])
    conn.execute(
        t.attribution.insert(),
        [
            {"id": 1, "context_id": 1, "artifact_id": 1},
            {"id": 2, "context_id": 1, "artifact_id": 2},
            {"id": 3, "context_id": 1, "artifact_id": 4},
        ],
    )
    conn.execute(t.association.insert(), [{"id": 1, "context_id": 1, "execution_id": 1}])


# Expected results ----------------------------------------------------------------------------

ALL_ARTIFACTS = set(ARTIFACTS.values())

REFERENCE_TABLE = [  # mlmd.md §4.5, verbatim
    (ARTIFACT, "type = 'Dataset' AND properties.span.int_value = 1", {"train_1", "eval_1"}),
    (ARTIFACT, "uri LIKE '/data/train/%'", {"train_1", "train_2"}),
    (ARTIFACT, "state IN (LIVE, PENDING)", {"train_1", "eval_1", "model_1"}),
    (ARTIFACT, "state != LIVE", {"eval_1", "train_2", "model_2"}),
    (ARTIFACT, "properties.accuracy.double_value > 0.9", {"model_1"}),
    (ARTIFACT, "custom_properties.`my key`.string_value = 'x'", {"model_1"}),
    (ARTIFACT, "custom_properties.flag.bool_value = true", {"train_2"}),
    (
        ARTIFACT,
        "contexts_r.name = 'r1' AND contexts_r.type = 'Run'",
        {"train_1", "eval_1", "model_1"},
    ),
    (ARTIFACT, "events_0.execution_id = 1 AND events_0.type = INPUT", {"train_1", "eval_1"}),
    (ARTIFACT, "NOT(name = 'train_1') AND type = 'Dataset'", {"eval_1", "train_2"}),
    (EXECUTION, "last_known_state NOT IN (COMPLETE, FAILED)", {"train_run2"}),
    (EXECUTION, "events_0.artifact_id = 4", {"train_run1"}),
    (CONTEXT, "parent_contexts_a.name = 'my_pipeline'", {"r1"}),
    (CONTEXT, "child_contexts_a.name = 'r1'", {"my_pipeline"}),
    (CONTEXT, "executions_a.name = 'train_run1' AND artifacts_b.uri LIKE '/data/%'", {"r1"}),
]

FIXED_BEHAVIOURS = [  # where lineage deliberately differs from ml-metadata 1.17.1
    # OR across properties: MLMD's INNER JOINs return only train_1 (it has both properties).
    (
        ARTIFACT,
        "properties.span.int_value = 2 OR custom_properties.owner.string_value = 'alice'",
        {"train_1", "train_2"},
    ),
    (
        ARTIFACT,
        "type = 'Model' OR properties.span.int_value = 1",
        {"train_1", "eval_1", "model_1", "model_2"},
    ),
    # Enum values MLMD rejects.
    (ARTIFACT, "state = ABANDONED", {"train_2"}),
    (ARTIFACT, "state IN (REFERENCE, ABANDONED)", {"train_2"}),
    (ARTIFACT, "events_0.type = PENDING_OUTPUT", {"model_2"}),
    (EXECUTION, "events_x.type = PENDING_OUTPUT", {"train_run2"}),
    (ARTIFACT, "events_0.type = UNKNOWN", set()),
    # artifacts_X.external_id is an InternalError in MLMD.
    (CONTEXT, "artifacts_x.external_id = 'ext-model-1'", {"r1"}),
    # `<>` on an enum is `!=` (MLMD only rewrites `!=`).
    (ARTIFACT, "state <> LIVE", {"eval_1", "train_2", "model_2"}),
]

SEMANTICS = [
    # Enum NULL rewrite: != and NOT IN match NULL, = / IN / NOT(=) do not.
    (ARTIFACT, "state NOT IN (LIVE, PENDING)", {"train_2", "model_2"}),
    (ARTIFACT, "NOT (state = LIVE)", {"eval_1", "train_2"}),
    (ARTIFACT, "state IS NULL", {"model_2"}),
    (ARTIFACT, "LIVE = state", {"train_1", "model_1"}),
    (ARTIFACT, "events_0.type != INPUT", {"model_1", "model_2"}),
    # ... but the NULL rewrite never invents a neighbour: my_pipeline has no artifacts.
    (CONTEXT, "artifacts_a.state != LIVE", {"r1"}),
    (CONTEXT, "artifacts_a.state NOT IN (LIVE)", {"r1"}),
    (CONTEXT, "artifacts_a.state IS NULL", set()),
    (CONTEXT, "executions_a.last_known_state = COMPLETE", {"r1"}),
    # IS NULL on a property value: the property row exists and that column is NULL.
    (ARTIFACT, "properties.span.double_value IS NULL", {"train_1", "eval_1", "train_2"}),
    (ARTIFACT, "NOT (properties.span.double_value IS NULL)", set()),
    (ARTIFACT, "properties.span.int_value IS NOT NULL", {"train_1", "eval_1", "train_2"}),
    (ARTIFACT, "NOT (properties.span.int_value IS NOT NULL)", set()),
    (ARTIFACT, "properties.span.int_value + 1 IS NULL", set()),
    (ARTIFACT, "properties.nope.int_value IS NULL", set()),
    (ARTIFACT, "properties.span.int_value != 1", {"train_2"}),
    (ARTIFACT, "NOT (properties.span.int_value = 1)", {"train_2"}),
    (ARTIFACT, "contexts_a.name IS NULL", set()),
    (ARTIFACT, "NOT (contexts_a.name IS NOT NULL)", set()),
    (
        ARTIFACT,
        "properties.span.int_value = 1 OR contexts_a.name = 'r1'",
        {"train_1", "eval_1", "model_1"},
    ),
    # properties vs custom_properties
    (ARTIFACT, "properties.owner.string_value = 'alice'", set()),
    (ARTIFACT, "custom_properties.owner.string_value = 'alice'", {"train_1"}),
    (ARTIFACT, "custom_properties.flag.bool_value", {"train_2"}),
    (ARTIFACT, "NOT custom_properties.flag.bool_value", set()),
    (ARTIFACT, "custom_properties.flag.bool_value = FALSE", set()),
    (EXECUTION, "properties.lr.double_value = 0.1", {"train_run1"}),
    (CONTEXT, "custom_properties.note.string_value = 'hello'", {"r1"}),
    # Aliases: the same alias is the same row, different aliases are independent.
    (EXECUTION, "events_a.type = INPUT AND events_b.type = OUTPUT", {"train_run1"}),
    (EXECUTION, "events_a.type = INPUT AND events_a.type = OUTPUT", set()),
    (
        ARTIFACT,
        "contexts_a.name = 'r1' AND contexts_b.name = 'r1'",
        {"train_1", "eval_1", "model_1"},
    ),
    (EXECUTION, "contexts_a.type = 'Run'", {"train_run1"}),
    (CONTEXT, "parent_contexts_a.type = 'Pipeline'", {"r1"}),
    (CONTEXT, "child_contexts_a.type = 'Run' AND child_contexts_a.id = 1", {"my_pipeline"}),
    (ARTIFACT, "events_0.milliseconds_since_epoch IS NULL", ALL_ARTIFACTS),
    # Node attributes, operators and functions.
    (ARTIFACT, "type_id + 1 > 1", ALL_ARTIFACTS),
    (ARTIFACT, "properties.span.int_value * 2 = 4", {"train_2"}),
    (ARTIFACT, "properties.span.int_value / 2 = 0.5", {"train_1", "eval_1"}),
    (ARTIFACT, "-id = -2", {"eval_1"}),
    (ARTIFACT, "LOWER(name) = 'train_1'", {"train_1"}),
    (ARTIFACT, "UPPER(name) LIKE 'TRAIN%'", {"train_1", "train_2"}),
    (ARTIFACT, "LENGTH(name) = 7", {"train_1", "train_2", "model_1", "model_2"}),
    (ARTIFACT, "ABS(-id) = 2", {"eval_1"}),
    (ARTIFACT, "id BETWEEN 2 AND 4", {"eval_1", "train_2", "model_1"}),
    (ARTIFACT, "id NOT BETWEEN 2 AND 4", {"train_1", "model_2"}),
    (ARTIFACT, "name NOT LIKE 'train%'", {"eval_1", "model_1", "model_2"}),
    (ARTIFACT, "uri LIKE '/models/m\\\\_%'", {"model_1"}),
    (ARTIFACT, "uri LIKE '/models/m_%'", {"model_1", "model_2"}),
    (ARTIFACT, "uri LIKE '%\\\\%%'", {"model_2"}),
    (ARTIFACT, "external_id = 'ext-model-1'", {"model_1"}),
    (ARTIFACT, "external_id IS NULL", ALL_ARTIFACTS - {"model_1"}),
    (ARTIFACT, "uri IS NULL", set()),
    (ARTIFACT, "create_time_since_epoch >= 4000", {"model_1", "model_2"}),
    (ARTIFACT, "last_update_time_since_epoch = 2001", {"eval_1"}),
    (ARTIFACT, "id IN (1, 3, 99)", {"train_1", "train_2"}),
    (ARTIFACT, "id NOT IN (1, 3)", {"eval_1", "model_1", "model_2"}),
    (ARTIFACT, "TRUE", ALL_ARTIFACTS),
    (ARTIFACT, "FALSE", set()),
    (ARTIFACT, "(id = 1) = TRUE", {"train_1"}),
    # NULL literals follow SQL: comparisons with NULL are never true.
    (ARTIFACT, "name = NULL", set()),
    (ARTIFACT, "NOT (name = NULL)", set()),
    (ARTIFACT, "name IN ('train_1', NULL)", {"train_1"}),
    (ARTIFACT, "name NOT IN ('train_1', NULL)", set()),
    (ARTIFACT, "NULL IS NULL AND id = 1", {"train_1"}),
    (ARTIFACT, "NULL OR id = 1", {"train_1"}),
    (ARTIFACT, "id + NULL IS NULL AND id < 3", {"train_1", "eval_1"}),
    (ARTIFACT, "id BETWEEN NULL AND 2", set()),
    (ARTIFACT, "NOT (id BETWEEN NULL AND 2)", {"train_2", "model_1", "model_2"}),
    (ARTIFACT, "LOWER(NULL) IS NULL AND id = 5", {"model_2"}),
    (ARTIFACT, "'a' = 'a' AND 1 < 2.5 AND id = 2", {"eval_1"}),
    (EXECUTION, "name = 'train_run1' OR last_known_state = RUNNING", {"train_run1", "train_run2"}),
    (CONTEXT, "type = 'Run'", {"r1"}),
]

CASES = REFERENCE_TABLE + FIXED_BEHAVIOURS + SEMANTICS


def _ids(case: tuple[str, str, set[str]]) -> str:
    return f"{case[0]}:{case[1]}"


def run(conn: sa.Connection, tables: Tables, kind: str, query: str) -> set[str]:
    compiled = filter_node_ids(query, kind, tables)
    ids = [row[0] for row in conn.execute(compiled.select)]
    assert len(ids) == len(set(ids)), "ids must be distinct"
    return {NAMES[kind][i] for i in ids}


# Backends ---------------------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"database backend unavailable in CI: {reason}")
    pytest.skip(reason)


def _server_database(env: str, dialect: str) -> Iterator[tuple[sa.Engine, Tables]]:
    """Create a fresh database lineage_ftest_<hex>, fill it, drop it afterwards."""
    url = os.environ.get(env)
    if not url:
        _unavailable(f"{env} is not set")
        raise AssertionError  # unreachable: _unavailable raises
    admin_kwargs: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
    admin = sa.create_engine(url, **admin_kwargs)
    name = f"lineage_ftest_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        _unavailable(f"cannot reach {dialect} at {env}: {exc.__class__.__name__}: {exc.orig}")
    engine = sa.create_engine(sa.make_url(url).set(database=name))
    try:
        tables = build_tables(dialect)
        tables.metadata.create_all(engine)
        with engine.begin() as conn:
            populate(conn, tables)
        yield engine, tables
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@pytest.fixture(
    scope="module",
    params=[
        "sqlite",
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
    ],
)
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Engine, Tables]]:
    """The §4.5 dataset on SQLite (in memory), MariaDB/MySQL and PostgreSQL."""
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://")
        tables = build_tables("sqlite")
        tables.metadata.create_all(engine)
        with engine.begin() as conn:
            populate(conn, tables)
        yield engine, tables
        engine.dispose()
    elif request.param == "mysql":
        yield from _server_database("LINEAGE_TEST_MYSQL_URL", "mysql")
    else:
        yield from _server_database("LINEAGE_TEST_POSTGRESQL_URL", "postgresql")


@pytest.fixture(scope="module")
def sqlite_db() -> Iterator[tuple[sa.Engine, Tables]]:
    engine = sa.create_engine("sqlite://")
    tables = build_tables("sqlite")
    tables.metadata.create_all(engine)
    with engine.begin() as conn:
        populate(conn, tables)
    yield engine, tables
    engine.dispose()


# Tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_filter_results(backend: tuple[sa.Engine, Tables], case: tuple[str, str, set[str]]) -> None:
    engine, tables = backend
    kind, query, expected = case
    with engine.connect() as conn:
        assert run(conn, tables, kind, query) == expected


def test_many_operands_stay_shallow(backend: tuple[sa.Engine, Tables]) -> None:
    # A 3000-way OR would be 3000 levels deep for SQLite's parser if it were not grouped.
    engine, tables = backend
    query = " OR ".join(f"id = {i}" for i in range(3000, 0, -1))
    with engine.connect() as conn:
        assert run(conn, tables, ARTIFACT, query) == ALL_ARTIFACTS


def test_deepest_query_compiles_and_runs(backend: tuple[sa.Engine, Tables]) -> None:
    engine, tables = backend
    # As deep as the parser allows: MAX_DEPTH - 2 parentheses around a chain of additions.
    parens = MAX_DEPTH - 2
    query = "(" * parens + "id" + " + 0" * (MAX_DEPTH - 4) + " = 1" + ")" * parens
    with engine.connect() as conn:
        assert run(conn, tables, ARTIFACT, query) == {"train_1"}


@pytest.mark.parametrize(
    "dialect",
    ["sqlite", "mysql", "postgresql"],
)
def test_reference_table_compiles_on_every_dialect(dialect: str) -> None:
    tables = build_tables(dialect)
    dialects = {
        "sqlite": sqlite.dialect(),
        "mysql": mysql.dialect(),
        "postgresql": postgresql.dialect(),
    }
    for kind, query, _ in CASES:
        sql = str(filter_node_ids(query, kind, tables).select.compile(dialect=dialects[dialect]))
        assert sql.startswith("SELECT DISTINCT n.id")
        for literal in ("train_1", "my key", "r1", "/data/", "alice", "ext-model-1", "hello"):
            assert literal not in sql


def test_compiled_filter_parts(sqlite_db: tuple[sa.Engine, Tables]) -> None:
    engine, tables = sqlite_db
    compiled = filter_node_ids("properties.span.int_value >= 1", ARTIFACT, tables)
    assert isinstance(compiled, CompiledFilter)
    assert not compiled.needs_distinct
    # A context condition on its own is a semi-join (no repeated rows); mixed with an OR it
    # is joined.
    assert not filter_node_ids("contexts_a.id = 1", ARTIFACT, tables).needs_distinct
    assert filter_node_ids("contexts_a.id = 1 OR uri = ''", ARTIFACT, tables).needs_distinct
    # The caller pages with the node alias.
    paged = compiled.select.where(compiled.node.c.id > 1).order_by(compiled.node.c.id).limit(1)
    with engine.connect() as conn:
        assert conn.execute(paged).scalars().all() == [2]
        # ... or builds its own select from the parts, here ordered by a non-selected column.
        own = (
            sa.select(compiled.node.c.id)
            .select_from(compiled.from_clause)
            .where(compiled.where)
            .order_by(compiled.node.c.create_time_since_epoch.desc())
        )
        assert conn.execute(own).scalars().all() == [3, 2, 1]
        # The base node is an alias, so the select nests inside a query on the plain table.
        artifact = tables.artifact
        outer = sa.select(artifact.c.name).where(artifact.c.id.in_(compiled.select))
        assert set(conn.execute(outer).scalars()) == {"train_1", "eval_1", "train_2"}


def test_accepts_text_or_tree(sqlite_db: tuple[sa.Engine, Tables]) -> None:
    engine, tables = sqlite_db
    tree = Comparison("=", Attribute("id", "INT64"), IntLiteral(4))
    with engine.connect() as conn:
        by_tree = conn.execute(compile_filter(tree, ARTIFACT, tables).select).scalars().all()
        by_text = conn.execute(filter_node_ids("id = 4", ARTIFACT, tables).select).scalars().all()
    assert by_tree == by_text == [4]


def test_errors(sqlite_db: tuple[sa.Engine, Tables]) -> None:
    _, tables = sqlite_db
    with pytest.raises(FilterQueryError, match=r"at position 8: Syntax error"):
        filter_node_ids("invalid syntax", ARTIFACT, tables)
    with pytest.raises(InvalidArgumentError, match="kind must be one of"):
        filter_node_ids("id = 1", "artifacts", tables)
    with pytest.raises(InvalidArgumentError, match="kind must be one of"):
        compile_filter(parse_filter("id = 1", ARTIFACT), "node", tables)
    # A hand-built tree naming a neighbour the kind does not have.
    bad = Comparison("=", NeighborRef("events", "a", "type", "Event.Type"), IntLiteral(1))
    with pytest.raises(InvalidArgumentError, match="events_a is not available"):
        compile_filter(bad, CONTEXT, tables)
    # A hand-built tree naming a column the kind does not have.
    with pytest.raises(InvalidArgumentError, match="'uri' cannot be used when filtering"):
        compile_filter(Comparison("=", Attribute("uri", "STRING"), IntLiteral(1)), CONTEXT, tables)


# No literal text ever reaches the SQL --------------------------------------------------------

_DIALECTS = (sqlite.dialect(), mysql.dialect(), postgresql.dialect())
_MARK = "Zq"  # no SQL keyword, alias or table name contains it

_PIECES = [*"'\";-\\/*%_`#\n\t\r x0ZÆ😀", "--", "/*", "*/", "' OR '1'='1", "\\'", "%s", "?"]
_nasty = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map(
    lambda pieces: _MARK + "".join(pieces)
)
_word = st.text(alphabet="abcXYZ019_", min_size=1, max_size=6).map(lambda s: _MARK + s)


def _quote(value: str, quote: str) -> str:
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return quote + escaped.replace("\n", "\\n").replace("\r", "\\r") + quote


_TEMPLATES = [
    (ARTIFACT, "name = {a}"),
    (ARTIFACT, "uri LIKE {a} OR uri NOT LIKE {b}"),
    (ARTIFACT, "properties.{w}.string_value = {a}"),
    (ARTIFACT, "custom_properties.`{n}`.string_value != {a} AND type IN ({a}, {b})"),
    (ARTIFACT, "contexts_{w}.name = {a} AND events_{w}.type = INPUT"),
    (ARTIFACT, "LOWER(name) BETWEEN {a} AND {b}"),
    (ARTIFACT, "custom_properties.`{n}`.string_value IS NULL OR external_id = {b}"),
    (EXECUTION, "contexts_{w}.type = {a} OR properties.`{n}`.string_value LIKE {b}"),
    (CONTEXT, "artifacts_{w}.uri = {a} AND executions_{w}.name != {b}"),
    (CONTEXT, "parent_contexts_{w}.name = {a} OR child_contexts_{w}.type = {b}"),
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    template=st.sampled_from(_TEMPLATES),
    a=_nasty,
    b=_nasty,
    name=_nasty.filter(lambda s: "`" not in s),
    word=_word,
    quotes=st.tuples(st.sampled_from("'\""), st.sampled_from("'\"")),
)
def test_literals_are_always_bound(
    sqlite_db: tuple[sa.Engine, Tables],
    template: tuple[str, str],
    a: str,
    b: str,
    name: str,
    word: str,
    quotes: tuple[str, str],
) -> None:
    engine, tables = sqlite_db
    kind, shape = template
    a, b = a + "x", b + "x"  # a LIKE pattern must not end with a lone backslash
    query = shape.format(a=_quote(a, quotes[0]), b=_quote(b, quotes[1]), w=word, n=name)
    compiled = filter_node_ids(query, kind, tables)
    for dialect in _DIALECTS:
        sql = str(compiled.select.compile(dialect=dialect))
        for literal in (a, b, name, word):
            assert literal not in sql
        assert not re.search(_MARK, sql)
    with engine.connect() as conn:
        conn.execute(compiled.select).all()


_ATOMS = {
    ARTIFACT: [
        "contexts_a.name = 'r1'",
        "contexts_a.type = 'Run'",
        "contexts_b.name != 'r1'",
        "contexts_a.name IS NULL",
        "contexts_a.name = name",
        "events_0.type = INPUT",
        "events_0.type != OUTPUT",
        "properties.span.int_value = 1",
        "custom_properties.owner.string_value IS NOT NULL",
        "type = 'Model'",
        "state = LIVE",
        "state != LIVE",
    ],
    EXECUTION: [
        "contexts_a.type = 'Run'",
        "contexts_a.name LIKE 'r%'",
        "contexts_b.name IN ('my_pipeline', 'r1')",
        "events_a.type = INPUT",
        "events_b.artifact_id BETWEEN 2 AND 4",
        "last_known_state = COMPLETE",
        "properties.lr.double_value > 0.01",
    ],
    CONTEXT: [
        "parent_contexts_a.name = 'my_pipeline'",
        "child_contexts_a.type = 'Run'",
        "parent_contexts_b.type IS NOT NULL",
        "artifacts_a.state = LIVE",
        "executions_a.name = 'train_run1'",
        "custom_properties.note.string_value = 'hello'",
        "name = 'r1'",
    ],
}


def _boolean_tree(atoms: list[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        st.sampled_from(atoms),
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda p: f"({p[0]} AND {p[1]})"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]} OR {p[1]})"),
            inner.map(lambda q: f"NOT ({q})"),
            st.lists(inner, min_size=2, max_size=4).map(" AND ".join),
        ),
        max_leaves=6,
    )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), kind=st.sampled_from([ARTIFACT, EXECUTION, CONTEXT]))
def test_planned_joins_select_the_same_nodes(
    sqlite_db: tuple[sa.Engine, Tables], data: st.DataObject, kind: str
) -> None:
    # Inner joins and context semi-joins are an optimisation: for any filter they must select
    # exactly the nodes the plain all-LEFT-JOIN form selects.
    engine, tables = sqlite_db
    query = data.draw(_boolean_tree(_ATOMS[kind]))
    tree = parse_filter(query, kind)
    planned = compile_filter(tree, kind, tables)
    plain = compile_filter(tree, kind, tables, plan=False)
    table = getattr(tables, kind)
    listed = sa.select(table.c.id).where(table.c.id.in_(planned.ids))
    with engine.connect() as conn:
        expected = set(conn.execute(plain.select).scalars())
        assert set(conn.execute(planned.select).scalars()) == expected, query
        assert set(conn.execute(listed).scalars()) == expected, query


def test_context_conditions_become_semi_joins(sqlite_db: tuple[sa.Engine, Tables]) -> None:
    _, tables = sqlite_db
    sql = str(filter_node_ids("contexts_a.name = 'r1' AND state = LIVE", ARTIFACT, tables).select)
    assert "IN (SELECT" in sql
    assert "LEFT OUTER JOIN" not in sql
    # Under an OR the context is still LEFT JOINed (OR means OR, docs/mlmd-differences.md F1).
    sql = str(filter_node_ids("contexts_a.name = 'r1' OR state = LIVE", ARTIFACT, tables).select)
    assert "IN (SELECT" not in sql
    assert "LEFT OUTER JOIN" in sql


def test_unresolved_trees_are_refused(sqlite_db: tuple[sa.Engine, Tables]) -> None:
    _, tables = sqlite_db

    class Strange(Expr):
        __slots__ = ("pos",)

    with pytest.raises(InvalidArgumentError, match="cannot compile a Strange"):
        compile_filter(Strange(), ARTIFACT, tables)


def test_hand_built_property_fields_are_checked(sqlite_db: tuple[sa.Engine, Tables]) -> None:
    _, tables = sqlite_db
    tree = Comparison("=", PropertyRef("p", "name", False, "STRING"), IntLiteral(1))
    with pytest.raises(InvalidArgumentError, match="'name' is not a property value field"):
        compile_filter(tree, ARTIFACT, tables)
