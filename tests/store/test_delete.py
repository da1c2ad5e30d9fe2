"""Deleting nodes and types: dependents refused by name, cascades, nothing left dangling."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from lineage import errors
from lineage.proto import metadata_store_pb2 as pb
from tests.conftest import local_view
from tests.store.helpers import record_pipeline, snapshot

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


def dangling(store: Any) -> dict[str, int]:
    """Rows that point at nodes that no longer exist (all must be 0)."""
    with local_view(store) as local:
        return _dangling(local)


def _dangling(store: Any) -> dict[str, int]:
    t = store._backend.tables
    checks = {
        "event→artifact": sa.select(sa.func.count())
        .select_from(t.event)
        .where(t.event.c.artifact_id.not_in(sa.select(t.artifact.c.id))),
        "event→execution": sa.select(sa.func.count())
        .select_from(t.event)
        .where(t.event.c.execution_id.not_in(sa.select(t.execution.c.id))),
        "path→event": sa.select(sa.func.count())
        .select_from(t.event_path)
        .where(t.event_path.c.event_id.not_in(sa.select(t.event.c.id))),
        "attribution": sa.select(sa.func.count())
        .select_from(t.attribution)
        .where(
            sa.or_(
                t.attribution.c.artifact_id.not_in(sa.select(t.artifact.c.id)),
                t.attribution.c.context_id.not_in(sa.select(t.context.c.id)),
            )
        ),
        "association": sa.select(sa.func.count())
        .select_from(t.association)
        .where(
            sa.or_(
                t.association.c.execution_id.not_in(sa.select(t.execution.c.id)),
                t.association.c.context_id.not_in(sa.select(t.context.c.id)),
            )
        ),
        "artifact property": sa.select(sa.func.count())
        .select_from(t.artifact_property)
        .where(t.artifact_property.c.artifact_id.not_in(sa.select(t.artifact.c.id))),
        "execution property": sa.select(sa.func.count())
        .select_from(t.execution_property)
        .where(t.execution_property.c.execution_id.not_in(sa.select(t.execution.c.id))),
        "parent context": sa.select(sa.func.count())
        .select_from(t.parent_context)
        .where(
            sa.or_(
                t.parent_context.c.context_id.not_in(sa.select(t.context.c.id)),
                t.parent_context.c.parent_context_id.not_in(sa.select(t.context.c.id)),
            )
        ),
    }
    with store._backend.transaction(write=False) as tx:
        return {name: int(tx.adhoc(stmt)[0][0]) for name, stmt in checks.items()}


def test_deleting_a_read_artifact_is_refused_naming_its_readers(store: Any) -> None:
    p = record_pipeline(store)
    before = snapshot(store)
    with pytest.raises(
        errors.DependentsError, match=r"read by execution:\d+ \(Trainer train-1\)"
    ) as raised:
        store.delete_artifacts([p.data])
    assert "cascade=True" in str(raised.value)
    assert raised.value.dependents
    assert snapshot(store) == before


def test_deleting_a_leaf_artifact_removes_its_rows(store: Any) -> None:
    p = record_pipeline(store)
    done = store.delete_artifacts([p.metrics])
    assert done.artifacts == (p.metrics,)
    assert done.events == 1
    assert store.get_artifacts_by_id([p.metrics]) == []
    assert [e.artifact_id for e in store.get_events_by_execution_ids([p.evaluate])] == [p.model]
    assert all(v == 0 for v in dangling(store).values())


def test_cascade_deletes_the_downstream_lineage(store: Any) -> None:
    p = record_pipeline(store)
    done = store.delete_artifacts([p.data], cascade=True)
    assert set(done.artifacts) == {p.data, p.model, p.metrics}
    assert set(done.executions) == {p.train, p.evaluate}
    assert store.get_artifacts() == []
    assert store.get_executions() == []
    assert len(store.get_contexts()) == 2  # contexts stay; only their links go
    assert store.get_artifacts_by_context(p.run) == []
    assert all(v == 0 for v in dangling(store).values())


def test_deleting_an_execution_with_outputs_needs_cascade(store: Any) -> None:
    p = record_pipeline(store)
    with pytest.raises(errors.DependentsError, match=r"output artifact:\d+ \(Model m1\)"):
        store.delete_executions([p.train])
    done = store.delete_executions([p.evaluate], cascade=True)
    assert done.executions == (p.evaluate,)
    assert done.artifacts == (p.metrics,)
    assert store.get_artifacts_by_id([p.model])  # its input stays
    assert all(v == 0 for v in dangling(store).values())


def test_contexts_and_their_children(store: Any) -> None:
    p = record_pipeline(store)
    with pytest.raises(errors.DependentsError, match=f"child context:{p.run}"):
        store.delete_contexts([p.pipeline])
    done = store.delete_contexts([p.pipeline], cascade=True)
    assert set(done.contexts) == {p.pipeline, p.run}
    assert store.get_contexts() == []
    assert len(store.get_executions()) == 2  # members stay
    assert all(v == 0 for v in dangling(store).values())


def test_types_in_use_and_built_in_types(store: Any) -> None:
    p = record_pipeline(store)
    with pytest.raises(errors.DependentsError, match="1 artifact"):
        store.delete_artifact_types([p.metrics_type])
    unused = store.put_artifact_type(pb.ArtifactType(name="Unused", properties={"x": pb.INT}))
    assert store.delete_artifact_types([unused]).types == (unused,)
    with pytest.raises(errors.NotFoundError):
        store.get_artifact_type("Unused")
    done = store.delete_execution_types([p.evaluator_type], cascade=True)
    assert done.executions == (p.evaluate,)
    assert done.artifacts == (p.metrics,)
    simple = store.get_artifact_type("mlmd.Dataset")
    with pytest.raises(errors.InvalidArgumentError, match="built in"):
        store.delete_artifact_types([simple.id])
    with pytest.raises(errors.NotFoundError, match="no such"):
        store.delete_context_types([99999])
    assert all(v == 0 for v in dangling(store).values())


def test_unknown_ids_are_refused_and_nothing_is_deleted(store: Any) -> None:
    p = record_pipeline(store)
    before = snapshot(store)
    with pytest.raises(errors.NotFoundError, match="artifact:4242"):
        store.delete_artifacts([p.metrics, 4242])
    assert snapshot(store) == before
