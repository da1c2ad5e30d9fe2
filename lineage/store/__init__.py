"""The MLMD-compatible store: ``MetadataStore``, listing options and schema downgrade.

This is the only package of lineage that imports SQLAlchemy.
"""

from __future__ import annotations

# The remote backend, so that ``MetadataStore.method(remote_store, ...)`` already forwards to the
# remote method when a caller takes methods off the class at import time (see _unbound).
from lineage.store import _remote  # noqa: F401
from lineage.store._config import DEFAULT_DB, ENV_VAR, resolve_db
from lineage.store._delete import Deleted
from lineage.store._listing import ListOptions, OrderByField
from lineage.store._paging import Page
from lineage.store._walk import EventEdge, Walk
from lineage.store.metadata_store import (
    ExtraOptions,
    MetadataStore,
    downgrade_schema,
    link_indexes,
    optimize,
    schema_version,
)

__all__ = [
    "DEFAULT_DB",
    "Deleted",
    "Page",
    "ENV_VAR",
    "EventEdge",
    "ExtraOptions",
    "ListOptions",
    "MetadataStore",
    "OrderByField",
    "Walk",
    "downgrade_schema",
    "link_indexes",
    "optimize",
    "resolve_db",
    "schema_version",
]
