"""Artifacts, executions and contexts: batched upserts with MLMD's rules, and reads.

One implementation serves the three node kinds (see ``_kinds``). Every read is two batched
queries (rows with their type names, then properties); every write validates the whole batch
before the first statement runs, so a failed call writes nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import isfinite
from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from lineage.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from lineage.store._backend import CHUNK, Tx
from lineage.store._convert import (
    PROPERTY_TYPE_NAMES,
    SHORT_TEXT,
    STRUCT_PREFIX,
    Encoded,
    decode_value,
    encode_value,
    field_kind,
    now_ms,
)
from lineage.store._kinds import Kind
from lineage.store._limits import NAME_LIMIT, check_nodes, check_property_name, index_overflow
from lineage.store._types import load_type_info

__all__ = [
    "TypeInfo",
    "get_nodes_by_external_ids",
    "get_nodes_by_ids",
    "get_nodes_by_type",
    "get_node_by_type_and_name",
    "build_nodes",
    "node_select",
    "props_sql",
    "put_nodes",
    "read_nodes",
]

TypeInfo = dict[int, tuple[int, str, dict[str, int]]]

# Column order of node_select rows.
_COMMON = (
    "id",
    "type_id",
    "name",
    "external_id",
    "create_time_since_epoch",
    "last_update_time_since_epoch",
)
_PROP_COLS = ("int_value", "double_value", "string_value", "proto_value", "bool_value")


def node_select(t: Any, kind: Kind) -> sa.Select[Any]:
    """SELECT the node columns (common ones, type name, kind-specific ones) joined with Type."""
    node = kind.table(t)
    cols = [node.c[c] for c in _COMMON] + [t.type.c.name.label("type_name")]
    cols += [node.c[c] for c in kind.extra]
    return sa.select(*cols).join_from(node, t.type, t.type.c.id == node.c.type_id)


def props_sql(tx: Tx, kind: Kind) -> Any:
    def build(t: Any) -> Any:
        p = kind.prop_table(t)
        owner = p.c[kind.owner]
        return sa.select(
            owner, p.c.name, p.c.is_custom_property, *(p.c[c] for c in _PROP_COLS)
        ).where(owner.in_(sa.bindparam("ids", expanding=True)))

    return tx.backend.sql(("node_props", kind.name), build)


def read_nodes(tx: Tx, kind: Kind, rows: Sequence[Any], make: Any = None) -> list[Any]:
    """Build protos from ``node_select`` rows, fetching their properties in one batch.

    ``make`` creates one message from keyword arguments: the proto class by default, or a
    repeated field's ``add`` to build the messages in place (no copy into the container).
    """
    if not rows:
        return []
    props = tx.iter_chunked(props_sql(tx, kind), "ids", [row[0] for row in rows])
    return build_nodes(kind, rows, props, make or kind.proto)


def build_nodes(kind: Kind, rows: Sequence[Any], props: Iterable[Any], make: Any) -> list[Any]:
    """Messages from ``node_select`` rows and ``props_sql`` rows, in row order.

    Each message is created with all its columns as keyword arguments (one C call), then the
    properties are set on it; this is several times faster than setting fields one by one.
    """
    extra = kind.extra
    messages: dict[int, Any] = {}
    out = []
    for row in rows:
        kw = {"id": row[0], "type_id": row[1]}
        if row[2] is not None:
            kw["name"] = row[2]
        if row[3] is not None:
            kw["external_id"] = row[3]
        if row[4] is not None:
            kw["create_time_since_epoch"] = row[4]
        if row[5] is not None:
            kw["last_update_time_since_epoch"] = row[5]
        if row[6] is not None:
            kw["type"] = row[6]
        for i, column in enumerate(extra, 7):
            if row[i] is not None:
                kw[column] = row[i]
        msg = make(**kw)
        messages[row[0]] = msg
        out.append(msg)
    for owner, name, is_custom, iv, dv, sv, pv, bv in props:
        msg = messages[owner]
        target = msg.custom_properties[name] if is_custom else msg.properties[name]
        if iv is not None:
            target.int_value = iv
        elif dv is not None:
            target.double_value = dv
        elif type(sv) is str and not sv.startswith(STRUCT_PREFIX):
            target.string_value = sv
        else:
            decode_value(target, iv, dv, sv, pv, bv)
    return out


def get_nodes_by_ids(tx: Tx, kind: Kind, ids: Sequence[int]) -> list[Any]:
    """Nodes with these ids, in id order; unknown ids are skipped."""
    if not ids:
        return []

    def build(t: Any) -> Any:
        node = kind.table(t)
        return (
            node_select(t, kind)
            .where(node.c.id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(node.c.id)
        )

    unique_ids = sorted({int(i) for i in ids})
    rows = tx.rows_chunked(tx.backend.sql(("nodes_by_id", kind.name), build), "ids", unique_ids)
    return read_nodes(tx, kind, rows)


def get_nodes_by_external_ids(tx: Tx, kind: Kind, external_ids: Sequence[str]) -> list[Any]:
    """Nodes with these external ids; NotFoundError when none matches (as MLMD)."""
    if not external_ids:
        return []

    def build(t: Any) -> Any:
        node = kind.table(t)
        return (
            node_select(t, kind)
            .where(node.c.external_id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(node.c.id)
        )

    values = list(dict.fromkeys(str(e) for e in external_ids))
    rows = tx.rows_chunked(
        tx.backend.sql(("nodes_by_external_id", kind.name), build), "ids", values
    )
    if not rows:
        raise NotFoundError(f"No {kind.title} found with external_id in {list(external_ids)!r}")
    return read_nodes(tx, kind, rows)


def _type_filter(t: Any, version: bool) -> Any:
    conds = [t.type.c.name == sa.bindparam("type_name"), t.type.c.type_kind == sa.bindparam("kind")]
    conds.append(
        t.type.c.version == sa.bindparam("version") if version else t.type.c.version.is_(None)
    )
    return sa.and_(*conds)


def get_nodes_by_type(tx: Tx, kind: Kind, type_name: str, type_version: str | None) -> list[Any]:
    """Every node of the named type (empty for an unknown type)."""
    has_version = bool(type_version)

    def build(t: Any) -> Any:
        node = kind.table(t)
        return node_select(t, kind).where(_type_filter(t, has_version)).order_by(node.c.id)

    sql = tx.backend.sql(("nodes_by_type", kind.name, has_version), build)
    params = {"type_name": type_name, "kind": kind.types.code, "version": type_version}
    return read_nodes(tx, kind, tx.rows(sql, params))


def get_node_by_type_and_name(
    tx: Tx, kind: Kind, type_name: str, node_name: str, type_version: str | None
) -> Any | None:
    """The node with this type and name, or None."""
    has_version = bool(type_version)

    def build(t: Any) -> Any:
        node = kind.table(t)
        return node_select(t, kind).where(
            _type_filter(t, has_version), node.c.name == sa.bindparam("node_name")
        )

    sql = tx.backend.sql(("node_by_type_and_name", kind.name, has_version), build)
    params = {
        "type_name": type_name,
        "kind": kind.types.code,
        "version": type_version,
        "node_name": node_name,
    }
    found = read_nodes(tx, kind, tx.rows(sql, params))
    return found[0] if found else None


# --------------------------------------------------------------------------- writes
@dataclass
class _Row:
    """A node as stored: its columns and encoded properties."""

    id: int | None
    type_id: int
    columns: dict[str, Any]
    props: dict[tuple[str, bool], Encoded] = field(default_factory=dict)


def _where(kind: Kind, index: int, msg: Any, suffix: str = "") -> str:
    ident = f" id={msg.id}" if msg.HasField("id") else ""
    return f"{kind.title}[{index}]{ident}{suffix}"


class _Place:
    """A property's place for error messages, formatted only if one is raised."""

    __slots__ = ("custom", "index", "kind", "msg", "name")

    def __init__(self, kind: Kind, index: int, msg: Any, name: str, custom: bool) -> None:
        self.kind, self.index, self.msg, self.name, self.custom = kind, index, msg, name, custom

    def __str__(self) -> str:
        field = "custom_properties" if self.custom else "properties"
        return _where(self.kind, self.index, self.msg, f".{field}['{self.name}']")


def _encode_props(
    tx: Tx, kind: Kind, index: int, msg: Any, declared: dict[str, int]
) -> dict[tuple[str, bool], Encoded]:
    # The hot loop of every node write: keys are iterated on the map itself (its items() view
    # is a Python generator), each value's oneof is read once, and the common values (ints,
    # finite doubles, short strings) are encoded here; encode_value checks and encodes the rest.
    dialect = tx.dialect
    int32 = tx.backend.int32_values
    short = SHORT_TEXT[dialect]
    pg = dialect == "postgresql"
    out: dict[tuple[str, bool], Encoded] = {}
    for custom, props in ((False, msg.properties), (True, msg.custom_properties)):
        for name in props:
            value = props[name]
            which = value.WhichOneof("value")
            if custom:
                if pg or len(name) > _SHORT_NAME:
                    check_property_name(
                        name, kind.title, index, msg, dialect, tx.backend._utf8_over_latin1
                    )
            else:
                declared_kind = declared.get(name)
                if declared_kind is None or declared_kind != field_kind(which):
                    _refuse_property(kind, index, msg, name, declared_kind, field_kind(which))
            encoded: Encoded | None = None
            if which == "string_value":
                text = value.string_value
                if len(text) <= short and not (pg and "\x00" in text):
                    encoded = (None, None, text, None, None)
            elif which == "int_value":
                if not int32:
                    encoded = (value.int_value, None, None, None, None)
            elif which == "double_value":
                number = value.double_value
                if isfinite(number):
                    encoded = (None, number, None, None, None)
            out[(name, custom)] = encoded or encode_value(
                value, dialect, _Place(kind, index, msg, name, custom), int32
            )
    return out


#: Property names this short fit every backend (4 UTF-8 bytes a character at most).
_SHORT_NAME = NAME_LIMIT // 4


def _refuse_property(
    kind: Kind, index: int, msg: Any, name: str, declared_kind: int | None, got: int
) -> None:
    place = _Place(kind, index, msg, name, False)
    if declared_kind is None:
        raise InvalidArgumentError(
            f"{place}: Found unknown property: {name} (not declared in its type)"
        )
    raise InvalidArgumentError(
        f"{place}: Found unmatched property type: {name} (declared "
        f"{PROPERTY_TYPE_NAMES.get(declared_kind)}, got {PROPERTY_TYPE_NAMES.get(got)})"
    )


def _columns(kind: Kind, msg: Any) -> dict[str, Any]:
    # An unset string field reads as "", which is stored as NULL like an empty one (except a
    # context's name, which must be given).
    if kind.name == "artifact":
        return {
            "name": msg.name or None,
            "external_id": msg.external_id or None,
            "uri": msg.uri,
            "state": msg.state if msg.HasField("state") else None,
        }
    if kind.name == "execution":
        return {
            "name": msg.name or None,
            "external_id": msg.external_id or None,
            "last_known_state": (
                msg.last_known_state if msg.HasField("last_known_state") else None
            ),
        }
    return {
        "name": msg.name if msg.HasField("name") else None,
        "external_id": msg.external_id or None,
    }


def _check_type(kind: Kind, index: int, msg: Any, types: TypeInfo) -> dict[str, int]:
    info = types.get(int(msg.type_id))
    if info is None or info[0] != kind.types.code:
        raise NotFoundError(
            f"{_where(kind, index, msg)}.type_id: Cannot find type for type_id {msg.type_id} "
            f"(no {kind.types.title} has this id)"
        )
    return info[2]


def _load_stored(tx: Tx, kind: Kind, ids: Sequence[int]) -> dict[int, _Row]:
    def build(t: Any) -> Any:
        node = kind.table(t)
        cols = [node.c.id, node.c.type_id, node.c.name, node.c.external_id] + [
            node.c[c] for c in kind.extra
        ]
        return sa.select(*cols).where(node.c.id.in_(sa.bindparam("ids", expanding=True)))

    stored: dict[int, _Row] = {}
    for row in tx.rows_chunked(
        tx.backend.sql(("stored_nodes", kind.name), build), "ids", list(ids)
    ):
        cols = {"name": row[2], "external_id": row[3]}
        for i, c in enumerate(kind.extra):
            cols[c] = row[4 + i]
        stored[row[0]] = _Row(id=row[0], type_id=row[1], columns=cols)
    if stored:
        p_sql = props_sql(tx, kind)
        for owner, name, is_custom, iv, dv, sv, pv, bv in tx.rows_chunked(
            p_sql, "ids", list(stored)
        ):
            stored[owner].props[(name, bool(is_custom))] = _normalize(
                (iv, dv, sv, pv, bv), tx.dialect
            )
    return stored


def _normalize(values: Encoded, dialect: str) -> Encoded:
    """Stored value columns in the form encode_value produces, so the two compare equal."""
    iv, dv, sv, pv, bv = values
    if iv is not None:
        return (int(iv), None, None, None, None)
    if dv is not None:
        return (None, float(dv), None, None, None)
    if sv is not None:
        return (None, None, sv if isinstance(sv, str) else bytes(sv).decode(), None, None)
    if pv is not None:
        if dialect == "sqlite":
            pv = pv if isinstance(pv, str) else bytes(pv).decode("ascii", "replace")
        else:
            pv = bytes(pv)
        return (None, None, None, pv, None)
    if bv is not None:
        return (None, None, None, None, bool(bv))
    return (None, None, None, None, None)


def _apply_mask(
    kind: Kind,
    stored: _Row,
    msg: Any,
    new_cols: dict[str, Any],
    new_props: dict[tuple[str, bool], Encoded],
    mask: Sequence[str],
) -> tuple[dict[str, Any], dict[tuple[str, bool], Encoded]]:
    """Merge a masked update into the stored node (MLMD's field-mask rules)."""
    cols = dict(stored.columns)
    props = dict(stored.props)
    for path in mask:
        if path in kind.extra or path == "external_id" or (path == "name" and kind.name_updatable):
            cols[path] = new_cols[path]
        elif path in ("properties", "custom_properties"):
            custom = path == "custom_properties"
            props = {k: v for k, v in props.items() if k[1] != custom}
            props.update({k: v for k, v in new_props.items() if k[1] == custom})
        elif path.startswith(("properties.", "custom_properties.")):
            prefix, _, name = path.partition(".")
            key = (name, prefix == "custom_properties")
            if key in new_props:
                props[key] = new_props[key]
            else:
                props.pop(key, None)
        # Unknown paths are ignored, as MLMD does.
    return cols, props


def put_nodes(
    tx: Tx,
    kind: Kind,
    messages: Sequence[Any],
    mask: Sequence[str] = (),
    *,
    force_update_time: bool = False,
    types: TypeInfo | None = None,
) -> list[int]:
    """Insert nodes without an id and update nodes with one; return ids aligned with the input.

    Raises:
        InvalidArgumentError: A missing type id, an unknown or mistyped property, an unknown id
            on update, a changed type id, or an empty context name.
        NotFoundError: A type id that does not name a type of this kind.
        AlreadyExistsError: A duplicate (type, name) or external id.
    """
    if not messages:
        return []
    if len(messages) < _BATCH_WITHOUT_GC:
        return _put_nodes(tx, kind, messages, mask, force_update_time, types)
    with _cycle_gc_paused():
        return _put_nodes(tx, kind, messages, mask, force_update_time, types)


#: Batches of at least this many nodes are encoded and written with the cyclic GC paused.
_BATCH_WITHOUT_GC = 256


@contextmanager
def _cycle_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector (if it runs) for the duration.

    A batch allocates a few objects per property (encoded values, row tuples), all alive until
    the batch is written and none in a reference cycle, so reference counting frees them; but
    their count triggers collections, and in a process with a large heap the older generations'
    passes traverse all of it: 8 of 40 ms per 1,000 artifacts in ingest_bench's process. The
    collector is switched back on afterwards only if this call switched it off (a caller's
    gc.disable() stands; a concurrent batch in another thread may re-enable it early, which
    costs speed only).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _put_nodes(
    tx: Tx,
    kind: Kind,
    messages: Sequence[Any],
    mask: Sequence[str],
    force_update_time: bool,
    types: TypeInfo | None,
) -> list[int]:
    check_nodes(kind.title, messages, tx.dialect, tx.backend._utf8_over_latin1)
    type_ids = {int(m.type_id) for m in messages if m.HasField("type_id")}
    update_ids = [int(m.id) for m in messages if m.HasField("id")]
    stored = _load_stored(tx, kind, update_ids) if update_ids else {}
    type_ids.update(r.type_id for r in stored.values())
    if types is None or not type_ids <= types.keys():
        types = load_type_info(tx, sorted(type_ids))
    now = now_ms()
    inserts: list[tuple[int, _Row]] = []
    updates: list[tuple[_Row, _Row]] = []  # (stored, new)
    for index, msg in enumerate(messages):
        if msg.HasField("id"):
            old = stored.get(int(msg.id))
            if old is None:
                raise InvalidArgumentError(
                    f"{_where(kind, index, msg)}: Cannot find the given id {msg.id}"
                )
            if msg.HasField("type_id") and int(msg.type_id) != old.type_id:
                raise InvalidArgumentError(
                    f"{_where(kind, index, msg)}.type_id: the stored {kind.name} has type_id "
                    f"{old.type_id}; a node's type cannot change (got {msg.type_id})"
                )
            declared = _check_type(kind, index, kind.proto(type_id=old.type_id), types)
            new_cols = _columns(kind, msg)
            new_props = _encode_props(tx, kind, index, msg, declared)
            if mask:
                cols, props = _apply_mask(kind, old, msg, new_cols, new_props, mask)
            else:
                cols, props = new_cols, new_props
                if not kind.name_updatable:
                    cols["name"] = old.columns["name"]  # MLMD never updates these names
            if kind.name == "context" and not cols.get("name"):
                raise InvalidArgumentError(
                    f"{_where(kind, index, msg)}.name: Context name should not be empty"
                )
            updates.append((old, _Row(id=old.id, type_id=old.type_id, columns=cols, props=props)))
        else:
            if not msg.HasField("type_id"):
                raise InvalidArgumentError(
                    f"{_where(kind, index, msg)}.type_id: Type id is missing."
                )
            declared = _check_type(kind, index, msg, types)
            cols = _columns(kind, msg)
            if kind.name == "context" and not cols.get("name"):
                raise InvalidArgumentError(
                    f"{_where(kind, index, msg)}.name: Context name should not be empty"
                )
            props = _encode_props(tx, kind, index, msg, declared)
            inserts.append(
                (index, _Row(id=None, type_id=int(msg.type_id), columns=cols, props=props))
            )

    changed = [
        (old, new)
        for old, new in updates
        if force_update_time or old.columns != new.columns or old.props != new.props
    ]
    _check_unique(tx, kind, [r for _, r in inserts], [(o, n) for o, n in changed])

    ids: list[int] = [int(m.id) if m.HasField("id") else 0 for m in messages]
    try:
        _write(tx, kind, inserts, changed, ids, now)
    except Exception as exc:
        if tx.dialect == "postgresql" and getattr(exc, "sqlstate", None) == "54000":
            raise index_overflow(kind.title, messages, str(exc).splitlines()[0]) from exc
        raise
    return ids


def _write(
    tx: Tx,
    kind: Kind,
    inserts: list[tuple[int, _Row]],
    changed: list[tuple[_Row, _Row]],
    ids: list[int],
    now: int,
) -> None:
    """Insert the new rows (filling ``ids``) and update the changed ones."""
    if inserts:
        rows = [
            {
                "type_id": r.type_id,
                **r.columns,
                "create_time_since_epoch": now,
                "last_update_time_since_epoch": now,
            }
            for _, r in inserts
        ]
        new_ids = insert_many(tx, ("node", kind.name), kind.table, rows)
        for (index, row), new_id in zip(inserts, new_ids, strict=True):
            ids[index] = new_id
            row.id = new_id
        _insert_props(tx, kind, [r for _, r in inserts])
    if changed:
        _update(tx, kind, changed, now)


def _check_unique(
    tx: Tx, kind: Kind, inserts: Sequence[_Row], updates: Sequence[tuple[_Row, _Row]]
) -> None:
    """Refuse duplicate names and external ids with a message that names them."""
    names: dict[tuple[int, str], int] = {}
    externals: dict[str, int] = {}
    for row in inserts:
        if row.columns.get("name") is not None:
            key = (row.type_id, row.columns["name"])
            if key in names:
                raise AlreadyExistsError(
                    f"{kind.title}.name '{key[1]}' appears twice for type_id {key[0]} "
                    "in one request"
                )
            names[key] = 0
    for old, new in updates:
        if kind.name_updatable and new.columns.get("name") != old.columns.get("name"):
            names[(new.type_id, new.columns["name"])] = int(new.id or 0)
    for row in [
        *inserts,
        *(n for o, n in updates if n.columns.get("external_id") != o.columns.get("external_id")),
    ]:
        ext = row.columns.get("external_id")
        if ext is not None:
            if ext in externals:
                raise AlreadyExistsError(
                    f"{kind.title}.external_id '{ext}' appears twice in one request"
                )
            externals[ext] = int(row.id or 0)
    if names:

        def by_name(t: Any) -> Any:
            # type_id leads the (type_id, name) unique index: without it this is a full scan.
            node = kind.table(t)
            return sa.select(node.c.id, node.c.name).where(
                node.c.type_id == sa.bindparam("type_id"),
                node.c.name.in_(sa.bindparam("names", expanding=True)),
            )

        sql = tx.backend.sql(("ids_by_type_and_name", kind.name), by_name)
        by_type: dict[int, list[str]] = {}
        for type_id, name in names:
            by_type.setdefault(type_id, []).append(name)
        for type_id, wanted in sorted(by_type.items()):
            params = {"type_id": type_id}
            for found_id, name in tx.rows_chunked(sql, "names", sorted(wanted), params):
                own = names[(type_id, name)]
                if own != found_id:
                    raise AlreadyExistsError(
                        f"{kind.title}.name '{name}' already exists for type_id {type_id} "
                        f"({kind.name} id {found_id}); names are unique per type"
                    )
    if externals:

        def by_ext(t: Any) -> Any:
            node = kind.table(t)
            return sa.select(node.c.id, node.c.external_id).where(
                node.c.external_id.in_(sa.bindparam("exts", expanding=True))
            )

        sql = tx.backend.sql(("ids_by_external_id", kind.name), by_ext)
        for found_id, ext in tx.rows_chunked(sql, "exts", sorted(externals)):
            if externals.get(ext) != found_id:
                raise AlreadyExistsError(
                    f"{kind.title}.external_id '{ext}' is already used by {kind.name} id {found_id}"
                )


def insert_many(tx: Tx, key: Any, table: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert rows into an auto-increment table; return their ids in input order."""
    if not rows:
        return []
    backend = tx.backend
    cols = list(rows[0])
    if len(rows) == 1 or backend.dialect == "postgresql" and len(rows) < 3:
        return [_insert_one(tx, key, table, cols, r) for r in rows]
    if backend.dialect == "sqlite":
        text, order = backend.sql_rows(
            (key, tuple(cols)),
            lambda t: sa.insert(table(t)).values({c: sa.bindparam(c) for c in cols}),
        )
        pick = itemgetter(*order)
        tx.cur.executemany(text, [pick(r) for r in rows])
        last = int(tx.cur.execute("SELECT last_insert_rowid()").fetchone()[0])
        # The write lock is ours and ids are AUTOINCREMENT: the new ids are contiguous.
        return list(range(last - len(rows) + 1, last + 1))
    if backend.dialect == "postgresql":
        sql = backend.sql(
            (key, "returning"),
            lambda t: (
                sa.insert(table(t))
                .values({c: sa.bindparam(c) for c in cols})
                .returning(table(t).c.id)
            ),
        )
        tx.cur.executemany(sql.text, rows, returning=True)
        ids: list[int] = []
        while True:
            ids.append(int(tx.cur.fetchone()[0]))
            if not tx.cur.nextset():
                break
        return ids
    if backend.is_mariadb and backend.server_version >= (10, 5):
        out: list[int] = []
        for batch in _packet_batches(rows):
            n = len(batch)

            def build(t: Any, n: int = n) -> Any:
                values: list[dict[str, Any]] = [
                    {c: sa.bindparam(f"{c}_{i}") for c in cols} for i in range(n)
                ]
                return sa.insert(table(t)).values(values).returning(table(t).c.id)

            params = {f"{c}_{i}": r[c] for i, r in enumerate(batch) for c in cols}
            out.extend(int(r[0]) for r in tx.rows(backend.sql((key, "multi", n), build), params))
        return out
    return [_insert_one(tx, key, table, cols, r) for r in rows]


#: Most bytes of text in one multi-row INSERT on MySQL (its packet holds 16 MiB by default).
PACKET_BUDGET = 4 * 1024 * 1024


def _packet_batches(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    """Split rows into batches of at most ``CHUNK`` rows and about ``PACKET_BUDGET`` bytes.

    Each value fits the packet alone (checked in ``_limits``), but 500 long ones together may
    not; a row's size is estimated high (every character as 4 bytes, escaped).
    """
    start, size = 0, 0
    for i, row in enumerate(rows):
        cost = 64 + sum(8 * len(v) for v in row.values() if isinstance(v, str))
        if i > start and (i - start >= CHUNK or size + cost > PACKET_BUDGET):
            yield rows[start:i]
            start, size = i, 0
        size += cost
    if start < len(rows):
        yield rows[start:]


def _insert_one(tx: Tx, key: Any, table: Any, cols: list[str], row: dict[str, Any]) -> int:
    backend = tx.backend
    if backend.dialect == "postgresql":
        sql = backend.sql(
            (key, "returning"),
            lambda t: (
                sa.insert(table(t))
                .values({c: sa.bindparam(c) for c in cols})
                .returning(table(t).c.id)
            ),
        )
        return int(tx.run(sql, row).fetchone()[0])
    sql = backend.sql(
        (key, "row"), lambda t: sa.insert(table(t)).values({c: sa.bindparam(c) for c in cols})
    )
    return int(tx.run(sql, row).lastrowid)


#: The value columns that ``_prop_rows`` groups by: int, double and string.
_VALUE_COLUMNS = _PROP_COLS[:3]


def _prop_rows(rows: Iterable[_Row]) -> tuple[list[tuple[Any, ...]], ...]:
    """Property rows grouped by their value column: ints, doubles, strings, then the rest.

    Each group binds only its own value column (the others default to NULL): a third fewer
    parameters per row than binding all five value columns, which SQLite feels at thousands
    of rows. The rest (proto, bool, empty values) bind all eight columns.
    """
    ints: list[tuple[Any, ...]] = []
    doubles: list[tuple[Any, ...]] = []
    strings: list[tuple[Any, ...]] = []
    rest: list[tuple[Any, ...]] = []
    for row in rows:
        owner = row.id
        for (name, custom), values in row.props.items():
            iv, dv, sv, pv, bv = values
            if iv is not None:
                ints.append((owner, name, custom, iv))
            elif dv is not None:
                doubles.append((owner, name, custom, dv))
            elif sv is not None:
                strings.append((owner, name, custom, sv))
            else:
                rest.append((owner, name, custom, *values))
    return ints, doubles, strings, rest


#: The parameters of a property insert binding every value column, in ``_prop_rows`` order.
_PROP_ROW = ("owner", "name", "is_custom", "iv", "dv", "sv", "pv", "bv")


def _insert_props_sql(tx: Tx, kind: Kind, column: str | None) -> str:
    """The property insert binding one value ``column``, or all of them (None)."""

    def build(t: Any) -> Any:
        p = kind.prop_table(t)
        values: dict[str, Any] = {
            kind.owner: sa.bindparam("owner"),
            "name": sa.bindparam("name"),
            "is_custom_property": sa.bindparam("is_custom"),
        }
        if column is not None:
            values[column] = sa.bindparam("value")
        else:
            values.update(
                {c: sa.bindparam(n) for c, n in zip(_PROP_COLS, _PROP_ROW[3:], strict=True)}
            )
        return sa.insert(p).values(values)

    text, order = tx.backend.sql_rows(("insert_props", kind.name, column), build)
    expected = _PROP_ROW if column is None else (*_PROP_ROW[:3], "value")
    if order != expected:  # the table's column order decides; it is fixed by the schema
        raise AssertionError(f"property insert binds {order}, not {expected}")
    return text


#: Fewer property rows than this go in one statement binding every value column (grouping by
#: column pays off only when the rows outnumber the extra statements' own cost).
_GROUPED_FROM = 64


def _insert_props(tx: Tx, kind: Kind, rows: Sequence[_Row]) -> None:
    if len(rows) < _GROUPED_FROM and sum(len(r.props) for r in rows) < _GROUPED_FROM:
        flat = [
            (r.id, name, custom, *values)
            for r in rows
            for (name, custom), values in r.props.items()
        ]
        tx.many_rows(_insert_props_sql(tx, kind, None), flat)
        return
    groups = _prop_rows(rows)
    for column, group in zip((*_VALUE_COLUMNS, None), groups, strict=True):
        if group:
            tx.many_rows(_insert_props_sql(tx, kind, column), group)


def _update(tx: Tx, kind: Kind, changed: Sequence[tuple[_Row, _Row]], now: int) -> None:
    cols = ["name", "external_id", *kind.extra]

    def build_row(t: Any) -> Any:
        node = kind.table(t)
        values: dict[str, Any] = {c: sa.bindparam(f"v_{c}") for c in cols}
        values["last_update_time_since_epoch"] = sa.bindparam("v_now")
        return sa.update(node).where(node.c.id == sa.bindparam("node_id")).values(values)

    def build_delete(t: Any) -> Any:
        p = kind.prop_table(t)
        return sa.delete(p).where(
            p.c[kind.owner] == sa.bindparam("owner"),
            p.c.name == sa.bindparam("name"),
            p.c.is_custom_property == sa.bindparam("is_custom"),
        )

    row_sql = tx.backend.sql(("update_node", kind.name), build_row)
    params = []
    deletes: list[dict[str, Any]] = []
    inserts: list[_Row] = []
    for old, new in changed:
        values: dict[str, Any] = {f"v_{c}": new.columns.get(c) for c in cols}
        values["v_now"] = now
        values["node_id"] = new.id
        params.append(values)
        stale = [k for k in old.props if k not in new.props or old.props[k] != new.props[k]]
        deletes.extend({"owner": new.id, "name": n, "is_custom": c} for n, c in stale)
        fresh = {k: v for k, v in new.props.items() if old.props.get(k) != v}
        if fresh:
            inserts.append(_Row(id=new.id, type_id=new.type_id, columns={}, props=fresh))
    tx.many(row_sql, params)
    if deletes:
        tx.many(tx.backend.sql(("delete_prop", kind.name), build_delete), deletes)
    _insert_props(tx, kind, inserts)
