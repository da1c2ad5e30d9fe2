"""neighbourhood and merge: what a lineage viewer shows around a focus node."""

from __future__ import annotations

from typing import Any

import pytest

from lineage.errors import InvalidArgumentError
from lineage.graph import merge, neighbourhood, path


def test_hops_are_signed_by_direction(store: Any, demo: dict[str, int]) -> None:
    around = neighbourhood(store, demo["clean"], upstream=2, downstream=2)
    assert around.direction == "both"
    assert around.hops[f"artifact:{demo['raw']}"] == -2
    assert around.hops[f"artifact:{demo['clean']}"] == 0
    assert around.hops[f"artifact:{demo['model']}"] == 2
    graph = around.lineage_graph
    assert sorted(a.id for a in graph.artifacts) == sorted(
        [demo["raw"], demo["clean"], demo["model"]]
    )
    assert len(graph.executions) == 2
    assert len(graph.events) == 4


def test_one_direction_only(store: Any, demo: dict[str, int]) -> None:
    up = neighbourhood(store, demo["model"], upstream=1, downstream=0)
    assert up.direction == "upstream"
    assert set(up.hops.values()) == {0, -1}
    down = neighbourhood(store, demo["model"], upstream=0, downstream=2)
    assert f"artifact:{demo['metrics']}" in down.hops


def test_merge_keeps_each_node_and_event_once(store: Any, demo: dict[str, int]) -> None:
    a = neighbourhood(store, demo["model"], upstream=2, downstream=0)
    b = neighbourhood(store, demo["clean"], upstream=2, downstream=2)
    route = path(store, demo["raw"], demo["model"])
    both = merge(a, b, route)
    assert both.focus == a.focus
    assert both.highlight == route.highlight
    keys = [e.artifact_id for e in both.lineage_graph.events]
    assert len(both.lineage_graph.events) == len(
        {(e.artifact_id, e.execution_id, e.type) for e in both.lineage_graph.events}
    )
    assert len(keys) == 4
    assert len({a.id for a in both.lineage_graph.artifacts}) == len(both.lineage_graph.artifacts)


def test_bad_hops(store: Any, demo: dict[str, int]) -> None:
    with pytest.raises(InvalidArgumentError, match="upstream"):
        neighbourhood(store, demo["model"], upstream=-1)
    with pytest.raises(InvalidArgumentError, match="merge"):
        merge()
