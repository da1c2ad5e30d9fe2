"""Opening the store for recording, and the per-store caches that keep recording cheap.

A store named by location (argument, else ``LINEAGE_DB``, else ``./lineage.db``) is opened once
per process and location and reused by later runs; a SQLite file that was deleted or replaced
since is opened afresh. Type ids and the Environment artifact's id are cached per store object.
Types are registered with MLMD's system base types and ``can_add_fields`` /
``can_omit_fields``, so a type that exists already (with other properties) is used as it is.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

from lineage.errors import (
    AbortedError,
    AlreadyExistsError,
    ConfigurationError,
    InvalidArgumentError,
    LineageError,
    NotFoundError,
    UnimplementedError,
)
from lineage.proto import ArtifactType, ContextType, ExecutionType
from lineage.store import MetadataStore, resolve_db

__all__ = [
    "ARTIFACT_BASES",
    "EXECUTION_KINDS",
    "StoreLike",
    "TypeRequest",
    "artifact_base",
    "cache_for",
    "close_stores",
    "ensure_types",
    "execution_base",
    "in_transaction",
    "open_store",
]

T = TypeVar("T")

#: A write that lost a race to store the same content is tried this often.
WRITE_ATTEMPTS: Final = 3
#: A write that hit a lock conflict or a deadlock is tried this often.
ABORT_ATTEMPTS: Final = 5

StoreLike = Any
"""A ``MetadataStore`` (or an object with its API), a URL or path, or None for the default."""

#: Artifact type names (lower case) that get an MLMD system base type.
ARTIFACT_BASES: dict[str, int] = {
    "dataset": ArtifactType.DATASET,
    "model": ArtifactType.MODEL,
    "metrics": ArtifactType.METRICS,
    "statistics": ArtifactType.STATISTICS,
}

#: The ``kind=`` values of a run and the MLMD system base type each one gives its type.
EXECUTION_KINDS: dict[str, int] = {
    "train": ExecutionType.TRAIN,
    "transform": ExecutionType.TRANSFORM,
    "process": ExecutionType.PROCESS,
    "evaluate": ExecutionType.EVALUATE,
    "deploy": ExecutionType.DEPLOY,
}

# Words in a step name that suggest its kind when none is given (checked in this order).
_GUESSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("evaluate", ("eval", "test", "valid", "score", "metric", "benchmark")),
    ("train", ("train", "fit", "tune")),
    ("transform", ("transform", "preprocess", "prepare", "clean", "feature", "split")),
    ("deploy", ("deploy", "push", "serve", "publish", "release")),
)

TypeKind = Literal["artifact", "execution", "context"]


def artifact_base(type_name: str) -> int | None:
    """The MLMD base type for an artifact type name (``Model`` → MODEL), or None."""
    return ARTIFACT_BASES.get(type_name.lower())


def execution_base(name: str, kind: str | None) -> tuple[int, bool]:
    """The base type for a run's execution type and whether it was asked for explicitly.

    Raises:
        InvalidArgumentError: ``kind`` is not one of :data:`EXECUTION_KINDS`.
    """
    if kind is not None:
        if not isinstance(kind, str) or kind.lower() not in EXECUTION_KINDS:
            raise InvalidArgumentError(
                f"kind must be one of {', '.join(sorted(EXECUTION_KINDS))}, got {kind!r}"
            )
        return EXECUTION_KINDS[kind.lower()], True
    lowered = name.lower()
    for guess, words in _GUESSES:
        if any(word in lowered for word in words):
            return EXECUTION_KINDS[guess], False
    return ExecutionType.PROCESS, False


# ------------------------------------------------------------------------------ opening
@dataclass
class _Opened:
    store: MetadataStore
    file: tuple[int, int] | None  # (device, inode) of a SQLite file when opened


_opened: dict[tuple[int, str], _Opened] = {}
_open_lock = threading.Lock()


def _sqlite_path(location: str) -> str | None:
    if "://" in location:
        scheme, _, rest = location.partition("://")
        if scheme.split("+")[0] != "sqlite" or not rest.startswith("/"):
            return None
        path = rest[1:].split("?")[0]
        return path if path and path != ":memory:" else None
    if location in ("", ":memory:") or location.startswith("file:"):
        return None
    return location


def _file_id(path: str | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def open_store(store: StoreLike = None) -> Any:
    """The store to record into: ``store`` itself if it is one, else the one it names.

    Args:
        store: A ``MetadataStore``, a URL or SQLite path, or None for ``$LINEAGE_DB`` or
            ``./lineage.db``.

    Raises:
        ConfigurationError: The location is not a usable URL or path.
        ConnectionFailedError: The database cannot be opened. Both messages name the store.
    """
    if store is not None and not isinstance(store, (str, os.PathLike)):
        if not hasattr(store, "put_execution"):
            raise InvalidArgumentError(
                f"store must be a MetadataStore, a URL or a path, got {type(store).__name__}"
            )
        return store
    location = resolve_db(store)
    path = _sqlite_path(location)
    if path is not None:
        path = os.path.abspath(os.path.expanduser(path))
    key = (os.getpid(), path or location)
    with _open_lock:
        found = _opened.get(key)
        if found is not None:
            if found.file is None or _file_id(path) == found.file:
                return found.store
            del _opened[key]  # the file was deleted or replaced: do not write into the old one
            found.store.close()
        if path is not None:
            parent = os.path.dirname(path)
            if not os.path.isdir(parent):
                raise ConfigurationError(
                    f"cannot open the lineage store {location!r}: directory {parent!r} does not "
                    "exist"
                )
        try:
            opened = MetadataStore(location)
        except LineageError as exc:
            raise type(exc)(f"cannot open the lineage store {location!r}: {exc}") from exc
        _opened[key] = _Opened(store=opened, file=_file_id(path))
        return opened


def close_stores() -> None:
    """Close every store :func:`open_store` opened (and forget them)."""
    with _open_lock:
        items = list(_opened.values())
        _opened.clear()
    for item in items:
        with contextlib.suppress(Exception):  # closing at exit must never raise
            item.store.close()


atexit.register(close_stores)


def in_transaction(store: Any, write: Callable[[], T], attempts: int = WRITE_ATTEMPTS) -> T:
    """``write()``, whose store calls (reads and writes) run as one transaction of ``store``.

    The block is tried again from its start, its reads included, when it lost a race to
    store the same content (``AlreadyExistsError``, ``attempts`` tries in all) or hit a lock
    conflict or a deadlock (``AbortedError``, :data:`ABORT_ATTEMPTS` tries, with backoff).
    A store without transactions over several calls (a remote one, another object with the
    store's API) runs each call as its own transaction (each retried on conflicts), as before.

    Raises:
        AlreadyExistsError: The last attempt lost the race too.
        AbortedError: The last attempt hit a conflict too.
    """
    begin: Callable[[], contextlib.AbstractContextManager[Any]] | None = getattr(
        store, "transaction", None
    )
    joined = callable(begin)
    races = aborts = 0
    delay = 0.01
    while True:
        try:
            with contextlib.ExitStack() as stack:
                if joined and begin is not None:
                    try:
                        stack.enter_context(begin())
                    except UnimplementedError:  # a remote store: each call is one transaction
                        joined = False
                return write()
        except AlreadyExistsError:
            races += 1
            if races >= attempts:
                raise
        except AbortedError:
            aborts += 1
            if not joined or aborts >= ABORT_ATTEMPTS:
                raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 1.0)


# ------------------------------------------------------------------------------ caches
class StoreCache:
    """Ids lineage learnt about one store: types and environment artifacts."""

    def __init__(self) -> None:
        self.types: dict[tuple[str, str], tuple[int, int]] = {}  # → (id, base type)
        self.environments: dict[str, int] = {}
        self.lock = threading.Lock()


_caches: weakref.WeakKeyDictionary[Any, StoreCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_for(store: Any) -> StoreCache:
    """The cache of ``store`` (a fresh, unshared one if the store cannot be weakly referenced)."""
    with _caches_lock:
        try:
            found = _caches.get(store)
            if found is None:
                found = _caches[store] = StoreCache()
            return found
        except TypeError:
            return StoreCache()


def clear_caches() -> None:
    """Forget every cached id (tests; after a database was emptied under a live store)."""
    with _caches_lock:
        _caches.clear()


@dataclass(frozen=True)
class TypeRequest:
    """A type a recording needs.

    Attributes:
        kind: 'artifact', 'execution' or 'context'.
        name: The type name.
        base: The MLMD base type enum value to give it, if any.
        strict: Refuse an existing type whose base type differs (an explicit ``kind=``).
    """

    kind: TypeKind
    name: str
    base: int | None = None
    strict: bool = False


_MESSAGES: dict[TypeKind, Any] = {
    "artifact": ArtifactType,
    "execution": ExecutionType,
    "context": ContextType,
}


def _existing(store: Any, request: TypeRequest) -> Any | None:
    getter = getattr(store, f"get_{request.kind}_type")
    try:
        return getter(request.name)
    except NotFoundError:
        return None


def _base_name(message_cls: Any, value: int) -> str:
    return str(message_cls.SystemDefinedBaseType.Name(value))


def _needs_write(request: TypeRequest, found: tuple[int, int] | None) -> bool:
    """Whether ``request`` needs a write, given the stored (id, base type) if the type exists.

    Raises:
        InvalidArgumentError: A strict request for a type stored with another base type.
    """
    if found is None:
        return True
    if request.kind == "context" or request.base is None:
        return False
    stored_base = found[1]
    if not stored_base:
        return True  # MLMD lets a base type be set once on a type that has none
    if stored_base != request.base and request.strict:
        cls = _MESSAGES[request.kind]
        raise InvalidArgumentError(
            f"{request.kind} type {request.name!r} exists with base type "
            f"{_base_name(cls, stored_base)}; kind asks for {_base_name(cls, request.base)}"
        )
    return False  # another base type, not asked for explicitly: the stored type wins


def ensure_types(store: Any, requests: Iterable[TypeRequest]) -> dict[tuple[str, str], int]:
    """Make sure the requested types exist, with at most one write; return their ids.

    Types the cache knows cost nothing. Others are read; only missing types, or existing ones
    without a base type, are written (one ``put_types`` call).

    Raises:
        InvalidArgumentError: A strict request for an existing type of another base type.
    """
    cache = cache_for(store)
    wanted = list(dict.fromkeys(requests))
    with cache.lock:
        todo: list[TypeRequest] = []
        for request in wanted:
            key = (request.kind, request.name)
            if key not in cache.types:
                existing = _existing(store, request)
                if existing is not None:
                    base = existing.base_type if request.kind != "context" else 0
                    cache.types[key] = (int(existing.id), int(base))
            if _needs_write(request, cache.types.get(key)):
                todo.append(request)
        if todo:
            messages: dict[str, list[Any]] = {"artifact": [], "execution": [], "context": []}
            for request in todo:
                message = _MESSAGES[request.kind](name=request.name)
                if request.kind != "context" and request.base is not None:
                    message.base_type = request.base
                messages[request.kind].append(message)
            ids = store.put_types(
                artifact_types=messages["artifact"],
                execution_types=messages["execution"],
                context_types=messages["context"],
                can_add_fields=True,
                can_omit_fields=True,
            )
            for kind, kind_ids in zip(("artifact", "execution", "context"), ids, strict=True):
                done = [r for r in todo if r.kind == kind]
                for request, type_id in zip(done, kind_ids, strict=True):
                    cache.types[(kind, request.name)] = (int(type_id), int(request.base or 0))
        return {(r.kind, r.name): cache.types[(r.kind, r.name)][0] for r in wanted}
