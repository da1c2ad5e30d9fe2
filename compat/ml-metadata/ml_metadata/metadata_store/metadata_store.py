"""``ml_metadata.metadata_store.metadata_store``: the store and its options, from lineage.

``MetadataStore`` is ``lineage.MetadataStore``: the same constructor
(``MetadataStore(config, enable_upgrade_migration=False)`` with a ``ConnectionConfig`` or a
``MetadataStoreClientConfig``), every method of ml-metadata 1.17.1's store with its signature,
semantics and errors, and lineage's additions.
"""

from __future__ import annotations

from lineage.store import ExtraOptions, ListOptions, MetadataStore, OrderByField, downgrade_schema
from lineage.store._paging import MAX_PAGE_SIZE
from ml_metadata import errors
from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2

#: The largest page a listing returns (``ListOptions.limit`` above it is cut to it).
MAX_NUM_RESULT = MAX_PAGE_SIZE

__all__ = [
    "MAX_NUM_RESULT",
    "ExtraOptions",
    "ListOptions",
    "MetadataStore",
    "OrderByField",
    "downgrade_schema",
    "errors",
    "metadata_store_pb2",
    "metadata_store_service_pb2",
]
