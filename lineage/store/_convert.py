"""Property values and rows in MLMD's storage encodings, and back to protos.

A property is one row with exactly one non-NULL value column:

* INT → ``int_value``, DOUBLE → ``double_value``, STRING → ``string_value``,
  BOOLEAN → ``bool_value`` (0/1 on SQLite and MySQL);
* STRUCT → ``string_value`` = ``"mlmd-struct::"`` + base64 of the serialized ``Struct``;
* PROTO → ``proto_value`` = the serialized ``google.protobuf.Any``, base64-encoded text on SQLite
  and MySQL, raw bytes on PostgreSQL.

On read the first non-NULL column wins in MLMD's order: int, double, string, proto, bool.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
from typing import Any

from google.protobuf import any_pb2, struct_pb2
from google.protobuf.message import DecodeError

from lineage.errors import InvalidArgumentError
from lineage.store._limits import (
    MYSQL_MEDIUM_BYTES,
    POSTGRESQL_FIELD_BYTES,
    SQLITE_MAX_BYTES,
    check_bytes,
    check_string,
    check_struct_depth,
)

__all__ = [
    "SHORT_TEXT",
    "STRUCT_PREFIX",
    "decode_value",
    "encode_value",
    "field_kind",
    "now_ms",
    "value_kind",
]

STRUCT_PREFIX = "mlmd-struct::"

# PropertyType enum values (metadata_store.proto).
UNKNOWN, INT, DOUBLE, STRING, STRUCT, PROTO, BOOLEAN = range(7)
_KIND_BY_FIELD = {
    "int_value": INT,
    "double_value": DOUBLE,
    "string_value": STRING,
    "struct_value": STRUCT,
    "proto_value": PROTO,
    "bool_value": BOOLEAN,
}
PROPERTY_TYPE_NAMES = {
    UNKNOWN: "UNKNOWN",
    INT: "INT",
    DOUBLE: "DOUBLE",
    STRING: "STRING",
    STRUCT: "STRUCT",
    PROTO: "PROTO",
    BOOLEAN: "BOOLEAN",
}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

#: A property row's value columns: (int, double, string, proto, bool).
Encoded = tuple[Any, Any, Any, Any, Any]


def now_ms() -> int:
    """Milliseconds since the epoch, as MLMD stamps nodes and events."""
    return time.time_ns() // 1_000_000


def value_kind(value: Any) -> int:
    """The PropertyType that a ``Value`` message holds (UNKNOWN when it holds nothing)."""
    which = value.WhichOneof("value")
    return UNKNOWN if which is None else _KIND_BY_FIELD[which]


def field_kind(which: str | None) -> int:
    """The PropertyType of a ``Value`` whose oneof field is ``which`` (``WhichOneof("value")``)."""
    return UNKNOWN if which is None else _KIND_BY_FIELD[which]


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

# Property strings up to this many characters always fit (4 UTF-8 bytes a character; on MySQL
# up to 12 bytes through the latin1 wire): no size check needed.
SHORT_TEXT = {
    "sqlite": SQLITE_MAX_BYTES // 4,
    "mysql": MYSQL_MEDIUM_BYTES // 12,
    "postgresql": POSTGRESQL_FIELD_BYTES // 4,
}


def encode_value(value: Any, dialect: str, where: object, int32: bool = False) -> Encoded:
    """Encode a ``Value`` into the value columns.

    Args:
        value: The ``ml_metadata.Value`` message.
        dialect: 'sqlite', 'mysql' or 'postgresql' (chooses the PROTO encoding).
        where: The property's place for error messages, e.g. "Artifact.properties['span']"
            (any object: it is formatted only when the value is refused).
        int32: The database's int_value column is 32-bit (created by ml-metadata on MySQL or
            PostgreSQL): refuse integers outside that range.

    Raises:
        InvalidArgumentError: The value is empty or cannot be stored.
    """
    which = value.WhichOneof("value")
    if which == "int_value":
        number = value.int_value
        if int32 and not INT32_MIN <= number <= INT32_MAX:
            raise InvalidArgumentError(
                f"{where}: {number} does not fit this database's 32-bit int_value column "
                "(ml-metadata created it with INT); store it as a double or a string"
            )
        return (number, None, None, None, None)
    if which == "double_value":
        number = value.double_value
        if not math.isfinite(number) and (
            dialect == "mysql" or (dialect == "sqlite" and math.isnan(number))
        ):
            raise InvalidArgumentError(
                f"{where}: {number} cannot be stored in a {dialect} DOUBLE column "
                "(store it as a string property instead)"
            )
        return (None, number, None, None, None)
    if which == "string_value":
        check_string(value.string_value, where, dialect)
        return (None, None, value.string_value, None, None)
    if which == "bool_value":
        return (None, None, None, None, bool(value.bool_value))
    if which == "struct_value":
        check_struct_depth(value.struct_value, where)
        payload = base64.b64encode(value.struct_value.SerializeToString(deterministic=True))
        text = STRUCT_PREFIX + payload.decode("ascii")
        check_string(text, where, dialect)
        return (None, None, text, None, None)
    if which == "proto_value":
        if not value.proto_value.type_url:
            raise InvalidArgumentError(f"{where}: proto_value has an empty type_url")
        raw = value.proto_value.SerializeToString(deterministic=True)
        check_bytes(len(raw), where, dialect)
        if dialect == "postgresql":
            return (None, None, None, raw, None)
        if dialect == "mysql":
            return (None, None, None, base64.b64encode(raw), None)
        return (None, None, None, base64.b64encode(raw).decode("ascii"), None)
    raise InvalidArgumentError(f"{where}: the Value is empty (set one of its value fields)")


def decode_value(
    target: Any,
    int_value: Any,
    double_value: Any,
    string_value: Any,
    proto_value: Any,
    bool_value: Any,
) -> None:
    """Fill ``target`` (a ``Value`` message) from one property row's value columns."""
    if int_value is not None:
        target.int_value = int(int_value)
    elif double_value is not None:
        target.double_value = float(double_value)
    elif string_value is not None:
        text = string_value if isinstance(string_value, str) else bytes(string_value).decode()
        if text.startswith(STRUCT_PREFIX) and _decode_struct(target, text):
            return
        target.string_value = text
    elif proto_value is not None:
        _decode_any(target, proto_value)
    elif bool_value is not None:
        target.bool_value = bool(bool_value)


def _decode_struct(target: Any, text: str) -> bool:
    # MLMD treats any string with the prefix as a struct and fails on garbage; we fall back to
    # the plain string when the payload is not a serialized Struct.
    try:
        raw = base64.b64decode(text[len(STRUCT_PREFIX) :], validate=True)
        struct = struct_pb2.Struct.FromString(raw)
    except (binascii.Error, DecodeError, ValueError):
        return False
    target.struct_value.CopyFrom(struct)
    return True


def _decode_any(target: Any, stored: Any) -> None:
    raw = bytes(stored) if not isinstance(stored, str) else stored.encode("ascii")
    try:
        decoded = base64.b64decode(raw, validate=True)
        message = any_pb2.Any.FromString(decoded)
        if not message.type_url:
            raise DecodeError("empty type_url")
    except (binascii.Error, DecodeError, ValueError):
        # PostgreSQL stores raw bytes; so may databases written by other tools.
        message = any_pb2.Any.FromString(raw)
    target.proto_value.CopyFrom(message)
