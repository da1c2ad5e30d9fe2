"""``MetadataStore`` methods for artifact, execution and context types."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lineage.proto import metadata_store_pb2 as pb
from lineage.store import _types
from lineage.store._api_common import ExtraOptions, StoreBase, as_ints, as_message, as_messages
from lineage.store._backend import Tx
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION, TypeKind

__all__ = ["TypeMethods"]


class TypeMethods(StoreBase):
    """Type upserts and reads, with ml-metadata's names and evolution rules."""

    def _put_type(
        self, kind: TypeKind, value: Any, can_add_fields: bool, can_omit_fields: bool
    ) -> int:
        what = kind.title.replace("Type", "_type").lower()  # 'artifact_type', ...
        message = as_message(value, kind.proto, what)
        return self._write(
            lambda tx: _types.put_type(tx, kind, message, can_add_fields, can_omit_fields)
        )

    def put_artifact_type(
        self,
        artifact_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> int:
        """Insert an artifact type, or check and evolve the stored one; return its id.

        Raises:
            AlreadyExistsError: The stored type is incompatible (a property's value type
                differs, new properties without ``can_add_fields``, omitted ones without
                ``can_omit_fields``).
            InvalidArgumentError: No name, or a property declared UNKNOWN.
            UnimplementedError: A change or removal of an existing ``base_type``.
        """
        return self._put_type(ARTIFACT.types, artifact_type, can_add_fields, can_omit_fields)

    def put_execution_type(
        self,
        execution_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> int:
        """Insert an execution type, or check and evolve the stored one (as put_artifact_type)."""
        return self._put_type(EXECUTION.types, execution_type, can_add_fields, can_omit_fields)

    def put_context_type(
        self,
        context_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> int:
        """Insert a context type, or check and evolve the stored one (as put_artifact_type)."""
        return self._put_type(CONTEXT.types, context_type, can_add_fields, can_omit_fields)

    def put_types(
        self,
        artifact_types: Sequence[Any] = (),
        execution_types: Sequence[Any] = (),
        context_types: Sequence[Any] = (),
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
    ) -> tuple[list[int], list[int], list[int]]:
        """Upsert many types in one transaction (MLMD's PutTypes RPC, which Python lacked).

        Returns:
            The type ids, aligned with each input list.
        """
        groups = [
            (ARTIFACT.types, as_messages(artifact_types, pb.ArtifactType, "artifact_types")),
            (EXECUTION.types, as_messages(execution_types, pb.ExecutionType, "execution_types")),
            (CONTEXT.types, as_messages(context_types, pb.ContextType, "context_types")),
        ]

        def run(tx: Tx) -> tuple[list[int], list[int], list[int]]:
            out = [
                [_types.put_type(tx, kind, m, can_add_fields, can_omit_fields) for m in msgs]
                for kind, msgs in groups
            ]
            return out[0], out[1], out[2]

        return self._write(run)

    def _get_type(self, kind: TypeKind, type_name: str, type_version: str | None) -> Any:
        return self._read(lambda tx: _types.get_type(tx, kind, type_name, type_version))

    def get_artifact_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The artifact type with this name (and version). Raises NotFoundError if none."""
        return self._get_type(ARTIFACT.types, type_name, type_version)

    def get_execution_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The execution type with this name (and version). Raises NotFoundError if none."""
        return self._get_type(EXECUTION.types, type_name, type_version)

    def get_context_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The context type with this name (and version). Raises NotFoundError if none."""
        return self._get_type(CONTEXT.types, type_name, type_version)

    def get_artifact_types(self, extra_options: ExtraOptions | None = None) -> list[Any]:
        """Every artifact type (without the ``mlmd.*`` simple types)."""
        return self._read(lambda tx: _types.get_types(tx, ARTIFACT.types))

    def get_execution_types(self, extra_options: ExtraOptions | None = None) -> list[Any]:
        """Every execution type (without the ``mlmd.*`` simple types)."""
        return self._read(lambda tx: _types.get_types(tx, EXECUTION.types))

    def get_context_types(self, extra_options: ExtraOptions | None = None) -> list[Any]:
        """Every context type."""
        return self._read(lambda tx: _types.get_types(tx, CONTEXT.types))

    def _types_by_id(self, kind: TypeKind, type_ids: Iterable[int]) -> list[Any]:
        ids = as_ints(type_ids, "type_ids")
        return self._read(lambda tx: _types.get_types_by_id(tx, kind, ids))

    def get_artifact_types_by_id(
        self, type_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifact types by id; unknown ids are skipped."""
        return self._types_by_id(ARTIFACT.types, type_ids)

    def get_execution_types_by_id(
        self, type_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Execution types by id; unknown ids are skipped."""
        return self._types_by_id(EXECUTION.types, type_ids)

    def get_context_types_by_id(
        self, type_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Context types by id; unknown ids are skipped."""
        return self._types_by_id(CONTEXT.types, type_ids)

    def _types_by_external_ids(self, kind: TypeKind, external_ids: Iterable[str]) -> list[Any]:
        ids = [str(e) for e in external_ids]
        return self._read(lambda tx: _types.get_types_by_external_ids(tx, kind, ids))

    def get_artifact_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifact types by external id. Raises NotFoundError when none matches."""
        return self._types_by_external_ids(ARTIFACT.types, external_ids)

    def get_execution_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Execution types by external id. Raises NotFoundError when none matches."""
        return self._types_by_external_ids(EXECUTION.types, external_ids)

    def get_context_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Context types by external id. Raises NotFoundError when none matches."""
        return self._types_by_external_ids(CONTEXT.types, external_ids)
