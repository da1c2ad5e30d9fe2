"""upstream/downstream equal networkx's reachability on random DAG-shaped lineage, every backend.

Hypothesis picks the shape (size, fan-in, fan-out, chain length, event types) and a seed; the graph
is built from them (hundreds to a few thousand nodes) and written with ``put_lineage_subgraph``.
Each graph is then walked from several start nodes, with and without hop limits and stop
conditions, and compared with breadth-first reachability computed by networkx on the same edges.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lineage.graph import downstream, upstream
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import _traverse
from tests.conftest import BACKENDS, fresh_store

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too

#: Graphs per backend (raise it for a longer hunt: LINEAGE_HYPOTHESIS_EXAMPLES=100).
EXAMPLES = int(os.environ.get("LINEAGE_HYPOTHESIS_EXAMPLES", "6"))
INPUTS = (pb.Event.DECLARED_INPUT, pb.Event.INPUT, pb.Event.INTERNAL_INPUT)
OUTPUTS = (
    pb.Event.DECLARED_OUTPUT,
    pb.Event.OUTPUT,
    pb.Event.INTERNAL_OUTPUT,
    pb.Event.PENDING_OUTPUT,
)


@dataclass
class RandomLineage:
    """A written random graph: its data-flow DiGraph (keys like artifact:3) and its events."""

    flow: Any
    events: set[tuple[int, int, int]]
    artifacts: list[int]
    executions: list[int]


@st.composite
def shapes(draw: Any) -> dict[str, Any]:
    return {
        "seed": draw(st.integers(0, 2**32 - 1)),
        "executions": draw(st.sampled_from([3, 40, 300, 1200])),
        "max_fan_in": draw(st.integers(1, 4)),
        "max_fan_out": draw(st.integers(1, 3)),
        "chain_bias": draw(st.floats(0.0, 1.0)),
        "unknown_events": draw(st.booleans()),
    }


def build(store: Any, shape: dict[str, Any]) -> RandomLineage:
    rng = random.Random(shape["seed"])
    a_type = store.put_artifact_type(pb.ArtifactType(name="Data"))
    x_type = store.put_execution_type(pb.ExecutionType(name="Step"))
    artifacts = [pb.Artifact(type_id=a_type, uri=f"/root/{i}") for i in range(3)]
    executions: list[Any] = []
    edges: list[tuple[int, int, Any]] = []
    latest: list[int] = [0, 1, 2]
    for x in range(shape["executions"]):
        executions.append(pb.Execution(type_id=x_type, name=f"x{x}"))
        fan_in = rng.randint(1, shape["max_fan_in"])
        pool = latest if rng.random() < shape["chain_bias"] else range(len(artifacts))
        inputs = {rng.choice(list(pool)) for _ in range(fan_in)}
        for a in sorted(inputs):
            edges.append((x, a, pb.Event(type=rng.choice(INPUTS))))
        if shape["unknown_events"] and rng.random() < 0.1:
            edges.append((x, rng.randrange(len(artifacts)), pb.Event(type=pb.Event.UNKNOWN)))
        latest = []
        for _ in range(rng.randint(1, shape["max_fan_out"])):
            artifacts.append(pb.Artifact(type_id=a_type, uri=f"/a/{len(artifacts)}"))
            latest.append(len(artifacts) - 1)
            edges.append((x, len(artifacts) - 1, pb.Event(type=rng.choice(OUTPUTS))))
    seen: set[tuple[int, int, int]] = set()
    unique = []
    for x, a, e in edges:
        if (x, a, e.type) not in seen:
            seen.add((x, a, e.type))
            unique.append((x, a, e))
    x_ids, a_ids, _ = store.put_lineage_subgraph(executions, artifacts, [], unique)
    flow = nx.DiGraph()
    flow.add_nodes_from(f"artifact:{i}" for i in a_ids)
    flow.add_nodes_from(f"execution:{i}" for i in x_ids)
    events = set()
    for x, a, e in unique:
        events.add((a_ids[a], x_ids[x], e.type))
        if e.type == pb.Event.UNKNOWN:
            continue
        a_key, x_key = f"artifact:{a_ids[a]}", f"execution:{x_ids[x]}"
        flow.add_edge(*((a_key, x_key) if e.type in INPUTS else (x_key, a_key)))
    return RandomLineage(flow, events, a_ids, x_ids)


def reference(
    graph: RandomLineage,
    start: str,
    direction: str,
    hops: int | None,
    stop: set[str],
    include_stop: bool,
) -> tuple[dict[str, int], set[tuple[int, int, int]]]:
    """networkx's answer: node -> hops, and the events crossed from expanded nodes."""
    walk_graph = graph.flow.reverse(copy=True) if direction == "up" else graph.flow.copy()
    walk_graph.remove_edges_from(list(walk_graph.out_edges(stop - {start})))
    dist = nx.single_source_shortest_path_length(walk_graph, start, cutoff=hops)
    expanded = {
        n for n, d in dist.items() if (hops is None or d < hops) and (n == start or n not in stop)
    }
    kept = {n: d for n, d in dist.items() if include_stop or n == start or n not in stop}
    crossed = set()
    for u, v in walk_graph.edges():
        if u in expanded and v in kept:
            a, x = (u, v) if u.startswith("artifact:") else (v, u)
            for event in graph.events:
                if (
                    f"artifact:{event[0]}" == a
                    and f"execution:{event[1]}" == x
                    and event[2] != pb.Event.UNKNOWN
                ) and (event[2] in INPUTS) == ((u, v) == (a, x)) ^ (direction == "up"):
                    crossed.add(event)
    return kept, crossed


@pytest.mark.parametrize("backend", BACKENDS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # big examples: report, don't shrink
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(shape=shapes(), picks=st.randoms(use_true_random=False))
def test_walks_equal_networkx_reachability(
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shape: dict[str, Any],
    picks: random.Random,
) -> None:
    # Hop limits from 5 up first try the walk without a limit (kept when every node is nearer,
    # else walked again with depths): both strategies meet the reference here.
    monkeypatch.setattr(_traverse, "UNLIMITED_FIRST", 5)
    store = fresh_store(backend, tmp_path)
    try:
        graph = build(store, shape)
        nodes = sorted(graph.flow.nodes)
        for _ in range(6):
            start = picks.choice(nodes)
            direction = picks.choice(["up", "down"])
            hops = picks.choice([None, None, 0, 1, 2, 5, 12])
            stop = set(picks.sample(nodes, k=min(len(nodes), picks.choice([0, 0, 2, 8]))))
            include_stop = picks.random() < 0.5
            stop_a = sorted(int(k.split(":")[1]) for k in stop if k.startswith("artifact:"))
            stop_x = sorted(int(k.split(":")[1]) for k in stop if k.startswith("execution:"))
            walk = upstream if direction == "up" else downstream
            got = walk(
                store,
                start,
                max_hops=hops,
                stop=f"id IN ({', '.join(map(str, stop_a))})" if stop_a else None,
                stop_executions=f"id IN ({', '.join(map(str, stop_x))})" if stop_x else None,
                include_stop=include_stop,
            )
            want_nodes, want_events = reference(graph, start, direction, hops, stop, include_stop)
            label = f"{direction} {start} hops={hops} stop={sorted(stop)} include={include_stop}"
            assert dict(got.hops) == want_nodes, label
            assert {
                (e.artifact_id, e.execution_id, e.type) for e in got.lineage_graph.events
            } == want_events, label
            ids_only = walk(store, start, max_hops=hops, ids_only=True)
            assert set(ids_only.hops) == set(walk(store, start, max_hops=hops).hops), label
    finally:
        store.close()
