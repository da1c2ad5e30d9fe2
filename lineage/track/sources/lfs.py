"""Git LFS: a file stored with Git LFS is recorded by its LFS oid (sha256) and size.

Two cases, neither reading the data:

- The file on disk is an LFS pointer (not checked out, or cloned with ``GIT_LFS_SKIP_SMUDGE``):
  its few lines name the oid and size.
- The file is checked out and ``.gitattributes`` routes it through ``filter=lfs``: its git index
  entry's blob is the pointer. The entry's recorded size, mtime and inode must match the file
  (git's own "unchanged" test, so an edited file is hashed instead) and the index must be newer
  than the file (git's racy-clean rule). Two ``git`` calls, no read of the file.

The oid is the sha256 of the content, so the artifact has the same identity lineage would have
computed by hashing the bytes: a file recorded through LFS and the same bytes recorded anywhere
else are one artifact.
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import Any

from lineage.track.hashing import Fingerprint
from lineage.track.source import git_env, git_output
from lineage.track.sources._files import cached_read, find_root, relative

__all__ = ["identify", "parse_pointer"]

SOURCE = "git-lfs"
POINTER_MAX = 1024
_SPEC = b"version https://git-lfs.github.com/spec/v1"
_OID = re.compile(rb"^oid sha256:([0-9a-f]{64})$", re.M)
_SIZE = re.compile(rb"^size (\d+)$", re.M)


def parse_pointer(data: bytes) -> tuple[str, int] | None:
    """(oid hex, size) of an LFS pointer file's bytes, or None when they are not one."""
    if len(data) >= POINTER_MAX or not data.startswith(_SPEC):
        return None
    oid, size = _OID.search(data), _SIZE.search(data)
    if oid is None or size is None:
        return None
    return oid.group(1).decode(), int(size.group(1))


def _uses_lfs(root: str, directory: str) -> bool:
    """True when an attributes file between ``directory`` and ``root`` mentions filter=lfs."""
    candidates = [os.path.join(root, ".git", "info", "attributes")]
    d = directory
    while True:
        candidates.append(os.path.join(d, ".gitattributes"))
        if d == root or os.path.dirname(d) == d:
            break
        d = os.path.dirname(d)
    return any(cached_read(c, "lfs-attrs", lambda b: b"filter=lfs" in b) for c in candidates)


def _index_entry(root: str, rel: str) -> dict[str, Any] | None:
    out = git_output(root, "ls-files", "-s", "--debug", "--", rel)
    if not out:
        return None
    lines = out.decode(errors="replace").splitlines()
    head = lines[0].split()
    if len(head) < 3:
        return None
    entry: dict[str, Any] = {"blob": head[1]}
    for line in lines[1:]:
        for key, value in re.findall(r"(\w+): (\S+)", line):
            entry[key] = value
    return entry


def _blob(root: str, sha: str) -> bytes | None:
    """The blob's bytes if it is small enough to be a pointer (one ``git cat-file`` call that
    stops after the header when the blob is larger)."""
    try:
        proc = subprocess.Popen(
            ["git", "-C", root, "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git_env(),
        )
    except OSError:
        return None
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        proc.stdin.write((sha + "\n").encode())
        proc.stdin.close()
        parts = proc.stdout.readline().split()
        if len(parts) < 3 or parts[1] != b"blob" or int(parts[2]) >= POINTER_MAX:
            return None
        return proc.stdout.read(int(parts[2]))
    except (OSError, ValueError):
        return None
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()


def _from_index(path: str, st: os.stat_result, root: str) -> tuple[str, int] | None:
    entry = _index_entry(root, relative(path, root))
    if entry is None:
        return None
    try:
        index_mtime = os.stat(os.path.join(root, ".git", "index")).st_mtime_ns
        mtime = entry["mtime"].split(":")
        entry_ns = int(mtime[0]) * 1_000_000_000 + int(mtime[1])
        unchanged = (
            int(entry["size"]) == st.st_size
            and entry_ns == st.st_mtime_ns
            and int(entry["ino"]) == st.st_ino
            and index_mtime > st.st_mtime_ns
        )
    except (OSError, KeyError, ValueError, IndexError):
        return None
    if not unchanged:
        return None
    data = _blob(root, entry["blob"])
    return parse_pointer(data) if data is not None else None


def identify(path: str, st: os.stat_result) -> Fingerprint | None:
    """The LFS version of the file at ``path``, or None when it is not an LFS file."""
    pointer = False
    found: tuple[str, int] | None = None
    if st.st_size < POINTER_MAX:
        try:
            with open(path, "rb") as fh:
                found = parse_pointer(fh.read(POINTER_MAX))
        except OSError:
            found = None
        pointer = found is not None
    root = find_root(os.path.dirname(path), ".git")
    if found is None:
        if root is None or not os.path.isdir(os.path.join(root, ".git")):
            return None
        if not _uses_lfs(root, os.path.dirname(path)):
            return None
        found = _from_index(path, st, root)
        if found is None:
            return None
    oid, size = found
    details: list[tuple[str, Any]] = [
        ("lfs.oid", "sha256:" + oid),
        ("lfs.size", size),
        ("lfs.pointer", pointer),
    ]
    if root is not None:
        details.append(("lfs.path", relative(path, root)))
    return Fingerprint(
        uri=path,
        digest="sha256:" + oid,
        size_bytes=size,
        file_count=1,
        source=SOURCE,
        details=tuple(details),
    )
