"""SQLAlchemy Core models of the MLMD schema, version 10, for each supported dialect.

The tables, columns, constraints and index names are MLMD's, per dialect:

* SQLite and MySQL use MLMD's CamelCase table names (``Artifact``, ``EventPath``); PostgreSQL uses
  the unquoted lower-case names MLMD creates there (``artifact``, ``eventpath``).
* SQLite keeps MLMD's column types exactly (``INT``, ``TINYINT(1)``, partial property indices).
* On MySQL and PostgreSQL, MLMD declares ids, foreign ids, ``int_value`` and step indices as 32-bit
  ``INT``/``SERIAL`` although the protos carry int64. Databases that lineage creates use 64-bit
  ``BIGINT``/``BIGSERIAL`` there (a deliberate difference, see docs/mlmd-differences.md); databases
  created by ml-metadata keep their 32-bit columns and read the same.

The models are used for DDL (``create_all``), for reflection checks, and as the vocabulary of every
query the store compiles; nothing outside ``lineage.store`` sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import TypeEngine, UserDefinedType

__all__ = ["DIALECTS", "SCHEMA_VERSION", "Tables", "build_tables"]

SCHEMA_VERSION = 10
DIALECTS = ("sqlite", "mysql", "postgresql")


class _Raw(UserDefinedType[Any]):
    """A column type rendered verbatim (used where SQLite needs MLMD's exact type text)."""

    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **_: Any) -> str:
        return self.text


@compiles(_Raw)
def _compile_raw(element: _Raw, compiler: Any, **_: Any) -> str:
    return element.text


@dataclass(frozen=True)
class _Kinds:
    """Column types for one dialect, named by their role in the MLMD schema."""

    id_int: TypeEngine[Any]  # references to other rows (type_id, artifact_id, ...)
    int_value: TypeEngine[Any]  # ArtifactProperty.int_value and EventPath.step_index
    enum_int: TypeEngine[Any]  # state, type, data_type
    time: TypeEngine[Any]  # *_since_epoch
    flag: TypeEngine[Any]  # is_custom_property, is_index_step
    type_kind: TypeEngine[Any]
    bool_value: TypeEngine[Any]
    double: TypeEngine[Any]
    text: TypeEngine[Any]
    long_text: TypeEngine[Any]  # string_value
    blob: TypeEngine[Any]  # byte_value, proto_value
    pk: TypeEngine[Any]
    schema_version: TypeEngine[Any]


def _kinds(dialect: str) -> _Kinds:
    if dialect == "sqlite":
        return _Kinds(
            id_int=_Raw("INT"),
            int_value=_Raw("INT"),
            enum_int=_Raw("INT"),
            time=_Raw("INT"),
            flag=_Raw("TINYINT(1)"),
            type_kind=_Raw("TINYINT(1)"),
            bool_value=_Raw("BOOLEAN"),
            double=_Raw("DOUBLE"),
            text=sa.Text(),
            long_text=sa.Text(),
            blob=_Raw("BLOB"),
            pk=sa.Integer(),
            schema_version=sa.Integer(),
        )
    if dialect == "mysql":
        from sqlalchemy.dialects import mysql

        return _Kinds(
            id_int=sa.BigInteger(),
            int_value=sa.BigInteger(),
            enum_int=sa.Integer(),
            time=sa.BigInteger(),
            flag=mysql.TINYINT(1),
            type_kind=mysql.TINYINT(1),
            bool_value=mysql.TINYINT(1),
            double=mysql.DOUBLE(),
            text=sa.Text(),
            long_text=mysql.MEDIUMTEXT(),
            blob=mysql.MEDIUMBLOB(),
            pk=sa.BigInteger(),
            schema_version=sa.Integer(),
        )
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return _Kinds(
            id_int=sa.BigInteger(),
            int_value=sa.BigInteger(),
            enum_int=sa.Integer(),
            time=sa.BigInteger(),
            flag=sa.Boolean(create_constraint=False),
            type_kind=sa.SmallInteger(),
            bool_value=sa.Boolean(create_constraint=False),
            double=postgresql.DOUBLE_PRECISION(),
            text=sa.Text(),
            long_text=sa.Text(),
            blob=postgresql.BYTEA(),
            pk=sa.BigInteger(),
            schema_version=sa.Integer(),
        )
    raise ValueError(f"unsupported dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")


@dataclass(frozen=True)
class Tables:
    """The 15 MLMD tables for one dialect, addressed by role."""

    dialect: str
    metadata: sa.MetaData
    type: sa.Table
    type_property: sa.Table
    parent_type: sa.Table
    artifact: sa.Table
    artifact_property: sa.Table
    execution: sa.Table
    execution_property: sa.Table
    context: sa.Table
    context_property: sa.Table
    parent_context: sa.Table
    event: sa.Table
    event_path: sa.Table
    association: sa.Table
    attribution: sa.Table
    mlmd_env: sa.Table

    def all(self) -> list[sa.Table]:
        """Every table, in creation order."""
        return list(self.metadata.sorted_tables)


def build_tables(dialect: str) -> Tables:
    """Build the schema-v10 table models for ``dialect`` ('sqlite', 'mysql' or 'postgresql')."""
    k = _kinds(dialect)
    md = sa.MetaData()
    pg = dialect == "postgresql"
    sqlite = dialect == "sqlite"
    mysql = dialect == "mysql"

    def name(camel: str) -> str:
        return camel.lower() if pg else camel

    def table(camel: str, *items: Any) -> sa.Table:
        kwargs: dict[str, Any] = {}
        if sqlite and any(isinstance(i, sa.Column) and i.name == "id" for i in items):
            kwargs["sqlite_autoincrement"] = True
        if mysql:
            kwargs["mysql_engine"] = "InnoDB"
        return sa.Table(name(camel), md, *items, **kwargs)

    def pk_id() -> sa.Column[Any]:
        # SQLite: `id INTEGER PRIMARY KEY AUTOINCREMENT` without NOT NULL, as MLMD declares it.
        return sa.Column("id", k.pk, primary_key=True, autoincrement=True, nullable=sqlite)

    def unique(cols: tuple[str, ...], mysql_name: str | None, pg_name: str | None) -> Any:
        if sqlite:
            return sa.UniqueConstraint(*cols)
        return sa.UniqueConstraint(*cols, name=mysql_name if mysql else pg_name)

    def external_id(camel: str) -> list[Any]:
        if sqlite:  # MLMD declares it inline on SQLite: `external_id VARCHAR(255) UNIQUE`
            return [sa.Column("external_id", _Raw("VARCHAR(255) UNIQUE"))]
        return [
            sa.Column("external_id", sa.String(255)),
            unique(("external_id",), "external_id", f"{camel.lower()}_external_id_key"),
        ]

    def times() -> list[sa.Column[Any]]:
        return [
            sa.Column(
                "create_time_since_epoch", k.time, nullable=False, server_default=sa.text("0")
            ),
            sa.Column(
                "last_update_time_since_epoch", k.time, nullable=False, server_default=sa.text("0")
            ),
        ]

    type_ = table(
        "Type",
        pk_id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.String(255)),
        sa.Column("type_kind", k.type_kind, nullable=False),
        sa.Column("description", k.text),
        sa.Column("input_type", k.text),
        sa.Column("output_type", k.text),
        *external_id("Type"),
    )
    type_property = table(
        "TypeProperty",
        sa.Column("type_id", k.id_int, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("data_type", k.enum_int, nullable=True),
    )
    parent_type = table(
        "ParentType",
        sa.Column("type_id", k.id_int, primary_key=True, autoincrement=False),
        sa.Column("parent_type_id", k.id_int, primary_key=True, autoincrement=False),
    )

    def property_table(camel: str, owner: str) -> sa.Table:
        return table(
            camel,
            sa.Column(owner, k.id_int, primary_key=True, autoincrement=False),
            sa.Column("name", sa.String(255), primary_key=True),
            sa.Column("is_custom_property", k.flag, primary_key=True, autoincrement=False),
            sa.Column("int_value", k.int_value),
            sa.Column("double_value", k.double),
            sa.Column("string_value", k.long_text),
            sa.Column("byte_value", k.blob),
            sa.Column("proto_value", k.blob),
            sa.Column("bool_value", k.bool_value),
        )

    artifact = table(
        "Artifact",
        pk_id(),
        sa.Column("type_id", k.id_int, nullable=False),
        sa.Column("uri", k.text),
        sa.Column("state", k.enum_int),
        sa.Column("name", sa.String(255)),
        *external_id("Artifact"),
        *times(),
        unique(("type_id", "name"), "UniqueArtifactTypeName", "uniqueartifacttypename"),
    )
    artifact_property = property_table("ArtifactProperty", "artifact_id")
    execution = table(
        "Execution",
        pk_id(),
        sa.Column("type_id", k.id_int, nullable=False),
        sa.Column("last_known_state", k.enum_int),
        sa.Column("name", sa.String(255)),
        *external_id("Execution"),
        *times(),
        unique(("type_id", "name"), "UniqueExecutionTypeName", "uniqueexecutiontypename"),
    )
    execution_property = property_table("ExecutionProperty", "execution_id")
    event = table(
        "Event",
        pk_id(),
        sa.Column("artifact_id", k.id_int, nullable=False),
        sa.Column("execution_id", k.id_int, nullable=False),
        sa.Column("type", k.enum_int, nullable=False),
        sa.Column("milliseconds_since_epoch", k.time),
        unique(("artifact_id", "execution_id", "type"), "UniqueEvent", "uniqueevent"),
    )
    event_path = table(
        "EventPath",
        sa.Column("event_id", k.id_int, nullable=False),
        sa.Column("is_index_step", k.flag, nullable=False),
        sa.Column("step_index", k.int_value),
        sa.Column("step_key", k.text),
    )
    mlmd_env = table(
        "MLMDEnv",
        sa.Column(
            "schema_version",
            k.schema_version,
            primary_key=True,
            autoincrement=False,
            nullable=sqlite,  # `schema_version INTEGER PRIMARY KEY` on SQLite, as MLMD declares it
        ),
    )
    context = table(
        "Context",
        pk_id(),
        sa.Column("type_id", k.id_int, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        *external_id("Context"),
        *times(),
        unique(("type_id", "name"), "type_id", "context_type_id_name_key"),
    )
    context_property = property_table("ContextProperty", "context_id")
    parent_context = table(
        "ParentContext",
        sa.Column("context_id", k.id_int, primary_key=True, autoincrement=False),
        sa.Column("parent_context_id", k.id_int, primary_key=True, autoincrement=False),
    )
    association = table(
        "Association",
        pk_id(),
        sa.Column("context_id", k.id_int, nullable=False),
        sa.Column("execution_id", k.id_int, nullable=False),
        unique(
            ("context_id", "execution_id"), "context_id", "association_context_id_execution_id_key"
        ),
    )
    attribution = table(
        "Attribution",
        pk_id(),
        sa.Column("context_id", k.id_int, nullable=False),
        sa.Column("artifact_id", k.id_int, nullable=False),
        unique(
            ("context_id", "artifact_id"), "context_id", "attribution_context_id_artifact_id_key"
        ),
    )

    # Secondary indices, named as MLMD names them.
    def index(idx: str, tbl: sa.Table, *cols: str, where: str | None = None) -> None:
        kw: dict[str, Any] = {}
        if sqlite and where:
            kw["sqlite_where"] = sa.text(f"{where} IS NOT NULL")
        if mysql:
            lengths = {c: 255 for c in cols if c in ("uri", "string_value")}
            if lengths:
                kw["mysql_length"] = lengths
        sa.Index(idx, *(tbl.c[c] for c in cols), **kw)

    index("idx_artifact_uri", artifact, "uri")
    for tbl, kind in ((artifact, "artifact"), (execution, "execution"), (context, "context")):
        index(f"idx_{kind}_create_time_since_epoch", tbl, "create_time_since_epoch")
        index(f"idx_{kind}_last_update_time_since_epoch", tbl, "last_update_time_since_epoch")
    index("idx_event_execution_id", event, "execution_id")
    index("idx_parentcontext_parent_context_id", parent_context, "parent_context_id")
    index("idx_type_name", type_, "name")
    index("idx_eventpath_event_id", event_path, "event_id")
    for tbl, kind in (
        (artifact_property, "artifact"),
        (execution_property, "execution"),
        (context_property, "context"),
    ):
        for value in ("int", "double", "string"):
            column = f"{value}_value"
            index(
                f"idx_{kind}_property_{value}",
                tbl,
                "name",
                "is_custom_property",
                column,
                where=column,
            )
    for tbl, kind in (
        (type_, "type"),
        (artifact, "artifact"),
        (execution, "execution"),
        (context, "context"),
    ):
        index(f"idx_{kind}_external_id", tbl, "external_id")

    return Tables(
        dialect=dialect,
        metadata=md,
        type=type_,
        type_property=type_property,
        parent_type=parent_type,
        artifact=artifact,
        artifact_property=artifact_property,
        execution=execution,
        execution_property=execution_property,
        context=context,
        context_property=context_property,
        parent_context=parent_context,
        event=event,
        event_path=event_path,
        association=association,
        attribution=attribution,
        mlmd_env=mlmd_env,
    )
