"""``get_events_by_*_ids`` return what ml-metadata 1.17.1 returns, in the same order.

Random call sequences (``put_events`` batches, ``put_execution`` with new and stored artifacts,
``put_lineage_subgraph``, new nodes in between) write events across nodes in an interleaved order,
several per node, with and without paths; one library writes a SQLite file, then both read it
with random id lists (any order, repeated ids, unknown ids) and the answers must be equal message
for message, order included. The realistic pipeline of ``_graph.build_pipeline`` is compared the
same way.

ml-metadata's statement has no ORDER BY: it returns the rows of the index it reads, by execution id
then event id, or by (artifact id, execution id, type). That is its answer on SQLite always, and on
MySQL only when the optimizer picks the index (on a small table it scans in row order, so its order
there depends on the table's size); lineage returns the index order on every backend, so the order
is compared on SQLite and the store tests (tests/store/test_event_order.py) pin it everywhere.
"""

from __future__ import annotations

import gc
import os
import random
import uuid
from pathlib import Path
from typing import Any

import ml_metadata
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import lineage
from lineage.proto import metadata_store_pb2 as pb
from tests.compat import _graph
from tests.compat.test_schema_mlmd import _mlmd_config

pytestmark = pytest.mark.compat

LIBRARIES = {"mlmd": ml_metadata.MetadataStore, "lineage": lineage.MetadataStore}
EVENT_TYPES = [
    pb.Event.INPUT,
    pb.Event.OUTPUT,
    pb.Event.DECLARED_INPUT,
    pb.Event.DECLARED_OUTPUT,
    pb.Event.INTERNAL_INPUT,
    pb.Event.INTERNAL_OUTPUT,
]
KEYS = ["examples", "model", "schema", "weird key/ü"]


class Writer:
    """Writes a random history of events through one library's store."""

    def __init__(self, store: Any, rng: random.Random) -> None:
        self.store, self.rng = store, rng
        self.a_type = store.put_artifact_type(pb.ArtifactType(name="Data"))
        self.x_type = store.put_execution_type(pb.ExecutionType(name="Step"))
        self.c_type = store.put_context_type(pb.ContextType(name="Run"))
        self.artifacts: list[int] = []
        self.executions: list[int] = []
        self.used: set[tuple[int, int, int]] = set()
        self.contexts = 0

    def event(self, artifact: int | None, execution: int | None) -> Any | None:
        """A new event (None when every type of this pair is taken), with a random path."""
        rng = self.rng
        types = [t for t in EVENT_TYPES if (artifact, execution, t) not in self.used]
        if not types:
            return None
        kind = rng.choice(types)
        if artifact is not None and execution is not None:
            self.used.add((artifact, execution, kind))
        event = pb.Event(type=kind)
        if artifact is not None:
            event.artifact_id = artifact
        if execution is not None:
            event.execution_id = execution
        if rng.random() < 0.5:
            event.milliseconds_since_epoch = rng.randint(1, 10**12)
        for _ in range(rng.choice([0, 1, 2, 2, 3])):
            if rng.random() < 0.5:
                event.path.steps.add().key = rng.choice(KEYS)
            else:
                event.path.steps.add().index = rng.randint(-3, 5)
        return event

    def new_nodes(self) -> None:
        rng, store = self.rng, self.store
        self.artifacts += store.put_artifacts(
            [pb.Artifact(type_id=self.a_type) for _ in range(rng.randint(1, 4))]
        )
        self.executions += store.put_executions(
            [pb.Execution(type_id=self.x_type) for _ in range(rng.randint(1, 3))]
        )

    def put_events(self) -> None:
        rng = self.rng
        batch = []
        for _ in range(rng.randint(1, 5)):
            event = self.event(rng.choice(self.artifacts), rng.choice(self.executions))
            if event is not None:
                batch.append(event)
        if batch:
            self.store.put_events(batch)

    def put_execution(self) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            execution = pb.Execution(type_id=self.x_type)
            execution_id = None
        else:
            execution_id = rng.choice(self.executions)
            execution = pb.Execution(id=execution_id, type_id=self.x_type)
        pairs = []
        seen: set[int] = set()
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.5:
                pairs.append((pb.Artifact(type_id=self.a_type), self.event(None, execution_id)))
                continue
            artifact = rng.choice(self.artifacts)
            if artifact in seen:
                continue
            seen.add(artifact)
            event = self.event(artifact, execution_id)
            if event is not None:
                pairs.append((pb.Artifact(id=artifact, type_id=self.a_type), event))
        pairs = [p for p in pairs if p[1] is not None]
        x, artifact_ids, _ = self.store.put_execution(execution, pairs, [])
        if execution_id is None:
            self.executions.append(x)
        for (_, event), a in zip(pairs, artifact_ids, strict=True):
            self.used.add((a, x, event.type))
            if a not in self.artifacts:
                self.artifacts.append(a)

    def put_lineage_subgraph(self) -> None:
        rng = self.rng
        executions = [pb.Execution(type_id=self.x_type) for _ in range(rng.randint(1, 2))]
        artifacts = [pb.Artifact(type_id=self.a_type) for _ in range(rng.randint(1, 3))]
        edges = []
        taken: set[tuple[int, int, int]] = set()
        for _ in range(rng.randint(1, 4)):
            xi, ai = rng.randrange(len(executions)), rng.randrange(len(artifacts))
            kind = rng.choice(EVENT_TYPES)
            if (xi, ai, kind) in taken:
                continue
            taken.add((xi, ai, kind))
            event = pb.Event(type=kind)
            if rng.random() < 0.6:
                event.path.steps.add().key = rng.choice(KEYS)
                event.path.steps.add().index = rng.randint(0, 2)
            edges.append((xi, ai, event))
        self.contexts += 1
        context = pb.Context(type_id=self.c_type, name=f"run-{self.contexts}")
        x_ids, a_ids, _ = self.store.put_lineage_subgraph(executions, artifacts, [context], edges)
        self.executions += x_ids
        self.artifacts += a_ids
        for xi, ai, event in edges:
            self.used.add((a_ids[ai], x_ids[xi], event.type))

    def run(self, steps: int) -> None:
        self.new_nodes()
        ops = [self.new_nodes, self.put_events, self.put_events, self.put_execution]
        ops.append(self.put_lineage_subgraph)
        for _ in range(steps):
            self.rng.choice(ops)()


def _wire(events: list[Any]) -> list[bytes]:
    return [e.SerializeToString(deterministic=True) for e in events]


def _compare(theirs: Any, ours: Any, artifacts: list[int], executions: list[int], rng: Any) -> int:
    """Ask both stores the same random questions; the number of events compared."""
    compared = 0
    for method, pool in (
        ("get_events_by_execution_ids", executions),
        ("get_events_by_artifact_ids", artifacts),
    ):
        questions = [list(pool), list(reversed(pool))]
        for _ in range(6):
            ids = rng.sample(pool, rng.randint(1, len(pool)))
            ids += rng.sample(ids, min(2, len(ids))) + [max(pool) + rng.randint(1, 50)]
            rng.shuffle(ids)
            questions.append(ids)
        for ids in questions:
            want = _wire(getattr(theirs, method)(ids))
            got = _wire(getattr(ours, method)(ids))
            assert got == want, f"{method}({ids})"
            compared += len(want)
    return compared


@pytest.mark.parametrize("writer", ["mlmd", "lineage"])
@settings(
    max_examples=int(os.environ.get("LINEAGE_HYPOTHESIS_EXAMPLES", "5")) * 2,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.integers(min_value=3, max_value=25), rng=st.randoms(use_true_random=False))
def test_random_histories_read_in_ml_metadata_order(
    writer: str, tmp_path: Path, steps: int, rng: random.Random
) -> None:
    config = _mlmd_config("sqlite", str(tmp_path / f"events-{uuid.uuid4().hex[:8]}.db"))
    store = LIBRARIES[writer](config)
    history = Writer(store, rng)
    history.run(steps)
    if writer == "lineage":
        store.close()
    del store
    gc.collect()
    theirs, ours = ml_metadata.MetadataStore(config), lineage.MetadataStore(config)
    try:
        _compare(theirs, ours, history.artifacts, history.executions, rng)
    finally:
        ours.close()
        del theirs


@pytest.mark.parametrize("writer", ["mlmd", "lineage"])
def test_pipeline_events_read_in_ml_metadata_order(writer: str, tmp_path: Path) -> None:
    config = _mlmd_config("sqlite", str(tmp_path / "pipeline.db"))
    store = LIBRARIES[writer](config)
    ids = _graph.build_pipeline(store)
    if writer == "lineage":
        store.close()
    del store
    theirs, ours = ml_metadata.MetadataStore(config), lineage.MetadataStore(config)
    try:
        artifacts = sorted(ids.artifacts.values())
        executions = sorted(ids.executions.values())
        assert _compare(theirs, ours, artifacts, executions, random.Random(5)) > 0
    finally:
        ours.close()
        del theirs
