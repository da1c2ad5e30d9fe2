"""``lineage.store.optimize``: opt-in node-side indexes on Attribution and Association."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage.graph import provenance
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import link_indexes, optimize
from tests.store.helpers import record_pipeline

NAMES = ["idx_attribution_artifact_id", "idx_association_execution_id"]


@pytest.fixture
def undo_after(store: Any) -> Iterator[Any]:
    """The store, with the indexes dropped afterwards (server databases outlive a test)."""
    try:
        yield store
    finally:
        optimize(store, undo=True)


def _subgraph(store: Any, artifact_id: int) -> bytes:
    options = pb.LineageSubgraphQueryOptions()
    options.starting_artifacts.filter_query = f"id = {artifact_id}"
    options.direction = pb.LineageSubgraphQueryOptions.UPSTREAM
    graph = store.get_lineage_subgraph(options)
    # Order-free comparison: sort each repeated field by its serialized elements.
    parts = []
    for field in ("artifacts", "executions", "contexts", "events", "attributions", "associations"):
        parts.append(b"|".join(sorted(m.SerializeToString() for m in getattr(graph, field))))
    return b"#".join(parts)


def test_optimize_adds_the_indexes_once_and_undo_drops_them(undo_after: Any) -> None:
    store = undo_after
    assert link_indexes(store) == dict.fromkeys(NAMES, False)
    assert optimize(store) == NAMES
    assert link_indexes(store) == dict.fromkeys(NAMES, True)
    assert optimize(store) == []  # idempotent
    assert optimize(store, undo=True) == NAMES
    assert link_indexes(store) == dict.fromkeys(NAMES, False)
    assert optimize(store, undo=True) == []


def test_answers_are_the_same_with_the_indexes(undo_after: Any) -> None:
    store = undo_after
    ids = record_pipeline(store)
    before = _subgraph(store, ids.metrics)
    contexts_before = sorted(c.name for c in provenance(store, ids.metrics).contexts)
    optimize(store)
    assert _subgraph(store, ids.metrics) == before
    assert sorted(c.name for c in provenance(store, ids.metrics).contexts) == contexts_before
    assert contexts_before  # the pipeline's run and pipeline contexts are there to be found
    # Writes and deletes keep working with the extra indexes.
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=ids.run, artifact_id=ids.data)], []
    )
    assert ids.run in [c.id for c in store.get_contexts_by_artifact(ids.data)]
    store.delete_artifacts([ids.metrics])
    assert store.get_artifacts_by_id([ids.metrics]) == []


def test_sqlite_reads_contexts_of_nodes_through_the_index(tmp_path: Path) -> None:
    store = lineage.MetadataStore(str(tmp_path / "opt.db"))
    record_pipeline(store)
    query = "SELECT context_id FROM Attribution WHERE artifact_id IN (1, 2)"
    conn = store._backend._connection()

    def plan() -> str:
        return " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + query))

    assert "idx_attribution_artifact_id" not in plan()
    optimize(store)
    assert "idx_attribution_artifact_id" in plan()


def test_new_stores_do_not_get_the_indexes(tmp_path: Path) -> None:
    first = lineage.MetadataStore(str(tmp_path / "a.db"))
    optimize(first)
    second = lineage.MetadataStore(str(tmp_path / "b.db"))
    assert link_indexes(second) == dict.fromkeys(NAMES, False)
    assert link_indexes(first) == dict.fromkeys(NAMES, True)
