"""How facets and received events sit in MLMD property values.

Both go in ``proto_value`` (an ``Any``): a facet as a ``google.protobuf.Struct``, the received
events as a ``google.protobuf.StringValue`` holding their JSON (so numbers keep their JSON form
and the events go back out exactly as they came). Not ``struct_value`` or ``string_value``:
ml-metadata's PostgreSQL schema indexes those columns in full, and a btree entry holds at most
2,704 bytes, less than a column-lineage facet or a stack trace takes (docs/decisions.md D33).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.struct_pb2 import Struct
from google.protobuf.wrappers_pb2 import StringValue

from lineage import conventions as cv
from lineage.errors import NotFoundError
from lineage.proto.values import struct_from_any

__all__ = ["all_found", "facet_value", "received_events", "set_events", "set_facet"]


def set_facet(node: Any, key: str, data: Any) -> None:
    """Store a facet (a JSON object) as the custom property ``key`` of ``node``."""
    message = Struct()
    message.update(data if isinstance(data, dict) else {"value": data})
    node.custom_properties[key].proto_value.Pack(message)


def facet_value(node: Any, key: str) -> Any:
    """The facet a node keeps in the custom property ``key``, as JSON data; None if absent.

    Example:
        >>> from lineage.proto import Execution
        >>> e = Execution()
        >>> set_facet(e, "ol.job_facet.sql", {"query": "SELECT 1"})
        >>> facet_value(e, "ol.job_facet.sql")
        {'query': 'SELECT 1'}
    """
    props = node.custom_properties
    if key not in props:
        return None
    value = props[key]
    which = value.WhichOneof("value")
    if which == "proto_value":
        return struct_from_any(value.proto_value)
    if which == "struct_value":
        return json_format.MessageToDict(value.struct_value)
    return None


def set_events(node: Any, events: list[dict[str, Any]]) -> None:
    """Keep the events received for a node (sorted keys: one text for one set of events)."""
    text = json.dumps(events, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    node.custom_properties[cv.OL_EVENTS].proto_value.Pack(StringValue(value=text))


def received_events(node: Any) -> list[dict[str, Any]]:
    """The OpenLineage events a run, job or dataset was recorded from ([] for other nodes)."""
    props = node.custom_properties
    if cv.OL_EVENTS not in props:
        return []
    value = props[cv.OL_EVENTS]
    if value.WhichOneof("value") == "proto_value":
        text = StringValue()
        value.proto_value.Unpack(text)
        data: list[dict[str, Any]] = json.loads(text.value)
        return data
    return list(json.loads(value.string_value))


def all_found(getter: Callable[..., Any], *args: Any) -> list[Any]:
    """What a store getter finds, as a list: [] where MLMD answers NotFound for "none"."""
    try:
        return list(getter(*args))
    except NotFoundError:
        return []
