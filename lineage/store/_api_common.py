"""The plumbing the ``MetadataStore`` method groups share: argument checks and transactions."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from lineage.errors import AbortedError, InvalidArgumentError
from lineage.store._backend import Backend, Tx
from lineage.store._config import Target
from lineage.store._kinds import Kind
from lineage.store._listing import check_options, list_nodes

__all__ = ["ExtraOptions", "StoreBase"]

T = TypeVar("T")
_log = logging.getLogger("lineage.store")


class ExtraOptions:
    """Accepted for signature compatibility with ml-metadata; it has no effect."""

    def __init__(self, euc: Any = None) -> None:
        self.euc = euc


def as_ints(values: Iterable[Any], what: str) -> list[int]:
    """The values as ints; InvalidArgumentError naming ``what[i]`` for anything else."""
    out = []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgumentError(f"{what}[{i}] must be an integer id, got {value!r}")
        out.append(int(value))
    return out


def as_messages(values: Iterable[Any], cls: Any, what: str) -> list[Any]:
    """The values as a list of ``cls`` messages; InvalidArgumentError naming the bad item."""
    if isinstance(values, (str, bytes)):
        raise InvalidArgumentError(f"{what} must be a list of {cls.DESCRIPTOR.full_name}")
    out = list(values)
    full_name = cls.DESCRIPTOR.full_name
    for i, value in enumerate(out):
        descriptor = getattr(value, "DESCRIPTOR", None)
        if getattr(descriptor, "full_name", None) != full_name:
            raise InvalidArgumentError(
                f"{what}[{i}] must be an {full_name}, got {type(value).__name__}"
            )
    return out


def as_message(value: Any, cls: Any, what: str) -> Any:
    """One ``cls`` message; InvalidArgumentError naming ``what`` for anything else."""
    if value is None:
        raise InvalidArgumentError(f"{what} must be an {cls.DESCRIPTOR.full_name}, got None")
    return as_messages([value], cls, what)[0]


class StoreBase:
    """Holds the backend and runs each public call as one retried transaction."""

    _backend: Backend
    _target: Target
    _max_num_retries: int

    @contextmanager
    def transaction(self, locks: Iterable[str] = ()) -> Iterator[None]:
        """Run several store calls as one write transaction (beyond MLMD).

        Inside the block every call of this store, on this thread, joins the same transaction;
        it commits when the block ends and rolls back everything when it raises. Calls are not
        retried inside: on an ``AbortedError`` retry the whole block.

        Args:
            locks: Names of application locks to hold until the transaction ends, so that
                writers naming the same lock (in any process) queue instead of interleaving a
                read-modify-write. They are taken in sorted order (no lock-order deadlock).
                PostgreSQL: transaction-scoped advisory locks; MySQL: ``GET_LOCK`` (names up
                to 64 characters); SQLite: nothing more is needed, writers are serialized.

        Example:
            >>> store = lineage.MetadataStore("sqlite://")
            >>> with store.transaction():
            ...     t = store.put_artifact_type(proto.ArtifactType(name="Dataset"))
            ...     _ = store.put_artifacts([proto.Artifact(type_id=t, uri="/a")])
            >>> len(store.get_artifacts())
            1
        """
        local = self._tx_local()
        names = sorted(set(locks))
        joined = getattr(local, "tx", None)
        if joined is not None:
            for name in names:
                joined.named_lock(name)
            yield  # already inside a transaction: join it
            return
        with self._backend.transaction(write=True) as tx:
            for name in names:
                tx.named_lock(name)
            local.tx = tx
            try:
                yield
            finally:
                local.tx = None

    def _tx_local(self) -> threading.local:
        local: threading.local | None = self.__dict__.get("_store_tx_local")
        if local is None:
            local = self.__dict__.setdefault("_store_tx_local", threading.local())
        return local

    def _call(self, write: bool, fn: Callable[[Tx], T]) -> T:
        joined = getattr(self._tx_local(), "tx", None)
        if joined is not None:
            return fn(joined)
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

    def _list(
        self, kind: Kind, list_options: Any, scope: tuple[str, int] | None = None
    ) -> list[Any]:
        check_options(list_options)
        return self._read(lambda tx: list_nodes(tx, kind, list_options, scope))
