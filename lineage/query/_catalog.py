"""What a ``filter_query`` may name: attributes, neighbours, property fields and enum values.

The enum numbers are those of the MLMD protos (``ml_metadata.Artifact.State`` and so on); they are
written out here so that the query package needs no protobuf import.
"""

from __future__ import annotations

from typing import Final

from lineage.query._ast import EnumType, ValueType

__all__ = [
    "ENUMS",
    "FUNCTIONS",
    "KINDS",
    "NEIGHBOR_FIELDS",
    "NODE_ATTRIBUTES",
    "PLURAL",
    "PROPERTY_FIELDS",
    "RELATIONS",
    "RELATION_PREFIXES",
]

KINDS: Final = ("artifact", "execution", "context")
PLURAL: Final = {"artifact": "artifacts", "execution": "executions", "context": "contexts"}

ENUMS: Final[dict[EnumType, dict[str, int]]] = {
    "Artifact.State": {
        "UNKNOWN": 0,
        "PENDING": 1,
        "LIVE": 2,
        "MARKED_FOR_DELETION": 3,
        "DELETED": 4,
        "ABANDONED": 5,
        "REFERENCE": 6,
    },
    "Execution.State": {
        "UNKNOWN": 0,
        "NEW": 1,
        "RUNNING": 2,
        "COMPLETE": 3,
        "FAILED": 4,
        "CACHED": 5,
        "CANCELED": 6,
    },
    "Event.Type": {
        "UNKNOWN": 0,
        "DECLARED_OUTPUT": 1,
        "DECLARED_INPUT": 2,
        "INPUT": 3,
        "OUTPUT": 4,
        "INTERNAL_INPUT": 5,
        "INTERNAL_OUTPUT": 6,
        "PENDING_OUTPUT": 7,
    },
}

# Whitelisted scalar functions: name -> (argument type class, result type or None for "same as
# the argument"). Anything else is refused by name, never passed through to the database.
FUNCTIONS: Final[dict[str, tuple[str, ValueType | None]]] = {
    "LOWER": ("STRING", "STRING"),
    "UPPER": ("STRING", "STRING"),
    "LENGTH": ("STRING", "INT64"),
    "ABS": ("NUMBER", None),
}

_COMMON: Final[dict[str, ValueType]] = {
    "id": "INT64",
    "type_id": "INT64",
    "type": "STRING",
    "name": "STRING",
    "external_id": "STRING",
    "create_time_since_epoch": "INT64",
    "last_update_time_since_epoch": "INT64",
}

NODE_ATTRIBUTES: Final[dict[str, dict[str, ValueType]]] = {
    "artifact": {**_COMMON, "uri": "STRING", "state": "Artifact.State"},
    "execution": {**_COMMON, "last_known_state": "Execution.State"},
    "context": dict(_COMMON),
}

PROPERTY_FIELDS: Final[dict[str, ValueType]] = {
    "int_value": "INT64",
    "double_value": "DOUBLE",
    "string_value": "STRING",
    "bool_value": "BOOL",
}

# Longest prefixes first: 'parent_contexts_x' must not be read as a 'contexts_' reference.
RELATION_PREFIXES: Final = (
    "parent_contexts",
    "child_contexts",
    "executions",
    "artifacts",
    "contexts",
    "events",
)

RELATIONS: Final[dict[str, tuple[str, ...]]] = {
    "artifact": ("contexts", "events"),
    "execution": ("contexts", "events"),
    "context": ("parent_contexts", "child_contexts", "artifacts", "executions"),
}

_CONTEXT_FIELDS: Final[dict[str, ValueType]] = {
    "id": "INT64",
    "name": "STRING",
    "type": "STRING",
    "create_time_since_epoch": "INT64",
    "last_update_time_since_epoch": "INT64",
}

NEIGHBOR_FIELDS: Final[dict[tuple[str, str], dict[str, ValueType]]] = {
    ("artifact", "contexts"): _CONTEXT_FIELDS,
    ("execution", "contexts"): _CONTEXT_FIELDS,
    ("artifact", "events"): {
        "type": "Event.Type",
        "milliseconds_since_epoch": "INT64",
        "execution_id": "INT64",
    },
    ("execution", "events"): {
        "type": "Event.Type",
        "milliseconds_since_epoch": "INT64",
        "artifact_id": "INT64",
    },
    ("context", "parent_contexts"): _CONTEXT_FIELDS,
    ("context", "child_contexts"): _CONTEXT_FIELDS,
    ("context", "artifacts"): {
        "id": "INT64",
        "name": "STRING",
        "type": "STRING",
        "state": "Artifact.State",
        "uri": "STRING",
        "external_id": "STRING",
        "create_time_since_epoch": "INT64",
        "last_update_time_since_epoch": "INT64",
    },
    ("context", "executions"): {
        "id": "INT64",
        "name": "STRING",
        "type": "STRING",
        "last_known_state": "Execution.State",
        "external_id": "STRING",
        "create_time_since_epoch": "INT64",
        "last_update_time_since_epoch": "INT64",
    },
}
