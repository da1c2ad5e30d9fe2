"""Small file helpers the sources share: finding a repository root, reading files by mtime."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["cached_read", "find_root", "relative"]

T = TypeVar("T")
_reads: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}
_lock = threading.Lock()


def find_root(start: str, marker: str) -> str | None:
    """The nearest directory at or above ``start`` that holds ``marker`` (``.dvc``, ``.git``).

    One ``stat`` per level (no cache: a repository created later in the process is found).
    """
    directory = start
    while True:
        if os.path.exists(os.path.join(directory, marker)):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def cached_read(path: str, kind: str, parse: Callable[[bytes], T]) -> T | None:
    """``parse(contents)`` of a file, cached by (size, mtime); None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = (st.st_size, st.st_mtime_ns)
    key = (path, kind)
    with _lock:
        hit = _reads.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[no-any-return]
    try:
        with open(path, "rb") as fh:
            value = parse(fh.read())
    except (OSError, ValueError):
        return None
    with _lock:
        _reads[key] = (stamp, value)
    return value


def relative(path: str, root: str) -> str:
    """``path`` relative to ``root``, with forward slashes."""
    return os.path.relpath(path, root).replace(os.sep, "/")


def clear() -> None:
    """Forget cached reads (tests; a repository created during the process)."""
    with _lock:
        _reads.clear()
