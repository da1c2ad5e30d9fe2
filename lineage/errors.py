"""Errors raised by lineage, mirroring ``ml_metadata.errors``.

Every error lineage raises on purpose is a :class:`LineageError`. The store's errors carry an MLMD
status code and use MLMD's class names, so code written against ``ml_metadata.errors`` keeps
working when it switches to ``lineage.errors``::

    LineageError
    └── StatusError                      (.message, .error_code)
        ├── CancelledError               CANCELLED
        ├── UnknownError                 UNKNOWN
        ├── InvalidArgumentError         INVALID_ARGUMENT
        │   ├── FilterQueryError         a malformed ``filter_query`` (carries .position)
        │   └── ConfigurationError       a missing or invalid connection configuration
        ├── DeadlineExceededError        DEADLINE_EXCEEDED
        ├── NotFoundError                NOT_FOUND
        ├── AlreadyExistsError           ALREADY_EXISTS
        ├── PermissionDeniedError        PERMISSION_DENIED
        ├── ResourceExhaustedError       RESOURCE_EXHAUSTED
        ├── FailedPreconditionError      FAILED_PRECONDITION
        │   ├── DependentsError          a delete would break what depends on it
        │   └── SchemaVersionError       the database schema version does not fit this library
        ├── AbortedError                 ABORTED (retryable: lock conflicts, deadlocks)
        ├── OutOfRangeError              OUT_OF_RANGE
        ├── UnimplementedError           UNIMPLEMENTED
        ├── InternalError                INTERNAL
        ├── UnavailableError             UNAVAILABLE
        │   └── ConnectionFailedError    the database cannot be opened
        ├── DataLossError                DATA_LOSS
        └── UnauthenticatedError         UNAUTHENTICATED

When the ``ml_metadata`` package is importable, each class here is also a subclass of the
``ml_metadata.errors`` class with the same name, so ``except ml_metadata.errors.NotFoundError``
catches lineage's ``NotFoundError`` too.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from types import ModuleType
from typing import Any

__all__ = [
    "ABORTED",
    "ALREADY_EXISTS",
    "CANCELLED",
    "DATA_LOSS",
    "DEADLINE_EXCEEDED",
    "FAILED_PRECONDITION",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "OK",
    "OUT_OF_RANGE",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "UNAUTHENTICATED",
    "UNAVAILABLE",
    "UNIMPLEMENTED",
    "UNKNOWN",
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "ConfigurationError",
    "ConnectionFailedError",
    "DataLossError",
    "DeadlineExceededError",
    "DependentsError",
    "EventValidationError",
    "FailedPreconditionError",
    "FilterQueryError",
    "InternalError",
    "InvalidArgumentError",
    "LineageError",
    "NotFoundError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "SchemaVersionError",
    "StatusError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
    "exception_type_from_error_code",
    "make_exception",
]

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16

_log = logging.getLogger(__name__)


def _mlmd_errors() -> ModuleType | None:
    """Return Google's ``ml_metadata.errors`` when that package is installed, else None."""
    from lineage._upstream import google_ml_metadata_installed

    try:
        if not google_ml_metadata_installed():
            return None
        return importlib.import_module("ml_metadata.errors")
    except Exception:  # a broken ml_metadata install must not break lineage
        return None


_MLMD = _mlmd_errors()


def _mlmd_base(name: str) -> tuple[type, ...]:
    base = getattr(_MLMD, name, None) if _MLMD is not None else None
    return (base,) if isinstance(base, type) else ()


class LineageError(Exception):
    """Base class of every error lineage raises on purpose."""


class StatusError(LineageError, *_mlmd_base("StatusError")):  # type: ignore[misc]
    """An error with an MLMD status code.

    Args:
        message: What went wrong, naming the offending field and value.
        error_code: One of the status code constants of this module.
    """

    code: int = UNKNOWN

    def __init__(self, message: str, error_code: int | None = None) -> None:
        Exception.__init__(self, message)
        self.message = message
        self.error_code = self.code if error_code is None else error_code

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.error_code))


class CancelledError(StatusError, *_mlmd_base("CancelledError")):  # type: ignore[misc]
    """The operation was cancelled."""

    code = CANCELLED


class UnknownError(StatusError, *_mlmd_base("UnknownError")):  # type: ignore[misc]
    """An error of unknown kind."""

    code = UNKNOWN


class InvalidArgumentError(StatusError, *_mlmd_base("InvalidArgumentError")):  # type: ignore[misc]
    """The caller gave an invalid argument (a wrong field, value or query)."""

    code = INVALID_ARGUMENT


class DeadlineExceededError(StatusError, *_mlmd_base("DeadlineExceededError")):  # type: ignore[misc]
    """The operation did not finish in time."""

    code = DEADLINE_EXCEEDED


class NotFoundError(StatusError, *_mlmd_base("NotFoundError")):  # type: ignore[misc]
    """Something the caller named does not exist."""

    code = NOT_FOUND


class AlreadyExistsError(StatusError, *_mlmd_base("AlreadyExistsError")):  # type: ignore[misc]
    """Something the caller tried to create already exists."""

    code = ALREADY_EXISTS


class PermissionDeniedError(StatusError, *_mlmd_base("PermissionDeniedError")):  # type: ignore[misc]
    """The caller may not do this."""

    code = PERMISSION_DENIED


class ResourceExhaustedError(StatusError, *_mlmd_base("ResourceExhaustedError")):  # type: ignore[misc]
    """A resource (memory, quota, size limit) ran out."""

    code = RESOURCE_EXHAUSTED


class FailedPreconditionError(StatusError, *_mlmd_base("FailedPreconditionError")):  # type: ignore[misc]
    """The system is not in a state the operation needs."""

    code = FAILED_PRECONDITION


class AbortedError(StatusError, *_mlmd_base("AbortedError")):  # type: ignore[misc]
    """The operation was aborted by a conflict (lock, deadlock, race); retrying may succeed."""

    code = ABORTED


class OutOfRangeError(StatusError, *_mlmd_base("OutOfRangeError")):  # type: ignore[misc]
    """An index or value lies outside its valid range."""

    code = OUT_OF_RANGE


class UnimplementedError(StatusError, *_mlmd_base("UnimplementedError")):  # type: ignore[misc]
    """The operation is not supported."""

    code = UNIMPLEMENTED


class InternalError(StatusError, *_mlmd_base("InternalError")):  # type: ignore[misc]
    """An internal error, usually an unexpected database error."""

    code = INTERNAL


class UnavailableError(StatusError, *_mlmd_base("UnavailableError")):  # type: ignore[misc]
    """The database cannot be reached."""

    code = UNAVAILABLE


class DataLossError(StatusError, *_mlmd_base("DataLossError")):  # type: ignore[misc]
    """Data was lost or is corrupt."""

    code = DATA_LOSS


class UnauthenticatedError(StatusError, *_mlmd_base("UnauthenticatedError")):  # type: ignore[misc]
    """The caller could not be authenticated."""

    code = UNAUTHENTICATED


class FilterQueryError(InvalidArgumentError):
    """A ``filter_query`` that does not parse or does not type-check.

    Attributes:
        position: 0-based character offset of the problem in the query text.
    """

    def __init__(self, message: str, error_code: int | None = None, position: int = 0) -> None:
        super().__init__(message, error_code)
        self.position = position

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.error_code, self.position))


class EventValidationError(InvalidArgumentError):
    """An OpenLineage event that does not follow the OpenLineage schema.

    Attributes:
        field: The path of the offending field in the event, such as ``run.runId`` or
            ``inputs[0].facets.schema.fields[2].name`` (in a batch, prefixed ``[<index>].``).
    """

    def __init__(self, message: str, error_code: int | None = None, field: str = "") -> None:
        super().__init__(message, error_code)
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.error_code, self.field))


class DependentsError(FailedPreconditionError):
    """A delete would break what depends on the nodes or types; ``dependents`` names them."""

    def __init__(
        self,
        message: str,
        dependents: tuple[str, ...] | list[str] = (),
        error_code: int | None = None,
    ) -> None:
        super().__init__(message, error_code)
        self.dependents = tuple(dependents)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.dependents, self.error_code))


class SchemaVersionError(FailedPreconditionError, RuntimeError):
    """The database schema version does not fit this library (a RuntimeError, as in ml-metadata)."""


class ConfigurationError(InvalidArgumentError, RuntimeError):
    """The connection configuration is missing or invalid (a RuntimeError, as in ml-metadata)."""


class ConnectionFailedError(UnavailableError, RuntimeError):
    """The database could not be opened or reached (a RuntimeError, as in ml-metadata)."""


_BY_CODE: dict[int, type[StatusError]] = {
    CANCELLED: CancelledError,
    UNKNOWN: UnknownError,
    INVALID_ARGUMENT: InvalidArgumentError,
    DEADLINE_EXCEEDED: DeadlineExceededError,
    NOT_FOUND: NotFoundError,
    ALREADY_EXISTS: AlreadyExistsError,
    PERMISSION_DENIED: PermissionDeniedError,
    RESOURCE_EXHAUSTED: ResourceExhaustedError,
    FAILED_PRECONDITION: FailedPreconditionError,
    ABORTED: AbortedError,
    OUT_OF_RANGE: OutOfRangeError,
    UNIMPLEMENTED: UnimplementedError,
    INTERNAL: InternalError,
    UNAVAILABLE: UnavailableError,
    DATA_LOSS: DataLossError,
    UNAUTHENTICATED: UnauthenticatedError,
}


def exception_type_from_error_code(error_code: int) -> type[StatusError]:
    """Return the exception class for an MLMD status code (UnknownError for unknown codes)."""
    return _BY_CODE.get(error_code, UnknownError)


def make_exception(message: str, error_code: int) -> StatusError:
    """Build the exception for ``error_code`` carrying ``message``, as ml_metadata does."""
    cls = exception_type_from_error_code(error_code)
    if cls is InternalError:
        _log.warning("mlmd internal error: %s", message)
    return cls(message, error_code)
