"""Content fingerprints of files, directories and URIs: streamed sha256 with an in-process cache.

A file's fingerprint is ``sha256:<hex>`` of its bytes, read in 1 MiB chunks. A directory's is a
tree hash: sha256 over ``lineage-tree-v1\\n`` followed by one ``<relative posix path>\\0<file
sha256 hex>\\n`` line per regular file, in sorted path order, so it depends on names and
contents but not on timestamps or the order the file system lists them in. Symbolic links are
followed (directory cycles are cut). A URI with a scheme (``s3://``, ``gs://``, ``http://``, ...)
is recorded as given and not hashed: lineage never touches the network.

File hashes are cached in-process by (path, size, mtime_ns, inode), so recording the same
unchanged file again costs one ``stat``. Hashing that takes longer than about a second shows a
progress bar (rich) on a terminal.

Example:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("hello")
    >>> print(fingerprint(folder / "a.txt").digest)
    sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
    >>> fingerprint(folder).file_count
    1
    >>> fingerprint("s3://bucket/data.csv").skipped
    'remote URI: not hashed (lineage does not access the network)'
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from lineage.errors import InvalidArgumentError

__all__ = [
    "CHUNK_SIZE",
    "REMOTE_SKIP",
    "SKIP_OFF",
    "Fingerprint",
    "clear_cache",
    "display_name",
    "fingerprint",
    "hash_bytes",
    "hash_file",
    "is_uri",
    "local_path",
]

#: Bytes read per step while hashing.
CHUNK_SIZE: Final = 1 << 20
#: Hashing that takes longer than this (seconds) shows a progress bar.
PROGRESS_AFTER: Final = 1.0
#: How many file hashes the in-process cache keeps.
CACHE_SIZE: Final = 200_000
#: Directories at least this large are hashed by several threads.
PARALLEL_MIN_BYTES: Final = 32 << 20

TREE_HEADER: Final = b"lineage-tree-v1\n"
REMOTE_SKIP: Final = "remote URI: not hashed (lineage does not access the network)"
SKIP_OFF: Final = "fingerprinting turned off"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")

_CacheKey = tuple[str, int, int, int]
_cache: OrderedDict[_CacheKey, str] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Fingerprint:
    """What lineage knows about the content at a path or URI.

    Attributes:
        uri: The absolute path (for local files and directories) or the URI as given.
        digest: ``sha256:<hex>``, or None when the content was not hashed.
        size_bytes: Total size in bytes (None for URIs).
        file_count: 1 for a file, the number of regular files for a directory (None for URIs).
        is_dir: True for a directory.
        skipped: Why the content was not hashed (None when it was).
        source: Where the version came from when lineage did not hash the bytes itself
            (``dvc``, ``git-lfs``, ``delta``, ``lakefs``, ``s3``, ``gcs``, ``huggingface``,
            ``memory``; see :mod:`lineage.track.sources`); None for lineage's own sha256.
        details: The source's own record of the version (property name, value) pairs, stored
            on the artifact (``dvc.hash``, ``lfs.oid``, ``delta.version``, ...).
        label: The artifact name to give new content (default ``<file name>@<12 hex>``).
    """

    uri: str
    digest: str | None
    size_bytes: int | None = None
    file_count: int | None = None
    is_dir: bool = False
    skipped: str | None = None
    source: str | None = None
    details: tuple[tuple[str, Any], ...] = ()
    label: str | None = None

    @property
    def short(self) -> str:
        """The digest cut to 12 hex digits (``sha256:3fa2b1c9d0e1``), or '' when not hashed."""
        return self.digest[:19] if self.digest else ""


def is_uri(value: str) -> bool:
    """True for text with a URI scheme (``s3://...``); ``file://`` URIs count as local paths."""
    return bool(_SCHEME.match(value)) and not value.lower().startswith("file://")


def clear_cache() -> None:
    """Forget every cached file hash."""
    with _cache_lock:
        _cache.clear()


def hash_bytes(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _cache_key(path: str, st: os.stat_result) -> _CacheKey:
    return (path, st.st_size, st.st_mtime_ns, st.st_ino)


def _cached(key: _CacheKey) -> str | None:
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
        return found


def _remember(key: _CacheKey, hexdigest: str) -> None:
    with _cache_lock:
        _cache[key] = hexdigest
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _read_error(what: str, path: str, exc: OSError) -> InvalidArgumentError:
    reason = exc.strerror or type(exc).__name__
    return InvalidArgumentError(f"{what} {path!r} cannot be read: {reason}")


def _hash_open_file(path: str, advance: Callable[[int], None] | None) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while True:
            n = f.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            if advance is not None:
                advance(n)
    return digest.hexdigest()


def _file_hex(
    path: str,
    st: os.stat_result,
    advance: Callable[[int], None] | None = None,
    what: str = "file",
) -> str:
    key = _cache_key(path, st)
    found = _cached(key)
    if found is not None:
        if advance is not None:
            advance(st.st_size)
        return found
    try:
        hexdigest = _hash_open_file(path, advance)
    except OSError as exc:
        raise _read_error(what, path, exc) from exc
    _remember(key, hexdigest)
    return hexdigest


def hash_file(path: str | os.PathLike[str]) -> str:
    """``sha256:<hex>`` of a file's content (cached by path, size, mtime and inode).

    Raises:
        InvalidArgumentError: The file does not exist or cannot be read.
    """
    text = os.path.abspath(os.fspath(path))
    try:
        st = os.stat(text)
    except OSError as exc:
        raise _missing_or_unreadable("file", text, exc) from exc
    return "sha256:" + _file_hex(text, st)


def _missing_or_unreadable(what: str, path: str, exc: OSError) -> InvalidArgumentError:
    if isinstance(exc, FileNotFoundError):
        return InvalidArgumentError(f"{what} {path!r} does not exist")
    return _read_error(what, path, exc)


# ------------------------------------------------------------------------------ progress
class _Progress:
    """Counts hashed bytes; shows a rich progress bar once hashing has taken a while."""

    def __init__(self, label: str, total: int, show: bool | None) -> None:
        self.label = label
        self.total = total
        self.show = _stderr_is_terminal() if show is None else show
        self.started = time.monotonic()
        self.done = 0
        self._bar: Any = None
        self._task: Any = None
        self._lock = threading.Lock()

    def advance(self, n: int) -> None:
        with self._lock:
            self.done += n
            if self._bar is None:
                if not self.show or time.monotonic() - self.started < PROGRESS_AFTER:
                    return
                self._start()
            self._bar.update(self._task, completed=self.done)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(stderr=True)
        self._bar = Progress(
            TextColumn("hashing {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=console.is_terminal,  # elsewhere (a log, a notebook) the final bar stays
        )
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=self.total, completed=self.done)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None


def _stderr_is_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


@contextmanager
def _progress(label: str, total: int, show: bool | None) -> Iterator[_Progress]:
    bar = _Progress(label, total, show)
    try:
        yield bar
    finally:
        bar.close()


# ------------------------------------------------------------------------------ directories
def _walk(root: str) -> list[tuple[str, str, os.stat_result]]:
    """Every regular file below ``root``: (posix relative path, absolute path, stat), sorted."""
    files: list[tuple[str, str, os.stat_result]] = []
    seen: set[tuple[int, int]] = set()

    def onerror(exc: OSError) -> None:
        raise _read_error("directory", str(exc.filename or root), exc) from exc

    for current, dirnames, filenames in os.walk(root, followlinks=True, onerror=onerror):
        st_dir = os.stat(current)
        key = (st_dir.st_dev, st_dir.st_ino)
        if key in seen:  # a symlink cycle: do not descend again
            dirnames[:] = []
            continue
        seen.add(key)
        dirnames.sort()
        for name in filenames:
            full = os.path.join(current, name)
            try:
                st = os.stat(full)
            except FileNotFoundError:  # a dangling symlink: no content to hash
                continue
            except OSError as exc:
                raise _read_error("file", full, exc) from exc
            if stat.S_ISREG(st.st_mode):
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                files.append((rel, full, st))
    files.sort(key=lambda item: item[0].encode("utf-8", "surrogateescape"))
    return files


def _hash_tree(root: str, show: bool | None) -> Fingerprint:
    files = _walk(root)
    total = sum(st.st_size for _, _, st in files)
    with _progress(os.path.basename(root) or root, total, show) as bar:
        if total >= PARALLEL_MIN_BYTES and len(files) > 1:
            workers = min(8, os.cpu_count() or 1)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                hexes = list(pool.map(lambda f: _file_hex(f[1], f[2], bar.advance), files))
        else:
            hexes = [_file_hex(full, st, bar.advance) for _, full, st in files]
    tree = hashlib.sha256(TREE_HEADER)
    for (rel, _, _), hexdigest in zip(files, hexes, strict=True):
        tree.update(rel.encode("utf-8", "surrogateescape") + b"\0" + hexdigest.encode() + b"\n")
    return Fingerprint(
        uri=root,
        digest="sha256:" + tree.hexdigest(),
        size_bytes=total,
        file_count=len(files),
        is_dir=True,
    )


# ------------------------------------------------------------------------------ entry point
def local_path(value: str | os.PathLike[str]) -> str | None:
    """The absolute path that ``value`` names, or None when it is a URI with a scheme."""
    text = os.fspath(value)
    if text.lower().startswith("file://"):
        text = text[len("file://") :]
    elif is_uri(text):
        return None
    return os.path.abspath(os.path.expanduser(text))


def fingerprint(
    value: str | os.PathLike[str],
    *,
    hash_content: bool = True,
    progress: bool | None = None,
    what: str = "path",
) -> Fingerprint:
    """Fingerprint a file, a directory or a URI.

    Args:
        value: A local path (``file://`` URIs count as paths) or a URI with a scheme.
        hash_content: False to only check the path and record it, without reading the content.
        progress: True to show a progress bar when hashing is slow, False never; None (the
            default) shows it only when stderr is a terminal.
        what: How errors name the item (``input``, ``output``, ...).

    Returns:
        The :class:`Fingerprint`.

    Raises:
        InvalidArgumentError: The path does not exist, is not a file or directory, or cannot be
            read. The message names the path.
    """
    if not isinstance(value, (str, os.PathLike)):
        raise InvalidArgumentError(
            f"{what} must be a path or URI string, got {type(value).__name__}: {value!r}"
        )
    text = os.fspath(value)
    if not isinstance(text, str) or not text:
        raise InvalidArgumentError(f"{what} must be a non-empty path or URI, got {value!r}")
    path = local_path(text)
    if path is None:
        return Fingerprint(uri=text, digest=None, skipped=REMOTE_SKIP)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _missing_or_unreadable(what, path, exc) from exc
    if stat.S_ISDIR(st.st_mode):
        if not os.access(path, os.R_OK | os.X_OK):
            raise InvalidArgumentError(f"{what} {path!r} cannot be read: Permission denied")
        if not hash_content:
            return Fingerprint(uri=path, digest=None, is_dir=True, skipped=SKIP_OFF)
        return _hash_tree(path, progress)
    if not stat.S_ISREG(st.st_mode):
        raise InvalidArgumentError(f"{what} {path!r} is neither a regular file nor a directory")
    if not os.access(path, os.R_OK):
        raise InvalidArgumentError(f"{what} {path!r} cannot be read: Permission denied")
    if not hash_content:
        return Fingerprint(uri=path, digest=None, size_bytes=st.st_size, skipped=SKIP_OFF)
    with _progress(os.path.basename(path), st.st_size, progress) as bar:
        hexdigest = _file_hex(path, st, bar.advance, what)
    return Fingerprint(uri=path, digest="sha256:" + hexdigest, size_bytes=st.st_size, file_count=1)


def display_name(fp: Fingerprint) -> str:
    """The artifact name lineage gives hashed content: ``<file name>@<12 hex digits>``."""
    if fp.label:
        return fp.label
    base = Path(fp.uri.rstrip("/")).name or fp.uri
    if not fp.digest:
        return base
    hexpart = fp.digest.split(":", 1)[-1]
    return f"{base}@{hexpart[:12]}"
