"""Artifact, execution and context types: upsert with MLMD's evolution rules, and reads."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from google.protobuf import json_format

from lineage.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
    UnimplementedError,
)
from lineage.store._backend import Tx
from lineage.store._convert import PROPERTY_TYPE_NAMES, UNKNOWN
from lineage.store._kinds import (
    EXECUTION_TYPE,
    SIMPLE_TYPE_NAMES,
    SIMPLE_TYPES,
    TYPE_KINDS,
    TypeKind,
)
from lineage.store._limits import check_type

__all__ = [
    "ensure_simple_types",
    "get_type",
    "get_types",
    "get_types_by_external_ids",
    "get_types_by_id",
    "load_type_info",
    "put_type",
]

_TYPE_COLS = ("id", "name", "version", "description", "input_type", "output_type", "external_id")


def _select_types(t: Any) -> Any:
    ty = t.type
    return sa.select(*(ty.c[c] for c in _TYPE_COLS))


def _fetch(tx: Tx, kind: TypeKind, rows: Sequence[Any]) -> list[Any]:
    """Turn Type rows into protos with their properties and base types (two batched queries)."""
    if not rows:
        return []
    ids = [r[0] for r in rows]
    props: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for type_id, name, data_type in tx.rows_chunked(
        tx.backend.sql(
            "type_props",
            lambda t: (
                sa.select(
                    t.type_property.c.type_id, t.type_property.c.name, t.type_property.c.data_type
                )
                .where(t.type_property.c.type_id.in_(sa.bindparam("ids", expanding=True)))
                .order_by(t.type_property.c.type_id, t.type_property.c.name)
            ),
        ),
        "ids",
        ids,
    ):
        props[type_id].append((name, data_type))
    bases: dict[int, str] = {}
    if kind.base_names:
        for type_id, parent_name in tx.rows_chunked(
            tx.backend.sql(
                "type_bases",
                lambda t: (
                    sa.select(t.parent_type.c.type_id, t.type.c.name)
                    .join(t.type, t.type.c.id == t.parent_type.c.parent_type_id)
                    .where(t.parent_type.c.type_id.in_(sa.bindparam("ids", expanding=True)))
                ),
            ),
            "ids",
            ids,
        ):
            bases[type_id] = parent_name
    out = []
    for type_id, name, version, description, input_type, output_type, external_id in rows:
        msg = kind.proto(id=type_id, name=name)
        if version is not None:
            msg.version = version
        if description is not None:
            msg.description = description
        if external_id is not None:
            msg.external_id = external_id
        for prop_name, data_type in props.get(type_id, ()):
            msg.properties[prop_name] = data_type if data_type is not None else UNKNOWN
        if kind.code == EXECUTION_TYPE:
            if input_type:
                json_format.Parse(input_type, msg.input_type)
            if output_type:
                json_format.Parse(output_type, msg.output_type)
        base = bases.get(type_id)
        if base is not None:
            value = kind.base_value(base)
            if value is not None:
                msg.base_type = value
        out.append(msg)
    return out


def _lock_name(tx: Tx, name: str) -> None:
    """Serialize writers that may create a type of this name (the Type table has no unique key
    on names, so without this two processes could both create it; MLMD has that race)."""
    # MySQL takes one lock for every name: the lookup below is a locking read (FOR UPDATE) whose
    # next-key locks on the name index span neighbouring names, so creators of different types
    # deadlocked too, and dozens of writers registering types at once ran out of retries.
    tx.named_lock("lineage-types" if tx.dialect == "mysql" else f"lineage-type:{name}")


def _find_row(tx: Tx, kind: TypeKind, name: str, version: str | None, lock: bool = False) -> Any:
    if lock:
        _lock_name(tx, name)
    if tx.dialect == "mysql" and lock:
        return _find_row_for_update(tx, kind, name, version)
    if version:
        sql = tx.backend.sql(
            "type_by_name_version",
            lambda t: _select_types(t).where(
                t.type.c.name == sa.bindparam("name"),
                t.type.c.version == sa.bindparam("version"),
                t.type.c.type_kind == sa.bindparam("kind"),
            ),
        )
        return tx.run(sql, {"name": name, "version": version, "kind": kind.code}).fetchone()
    sql = tx.backend.sql(
        "type_by_name",
        lambda t: _select_types(t).where(
            t.type.c.name == sa.bindparam("name"),
            t.type.c.version.is_(None),
            t.type.c.type_kind == sa.bindparam("kind"),
        ),
    )
    return tx.run(sql, {"name": name, "kind": kind.code}).fetchone()


def _find_row_for_update(tx: Tx, kind: TypeKind, name: str, version: str | None) -> Any:
    def build(t: Any) -> Any:
        version_test = (
            t.type.c.version == sa.bindparam("version") if version else t.type.c.version.is_(None)
        )
        return (
            _select_types(t)
            .where(
                t.type.c.name == sa.bindparam("name"),
                version_test,
                t.type.c.type_kind == sa.bindparam("kind"),
            )
            .with_for_update()
        )

    sql = tx.backend.sql(("type_by_name_for_update", bool(version)), build)
    return tx.run(sql, {"name": name, "version": version, "kind": kind.code}).fetchone()


def get_type(tx: Tx, kind: TypeKind, name: str, version: str | None) -> Any:
    """The type named ``name`` (and ``version``); NotFoundError when there is none."""
    row = _find_row(tx, kind, name, version or None)
    if row is None:
        suffix = f" and version '{version}'" if version else ""
        raise NotFoundError(f"No {kind.title} found with name '{name}'{suffix}")
    return _fetch(tx, kind, [row])[0]


def get_types(tx: Tx, kind: TypeKind) -> list[Any]:
    """Every type of this kind, without the ``mlmd.*`` simple types."""
    sql = tx.backend.sql(
        "types_of_kind",
        lambda t: (
            _select_types(t).where(t.type.c.type_kind == sa.bindparam("kind")).order_by(t.type.c.id)
        ),
    )
    rows = [r for r in tx.rows(sql, {"kind": kind.code}) if r[1] not in SIMPLE_TYPE_NAMES]
    return _fetch(tx, kind, rows)


def get_types_by_id(tx: Tx, kind: TypeKind, ids: Sequence[int]) -> list[Any]:
    """The types of this kind with these ids; unknown ids are skipped."""
    if not ids:
        return []
    sql = tx.backend.sql(
        "types_by_id",
        lambda t: (
            _select_types(t)
            .where(
                t.type.c.id.in_(sa.bindparam("ids", expanding=True)),
                t.type.c.type_kind == sa.bindparam("kind"),
            )
            .order_by(t.type.c.id)
        ),
    )
    return _fetch(
        tx, kind, tx.rows_chunked(sql, "ids", list(dict.fromkeys(ids)), {"kind": kind.code})
    )


def get_types_by_external_ids(tx: Tx, kind: TypeKind, external_ids: Sequence[str]) -> list[Any]:
    """The types with these external ids; NotFoundError when none matches (as MLMD)."""
    if not external_ids:
        return []
    sql = tx.backend.sql(
        "types_by_external_id",
        lambda t: (
            _select_types(t)
            .where(
                t.type.c.external_id.in_(sa.bindparam("ids", expanding=True)),
                t.type.c.type_kind == sa.bindparam("kind"),
            )
            .order_by(t.type.c.id)
        ),
    )
    rows = tx.rows_chunked(sql, "ids", list(dict.fromkeys(external_ids)), {"kind": kind.code})
    if not rows:
        raise NotFoundError(f"No {kind.title} found with external_id in {list(external_ids)!r}")
    return _fetch(tx, kind, rows)


def load_type_info(tx: Tx, type_ids: Sequence[int]) -> dict[int, tuple[int, str, dict[str, int]]]:
    """For node validation: type id → (type_kind, name, {property: data_type}), one query.

    On SQLite the answer is cached per store and reused while ``PRAGMA data_version`` says no
    other connection committed anything and this store wrote no type (see ``Backend``).
    """
    if not type_ids:
        return {}
    wanted = set(type_ids)
    token = tx.type_cache_token()
    cache = tx.backend.type_cache
    if token is not None and cache.get("token") == token and wanted <= cache.keys():
        return {i: cache[i] for i in wanted}
    sql = tx.backend.sql(
        "type_info",
        lambda t: (
            sa.select(
                t.type.c.id,
                t.type.c.type_kind,
                t.type.c.name,
                t.type_property.c.name,
                t.type_property.c.data_type,
            )
            .select_from(
                t.type.outerjoin(t.type_property, t.type_property.c.type_id == t.type.c.id)
            )
            .where(t.type.c.id.in_(sa.bindparam("ids", expanding=True)))
        ),
    )
    info: dict[int, tuple[int, str, dict[str, int]]] = {}
    for type_id, type_kind, name, prop, data_type in tx.rows_chunked(
        sql, "ids", list(set(type_ids))
    ):
        entry = info.setdefault(type_id, (type_kind, name, {}))
        if prop is not None:
            entry[2][prop] = data_type
    if token is not None:
        if cache.get("token") != token:
            cache.clear()
            cache["token"] = token
        cache.update(info)
    return info


def _validate(kind: TypeKind, msg: Any) -> None:
    if not msg.name:
        raise InvalidArgumentError(f"{kind.title}.name: No type name is specified.")
    for prop, data_type in msg.properties.items():
        if data_type == UNKNOWN:
            raise InvalidArgumentError(
                f"{kind.title} '{msg.name}': property '{prop}' is declared with type UNKNOWN; "
                "declare INT, DOUBLE, STRING, STRUCT, PROTO or BOOLEAN"
            )


def put_type(tx: Tx, kind: TypeKind, msg: Any, can_add_fields: bool, can_omit_fields: bool) -> int:
    """Insert a type, or check and evolve the stored one with the same (name, version)."""
    _validate(kind, msg)
    check_type(kind.title, msg, tx.dialect, tx.backend._utf8_over_latin1)
    tx.backend.type_cache.clear()  # this store changes types: cached type info is stale
    version = msg.version if msg.HasField("version") and msg.version else None
    row = _find_row(tx, kind, msg.name, version, lock=True)
    if row is None:
        return _insert(tx, kind, msg, version)
    stored = _fetch(tx, kind, [row])[0]
    type_id = int(stored.id)
    label = f"{kind.title} '{msg.name}'" + (f" version '{version}'" if version else "")
    new_props: dict[str, int] = {}
    for prop, data_type in msg.properties.items():
        if prop in stored.properties:
            if stored.properties[prop] != data_type:
                raise AlreadyExistsError(
                    f"{label} already exists with property '{prop}' of type "
                    f"{PROPERTY_TYPE_NAMES.get(stored.properties[prop])}; the request declares "
                    f"{PROPERTY_TYPE_NAMES.get(data_type)}"
                )
        else:
            new_props[prop] = data_type
    missing = sorted(set(stored.properties) - set(msg.properties))
    if missing and not can_omit_fields:
        raise AlreadyExistsError(
            f"{label} already exists with properties {missing} that the request omits; "
            "pass can_omit_fields=True to allow this"
        )
    if new_props and not can_add_fields:
        raise AlreadyExistsError(
            f"{label} already exists without properties {sorted(new_props)}; "
            "pass can_add_fields=True to add them"
        )
    _check_base_type(tx, kind, msg, stored, type_id)
    if new_props:
        _insert_props(tx, type_id, new_props)
    if msg.HasField("external_id") and msg.external_id != stored.external_id:
        sql = tx.backend.sql(
            "type_set_external_id",
            lambda t: (
                sa.update(t.type)
                .where(t.type.c.id == sa.bindparam("tid"))
                .values(external_id=sa.bindparam("ext"))
            ),
        )
        _guard_external_id(tx, kind, msg.external_id, type_id)
        tx.run(sql, {"tid": type_id, "ext": msg.external_id or None})
    return type_id


def _check_base_type(tx: Tx, kind: TypeKind, msg: Any, stored: Any, type_id: int) -> None:
    if not kind.base_names or not msg.HasField("base_type"):
        return
    requested = int(msg.base_type)
    current = int(stored.base_type) if stored.HasField("base_type") else 0
    if requested == current:
        return
    if requested == 0:
        raise UnimplementedError(
            f"{kind.title} '{msg.name}': base_type deletion is not supported yet "
            f"(stored base_type is {kind.base_names.get(current)})"
        )
    if current != 0:
        raise UnimplementedError(
            f"{kind.title} '{msg.name}': base_type update is not supported yet "
            f"(stored {kind.base_names.get(current)}, requested {kind.base_names.get(requested)})"
        )
    _link_base_type(tx, kind, type_id, requested)


def _link_base_type(tx: Tx, kind: TypeKind, type_id: int, base: int) -> None:
    simple_name = kind.base_names.get(base)
    if simple_name is None:
        raise InvalidArgumentError(f"{kind.title}.base_type: unknown value {base}")
    parent = _find_row(tx, kind, simple_name, None)
    if parent is None:  # pragma: no cover - simple types are created on open
        raise NotFoundError(f"simple type {simple_name} is missing")
    sql = tx.backend.sql(
        "insert_parent_type",
        lambda t: sa.insert(t.parent_type).values(
            type_id=sa.bindparam("tid"), parent_type_id=sa.bindparam("pid")
        ),
    )
    tx.run(sql, {"tid": type_id, "pid": parent[0]})


def _guard_external_id(tx: Tx, kind: TypeKind, external_id: str, own_id: int | None) -> None:
    if not external_id:
        return
    sql = tx.backend.sql(
        "type_id_by_external_id",
        lambda t: sa.select(t.type.c.id, t.type.c.name).where(
            t.type.c.external_id == sa.bindparam("ext")
        ),
    )
    row = tx.run(sql, {"ext": external_id}).fetchone()
    if row is not None and row[0] != own_id:
        raise AlreadyExistsError(
            f"{kind.title}.external_id '{external_id}' is already used by type '{row[1]}' "
            f"(id {row[0]})"
        )


def _insert_props(tx: Tx, type_id: int, props: dict[str, int]) -> None:
    sql = tx.backend.sql(
        "insert_type_prop",
        lambda t: sa.insert(t.type_property).values(
            type_id=sa.bindparam("tid"), name=sa.bindparam("name"), data_type=sa.bindparam("dt")
        ),
    )
    tx.many(sql, ({"tid": type_id, "name": n, "dt": int(d)} for n, d in sorted(props.items())))


def _insert(tx: Tx, kind: TypeKind, msg: Any, version: str | None) -> int:
    external_id = msg.external_id if msg.HasField("external_id") and msg.external_id else None
    _guard_external_id(tx, kind, external_id or "", None)
    input_type = output_type = None
    if kind.code == EXECUTION_TYPE:
        if msg.HasField("input_type"):
            input_type = _compact_json(msg.input_type)
        if msg.HasField("output_type"):
            output_type = _compact_json(msg.output_type)
    values = {
        "name": msg.name,
        "version": version,
        "type_kind": kind.code,
        "description": msg.description if msg.HasField("description") else None,
        "input_type": input_type,
        "output_type": output_type,
        "external_id": external_id,
    }
    type_id = insert_returning_id(tx, "insert_type", lambda t: t.type, values)
    if msg.properties:
        _insert_props(tx, type_id, dict(msg.properties))
    if kind.base_names and msg.HasField("base_type") and msg.base_type != 0:
        _link_base_type(tx, kind, type_id, int(msg.base_type))
    return type_id


def _compact_json(message: Any) -> str:
    """An ArtifactStructType as compact JSON, the form MLMD stores."""
    return json.dumps(json_format.MessageToDict(message), separators=(",", ":"))


def insert_returning_id(tx: Tx, key: str, table: Any, values: dict[str, Any]) -> int:
    """Insert one row into an auto-increment table and return its id."""
    backend = tx.backend
    if backend.dialect == "postgresql":
        sql = backend.sql(
            (key, "pg"),
            lambda t: (
                sa.insert(table(t))
                .values({c: sa.bindparam(c) for c in values})
                .returning(table(t).c.id)
            ),
        )
        return int(tx.run(sql, values).fetchone()[0])
    sql = backend.sql(
        key,
        lambda t: sa.insert(table(t)).values({c: sa.bindparam(c) for c in values}),
    )
    return int(tx.run(sql, values).lastrowid)


def ensure_simple_types(tx: Tx) -> None:
    """Create the 9 ``mlmd.*`` simple types that are missing (MLMD upserts them on every open)."""
    sql = tx.backend.sql(
        "simple_types_present",
        lambda t: sa.select(t.type.c.name, t.type.c.type_kind).where(
            t.type.c.name.in_(sa.bindparam("names", expanding=True)), t.type.c.version.is_(None)
        ),
    )
    present = {(name, kind) for name, kind in tx.rows(sql, {"names": [n for n, _ in SIMPLE_TYPES]})}
    for name, code in SIMPLE_TYPES:
        if (name, code) not in present:
            kind = TYPE_KINDS[code]
            if _find_row(tx, kind, name, None, lock=True) is None:  # re-checked under the lock
                _insert(tx, kind, kind.proto(name=name), None)
