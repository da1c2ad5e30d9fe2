"""Freeze the schema of every MLMD schema version, per dialect, as DDL we render ourselves.

Usage (needs ml-metadata, so run it in .venv-mlmd; MariaDB and PostgreSQL must be up)::

    .venv-mlmd/bin/python scripts/dump_mlmd_schemas.py [--dialect sqlite|mysql|postgresql]
        [--check] [--mysql-url URL] [--postgresql-url URL]

For each version n, the real ml-metadata creates a v10 database and ``downgrade_schema`` takes it
to n. The shape of the result is read from the database catalog (``lineage.store.migrations.
_catalog``), rendered as DDL and written to ``lineage/store/migrations/sql/<dialect>/vNN.sql``.
The rendered DDL is then replayed on an empty database and must give the same shape back.
ml-metadata has no PostgreSQL scheme for version 0: that file is the v1 shape without MLMDEnv.
``--check`` compares instead of writing and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lineage.store.migrations._catalog import Shape, read_shape, render_ddl  # noqa: E402

OUT = ROOT / "lineage" / "store" / "migrations" / "sql"
VERSIONS = range(0, 11)


def _server(kind: str, url_text: str) -> tuple[sa.URL, Callable[[str], None]]:
    url = sa.make_url(url_text)
    admin_url = (
        url.set(database="postgres") if kind == "postgresql" else url._replace(database=None)
    )
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def admin(sql: str) -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)

    return url, admin


def _mlmd_config(kind: str, url: sa.URL, database: str) -> Any:
    from ml_metadata.proto import metadata_store_pb2 as pb

    config = pb.ConnectionConfig()
    if kind == "mysql":
        config.mysql.host = url.host or "127.0.0.1"
        config.mysql.port = url.port or 3306
        config.mysql.user = url.username or "root"
        config.mysql.password = url.password or ""
        config.mysql.database = database
    else:
        config.postgresql.host = url.host or "127.0.0.1"
        config.postgresql.port = str(url.port or 5432)
        config.postgresql.user = url.username or "root"
        config.postgresql.password = url.password or ""
        config.postgresql.dbname = database
    return config


def _server_shape(url: sa.URL, database: str, ddl: list[str] | None = None) -> Shape:
    engine = sa.create_engine(url.set(database=database))
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement in ddl or []:
            cur.execute(statement)
        raw.commit()
        return read_shape(cur, engine.dialect.name)
    finally:
        raw.close()
        engine.dispose()


def _shapes_sqlite() -> dict[int, Shape]:
    import ml_metadata as mlmd
    from ml_metadata.proto import metadata_store_pb2 as pb

    shapes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in VERSIONS:
            path = os.path.join(tmp, f"v{n}.db")
            config = pb.ConnectionConfig()
            config.sqlite.filename_uri = path
            mlmd.MetadataStore(config)
            if n < 10:
                mlmd.downgrade_schema(config, n)
            con = sqlite3.connect(path)
            shapes[n] = read_shape(con.cursor(), "sqlite")
            con.close()
    return shapes


def _replay_sqlite(ddl: list[str]) -> Shape:
    con = sqlite3.connect(":memory:")
    for statement in ddl:
        con.execute(statement)
    shape = read_shape(con.cursor(), "sqlite")
    con.close()
    return shape


def _shapes_server(
    kind: str, url_text: str
) -> tuple[dict[int, Shape], Callable[[list[str]], Shape]]:
    import ml_metadata as mlmd

    url, admin = _server(kind, url_text)
    quote = "`" if kind == "mysql" else '"'
    shapes: dict[int, Shape] = {}
    for n in VERSIONS:
        if kind == "postgresql" and n == 0:
            continue
        name = f"lineage_dump_{uuid.uuid4().hex[:10]}"
        admin(f"CREATE DATABASE {quote}{name}{quote}")
        try:
            config = _mlmd_config(kind, url, name)
            mlmd.MetadataStore(config)
            if n < 10:
                mlmd.downgrade_schema(config, n)
            shapes[n] = _server_shape(url, name)
        finally:
            admin(f"DROP DATABASE IF EXISTS {quote}{name}{quote}")
    if kind == "postgresql":
        shapes[0] = {k: v for k, v in shapes[1].items() if k != "mlmdenv"}

    def replay(ddl: list[str]) -> Shape:
        name = f"lineage_dump_{uuid.uuid4().hex[:10]}"
        admin(f"CREATE DATABASE {quote}{name}{quote}")
        try:
            return _server_shape(url, name, ddl)
        finally:
            admin(f"DROP DATABASE IF EXISTS {quote}{name}{quote}")

    return shapes, replay


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialect", choices=("sqlite", "mysql", "postgresql"), action="append")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument(
        "--mysql-url",
        default=os.environ.get(
            "LINEAGE_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/test"
        ),
    )
    parser.add_argument(
        "--postgresql-url",
        default=os.environ.get(
            "LINEAGE_TEST_POSTGRESQL_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    failed = False
    for dialect in args.dialect or ["sqlite", "mysql", "postgresql"]:
        if dialect == "sqlite":
            shapes, replay = _shapes_sqlite(), _replay_sqlite
        else:
            url = args.mysql_url if dialect == "mysql" else args.postgresql_url
            shapes, replay = _shapes_server(dialect, url)
        for n in VERSIONS:
            ddl = render_ddl(shapes[n], dialect)
            again = replay(ddl)
            if again != shapes[n]:
                print(f"{dialect} v{n}: the rendered DDL does not rebuild the same shape")
                for table in sorted(set(again) | set(shapes[n])):
                    if again.get(table) != shapes[n].get(table):
                        print(f"  {table}:\n    want {shapes[n].get(table)}")
                        print(f"    got  {again.get(table)}")
                failed = True
            text = "".join(statement + ";\n" for statement in ddl)
            path = OUT / dialect / f"v{n:02d}.sql"
            if args.check:
                if not path.exists() or path.read_text() != text:
                    print(f"{path.relative_to(ROOT)} is stale")
                    failed = True
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT)} ({len(ddl)} statements)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
