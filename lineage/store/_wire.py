"""Build big results by writing protobuf wire format and parsing it once.

Setting fields one by one through the Python API costs about a microsecond per field and
``RepeatedCompositeContainer.extend`` copies every message again; writing the bytes of a whole
``LineageGraph`` in Python and parsing them with ``FromString`` (C) is several times faster.
Field numbers come from the descriptors, never from constants.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

from lineage.proto import metadata_store_pb2 as pb
from lineage.store._convert import STRUCT_PREFIX, decode_value

_pack_double = struct.Struct("<d").pack
_VARINT, _FIXED64, _LEN = 0, 1, 2
_SMALL = [bytes((i,)) for i in range(128)]


def varint(value: int) -> bytes:
    if 0 <= value < 128:
        return _SMALL[value]
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(message: Any, field: str, wire_type: int) -> bytes:
    number = message.DESCRIPTOR.fields_by_name[field].number
    return varint(number << 3 | wire_type)


def _ld(prefix: bytes, body: bytes) -> bytes:
    return prefix + varint(len(body)) + body


_V_INT = tag(pb.Value, "int_value", _VARINT)
_V_DOUBLE = tag(pb.Value, "double_value", _FIXED64)
_V_STRING = tag(pb.Value, "string_value", _LEN)
_V_BOOL = tag(pb.Value, "bool_value", _VARINT)
_ENTRY_KEY = b"\x0a"  # map entry: key = 1, value = 2
_ENTRY_VALUE = b"\x12"
_key_cache: dict[str, bytes] = {}


def value_bytes(iv: Any, dv: Any, sv: Any, pv: Any, bv: Any) -> bytes:
    """A serialized ``Value`` from one property row's value columns (as ``decode_value``)."""
    if iv is not None:
        return _V_INT + varint(int(iv))
    if dv is not None:
        return _V_DOUBLE + _pack_double(float(dv))
    if sv is not None:
        text = sv if isinstance(sv, str) else bytes(sv).decode()
        if not text.startswith(STRUCT_PREFIX):
            raw = text.encode()
            return _V_STRING + varint(len(raw)) + raw
    elif pv is None:
        if bv is None:
            return b""
        return _V_BOOL + (b"\x01" if bv else b"\x00")
    value = pb.Value()  # structs and protos: the slow, careful path
    decode_value(value, iv, dv, sv, pv, bv)
    return value.SerializeToString()


def entry_bytes(field_tag: bytes, name: str, value: bytes) -> bytes:
    key = _key_cache.get(name)
    if key is None:
        raw = name.encode()
        key = _key_cache[name] = _ENTRY_KEY + varint(len(raw)) + raw
    body = key + _ENTRY_VALUE + varint(len(value)) + value
    return field_tag + varint(len(body)) + body


class NodeEncoder:
    """Encodes ``node_select`` rows (plus property rows) of one kind as serialized messages."""

    def __init__(self, kind: Any) -> None:
        proto = kind.proto
        self.kind = kind
        self.t_id = tag(proto, "id", _VARINT)
        self.t_type_id = tag(proto, "type_id", _VARINT)
        self.t_name = tag(proto, "name", _LEN)
        self.t_external = tag(proto, "external_id", _LEN)
        self.t_created = tag(proto, "create_time_since_epoch", _VARINT)
        self.t_updated = tag(proto, "last_update_time_since_epoch", _VARINT)
        self.t_type = tag(proto, "type", _LEN)
        self.t_props = tag(proto, "properties", _LEN)
        self.t_custom = tag(proto, "custom_properties", _LEN)
        self.t_uri = tag(proto, "uri", _LEN) if kind.name == "artifact" else b""
        self.t_state = tag(proto, kind.state, _VARINT) if kind.state is not None else b""

    def encode(self, rows: Sequence[Any], props: Iterable[Any]) -> list[bytes]:
        """One serialized message per row, in row order."""
        extra: dict[int, list[bytes]] = {}
        t_props, t_custom = self.t_props, self.t_custom
        for owner, name, is_custom, iv, dv, sv, pv, bv in props:
            entry = entry_bytes(
                t_custom if is_custom else t_props, name, value_bytes(iv, dv, sv, pv, bv)
            )
            found = extra.get(owner)
            if found is None:
                extra[owner] = [entry]
            else:
                found.append(entry)
        out = []
        is_artifact = self.kind.name == "artifact"
        is_execution = self.kind.name == "execution"
        t_id, t_type_id, t_name, t_external = (
            self.t_id,
            self.t_type_id,
            self.t_name,
            self.t_external,
        )
        t_created, t_updated, t_type, t_uri, t_state = (
            self.t_created,
            self.t_updated,
            self.t_type,
            self.t_uri,
            self.t_state,
        )
        for row in rows:
            parts = [t_id, varint(row[0]), t_type_id, varint(row[1])]
            if row[2] is not None:
                raw = row[2].encode()
                parts += (t_name, varint(len(raw)), raw)
            if row[3] is not None:
                raw = row[3].encode()
                parts += (t_external, varint(len(raw)), raw)
            if row[4] is not None:
                parts += (t_created, varint(row[4]))
            if row[5] is not None:
                parts += (t_updated, varint(row[5]))
            if row[6] is not None:
                raw = row[6].encode()
                parts += (t_type, varint(len(raw)), raw)
            if is_artifact:
                if row[7] is not None:
                    raw = row[7].encode()
                    parts += (t_uri, varint(len(raw)), raw)
                if row[8] is not None:
                    parts += (t_state, varint(row[8]))
            elif is_execution and row[7] is not None:
                parts += (t_state, varint(row[7]))
            found = extra.get(row[0])
            if found:
                parts.extend(found)
            out.append(b"".join(parts))
        return out


_E_ARTIFACT = tag(pb.Event, "artifact_id", _VARINT)
_E_EXECUTION = tag(pb.Event, "execution_id", _VARINT)
_E_PATH = tag(pb.Event, "path", _LEN)
_E_TYPE = tag(pb.Event, "type", _VARINT)
_E_MS = tag(pb.Event, "milliseconds_since_epoch", _VARINT)
_P_STEPS = tag(pb.Event.Path, "steps", _LEN)
_S_INDEX = tag(pb.Event.Path.Step, "index", _VARINT)
_S_KEY = tag(pb.Event.Path.Step, "key", _LEN)


def event_bytes(rows: Sequence[Any], paths: Iterable[Any]) -> list[bytes]:
    """Serialized Events from (id, artifact_id, execution_id, type, ms) rows and path rows."""
    steps: dict[int, list[bytes]] = {}
    for event_id, is_index, index, key in paths:
        if is_index:
            step = _S_INDEX + varint(int(index))
        else:
            raw = (key if key is not None else "").encode()
            step = _S_KEY + varint(len(raw)) + raw
        found = steps.get(event_id)
        item = _P_STEPS + varint(len(step)) + step
        if found is None:
            steps[event_id] = [item]
        else:
            found.append(item)
    out = []
    for event_id, artifact_id, execution_id, etype, ms in rows:
        parts = [_E_ARTIFACT, varint(artifact_id), _E_EXECUTION, varint(execution_id)]
        found = steps.get(event_id)
        if found:
            path = b"".join(found)
            parts += (_E_PATH, varint(len(path)), path)
        parts += (_E_TYPE, varint(etype))
        if ms is not None:
            parts += (_E_MS, varint(ms))
        out.append(b"".join(parts))
    return out


def link_bytes(message: Any, node_field: str, pairs: Iterable[tuple[int, int]]) -> list[bytes]:
    """Serialized Attribution/Association messages from (context_id, node_id) pairs."""
    t_node = tag(message, node_field, _VARINT)
    t_context = tag(message, "context_id", _VARINT)
    return [t_node + varint(n) + t_context + varint(c) for c, n in pairs]


def repeated(graph_field: str, items: Iterable[bytes]) -> bytes:
    """``items`` as the repeated message field ``graph_field`` of a LineageGraph."""
    prefix = tag(pb.LineageGraph, graph_field, _LEN)
    return b"".join(prefix + varint(len(item)) + item for item in items)
