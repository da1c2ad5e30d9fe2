"""Step 1 (v0.13.2 → 1): add ``MLMDEnv``, the table that records the schema version.

Downgrade drops ``MLMDEnv``: a database without it but with the v0.13.2 tables is version 0.
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import drop_table, execute, sqlite_sync, table_names
from lineage.store.migrations._seed import check, seed_base, verify_base

VERSION = 1
SUMMARY = "add MLMDEnv(schema_version)"


def upgrade(tx: Tx) -> None:
    """Create ``MLMDEnv`` (the caller writes the version row)."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION)
    elif "mlmdenv" not in table_names(tx):
        if tx.dialect == "mysql":
            execute(
                tx,
                "CREATE TABLE `MLMDEnv` (`schema_version` INT NOT NULL, "
                "PRIMARY KEY (`schema_version`)) ENGINE=InnoDB",
            )
        else:
            execute(
                tx,
                "CREATE TABLE mlmdenv (schema_version INTEGER NOT NULL, "
                "CONSTRAINT mlmdenv_pkey PRIMARY KEY (schema_version))",
            )


def downgrade(tx: Tx) -> None:
    """Drop ``MLMDEnv``: the database is then version 0 (ml-metadata v0.13.2)."""
    drop_table(tx, "MLMDEnv")


def setup_previous(tx: Tx) -> None:
    """Write the base rows into a v0 database."""
    seed_base(tx, kind_column="is_artifact_type")


def verify(tx: Tx) -> None:
    """Check MLMDEnv exists and the base rows survived."""
    check("mlmdenv" in table_names(tx), "MLMDEnv is missing")
    verify_base(tx)
