"""Delta Lake: a table is recorded with its table version and that version's commit info.

A directory with a ``_delta_log`` is a Delta table; its newest version is the highest numbered
JSON commit in the log, read without touching the data files (one small JSON read, plus the
first commit for the table id). A ``deltalake.DeltaTable`` object passed as an input is
recorded at the version it was loaded at, so reading version N records N. The identity is
``delta:<table id>@v<N>``; the artifact records ``delta.version``, ``delta.table_id``,
``delta.operation``, ``delta.timestamp`` (ms) and the commit's other fields as JSON text.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from lineage.track.hashing import Fingerprint
from lineage.track.sources._files import cached_read

__all__ = ["from_table", "identify_path"]

SOURCE = "delta"
LOG_DIR = "_delta_log"
_COMMIT = re.compile(r"^(\d{20})\.json$")


def _actions(data: bytes) -> list[dict[str, Any]]:
    out = []
    for line in data.splitlines():
        line = line.strip()
        if line:
            value = json.loads(line)
            if isinstance(value, dict):
                out.append(value)
    return out


def _commit(log: str, version: int) -> list[dict[str, Any]] | None:
    return cached_read(os.path.join(log, f"{version:020d}.json"), "delta-commit", _actions)


def _table_id(log: str, versions: list[int]) -> str | None:
    for version in sorted(versions, reverse=True):
        for action in _commit(log, version) or []:
            meta = action.get("metaData")
            if isinstance(meta, Mapping) and isinstance(meta.get("id"), str):
                return meta["id"]  # type: ignore[no-any-return]
    return None


def _fingerprint(
    uri: str, table_id: str | None, version: int, commit: Mapping[str, Any] | None
) -> Fingerprint:
    identity = table_id or uri
    details: list[tuple[str, Any]] = [("delta.version", version)]
    if table_id:
        details.append(("delta.table_id", table_id))
    if commit:
        if isinstance(commit.get("operation"), str):
            details.append(("delta.operation", commit["operation"]))
        if isinstance(commit.get("timestamp"), int):
            details.append(("delta.timestamp", commit["timestamp"]))
        rest = {k: v for k, v in commit.items() if k not in ("operation", "timestamp")}
        if rest:
            details.append(("delta.commit_info", json.dumps(rest, sort_keys=True, default=str)))
    name = os.path.basename(uri.rstrip("/")) or uri
    return Fingerprint(
        uri=uri,
        digest=f"delta:{identity}@v{version}",
        is_dir=True,
        source=SOURCE,
        details=tuple(details),
        label=f"{name}@v{version}",
    )


def identify_path(path: str) -> Fingerprint | None:
    """The newest version of the Delta table at ``path``, or None when it is not one."""
    log = os.path.join(path, LOG_DIR)
    try:
        names = os.listdir(log)
    except OSError:
        return None
    versions = [int(m.group(1)) for n in names for m in [_COMMIT.match(n)] if m]
    if not versions:
        return None
    latest = max(versions)
    commit = next((a["commitInfo"] for a in _commit(log, latest) or [] if "commitInfo" in a), None)
    return _fingerprint(path, _table_id(log, versions), latest, commit)


def from_table(table: Any) -> Fingerprint:
    """The version a ``deltalake.DeltaTable`` was loaded at, with that version's commit info."""
    version = int(table.version())
    uri = str(table.table_uri)
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    uri = uri.rstrip("/")
    table_id: str | None
    try:
        table_id = str(table.metadata().id)
    except Exception:  # a table without readable metadata still has a version
        table_id = None
    commit: dict[str, Any] | None = None
    try:
        for entry in table.history():
            if int(entry.get("version", -1)) == version:
                commit = {k: v for k, v in entry.items() if k != "version"}
                break
    except Exception:
        commit = None
    return _fingerprint(uri, table_id, version, commit)
