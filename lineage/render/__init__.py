"""Lineage diagrams people can read: DOT, SVG, PNG, PDF, Mermaid, HTML and notebook display.

Input is an MLMD ``LineageGraph`` (what ``MetadataStore.get_lineage_subgraph`` returns) or any
object holding one in ``lineage_graph`` (with optional ``focus`` and ``highlight`` node keys).
DOT and Mermaid text need nothing installed; SVG, PNG, PDF and the HTML page run Graphviz's
``dot`` program (``apt-get install graphviz`` / ``brew install graphviz``). See
``docs/rendering.md`` for the visual language.

Example:
    >>> import lineage
    >>> from lineage.proto import Artifact, ArtifactType, Event, Execution, ExecutionType
    >>> from lineage.proto import LineageSubgraphQueryOptions
    >>> store = lineage.MetadataStore("sqlite://")
    >>> dataset = store.put_artifact_type(ArtifactType(name="Dataset", base_type=1))
    >>> train = store.put_execution_type(ExecutionType(name="Trainer"))
    >>> _ = store.put_execution(
    ...     Execution(type_id=train, name="train-1"),
    ...     [(Artifact(type_id=dataset, uri="s3://d/train.csv"), Event(type=Event.INPUT))],
    ...     contexts=[],
    ... )
    >>> query = LineageSubgraphQueryOptions()
    >>> query.starting_artifacts.filter_query = "id = 1"
    >>> graph = store.get_lineage_subgraph(query)
    >>> print(to_mermaid(graph, focus="artifact:1"))  # doctest: +NORMALIZE_WHITESPACE
    flowchart LR
      classDef dataset fill:#DCEBF7,stroke:#0072B2,color:#202124
      classDef x_complete fill:#FFFFFF,stroke:#3C4043,stroke-width:1.4px,color:#202124
      classDef focus stroke:#000000,stroke-width:3px
      a1[("<small>Dataset</small><br/><b>train.csv</b>")]
      e1["<small>Trainer</small><br/><b>train-1</b>"]
      a1 --> e1
      class a1 dataset
      class e1 x_complete
      class a1 focus
    <BLANKLINE>
    >>> store.close()
"""

from __future__ import annotations

from lineage.render._api import FORMATS, render, to_dot, to_html, to_mermaid
from lineage.render._display import Diagram, diagram, format_of, mimebundle
from lineage.render._errors import INSTALL_HINT, GraphvizNotFoundError, RenderError
from lineage.render._graphviz import DEFAULT_TIMEOUT, graphviz_available
from lineage.render._layout import Layout, LayoutEdge, LayoutNode, layout
from lineage.render._options import DEFAULT_COLLAPSE_THRESHOLD, DEFAULT_MAX_NODES

__all__ = [
    "DEFAULT_COLLAPSE_THRESHOLD",
    "DEFAULT_MAX_NODES",
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "INSTALL_HINT",
    "Diagram",
    "GraphvizNotFoundError",
    "Layout",
    "LayoutEdge",
    "LayoutNode",
    "RenderError",
    "diagram",
    "format_of",
    "graphviz_available",
    "layout",
    "mimebundle",
    "render",
    "to_dot",
    "to_html",
    "to_mermaid",
]
