"""DVC: an input tracked by DVC is recorded with DVC's own hash, size, remote and stage.

A path is DVC-tracked when ``<path>.dvc`` exists (``dvc add``), when the path given is that
``.dvc`` file, or when a ``dvc.lock`` between the path and the DVC repository root (the
directory holding ``.dvc/``) lists it as a stage output (or, failing that, a dependency).
Nothing of the data is read: the artifact's identity is ``md5:<hex>`` (``md5:<hex>.dir`` for a
directory), DVC's own content hash, so ``dvc add`` of changed data is a new artifact version and
the same DVC version recorded twice is one artifact. The recorded size is checked against the
file on disk (a ``stat``): data edited after ``dvc add`` with a different size is hashed by
lineage instead, and a tracked path that is not checked out is still recorded, from DVC's
record alone. The remote's URL is recorded without credentials, and no other remote option.
"""

from __future__ import annotations

import configparser
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from lineage.track.hashing import Fingerprint
from lineage.track.source import strip_credentials
from lineage.track.sources._files import cached_read, find_root, relative

__all__ = ["DvcOut", "identify", "load_lock", "lookup", "out_fingerprint", "remote_url"]

SOURCE = "dvc"
_HASH_NAMES = ("md5", "etag", "checksum")


@dataclass(frozen=True)
class DvcOut:
    """What DVC records about one tracked path.

    Attributes:
        path: The absolute path.
        hash_name: ``md5`` (or ``etag`` / ``checksum`` for imports from clouds).
        hash: The hash value (``<hex>`` or ``<hex>.dir``).
        size: Bytes, when recorded.
        nfiles: Files in a tracked directory, when recorded.
        file: The ``.dvc`` or ``dvc.lock`` file it comes from (relative to the repository).
        stage: The ``dvc.lock`` stage (None for a ``.dvc`` file).
        role: ``out`` or ``dep``.
        remote: The remote's name (the out's own, else the default).
        repo: The DVC repository root.
    """

    path: str
    hash_name: str
    hash: str
    size: int | None
    nfiles: int | None
    file: str
    stage: str | None
    role: str
    remote: str | None
    repo: str


def _yaml(data: bytes) -> Any:
    try:
        return yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc


def _entry_hash(entry: Mapping[str, Any]) -> tuple[str, str] | None:
    for name in _HASH_NAMES:
        value = entry.get(name)
        if isinstance(value, str) and value:
            return name, value
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _out(
    entry: Mapping[str, Any],
    base: str,
    file: str,
    stage: str | None,
    role: str,
    root: str,
) -> DvcOut | None:
    found = _entry_hash(entry)
    path = entry.get("path")
    if found is None or not isinstance(path, str):
        return None
    return DvcOut(
        path=os.path.normpath(os.path.join(base, path)),
        hash_name=found[0],
        hash=found[1],
        size=_int(entry.get("size")),
        nfiles=_int(entry.get("nfiles")),
        file=relative(file, root),
        stage=stage,
        role=role,
        remote=entry.get("remote") if isinstance(entry.get("remote"), str) else None,
        repo=root,
    )


def _from_dvc_file(dvc_file: str, root: str) -> list[DvcOut]:
    data = cached_read(dvc_file, "dvc-file", _yaml)
    if not isinstance(data, Mapping):
        return []
    base = os.path.dirname(dvc_file)
    outs = data.get("outs") or []
    return [
        o
        for e in outs
        if isinstance(e, Mapping)
        for o in [_out(e, base, dvc_file, None, "out", root)]
        if o is not None
    ]


def load_lock(lock_file: str, root: str | None = None) -> dict[str, dict[str, Any]]:
    """The stages of a ``dvc.lock``: name → ``{"cmd", "deps": [DvcOut], "outs": [DvcOut],
    "params"}`` (empty when the file is missing or not a lock file)."""
    data = cached_read(lock_file, "dvc-lock", _yaml)
    root = root or find_root(os.path.dirname(lock_file), ".dvc") or os.path.dirname(lock_file)
    if not isinstance(data, Mapping) or not isinstance(data.get("stages"), Mapping):
        return {}
    base = os.path.dirname(lock_file)
    stages: dict[str, dict[str, Any]] = {}
    for name, stage in data["stages"].items():
        if not isinstance(stage, Mapping):
            continue
        entry: dict[str, Any] = {"cmd": stage.get("cmd"), "params": stage.get("params") or {}}
        for role, key in (("dep", "deps"), ("out", "outs")):
            items = stage.get(key) or []
            entry[key] = [
                o
                for e in items
                if isinstance(e, Mapping)
                for o in [_out(e, base, lock_file, str(name), role, root)]
                if o is not None
            ]
        stages[str(name)] = entry
    return stages


def lookup(path: str) -> DvcOut | None:
    """DVC's record of ``path`` (absolute), or None when DVC does not track it."""
    if path.endswith(".dvc") and os.path.isfile(path):
        root = find_root(os.path.dirname(path), ".dvc")
        outs = _from_dvc_file(path, root or os.path.dirname(path))
        return outs[0] if len(outs) == 1 else None
    root = find_root(os.path.dirname(path), ".dvc")
    if root is None:
        return None
    sidecar = path + ".dvc"
    if os.path.isfile(sidecar):
        for out in _from_dvc_file(sidecar, root):
            if out.path == path:
                return out
    dep: DvcOut | None = None
    directory = os.path.dirname(path)
    while True:
        lock = os.path.join(directory, "dvc.lock")
        if os.path.isfile(lock):
            for stage in load_lock(lock, root).values():
                for out in stage["outs"]:
                    if out.path == path:
                        return out  # type: ignore[no-any-return]
                for d in stage["deps"]:
                    if d.path == path and dep is None:
                        dep = d
        if directory == root or os.path.dirname(directory) == directory:
            break
        directory = os.path.dirname(directory)
    return dep


def _config(root: str) -> dict[str, dict[str, str]]:
    """``.dvc/config`` then ``.dvc/config.local``: section → options (DVC's INI dialect)."""
    merged: dict[str, dict[str, str]] = {}
    for name in ("config", "config.local"):
        text = cached_read(os.path.join(root, ".dvc", name), "dvc-config", bytes.decode)
        if not text:
            continue
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(text)
        except configparser.Error:
            continue
        for section in parser.sections():
            clean = re.sub(r"^'(.*)'$", r"\1", section.strip())
            merged.setdefault(clean, {}).update(parser[section])
    return merged


def remote_url(root: str, name: str | None) -> tuple[str | None, str | None]:
    """(remote name, URL without credentials) for ``name``, else the default remote."""
    config = _config(root)
    name = name or config.get("core", {}).get("remote")
    if not name:
        return None, None
    url = config.get(f'remote "{name}"', {}).get("url")
    return name, (strip_credentials(url, query=False) if url else None)


def _tree(path: str) -> tuple[int, int]:
    total = count = 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d != ".dvc"]
        for f in filenames:
            try:
                st = os.stat(os.path.join(dirpath, f))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
                count += 1
    return total, count


def identify(path: str, st: os.stat_result | None) -> Fingerprint | None:
    """The DVC version of ``path``, or None when DVC does not track it (or the data on disk no
    longer has the size DVC recorded: then lineage hashes it)."""
    out = lookup(path)
    if out is None:
        return None
    target = out.path
    if target != path:  # the .dvc file itself was given
        try:
            st = os.stat(target)
        except OSError:
            st = None
    is_dir = out.hash.endswith(".dir") or (st is not None and stat.S_ISDIR(st.st_mode))
    if st is not None and out.size is not None:
        if is_dir:
            size, count = _tree(target)
            if size != out.size or (out.nfiles is not None and count != out.nfiles):
                return None
        elif st.st_size != out.size:
            return None
    return out_fingerprint(out, checked_out=st is not None)


def out_fingerprint(out: DvcOut, *, checked_out: bool | None = None) -> Fingerprint:
    """The :class:`Fingerprint` of DVC's record ``out`` as it stands, without looking at the
    data (``checked_out``: whether the path exists, when known)."""
    if checked_out is None:
        checked_out = os.path.exists(out.path)
    is_dir = out.hash.endswith(".dir")
    remote, url = remote_url(out.repo, out.remote)
    details: list[tuple[str, Any]] = [
        ("dvc.hash_name", out.hash_name),
        ("dvc.hash", out.hash),
        ("dvc.file", out.file),
        ("dvc.repo", out.repo),
        ("dvc.checked_out", checked_out),
    ]
    if out.size is not None:
        details.append(("dvc.size", out.size))
    if out.nfiles is not None:
        details.append(("dvc.nfiles", out.nfiles))
    if out.stage is not None:
        details += [("dvc.stage", out.stage), ("dvc.role", out.role)]
    if remote:
        details.append(("dvc.remote", remote))
    if url:
        details.append(("dvc.remote_url", url))
    base = os.path.basename(out.path.rstrip("/"))
    return Fingerprint(
        uri=out.path,
        digest=f"{out.hash_name}:{out.hash}",
        size_bytes=out.size,
        file_count=out.nfiles if is_dir else 1,
        is_dir=is_dir,
        source=SOURCE,
        details=tuple(details),
        label=f"{base}@{out.hash[:12]}",
    )
