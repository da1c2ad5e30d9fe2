"""``Lineage``: the result of a walk, as an MLMD ``LineageGraph`` plus what the walk knew."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lineage.graph._nodes import NodeKey, key
from lineage.proto import metadata_store_pb2 as pb

__all__ = ["Lineage"]


@dataclass(frozen=True)
class Lineage:
    """What a lineage walk found.

    Attributes:
        lineage_graph: The nodes, their types and contexts, and the events between them, as an
            MLMD ``LineageGraph`` (empty of node details when the walk asked for ids only).
        direction: 'upstream', 'downstream' or 'both'.
        focus: Keys of the nodes the walk started from (``artifact:12``).
        hops: Node key → hops from the nearest start node.
        edges: The events crossed, as (artifact_id, execution_id, type, ms, event_id).
        truncated: True when the node budget cut the result; ``total`` says how much was reached.
        total: Artifacts plus executions reached before the budget.
        stopped_at: Keys of nodes where a stop condition ended the walk.
        highlight: Keys of a path to highlight when drawn (set by ``path``).
    """

    lineage_graph: Any
    direction: str
    focus: tuple[NodeKey, ...]
    hops: Mapping[NodeKey, int]
    edges: tuple[tuple[int, int, int, Any, int], ...] = ()
    truncated: bool = False
    total: int = 0
    stopped_at: frozenset[NodeKey] = field(default_factory=frozenset)
    highlight: tuple[NodeKey, ...] = ()

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self.hops)

    def __contains__(self, item: object) -> bool:
        return item in self.hops

    @property
    def keys(self) -> list[NodeKey]:
        """Every node key, artifacts first, in id order."""
        return sorted(self.hops, key=_sort_key)

    @property
    def artifact_ids(self) -> list[int]:
        """Ids of the artifacts found."""
        return sorted(int(k.split(":")[1]) for k in self.hops if k.startswith("artifact:"))

    @property
    def execution_ids(self) -> list[int]:
        """Ids of the executions found."""
        return sorted(int(k.split(":")[1]) for k in self.hops if k.startswith("execution:"))

    @property
    def artifacts(self) -> list[Any]:
        """The artifacts, as protos (empty for an ids-only walk)."""
        return list(self.lineage_graph.artifacts)

    @property
    def executions(self) -> list[Any]:
        """The executions, as protos (empty for an ids-only walk)."""
        return list(self.lineage_graph.executions)

    def node(self, node_key: NodeKey) -> Any:
        """The proto of a node by key (KeyError when the walk did not hydrate it)."""
        return self.nodes()[node_key]

    def nodes(self) -> dict[NodeKey, Any]:
        """Node key → Artifact / Execution proto."""
        out: dict[NodeKey, Any] = {key("artifact", a.id): a for a in self.lineage_graph.artifacts}
        out.update({key("execution", e.id): e for e in self.lineage_graph.executions})
        return out

    def types(self) -> dict[NodeKey, str]:
        """Node key → type name."""
        return {k: n.type for k, n in self.nodes().items()}

    # ------------------------------------------------------------------ conversions
    def to_networkx(self) -> Any:
        """The lineage as a ``networkx.MultiDiGraph`` (see ``lineage.graph.to_networkx``)."""
        from lineage.graph.nx import to_networkx

        return to_networkx(self.lineage_graph, hops=self.hops, focus=self.focus)

    def summary(self) -> str:
        """One line: how many nodes, which direction, whether it was cut."""
        n_a = sum(1 for k in self.hops if k.startswith("artifact:"))
        n_x = len(self.hops) - n_a
        focus = ", ".join(self.focus)
        text = f"{self.direction} lineage of {focus}: {n_a} artifacts, {n_x} executions"
        if self.truncated:
            text += f" (truncated: {self.total} reached, {len(self.hops)} kept)"
        return text

    def __str__(self) -> str:
        return self.summary()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # Drawing belongs to lineage.render, a layer above this one: look it up by name.
        render = importlib.import_module("lineage.render")
        bundle: dict[str, Any] = render.mimebundle(self)
        bundle.setdefault("text/plain", self.summary())
        return bundle


def _sort_key(node_key: NodeKey) -> tuple[int, int]:
    kind, _, ident = node_key.partition(":")
    return (0 if kind == "artifact" else 1, int(ident))


def empty_graph() -> Any:
    """An empty MLMD LineageGraph."""
    return pb.LineageGraph()
