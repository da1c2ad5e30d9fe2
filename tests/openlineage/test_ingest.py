"""OpenLineage run events into the store: the mapping, redelivery, disorder and concurrency."""

from __future__ import annotations

import json
import random
import threading
from typing import Any

import pytest

import lineage
import lineage.openlineage as ol
from lineage import conventions as cv
from lineage.errors import UnimplementedError
from lineage.proto import Event, Execution
from tests.openlineage.helpers import dataset, event, facet, run_id, snapshot

DAG = run_id("dag")
EXTRACT = run_id("extract")
TRAIN = run_id("train")
SOURCE = dataset("postgres://db:5432", "shop.public.orders")


def extract_events() -> list[dict[str, Any]]:
    parent = facet(run={"runId": DAG}, job={"namespace": "scheduler", "name": "daily"})
    schema = facet(fields=[{"name": "id", "type": "INT"}, {"name": "total", "type": "DOUBLE"}])
    return [
        event("START", DAG, "daily", "2026-12-06T02:00:00Z"),
        event(
            "START",
            EXTRACT,
            "daily.extract",
            "2026-12-06T02:00:05Z",
            inputs=[SOURCE],
            run_facets={"parent": parent},
        ),
        event(
            "COMPLETE",
            EXTRACT,
            "daily.extract",
            "2026-12-06T02:03:00.250Z",
            inputs=[SOURCE],
            outputs=[dataset("s3://raw", "/orders.parquet", schema=schema)],
            run_facets={"parent": parent},
            job_facets={"sql": facet(query="SELECT id, total FROM orders")},
        ),
        event("COMPLETE", DAG, "daily", "2026-12-06T02:05:00Z"),
    ]


def train_events() -> list[dict[str, Any]]:
    return [
        event(
            "FAIL",
            TRAIN,
            "train",
            "2026-12-06T03:00:00Z",
            inputs=[dataset("s3://raw", "/orders.parquet")],
            run_facets={"errorMessage": facet(message="out of memory", programmingLanguage="PY")},
        ),
    ]


def execution(store: Any, run: str) -> Any:
    [found] = store.get_executions_by_external_ids([f"openlineage:run:{run}"])
    return found


def test_runs_become_executions_with_state_times_facets_and_events(store: Any) -> None:
    result = ol.ingest(store, extract_events() + train_events())
    assert (result.events, result.new, result.runs) == (5, 5, 3)

    extract = execution(store, EXTRACT)
    assert store.get_execution_types_by_id([extract.type_id])[0].name == "daily.extract"
    assert extract.name == EXTRACT
    assert extract.last_known_state == Execution.COMPLETE
    props = extract.custom_properties
    assert props[cv.RUN_START_TIME].double_value == ol.parse_time("2026-12-06T02:00:05Z")
    assert props[cv.RUN_END_TIME].double_value == ol.parse_time("2026-12-06T02:03:00.250Z")
    assert ol.facet_value(extract, "ol.job_facet.sql")["query"] == "SELECT id, total FROM orders"
    assert props[cv.OL_EVENT_TYPE].string_value == "COMPLETE"

    events = store.get_events_by_execution_ids([extract.id])
    by_type = {e.type: store.get_artifacts_by_id([e.artifact_id])[0] for e in events}
    assert by_type[Event.INPUT].uri == "postgres://db:5432/shop.public.orders"
    output = by_type[Event.OUTPUT]
    assert output.uri == "s3://raw/orders.parquet"
    assert output.custom_properties[cv.OL_VERSION].string_value == EXTRACT
    assert output.custom_properties[cv.OL_VERSION_SOURCE].string_value == "run"
    fields = ol.facet_value(output, "ol.dataset_facet.schema")["fields"]
    assert [f["name"] for f in fields] == ["id", "total"]

    # The failed training run read the version the extract wrote, and says why it failed.
    train = execution(store, TRAIN)
    assert train.last_known_state == Execution.FAILED
    assert train.custom_properties[cv.RUN_ERROR_MESSAGE].string_value == "out of memory"
    [read] = store.get_events_by_execution_ids([train.id])
    assert read.artifact_id == output.id

    # The parent facet: the task run's context is a child of the DAG run's context, and the
    # task's execution belongs to both.
    task_ctx = store.get_context_by_type_and_name(cv.OL_RUN_TYPE, EXTRACT)
    dag_ctx = store.get_context_by_type_and_name(cv.OL_RUN_TYPE, DAG)
    assert [p.id for p in store.get_parent_contexts_by_context(task_ctx.id)] == [dag_ctx.id]
    members = {e.name for e in store.get_executions_by_context(dag_ctx.id)}
    assert members == {DAG, EXTRACT}
    job_ctx = store.get_context_by_type_and_name(cv.OL_JOB_TYPE, "scheduler/daily.extract")
    assert [e.id for e in store.get_executions_by_context(job_ctx.id)] == [extract.id]


def test_the_same_events_again_change_nothing(store: Any) -> None:
    ol.ingest(store, extract_events())
    before = snapshot(store, times=True)
    updated = execution(store, EXTRACT).last_update_time_since_epoch
    again = ol.ingest(store, extract_events() + extract_events()[:1])
    assert (again.events, again.new) == (5, 0)
    assert snapshot(store, times=True) == before
    assert execution(store, EXTRACT).last_update_time_since_epoch == updated


def test_any_order_of_arrival_ends_in_the_same_graph(store_url: str, tmp_path: Any) -> None:
    events = extract_events() + train_events()
    # Within a run any order: COMPLETE before START, the DAG's end before its tasks.
    orders = [events, [events[2], events[1], events[3], events[0], events[4]]]
    snapshots = []
    for i, order in enumerate(orders):
        url = store_url if i == 0 else f"sqlite:///{tmp_path / f'order{i}.db'}"
        store = lineage.MetadataStore(url)
        try:
            for item in order:  # one at a time, as an HTTP client sends them
                ol.ingest(store, [item])
            snapshots.append(snapshot(store))
        finally:
            store.close()
    assert snapshots[0] == snapshots[1]


def test_a_facet_sent_again_replaces_the_earlier_one(store: Any) -> None:
    first = event(
        "START",
        EXTRACT,
        "job",
        "2026-12-06T02:00:00Z",
        job_facets={"sql": facet(query="SELECT 1")},
    )
    later = event(
        "COMPLETE",
        EXTRACT,
        "job",
        "2026-12-06T02:01:00Z",
        job_facets={"sql": facet(query="SELECT 2")},
    )
    ol.ingest(store, [later])
    ol.ingest(store, [first])  # older, arrives last: the newer facet still wins
    assert ol.facet_value(execution(store, EXTRACT), "ol.job_facet.sql")["query"] == "SELECT 2"
    deleted = event(
        "OTHER", EXTRACT, "job", "2026-12-06T02:02:00Z", job_facets={"sql": {"_deleted": True}}
    )
    ol.ingest(store, [deleted])
    found = execution(store, EXTRACT)
    assert "ol.job_facet.sql" not in found.custom_properties
    assert found.last_known_state == Execution.COMPLETE  # OTHER adds metadata, not a state


def test_a_dataset_version_facet_names_the_version(store: Any) -> None:
    write = event(
        "COMPLETE",
        EXTRACT,
        "job",
        "2026-12-06T02:00:00Z",
        outputs=[dataset("s3://raw", "/t", version="v7")],
    )
    read = event(
        "COMPLETE",
        TRAIN,
        "train",
        "2026-12-06T03:00:00Z",
        inputs=[dataset("s3://raw", "/t", version="v7")],
    )
    ol.ingest(store, [read, write])
    [artifact] = store.get_artifacts()
    assert artifact.name == "s3://raw/t@v7"
    assert artifact.custom_properties[cv.OL_VERSION_SOURCE].string_value == "datasetVersion"
    kinds = sorted(e.type for e in store.get_events_by_artifact_ids([artifact.id]))
    assert kinds == [Event.INPUT, Event.OUTPUT]


@pytest.mark.parametrize("backend", ["sqlite-file", "mysql", "postgresql"], indirect=True)
def test_eight_writers_posting_the_same_runs_interleaved_lose_nothing(
    store_url: str, tmp_path: Any
) -> None:
    runs = [run_id(f"task{i}") for i in range(6)]
    events = []
    for i, run in enumerate(runs):
        out = dataset("s3://raw", f"/part{i}")
        src = dataset("postgres://db:5432", "shop.public.orders")
        events.append(event("START", run, f"task{i}", "2026-12-06T02:00:00Z", inputs=[src]))
        events.append(event("RUNNING", run, f"task{i}", "2026-12-06T02:00:30Z"))
        events.append(
            event("COMPLETE", run, f"task{i}", "2026-12-06T02:01:00Z", inputs=[src], outputs=[out])
        )
    errors: list[BaseException] = []

    def client(seed: int) -> None:
        store = lineage.MetadataStore(store_url)
        try:
            mine = list(events)
            random.Random(seed).shuffle(mine)
            for item in mine:  # every client sends every event: 8 deliveries of each
                ol.ingest(store, [item])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    store = lineage.MetadataStore(store_url)
    reference = lineage.MetadataStore(f"sqlite:///{tmp_path / 'reference.db'}")
    try:
        ol.ingest(reference, events)
        assert snapshot(store) == snapshot(reference)
        for run in runs:
            assert execution(store, run).last_known_state == Execution.COMPLETE
    finally:
        store.close()
        reference.close()


def test_a_remote_store_is_refused_with_what_to_do_instead() -> None:
    class Remote:
        is_remote = True

    with pytest.raises(UnimplementedError, match="/api/v1/lineage"):
        ol.ingest(Remote(), extract_events())


def test_dataset_and_job_events_keep_their_facets_on_the_dataset_and_job(store: Any) -> None:
    base = {"producer": event("START", EXTRACT, "x", "2026-12-06T00:00:00Z")["producer"]}
    dataset_event = {
        **base,
        "eventTime": "2026-12-06T01:00:00Z",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": dataset(
            "postgres://db:5432", "shop.public.orders", schema=facet(fields=[{"name": "id"}])
        ),
    }
    job_event = {
        **base,
        "eventTime": "2026-12-06T01:00:00Z",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        "job": {
            "namespace": "scheduler",
            "name": "daily.extract",
            "facets": {"sql": facet(query="SELECT 1")},
        },
    }
    assert ol.validate_event(dataset_event) == "DatasetEvent"
    assert ol.validate_event(job_event) == "JobEvent"
    assert ol.ingest(store, [dataset_event, job_event]).new == 2
    assert ol.ingest(store, [dataset_event, job_event]).new == 0
    table = store.get_context_by_type_and_name(
        cv.OL_DATASET_TYPE, "postgres://db:5432/shop.public.orders"
    )
    assert ol.facet_value(table, "ol.dataset_facet.schema")["fields"][0]["name"] == ("id")
    job = store.get_context_by_type_and_name(cv.OL_JOB_TYPE, "scheduler/daily.extract")
    assert ol.facet_value(job, "ol.job_facet.sql")["query"] == "SELECT 1"
    ol.ingest(store, extract_events())  # runs of that job and readers of that table join them
    assert len(store.get_contexts_by_type(cv.OL_JOB_TYPE)) == 2
    out = list(ol.events(store))
    assert dataset_event in out
    assert job_event in out


def test_the_recorded_corpus_goes_in_on_every_backend(store: Any) -> None:
    """Airflow, Spark and dbt events of realistic size (stack traces, column lineage)."""
    from tests.openlineage.corpus import AIRFLOW_SOURCES, DBT_OUTPUT, corpus_dicts

    events = corpus_dicts()
    assert ol.ingest(store, events, batch_size=7).new == len(events)
    [training_set] = store.get_artifacts_by_uri(ol.dataset_uri(*DBT_OUTPUT))
    up = lineage.graph.upstream(store, training_set.id)
    uris = {store.get_artifacts_by_id([i])[0].uri for i in up.artifact_ids}
    assert {ol.dataset_uri(*source) for source in AIRFLOW_SOURCES} <= uris
    assert sorted(list(ol.events(store)), key=json.dumps) == sorted(
        json.loads(json.dumps(events)), key=json.dumps
    )
