"""``get_events_by_*_ids`` return events in ml-metadata's order, on every backend.

ml-metadata 1.17.1 returns the rows of the index its statement reads (checked with the real
package, tests/compat/test_event_order_mlmd.py): by execution id and then event id (the order the
events were written) for ``get_events_by_execution_ids``, by artifact id, execution id and event
type for ``get_events_by_artifact_ids`` (its ``UNIQUE(artifact_id, execution_id, type)`` index).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from lineage.proto import metadata_store_pb2 as pb
from lineage.store import _backend

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too

EVENT_TYPES = (pb.Event.INPUT, pb.Event.OUTPUT, pb.Event.DECLARED_INPUT, pb.Event.INTERNAL_OUTPUT)


def _key(event: Any) -> tuple[int, int, int]:
    return (event.artifact_id, event.execution_id, event.type)


def _write_interleaved(store: Any, seed: int) -> tuple[list[int], list[int], list[Any]]:
    """Nodes, then events across them in a shuffled order, in batches of 1-4 (with paths)."""
    rng = random.Random(seed)
    a_type = store.put_artifact_type(pb.ArtifactType(name="Data"))
    x_type = store.put_execution_type(pb.ExecutionType(name="Step"))
    artifacts = store.put_artifacts([pb.Artifact(type_id=a_type) for _ in range(7)])
    executions = store.put_executions([pb.Execution(type_id=x_type) for _ in range(6)])
    keys = [(a, x, t) for a in artifacts for x in executions for t in EVENT_TYPES]
    rng.shuffle(keys)
    written: list[Any] = []
    for n, (a, x, t) in enumerate(keys[: len(keys) // 2]):
        event = pb.Event(artifact_id=a, execution_id=x, type=t, milliseconds_since_epoch=5000 - n)
        for s in range(rng.randint(0, 3)):
            step = event.path.steps.add()
            if rng.random() < 0.5:
                step.index = rng.randint(-2, 9)
            else:
                step.key = f"k{n}-{s}"
        written.append(event)
    i = 0
    while i < len(written):
        batch = written[i : i + rng.randint(1, 4)]
        store.put_events(batch)
        i += len(batch)
    return artifacts, executions, written


def _expected(written: list[Any], by: str, ids: list[int]) -> list[bytes]:
    order = {_key(e): n for n, e in enumerate(written)}  # the order they were written
    chosen = [e for e in written if getattr(e, by) in set(ids)]
    if by == "execution_id":
        chosen.sort(key=lambda e: (e.execution_id, order[_key(e)]))
    else:
        chosen.sort(key=lambda e: (e.artifact_id, e.execution_id, e.type))
    return [e.SerializeToString(deterministic=True) for e in chosen]


def _wire(events: list[Any]) -> list[bytes]:
    return [e.SerializeToString(deterministic=True) for e in events]


@pytest.mark.parametrize("seed", [1, 2])
def test_events_come_in_ml_metadata_order(store: Any, seed: int) -> None:
    artifacts, executions, written = _write_interleaved(store, seed)
    rng = random.Random(seed + 100)
    for by, pool, get in (
        ("execution_id", executions, store.get_events_by_execution_ids),
        ("artifact_id", artifacts, store.get_events_by_artifact_ids),
    ):
        for _ in range(4):
            ids = rng.sample(pool, rng.randint(1, len(pool)))
            ids += ids[:2] + [max(pool) + 1000]  # duplicates and an unknown id add nothing
            rng.shuffle(ids)
            assert _wire(get(ids)) == _expected(written, by, ids), (by, ids)
        assert _wire(get(list(reversed(pool)))) == _expected(written, by, pool)
        assert get([max(pool) + 1000]) == []
        assert get([]) == []


def test_order_holds_across_statement_chunks(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Long id lists are read a chunk at a time; the chunks come back in order."""
    artifacts, executions, written = _write_interleaved(store, 3)
    monkeypatch.setattr(_backend, "CHUNK", 2)
    monkeypatch.setattr(_backend, "CHUNK_SERVER", 2)
    monkeypatch.setattr(_backend, "JSON_LIST_MIN", 10**6)
    ids = list(reversed(executions)) + [max(executions) + 7]
    got = store.get_events_by_execution_ids(ids)
    assert _wire(got) == _expected(written, "execution_id", ids)
    ids = list(reversed(artifacts))
    assert _wire(store.get_events_by_artifact_ids(ids)) == _expected(written, "artifact_id", ids)
