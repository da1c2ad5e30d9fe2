"""Write schemas/sql/{sqlite,mysql,postgresql}.sql from a fresh database lineage creates.

Usage: python scripts/dump_schemas.py   (needs the MariaDB and PostgreSQL servers named by
LINEAGE_TEST_MYSQL_URL / LINEAGE_TEST_POSTGRESQL_URL; the Makefile sets both.)
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

import lineage
from lineage.store._ddl import dump_schema

ROOT = Path(__file__).resolve().parent.parent
SERVERS = {
    "mysql": os.environ.get("LINEAGE_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/test"),
    "postgresql": os.environ.get(
        "LINEAGE_TEST_POSTGRESQL_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    ),
}


def dump(url: str) -> str:
    with lineage.MetadataStore(url) as store:
        return dump_schema(store._backend)


def main() -> None:
    out_dir = ROOT / "schemas" / "sql"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = dump(f"sqlite:///{Path(tmp) / 'dump.db'}")
    (out_dir / "sqlite.sql").write_text(text)
    print(f"wrote {out_dir / 'sqlite.sql'}")
    for dialect, server in SERVERS.items():
        base = sa.make_url(server)
        name = f"lineage_dump_{uuid.uuid4().hex[:8]}"
        quote = '"' if dialect == "postgresql" else "`"
        admin_url = (
            base.set(database="postgres")
            if dialect == "postgresql"
            else base._replace(database=None)
        )
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            text = dump(base.set(database=name).render_as_string(hide_password=False))
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}")
            admin.dispose()
        (out_dir / f"{dialect}.sql").write_text(text)
        print(f"wrote {out_dir / f'{dialect}.sql'}")


if __name__ == "__main__":
    main()
