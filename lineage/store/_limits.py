"""What each backend can hold: checks that refuse a value before anything is written.

A value that does not fit its column must fail with an ``InvalidArgumentError`` that names the
field, not with whatever the driver says (or, on SQLite, be stored although no other backend could
read it back). The limits, per column of the MLMD schema:

======================  ===============  =====================================  ===============
column                  SQLite           MySQL / MariaDB                        PostgreSQL
======================  ===============  =====================================  ===============
names: ``VARCHAR(255)``  255 characters   255 characters, counted in UTF-8 bytes  255 characters
                        (not enforced    over ml-metadata's latin1 connection
                        by SQLite)
``uri``, descriptions   10⁹ bytes        ``TEXT``: 65,535 bytes                 1 GiB
string and struct       10⁹ bytes        ``MEDIUMTEXT``: 16,777,215 bytes, and   1 GiB
values                                   one 16 MiB packet once escaped
proto values            10⁹ bytes        ``MEDIUMBLOB``: 16,777,215 bytes       1 GiB
                        (base64)         (base64)
NUL character           stored           stored                                 refused
struct nesting          100 messages     100 messages                           100 messages
======================  ===============  =====================================  ===============

MySQL sizes are what the server stores: lineage (like ml-metadata) sends UTF-8 bytes over a
latin1 connection, so each byte is one latin1 character, stored in a utf8mb4 column as one byte
(ASCII), two (most bytes above 0x7F) or three (the cp1252 punctuation at 0x80-0x9F). A latin1
column stores every byte as one byte, so the check is conservative there. Both drivers,
mysqlclient and PyMySQL, send the same bytes and escape the same characters, so the sizes and
the packet estimate hold for either.

Protobuf's parsers (upb, C++) refuse messages nested more than 100 deep, so a struct beyond that
could be written but never read back; :func:`check_struct_depth` refuses it at write time.

Every function is pure and raises :class:`~lineage.errors.InvalidArgumentError`; the hot paths
return after a length comparison for ordinary values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lineage.errors import InvalidArgumentError

__all__ = [
    "LONG_TEXT",
    "MYSQL_MEDIUM_BYTES",
    "MYSQL_PACKET_BYTES",
    "MYSQL_TEXT_BYTES",
    "NAME_LIMIT",
    "POSTGRESQL_FIELD_BYTES",
    "SQLITE_MAX_BYTES",
    "STRUCT_DEPTH_LIMIT",
    "TEXT",
    "check_bytes",
    "check_events",
    "check_name",
    "check_nodes",
    "check_property_name",
    "check_step_key",
    "check_string",
    "check_struct_depth",
    "check_type",
    "index_overflow",
    "mysql_stored_bytes",
    "struct_depth",
]

#: ``VARCHAR(255)``: type, node and property names, versions, external ids.
NAME_LIMIT = 255
#: Protobuf's default recursion limit: the deepest message nesting its parsers accept.
STRUCT_DEPTH_LIMIT = 100
#: MySQL ``TEXT`` (``uri``, ``description``, event step keys).
MYSQL_TEXT_BYTES = 65_535
#: MySQL ``MEDIUMTEXT`` / ``MEDIUMBLOB`` (property ``string_value`` / ``proto_value``).
MYSQL_MEDIUM_BYTES = 16_777_215
#: MariaDB's default ``max_allowed_packet``: one statement (value escaped) must fit in it.
MYSQL_PACKET_BYTES = 16 * 1024 * 1024
#: Room left in the packet for the rest of the INSERT statement.
MYSQL_STATEMENT_ROOM = 4096
#: PostgreSQL's largest ``text`` / ``bytea`` value.
POSTGRESQL_FIELD_BYTES = 1024**3 - 1
#: PostgreSQL's largest B-tree index entry ("btree maximum"), after compression.
POSTGRESQL_INDEX_BYTES = 2704
#: SQLite's default SQLITE_MAX_LENGTH.
SQLITE_MAX_BYTES = 1_000_000_000

#: Column kinds for :func:`check_string`.
TEXT = "TEXT"
LONG_TEXT = "MEDIUMTEXT"

_HIGH = bytes(range(0x80, 0x100))
# Bytes that MariaDB's latin1 (cp1252) maps to a character of three bytes in utf8mb4.
_CP1252_THREE = bytes(
    [0x80, 0x82, 0x84, 0x85, 0x86, 0x87, 0x89, 0x8B, *range(0x91, 0x98), 0x99, 0x9B]
)
# Characters that both MySQL drivers escape with a backslash, each one more byte on the wire
# (PyMySQL in Python, mysqlclient through the client library's mysql_real_escape_string).
_MYSQL_ESCAPED = ("\\", "'", '"', "\n", "\r", "\x00", "\x1a")


def _refuse(where: object, message: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{where}: {message}")


def mysql_stored_bytes(raw: bytes, latin1_wire: bool = True) -> int:
    """Bytes that a utf8mb4 MySQL column uses for the UTF-8 text ``raw``.

    Over a latin1 connection (lineage's and ml-metadata's default) every byte is one latin1
    character: one byte below 0x80, three for cp1252's punctuation at 0x80-0x9F, two otherwise.
    """
    if not latin1_wire:
        return len(raw)
    high = len(raw) - len(raw.translate(None, _HIGH))
    if not high:
        return len(raw)
    three = len(raw) - len(raw.translate(None, _CP1252_THREE))
    return len(raw) + high + three


def check_name(value: str, where: object, dialect: str, latin1_wire: bool = False) -> None:
    """Refuse a name that does not fit ``VARCHAR(255)``, or a NUL on PostgreSQL.

    Args:
        value: The name ("" and None pass: there is nothing to store).
        where: The field for the message, e.g. ``"Artifact[3].name"``.
        dialect: 'sqlite', 'mysql' or 'postgresql'.
        latin1_wire: MySQL receives UTF-8 bytes as latin1 characters (lineage's default), so the
            limit counts UTF-8 bytes.
    """
    if not value:
        return
    n = len(value)
    if n > NAME_LIMIT:
        raise _refuse(where, f"{n} characters, the limit is {NAME_LIMIT}")
    if dialect == "mysql":
        if latin1_wire and n * 4 > NAME_LIMIT:
            size = len(value.encode("utf-8"))
            if size > NAME_LIMIT:
                raise _refuse(
                    where,
                    f"{size:,} bytes in UTF-8 ({n} characters), the limit on MySQL is {NAME_LIMIT} "
                    "bytes (lineage, like ml-metadata, stores UTF-8 over a latin1 connection)",
                )
    elif dialect == "postgresql" and "\x00" in value:
        raise _refuse(where, "contains a NUL character (\\x00), which PostgreSQL text cannot hold")


def check_string(
    value: str, where: object, dialect: str, column: str = LONG_TEXT, latin1_wire: bool = True
) -> None:
    """Refuse text too long for its column (``TEXT`` or ``MEDIUMTEXT``), or a NUL on PostgreSQL.

    Args:
        value: The text.
        where: The field for the message.
        dialect: 'sqlite', 'mysql' or 'postgresql'.
        column: :data:`TEXT` (uri, description) or :data:`LONG_TEXT` (property values).
        latin1_wire: See :func:`mysql_stored_bytes`.
    """
    n = len(value)
    if dialect == "mysql":
        limit = MYSQL_MEDIUM_BYTES if column == LONG_TEXT else MYSQL_TEXT_BYTES
        # A character is at most 4 UTF-8 bytes, each stored in at most 3 bytes and sent in 2.
        if n * 12 <= limit:
            return
        raw = value.encode("utf-8")
        stored = mysql_stored_bytes(raw, latin1_wire)
        if stored > limit:
            raise _refuse(
                where,
                f"{stored:,} bytes as MySQL stores it ({n:,} characters), the limit of its "
                f"{column} column is {limit:,} bytes",
            )
        wire = len(raw) + sum(value.count(c) for c in _MYSQL_ESCAPED)
        if wire > MYSQL_PACKET_BYTES - MYSQL_STATEMENT_ROOM:
            raise _refuse(
                where,
                f"{wire:,} bytes once escaped for MySQL, more than one statement can carry "
                f"(max_allowed_packet, {MYSQL_PACKET_BYTES:,} bytes by default)",
            )
        return
    if dialect == "postgresql":
        if "\x00" in value:
            raise _refuse(
                where, "contains a NUL character (\\x00), which PostgreSQL text cannot hold"
            )
        limit = POSTGRESQL_FIELD_BYTES
    else:
        limit = SQLITE_MAX_BYTES
    if n * 4 > limit:
        size = len(value.encode("utf-8"))
        if size > limit:
            raise _refuse(where, f"{size:,} bytes, the limit on {dialect} is {limit:,}")


def check_bytes(size: int, where: object, dialect: str) -> None:
    """Refuse a serialized proto value of ``size`` bytes too large for ``proto_value``.

    SQLite and MySQL store it base64-encoded (4 bytes per 3), PostgreSQL as raw bytes.
    """
    if dialect == "postgresql":
        stored, limit = size, POSTGRESQL_FIELD_BYTES
    else:
        stored = 4 * ((size + 2) // 3)
        if dialect == "mysql":
            limit = min(MYSQL_MEDIUM_BYTES, MYSQL_PACKET_BYTES - MYSQL_STATEMENT_ROOM)
        else:
            limit = SQLITE_MAX_BYTES
    if stored > limit:
        raise _refuse(
            where,
            f"the proto value takes {stored:,} bytes as {dialect} stores it ({size:,} serialized), "
            f"the limit is {limit:,}",
        )


def struct_depth(struct: Any) -> int:
    """How deep protobuf's parser nests to read ``struct`` (the Struct itself is depth 0).

    A field of a Struct is a map entry (+1) holding a Value (+1); a Value's struct or list is +1;
    a list's values are +1. Iterative, so any depth can be measured.
    """
    deepest = 0
    stack: list[tuple[Any, int, bool]] = [(struct, 0, True)]
    while stack:
        message, depth, is_struct = stack.pop()
        values: Iterable[Any] = message.fields.values() if is_struct else message.values
        value_depth = depth + (2 if is_struct else 1)
        for value in values:
            deepest = max(deepest, value_depth)
            kind = value.WhichOneof("kind")
            if kind == "struct_value":
                deepest = max(deepest, value_depth + 1)
                stack.append((value.struct_value, value_depth + 1, True))
            elif kind == "list_value":
                deepest = max(deepest, value_depth + 1)
                stack.append((value.list_value, value_depth + 1, False))
    return deepest


def check_struct_depth(struct: Any, where: object) -> None:
    """Refuse a Struct nested deeper than protobuf can parse back (:data:`STRUCT_DEPTH_LIMIT`)."""
    depth = struct_depth(struct)
    if depth > STRUCT_DEPTH_LIMIT:
        raise _refuse(
            where,
            f"the struct is nested {depth} protobuf messages deep, the limit is "
            f"{STRUCT_DEPTH_LIMIT} (about 33 nested structs or 20 nested lists), beyond which "
            "protobuf cannot read it back",
        )


def _short(name: str) -> str:
    return name if len(name) <= 40 else name[:40] + "…"


def _where(title: str, index: int, msg: Any) -> str:
    ident = f" id={msg.id}" if msg.HasField("id") else ""
    return f"{title}[{index}]{ident}"


def check_nodes(title: str, messages: Sequence[Any], dialect: str, latin1_wire: bool) -> None:
    """Check the names, external ids and uris of artifacts, executions or contexts.

    Custom property names are checked by :func:`check_property_name` where the store iterates
    them anyway (declared property names were checked with their type).

    Args:
        title: 'Artifact', 'Execution' or 'Context' (for messages like ``Artifact[3].name``).
        messages: The nodes of one call.
        dialect: 'sqlite', 'mysql' or 'postgresql'.
        latin1_wire: The MySQL connection sends UTF-8 as latin1 (lineage's default).
    """
    pg = dialect == "postgresql"
    artifacts = title == "Artifact"
    short = NAME_LIMIT // 4  # a name this short fits every backend
    short_uri = MYSQL_TEXT_BYTES // 12
    for index, msg in enumerate(messages):
        name, external_id = msg.name, msg.external_id
        if (
            len(name) > short
            or len(external_id) > short
            or (pg and ("\x00" in name or "\x00" in external_id))
        ):
            where = _where(title, index, msg)
            check_name(name, f"{where}.name", dialect, latin1_wire)
            check_name(external_id, f"{where}.external_id", dialect, latin1_wire)
        if artifacts:
            uri = msg.uri
            if len(uri) > short_uri or (pg and "\x00" in uri):
                check_string(uri, f"{_where(title, index, msg)}.uri", dialect, TEXT, latin1_wire)


def check_property_name(
    name: str, title: str, index: int, msg: Any, dialect: str, latin1_wire: bool
) -> None:
    """Check a custom property name of ``msg``, the node at ``index`` of a call."""
    if len(name) > NAME_LIMIT // 4 or (dialect == "postgresql" and "\x00" in name):
        where = f"{_where(title, index, msg)}.custom_properties['{_short(name)}'] (its name)"
        check_name(name, where, dialect, latin1_wire)


def check_type(title: str, msg: Any, dialect: str, latin1_wire: bool) -> None:
    """Check a type's name, version, external id, description and property names."""
    for field in ("name", "version", "external_id"):
        check_name(getattr(msg, field), f"{title}.{field}", dialect, latin1_wire)
    if msg.description:
        check_string(msg.description, f"{title}.description", dialect, TEXT, latin1_wire)
    for name in msg.properties:
        check_name(name, f"{title}.properties['{_short(name)}'] (its name)", dialect, latin1_wire)


def check_step_key(
    key: str, event_index: int, step_index: int, dialect: str, latin1_wire: bool
) -> None:
    """Check one event path key (``EventPath.step_key`` is ``TEXT``): cheap for short keys."""
    if len(key) > MYSQL_TEXT_BYTES // 12 or (dialect == "postgresql" and "\x00" in key):
        where = f"Event[{event_index}].path.steps[{step_index}].key"
        check_string(key, where, dialect, TEXT, latin1_wire)


def check_events(events: Sequence[Any], dialect: str, latin1_wire: bool) -> None:
    """Check the path keys of events (a separate pass; :func:`check_step_key` checks one)."""
    for i, event in enumerate(events):
        for j, step in enumerate(event.path.steps):
            if step.key:
                check_step_key(step.key, i, j, dialect, latin1_wire)


def index_overflow(title: str, messages: Sequence[Any], detail: str) -> InvalidArgumentError:
    """The error for a PostgreSQL "index row size exceeds btree maximum" refusal of a write.

    ml-metadata's PostgreSQL schema indexes ``uri`` and string (and struct) property values in
    full, and a B-tree entry holds at most 2,704 bytes once compressed: a value that does not
    compress that far cannot be stored, by ml-metadata either. Whether it compresses enough is
    only known when PostgreSQL tries, so the fields named are those long enough to be the cause.
    """
    suspects: list[str] = []
    for index, msg in enumerate(messages):
        where = _where(title, index, msg)
        if title == "Artifact" and len(msg.uri.encode()) > POSTGRESQL_INDEX_BYTES - 64:
            suspects.append(f"{where}.uri")
        for field in ("properties", "custom_properties"):
            for name, value in getattr(msg, field).items():
                which = value.WhichOneof("value")
                if which == "string_value":
                    size = len(value.string_value.encode())
                elif which == "struct_value":
                    size = 4 * value.struct_value.ByteSize() // 3
                else:
                    continue
                if size > POSTGRESQL_INDEX_BYTES - 64 - len(name):
                    suspects.append(f"{where}.{field}['{_short(name)}']")
    named = ", ".join(suspects[:5]) + (
        f" (and {len(suspects) - 5} more)" if len(suspects) > 5 else ""
    )
    lead = f"{named}: " if len(suspects) == 1 else (f"one of {named}: " if suspects else "")
    return InvalidArgumentError(
        f"{lead}too long for PostgreSQL's index on this column ({detail}). ml-metadata's "
        f"PostgreSQL schema indexes uris and string and struct property values in full, and an "
        f"index entry holds at most {POSTGRESQL_INDEX_BYTES:,} bytes once compressed, so a "
        "value that does not compress that far cannot be stored on PostgreSQL"
    )
