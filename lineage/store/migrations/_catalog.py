"""Read the shape of a database from its catalog, render it as DDL, and compare two shapes.

A :class:`Shape` holds, per table, the columns (in order, with type, nullability, default and
auto-increment), the primary key, the unique constraints and the secondary indices. It is read
from ``sqlite_master``/``PRAGMA``, ``information_schema`` (MySQL/MariaDB) or ``pg_catalog``
(PostgreSQL). The frozen per-version DDL under ``sql/`` was rendered from shapes of databases that
ml-metadata 1.17.1 created and downgraded (``scripts/dump_mlmd_schemas.py``); the tests compare the
shape of a migrated database with the frozen one or with a fresh database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Column", "Index", "Shape", "TableShape", "normalized", "read_shape", "render_ddl"]


@dataclass(frozen=True, order=True)
class Column:
    """One column: its declared type as the catalog reports it, lower-cased."""

    name: str
    type: str
    nullable: bool
    default: str | None
    auto: bool = False


@dataclass(frozen=True, order=True)
class Index:
    """A unique constraint or a secondary index (``name`` is None for SQLite's unnamed ones)."""

    name: str | None
    columns: tuple[str, ...]
    unique: bool
    where: str | None = None


@dataclass(frozen=True)
class TableShape:
    """The shape of one table."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: frozenset[Index]


#: Table name (as the database spells it) to its shape.
Shape = dict[str, TableShape]


def _rows(cur: Any, sql: str) -> list[Any]:
    cur.execute(sql)
    return list(cur.fetchall())


# --------------------------------------------------------------------------- reading
def read_shape(cur: Any, dialect: str) -> Shape:
    """Read every table of the current database or schema through a DB-API cursor.

    Args:
        cur: A cursor of the database (sqlite3, mysqlclient, PyMySQL or psycopg).
        dialect: 'sqlite', 'mysql' or 'postgresql'.

    Returns:
        The shape of each table, by table name.
    """
    if dialect == "sqlite":
        return _sqlite_shape(cur)
    if dialect == "mysql":
        return _mysql_shape(cur)
    if dialect == "postgresql":
        return _postgresql_shape(cur)
    raise ValueError(f"unsupported dialect {dialect!r}")


_WHERE = re.compile(r"\bWHERE\b(.*)$", re.IGNORECASE | re.DOTALL)


def _clean_where(text: str) -> str:
    text = text.strip().replace("`", "").replace('"', "")
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return re.sub(r"\s+", " ", text)


def _sqlite_shape(cur: Any) -> Shape:
    out: Shape = {}
    tables = _rows(
        cur,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    index_sql = {
        str(r[0]): str(r[1] or "")
        for r in _rows(cur, "SELECT name, sql FROM sqlite_master WHERE type = 'index'")
    }
    for name, sql in tables:
        auto = "AUTOINCREMENT" in str(sql).upper()
        info = _rows(cur, f"PRAGMA table_info(`{name}`)")
        pk = tuple(str(r[1]) for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        columns = tuple(
            Column(
                name=str(r[1]),
                type=str(r[2]).lower(),
                nullable=not r[3] and not (r[5] and len(pk) == 1 and auto),
                default=None if r[4] is None else str(r[4]),
                auto=bool(r[5]) and auto,
            )
            for r in info
        )
        indexes = set()
        for _, idx_name, unique, origin, _partial in _rows(cur, f"PRAGMA index_list(`{name}`)"):
            if origin == "pk":
                continue
            cols = tuple(
                str(r[2])
                for r in sorted(_rows(cur, f"PRAGMA index_info(`{idx_name}`)"), key=lambda r: r[0])
            )
            where = None
            if origin == "c":
                match = _WHERE.search(index_sql.get(str(idx_name), ""))
                where = _clean_where(match.group(1)) if match else None
            indexes.add(
                Index(
                    name=None if origin == "u" else str(idx_name),
                    columns=cols,
                    unique=bool(unique),
                    where=where,
                )
            )
        out[str(name)] = TableShape(str(name), columns, pk, frozenset(indexes))
    return out


def _mysql_shape(cur: Any) -> Shape:
    out: Shape = {}
    cols: dict[str, list[Column]] = {}
    for table, column, ctype, nullable, default, extra in _rows(
        cur,
        "SELECT table_name, column_name, column_type, is_nullable, column_default, extra "
        "FROM information_schema.columns WHERE table_schema = DATABASE() "
        "ORDER BY table_name, ordinal_position",
    ):
        is_null = str(nullable).upper() == "YES"
        dflt = None if default is None or str(default).upper() == "NULL" else str(default)
        dflt = dflt.strip("'") if dflt is not None else None
        ctype = re.sub(r"^(int|bigint|smallint)\(\d+\)", r"\1", str(ctype).lower())
        cols.setdefault(str(table), []).append(
            Column(str(column), ctype, is_null, dflt, auto="auto_increment" in str(extra).lower())
        )
    keys: dict[tuple[str, str], list[Any]] = {}
    for table, index, non_unique, _seq, column, sub_part in _rows(
        cur,
        "SELECT table_name, index_name, non_unique, seq_in_index, column_name, sub_part "
        "FROM information_schema.statistics WHERE table_schema = DATABASE() "
        "ORDER BY table_name, index_name, seq_in_index",
    ):
        entry = keys.setdefault((str(table), str(index)), [not int(non_unique), []])
        entry[1].append(f"{column}({sub_part})" if sub_part else str(column))
    for table, columns in cols.items():
        pk: tuple[str, ...] = ()
        indexes = set()
        for (tbl, index), (unique, key_cols) in keys.items():
            if tbl != table:
                continue
            if index == "PRIMARY":
                pk = tuple(key_cols)
            else:
                indexes.add(Index(index, tuple(key_cols), bool(unique)))
        out[table] = TableShape(table, tuple(columns), pk, frozenset(indexes))
    return out


_INDEX_DEF = re.compile(
    r"^CREATE (UNIQUE )?INDEX (\S+) ON (?:ONLY )?(?:\S+\.)?(\S+) USING (\w+) \((.*?)\)"
    r"(?: WHERE (.*))?$",
    re.DOTALL,
)


def _postgresql_shape(cur: Any) -> Shape:
    out: Shape = {}
    cols: dict[str, list[Column]] = {}
    for table, column, ctype, notnull, default in _rows(
        cur,
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 "
        "AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
    ):
        dflt = None if default is None else str(default)
        auto = dflt is not None and dflt.startswith("nextval(")
        cols.setdefault(str(table), []).append(
            Column(str(column), str(ctype), not notnull, None if auto else dflt, auto)
        )
    constraints: dict[str, list[tuple[str, str, str]]] = {}
    for table, name, kind, definition in _rows(
        cur,
        "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) "
        "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND k.contype IN ('p', 'u')",
    ):
        constraints.setdefault(str(table), []).append((str(name), str(kind), str(definition)))
    index_defs: dict[str, list[str]] = {}
    for table, definition in _rows(
        cur,
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()",
    ):
        index_defs.setdefault(str(table), []).append(str(definition))
    for table, columns in cols.items():
        pk: tuple[str, ...] = ()
        indexes = set()
        names = set()
        for name, kind, definition in constraints.get(table, []):
            names.add(name)
            key = tuple(c.strip() for c in definition.split("(", 1)[1].rsplit(")", 1)[0].split(","))
            if kind == "p":
                pk = key
                # The primary key's name is part of the shape (MLMD's downgrades leave *temp_pkey).
                indexes.add(Index(name, key, True, "primary key"))
            else:
                indexes.add(Index(name, key, True))
        for definition in index_defs.get(table, []):
            match = _INDEX_DEF.match(definition)
            if match is None:
                raise ValueError(f"cannot parse index definition {definition!r}")
            unique, name, _tbl, _method, key_text, where = match.groups()
            if name in names:
                continue
            key = tuple(c.strip() for c in key_text.split(","))
            indexes.add(
                Index(name, key, bool(unique), _clean_where(where) if where is not None else None)
            )
        out[table] = TableShape(table, tuple(columns), pk, frozenset(indexes))
    return out


# --------------------------------------------------------------------------- rendering
def _sqlite_table(t: TableShape) -> str:
    parts = []
    single_auto = len(t.primary_key) == 1 and any(c.auto for c in t.columns)
    for c in t.columns:
        text = f"`{c.name}` {c.type.upper()}"
        if single_auto and c.name == t.primary_key[0]:
            text += " PRIMARY KEY AUTOINCREMENT"
        elif not c.nullable:
            text += " NOT NULL"
        if c.default is not None:
            text += f" DEFAULT {c.default}"
        parts.append(text)
    if t.primary_key and not single_auto:
        parts.append("PRIMARY KEY (" + ", ".join(f"`{c}`" for c in t.primary_key) + ")")
    for idx in sorted(t.indexes, key=lambda i: i.columns):
        if idx.unique and idx.name is None:
            parts.append("UNIQUE (" + ", ".join(f"`{c}`" for c in idx.columns) + ")")
    return f"CREATE TABLE `{t.name}` (" + ", ".join(parts) + ")"


def _sqlite_indexes(t: TableShape) -> list[str]:
    out = []
    for idx in sorted((i for i in t.indexes if i.name is not None), key=lambda i: str(i.name)):
        text = f"CREATE {'UNIQUE ' if idx.unique else ''}INDEX `{idx.name}` ON `{t.name}` ("
        text += ", ".join(f"`{c}`" for c in idx.columns) + ")"
        if idx.where:
            text += f" WHERE {idx.where}"
        out.append(text)
    return out


def _mysql_key(col: str) -> str:
    match = re.match(r"^(\w+)\((\d+)\)$", col)
    return f"`{match.group(1)}`({match.group(2)})" if match else f"`{col}`"


def _mysql_table(t: TableShape) -> str:
    parts = []
    for c in t.columns:
        text = f"`{c.name}` {c.type.upper()}"
        text += " NULL" if c.nullable else " NOT NULL"
        if c.default is not None:
            text += f" DEFAULT {c.default}"
        if c.auto:
            text += " AUTO_INCREMENT"
        parts.append(text)
    if t.primary_key:
        parts.append("PRIMARY KEY (" + ", ".join(f"`{c}`" for c in t.primary_key) + ")")
    for idx in sorted(t.indexes, key=lambda i: str(i.name)):
        kind = "UNIQUE KEY" if idx.unique else "KEY"
        parts.append(f"{kind} `{idx.name}` (" + ", ".join(map(_mysql_key, idx.columns)) + ")")
    return f"CREATE TABLE `{t.name}` (" + ", ".join(parts) + ") ENGINE=InnoDB"


def _pg_table(t: TableShape) -> str:
    parts = []
    for c in t.columns:
        if c.auto:
            ctype = "BIGSERIAL" if c.type == "bigint" else "SERIAL"
        else:
            ctype = c.type.upper()
        text = f"{c.name} {ctype}"
        if c.default is not None:
            text += f" DEFAULT {c.default}"
        if not c.nullable:
            text += " NOT NULL"
        parts.append(text)
    for idx in sorted(t.indexes, key=lambda i: str(i.name)):
        cols = ", ".join(idx.columns)
        if idx.where == "primary key":
            parts.append(f"CONSTRAINT {idx.name} PRIMARY KEY ({cols})")
        elif idx.unique:
            parts.append(f"CONSTRAINT {idx.name} UNIQUE ({cols})")
    return f"CREATE TABLE {t.name} (" + ", ".join(parts) + ")"


def _pg_indexes(t: TableShape, constraint_names: set[str]) -> list[str]:
    out = []
    for idx in sorted(t.indexes, key=lambda i: str(i.name)):
        if idx.name in constraint_names:
            continue
        text = f"CREATE {'UNIQUE ' if idx.unique else ''}INDEX {idx.name} ON {t.name} ("
        text += ", ".join(idx.columns) + ")"
        if idx.where:
            text += f" WHERE {idx.where}"
        out.append(text)
    return out


def render_ddl(shape: Shape, dialect: str) -> list[str]:
    """Render CREATE statements (tables first, then indices) that rebuild ``shape``.

    Args:
        shape: The shape to render.
        dialect: 'sqlite', 'mysql' or 'postgresql'.

    Returns:
        One statement per item, without the trailing semicolon.
    """
    tables = [shape[name] for name in sorted(shape)]
    if dialect == "sqlite":
        return [_sqlite_table(t) for t in tables] + [s for t in tables for s in _sqlite_indexes(t)]
    if dialect == "mysql":
        return [_mysql_table(t) for t in tables]
    if dialect == "postgresql":
        out = [_pg_table(t) for t in tables]
        for t in tables:
            names = {
                str(i.name) for i in t.indexes if i.unique and i.where in (None, "primary key")
            }
            # Unique constraints are rendered inline; plain unique indices have a WHERE or none
            # in MLMD's schemas, so only non-unique indices are rendered here.
            out.extend(_pg_indexes(t, {n for n in names}))
        return out
    raise ValueError(f"unsupported dialect {dialect!r}")


# --------------------------------------------------------------------------- comparing
_WIDE = {
    "bigint": "int",
    "integer": "int",
    "int": "int",
    "bigint(20)": "int",
    "int(11)": "int",
}


def normalized(
    shape: Shape,
    *,
    int_width: bool = False,
    column_order: bool = True,
    unique_names: bool = True,
    case: bool = True,
) -> dict[str, Any]:
    """A comparable form of ``shape`` with some differences optionally ignored.

    Args:
        shape: The shape.
        int_width: Treat 32- and 64-bit integer columns alike (lineage creates BIGINT ids on
            MySQL/PostgreSQL where ml-metadata has INT).
        column_order: Keep the column order (PostgreSQL cannot add a column in the middle).
        unique_names: Keep the names of unique constraints (MLMD's MySQL/PostgreSQL upgrades
            name some differently from its fresh schema).
        case: Keep the case of table names.

    Returns:
        Plain data that compares equal when the shapes are equal modulo the ignored differences.
    """
    out: dict[str, Any] = {}
    for name, t in shape.items():
        cols = [replace(c, type=_WIDE.get(c.type, c.type)) if int_width else c for c in t.columns]
        indexes = {i if unique_names or not i.unique else replace(i, name=None) for i in t.indexes}
        out[name if case else name.lower()] = (
            tuple(cols) if column_order else tuple(sorted(cols)),
            t.primary_key,
            frozenset(indexes),
        )
    return out
