"""The recorded OpenLineage corpus: the committed file is current and the story holds.

The checks read the events as a consumer receives them (the JSON dicts), not the client objects.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.openlineage import corpus
from tests.openlineage.corpus import (
    AIRFLOW_NAMESPACE,
    AIRFLOW_SOURCES,
    DAG_RUN_ID,
    DBT_OUTPUT,
    FAILED_TASK_RUN_ID,
    JOB_NAMES,
    JSONL_PATH,
    RAW_CUSTOMERS,
    RAW_ORDERS,
    RETRIED_TASK_RUN_ID,
    SPARK_OUTPUT,
    WAREHOUSE_FEATURES,
)

Event = dict[str, Any]
Dataset = tuple[str, str]
REGENERATE = "python -m tests.openlineage.corpus"


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return corpus.corpus_dicts()


def _time(value: str) -> datetime:
    # Python 3.10's fromisoformat does not read a trailing "Z".
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _job(event: Event) -> Dataset:
    return event["job"]["namespace"], event["job"]["name"]


def _job_type(event: Event) -> dict[str, Any]:
    return event["job"]["facets"]["jobType"]


def _ids(datasets: list[dict[str, Any]]) -> set[Dataset]:
    return {(d["namespace"], d["name"]) for d in datasets}


def _airflow(event: Event, job_type: str) -> bool:
    kind = _job_type(event)
    return kind["integration"] == "AIRFLOW" and kind["jobType"] == job_type


# --- The committed file -------------------------------------------------------------------------


def test_committed_jsonl_is_what_write_jsonl_writes_now(tmp_path: Path) -> None:
    fresh = tmp_path / "corpus.jsonl"
    count = corpus.write_jsonl(fresh)
    assert JSONL_PATH.exists(), f"{JSONL_PATH} is missing: create it with `{REGENERATE}`"
    assert JSONL_PATH.read_bytes() == fresh.read_bytes(), (
        f"{JSONL_PATH} is stale (corpus.py changed): regenerate it with `{REGENERATE}`"
    )
    assert count == len(fresh.read_text().splitlines()) == 28


def test_write_jsonl_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text("stale\n")
    corpus.write_jsonl(path)
    corpus.write_jsonl(path)
    assert path.read_bytes() == JSONL_PATH.read_bytes()


def test_each_line_is_one_serialised_event(events: list[Event]) -> None:
    text = JSONL_PATH.read_text()
    assert text.endswith("\n")
    assert [json.loads(line) for line in text.splitlines()] == events
    assert JSONL_PATH.stat().st_size < 200_000


# --- Ids and times ------------------------------------------------------------------------------


def test_every_run_id_is_a_uuid(events: list[Event]) -> None:
    seen = []
    for event in events:
        seen.append(event["run"]["runId"])
        parent = event["run"]["facets"].get("parent")
        if parent:
            seen.append(parent["run"]["runId"])
            if "root" in parent:
                seen.append(parent["root"]["run"]["runId"])
    for value in seen:
        assert str(uuid.UUID(value)) == value


def test_event_times_have_a_timezone_and_are_in_order(events: list[Event]) -> None:
    times = [_time(event["eventTime"]) for event in events]
    for parsed in times:
        assert parsed.utcoffset() == timedelta(0)
        assert parsed.date().isoformat() == "2026-12-06"
    assert times == sorted(times)
    assert len(set(times)) == len(times)


def test_each_run_starts_once_and_ends_once(events: list[Event]) -> None:
    by_run: dict[str, list[str]] = defaultdict(list)
    for event in events:
        by_run[event["run"]["runId"]].append(event["eventType"])
    for run_id, types in by_run.items():
        assert types[0] == "START", run_id
        assert types[-1] in ("COMPLETE", "FAIL"), run_id
        assert set(types[1:-1]) <= {"RUNNING"}, run_id
    kinds = Counter(event["eventType"] for event in events)
    assert kinds == {"START": 13, "COMPLETE": 12, "RUNNING": 2, "FAIL": 1}


def test_job_names_lists_every_job_in_order_of_first_appearance(events: list[Event]) -> None:
    assert list(dict.fromkeys(_job(event) for event in events)) == JOB_NAMES


def test_events_come_from_the_three_integrations(events: list[Event]) -> None:
    integrations = Counter(_job_type(event)["integration"] for event in events)
    assert integrations == {"AIRFLOW": 14, "SPARK": 8, "DBT": 6}
    for event in events:
        assert _job_type(event)["processingType"] == "BATCH"
        assert event["producer"].startswith(
            (
                "https://github.com/apache/airflow/tree/providers-openlineage/2.",
                "https://github.com/OpenLineage/OpenLineage/tree/1.",
            )
        )
        assert event["schemaURL"].startswith("https://openlineage.io/spec/2-0-2/OpenLineage.json")


# --- The Airflow DAG ----------------------------------------------------------------------------


def test_the_dag_has_one_run_and_five_task_jobs(events: list[Event]) -> None:
    dag_events = [event for event in events if _airflow(event, "DAG")]
    assert {_job(event) for event in dag_events} == {(AIRFLOW_NAMESPACE, "shop_daily")}
    assert {event["run"]["runId"] for event in dag_events} == {DAG_RUN_ID}
    assert [event["eventType"] for event in dag_events] == ["START", "COMPLETE"]

    tasks = {_job(event) for event in events if _airflow(event, "TASK")}
    assert len(tasks) == 5
    assert all(name.startswith("shop_daily.") for _, name in tasks)


def test_every_task_run_names_the_dag_run_as_parent_and_root(events: list[Event]) -> None:
    dag = {"namespace": AIRFLOW_NAMESPACE, "name": "shop_daily"}
    task_events = [event for event in events if _airflow(event, "TASK")]
    assert len({event["run"]["runId"] for event in task_events}) == 6  # five tasks, one retry
    for event in task_events:
        parent = event["run"]["facets"]["parent"]
        assert parent["run"]["runId"] == DAG_RUN_ID
        assert {k: parent["job"][k] for k in dag} == dag
        assert parent["root"]["run"]["runId"] == DAG_RUN_ID
        assert event["run"]["facets"]["nominalTime"]["nominalStartTime"]
        assert event["run"]["facets"]["processing_engine"]["name"] == "Airflow"


def test_every_run_below_the_dag_has_a_known_parent_and_the_dag_run_as_root(
    events: list[Event],
) -> None:
    runs = {event["run"]["runId"]: _job(event) for event in events}
    for event in events:
        if event["run"]["runId"] == DAG_RUN_ID:
            assert "parent" not in event["run"]["facets"]
            continue
        parent = event["run"]["facets"]["parent"]
        assert runs[parent["run"]["runId"]] == (parent["job"]["namespace"], parent["job"]["name"])
        assert parent["root"]["run"]["runId"] == DAG_RUN_ID


def test_exactly_one_failed_task_run_and_its_retry_completes(events: list[Event]) -> None:
    failed = [event for event in events if event["eventType"] == "FAIL"]
    assert len(failed) == 1
    (fail,) = failed
    assert fail["run"]["runId"] == FAILED_TASK_RUN_ID
    assert _job(fail) == (AIRFLOW_NAMESPACE, "shop_daily.extract_customers")
    error = fail["run"]["facets"]["errorMessage"]
    assert "timeout expired" in error["message"]
    assert error["programmingLanguage"] == "python"
    assert error["stackTrace"].startswith("Traceback (most recent call last):")
    assert error["stackTrace"].rstrip().endswith(error["message"].rstrip())
    assert [e for e in events if "errorMessage" in e["run"]["facets"]] == [fail]

    retry = [e for e in events if _job(e) == _job(fail) and e["eventType"] == "COMPLETE"]
    assert [e["run"]["runId"] for e in retry] == [RETRIED_TASK_RUN_ID]
    assert RETRIED_TASK_RUN_ID != FAILED_TASK_RUN_ID
    assert _time(retry[0]["eventTime"]) > _time(fail["eventTime"])
    assert retry[0]["run"]["facets"]["airflow"]["taskInstance"]["try_number"] == 2


def test_the_validate_task_reports_data_quality_metrics(events: list[Event]) -> None:
    (complete,) = [
        e
        for e in events
        if _job(e) == (AIRFLOW_NAMESPACE, "shop_daily.validate_orders")
        and e["eventType"] == "COMPLETE"
    ]
    (checked,) = complete["inputs"]
    assert (checked["namespace"], checked["name"]) == RAW_ORDERS
    metrics = checked["inputFacets"]["dataQualityMetrics"]
    assert metrics["rowCount"] > 0
    assert metrics["columnMetrics"]["order_id"]["nullCount"] == 0
    assert all(a["success"] for a in checked["inputFacets"]["dataQualityAssertions"]["assertions"])


def test_written_datasets_carry_a_schema(events: list[Event]) -> None:
    outputs = [dataset for event in events for dataset in event["outputs"]]
    assert outputs
    assert all(dataset["facets"]["schema"]["fields"] for dataset in outputs)


def test_some_datasets_are_versioned_and_some_are_not(events: list[Event]) -> None:
    versioned: set[Dataset] = set()
    unversioned: set[Dataset] = set()
    for event in events:
        for dataset in event["inputs"] + event["outputs"]:
            key = (dataset["namespace"], dataset["name"])
            (versioned if "version" in dataset.get("facets", {}) else unversioned).add(key)
    assert versioned == {SPARK_OUTPUT}
    assert {DBT_OUTPUT, WAREHOUSE_FEATURES, *AIRFLOW_SOURCES} <= unversioned


# --- Spark and dbt ------------------------------------------------------------------------------


def test_the_spark_complete_has_column_lineage_from_the_raw_files(events: list[Event]) -> None:
    (complete,) = [
        e
        for e in events
        if e["eventType"] == "COMPLETE"
        and _job_type(e)["integration"] == "SPARK"
        and SPARK_OUTPUT in _ids(e["outputs"])
    ]
    assert _job_type(complete)["jobType"] == "SQL_JOB"
    assert _ids(complete["inputs"]) == {RAW_ORDERS, RAW_CUSTOMERS}
    (output,) = complete["outputs"]
    lineage = output["facets"]["columnLineage"]
    columns = {field["name"] for field in output["facets"]["schema"]["fields"]}
    assert set(lineage["fields"]) <= columns

    input_fields = [f for column in lineage["fields"].values() for f in column["inputFields"]]
    assert {(f["namespace"], f["name"]) for f in input_fields} == {RAW_ORDERS, RAW_CUSTOMERS}
    kinds = {
        (t["type"], t["subtype"])
        for f in input_fields + lineage["dataset"]
        for t in f["transformations"]
    }
    assert {("DIRECT", "IDENTITY"), ("DIRECT", "AGGREGATION"), ("INDIRECT", "FILTER")} <= kinds

    spark_runs = [e for e in events if e["run"]["runId"] == complete["run"]["runId"]]
    assert [e["eventType"] for e in spark_runs] == ["START", "RUNNING", "COMPLETE"]


def test_the_dbt_model_reads_the_spark_features_and_writes_the_training_set(
    events: list[Event],
) -> None:
    (model,) = [
        e
        for e in events
        if e["eventType"] == "COMPLETE"
        and (_job_type(e)["integration"], _job_type(e)["jobType"]) == ("DBT", "MODEL")
        and DBT_OUTPUT in _ids(e["outputs"])
    ]
    assert WAREHOUSE_FEATURES in _ids(model["inputs"])
    assert "orders_features" in model["job"]["facets"]["sql"]["query"]
    (output,) = model["outputs"]
    assert output["facets"]["dataSource"]["name"] == DBT_OUTPUT[0]
    assert output["facets"]["schema"]["fields"]

    # The warehouse copy is the Spark application's second action, reading SPARK_OUTPUT.
    (publish,) = [
        e
        for e in events
        if e["eventType"] == "COMPLETE"
        and _job_type(e)["integration"] == "SPARK"
        and WAREHOUSE_FEATURES in _ids(e["outputs"])
    ]
    assert _ids(publish["inputs"]) == {SPARK_OUTPUT}

    # Its parent is the dbt command run, which Airflow's run_dbt task started.
    parent = model["run"]["facets"]["parent"]
    command = [e for e in events if e["run"]["runId"] == parent["run"]["runId"]]
    assert [e["eventType"] for e in command] == ["START", "COMPLETE"]
    assert _job_type(command[0])["jobType"] == "JOB"
    assert command[0]["run"]["facets"]["parent"]["job"]["name"] == "shop_daily.run_dbt"


def _made_from(events: list[Event]) -> dict[Dataset, set[Dataset]]:
    """Each dataset written by a run that completed, with that run's inputs."""
    completed = {e["run"]["runId"] for e in events if e["eventType"] == "COMPLETE"}
    inputs: dict[str, set[Dataset]] = defaultdict(set)
    outputs: dict[str, set[Dataset]] = defaultdict(set)
    for event in events:
        run_id = event["run"]["runId"]
        if run_id in completed:
            inputs[run_id] |= _ids(event["inputs"])
            outputs[run_id] |= _ids(event["outputs"])
    made_from: dict[Dataset, set[Dataset]] = defaultdict(set)
    for run_id, written in outputs.items():
        for dataset in written:
            made_from[dataset] |= inputs[run_id]
    return made_from


def _upstream(dataset: Dataset, made_from: dict[Dataset, set[Dataset]]) -> set[Dataset]:
    seen: set[Dataset] = set()
    todo = [dataset]
    while todo:
        for source in made_from.get(todo.pop(), set()) - seen:
            seen.add(source)
            todo.append(source)
    return seen


def test_following_outputs_back_from_the_dbt_output_reaches_the_airflow_sources(
    events: list[Event],
) -> None:
    made_from = _made_from(events)
    upstream = _upstream(DBT_OUTPUT, made_from)
    assert set(AIRFLOW_SOURCES) <= upstream
    assert {WAREHOUSE_FEATURES, SPARK_OUTPUT, RAW_ORDERS, RAW_CUSTOMERS} <= upstream
    for source in AIRFLOW_SOURCES:
        assert _upstream(source, made_from) == set()
