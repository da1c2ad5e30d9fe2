"""The three node kinds (artifact, execution, context), described once for shared code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lineage.proto import metadata_store_pb2 as pb
from lineage.store._schema import Tables

__all__ = [
    "ARTIFACT",
    "ARTIFACT_TYPE",
    "CONTEXT",
    "CONTEXT_TYPE",
    "EXECUTION",
    "EXECUTION_TYPE",
    "KINDS",
    "SIMPLE_TYPES",
    "Kind",
    "TypeKind",
]

# Type.type_kind codes.
EXECUTION_TYPE = 0
ARTIFACT_TYPE = 1
CONTEXT_TYPE = 2


@dataclass(frozen=True)
class TypeKind:
    """One kind of type: its ``type_kind`` code, proto class and base-type enum."""

    code: int
    title: str  # 'ArtifactType'
    proto: Any
    base_names: dict[int, str]  # SystemDefinedBaseType value -> simple type name

    def base_value(self, simple_name: str) -> int | None:
        for value, name in self.base_names.items():
            if name == simple_name:
                return value
        return None


ARTIFACT_TYPES = TypeKind(
    ARTIFACT_TYPE,
    "ArtifactType",
    pb.ArtifactType,
    {1: "mlmd.Dataset", 2: "mlmd.Model", 3: "mlmd.Metrics", 4: "mlmd.Statistics"},
)
EXECUTION_TYPES = TypeKind(
    EXECUTION_TYPE,
    "ExecutionType",
    pb.ExecutionType,
    {1: "mlmd.Train", 2: "mlmd.Transform", 3: "mlmd.Process", 4: "mlmd.Evaluate", 5: "mlmd.Deploy"},
)
CONTEXT_TYPES = TypeKind(CONTEXT_TYPE, "ContextType", pb.ContextType, {})
TYPE_KINDS = {t.code: t for t in (ARTIFACT_TYPES, EXECUTION_TYPES, CONTEXT_TYPES)}

#: The 9 simple types MLMD upserts on every open, in id order on a fresh database.
SIMPLE_TYPES: tuple[tuple[str, int], ...] = (
    ("mlmd.Dataset", ARTIFACT_TYPE),
    ("mlmd.Model", ARTIFACT_TYPE),
    ("mlmd.Metrics", ARTIFACT_TYPE),
    ("mlmd.Statistics", ARTIFACT_TYPE),
    ("mlmd.Train", EXECUTION_TYPE),
    ("mlmd.Transform", EXECUTION_TYPE),
    ("mlmd.Process", EXECUTION_TYPE),
    ("mlmd.Evaluate", EXECUTION_TYPE),
    ("mlmd.Deploy", EXECUTION_TYPE),
)
SIMPLE_TYPE_NAMES = frozenset(name for name, _ in SIMPLE_TYPES)


@dataclass(frozen=True)
class Kind:
    """One node kind and the tables and fields that hold it."""

    name: str  # 'artifact'
    title: str  # 'Artifact'
    types: TypeKind
    proto: Any
    owner: str  # owner column in the property table: 'artifact_id'
    state: str | None  # 'state' / 'last_known_state' / None
    extra: tuple[str, ...]  # node columns besides the common ones ('uri', 'state', ...)

    def table(self, t: Tables) -> sa.Table:
        return getattr(t, self.name)  # type: ignore[no-any-return]

    def prop_table(self, t: Tables) -> sa.Table:
        return getattr(t, f"{self.name}_property")  # type: ignore[no-any-return]

    @property
    def name_updatable(self) -> bool:
        """MLMD never updates Artifact.name and Execution.name once a row exists."""
        return self.name == "context"


ARTIFACT = Kind(
    "artifact", "Artifact", ARTIFACT_TYPES, pb.Artifact, "artifact_id", "state", ("uri", "state")
)
EXECUTION = Kind(
    "execution",
    "Execution",
    EXECUTION_TYPES,
    pb.Execution,
    "execution_id",
    "last_known_state",
    ("last_known_state",),
)
CONTEXT = Kind("context", "Context", CONTEXT_TYPES, pb.Context, "context_id", None, ())
KINDS = {k.name: k for k in (ARTIFACT, EXECUTION, CONTEXT)}
