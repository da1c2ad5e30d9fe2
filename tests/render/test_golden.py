"""The DOT and Mermaid text of fixed graphs, compared exactly with golden files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import lineage.render as render
from tests.render import graphs
from tests.render.synthetic import pipeline_graph

CASES: dict[str, Callable[[], str]] = {
    "pipeline.dot": lambda: render.to_dot(graphs.pipeline()),
    "pipeline-focus-path-clusters.dot": lambda: render.to_dot(
        graphs.pipeline(),
        focus="artifact:5",
        highlight=graphs.path_keys(),
        clusters=True,
        legend=True,
        title="Churn run 7",
    ),
    "fan-out.dot": lambda: render.to_dot(graphs.fan_out(), legend=True),
    "shortcut-reduced.dot": lambda: render.to_dot(graphs.shortcut(), reduce_transitive=True),
    "budget.dot": lambda: render.to_dot(
        pipeline_graph(150, seed=3), max_nodes=40, focus="artifact:30", direction="TB"
    ),
    "pipeline.mmd": lambda: render.to_mermaid(
        graphs.pipeline(), focus="artifact:5", highlight=graphs.path_keys(), clusters=True
    ),
    "fan-out.mmd": lambda: render.to_mermaid(graphs.fan_out(), title="Sweep"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_golden_file(name: str, golden: Callable[[str, str], None]) -> None:
    golden(name, CASES[name]())


@pytest.mark.parametrize("name", sorted(CASES))
def test_is_deterministic(name: str) -> None:
    assert CASES[name]() == CASES[name]()


def _reversed(graph: Any) -> Any:
    """The same graph with every repeated field in reverse order."""
    out = type(graph)()
    for field in graph.DESCRIPTOR.fields:
        getattr(out, field.name).extend(reversed(getattr(graph, field.name)))
    return out


@pytest.mark.parametrize("build", [graphs.pipeline, graphs.fan_out, graphs.shortcut])
def test_input_order_does_not_matter(build: Callable[[], Any]) -> None:
    graph = build()
    assert render.to_dot(_reversed(graph), clusters=True) == render.to_dot(graph, clusters=True)
    assert render.to_mermaid(_reversed(graph)) == render.to_mermaid(graph)
