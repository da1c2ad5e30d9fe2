"""``MetadataStore`` methods that delete (beyond MLMD, which has no delete API)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lineage.errors import InvalidArgumentError
from lineage.store._api_common import StoreBase, as_ints
from lineage.store._backend import Tx
from lineage.store._delete import Deleted, delete_nodes, delete_types
from lineage.store._erase import clear_names, compact, tombstone
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION, SIMPLE_TYPE_NAMES, Kind
from lineage.store._types import get_types_by_id

__all__ = ["DeleteMethods"]


class DeleteMethods(StoreBase):
    """Delete nodes and types in one transaction, refusing to break what depends on them."""

    def delete_artifacts(
        self, artifact_ids: Iterable[int], cascade: bool = False, detach: bool = False
    ) -> Deleted:
        """Delete artifacts with their properties, events, event paths and attributions.

        Args:
            artifact_ids: The artifacts to delete.
            cascade: Also delete everything downstream of them (executions that read them,
                what those produced, ...). Without it, an artifact that an execution read is
                refused.
            detach: Delete them even so, with the events that tie them to their readers (which
                stay, disconnected from their inputs).

        Raises:
            NotFoundError: An id names no artifact.
            DependentsError: Executions read them and ``cascade`` is False (nothing is deleted;
                the message names the dependents).
        """
        ids = as_ints(artifact_ids, "artifact_ids")
        return self._write(
            lambda tx: delete_nodes(tx, artifacts=ids, cascade=cascade, detach=detach)
        )

    def delete_executions(self, execution_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete executions with their properties, events and associations.

        An execution whose output artifacts exist is refused unless ``cascade``, which also
        deletes its outputs and everything downstream of them.
        """
        ids = as_ints(execution_ids, "execution_ids")
        return self._write(lambda tx: delete_nodes(tx, executions=ids, cascade=cascade))

    def delete_contexts(self, context_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete contexts with their properties, attributions, associations and parent links.

        The artifacts and executions in them stay. A context with child contexts is refused
        unless ``cascade``, which deletes the child contexts (recursively) too.
        """
        ids = as_ints(context_ids, "context_ids")
        return self._write(lambda tx: delete_nodes(tx, contexts=ids, cascade=cascade))

    def _delete_types(self, kind: Kind, type_ids: Iterable[int], cascade: bool) -> Deleted:
        ids = as_ints(type_ids, "type_ids")

        def run(tx: Tx) -> Deleted:
            for t in get_types_by_id(tx, kind.types, ids):
                if t.name in SIMPLE_TYPE_NAMES:
                    raise InvalidArgumentError(
                        f"type {t.id} ({t.name}) is built in and cannot be deleted"
                    )
            return delete_types(tx, kind.types, kind, ids, cascade=cascade)

        return self._write(run)

    def delete_artifact_types(self, type_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete artifact types; a type with artifacts is refused unless ``cascade``."""
        return self._delete_types(ARTIFACT, type_ids, cascade)

    def delete_execution_types(self, type_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete execution types; a type with executions is refused unless ``cascade``."""
        return self._delete_types(EXECUTION, type_ids, cascade)

    def delete_context_types(self, type_ids: Iterable[int], cascade: bool = False) -> Deleted:
        """Delete context types; a type with contexts is refused unless ``cascade``."""
        return self._delete_types(CONTEXT, type_ids, cascade)

    def tombstone_artifacts(
        self,
        artifact_ids: Iterable[int],
        *,
        scrub_names: Iterable[int] = (),
        marker: Mapping[str, Any] | None = None,
        keep: Mapping[int, Iterable[str]] | None = None,
    ) -> dict[int, str]:
        """Erase what identifies artifacts but keep them (and their events) in the graph.

        The URI becomes '', the external id and all properties go, the state becomes DELETED;
        names go for the ids in ``scrub_names``; ``marker`` custom properties (name →
        ``ml_metadata.Value``) are written instead; ``keep`` (artifact id → custom property
        names) keeps some properties as they are. On SQLite the rows are rewritten with
        ``secure_delete`` on; call :meth:`compact` afterwards to clear the WAL and free pages.

        Returns:
            Artifact id → ``sha256:...`` of what was removed (a commitment for receipts).
        """
        ids = as_ints(artifact_ids, "artifact_ids")
        names = set(as_ints(scrub_names, "scrub_names"))
        values = dict(marker or {})
        kept = {int(k): [str(n) for n in v] for k, v in (keep or {}).items()}
        return self._write(
            lambda tx: tombstone(tx, ids, scrub_names=names, marker=values, keep=kept)
        )

    def clear_names(self, *, executions: Iterable[int] = (), contexts: Iterable[int] = ()) -> None:
        """Remove names that identify people (executions: none; contexts: ``erased-<id>``).

        MLMD never renames executions; this does, for erasure.
        """
        x_ids = as_ints(executions, "executions")
        c_ids = as_ints(contexts, "contexts")

        def run(tx: Tx) -> None:
            clear_names(tx, EXECUTION, x_ids)
            clear_names(tx, CONTEXT, c_ids)

        self._write(run)

    def compact(self) -> None:
        """Checkpoint and vacuum the database so removed data leaves its files (see docs)."""
        compact(self._backend)
