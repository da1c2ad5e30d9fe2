"""ml-metadata 1.17.1 reads, and writes to, a store that OpenLineage events were recorded into.

The recorded corpus (tests/openlineage/data/corpus.jsonl: an Airflow DAG of five tasks with one
failed try, a Spark job with column lineage, a dbt run) goes in through
``lineage.openlineage.ingest``; then ml-metadata opens the same database and every read returns
what lineage reads (``_graph.read_everything`` over the ids it holds), the lineage chain is
there for ml-metadata's own ``get_lineage_subgraph``, and ml-metadata can record a training run
on the dbt output beside it. On a SQLite file, MariaDB/MySQL and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ml_metadata
import pytest

import lineage
import lineage.openlineage as ol
from lineage import conventions as cv
from lineage.proto import metadata_store_pb2 as pb
from tests.compat.test_roundtrip import KINDS, fresh_database

pytestmark = pytest.mark.compat

CORPUS = Path(__file__).resolve().parents[1] / "openlineage" / "data" / "corpus.jsonl"
DBT_OUTPUT_URI = "postgres://warehouse.internal:5432/analytics.marts.training_set"
SOURCES = {
    "postgres://orders-db.internal:5432/shop.public.orders",
    "postgres://orders-db.internal:5432/shop.public.customers",
}


def _canon(messages: list[Any]) -> list[str]:
    return sorted(m.SerializeToString(deterministic=True).hex() for m in messages)


@pytest.mark.parametrize("kind", KINDS)
def test_ml_metadata_reads_and_writes_a_store_fed_by_openlineage(kind: str, tmp_path: Path) -> None:
    events = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
    with fresh_database(kind, tmp_path) as db:
        ours = lineage.MetadataStore(db.config)
        try:
            result = ol.ingest(ours, events)
            assert result.new == len(events)
            expected = {
                "artifacts": _canon(ours.get_artifacts()),
                "executions": _canon(ours.get_executions()),
                "contexts": _canon(ours.get_contexts()),
                "types": sorted(t.name for t in ours.get_execution_types()),
            }
            events_ours = _canon(
                ours.get_events_by_execution_ids([e.id for e in ours.get_executions()])
            )
        finally:
            ours.close()

        theirs = ml_metadata.MetadataStore(db.config)
        assert _canon(theirs.get_artifacts()) == expected["artifacts"]
        assert _canon(theirs.get_executions()) == expected["executions"]
        assert _canon(theirs.get_contexts()) == expected["contexts"]
        assert sorted(t.name for t in theirs.get_execution_types()) == expected["types"]
        executions = theirs.get_executions()
        assert _canon(theirs.get_events_by_execution_ids([e.id for e in executions])) == (
            events_ours
        )
        states = {e.name: e.last_known_state for e in executions}
        assert states["01a24914-5900-7672-be65-a1f16da8450c"] == pb.Execution.FAILED

        # ml-metadata's own lineage query walks from the dbt output back to the sources.
        [training_set] = [a for a in theirs.get_artifacts() if a.uri == DBT_OUTPUT_URI]
        options = ml_metadata.proto.metadata_store_pb2.LineageSubgraphQueryOptions(
            starting_artifacts=ml_metadata.proto.metadata_store_pb2.LineageSubgraphQueryOptions.StartingNodes(
                filter_query=f"id = {training_set.id}"
            ),
            max_num_hops=40,
            direction=ml_metadata.proto.metadata_store_pb2.LineageSubgraphQueryOptions.UPSTREAM,
        )
        graph = theirs.get_lineage_subgraph(options)
        assert {a.uri for a in graph.artifacts} >= SOURCES

        # And it records a training run on the dbt output, in the same database.
        train_type = theirs.put_execution_type(pb.ExecutionType(name="Trainer"))
        model_type = theirs.put_artifact_type(pb.ArtifactType(name="Model"))
        model = pb.Artifact(type_id=model_type, uri="s3://models/churn/7")
        execution = pb.Execution(type_id=train_type, last_known_state=pb.Execution.COMPLETE)
        theirs.put_execution(
            execution,
            [
                (training_set, pb.Event(type=pb.Event.INPUT)),
                (model, pb.Event(type=pb.Event.OUTPUT)),
            ],
            [],
        )
        del theirs

        ours = lineage.MetadataStore(db.config)
        try:
            card = lineage.graph.provenance(ours, "s3://models/churn/7")
            text = json.dumps(card.to_dict() if hasattr(card, "to_dict") else str(card))
            for uri in SOURCES:
                assert uri in text
            runs = ours.get_executions_by_type("shop_daily.extract_orders")
            assert runs[0].custom_properties[cv.OL_JOB_NAMESPACE].string_value == "airflow-prod"
        finally:
            ours.close()
