"""Listing nodes with MLMD's ``ListOptions``: filter, order, limit, and scoping to a context.

ml-metadata's Python client pages through results 100 rows at a time, re-running the whole query
for each page. lineage runs one query with the requested limit, in the same order (``ORDER BY
field, id`` in the requested direction), so a full listing costs one round trip.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from lineage.errors import InvalidArgumentError
from lineage.store._backend import Tx
from lineage.store._kinds import Kind
from lineage.store._nodes import get_nodes_by_ids, node_select, read_nodes

__all__ = ["ListOptions", "OrderByField", "list_nodes"]

#: The SQLite VM steps a filtered first page may take walking the nodes in order (a few ms).
FIRST_PAGE_STEPS = 100_000
#: Most filters remembered as too slow for the in-order walk, per store.
ADHOC_SLOW = 1_024


class OrderByField(enum.Enum):
    """The field that orders a listing (MLMD's values)."""

    CREATE_TIME = 1
    UPDATE_TIME = 2
    ID = 3


_ORDER_COLUMNS = {
    OrderByField.CREATE_TIME: "create_time_since_epoch",
    OrderByField.UPDATE_TIME: "last_update_time_since_epoch",
    OrderByField.ID: "id",
}


@dataclass
class ListOptions:
    """How to list nodes, as ``ml_metadata.ListOptions``.

    Attributes:
        limit: The most nodes to return; None or 0 returns all of them.
        order_by: The ordering field; ID when unset.
        is_asc: Ascending (default) or descending order; ties are broken by id, same direction.
        filter_query: An MLMD filter query, e.g. ``"type = 'Model' AND state = LIVE"``.
    """

    limit: int | None = None
    order_by: OrderByField | None = None
    is_asc: bool = True
    filter_query: str | Any | None = None


def _order_field(options: Any) -> OrderByField:
    order = getattr(options, "order_by", None)
    if order is None:
        return OrderByField.ID
    if isinstance(order, OrderByField):
        return order
    # ml_metadata.OrderByField or a plain int: match by value.
    value = getattr(order, "value", order)
    try:
        return OrderByField(int(value))
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"ListOptions.order_by: unknown ordering {order!r}") from exc


def check_options(options: Any) -> None:
    """Validate a ListOptions (ours or ml_metadata's) before anything runs."""
    if options is None:
        return
    limit = getattr(options, "limit", None)
    if limit is not None and not isinstance(limit, int):
        raise InvalidArgumentError(f"ListOptions.limit must be an integer, got {limit!r}")
    if limit and limit < 1:
        raise InvalidArgumentError(
            "Invalid list_options.limit value passed. list_options.limit is expected to be greater "
            f"than 1 (got {limit})"
        )
    _order_field(options)


def list_nodes(
    tx: Tx,
    kind: Kind,
    options: Any,
    scope: tuple[str, int] | None = None,
    after: tuple[int | None, int] | None = None,
) -> list[Any]:
    """List nodes of ``kind`` by ``options``.

    ``scope`` = ('context', id) keeps a context's members, ('type', id) the nodes of one type.
    ``after`` = (order field value, id) of the last node of the previous page: only the nodes
    after it in the listing's order (keyset paging).

    Raises:
        InvalidArgumentError: A negative limit or a malformed filter query.
    """
    check_options(options)
    field = _order_field(options)
    asc = bool(getattr(options, "is_asc", True)) if options is not None else True
    limit = getattr(options, "limit", None) if options is not None else None
    filter_query = getattr(options, "filter_query", None) if options is not None else None
    t = tx.backend.tables
    node = kind.table(t)

    def past(column: Any, id_column: Any) -> ColumnElement[bool]:
        """The keyset condition: rows after ``after`` in the listing's order."""
        last_id = sa.bindparam("after_id", type_=sa.BigInteger())
        beyond = id_column > last_id if asc else id_column < last_id
        if field == OrderByField.ID:
            result: ColumnElement[bool] = beyond
            return result
        value = sa.bindparam("after_value", type_=sa.BigInteger())
        return sa.or_(column > value if asc else column < value, sa.and_(column == value, beyond))

    def ordered(stmt: sa.Select[Any], n: Any) -> sa.Select[Any]:
        """``stmt`` with the listing's scope, order and limit, on the node table or alias ``n``."""
        if scope is not None and scope[0] == "type":
            stmt = stmt.where(n.c.type_id == sa.bindparam("scope_id"))
        elif scope is not None:
            link = t.attribution if kind.name == "artifact" else t.association
            members = sa.select(link.c[kind.owner]).where(
                link.c.context_id == sa.bindparam("scope_id")
            )
            stmt = stmt.where(n.c.id.in_(members))
        column = n.c[_ORDER_COLUMNS[field]]
        if after is not None:
            stmt = stmt.where(past(column, n.c.id))
        keys = [column] if field == OrderByField.ID else [column, n.c.id]
        stmt = stmt.order_by(*(k.asc() if asc else k.desc() for k in keys))
        if limit:
            stmt = stmt.limit(sa.bindparam("row_limit", type_=sa.Integer()))
            stmt = stmt.offset(sa.bindparam("row_offset", type_=sa.Integer()))
        return stmt

    def listing(match: ColumnElement[bool] | None, ids_only: bool = False) -> sa.Select[Any]:
        stmt = sa.select(node.c.id) if ids_only else node_select(t, kind)
        return ordered(stmt if match is None else stmt.where(match), node)

    params: dict[str, Any] = {"scope_id": int(scope[1])} if scope is not None else {}
    if limit:
        params["row_limit"] = int(limit)
        params["row_offset"] = 0
    if after is not None:
        params["after_id"] = int(after[1])
        if field != OrderByField.ID:
            params["after_value"] = int(after[0] or 0)
    shape = (scope[0] if scope is not None else None, after is not None)
    if not filter_query:
        sql_key = ("list", kind.name, field, asc, bool(limit), *shape)
        rows = tx.rows(tx.backend.sql(sql_key, lambda _t: listing(None)), params)
        return read_nodes(tx, kind, rows)

    from lineage.store._filters import filter_node_ids

    # A filter given as text determines the statement: compiled forms are kept per store.
    key: tuple[Any, ...] | None = None
    if isinstance(filter_query, str):
        key = (kind.name, filter_query, field, asc, bool(limit), *shape)
    parts: list[Any] = []

    def compiled() -> Any:
        if not parts:
            parts.append(filter_node_ids(filter_query, kind.name, t))
        return parts[0]

    found = None
    slow = tx.backend.slow_first_pages
    if limit and tx.dialect == "sqlite" and (key is None or key not in slow):
        # id IN (<filter>) evaluates the whole filter before the limit applies: a first page of
        # 100 among 26,000 matches costs as much as all of them. Testing each node in the
        # listing's order (a correlated EXISTS) stops at the limit: fast when matches are
        # common, slow when they are rare, so it runs with a step budget and the IN form takes
        # over (and is used directly next time).
        def walk() -> sa.Select[Any]:
            c = compiled()
            match = (
                sa.select(sa.literal(1))
                .select_from(c.from_clause)
                .where(c.node.c.id == node.c.id, c.where)
                .exists()
            )
            return listing(match)

        walk_key = None if key is None else ("walk", *key)
        found = tx.adhoc_within(walk_key, walk, FIRST_PAGE_STEPS, params)
        if found is None and key is not None and len(slow) < ADHOC_SLOW:
            slow.add(key)
    if found is None and tx.dialect != "sqlite":
        # Servers order and cut the ids alone far more cheaply than whole rows joined with
        # their types (MariaDB sorts the joined rows in a temporary table), and the filter's
        # own joins more cheaply than through id IN (...): ids first, then the nodes by id.
        # Without a limit too: MariaDB scanned every node to probe id IN (<context members>).
        def page_ids() -> sa.Select[Any]:
            c = compiled()
            if c.flat and field == OrderByField.ID and scope is None:
                # One context condition in id order: the members straight from the link index.
                members: sa.Select[Any] = c.ids
                member = members.selected_columns[0]
                if after is not None:
                    members = members.where(past(member, member))
                members = members.distinct().order_by(member.asc() if asc else member.desc())
                if limit:
                    members = members.limit(sa.bindparam("row_limit", type_=sa.Integer()))
                    members = members.offset(sa.bindparam("row_offset", type_=sa.Integer()))
                return members
            if c.flat:  # one context condition: its members, ordered on the node table
                return listing(node.c.id.in_(c.ids), ids_only=True)
            n = c.node
            column = n.c[_ORDER_COLUMNS[field]]
            stmt = sa.select(n.c.id) if field == OrderByField.ID else sa.select(n.c.id, column)
            stmt = stmt.select_from(c.from_clause).where(c.where)
            return ordered(stmt.distinct() if c.needs_distinct else stmt, n)

        ids_key = None if key is None else ("ids", *key)
        ids = [row[0] for row in tx.adhoc_cached(ids_key, page_ids, params)]
        by_id = {n.id: n for n in get_nodes_by_ids(tx, kind, ids)}
        return [by_id[i] for i in ids if i in by_id]
    if found is None:
        in_key = None if key is None else ("in", *key)
        found = tx.adhoc_cached(in_key, lambda: listing(node.c.id.in_(compiled().ids)), params)
    return read_nodes(tx, kind, found)
