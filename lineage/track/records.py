"""Building the MLMD messages of a run, and finding the stored artifacts it can reuse.

Everything here follows :mod:`lineage.conventions`. Values go into custom properties with their
natural kind: booleans as ``bool_value``, integers as ``int_value``, reals as ``double_value``, text
as ``string_value`` and trees as ``struct_value``. Integers outside the signed 32-bit range (times
in milliseconds, large sizes) are stored as ``double_value`` (exact up to 2**53, else as text):
databases that ml-metadata created on MySQL and PostgreSQL keep ``int_value`` in a 32-bit column.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lineage import conventions as cv
from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.proto import Artifact, Event, Value
from lineage.track.environment import Environment
from lineage.track.hashing import Fingerprint, display_name
from lineage.track.metrics import Series, pack_series, unpack_series

__all__ = [
    "Content",
    "Resolution",
    "add_note",
    "artifact_version",
    "config_artifact",
    "data_artifact",
    "environment_artifact",
    "event",
    "int_value",
    "keep_marks",
    "metrics_artifact",
    "now_ms",
    "read_notes",
    "resolve",
    "set_tags",
    "set_value",
]

_INT32 = (-(2**31), 2**31 - 1)
_EXACT = 2**53

Step = str | int


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def set_value(target: Value, value: Any) -> None:
    """Store a Python value in an MLMD ``Value`` (bool, int, float, str or a JSON-like dict)."""
    if isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int):
        if _INT32[0] <= value <= _INT32[1]:
            target.int_value = value
        elif abs(value) <= _EXACT:
            target.double_value = float(value)
        else:
            target.string_value = str(value)
    elif isinstance(value, float):
        target.double_value = value
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, Mapping):
        target.struct_value.Clear()
        target.struct_value.update(dict(value))
    else:  # pragma: no cover - callers normalize values first
        raise TypeError(f"cannot store a {type(value).__name__} in an MLMD Value")


def set_struct_blob(target: Any, value: Mapping[str, Any]) -> None:
    """Store a mapping as a ``google.protobuf.Struct`` packed in ``proto_value``.

    For values that grow without bound (an environment's package list): ml-metadata's
    PostgreSQL schema indexes ``string_value`` (where ``struct_value`` is kept) in full, and an
    index entry holds at most 2,704 bytes, while ``proto_value`` is not indexed.
    """
    from google.protobuf.struct_pb2 import Struct

    message = Struct()
    message.update(dict(value))
    target.proto_value.Pack(message)


def int_value(value: Any) -> int:
    """An integer stored by :func:`set_value` (as ``int_value``, ``double_value`` or text)."""
    which = value.WhichOneof("value")
    if which == "string_value":
        try:
            return int(value.string_value)
        except ValueError:
            return 0
    return int(getattr(value, which)) if which in ("int_value", "double_value") else 0


def event(kind: int, steps: Sequence[Step], when: int | None = None) -> Any:
    """An ``Event`` of ``kind`` with a path of key (str) and index (int) steps."""
    message = Event(type=kind)  # type: ignore[arg-type]
    for step in steps:
        if isinstance(step, int):
            message.path.steps.add().index = step
        else:
            message.path.steps.add().key = step
    if when is not None:
        message.milliseconds_since_epoch = when
    return message


# ------------------------------------------------------------------------------ notes and tags
def read_notes(node: Any) -> list[dict[str, Any]]:
    """The notes of a node, oldest first (``[]`` when it has none)."""
    if cv.NOTES not in node.custom_properties:
        return []
    value = node.custom_properties[cv.NOTES]
    if value.WhichOneof("value") != "struct_value":
        return []
    notes = value.struct_value.fields.get("notes")
    if notes is None:
        return []
    out: list[dict[str, Any]] = []
    for item in notes.list_value.values:
        if item.WhichOneof("kind") != "struct_value":
            continue
        fields = item.struct_value.fields
        out.append(
            {
                "text": fields["text"].string_value if "text" in fields else "",
                "time": int(fields["time"].number_value) if "time" in fields else 0,
                "user": fields["user"].string_value if "user" in fields else "",
            }
        )
    return out


def add_note(node: Any, notes: Iterable[Mapping[str, Any]]) -> None:
    """Append notes (``{"text", "time", "user"}``) to the node's ``lineage.notes``."""
    merged = read_notes(node) + [dict(n) for n in notes]
    set_value(node.custom_properties[cv.NOTES], {"notes": merged})


def keep_marks(node: Any, stored: Sequence[Any], new_notes: Sequence[Mapping[str, Any]]) -> None:
    """Copy onto ``node`` the tags of its ``stored`` version (``[]`` or ``[node as stored]``)
    that ``node`` does not set, and its stored notes followed by ``new_notes``."""
    if not stored:
        return
    props = node.custom_properties
    for key, value in stored[0].custom_properties.items():
        if key.startswith(cv.TAG_PREFIX) and key not in props:
            props[key].CopyFrom(value)
    stored_notes = read_notes(stored[0])
    if stored_notes or new_notes:
        set_value(props[cv.NOTES], {"notes": stored_notes + [dict(n) for n in new_notes]})


def set_tags(node: Any, tags: Iterable[str]) -> None:
    """Set ``tag.<name>`` = true on a node for each tag."""
    for tag in tags:
        node.custom_properties[cv.TAG_PREFIX + tag].bool_value = True


# ------------------------------------------------------------------------------ artifacts
def data_artifact(fp: Fingerprint, type_id: int, version: int, tags: Iterable[str] = ()) -> Any:
    """A new data artifact for content at a path or URI."""
    artifact = Artifact(type_id=type_id, uri=fp.uri, state=Artifact.LIVE)
    props = artifact.custom_properties
    if fp.digest:
        artifact.external_id = fp.digest
        artifact.name = display_name(fp)
        props[cv.FINGERPRINT].string_value = fp.digest
    if fp.skipped:
        props[cv.FINGERPRINT_SKIPPED].string_value = fp.skipped
    if fp.size_bytes is not None:
        set_value(props[cv.SIZE_BYTES], fp.size_bytes)
    if fp.file_count is not None:
        set_value(props[cv.FILE_COUNT], fp.file_count)
    set_value(props[cv.VERSION], version)
    if fp.source:
        props[cv.VERSION_SOURCE].string_value = fp.source
    for name, value in fp.details:
        set_value(props[name], value)
    set_tags(artifact, tags)
    return artifact


def config_artifact(fp: Fingerprint, values: Mapping[str, Any], type_id: int, version: int) -> Any:
    """A new Config artifact for a parameter file."""
    artifact = data_artifact(fp, type_id, version)
    set_value(artifact.custom_properties[cv.CONFIG_VALUES], values)
    return artifact


def environment_artifact(env: Environment, type_id: int) -> Any:
    """The Environment artifact for ``env`` (external id ``env:<fingerprint>``)."""
    artifact = Artifact(
        type_id=type_id,
        name=f"env-{env.digest[7:19]}",
        external_id=env.external_id,
        state=Artifact.LIVE,
    )
    props = artifact.custom_properties
    props[cv.ENV_PYTHON_VERSION].string_value = env.python_version
    props[cv.ENV_PYTHON_IMPLEMENTATION].string_value = env.python_implementation
    props[cv.ENV_PLATFORM].string_value = env.platform
    set_struct_blob(props[cv.ENV_PACKAGES], dict(env.packages))
    props[cv.FINGERPRINT].string_value = env.digest
    return artifact


def metrics_artifact(
    name: str, final: Mapping[str, float], series: Mapping[str, Series], type_id: int
) -> Any:
    """The Metrics artifact of a run: final values and series."""
    artifact = Artifact(type_id=type_id, name=name, state=Artifact.LIVE)
    props = artifact.custom_properties
    for metric, value in final.items():
        props[metric].double_value = value
    for metric, points in series.items():
        set_series(props[cv.SERIES_PREFIX + metric], points)
    return artifact


def set_series(target: Value, series: Series) -> None:
    """Store a metric series packed (:func:`lineage.track.metrics.pack_series`) in a
    ``google.protobuf.BytesValue`` in ``proto_value`` (decision D40)."""
    from google.protobuf.wrappers_pb2 import BytesValue

    target.proto_value.Pack(BytesValue(value=pack_series(series.steps, series.values)))


def read_series(value: Value) -> Series | None:
    """The series a ``series.<name>`` property holds: packed (D40), or the Struct of two lists
    that earlier versions wrote; None for anything else."""
    which = value.WhichOneof("value")
    if which == "proto_value":
        from google.protobuf.wrappers_pb2 import BytesValue

        if not value.proto_value.Is(BytesValue.DESCRIPTOR):
            return None
        packed = BytesValue()
        value.proto_value.Unpack(packed)
        try:
            return unpack_series(packed.value)
        except InvalidArgumentError:
            return None
    if which == "struct_value":
        fields = value.struct_value.fields
        steps = fields["steps"].list_value.values if "steps" in fields else []
        values = fields["values"].list_value.values if "values" in fields else []
        return Series(
            tuple(int(s.number_value) for s in steps), tuple(float(v.number_value) for v in values)
        )
    return None


def artifact_version(stored: Iterable[Any]) -> int:
    """The next version number for a path, given the artifacts stored with its URI."""
    best = 0
    count = 0
    for artifact in stored:
        count += 1
        if cv.VERSION in artifact.custom_properties:
            best = max(best, int_value(artifact.custom_properties[cv.VERSION]))
    return max(best, count) + 1


# ------------------------------------------------------------------------------ reuse
@dataclass(frozen=True)
class Content:
    """Content a run wants to link: its fingerprint, the type to create it with, and extras."""

    fingerprint: Fingerprint
    type_name: str
    config_values: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = ()
    notes: tuple[Mapping[str, Any], ...] = ()


@dataclass
class Resolution:
    """How one piece of content is written.

    Attributes:
        stored: The stored artifact it is (None when it is new).
        version: The version a new artifact gets.
        key: Identity within one write (digest or URI), to link duplicates once.
    """

    stored: Any | None
    version: int
    key: str


def resolve(store: Any, contents: Sequence[Content]) -> list[Resolution]:
    """Find which contents are stored already (by fingerprint, else by URI) and new versions.

    One read for all fingerprints, then one read per path whose content is new.
    """
    digests = sorted({c.fingerprint.digest for c in contents if c.fingerprint.digest})
    by_digest: dict[str, Any] = {}
    if digests:
        try:
            found = store.get_artifacts_by_external_ids(digests)
        except NotFoundError:  # MLMD's way of saying "none"
            found = []
        by_digest = {a.external_id: a for a in found}
    by_uri: dict[str, list[Any]] = {}

    def stored_at(uri: str) -> list[Any]:
        if uri not in by_uri:
            by_uri[uri] = list(store.get_artifacts_by_uri(uri))
        return by_uri[uri]

    out: list[Resolution] = []
    for content in contents:
        fp = content.fingerprint
        if fp.digest:
            stored = by_digest.get(fp.digest)
            version = 0 if stored is not None else artifact_version(stored_at(fp.uri))
            out.append(Resolution(stored=stored, version=version, key=fp.digest))
            continue
        same_uri = stored_at(fp.uri)
        unhashed = [a for a in same_uri if cv.FINGERPRINT not in a.custom_properties]
        latest = max(unhashed, key=lambda a: a.id) if unhashed else None
        version = 0 if latest is not None else artifact_version(same_uri)
        out.append(Resolution(stored=latest, version=version, key="uri:" + fp.uri))
    return out
