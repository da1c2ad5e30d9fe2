"""lineage: an ML lineage graph store that reads and writes the ML Metadata (MLMD) format.

``import lineage`` is cheap: the store (SQLAlchemy) and the other layers load on first use.

Example:
    >>> import lineage
    >>> store = lineage.MetadataStore("sqlite://")
    >>> store.get_artifact_types()
    []
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> module that defines it. Modules load on first attribute access (PEP 562).
_EXPORTS: dict[str, str] = {
    "ListOptions": "lineage.store",
    "MetadataStore": "lineage.store",
    "OrderByField": "lineage.store",
    "audit": "lineage.report",
    "common_ancestors": "lineage.graph",
    "compare": "lineage.track",
    "component": "lineage.track",
    "diagram": "lineage.render",
    "diff": "lineage.graph",
    "downgrade_schema": "lineage.store",
    "downstream": "lineage.graph",
    "dvc": "lineage.integrations.dvc",
    "erasure": "lineage.erasure",
    "errors": "lineage.errors",
    "gdpr_report": "lineage.report",
    "graph": "lineage.graph",
    "impact": "lineage.graph",
    "keras": "lineage.integrations.keras",
    "lightgbm": "lineage.integrations.lightgbm",
    "lightning": "lineage.integrations.lightning",
    "path": "lineage.graph",
    "proto": "lineage.proto",
    "provenance": "lineage.graph",
    "render": "lineage.render",
    "report": "lineage.report",
    "run": "lineage.track",
    "sklearn": "lineage.integrations.sklearn",
    "tensorboard": "lineage.integrations.tensorboard",
    "transformers": "lineage.integrations.transformers",
    "upstream": "lineage.graph",
    "verify_report": "lineage.report",
    "xgboost": "lineage.integrations.xgboost",
}

__all__ = [
    "ListOptions",
    "MetadataStore",
    "OrderByField",
    "__version__",
    "audit",
    "common_ancestors",
    "compare",
    "component",
    "diagram",
    "diff",
    "downgrade_schema",
    "downstream",
    "dvc",
    "erasure",
    "errors",
    "gdpr_report",
    "graph",
    "impact",
    "keras",
    "lightgbm",
    "lightning",
    "path",
    "proto",
    "provenance",
    "render",
    "report",
    "run",
    "sklearn",
    "tensorboard",
    "transformers",
    "upstream",
    "verify_report",
    "xgboost",
]

if TYPE_CHECKING:
    from lineage import erasure, errors, graph, proto, render, report
    from lineage.graph import common_ancestors, downstream, path, upstream
    from lineage.graph.diff import diff
    from lineage.graph.impact import impact
    from lineage.graph.provenance import provenance
    from lineage.render import diagram
    from lineage.report import audit, gdpr_report, verify_report
    from lineage.store import ListOptions, MetadataStore, OrderByField, downgrade_schema
    from lineage.track import compare, component, run


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'lineage' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name.endswith("." + name) else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
