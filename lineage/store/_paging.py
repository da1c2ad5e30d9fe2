"""One page of a listing as MLMD's RPCs return it: ``ListOperationOptions`` in, nodes and a
``next_page_token`` out.

The Python API lists everything in one statement (D8); the gRPC service and the web API hand out
pages. A page is one keyset query (``ORDER BY field, id`` past the last row of the previous page)
for ``max_result_size + 1`` rows, so page N costs what page 1 costs. Tokens have MLMD's format: a
``ListOperationNextPageToken`` (last id, last order value, the options that started the listing)
in web-safe base64 without padding, so ml-metadata's own clients can carry them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from lineage.errors import InvalidArgumentError
from lineage.store._backend import Tx
from lineage.store._kinds import Kind
from lineage.store._listing import ListOptions, OrderByField, list_nodes

__all__ = ["MAX_PAGE_SIZE", "Page", "decode_token", "encode_token", "list_page"]

#: The most nodes one page holds (MLMD's cap).
MAX_PAGE_SIZE = 100

_FIELDS = {1: OrderByField.CREATE_TIME, 2: OrderByField.UPDATE_TIME, 3: OrderByField.ID}
_VALUE = {
    OrderByField.CREATE_TIME: "create_time_since_epoch",
    OrderByField.UPDATE_TIME: "last_update_time_since_epoch",
}


@dataclass(frozen=True)
class Page:
    """One page of nodes.

    Attributes:
        nodes: The nodes of this page, in the listing's order.
        next_page_token: Pass it back (in ``ListOperationOptions.next_page_token``) for the next
            page; empty on the last page.
    """

    nodes: list[Any]
    next_page_token: str = ""


def encode_token(token: Any) -> str:
    """A ``ListOperationNextPageToken`` as MLMD writes it (web-safe base64, no padding)."""
    return base64.urlsafe_b64encode(token.SerializeToString()).decode("ascii").rstrip("=")


def decode_token(text: str) -> Any:
    """Parse a ``next_page_token``; InvalidArgumentError naming the field when it is not one."""
    from lineage.proto import ListOperationNextPageToken

    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return ListOperationNextPageToken.FromString(raw)
    except Exception as exc:  # binascii.Error or protobuf's DecodeError
        raise InvalidArgumentError(
            f"options.next_page_token is not a token this store handed out: {text[:40]!r}"
        ) from exc


def _order(options: Any) -> tuple[OrderByField, bool]:
    if not options.HasField("order_by_field"):
        return OrderByField.ID, True
    by = options.order_by_field
    value = int(by.field) if by.HasField("field") else 3
    if value == 0:
        value = 3
    if value not in _FIELDS:
        raise InvalidArgumentError(f"options.order_by_field.field: unknown field {value}")
    return _FIELDS[value], bool(by.is_asc) if by.HasField("is_asc") else True


def list_page(tx: Tx, kind: Kind, options: Any, scope: tuple[str, int] | None = None) -> Page:
    """One page of ``kind`` nodes by MLMD's ``ListOperationOptions`` (None: every node).

    Raises:
        InvalidArgumentError: ``max_result_size`` below 1, a malformed filter or token, or a
            token used with another ordering than the one it came from.
    """
    if options is None:
        return Page(list_nodes(tx, kind, None, scope))
    size = int(options.max_result_size) if options.HasField("max_result_size") else 20
    if size < 1:
        raise InvalidArgumentError(
            f"options.max_result_size must be at least 1 (at most {MAX_PAGE_SIZE}), got {size}"
        )
    size = min(size, MAX_PAGE_SIZE)
    field, asc = _order(options)
    after: tuple[int | None, int] | None = None
    if options.next_page_token:
        token = decode_token(options.next_page_token)
        first = token.set_options
        if _order(first) != (field, asc):
            raise InvalidArgumentError(
                "options.order_by_field differs from the listing the next_page_token came from"
            )
        after = (int(token.field_offset), int(token.id_offset))
    listing = ListOptions(
        limit=size + 1,
        order_by=field,
        is_asc=asc,
        filter_query=options.filter_query or None,
    )
    nodes = list_nodes(tx, kind, listing, scope, after)
    if len(nodes) <= size:
        return Page(nodes)
    nodes = nodes[:size]
    last = nodes[-1]
    from lineage.proto import ListOperationNextPageToken

    column = _VALUE.get(field)
    value = int(getattr(last, column)) if column else int(last.id)
    token = ListOperationNextPageToken(id_offset=int(last.id), field_offset=value)
    token.set_options.CopyFrom(options)
    token.set_options.ClearField("next_page_token")
    if field == OrderByField.UPDATE_TIME:
        token.listed_ids.extend(int(n.id) for n in nodes if getattr(n, column or "id") == value)
    return Page(nodes, encode_token(token))
