"""ml-metadata opens and reads a database after lineage deleted nodes and types from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ml_metadata
import pytest
import sqlalchemy as sa

import lineage
from tests.compat.test_schema_mlmd import _mlmd_config
from tests.conftest import SERVER_URLS, unreachable
from tests.store.helpers import record_pipeline

pytestmark = pytest.mark.compat


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def config(request: Any, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        yield _mlmd_config("sqlite", str(tmp_path / "deleted.db"))
        return
    base = sa.make_url(SERVER_URLS["mysql"])
    try:
        admin = sa.create_engine(base._replace(database=None), isolation_level="AUTOCOMMIT")
        admin.connect().close()
    except Exception as exc:
        unreachable("mysql", exc)
    name = f"lineage_del_{tmp_path.name[-8:].replace('-', '_')}"
    try:
        yield _mlmd_config("mysql", name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


def _read_all(store: Any) -> dict[str, Any]:
    artifacts = store.get_artifacts()
    executions = store.get_executions()
    contexts = store.get_contexts()
    return {
        "artifacts": sorted(a.id for a in artifacts),
        "executions": sorted(e.id for e in executions),
        "contexts": sorted(c.id for c in contexts),
        "events": sorted(
            (e.artifact_id, e.execution_id, e.type)
            for e in store.get_events_by_execution_ids([e.id for e in executions])
        ),
        "members": {
            c.id: sorted(a.id for a in store.get_artifacts_by_context(c.id)) for c in contexts
        },
        "types": sorted(t.name for t in store.get_artifact_types() + store.get_execution_types()),
    }


def test_ml_metadata_reads_after_deletes(config: Any) -> None:
    with lineage.MetadataStore(config) as ours:
        p = record_pipeline(ours)
        ours.delete_artifacts([p.metrics])
        ours.delete_execution_types([p.evaluator_type], cascade=True)
        ours.delete_contexts([p.pipeline], cascade=True)
        unused = ours.put_artifact_type(ml_metadata.proto.ArtifactType(name="Unused"))
        ours.delete_artifact_types([unused])
        expected = _read_all(ours)
    theirs = ml_metadata.MetadataStore(config)
    assert _read_all(theirs) == expected
    assert expected["artifacts"] == sorted([p.data, p.model])
    assert expected["executions"] == [p.train]
    assert expected["contexts"] == []
    options = ml_metadata.proto.metadata_store_pb2.LineageSubgraphQueryOptions()
    options.starting_artifacts.filter_query = f"id = {p.model}"
    graph = theirs.get_lineage_subgraph(options)
    assert sorted(a.id for a in graph.artifacts) == sorted([p.data, p.model])


def test_ml_metadata_reads_after_an_erasure(config: Any) -> None:
    from lineage import erasure
    from tests.erasure.test_erasure import record

    with lineage.MetadataStore(config) as ours:
        people = record(ours)
        plan = erasure.plan(ours, erasure.Target.subject("alice-liddell"), reason="GDPR art. 17")
        receipt = erasure.apply(ours, plan)
        expected = _read_all(ours)
    theirs = ml_metadata.MetadataStore(config)
    assert _read_all(theirs) == expected
    [alice] = theirs.get_artifacts_by_id([people.alice])
    assert alice.state == ml_metadata.proto.Artifact.DELETED
    assert alice.uri == ""
    [execution] = theirs.get_executions_by_id([int(receipt.receipt.split(":")[1])])
    assert execution.type == "Erasure"
    assert theirs.get_events_by_artifact_ids([people.alice])  # lineage stays connected
