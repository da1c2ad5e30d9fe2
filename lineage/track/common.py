"""Pieces shared by runs, pipeline runs and readers: data specs, checks, user, end state."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lineage import conventions as cv
from lineage.errors import InvalidArgumentError
from lineage.proto import Execution
from lineage.track.metrics import check_name
from lineage.track.records import Content
from lineage.track.sources import is_data_object

__all__ = [
    "MAX_NAME",
    "ArtifactRecord",
    "DataSpec",
    "PathLike",
    "Pending",
    "check_tags",
    "check_text",
    "data_specs",
    "end_state",
    "path_text",
    "user_name",
]

#: Longest type or step name (MLMD names are at most 255 characters).
MAX_NAME: Final = 200

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class ArtifactRecord:
    """An artifact a run linked, as recorded.

    Attributes:
        id: The artifact id.
        uri: Its path or URI.
        type: Its type name.
        direction: 'input' or 'output'.
        path: The event path, e.g. ``inputs[0]`` or ``model``.
        fingerprint: ``sha256:<hex>``, or None when not hashed.
        version: The artifact's version for its path.
        reused: True when the same content was stored before (no new artifact).
    """

    id: int
    uri: str
    type: str
    direction: str
    path: str
    fingerprint: str | None
    version: int | None
    reused: bool


@dataclass(frozen=True)
class DataSpec:
    """An input or output as given: its path or URI, event path, type, tags and note."""

    value: PathLike
    steps: tuple[str | int, ...]
    type_name: str
    tags: tuple[str, ...] = ()
    note: str | None = None


@dataclass
class Pending:
    """A data spec with its fingerprint, waiting to be written."""

    spec: DataSpec
    content: Content
    kind: int  # Event.INPUT or Event.OUTPUT


def path_text(steps: Sequence[str | int]) -> str:
    """An event path as text: ``inputs[0]``, ``model``."""
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else ("." if out else "") + step
    return out


def check_text(value: Any, what: str) -> str:
    """Return ``value`` if it is a usable name, else raise naming ``what``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{what} must be a non-empty string, got {value!r}")
    if len(value) > MAX_NAME or not value.isprintable():
        raise InvalidArgumentError(
            f"{what} {value[:40]!r} must be printable and at most {MAX_NAME} characters"
        )
    return value


def check_tags(tags: Any, what: str = "tags") -> tuple[str, ...]:
    """Tags given as one string or a collection, checked, without duplicates."""
    if tags is None:
        return ()
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, (list, tuple, set, frozenset)):
        raise InvalidArgumentError(f"{what} must be a list of strings, got {type(tags).__name__}")
    return tuple(dict.fromkeys(check_name(t, "tag") for t in tags))


def data_specs(value: Any, default_key: str, what: str) -> list[DataSpec]:
    """``inputs=`` / ``outputs=``: a path, a list of paths, or a mapping name → path(s)."""
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)) or is_data_object(value):
        value = [value]
    specs: list[DataSpec] = []
    if isinstance(value, Mapping):
        for name, item in value.items():
            key = check_text(name, f"{what} name")
            if isinstance(item, (list, tuple)):
                specs += [DataSpec(p, (key, i), cv.DATASET_TYPE) for i, p in enumerate(item)]
            else:
                specs.append(DataSpec(item, (key,), cv.DATASET_TYPE))
        return specs
    if isinstance(value, (list, tuple)):
        return [DataSpec(p, (default_key, i), cv.DATASET_TYPE) for i, p in enumerate(value)]
    raise InvalidArgumentError(
        f"{what} must be a path, a list of paths or a mapping of name to path, got "
        f"{type(value).__name__}"
    )


def user_name() -> str | None:
    """The current user's name, or None when the system cannot tell."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return None


def end_state(exc: BaseException | None) -> int:
    """The execution state a run ends in after its body raised ``exc`` (or nothing)."""
    if exc is None:
        return Execution.COMPLETE
    if isinstance(exc, SystemExit) and exc.code in (None, 0):
        return Execution.COMPLETE
    if isinstance(exc, (KeyboardInterrupt, GeneratorExit)):
        return Execution.CANCELED
    return Execution.FAILED
