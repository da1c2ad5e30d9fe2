"""Reading recorded details back out of MLMD nodes (the names in ``lineage.conventions``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from lineage import conventions as cv
from lineage.graph.nx import python_value
from lineage.proto import metadata_store_pb2 as pb
from lineage.proto.values import struct_from_any

__all__ = [
    "artifact_kind",
    "code_of",
    "format_ms",
    "metrics_of",
    "params_of",
    "plain",
    "prop",
    "run_info",
]

#: Custom-property prefixes and names that are not parameters.
#: Lineage's own groups, and what OpenLineage runs keep (their parameters come as ``param.*``).
_NOT_PARAMS = (cv.CODE_PREFIX, "run.", cv.METRIC_PREFIX, cv.TAG_PREFIX, "lineage.", "ol.")

_BASE_KINDS: dict[int, str] = {
    pb.ArtifactType.DATASET: "dataset",
    pb.ArtifactType.MODEL: "model",
    pb.ArtifactType.METRICS: "metrics",
    pb.ArtifactType.STATISTICS: "statistics",
}
_NAME_HINTS = (
    ("dataset", ("dataset", "data", "examples", "table", "split")),
    ("model", ("model", "checkpoint", "pushedmodel")),
    ("metrics", ("metric", "evaluation", "score")),
    ("statistics", ("statistic", "schema", "anomal")),
)


def plain(value: Any) -> Any:
    """A JSON-friendly form of a property value (proto ``Any`` values become a short summary)."""
    if hasattr(value, "type_url"):
        struct = struct_from_any(value)  # lineage.track's package lists
        if struct is not None:
            return struct
        return {"@type": value.type_url, "bytes": len(value.value)}
    return value


def prop(node: Any, name: str) -> Any:
    """A property or custom property by name (properties first), as a plain value, or None."""
    for values in (node.properties, node.custom_properties):
        if name in values:
            return plain(python_value(values[name]))
    return None


def params_of(execution: Any) -> dict[str, Any]:
    """The parameters of an execution.

    Runs recorded by ``lineage.track`` keep them as ``param.*`` custom properties. For other
    executions (TFX, KFP, hand-written MLMD) every property and custom property that is not one of
    lineage's own groups counts as a parameter (TFX stores its exec properties that way).
    """
    custom = execution.custom_properties
    tracked = {
        k[len(cv.PARAM_PREFIX) :]: plain(python_value(v))
        for k, v in custom.items()
        if k.startswith(cv.PARAM_PREFIX)
    }
    if tracked:
        return dict(sorted(tracked.items()))
    out: dict[str, Any] = {}
    for values in (execution.properties, custom):
        for k, v in values.items():
            if not k.startswith(_NOT_PARAMS):
                out[k] = plain(python_value(v))
    return dict(sorted(out.items()))


def metrics_of(node: Any) -> dict[str, Any]:
    """``metric.*`` custom properties of an execution, or a Metrics artifact's numbers."""
    found = {
        k[len(cv.METRIC_PREFIX) :]: plain(python_value(v))
        for k, v in node.custom_properties.items()
        if k.startswith(cv.METRIC_PREFIX)
    }
    if found:
        return dict(sorted(found.items()))
    if isinstance(node, pb.Artifact):
        out = {}
        for values in (node.properties, node.custom_properties):
            for k, v in values.items():
                value = python_value(v)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[k] = value
        return dict(sorted(out.items()))
    return {}


def code_of(execution: Any) -> dict[str, Any]:
    """The ``code.*`` custom properties of an execution, without the prefix."""
    return {
        k[len(cv.CODE_PREFIX) :]: plain(python_value(v))
        for k, v in sorted(execution.custom_properties.items())
        if k.startswith(cv.CODE_PREFIX)
    }


def run_info(execution: Any) -> dict[str, Any]:
    """Who ran an execution, where and when (``run.*``, falling back to MLMD's timestamps)."""
    custom = execution.custom_properties

    def get(name: str) -> Any:
        return python_value(custom[name]) if name in custom else None

    return {
        "user": get(cv.RUN_USER),
        "host": get(cv.RUN_HOST),
        "started": get(cv.RUN_START_TIME) or execution.create_time_since_epoch or None,
        "ended": get(cv.RUN_END_TIME) or execution.last_update_time_since_epoch or None,
        "error_type": get(cv.RUN_ERROR_TYPE),
        "error_message": get(cv.RUN_ERROR_MESSAGE),
    }


def artifact_kind(artifact: Any, base_type: int | None) -> str:
    """dataset, model, metrics, statistics, config, environment or other."""
    if artifact.type == cv.ENVIRONMENT_TYPE:
        return "environment"
    if artifact.type == cv.CONFIG_TYPE:
        return "config"
    if base_type in _BASE_KINDS:
        return _BASE_KINDS[base_type]
    name = artifact.type.lower()
    for kind, hints in _NAME_HINTS:
        if any(h in name for h in hints):
            return kind
    return "other"


def format_ms(ms: Any) -> str:
    """Milliseconds since the epoch as ``2026-11-26 08:20:25Z`` (empty for None)."""
    if not ms:
        return ""
    moment = dt.datetime.fromtimestamp(int(ms) / 1000, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def short(value: Any, width: int = 60) -> str:
    """A one-line, bounded rendering of a value for text reports."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A struct property as a dict ({} for anything else)."""
    return value if isinstance(value, dict) else {}
