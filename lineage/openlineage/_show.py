"""OpenLineage facets of a node as short readable lines (``lineage show``, the web app)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lineage import conventions as cv
from lineage.openlineage._values import facet_value, received_events

__all__ = ["facet_rows", "is_facet_property"]

_PREFIXES = {
    cv.OL_RUN_FACET_PREFIX: "run",
    cv.OL_JOB_FACET_PREFIX: "job",
    cv.OL_DATASET_FACET_PREFIX: "dataset",
    cv.OL_INPUT_FACET_PREFIX: "input",
    cv.OL_OUTPUT_FACET_PREFIX: "output",
}
_LONG = 240


def is_facet_property(name: str) -> bool:
    """Whether a custom property holds an OpenLineage facet or the received events (shown by
    :func:`facet_rows` instead of as raw values)."""
    return name == cv.OL_EVENTS or name.startswith(tuple(_PREFIXES))


def _cut(text: str, width: int = _LONG) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _schema(facet: dict[str, Any]) -> str:
    def field(f: dict[str, Any]) -> str:
        text = f"{f.get('name')} {f.get('type', '')}".strip()
        if f.get("fields"):
            text += " {" + ", ".join(field(x) for x in f["fields"]) + "}"
        return text

    return ", ".join(field(f) for f in facet.get("fields") or ())


def _column_lineage(facet: dict[str, Any]) -> str:
    parts = []
    for name, target in sorted((facet.get("fields") or {}).items()):
        sources = []
        for item in target.get("inputFields") or ():
            how = "/".join(
                t
                for t in (
                    str((item.get("transformations") or [{}])[0].get("type", "")),
                    str((item.get("transformations") or [{}])[0].get("subtype", "")),
                )
                if t
            )
            label = f"{item.get('name')}.{item.get('field')}"
            sources.append(f"{label} ({how})" if how else label)
        parts.append(f"{name} ← " + ", ".join(sources))
    return "; ".join(parts)


def _quality(facet: dict[str, Any]) -> str:
    parts = [
        f"{key} {_number(facet[key])}" for key in ("rowCount", "bytes", "fileCount") if key in facet
    ]
    for column, metrics in sorted((facet.get("columnMetrics") or {}).items()):
        shown = ", ".join(f"{k} {_number(v)}" for k, v in sorted(metrics.items()))
        parts.append(f"{column}: {shown}")
    return "; ".join(parts)


def _assertions(facet: dict[str, Any]) -> str:
    return "; ".join(
        f"{a.get('assertion')}{'(' + a['column'] + ')' if a.get('column') else ''} "
        f"{'passed' if a.get('success') else 'FAILED'}"
        for a in facet.get("assertions") or ()
    )


def _error(facet: dict[str, Any]) -> str:
    text = str(facet.get("message", ""))
    trace = str(facet.get("stackTrace", "")).strip().splitlines()
    return text + (f" (at {trace[-1].strip()})" if trace else "")


def _source(facet: dict[str, Any]) -> str:
    where = facet.get("url") or facet.get("repoUrl") or ""
    extra = " ".join(str(facet[k]) for k in ("path", "version", "branch", "tag") if facet.get(k))
    return f"{facet.get('type', '')} {where} {extra}".strip()


def _job_type(facet: dict[str, Any]) -> str:
    keys = ("processingType", "integration", "jobType")
    return " ".join(str(facet[k]) for k in keys if facet.get(k))


def _parent(facet: dict[str, Any]) -> str:
    job = facet.get("job") or {}
    run = facet.get("run") or {}
    return f"{job.get('namespace')}/{job.get('name')} run {run.get('runId')}"


_FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {
    "schema": _schema,
    "columnLineage": _column_lineage,
    "dataQualityMetrics": _quality,
    "dataQualityAssertions": _assertions,
    "errorMessage": _error,
    "sql": lambda f: str(f.get("query", "")),
    "sourceCodeLocation": _source,
    "sourceCode": lambda f: f"{f.get('language', '')}: {f.get('sourceCode', '')}",
    "jobType": _job_type,
    "parent": _parent,
    "version": lambda f: str(f.get("datasetVersion", "")),
    "nominalTime": lambda f: " – ".join(
        str(f[k]) for k in ("nominalStartTime", "nominalEndTime") if f.get(k)
    ),
    "processing_engine": lambda f: f"{f.get('name', '')} {f.get('version', '')}".strip(),
}


def _summary(key: str, facet: Any) -> str:
    if isinstance(facet, dict):
        shown = _FORMATS.get(key)
        if shown is not None:
            try:
                return _cut(shown(facet))
            except (AttributeError, TypeError, KeyError, IndexError):
                pass  # a facet that does not follow its schema: show it as JSON
        facet = {k: v for k, v in facet.items() if not k.startswith("_")}
    return _cut(json.dumps(facet, sort_keys=True, ensure_ascii=False))


def facet_rows(node: Any) -> list[tuple[str, str]]:
    """(label, text) for each OpenLineage facet a node keeps, then its received events.

    Labels are ``<kind> <facet key>`` (``job sql``, ``dataset schema``, ``input
    dataQualityMetrics``); texts are one line (a schema as ``name TYPE, ...``, column lineage as
    ``out ← dataset.column (DIRECT/AGGREGATION)``, an error message with its last trace line).
    """
    rows: list[tuple[str, str]] = []
    props = node.custom_properties
    for name in sorted(props):
        for prefix, kind in _PREFIXES.items():
            if name.startswith(prefix):
                facet = facet_value(node, name)
                rows.append((f"{kind} {name[len(prefix) :]}", _summary(name[len(prefix) :], facet)))
    if cv.OL_EVENTS in props:
        received = received_events(node)
        text = ", ".join(f"{e.get('eventType')} {e.get('eventTime')}" for e in received)
        rows.append((f"events ({len(received)})", _cut(text)))
    return rows
