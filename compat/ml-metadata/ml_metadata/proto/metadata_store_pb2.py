"""``ml_metadata.proto.metadata_store_pb2``: lineage's generated module of that name.

lineage generates it from its own .proto files under ml-metadata's descriptor names, byte for
byte the descriptors of ml-metadata 1.17.1. This module puts that module in its place, so
classes, enums and descriptors are identical objects under both names.
"""

from __future__ import annotations

import sys

from lineage.proto._generated import metadata_store_pb2 as _generated

sys.modules[__name__] = _generated
