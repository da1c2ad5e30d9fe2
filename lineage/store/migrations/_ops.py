"""Building blocks of the migration steps: catalog look-ups and idempotent DDL per dialect.

Every identifier used here is a constant of the MLMD schema written in this package; values are
always bound parameters. Statements check the catalog first (or use ``IF [NOT] EXISTS``), so a
step that stopped half-way on MySQL, where DDL commits implicitly, can simply be run again.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

from lineage.store._backend import Tx

__all__ = [
    "add_column",
    "column_names",
    "create_index",
    "delete",
    "drop_column",
    "drop_index",
    "drop_table",
    "execute",
    "frozen_ddl",
    "has_index",
    "int_types",
    "name",
    "query",
    "sqlite_sync",
    "table_names",
]

_PARAM = re.compile(r"(?<![:\w]):(\w+)")


def name(tx: Tx, camel: str) -> str:
    """The table name as the database spells it (PostgreSQL: lower case)."""
    return camel.lower() if tx.dialect == "postgresql" else camel


def q(tx: Tx, camel: str) -> str:
    """The quoted table name for SQL text (``camel`` is always one of our constants)."""
    if tx.dialect == "postgresql":
        return camel.lower()
    return f"`{camel}`"


def execute(tx: Tx, sql: str, params: dict[str, Any] | None = None) -> None:
    """Run one statement written with ``:name`` parameters on the transaction's cursor."""
    if not params:
        tx.cur.execute(sql)
        return
    if tx.dialect != "sqlite":
        sql = _PARAM.sub(r"%(\1)s", sql)
    tx.cur.execute(sql, params)


def query(tx: Tx, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Run a query written with ``:name`` parameters and return every row."""
    execute(tx, sql, params)
    return list(tx.cur.fetchall())


def delete(tx: Tx, sql: str, params: dict[str, Any] | None = None) -> None:
    """Run a data change (kept separate from :func:`execute` for readability at call sites)."""
    execute(tx, sql, params)


# --------------------------------------------------------------------------- catalog
def table_names(tx: Tx) -> set[str]:
    """Lower-cased names of the tables in the database."""
    if tx.dialect == "sqlite":
        rows = query(tx, "SELECT name FROM sqlite_master WHERE type = 'table'")
    elif tx.dialect == "mysql":
        rows = query(
            tx, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
        )
    else:
        rows = query(tx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {str(r[0]).lower() for r in rows}


def column_names(tx: Tx, camel: str) -> list[str]:
    """The columns of a table, in order."""
    if tx.dialect == "sqlite":
        return [str(r[1]) for r in query(tx, f"PRAGMA table_info(`{camel}`)")]
    if tx.dialect == "mysql":
        sql = (
            "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() "
            "AND table_name = :t ORDER BY ordinal_position"
        )
    else:
        sql = (
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = :t ORDER BY ordinal_position"
        )
    return [str(r[0]) for r in query(tx, sql, {"t": name(tx, camel)})]


def index_names(tx: Tx, camel: str) -> set[str]:
    """Names of the indices (and, on MySQL/PostgreSQL, unique constraints) of a table."""
    if tx.dialect == "sqlite":
        return {str(r[1]) for r in query(tx, f"PRAGMA index_list(`{camel}`)")}
    if tx.dialect == "mysql":
        sql = (
            "SELECT DISTINCT index_name FROM information_schema.statistics "
            "WHERE table_schema = DATABASE() AND table_name = :t"
        )
    else:
        sql = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = :t"
        )
    return {str(r[0]) for r in query(tx, sql, {"t": name(tx, camel)})}


def has_index(tx: Tx, camel: str, index: str) -> bool:
    """Whether ``camel`` has an index (or unique constraint) called ``index``."""
    return index in index_names(tx, camel)


def unique_keys(tx: Tx, camel: str) -> dict[str, tuple[str, ...]]:
    """Unique keys other than the primary key (MySQL/PostgreSQL): name to columns."""
    if tx.dialect == "mysql":
        rows = query(
            tx,
            "SELECT index_name, column_name FROM information_schema.statistics "
            "WHERE table_schema = DATABASE() AND table_name = :t AND non_unique = 0 "
            "AND index_name <> 'PRIMARY' ORDER BY index_name, seq_in_index",
            {"t": camel},
        )
    else:
        rows = query(
            tx,
            "SELECT k.conname, a.attname FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord) "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum "
            "WHERE n.nspname = current_schema() AND c.relname = :t AND k.contype = 'u' "
            "ORDER BY k.conname, u.ord",
            {"t": camel.lower()},
        )
    out: dict[str, tuple[str, ...]] = {}
    for key, column in rows:
        out[str(key)] = (*out.get(str(key), ()), str(column))
    return out


def int_types(tx: Tx) -> tuple[str, str]:
    """The id column type and the auto-increment id type of this database.

    ml-metadata declares ids 32-bit on MySQL/PostgreSQL; databases lineage creates use 64 bits.
    New tables and columns follow what the database already has (the type of ``Type.id``).

    Returns:
        ``(id_type, serial_type)``, e.g. ``("INT", "INT NOT NULL AUTO_INCREMENT")`` on an
        ml-metadata database on MySQL, ``("BIGINT", "BIGSERIAL")`` on a lineage one on PostgreSQL.
    """
    if tx.dialect == "sqlite":
        return "INT", "INTEGER PRIMARY KEY AUTOINCREMENT"
    rows = query(
        tx,
        "SELECT data_type FROM information_schema.columns WHERE table_schema = "
        + ("DATABASE()" if tx.dialect == "mysql" else "current_schema()")
        + " AND table_name = :t AND column_name = 'id'",
        {"t": name(tx, "Type")},
    )
    wide = bool(rows) and str(rows[0][0]).lower() == "bigint"
    if tx.dialect == "mysql":
        id_type = "BIGINT" if wide else "INT"
        return id_type, f"{id_type} NOT NULL AUTO_INCREMENT"
    return ("BIGINT", "BIGSERIAL") if wide else ("INTEGER", "SERIAL")


# --------------------------------------------------------------------------- idempotent DDL
def add_column(tx: Tx, camel: str, column: str, spec: str, after: str | None = None) -> None:
    """Add a column unless it exists (MySQL places it ``AFTER`` a column when asked)."""
    if column in column_names(tx, camel):
        return
    position = f" AFTER `{after}`" if after and tx.dialect == "mysql" else ""
    col = f"`{column}`" if tx.dialect != "postgresql" else column
    execute(tx, f"ALTER TABLE {q(tx, camel)} ADD COLUMN {col} {spec}{position}")


def drop_column(tx: Tx, camel: str, column: str) -> None:
    """Drop a column if it exists (not on SQLite: rebuild the table there)."""
    if column not in column_names(tx, camel):
        return
    col = f"`{column}`" if tx.dialect != "postgresql" else column
    execute(tx, f"ALTER TABLE {q(tx, camel)} DROP COLUMN {col}")


def create_index(
    tx: Tx, index: str, camel: str, columns: str, *, unique: bool = False, where: str = ""
) -> None:
    """Create an index unless one of that name exists on the table.

    Args:
        tx: The transaction.
        index: The index name.
        camel: The table.
        columns: The column list as SQL, e.g. ``"`uri`(255)"`` on MySQL.
        unique: Whether it is a unique constraint (MySQL/PostgreSQL) or unique index.
        where: A partial-index condition (SQLite only).
    """
    if has_index(tx, camel, index):
        return
    if tx.dialect == "mysql":
        kind = "UNIQUE KEY" if unique else "INDEX"
        execute(tx, f"ALTER TABLE {q(tx, camel)} ADD {kind} `{index}` ({columns})")
    elif tx.dialect == "postgresql":
        if unique:
            execute(tx, f"ALTER TABLE {q(tx, camel)} ADD CONSTRAINT {index} UNIQUE ({columns})")
        else:
            execute(tx, f"CREATE INDEX IF NOT EXISTS {index} ON {q(tx, camel)} ({columns})")
    else:
        cond = f" WHERE {where}" if where else ""
        kind = "UNIQUE INDEX" if unique else "INDEX"
        execute(tx, f"CREATE {kind} IF NOT EXISTS `{index}` ON `{camel}` ({columns}){cond}")


def drop_index(tx: Tx, camel: str, index: str) -> None:
    """Drop an index or unique constraint if it exists."""
    if not has_index(tx, camel, index):
        return
    if tx.dialect == "mysql":
        execute(tx, f"ALTER TABLE {q(tx, camel)} DROP INDEX `{index}`")
    elif tx.dialect == "postgresql":
        constraint = query(
            tx,
            "SELECT 1 FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace "
            "WHERE n.nspname = current_schema() AND k.conname = :n",
            {"n": index},
        )
        if constraint:
            execute(tx, f"ALTER TABLE {q(tx, camel)} DROP CONSTRAINT {index}")
        else:
            execute(tx, f"DROP INDEX IF EXISTS {index}")
    else:
        execute(tx, f"DROP INDEX IF EXISTS `{index}`")


def drop_unique_on(tx: Tx, camel: str, columns: tuple[str, ...]) -> None:
    """Drop every unique key of a table over exactly ``columns`` (whatever its name)."""
    for key, cols in unique_keys(tx, camel).items():
        if cols == columns:
            drop_index(tx, camel, key)


def drop_table(tx: Tx, camel: str) -> None:
    """Drop a table if it exists."""
    execute(tx, f"DROP TABLE IF EXISTS {q(tx, camel)}")


# --------------------------------------------------------------------------- frozen DDL (SQLite)
@cache
def frozen_ddl(dialect: str, version: int) -> tuple[str, ...]:
    """The frozen DDL of MLMD schema ``version`` for ``dialect`` (see ``sql/``), one per item."""
    text = (
        resources.files("lineage.store.migrations")
        .joinpath("sql")
        .joinpath(dialect)
        .joinpath(f"v{version:02d}.sql")
        .read_text(encoding="utf-8")
    )
    return tuple(s.strip() for s in text.split(";\n") if s.strip())


_CREATE_TABLE = re.compile(r"^CREATE TABLE `?(\w+)`? \(")
_CREATE_INDEX = re.compile(r"^CREATE (?:UNIQUE )?INDEX `?(\w+)`? ON `?(\w+)`? ")


def _sqlite_parts(version: int) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    tables: dict[str, str] = {}
    indexes: dict[str, tuple[str, str]] = {}
    for statement in frozen_ddl("sqlite", version):
        match = _CREATE_TABLE.match(statement)
        if match:
            tables[match.group(1)] = statement
            continue
        match = _CREATE_INDEX.match(statement)
        if match:
            indexes[match.group(1)] = (match.group(2), statement)
    return tables, indexes


def _sqlite_rebuild(tx: Tx, camel: str, create: str, renames: dict[str, str]) -> None:
    temp = f"{camel}__lineage_new"
    execute(tx, f"DROP TABLE IF EXISTS `{temp}`")
    execute(tx, create.replace(f"CREATE TABLE `{camel}` (", f"CREATE TABLE `{temp}` (", 1))
    old = set(column_names(tx, camel))
    pairs = [(new, renames.get(new, new)) for new in column_names(tx, temp)]
    pairs = [(new, src) for new, src in pairs if src in old]
    targets = ", ".join(f"`{new}`" for new, _ in pairs)
    sources = ", ".join(f"`{src}`" for _, src in pairs)
    execute(tx, f"INSERT INTO `{temp}` ({targets}) SELECT {sources} FROM `{camel}`")
    has_sequence = "sqlite_sequence" in table_names(tx)
    seq = (
        query(tx, "SELECT seq FROM sqlite_sequence WHERE name = :n", {"n": camel})
        if has_sequence
        else []
    )
    execute(tx, f"DROP TABLE `{camel}`")
    execute(tx, f"ALTER TABLE `{temp}` RENAME TO `{camel}`")
    if seq:  # keep the AUTOINCREMENT high-water mark: ids of deleted rows are never reused
        value = int(seq[0][0])
        now = query(tx, "SELECT seq FROM sqlite_sequence WHERE name = :n", {"n": camel})
        if not now:
            execute(
                tx,
                "INSERT INTO sqlite_sequence (name, seq) VALUES (:n, :s)",
                {"n": camel, "s": value},
            )
        elif int(now[0][0]) < value:
            execute(
                tx, "UPDATE sqlite_sequence SET seq = :s WHERE name = :n", {"n": camel, "s": value}
            )


def sqlite_sync(
    tx: Tx,
    version: int,
    rebuild: tuple[str, ...] = (),
    renames: dict[str, str] | None = None,
) -> None:
    """Bring a SQLite database to the frozen shape of ``version``.

    Tables missing from the database are created, MLMD tables absent from the target are dropped,
    the tables in ``rebuild`` are rebuilt (create the target table, copy the common columns,
    drop the old one, rename), and named indices are created or dropped to match the target.

    Args:
        tx: The transaction (SQLite DDL is transactional: all of it commits or none).
        version: The target schema version.
        rebuild: Tables whose columns or constraints change in this step.
        renames: New column name to old column name, for copying renamed columns.
    """
    tables, indexes = _sqlite_parts(version)
    existing = {t.lower(): t for t in table_names(tx)}
    known = {t.lower() for v in range(0, 11) for t in _sqlite_parts(v)[0]}
    for lower, actual in existing.items():
        if lower in known and lower not in {t.lower() for t in tables}:
            execute(tx, f"DROP TABLE `{actual}`")
    for camel, create in tables.items():
        if camel.lower() not in existing:
            execute(tx, create)
        elif camel in rebuild:
            _sqlite_rebuild(tx, camel, create, renames or {})
    known_indexes = {i for v in range(0, 11) for i in _sqlite_parts(v)[1]}
    for camel in tables:
        present = {i for i in index_names(tx, camel) if i in known_indexes}
        wanted = {i for i, (t, _) in indexes.items() if t == camel}
        for index in sorted(present - wanted):
            execute(tx, f"DROP INDEX `{index}`")
        for index in sorted(wanted - present):
            execute(tx, indexes[index][1])
