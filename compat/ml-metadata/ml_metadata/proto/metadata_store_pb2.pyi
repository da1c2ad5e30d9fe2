# Type stub: the names of lineage.proto._generated.metadata_store_pb2, which this module is.
from lineage.proto._generated.metadata_store_pb2 import *  # noqa: F403
