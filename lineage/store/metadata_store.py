"""``MetadataStore``: ml-metadata's API on SQLite, MySQL/MariaDB and PostgreSQL, in Python.

Every public method of ``ml_metadata.MetadataStore`` 1.17.1 is here with the same name, signature,
return shape and error classes. Each call is one transaction; a call that fails writes nothing.
Calls that lose a lock conflict or deadlock (``AbortedError``) are retried with backoff, up to
``ConnectionConfig.retry_options.max_num_retries`` times (5 by default), as ml-metadata does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from lineage import proto as pb
from lineage.errors import InvalidArgumentError
from lineage.store import _indexes, _nodes, _types
from lineage.store._api_common import ExtraOptions, as_ints, as_message, as_messages
from lineage.store._api_delete import DeleteMethods
from lineage.store._api_lineage import LineageMethods
from lineage.store._api_types import TypeMethods
from lineage.store._backend import Backend, Tx
from lineage.store._config import Target, target_from
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION, Kind
from lineage.store._listing import ListOptions
from lineage.store._open import current_version, downgrade, open_schema
from lineage.store._paging import Page, list_page

__all__ = [
    "ExtraOptions",
    "MetadataStore",
    "downgrade_schema",
    "link_indexes",
    "optimize",
    "schema_version",
]


class MetadataStore(TypeMethods, LineageMethods, DeleteMethods):
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

    def __new__(cls, config: Any = None, *args: Any, **kwargs: Any) -> MetadataStore:
        # A server's address opens the remote backend (lineage/store/_remote.py), also for
        # subclasses of MetadataStore; Python runs __init__ itself only on instances of cls.
        from lineage.store._remote import RemoteMetadataStore, is_remote

        if is_remote(config) and not issubclass(cls, RemoteMetadataStore):
            store = super().__new__(RemoteMetadataStore)
            if not isinstance(store, cls):
                RemoteMetadataStore.__init__(store, config, *args, **kwargs)
            return store
        return super().__new__(cls)

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

    @property
    def dialect(self) -> str:
        """'sqlite', 'mysql' or 'postgresql'."""
        return self._backend.dialect

    @property
    def url(self) -> str:
        """Where the store lives (without a password)."""
        return self._target.display

    @property
    def is_remote(self) -> bool:
        """True when every call goes to a ``lineage serve`` server (beyond MLMD)."""
        return False

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

    def get_schema_version(self) -> int:
        """The MLMD schema version of the open database (beyond MLMD)."""
        return self._read(lambda tx: current_version(tx) or 0)

    def close(self) -> None:
        """Close the store's database connections."""
        self._backend.close()

    def __enter__(self) -> MetadataStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MetadataStore({self._target.display!r})"

    def _put_nodes(
        self,
        kind: Kind,
        values: Sequence[Any],
        mask: Sequence[str] | None,
        what: str,
        unchanged_since: bool = False,
    ) -> list[int]:
        messages = as_messages(values, kind.proto, what)
        paths = [str(p) for p in mask or ()]

        def run(tx: Tx) -> list[int]:
            if unchanged_since:
                _check_unchanged(tx, kind, messages, what)
            return _nodes.put_nodes(tx, kind, messages, paths)

        return self._write(run)

    def put_artifacts(
        self,
        artifacts: Sequence[Any],
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
        *,
        abort_if_latest_updated_time_changed: bool = False,
    ) -> list[int]:
        """Insert artifacts without an id, update those with one; ids aligned with the input.

        Without ``field_mask_paths`` an update replaces the whole artifact (except its name, which
        MLMD never changes once stored); with them only the listed fields change.

        Args:
            artifacts: The artifacts to insert or update.
            field_mask_paths: The fields an update changes (all when empty).
            extra_options: Ignored (ml-metadata's placeholder).
            abort_if_latest_updated_time_changed: Optimistic concurrency (MLMD's
                ``PutArtifactsRequest.Options``): refuse the whole call when an updated
                artifact's stored ``last_update_time_since_epoch`` differs from the one given.

        Raises:
            InvalidArgumentError: A missing type id, an undeclared or mistyped property, or an
                unknown id.
            NotFoundError: The type id names no artifact type.
            AlreadyExistsError: The (type, name) or external id is taken.
            FailedPreconditionError: With ``abort_if_latest_updated_time_changed``, an artifact
                changed since it was read.
        """
        return self._put_nodes(
            ARTIFACT,
            artifacts,
            field_mask_paths,
            "artifacts",
            unchanged_since=abort_if_latest_updated_time_changed,
        )

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

    def get_page(
        self,
        kind: str,
        options: Any = None,
        *,
        context_id: int | None = None,
        type_id: int | None = None,
    ) -> Page:
        """One page of a listing, as MLMD's RPCs page (beyond MLMD's Python API).

        Args:
            kind: 'artifact', 'execution' or 'context'.
            options: An ``ml_metadata.ListOperationOptions`` (``max_result_size`` 20 by
                default and at most 100, ``order_by_field``, ``filter_query`` and the
                ``next_page_token`` of the previous page); None lists every node at once.
            context_id: Only the artifacts or executions of this context.
            type_id: Only the nodes of this type.

        Returns:
            A :class:`Page` of nodes and the token of the next page ('' on the last page).

        Raises:
            InvalidArgumentError: An unknown kind, ``max_result_size`` below 1, a malformed
                filter or token, or a token used with another ordering.

        Example:
            >>> store = MetadataStore("sqlite://")
            >>> t = store.put_artifact_type(proto.ArtifactType(name="Data"))
            >>> _ = store.put_artifacts([proto.Artifact(type_id=t) for _ in range(3)])
            >>> page = store.get_page("artifact", proto.ListOperationOptions(max_result_size=2))
            >>> [a.id for a in page.nodes], bool(page.next_page_token)
            ([1, 2], True)
            >>> options = proto.ListOperationOptions(max_result_size=2)
            >>> options.next_page_token = page.next_page_token
            >>> [a.id for a in store.get_page("artifact", options).nodes]
            [3]
        """
        kinds = {"artifact": ARTIFACT, "execution": EXECUTION, "context": CONTEXT}
        if kind not in kinds:
            raise InvalidArgumentError(
                f"kind must be 'artifact', 'execution' or 'context', got {kind!r}"
            )
        if options is not None:
            options = as_message(options, pb.ListOperationOptions, "options")
        if context_id is not None and kind == "context":
            raise InvalidArgumentError("context_id scopes artifacts and executions, not contexts")
        scope: tuple[str, int] | None = None
        if context_id is not None:
            scope = ("context", as_ints([context_id], "context_id")[0])
        elif type_id is not None:
            scope = ("type", as_ints([type_id], "type_id")[0])
        chosen = kinds[kind]
        return self._read(lambda tx: list_page(tx, chosen, options, scope))

    def _by_ids(self, kind: Kind, ids: Iterable[int], what: str) -> list[Any]:
        values = as_ints(ids, what)
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
        ids = as_ints(artifact_ids, "artifact_ids")

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


def _check_unchanged(tx: Tx, kind: Kind, messages: Sequence[Any], what: str) -> None:
    """FailedPreconditionError when a node to update changed since the caller read it."""
    from lineage.errors import FailedPreconditionError

    given = {int(m.id): (i, int(m.last_update_time_since_epoch)) for i, m in enumerate(messages)}
    given.pop(0, None)
    for stored in _nodes.get_nodes_by_ids(tx, kind, sorted(given)):
        i, seen = given[int(stored.id)]
        if int(stored.last_update_time_since_epoch) != seen:
            raise FailedPreconditionError(
                f"{what}[{i}] (id {stored.id}) changed since it was read: "
                f"last_update_time_since_epoch is {stored.last_update_time_since_epoch}, "
                f"the update expected {seen}"
            )


def _local_only(config: Any, what: str) -> None:
    """UnimplementedError for a schema change asked of a server (run it on its database)."""
    from lineage.errors import UnimplementedError
    from lineage.store._remote import is_remote

    if getattr(config, "is_remote", False) or is_remote(config):
        raise UnimplementedError(
            f"{what} changes the database's schema: run it against the database the metadata "
            "server uses (its SQLAlchemy URL), not through the server"
        )


def schema_version(config: Any) -> int | None:
    """The MLMD schema version of the database ``config`` names (None when it is empty).

    Opens the database without creating or changing anything.

    Raises:
        ConnectionFailedError: The database cannot be reached.
    """
    from lineage.store._remote import is_remote

    if is_remote(config):
        with MetadataStore(config) as store:
            return store.get_schema_version()
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
    _local_only(config, "downgrading the schema")
    backend = Backend(target_from(config))
    try:
        downgrade(backend, int(downgrade_to_schema_version))
    finally:
        backend.close()


def link_indexes(store: MetadataStore) -> dict[str, bool]:
    """The opt-in node-side indexes of Attribution and Association, and whether ``store`` has them.

    See :func:`optimize`.
    """
    if store.is_remote:
        return store.link_indexes()  # type: ignore[attr-defined, no-any-return]
    return _indexes.link_indexes(store._backend)


def optimize(store: MetadataStore, *, undo: bool = False) -> list[str]:
    """Add (or with ``undo``, drop) node-side indexes on Attribution and Association.

    ml-metadata's schema indexes these link tables by context only, so reading the contexts of
    given nodes (the default field mask of ``get_lineage_subgraph``, ``provenance``,
    ``impact``, deleting nodes) scans them whole, in ml-metadata and lineage alike. The two
    indexes (``idx_attribution_artifact_id``, ``idx_association_execution_id``) make those
    reads lookups. They are outside MLMD's schema, so lineage only adds them when asked;
    ml-metadata keeps opening, reading and writing the store. Idempotent.

    Returns:
        The names of the indexes created (or dropped); empty when nothing changed.
    """
    _local_only(store, "lineage db optimize")
    return _indexes.set_link_indexes(store._backend, not undo)
