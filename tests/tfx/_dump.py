"""Print everything an ml-metadata client reads from a SQLite store, as JSON.

Usage: python tests/tfx/_dump.py STORE.db

Only ``ml_metadata``'s own API is used, so the same script runs with Google's ml-metadata 1.17.1
(.venv-mlmd) and with lineage's ``ml_metadata`` package (.venv-compat); the two outputs must be
equal. Messages are written as their deterministic serialization (hex) next to their text form,
which is what a failing comparison shows.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import ml_metadata as mlmd
from google.protobuf import text_format
from ml_metadata.proto import metadata_store_pb2


def _messages(messages: Any) -> list[dict[str, str]]:
    return [
        {
            "text": text_format.MessageToString(m, as_one_line=True),
            "bytes": m.SerializeToString(deterministic=True).hex(),
        }
        for m in messages
    ]


def _by_id(messages: Any) -> list[Any]:
    return sorted(messages, key=lambda m: m.id)


def dump(path: str) -> dict[str, Any]:
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    store = mlmd.MetadataStore(config)
    artifacts = _by_id(store.get_artifacts())
    executions = _by_id(store.get_executions())
    contexts = _by_id(store.get_contexts())
    out: dict[str, Any] = {
        "artifact_types": _messages(_by_id(store.get_artifact_types())),
        "execution_types": _messages(_by_id(store.get_execution_types())),
        "context_types": _messages(_by_id(store.get_context_types())),
        "artifacts": _messages(artifacts),
        "executions": _messages(executions),
        "contexts": _messages(contexts),
        "events_by_execution": _messages(
            store.get_events_by_execution_ids([e.id for e in executions])
        ),
        "events_by_artifact": _messages(
            store.get_events_by_artifact_ids([a.id for a in artifacts])
        ),
    }
    for context in contexts:
        out[f"context {context.name}: artifacts"] = [
            a.id for a in store.get_artifacts_by_context(context.id)
        ]
        out[f"context {context.name}: executions"] = [
            e.id for e in store.get_executions_by_context(context.id)
        ]
        out[f"context {context.name}: parents"] = [
            c.id for c in store.get_parent_contexts_by_context(context.id)
        ]
    for artifact in artifacts:
        options = metadata_store_pb2.LineageSubgraphQueryOptions(max_num_hops=20)
        options.starting_artifacts.filter_query = f"id = {artifact.id}"
        graph = store.get_lineage_subgraph(options)
        out[f"lineage of artifact {artifact.id}"] = {
            "artifacts": sorted(a.id for a in graph.artifacts),
            "executions": sorted(e.id for e in graph.executions),
            "contexts": sorted(c.id for c in graph.contexts),
            "events": sorted((e.artifact_id, e.execution_id, e.type) for e in graph.events),
        }
    return out


if __name__ == "__main__":
    json.dump(dump(sys.argv[1]), sys.stdout, indent=1, sort_keys=True)
