"""Reading well-known messages out of MLMD ``proto_value`` fields."""

from __future__ import annotations

from typing import Any

__all__ = ["struct_from_any"]


def struct_from_any(value: Any) -> dict[str, Any] | None:
    """The dict of a ``google.protobuf.Struct`` packed in an ``Any``; None for other messages.

    ``lineage.track`` stores an environment's package list that way (docs/decisions.md D32).
    """
    if not value.type_url.endswith("/google.protobuf.Struct"):
        return None
    from google.protobuf import json_format
    from google.protobuf.struct_pb2 import Struct

    message = Struct()
    value.Unpack(message)
    data: dict[str, Any] = json_format.MessageToDict(message)
    return data
