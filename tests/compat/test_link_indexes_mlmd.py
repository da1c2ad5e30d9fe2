"""ml-metadata 1.17.1 keeps working on a store that ``lineage db optimize`` indexed."""

from __future__ import annotations

from typing import Any

import ml_metadata
import pytest
from ml_metadata.proto import metadata_store_pb2 as mpb

import lineage
from lineage.store import link_indexes, optimize
from tests.compat.test_lineage_subgraph_mlmd import _canonical
from tests.compat.test_lineage_subgraph_mlmd import databases as databases  # the fixture
from tests.compat.test_schema_mlmd import _mlmd_config
from tests.store.helpers import record_pipeline

pytestmark = pytest.mark.compat


def _upstream(store: Any, artifact_id: int) -> Any:
    options = mpb.LineageSubgraphQueryOptions()
    options.starting_artifacts.filter_query = f"id = {artifact_id}"
    options.direction = mpb.LineageSubgraphQueryOptions.UPSTREAM
    return store.get_lineage_subgraph(options)


def test_ml_metadata_reads_and_writes_an_optimized_store(databases: Any) -> None:  # noqa: F811
    kind, new_target = databases
    target = new_target()
    store = lineage.MetadataStore(target if kind == "sqlite" else _lineage_url(target))
    ids = record_pipeline(store)
    assert optimize(store) == ["idx_attribution_artifact_id", "idx_association_execution_id"]

    theirs = ml_metadata.MetadataStore(_mlmd_config(kind, target))
    assert _canonical(_upstream(theirs, ids.metrics)) == _canonical(_upstream(store, ids.metrics))

    # ml-metadata writes an execution with a context link through the indexed tables ...
    execution = mpb.Execution(type_id=ids.trainer_type, name="retrain")
    artifact = mpb.Artifact(type_id=ids.model_type, uri="/models/2")
    event = mpb.Event(type=mpb.Event.OUTPUT)
    (context,) = theirs.get_contexts_by_id([ids.run])
    x_id, (a_id,), _ = theirs.put_execution(execution, [(artifact, event)], [context])
    # ... which lineage reads through the indexes, and the indexes are still there.
    assert ids.run in [c.id for c in store.get_contexts_by_artifact(a_id)]
    assert ids.run in [c.id for c in store.get_contexts_by_execution(x_id)]
    assert all(link_indexes(store).values())
    store.close()


def _lineage_url(database: str) -> str:
    import sqlalchemy as sa

    from tests.conftest import SERVER_URLS

    return sa.make_url(SERVER_URLS["mysql"]).set(database=database).render_as_string(False)
