"""OpenLineage in and out: data lineage from Airflow, Spark and dbt joins ML lineage.

In: :func:`ingest` records OpenLineage run events as ordinary MLMD entities (the mapping is in
docs/openlineage.md); :func:`validate_event` checks an event against the OpenLineage 2-0-2
schema and the standard facets' schemas first. The web app serves the same as OpenLineage's
HTTP endpoint (``POST /api/v1/lineage``), and ``lineage import openlineage FILE.jsonl`` reads
OpenLineage's file transport.

Out: :func:`events` turns the runs of a store (recorded by ``lineage.run``, TFX, KFP or
OpenLineage) into OpenLineage run events; ``lineage export openlineage`` writes them to a file
or posts them to a Marquez-compatible endpoint.

Example:
    >>> import lineage, lineage.openlineage as ol
    >>> store = lineage.MetadataStore("sqlite://")
    >>> event = {
    ...     "eventType": "COMPLETE", "eventTime": "2026-12-06T02:00:00Z",
    ...     "producer": "https://example.com/producer",
    ...     "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    ...     "run": {"runId": "0191a1c2-0000-7000-8000-000000000001"},
    ...     "job": {"namespace": "etl", "name": "daily.extract"},
    ...     "outputs": [{"namespace": "s3://raw", "name": "/orders.parquet"}],
    ... }
    >>> ol.ingest(store, [event]).new
    1
    >>> [a.uri for a in store.get_artifacts()]
    ['s3://raw/orders.parquet']
"""

from __future__ import annotations

from typing import Any

from lineage.openlineage._export import events
from lineage.openlineage._ingest import IngestResult, dataset_uri, ingest, parse_time
from lineage.openlineage._show import facet_rows, is_facet_property
from lineage.openlineage._values import facet_value, received_events

__all__ = [
    "IngestResult",
    "dataset_uri",
    "events",
    "facet_rows",
    "facet_value",
    "ingest",
    "is_facet_property",
    "parse_time",
    "received_events",
    "validate_batch",
    "validate_event",
]


def validate_event(event: Any) -> str:
    """Check one event against the OpenLineage 2-0-2 schema and the standard facets' schemas.

    Returns:
        The event's kind: ``RunEvent``, ``DatasetEvent`` or ``JobEvent``.

    Raises:
        EventValidationError: The event does not follow the schema; ``field`` names where.
    """
    kind: str = _validator().validate_event(event)
    return kind


def validate_batch(events: Any) -> list[str]:
    """Check a batch (a JSON array) of events; a bad item's ``field`` starts ``[<index>]``."""
    kinds: list[str] = _validator().validate_batch(events)
    return kinds


def _validator() -> Any:
    """The schema module (jsonschema is imported only when an event is checked)."""
    try:
        from lineage.openlineage import _schema
    except ImportError as exc:
        raise ImportError(
            f"checking OpenLineage events needs jsonschema: pip install 'lineage[openlineage]' "
            f"({exc})"
        ) from exc
    return _schema
