"""The drawing options shared by every output format, validated once.

Every public function of :mod:`lineage.render` takes the same keyword options; they are gathered
here into a frozen :class:`Options` so the DOT, Mermaid and HTML writers see the same values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from lineage.errors import InvalidArgumentError

__all__ = [
    "DEFAULT_COLLAPSE_THRESHOLD",
    "DEFAULT_MAX_NODES",
    "DIRECTIONS",
    "NODE_KEY",
    "Options",
    "node_keys",
    "make_options",
]

#: A node with more neighbours than this on one side has the surplus drawn as one "+N more" node.
DEFAULT_COLLAPSE_THRESHOLD: Final = 8
#: At most this many nodes are drawn; the rest is left out with a visible note.
DEFAULT_MAX_NODES: Final = 300
#: Layout directions Graphviz and Mermaid both understand.
DIRECTIONS: Final = ("LR", "TB", "RL", "BT")
#: A node key: ``artifact:12``, ``execution:3`` or ``context:5``.
NODE_KEY: Final = re.compile(r"^(artifact|execution|context):([0-9]+)$")


@dataclass(frozen=True)
class Options:
    """How to draw a lineage graph (see :func:`lineage.render.to_dot` for each option).

    Attributes:
        focus: Keys of the nodes to emphasise (never collapsed or cut).
        highlight: Keys of a path of nodes; the nodes and the edges between consecutive ones
            are highlighted.
        clusters: Draw contexts (pipeline runs, experiments) as boxes around their nodes.
        collapse_threshold: Fan-in / fan-out above this is collapsed into "+N more" nodes;
            None draws every neighbour.
        max_nodes: Draw at most this many nodes, nearest the focus first; None draws all.
        reduce_transitive: Leave out edges implied by a longer path (transitive shortcuts).
        title: A heading drawn above the diagram.
        legend: Draw a legend of the shapes and colours used.
        edge_labels: Label edges with their event path (``model``, ``examples[0]``).
        direction: Layout direction: 'LR' (default), 'TB', 'RL' or 'BT'.
    """

    focus: tuple[str, ...] = ()
    highlight: tuple[str, ...] = ()
    clusters: bool = False
    collapse_threshold: int | None = DEFAULT_COLLAPSE_THRESHOLD
    max_nodes: int | None = DEFAULT_MAX_NODES
    reduce_transitive: bool = False
    title: str | None = None
    legend: bool = False
    edge_labels: bool = True
    direction: str = "LR"


def _key_of(value: Any, field: str) -> str:
    """One node key from a string, a ``NodeRef``-like object (``.ref``) or a (kind, id) pair."""
    if isinstance(value, tuple) and len(value) == 2:
        value = f"{value[0]}:{value[1]}"
    ref = getattr(value, "ref", value)
    if not isinstance(ref, str) or not NODE_KEY.match(ref):
        raise InvalidArgumentError(
            f"{field}: a node key must look like 'artifact:12', 'execution:3' or 'context:5', "
            f"got {value!r}"
        )
    return ref


def node_keys(value: Any, field: str) -> tuple[str, ...]:
    """Normalise one key or an iterable of keys to a tuple of key strings (order kept).

    Args:
        value: A key, a ``NodeRef``-like object, or an iterable of them; None for none.
        field: The option's name, for error messages.

    Returns:
        The keys, as ``kind:id`` strings.

    Raises:
        InvalidArgumentError: A value is not a node key.
    """
    if value is None:
        return ()
    if isinstance(value, str) or hasattr(value, "ref"):
        return (_key_of(value, field),)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], int):
        return (_key_of(value, field),)
    if not isinstance(value, Iterable):
        raise InvalidArgumentError(f"{field}: expected node keys, got {value!r}")
    return tuple(_key_of(v, field) for v in value)


def _limit(value: Any, field: str, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(
            f"{field} must be an integer >= {minimum} or None, got {value!r}"
        )
    return value


def make_options(
    *,
    focus: Any = (),
    highlight: Any = (),
    clusters: bool = False,
    collapse_threshold: int | None = DEFAULT_COLLAPSE_THRESHOLD,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    reduce_transitive: bool = False,
    title: str | None = None,
    legend: bool = False,
    edge_labels: bool = True,
    direction: str = "LR",
) -> Options:
    """Validate the drawing options and return them as :class:`Options`.

    Raises:
        InvalidArgumentError: An option has a wrong type or value (the message names it).
    """
    if direction not in DIRECTIONS:
        raise InvalidArgumentError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if title is not None and not isinstance(title, str):
        raise InvalidArgumentError(f"title must be a string or None, got {title!r}")
    return Options(
        focus=node_keys(focus, "focus"),
        highlight=node_keys(highlight, "highlight"),
        clusters=bool(clusters),
        collapse_threshold=_limit(collapse_threshold, "collapse_threshold", 2),
        max_nodes=_limit(max_nodes, "max_nodes", 1),
        reduce_transitive=bool(reduce_transitive),
        title=title,
        legend=bool(legend),
        edge_labels=bool(edge_labels),
        direction=direction,
    )
