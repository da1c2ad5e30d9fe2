"""``MetadataStore``: ml-metadata's API on SQLite, MySQL/MariaDB and PostgreSQL, in Python.

Every public method of ``ml_metadata.MetadataStore`` 1.17.1 is here with the same name, signature,
return shape and error classes. Each call is one transaction; a call that fails writes nothing.
Calls that lose a lock conflict or deadlock (``AbortedError``) are retried with backoff, up to
``ConnectionConfig.retry_options.max_num_retries`` times (5 by default), as ml-metadata does.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from lineage.errors import AbortedError, InvalidArgumentError
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import _edges, _nodes, _types, _writes
from lineage.store._backend import Backend, Tx
from lineage.store._config import Target, target_from
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION, Kind, TypeKind
from lineage.store._listing import ListOptions, OrderByField, check_options, list_nodes
from lineage.store._open import current_version, downgrade, open_schema
from lineage.store._subgraph import lineage_subgraph

__all__ = ["ExtraOptions", "MetadataStore", "downgrade_schema", "schema_version"]

T = TypeVar("T")
_log = logging.getLogger("lineage.store")


class ExtraOptions:
    """Accepted for signature compatibility with ml-metadata; it has no effect."""

    def __init__(self, euc: Any = None) -> None:
        self.euc = euc


def _ints(values: Iterable[Any], what: str) -> list[int]:
    out = []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgumentError(f"{what}[{i}] must be an integer id, got {value!r}")
        out.append(int(value))
    return out


def _messages(values: Iterable[Any], cls: Any, what: str) -> list[Any]:
    out = list(values) if not isinstance(values, (str, bytes)) else None
    if out is None:
        raise InvalidArgumentError(f"{what} must be a list of {cls.DESCRIPTOR.full_name}")
    full_name = cls.DESCRIPTOR.full_name
    for i, value in enumerate(out):
        descriptor = getattr(value, "DESCRIPTOR", None)
        if getattr(descriptor, "full_name", None) != full_name:
            raise InvalidArgumentError(
                f"{what}[{i}] must be an {full_name}, got {type(value).__name__}"
            )
    return out


def _message(value: Any, cls: Any, what: str) -> Any:
    return _messages([value], cls, what)[0] if value is not None else _raise_missing(what, cls)


def _raise_missing(what: str, cls: Any) -> Any:
    raise InvalidArgumentError(f"{what} must be an {cls.DESCRIPTOR.full_name}, got None")


class MetadataStore:
    """A lineage store: ml-metadata's ``MetadataStore`` API over an MLMD schema-v10 database.

    Args:
        config: An ``ml_metadata`` ``ConnectionConfig`` (sqlite, mysql, postgresql or
            fake_database), a SQLAlchemy URL (``sqlite:///lineage.db``,
            ``mysql://root@127.0.0.1/mlmd``, ``postgresql://user@host/db``) or a SQLite file path.
        enable_upgrade_migration: Upgrade a database of an older schema version in place.

    Raises:
        ConfigurationError: The config is unset or malformed (also a ``RuntimeError``).
        ConnectionFailedError: The database cannot be opened (also a ``RuntimeError``).
        SchemaVersionError: The schema is newer than lineage's, or older and upgrade migration
            is disabled (also a ``RuntimeError``).

    Example:
        >>> store = MetadataStore("sqlite://")
        >>> type_id = store.put_artifact_type(proto.ArtifactType(name="Dataset"))
        >>> [a_id] = store.put_artifacts([proto.Artifact(type_id=type_id, uri="/data/train")])
        >>> store.get_artifacts_by_id([a_id])[0].uri
        '/data/train'
        >>> store.close()
    """

    def __init__(self, config: Any, enable_upgrade_migration: bool = False) -> None:
        target: Target = target_from(config)
        self._target = target
        self._max_num_retries = target.max_num_retries
        self._backend = Backend(target)
        try:
            open_schema(self._backend, enable_upgrade_migration=enable_upgrade_migration)
        except BaseException:
            self._backend.close()
            raise

    # ------------------------------------------------------------------ plumbing
    @property
    def dialect(self) -> str:
        """'sqlite', 'mysql' or 'postgresql'."""
        return self._backend.dialect

    @property
    def url(self) -> str:
        """Where the store lives (without a password)."""
        return self._target.display

    @property
    def pipeline_asset(self) -> None:
        """Always None (an ml-metadata placeholder)."""
        return None

    def counts(self) -> dict[str, int]:
        """How many types (without the simple types), artifacts, executions, contexts and events."""

        def run(tx: Tx) -> dict[str, int]:
            import sqlalchemy as sa

            def build(t: Any) -> Any:
                def count(table: Any) -> Any:
                    return sa.select(sa.func.count()).select_from(table).scalar_subquery()

                simple = sa.select(sa.func.count()).select_from(t.type)
                simple = simple.where(
                    t.type.c.name.like(sa.bindparam("prefix")), t.type.c.version.is_(None)
                )
                return sa.select(
                    count(t.type) - simple.scalar_subquery(),
                    count(t.artifact),
                    count(t.execution),
                    count(t.context),
                    count(t.event),
                )

            row = tx.rows(tx.backend.sql("counts", build), {"prefix": "mlmd.%"})[0]
            keys = ("types", "artifacts", "executions", "contexts", "events")
            return {k: int(v) for k, v in zip(keys, row, strict=True)}

        return self._read(run)

    def close(self) -> None:
        """Close the store's database connections."""
        self._backend.close()

    def __enter__(self) -> MetadataStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MetadataStore({self._target.display!r})"

    def _call(self, write: bool, fn: Callable[[Tx], T]) -> T:
        attempts = max(1, int(self._max_num_retries))
        delay = 0.01
        for attempt in range(1, attempts + 1):
            try:
                with self._backend.transaction(write=write) as tx:
                    return fn(tx)
            except AbortedError:
                if attempt >= attempts:
                    raise
                _log.info("retrying after a lock conflict (attempt %d of %d)", attempt, attempts)
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, fn: Callable[[Tx], T]) -> T:
        return self._call(False, fn)

    def _write(self, fn: Callable[[Tx], T]) -> T:
        return self._call(True, fn)

    # ------------------------------------------------------------------ types
    def _put_type(
        self, kind: TypeKind, value: Any, can_add_fields: bool, can_omit_fields: bool
    ) -> int:
        message = _message(
            value, kind.proto, kind.title[0].lower() + kind.title[1:].replace("Type", "_type")
        )
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
            (ARTIFACT.types, _messages(artifact_types, pb.ArtifactType, "artifact_types")),
            (EXECUTION.types, _messages(execution_types, pb.ExecutionType, "execution_types")),
            (CONTEXT.types, _messages(context_types, pb.ContextType, "context_types")),
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
        ids = _ints(type_ids, "type_ids")
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

    # ------------------------------------------------------------------ nodes
    def _put_nodes(
        self, kind: Kind, values: Sequence[Any], mask: Sequence[str] | None, what: str
    ) -> list[int]:
        messages = _messages(values, kind.proto, what)
        paths = [str(p) for p in mask or ()]
        return self._write(lambda tx: _nodes.put_nodes(tx, kind, messages, paths))

    def put_artifacts(
        self,
        artifacts: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[int]:
        """Insert artifacts without an id, update those with one; ids aligned with the input.

        Without ``field_mask_paths`` an update replaces the whole artifact (except its name, which
        MLMD never changes once stored); with them only the listed fields change.

        Raises:
            InvalidArgumentError: A missing type id, an undeclared or mistyped property, or an
                unknown id.
            NotFoundError: The type id names no artifact type.
            AlreadyExistsError: The (type, name) or external id is taken.
        """
        return self._put_nodes(ARTIFACT, artifacts, field_mask_paths, "artifacts")

    def put_executions(
        self,
        executions: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[int]:
        """Insert or update executions (as put_artifacts)."""
        return self._put_nodes(EXECUTION, executions, field_mask_paths, "executions")

    def put_contexts(
        self,
        contexts: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[int]:
        """Insert or update contexts (as put_artifacts; names are required and may change)."""
        return self._put_nodes(CONTEXT, contexts, field_mask_paths, "contexts")

    def _list(
        self, kind: Kind, list_options: Any, scope: tuple[str, int] | None = None
    ) -> list[Any]:
        check_options(list_options)
        return self._read(lambda tx: list_nodes(tx, kind, list_options, scope))

    def get_artifacts(
        self, list_options: ListOptions | None = None, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifacts, all or as ``list_options`` filters, orders and limits them."""
        return self._list(ARTIFACT, list_options)

    def get_executions(
        self, list_options: ListOptions | None = None, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Executions, all or as ``list_options`` filters, orders and limits them."""
        return self._list(EXECUTION, list_options)

    def get_contexts(
        self, list_options: ListOptions | None = None, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts, all or as ``list_options`` filters, orders and limits them."""
        return self._list(CONTEXT, list_options)

    def _by_ids(self, kind: Kind, ids: Iterable[int], what: str) -> list[Any]:
        values = _ints(ids, what)
        return self._read(lambda tx: _nodes.get_nodes_by_ids(tx, kind, values))

    def get_artifacts_by_id(
        self, artifact_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifacts by id, in id order; unknown ids are skipped."""
        return self._by_ids(ARTIFACT, artifact_ids, "artifact_ids")

    def get_executions_by_id(
        self, execution_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Executions by id, in id order; unknown ids are skipped."""
        return self._by_ids(EXECUTION, execution_ids, "execution_ids")

    def get_contexts_by_id(
        self, context_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts by id, in id order; unknown ids are skipped."""
        return self._by_ids(CONTEXT, context_ids, "context_ids")

    def get_artifacts_and_types_by_artifact_ids(
        self, artifact_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> tuple[list[Any], list[Any]]:
        """Artifacts by id and the types they use, read in one transaction."""
        ids = _ints(artifact_ids, "artifact_ids")

        def run(tx: Tx) -> tuple[list[Any], list[Any]]:
            artifacts = _nodes.get_nodes_by_ids(tx, ARTIFACT, ids)
            type_ids = sorted({a.type_id for a in artifacts})
            return artifacts, _types.get_types_by_id(tx, ARTIFACT.types, type_ids)

        return self._read(run)

    def _by_type(self, kind: Kind, type_name: str, type_version: str | None) -> list[Any]:
        return self._read(lambda tx: _nodes.get_nodes_by_type(tx, kind, type_name, type_version))

    def get_artifacts_by_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Every artifact of a type ([] for an unknown type)."""
        return self._by_type(ARTIFACT, type_name, type_version)

    def get_executions_by_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Every execution of a type ([] for an unknown type)."""
        return self._by_type(EXECUTION, type_name, type_version)

    def get_contexts_by_type(
        self,
        type_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Every context of a type ([] for an unknown type)."""
        return self._by_type(CONTEXT, type_name, type_version)

    def _by_type_and_name(
        self, kind: Kind, type_name: str, name: str, type_version: str | None
    ) -> Any | None:
        return self._read(
            lambda tx: _nodes.get_node_by_type_and_name(tx, kind, type_name, name, type_version)
        )

    def get_artifact_by_type_and_name(
        self,
        type_name: str,
        artifact_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any | None:
        """The artifact with this type and name, or None."""
        return self._by_type_and_name(ARTIFACT, type_name, artifact_name, type_version)

    def get_execution_by_type_and_name(
        self,
        type_name: str,
        execution_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any | None:
        """The execution with this type and name, or None."""
        return self._by_type_and_name(EXECUTION, type_name, execution_name, type_version)

    def get_context_by_type_and_name(
        self,
        type_name: str,
        context_name: str,
        type_version: str | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any | None:
        """The context with this type and name, or None."""
        return self._by_type_and_name(CONTEXT, type_name, context_name, type_version)

    def get_artifacts_by_uri(
        self, uri: str, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifacts whose URI equals ``uri``."""
        if not isinstance(uri, str):
            raise InvalidArgumentError(f"uri must be a string, got {uri!r}")

        def run(tx: Tx) -> list[Any]:
            import sqlalchemy as sa

            def build(t: Any) -> Any:
                return (
                    _nodes.node_select(t, ARTIFACT)
                    .where(t.artifact.c.uri == sa.bindparam("uri"))
                    .order_by(t.artifact.c.id)
                )

            rows = tx.rows(tx.backend.sql("artifacts_by_uri", build), {"uri": uri})
            return _nodes.read_nodes(tx, ARTIFACT, rows)

        return self._read(run)

    def _by_external_ids(self, kind: Kind, external_ids: Iterable[str]) -> list[Any]:
        ids = [str(e) for e in external_ids]
        return self._read(lambda tx: _nodes.get_nodes_by_external_ids(tx, kind, ids))

    def get_artifacts_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Artifacts by external id. Raises NotFoundError when none matches."""
        return self._by_external_ids(ARTIFACT, external_ids)

    def get_executions_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Executions by external id. Raises NotFoundError when none matches."""
        return self._by_external_ids(EXECUTION, external_ids)

    def get_contexts_by_external_ids(
        self, external_ids: Iterable[str], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts by external id. Raises NotFoundError when none matches."""
        return self._by_external_ids(CONTEXT, external_ids)

    # ------------------------------------------------------------------ events and lineage
    def put_events(self, events: Sequence[Any], extra_options: ExtraOptions | None = None) -> None:
        """Insert events (insert only).

        Raises:
            InvalidArgumentError: An event without artifact id, execution id or type, or one that
                points to a missing node.
            AlreadyExistsError: An event with the same (artifact, execution, type) exists.
        """
        messages = _messages(events, pb.Event, "events")
        self._write(lambda tx: _edges.put_events(tx, messages))

    def put_execution(
        self,
        execution: Any,
        artifact_and_events: Sequence[tuple[Any, ...]],
        contexts: Sequence[Any] | None,
        reuse_context_if_already_exist: bool = False,
        reuse_artifact_if_already_exist_by_external_id: bool = False,
        force_reuse_context: bool = False,
        force_update_time: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> tuple[int, list[int], list[int]]:
        """Write an execution with its artifacts, events and contexts atomically.

        Returns:
            (execution id, artifact ids aligned with ``artifact_and_events`` (-1 for a pair
            without artifact or event artifact id), context ids aligned with ``contexts``).
        """
        message = _message(execution, pb.Execution, "execution")
        pairs: list[tuple[Any, Any]] = []
        for i, pair in enumerate(artifact_and_events or ()):
            if not pair:
                continue
            artifact = pair[0]
            event = pair[1] if len(pair) == 2 else None
            if artifact is not None:
                _message(artifact, pb.Artifact, f"artifact_and_events[{i}][0]")
            if event is not None:
                _message(event, pb.Event, f"artifact_and_events[{i}][1]")
            pairs.append((artifact, event))
        context_list = _messages(contexts or (), pb.Context, "contexts")
        return self._write(
            lambda tx: _writes.put_execution(
                tx,
                message,
                pairs,
                context_list,
                reuse_context_if_already_exist=reuse_context_if_already_exist,
                reuse_artifact_if_already_exist_by_external_id=reuse_artifact_if_already_exist_by_external_id,
                force_reuse_context=force_reuse_context,
                force_update_time=force_update_time,
            )
        )

    def put_lineage_subgraph(
        self,
        executions: Sequence[Any],
        artifacts: Sequence[Any],
        contexts: Sequence[Any],
        event_edges: Sequence[tuple[int | None, int | None, Any]],
        reuse_context_if_already_exist: bool = False,
        reuse_artifact_if_already_exist_by_external_id: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> tuple[list[int], list[int], list[int]]:
        """Write executions, artifacts, contexts and their events atomically.

        Every context is associated with every execution and attributed to every artifact.

        Returns:
            The execution, artifact and context ids, aligned with the inputs.
        """
        execs = _messages(executions, pb.Execution, "executions")
        arts = _messages(artifacts, pb.Artifact, "artifacts")
        ctxs = _messages(contexts, pb.Context, "contexts")
        edges = []
        for i, edge in enumerate(event_edges):
            exec_index, art_index, event = edge
            if event is not None:
                _message(event, pb.Event, f"event_edges[{i}][2]")
            edges.append((exec_index, art_index, event))
        return self._write(
            lambda tx: _writes.put_lineage_subgraph(
                tx,
                execs,
                arts,
                ctxs,
                edges,
                reuse_context_if_already_exist=reuse_context_if_already_exist,
                reuse_artifact_if_already_exist_by_external_id=reuse_artifact_if_already_exist_by_external_id,
            )
        )

    def get_lineage_subgraph(
        self,
        query_options: Any,
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The lineage subgraph around the nodes that ``query_options`` selects.

        MLMD's semantics (direction, ending nodes, field masks), walked in one recursive SQL
        statement. Unlike ml-metadata, the walk is not silently cut at 100 hops or 101 starting
        nodes: an unset ``max_num_hops`` walks to the end.

        Raises:
            InvalidArgumentError: No starting nodes, an empty filter, or negative max_num_hops.
            NotFoundError: The starting filter matches nothing.
        """
        options = _message(query_options, pb.LineageSubgraphQueryOptions, "query_options")
        paths = [str(p) for p in field_mask_paths or ()]
        return self._read(lambda tx: lineage_subgraph(tx, options, paths))

    def put_attributions_and_associations(
        self,
        attributions: Sequence[Any],
        associations: Sequence[Any],
        extra_options: ExtraOptions | None = None,
    ) -> None:
        """Link artifacts and executions to contexts; existing links stay as they are."""
        attrs = _messages(attributions, pb.Attribution, "attributions")
        assocs = _messages(associations, pb.Association, "associations")
        self._write(lambda tx: _edges.put_attributions_and_associations(tx, attrs, assocs))

    def put_parent_contexts(
        self, parent_contexts: Sequence[Any], extra_options: ExtraOptions | None = None
    ) -> None:
        """Insert parent-child context links.

        Raises:
            AlreadyExistsError: The link exists.
            InvalidArgumentError: A missing context, a self-link, or a cycle.
        """
        links = _messages(parent_contexts, pb.ParentContext, "parent_contexts")
        self._write(lambda tx: _edges.put_parent_contexts(tx, links))

    def get_contexts_by_artifact(
        self, artifact_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts an artifact is attributed to. Raises NotFoundError when there are none."""
        node_id = _ints([artifact_id], "artifact_id")[0]
        return self._read(lambda tx: _edges.get_contexts_of(tx, ARTIFACT, node_id))

    def get_contexts_by_execution(
        self, execution_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts an execution is associated with. Raises NotFoundError when there are none."""
        node_id = _ints([execution_id], "execution_id")[0]
        return self._read(lambda tx: _edges.get_contexts_of(tx, EXECUTION, node_id))

    def get_artifacts_by_context(
        self,
        context_id: int,
        list_options: ListOptions | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Artifacts attributed to a context."""
        cid = _ints([context_id], "context_id")[0]
        return self._list(ARTIFACT, list_options, ("context", cid))

    def get_executions_by_context(
        self,
        context_id: int,
        list_options: ListOptions | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Executions associated with a context, newest first unless ``list_options`` say else."""
        cid = _ints([context_id], "context_id")[0]
        if list_options is None:
            list_options = ListOptions(order_by=OrderByField.CREATE_TIME, is_asc=False)
        return self._list(EXECUTION, list_options, ("context", cid))

    def get_events_by_execution_ids(
        self, execution_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Events of these executions."""
        ids = _ints(execution_ids, "execution_ids")
        return self._read(lambda tx: _edges.get_events(tx, "execution_id", ids))

    def get_events_by_artifact_ids(
        self, artifact_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Events of these artifacts."""
        ids = _ints(artifact_ids, "artifact_ids")
        return self._read(lambda tx: _edges.get_events(tx, "artifact_id", ids))

    def get_parent_contexts_by_context(
        self, context_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Parent contexts of a context."""
        cid = _ints([context_id], "context_id")[0]
        return self._read(lambda tx: _edges.get_parent_contexts(tx, [cid]))[cid]

    def get_children_contexts_by_context(
        self, context_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Child contexts of a context."""
        cid = _ints([context_id], "context_id")[0]
        return self._read(lambda tx: _edges.get_children_contexts(tx, [cid]))[cid]

    def get_parent_contexts_by_contexts(self, context_ids: Iterable[int]) -> dict[int, list[Any]]:
        """Parents of many contexts at once: context id → parents (beyond MLMD's Python API)."""
        ids = _ints(context_ids, "context_ids")
        return self._read(lambda tx: _edges.get_parent_contexts(tx, ids))

    def get_children_contexts_by_contexts(self, context_ids: Iterable[int]) -> dict[int, list[Any]]:
        """Children of many contexts at once: context id → children (beyond MLMD's Python API)."""
        ids = _ints(context_ids, "context_ids")
        return self._read(lambda tx: _edges.get_children_contexts(tx, ids))


def schema_version(config: Any) -> int | None:
    """The MLMD schema version of the database ``config`` names (None when it is empty).

    Opens the database without creating or changing anything.

    Raises:
        ConnectionFailedError: The database cannot be reached.
    """
    target = target_from(config)
    backend = Backend(dataclasses.replace(target, create_database=False))
    try:
        with backend.transaction(write=False) as tx:
            return current_version(tx)
    finally:
        backend.close()


def downgrade_schema(config: Any, downgrade_to_schema_version: int) -> None:
    """Migrate the database that ``config`` names down to an older MLMD schema version.

    Raises:
        InvalidArgumentError: A negative version, one above the library's, or an empty database.
    """
    if downgrade_to_schema_version < 0:
        raise InvalidArgumentError("downgrade_to_schema_version not specified")
    backend = Backend(target_from(config))
    try:
        downgrade(backend, int(downgrade_to_schema_version))
    finally:
        backend.close()
