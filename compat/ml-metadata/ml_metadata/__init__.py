"""ML Metadata's Python API (ml-metadata 1.17.1), backed by lineage.

``import ml_metadata as mlmd`` gives what Google's package gives: ``mlmd.MetadataStore``,
``mlmd.ListOptions``, ``mlmd.OrderByField``, ``mlmd.downgrade_schema``, ``mlmd.errors`` and
``mlmd.proto``. The store is ``lineage.MetadataStore``, so lineage's own API (graph queries,
reports, tracking) works on the same objects.
"""

from __future__ import annotations

from ml_metadata._lineage_compat import refuse_if_google_installed

refuse_if_google_installed()

from ml_metadata import errors, proto  # noqa: E402
from ml_metadata.metadata_store import (  # noqa: E402
    ListOptions,
    MetadataStore,
    OrderByField,
    downgrade_schema,
)
from ml_metadata.version import __version__ as __version__  # noqa: E402

#: Lets lineage (and anyone) tell this package from Google's without reading files.
__lineage_compat__ = True

__all__ = [
    "ListOptions",
    "MetadataStore",
    "OrderByField",
    "downgrade_schema",
    "errors",
    "proto",
]
