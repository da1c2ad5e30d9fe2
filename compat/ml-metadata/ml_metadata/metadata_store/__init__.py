"""The store API of ml-metadata (``ml_metadata.metadata_store``), backed by lineage."""

from __future__ import annotations

from ml_metadata.metadata_store.metadata_store import (
    ListOptions,
    MetadataStore,
    OrderByField,
    downgrade_schema,
)

__all__ = [
    "ListOptions",
    "MetadataStore",
    "OrderByField",
    "downgrade_schema",
]
