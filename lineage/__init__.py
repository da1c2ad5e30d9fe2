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
    "compare": "lineage.track",
    "component": "lineage.track",
    "diagram": "lineage.render",
    "downgrade_schema": "lineage.store",
    "errors": "lineage.errors",
    "proto": "lineage.proto",
    "render": "lineage.render",
    "run": "lineage.track",
}

__all__ = [
    "ListOptions",
    "MetadataStore",
    "OrderByField",
    "__version__",
    "compare",
    "component",
    "diagram",
    "downgrade_schema",
    "errors",
    "proto",
    "render",
    "run",
]

if TYPE_CHECKING:
    from lineage import errors, proto, render
    from lineage.render import diagram
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
