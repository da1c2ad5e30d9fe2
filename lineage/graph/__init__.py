"""Deep lineage queries: walks, provenance, impact, paths and diffs (one SQL statement per walk).

Functions take the store first, networkx-style, and accept nodes as Artifact/Execution protos,
artifact ids, ``artifact:ID`` / ``execution:ID`` keys, ``TYPE:NAME`` names or URIs.
"""

from __future__ import annotations

from lineage.graph._model import Lineage
from lineage.graph._nodes import NodeKey, key, parse_key
from lineage.graph.diff import Change, Diff, StepMatch, diff
from lineage.graph.impact import Impact, Impacted, impact
from lineage.graph.nx import from_networkx, to_networkx
from lineage.graph.paths import common_ancestors, path
from lineage.graph.provenance import (
    CodeVersion,
    ConfigFile,
    ContextInfo,
    DataInput,
    Environment,
    Provenance,
    Step,
    provenance,
)
from lineage.graph.traversal import downstream, merge, neighbourhood, upstream, walk

__all__ = [
    "Change",
    "CodeVersion",
    "ConfigFile",
    "ContextInfo",
    "DataInput",
    "Diff",
    "Environment",
    "Impact",
    "Impacted",
    "Lineage",
    "NodeKey",
    "Provenance",
    "Step",
    "StepMatch",
    "common_ancestors",
    "diff",
    "downstream",
    "from_networkx",
    "impact",
    "key",
    "merge",
    "neighbourhood",
    "parse_key",
    "path",
    "provenance",
    "to_networkx",
    "upstream",
    "walk",
]
