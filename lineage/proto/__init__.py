"""MLMD's protocol buffer messages (``ml_metadata.Artifact``, ``ml_metadata.Execution``, ...).

lineage reads and writes the same messages as ml-metadata 1.17.1. When Google's ``ml_metadata``
package is installed, its generated modules are used, so the objects lineage returns are the
ones ml-metadata code expects; otherwise (no ``ml_metadata``, or lineage's own compatibility
package compat/ml-metadata, which is these very modules) lineage's own modules, generated from
``schemas/*.proto``, are used. The two register byte-identical descriptors under the same file
names, so they can also be imported side by side in one process: whichever is imported first
creates the message classes, and the other one gets the very same classes.

Example:
    >>> from lineage.proto import Artifact
    >>> artifact = Artifact(uri="s3://bucket/data.csv")
    >>> artifact.custom_properties["rows"].int_value = 1200
    >>> Artifact.FromString(artifact.SerializeToString()) == artifact
    True

For messages not re-exported here (request/response messages, nested types), use the
``metadata_store_pb2`` and ``metadata_store_service_pb2`` modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lineage._upstream import google_ml_metadata_installed

if TYPE_CHECKING:
    # Type checkers always see lineage's generated stubs (mypy-protobuf).
    from lineage.proto._generated import metadata_store_pb2, metadata_store_service_pb2
elif google_ml_metadata_installed():
    try:
        from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2
    except ImportError:  # an ml_metadata that cannot be imported is as good as none
        from lineage.proto._generated import metadata_store_pb2, metadata_store_service_pb2
else:
    from lineage.proto._generated import metadata_store_pb2, metadata_store_service_pb2

# lineage's own service (beyond MLMD); it imports MLMD's messages from the same descriptor pool.
from lineage.proto._generated import lineage_service_pb2  # noqa: E402

# Nodes, their types and the edges between them.
Artifact = metadata_store_pb2.Artifact
ArtifactType = metadata_store_pb2.ArtifactType
Execution = metadata_store_pb2.Execution
ExecutionType = metadata_store_pb2.ExecutionType
Context = metadata_store_pb2.Context
ContextType = metadata_store_pb2.ContextType
Event = metadata_store_pb2.Event
Attribution = metadata_store_pb2.Attribution
Association = metadata_store_pb2.Association
ParentContext = metadata_store_pb2.ParentContext
LineageGraph = metadata_store_pb2.LineageGraph

# Property values and declared property types.
Value = metadata_store_pb2.Value
PropertyType = metadata_store_pb2.PropertyType
UNKNOWN = metadata_store_pb2.UNKNOWN
INT = metadata_store_pb2.INT
DOUBLE = metadata_store_pb2.DOUBLE
STRING = metadata_store_pb2.STRING
STRUCT = metadata_store_pb2.STRUCT
PROTO = metadata_store_pb2.PROTO
BOOLEAN = metadata_store_pb2.BOOLEAN

# Queries.
ListOperationOptions = metadata_store_pb2.ListOperationOptions
ListOperationNextPageToken = metadata_store_pb2.ListOperationNextPageToken
LineageSubgraphQueryOptions = metadata_store_pb2.LineageSubgraphQueryOptions

# Store configuration.
ConnectionConfig = metadata_store_pb2.ConnectionConfig
FakeDatabaseConfig = metadata_store_pb2.FakeDatabaseConfig
SqliteMetadataSourceConfig = metadata_store_pb2.SqliteMetadataSourceConfig
MySQLDatabaseConfig = metadata_store_pb2.MySQLDatabaseConfig
PostgreSQLDatabaseConfig = metadata_store_pb2.PostgreSQLDatabaseConfig
MigrationOptions = metadata_store_pb2.MigrationOptions
RetryOptions = metadata_store_pb2.RetryOptions
MetadataStoreClientConfig = metadata_store_pb2.MetadataStoreClientConfig

_DOCS: dict[type[object], str] = {
    Artifact: "A piece of data that pipeline steps read or write (dataset, model, metrics, ...).",
    ArtifactType: "The type of a group of artifacts: a name, a version and declared properties.",
    Execution: "One run of a pipeline step, such as a training job or a data transformation.",
    ExecutionType: "The type of a group of executions: a name, a version and declared properties.",
    Context: "A named group of artifacts and executions (a pipeline, a run, an experiment).",
    ContextType: "The type of a group of contexts: a name, a version and declared properties.",
    Event: "An edge saying that an execution read (input) or wrote (output) an artifact.",
    Attribution: "Membership of an artifact in a context.",
    Association: "Membership of an execution in a context.",
    ParentContext: "A parent/child link between two contexts.",
    LineageGraph: "A piece of the lineage graph: nodes, their types and the edges among them.",
    Value: "A property value; exactly one of its members is set.",
    ConnectionConfig: "Which database backs a store (SQLite, MySQL/MariaDB or PostgreSQL).",
    FakeDatabaseConfig: "An in-memory SQLite database, for tests and experiments.",
    SqliteMetadataSourceConfig: "A SQLite database file (an empty filename_uri means in memory).",
    MySQLDatabaseConfig: "A MySQL or MariaDB server.",
    PostgreSQLDatabaseConfig: "A PostgreSQL server.",
    MetadataStoreClientConfig: "How to reach an MLMD gRPC server.",
}

if metadata_store_pb2.__name__.startswith("lineage."):
    # ml-metadata documents the classes itself when it is the one in use; do not overwrite.
    for _cls, _doc in _DOCS.items():
        _cls.__doc__ = _doc
    del _cls, _doc

__all__ = [
    "BOOLEAN",
    "DOUBLE",
    "INT",
    "PROTO",
    "STRING",
    "STRUCT",
    "UNKNOWN",
    "Artifact",
    "ArtifactType",
    "Association",
    "Attribution",
    "ConnectionConfig",
    "Context",
    "ContextType",
    "Event",
    "Execution",
    "ExecutionType",
    "FakeDatabaseConfig",
    "LineageGraph",
    "LineageSubgraphQueryOptions",
    "ListOperationNextPageToken",
    "ListOperationOptions",
    "MetadataStoreClientConfig",
    "MigrationOptions",
    "MySQLDatabaseConfig",
    "ParentContext",
    "PostgreSQLDatabaseConfig",
    "PropertyType",
    "RetryOptions",
    "SqliteMetadataSourceConfig",
    "Value",
    "lineage_service_pb2",
    "metadata_store_pb2",
    "metadata_store_service_pb2",
]
