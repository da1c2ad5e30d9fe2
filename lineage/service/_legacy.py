"""``GetLineageGraph``: MLMD's deprecated lineage RPC, answered with a lineage walk.

ml-metadata 1.15 and later answer it UNIMPLEMENTED; lineage serves what it described, for older
clients: the artifacts that ``artifacts_options`` lists are the start, the walk goes both ways
up to ``stop_conditions.max_num_hops``, nodes that do not satisfy ``boundary_artifacts`` /
``boundary_executions`` are neither returned nor walked through, and at most ``max_node_size``
nodes come back (nearest first; 20 by default, 0 or less for no cap).
"""

from __future__ import annotations

from typing import Any

from lineage.errors import InvalidArgumentError
from lineage.query import parse_filter
from lineage.query._ast import Not
from lineage.store import MetadataStore

__all__ = ["lineage_graph"]


def lineage_graph(store: MetadataStore, options: Any) -> Any:
    """The LineageGraph that a ``LineageGraphQueryOptions`` asks for."""
    from lineage import proto as pb

    if not options.HasField("artifacts_options"):
        raise InvalidArgumentError("options.artifacts_options must select the starting artifacts")
    page = store.get_page("artifact", options.artifacts_options)
    if not page.nodes:
        return pb.LineageGraph()
    stop = options.stop_conditions
    max_hops = int(stop.max_num_hops) if stop.HasField("max_num_hops") else None
    if max_hops is not None and max_hops < 0:
        raise InvalidArgumentError("options.stop_conditions.max_num_hops must not be negative")

    def outside(text: str, kind: str) -> Any:
        return Not(parse_filter(text, kind)) if text else None

    size = int(options.max_node_size)
    walk = store.walk(
        [a.id for a in page.nodes],
        direction="both",
        max_hops=max_hops,
        stop_artifacts=outside(stop.boundary_artifacts, "artifact"),
        stop_executions=outside(stop.boundary_executions, "execution"),
        include_stop=False,
        limit=size if size > 0 else None,
    )
    return walk.graph if walk.graph is not None else pb.LineageGraph()
