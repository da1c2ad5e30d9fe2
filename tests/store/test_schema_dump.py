"""The committed DDL dumps in schemas/sql/ match what lineage creates on each backend."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

import lineage
from lineage.store._ddl import dump_schema
from tests.conftest import FILE_BACKENDS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", FILE_BACKENDS)
def test_committed_schema_dump_matches_a_fresh_database(store_url: str, backend: str) -> None:
    dialect = "sqlite" if backend.startswith("sqlite") else backend
    committed = (ROOT / "schemas" / "sql" / f"{dialect}.sql").read_text()
    with lineage.MetadataStore(store_url) as store:
        actual = dump_schema(store._backend)
    if actual != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(True), actual.splitlines(True), "committed", "fresh database"
            )
        )
        pytest.fail(f"schemas/sql/{dialect}.sql is stale; run `make dump-schemas`.\n{diff}")


def test_dump_lists_every_mlmd_table_and_index(tmp_path: Path) -> None:
    with lineage.MetadataStore(f"sqlite:///{tmp_path / 'x.db'}") as store:
        text = dump_schema(store._backend)
    for table in (
        "Type",
        "TypeProperty",
        "ParentType",
        "Artifact",
        "ArtifactProperty",
        "Execution",
        "ExecutionProperty",
        "Context",
        "ContextProperty",
        "ParentContext",
        "Event",
        "EventPath",
        "Association",
        "Attribution",
        "MLMDEnv",
    ):
        assert f'CREATE TABLE "{table}"' in text
    assert text.count("CREATE INDEX") == 24
