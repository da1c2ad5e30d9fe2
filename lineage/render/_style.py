"""The visual language: one shape and colour per kind of node, one look per execution state.

Colours come from the Okabe-Ito palette (safe for the common kinds of colour blindness) and every
category also has its own shape, so nothing depends on colour alone:

=============  ===========  ========================================================
category       shape        which artifacts
=============  ===========  ========================================================
dataset        cylinder     base type DATASET; type names with data/dataset/examples
model          box3d        base type MODEL; type names with model
metrics        hexagon      base type METRICS; metrics/evaluation/blessing type names
statistics     tab          base type STATISTICS; statistics type names
config         note         ``Config`` (lineage.conventions), config/schema/params
environment    component    ``Environment`` (lineage.conventions)
artifact       rounded box  anything else
=============  ===========  ========================================================

Executions are plain boxes; their border and fill tell the state (FAILED: vermilion, thick).
The focus node gets a thick black border; a highlighted path is drawn in reddish purple.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CATEGORIES",
    "EDGE_COLOR",
    "FOCUS_COLOR",
    "FONT",
    "HIGHLIGHT_COLOR",
    "MUTED_TEXT",
    "STATE_STYLES",
    "NodeStyle",
    "artifact_category",
    "node_style",
]

#: Font list for Graphviz (fontconfig picks the first one installed) and for SVG viewers.
FONT: Final = "Helvetica,Arial,DejaVu Sans,sans-serif"
#: Colour of ordinary edges and of small secondary text.
EDGE_COLOR: Final = "#5f6368"
MUTED_TEXT: Final = "#5f6368"
#: Border of the focus node.
FOCUS_COLOR: Final = "#000000"
#: Edges and borders of a highlighted path (Okabe-Ito reddish purple).
HIGHLIGHT_COLOR: Final = "#CC79A7"


@dataclass(frozen=True)
class NodeStyle:
    """How one kind of node looks.

    Attributes:
        shape: The Graphviz shape.
        rounded: Round the corners (boxes only).
        color: Border colour.
        fill: Fill colour.
        penwidth: Border width.
        dashed: Draw the border dashed.
        label: What the legend calls it.
    """

    shape: str
    color: str
    fill: str
    label: str
    rounded: bool = False
    penwidth: float = 1.2
    dashed: bool = False


#: Artifact categories, in legend order.
CATEGORIES: Final[dict[str, NodeStyle]] = {
    "dataset": NodeStyle("cylinder", "#0072B2", "#DCEBF7", "Dataset"),
    "model": NodeStyle("box3d", "#C07F00", "#FCEBC6", "Model"),
    "metrics": NodeStyle("hexagon", "#009E73", "#D5F0E6", "Metrics"),
    "statistics": NodeStyle("tab", "#3A93C3", "#E3F2FB", "Statistics"),
    "config": NodeStyle("note", "#A39400", "#FBF7CF", "Config"),
    "environment": NodeStyle("component", "#8A6FB0", "#ECE6F4", "Environment"),
    "artifact": NodeStyle("box", "#7A7A7A", "#F4F4F4", "Other artifact", rounded=True),
}

#: Execution looks by state ('' and COMPLETE share the plain look).
STATE_STYLES: Final[dict[str, NodeStyle]] = {
    "COMPLETE": NodeStyle("box", "#3C4043", "#FFFFFF", "Execution (complete)", penwidth=1.4),
    "FAILED": NodeStyle("box", "#D55E00", "#FBE0D1", "Execution FAILED", penwidth=3.2),
    "RUNNING": NodeStyle("box", "#0072B2", "#FFFFFF", "Execution RUNNING", penwidth=1.8),
    "NEW": NodeStyle("box", "#7A7A7A", "#FFFFFF", "Execution NEW", dashed=True),
    "CACHED": NodeStyle("box", "#3C4043", "#F1F3F4", "Execution CACHED", penwidth=1.0),
    "CANCELED": NodeStyle("box", "#9AA0A6", "#F1F3F4", "Execution CANCELED", dashed=True),
}

_BASE_TYPES: Final = {1: "dataset", 2: "model", 3: "metrics", 4: "statistics"}
# Type-name words, checked in order (the first match wins).
_NAME_WORDS: Final = (
    ("metric", "metrics"),
    ("evaluation", "metrics"),
    ("blessing", "metrics"),
    ("statistic", "statistics"),
    ("environment", "environment"),
    ("config", "config"),
    ("schema", "config"),
    ("param", "config"),
    ("model", "model"),
    ("dataset", "dataset"),
    ("examples", "dataset"),
    ("data", "dataset"),
)


def artifact_category(base_type: int, type_name: str) -> str:
    """The style category of an artifact from its type's base type, else its type name.

    Args:
        base_type: The ``ArtifactType.base_type`` number (0 when unset).
        type_name: The artifact type's name.

    Returns:
        One of the keys of :data:`CATEGORIES`.

    Example:
        >>> artifact_category(0, "PushedModel"), artifact_category(1, "Whatever")
        ('model', 'dataset')
    """
    if base_type in _BASE_TYPES:
        return _BASE_TYPES[base_type]
    name = type_name.lower()
    for word, category in _NAME_WORDS:
        if word in name:
            return category
    return "artifact"


def node_style(category: str, state: str) -> NodeStyle:
    """The style of an artifact category, or of an execution in ``state``."""
    if category == "execution":
        return STATE_STYLES.get(state, STATE_STYLES["COMPLETE"])
    return CATEGORIES.get(category, CATEGORIES["artifact"])
