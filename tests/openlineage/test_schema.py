"""OpenLineage event validation: what passes, what is refused and the field each refusal names."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from importlib import resources
from typing import Any

import jsonschema
import pytest

from lineage.errors import EventValidationError
from lineage.openlineage import _schema
from lineage.openlineage._schema import (
    CORE_SCHEMA_ID,
    FACET_KINDS,
    STANDARD_FACETS,
    schema_registry,
    standard_facet,
    validate_batch,
    validate_event,
)

AIRFLOW = "https://github.com/apache/airflow/tree/providers-openlineage/2.3.0"
SPARK = "https://github.com/OpenLineage/OpenLineage/tree/1.34.0/integration/spark"
CORE = "https://openlineage.io/spec/2-0-2/OpenLineage.json"


def facet(producer: str, name: str, version: str, /, **fields: Any) -> dict[str, Any]:
    """A standard facet as a client sends it: the base fields, then the facet's own."""
    url = f"https://openlineage.io/spec/facets/{version}/{name}.json#/$defs/{name}"
    return {"_producer": producer, "_schemaURL": url, **fields}


def airflow_task_start() -> dict[str, Any]:
    """An Airflow task starting inside its DAG run: parent (with root), nominal time, job type."""
    return {
        "eventType": "START",
        "eventTime": "2024-06-03T04:00:12.345678+00:00",
        "producer": AIRFLOW,
        "schemaURL": f"{CORE}#/$defs/RunEvent",
        "run": {
            "runId": "01900a6e-1b2c-7d3e-8f40-5a6b7c8d9e0f",
            "facets": {
                "parent": facet(
                    AIRFLOW,
                    "ParentRunFacet",
                    "1-2-0",
                    run={"runId": "01900a6d-0000-7000-8000-000000000001"},
                    job={"namespace": "airflow-prod", "name": "daily_sales"},
                    root={
                        "run": {"runId": "01900a6d-0000-7000-8000-000000000001"},
                        "job": {"namespace": "airflow-prod", "name": "daily_sales"},
                    },
                ),
                "nominalTime": facet(
                    AIRFLOW,
                    "NominalTimeRunFacet",
                    "1-0-1",
                    nominalStartTime="2024-06-03T04:00:00Z",
                    nominalEndTime="2024-06-04T04:00:00Z",
                ),
                "processing_engine": facet(
                    AIRFLOW,
                    "ProcessingEngineRunFacet",
                    "1-1-1",
                    version="2.9.1",
                    name="Airflow",
                    openlineageAdapterVersion="1.8.0",
                ),
                # a custom facet: only the base fields are checked
                "airflow": {
                    "_producer": AIRFLOW,
                    "_schemaURL": f"{AIRFLOW}/openlineage/facets/AirflowRunFacet.json",
                    "task": {"task_id": "extract", "operator": "PostgresOperator"},
                },
            },
        },
        "job": {
            "namespace": "airflow-prod",
            "name": "daily_sales.extract",
            "facets": {
                "jobType": facet(
                    AIRFLOW,
                    "JobTypeJobFacet",
                    "2-0-4",
                    processingType="BATCH",
                    integration="AIRFLOW",
                    jobType="TASK",
                ),
                "ownership": facet(
                    AIRFLOW, "OwnershipJobFacet", "1-0-1", owners=[{"name": "team:sales-data"}]
                ),
                "documentation": facet(
                    AIRFLOW, "DocumentationJobFacet", "1-1-0", description="Pulls yesterday."
                ),
            },
        },
        "inputs": [
            {"namespace": "postgres://db.internal:5432", "name": "shop.public.orders"},
            {"namespace": "postgres://db.internal:5432", "name": "shop.public.customers"},
        ],
        "outputs": [],
    }


def spark_complete() -> dict[str, Any]:
    """A Spark job finishing: output schema, column lineage, statistics, symlinks, SQL."""
    fields = [
        {"name": "order_id", "type": "long", "ordinal_position": 1},
        {"name": "amount", "type": "decimal(10,2)", "ordinal_position": 2},
        {
            "name": "customer",
            "type": "struct",
            "fields": [{"name": "id", "type": "long"}, {"name": "country", "type": "string"}],
        },
    ]
    amount_from = {
        "namespace": "s3://raw",
        "name": "orders",
        "field": "amount",
        "transformations": [{"type": "DIRECT", "subtype": "IDENTITY", "masking": False}],
    }
    return {
        "eventType": "COMPLETE",
        "eventTime": "2024-06-03T04:17:55.120Z",
        "producer": SPARK,
        "schemaURL": f"{CORE}#/$defs/RunEvent",
        "run": {
            "runId": "01900a7f-aaaa-7bbb-8ccc-0123456789ab",
            "facets": {
                "processing_engine": facet(
                    SPARK, "ProcessingEngineRunFacet", "1-1-1", version="3.5.1", name="spark"
                ),
                "spark.logicalPlan": {
                    "_producer": SPARK,
                    "_schemaURL": f"{SPARK}/facets/spark/v1/logical-plan-facet.json",
                    "plan": [{"class": "InsertIntoHadoopFsRelationCommand"}],
                },
            },
        },
        "job": {
            "namespace": "spark-prod",
            "name": "orders_etl.execute_insert_into_hadoop_fs_relation_command",
            "facets": {
                "sql": facet(SPARK, "SQLJobFacet", "1-1-0", query="INSERT INTO curated.orders"),
                "jobType": facet(
                    SPARK,
                    "JobTypeJobFacet",
                    "2-0-4",
                    processingType="BATCH",
                    integration="SPARK",
                    jobType="SQL_JOB",
                ),
            },
        },
        "inputs": [
            {
                "namespace": "s3://raw",
                "name": "orders",
                "facets": {
                    "schema": facet(
                        SPARK, "SchemaDatasetFacet", "1-2-0", fields=copy.deepcopy(fields[:2])
                    ),
                    "dataSource": facet(
                        SPARK, "DatasourceDatasetFacet", "1-0-1", name="s3://raw", uri="s3://raw"
                    ),
                },
                "inputFacets": {
                    "inputStatistics": facet(
                        SPARK,
                        "InputStatisticsInputDatasetFacet",
                        "1-0-0",
                        rowCount=1200,
                        size=90000,
                    ),
                },
            }
        ],
        "outputs": [
            {
                "namespace": "s3://curated",
                "name": "orders",
                "facets": {
                    "schema": facet(SPARK, "SchemaDatasetFacet", "1-2-0", fields=fields),
                    "columnLineage": facet(
                        SPARK,
                        "ColumnLineageDatasetFacet",
                        "1-2-0",
                        fields={"amount": {"inputFields": [amount_from]}},
                        dataset=[dict(amount_from, field="order_id")],
                    ),
                    "symlinks": facet(
                        SPARK,
                        "SymlinksDatasetFacet",
                        "1-0-1",
                        identifiers=[
                            {
                                "namespace": "hive://metastore",
                                "name": "curated.orders",
                                "type": "TABLE",
                            }
                        ],
                    ),
                    "storage": facet(
                        SPARK,
                        "StorageDatasetFacet",
                        "1-0-1",
                        storageLayer="iceberg",
                        fileFormat="parquet",
                    ),
                },
                "outputFacets": {
                    "outputStatistics": facet(
                        SPARK,
                        "OutputStatisticsOutputDatasetFacet",
                        "1-0-2",
                        rowCount=1187,
                        size=88123,
                        fileCount=4,
                    ),
                },
            }
        ],
    }


def dataset_event() -> dict[str, Any]:
    """Static metadata about a table, outside any run."""
    producer = "https://example.com/catalog-sync/1.0"
    return {
        "eventTime": "2024-06-03T09:30:00+02:00",
        "producer": producer,
        "schemaURL": f"{CORE}#/$defs/DatasetEvent",
        "dataset": {
            "namespace": "snowflake://acme.eu-west-1",
            "name": "ANALYTICS.PUBLIC.CUSTOMERS",
            "facets": {
                "schema": facet(
                    producer,
                    "SchemaDatasetFacet",
                    "1-2-0",
                    fields=[{"name": "ID"}, {"name": "NAME"}],
                ),
                "documentation": facet(
                    producer, "DocumentationDatasetFacet", "1-1-0", description="One row each."
                ),
                "ownership": facet(
                    producer,
                    "OwnershipDatasetFacet",
                    "1-0-1",
                    owners=[{"name": "team:crm", "type": "MAINTAINER"}],
                ),
                "datasetType": facet(
                    producer, "DatasetTypeDatasetFacet", "1-0-1", datasetType="TABLE"
                ),
                "lifecycleStateChange": facet(
                    producer,
                    "LifecycleStateChangeDatasetFacet",
                    "1-0-1",
                    lifecycleStateChange="RENAME",
                    previousIdentifier={
                        "namespace": "snowflake://acme.eu-west-1",
                        "name": "ANALYTICS.PUBLIC.CLIENTS",
                    },
                ),
                "version": facet(
                    producer, "DatasetVersionDatasetFacet", "1-0-1", datasetVersion="42"
                ),
            },
        },
    }


def job_event() -> dict[str, Any]:
    """Static metadata about a dbt model's job, outside any run."""
    producer = "https://github.com/OpenLineage/OpenLineage/tree/1.34.0/integration/dbt"
    return {
        "eventTime": "2024-06-03T07:00:00Z",
        "producer": producer,
        "schemaURL": f"{CORE}#/$defs/JobEvent",
        "job": {
            "namespace": "dbt-prod",
            "name": "shop.marts.fct_orders",
            "facets": {
                "sourceCodeLocation": facet(
                    producer,
                    "SourceCodeLocationJobFacet",
                    "1-1-0",
                    type="git",
                    url="https://git.example.com/shop/dbt/blob/abc123/models/fct_orders.sql",
                    repoUrl="git@git.example.com:shop/dbt.git",
                    path="models/fct_orders.sql",
                    version="abc123",
                    branch="main",
                ),
                "sourceCode": facet(
                    producer,
                    "SourceCodeJobFacet",
                    "1-0-1",
                    language="sql",
                    sourceCode="select * from {{ ref('stg_orders') }}",
                ),
                "sql": facet(producer, "SQLJobFacet", "1-1-0", query="select 1", dialect="duckdb"),
            },
        },
        "inputs": [{"namespace": "duckdb://shop", "name": "main.stg_orders"}],
        "outputs": [{"namespace": "duckdb://shop", "name": "main.fct_orders"}],
    }


def failed_run() -> dict[str, Any]:
    """A Python task failing: error message, environment variables, parameters, quality checks."""
    producer = "https://example.com/trainer/0.3"
    return {
        "eventType": "FAIL",
        "eventTime": "2024-06-03T11:02:03.5-07:00",
        "producer": producer,
        "schemaURL": f"{CORE}#/$defs/RunEvent",
        "run": {
            "runId": "c0ffee00-1234-4abc-9def-0123456789ab",
            "facets": {
                "errorMessage": facet(
                    producer,
                    "ErrorMessageRunFacet",
                    "1-0-1",
                    message="ValueError: empty training set",
                    programmingLanguage="PYTHON",
                    stackTrace='Traceback (most recent call last):\n  File "train.py", line 9',
                ),
                "environmentVariables": facet(
                    producer,
                    "EnvironmentVariablesRunFacet",
                    "1-0-0",
                    environmentVariables=[{"name": "CUDA_VISIBLE_DEVICES", "value": "0"}],
                ),
                "executionParameters": facet(
                    producer,
                    "ExecutionParametersRunFacet",
                    "1-0-0",
                    parameters=[{"key": "epochs", "value": "10"}, {"key": "lr", "name": "rate"}],
                ),
            },
        },
        "job": {"namespace": "ml", "name": "train_churn_model"},
        "inputs": [
            {
                "namespace": "file",
                "name": "/data/churn/train.parquet",
                "inputFacets": {
                    "dataQualityMetrics": facet(
                        producer,
                        "DataQualityMetricsInputDatasetFacet",
                        "1-0-3",
                        rowCount=0,
                        lastUpdated="2024-06-03T10:00:00Z",
                        columnMetrics={"age": {"nullCount": 0, "quantiles": {"0.5": 41.0}}},
                    ),
                    "dataQualityAssertions": facet(
                        producer,
                        "DataQualityAssertionsDatasetFacet",
                        "1-1-0",
                        assertions=[
                            {
                                "assertion": "row_count",
                                "success": False,
                                "expected": ">0",
                                "actual": "0",
                                "params": {"min": 1},
                            }
                        ],
                    ),
                },
            }
        ],
    }


def deleted_facets() -> dict[str, Any]:
    """A run event that deletes a job facet and a dataset facet (``{"_deleted": true}``)."""
    event = spark_complete()
    event["job"]["facets"]["sql"] = {"_deleted": True}
    event["outputs"][0]["facets"]["columnLineage"] = {"_deleted": True}
    return event


VALID = {
    "airflow task start": (airflow_task_start, "RunEvent"),
    "spark complete": (spark_complete, "RunEvent"),
    "dataset event": (dataset_event, "DatasetEvent"),
    "job event": (job_event, "JobEvent"),
    "failed run": (failed_run, "RunEvent"),
    "deleted facets": (deleted_facets, "RunEvent"),
}


@pytest.mark.parametrize(("build", "kind"), VALID.values(), ids=VALID.keys())
def test_valid_events_pass_and_name_their_kind(build: Callable[[], Any], kind: str) -> None:
    event = build()
    before = copy.deepcopy(event)
    assert validate_event(event) == kind
    assert event == before  # validation never changes the event


def test_a_batch_returns_each_kind_in_order() -> None:
    events = [build() for build, _ in VALID.values()]
    assert validate_batch(events) == [kind for _, kind in VALID.values()]
    assert validate_batch([]) == []


def _drop(*path: Any) -> Callable[[Any], None]:
    def mutate(event: Any) -> None:
        for part in path[:-1]:
            event = event[part]
        del event[path[-1]]

    return mutate


def _set(*path: Any, value: Any) -> Callable[[Any], None]:
    def mutate(event: Any) -> None:
        for part in path[:-1]:
            event = event[part]
        event[path[-1]] = value

    return mutate


# (event builder, mutation, expected field, expected message)
MALFORMED: dict[str, tuple[Callable[[], Any], Callable[[Any], None], str, str]] = {
    "missing eventTime": (
        airflow_task_start,
        _drop("eventTime"),
        "eventTime",
        "'eventTime' is a required field",
    ),
    "runId not a uuid": (
        airflow_task_start,
        _set("run", "runId", value="abc"),
        "run.runId",
        "run.runId: 'abc' is not a valid uuid",
    ),
    "bad eventType": (
        spark_complete,
        _set("eventType", value="FINISHED"),
        "eventType",
        "eventType: 'FINISHED' is not one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER",
    ),
    "eventTime without timezone": (
        spark_complete,
        _set("eventTime", value="2024-06-03T04:17:55.120"),
        "eventTime",
        "eventTime: '2024-06-03T04:17:55.120' is not a valid date-time (an RFC 3339 date-time "
        "with a timezone, such as 2024-05-01T12:00:00Z)",
    ),
    "eventTime not a date": (
        spark_complete,
        _set("eventTime", value="2024-02-30T00:00:00Z"),
        "eventTime",
        "eventTime: '2024-02-30T00:00:00Z' is not a valid date-time (an RFC 3339 date-time "
        "with a timezone, such as 2024-05-01T12:00:00Z)",
    ),
    "producer not a uri": (
        job_event,
        _set("producer", value="dbt"),
        "producer",
        "producer: 'dbt' is not a valid uri (a URI with a scheme, such as https://...)",
    ),
    "input without name": (
        airflow_task_start,
        _drop("inputs", 1, "name"),
        "inputs[1].name",
        "inputs[1]: 'name' is a required field",
    ),
    "schema field without name": (
        spark_complete,
        _drop("outputs", 0, "facets", "schema", "fields", 1, "name"),
        "outputs[0].facets.schema.fields[1].name",
        "outputs[0].facets.schema.fields[1]: 'name' is a required field",
    ),
    "nested schema field without name": (
        spark_complete,
        _drop("outputs", 0, "facets", "schema", "fields", 2, "fields", 0, "name"),
        "outputs[0].facets.schema.fields[2].fields[0].name",
        "outputs[0].facets.schema.fields[2].fields[0]: 'name' is a required field",
    ),
    "ordinal_position not an integer": (
        spark_complete,
        _set("outputs", 0, "facets", "schema", "fields", 0, "ordinal_position", value="1"),
        "outputs[0].facets.schema.fields[0].ordinal_position",
        "outputs[0].facets.schema.fields[0].ordinal_position: expected an integer, got a string",
    ),
    "column lineage input without field": (
        spark_complete,
        _drop(
            "outputs", 0, "facets", "columnLineage", "fields", "amount", "inputFields", 0, "field"
        ),
        "outputs[0].facets.columnLineage.fields.amount.inputFields[0].field",
        "outputs[0].facets.columnLineage.fields.amount.inputFields[0]: 'field' is a required field",
    ),
    "parent facet without run": (
        airflow_task_start,
        _drop("run", "facets", "parent", "run"),
        "run.facets.parent.run",
        "run.facets.parent: 'run' is a required field",
    ),
    "parent run id not a uuid": (
        airflow_task_start,
        _set("run", "facets", "parent", "root", "run", "runId", value="scheduled__2024-06-03"),
        "run.facets.parent.root.run.runId",
        "run.facets.parent.root.run.runId: 'scheduled__2024-06-03' is not a valid uuid",
    ),
    "standard facet without _producer": (
        spark_complete,
        _drop("job", "facets", "sql", "_producer"),
        "job.facets.sql._producer",
        "job.facets.sql: '_producer' is a required field",
    ),
    "custom facet without _producer": (
        airflow_task_start,
        _drop("run", "facets", "airflow", "_producer"),
        "run.facets.airflow._producer",
        "run.facets.airflow: '_producer' is a required field",
    ),
    "custom facet key with a dot": (
        spark_complete,
        _drop("run", "facets", "spark.logicalPlan", "_schemaURL"),
        'run.facets["spark.logicalPlan"]._schemaURL',
        "run.facets[\"spark.logicalPlan\"]: '_schemaURL' is a required field",
    ),
    "facet not an object": (
        dataset_event,
        _set("dataset", "facets", "schema", value=["ID", "NAME"]),
        "dataset.facets.schema",
        "dataset.facets.schema: expected an object, got an array",
    ),
    "deleting a run facet": (
        failed_run,
        _set("run", "facets", "errorMessage", value={"_deleted": True}),
        "run.facets.errorMessage._producer",
        "run.facets.errorMessage: '_producer' is a required field",
    ),
    "error message without language": (
        failed_run,
        _drop("run", "facets", "errorMessage", "programmingLanguage"),
        "run.facets.errorMessage.programmingLanguage",
        "run.facets.errorMessage: 'programmingLanguage' is a required field",
    ),
    "unknown execution parameter field": (
        failed_run,
        _set("run", "facets", "executionParameters", "parameters", 0, "default", value="5"),
        "run.facets.executionParameters.parameters[0].default",
        "run.facets.executionParameters.parameters[0]: 'default' is not an allowed field",
    ),
    "bad lifecycle state": (
        dataset_event,
        _set("dataset", "facets", "lifecycleStateChange", "lifecycleStateChange", value="MOVE"),
        "dataset.facets.lifecycleStateChange.lifecycleStateChange",
        "dataset.facets.lifecycleStateChange.lifecycleStateChange: 'MOVE' is not one of ALTER, "
        "CREATE, DROP, OVERWRITE, RENAME, TRUNCATE",
    ),
    "job event job without namespace": (
        job_event,
        _drop("job", "namespace"),
        "job.namespace",
        "job: 'namespace' is a required field",
    ),
    "run event without job": (failed_run, _drop("job"), "job", "'job' is a required field"),
    "run null": (failed_run, _set("run", value=None), "run", "run: expected an object, got null"),
    "neither run, job nor dataset": (
        lambda: {"eventTime": "2024-06-03T07:00:00Z", "producer": AIRFLOW, "schemaURL": CORE},
        lambda event: None,
        "run",
        "'run' is a required field (a run event has 'run' and 'job', a job event 'job', a "
        "dataset event 'dataset')",
    ),
    "dataset and job without run": (
        job_event,
        _set("dataset", value={"namespace": "duckdb://shop", "name": "main.fct_orders"}),
        "job",
        "job: an event with 'dataset' and no 'run' must not have 'job' (it would be both a "
        "dataset event and a job event)",
    ),
}


@pytest.mark.parametrize(
    ("build", "mutate", "field", "message"), MALFORMED.values(), ids=MALFORMED.keys()
)
def test_malformed_events_name_the_offending_field(
    build: Callable[[], Any], mutate: Callable[[Any], None], field: str, message: str
) -> None:
    event = build()
    mutate(event)
    with pytest.raises(EventValidationError) as caught:
        validate_event(event)
    assert caught.value.field == field
    assert caught.value.message == message
    assert str(caught.value) == message


@pytest.mark.parametrize("body", [[], "event", 42, None, ["a", "b"]])
def test_an_event_must_be_an_object(body: object) -> None:
    with pytest.raises(EventValidationError) as caught:
        validate_event(body)
    assert caught.value.field == ""
    assert caught.value.message == "an OpenLineage event must be a JSON object"


@pytest.mark.parametrize(
    ("body", "got"), [(airflow_task_start(), "an object"), ("[]", "a string"), (None, "null")]
)
def test_a_batch_must_be_an_array(body: object, got: str) -> None:
    with pytest.raises(EventValidationError) as caught:
        validate_batch(body)
    assert caught.value.field == ""
    assert caught.value.message == f"a batch of OpenLineage events must be a JSON array, got {got}"


def test_a_bad_batch_item_is_named_by_its_index() -> None:
    bad = failed_run()
    bad["run"]["runId"] = "not-a-uuid"
    with pytest.raises(EventValidationError) as caught:
        validate_batch([airflow_task_start(), dataset_event(), bad, job_event()])
    assert caught.value.field == "[2].run.runId"
    assert caught.value.message == "[2].run.runId: 'not-a-uuid' is not a valid uuid"


def test_a_batch_item_that_is_not_an_object() -> None:
    with pytest.raises(EventValidationError) as caught:
        validate_batch([job_event(), "oops"])
    assert caught.value.field == "[1]"
    assert caught.value.message == "[1]: an OpenLineage event must be a JSON object"


def test_a_missing_field_in_a_batch_item() -> None:
    bad = dataset_event()
    del bad["eventTime"]
    with pytest.raises(EventValidationError) as caught:
        validate_batch([bad])
    assert caught.value.field == "[0].eventTime"
    assert caught.value.message == "[0]: 'eventTime' is a required field"


@pytest.mark.parametrize(
    "when",
    [
        "2024-06-03T04:00:00Z",
        "2024-06-03t04:00:00z",
        "2024-06-03T04:00:00.1+05:30",
        "2024-06-03T04:00:00.123456789-00:00",
        "2016-12-31T23:59:60Z",
    ],
)
def test_rfc3339_times_pass(when: str) -> None:
    event = job_event()
    event["eventTime"] = when
    assert validate_event(event) == "JobEvent"


@pytest.mark.parametrize(
    "when",
    [
        "2024-06-03T04:00:00",
        "2024-06-03 04:00:00Z",
        "2024-06-03",
        "2024-06-03T04:00Z",
        "2024-06-03T04:00:00+0530",
        "2024-06-03T25:00:00Z",
        "2024-06-03T04:00:00+24:00",
        "yesterday",
    ],
)
def test_other_times_fail(when: str) -> None:
    event = job_event()
    event["eventTime"] = when
    with pytest.raises(EventValidationError, match="is not a valid date-time") as caught:
        validate_event(event)
    assert caught.value.field == "eventTime"


def test_an_error_carries_the_invalid_argument_code() -> None:
    from lineage import errors

    with pytest.raises(errors.InvalidArgumentError) as caught:
        validate_event({})
    assert caught.value.error_code == errors.INVALID_ARGUMENT


# --------------------------------------------------------------------------------------------
# The schema files and the registry


def _schema_file(*parts: str) -> dict[str, Any]:
    node = resources.files("lineage") / "openlineage" / "schemas"
    for part in parts:
        node = node / part
    data: dict[str, Any] = json.loads(node.read_text(encoding="utf-8"))
    return data


def test_the_core_schema_has_the_spec_id_and_definitions() -> None:
    core = _schema_file("OpenLineage.json")
    jsonschema.Draft202012Validator.check_schema(core)
    assert core["$id"] == CORE_SCHEMA_ID == CORE
    assert core["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(core["$defs"]) == {
        "BaseEvent",
        "RunEvent",
        "DatasetEvent",
        "JobEvent",
        "Run",
        "RunFacet",
        "Job",
        "JobFacet",
        "Dataset",
        "StaticDataset",
        "InputDataset",
        "InputDatasetFacet",
        "OutputDataset",
        "OutputDatasetFacet",
        "DatasetFacet",
        "BaseFacet",
    }
    assert core["oneOf"] == [{"$ref": f"#/$defs/{kind}"} for kind in _schema.EVENT_KINDS]


@pytest.mark.parametrize("std", STANDARD_FACETS, ids=lambda f: f"{f.kind}.{f.key}")
def test_every_standard_facet_file_loads_with_the_id_the_registry_maps(
    std: _schema.StandardFacet,
) -> None:
    contents = _schema_file("facets", f"{std.name}.json")
    jsonschema.Draft202012Validator.check_schema(contents)
    assert contents["$id"] == std.schema_id
    assert contents["properties"] == {std.key: {"$ref": f"#/$defs/{std.name}"}}
    assert std.kind in FACET_KINDS
    assert standard_facet(std.kind, std.key) == std
    resolved = schema_registry().resolver().lookup(std.schema_url)
    assert resolved.contents is not None
    assert resolved.contents == contents["$defs"][std.name]


def test_every_facet_file_is_a_standard_facet() -> None:
    folder = resources.files("lineage") / "openlineage" / "schemas" / "facets"
    on_disk = {entry.name for entry in folder.iterdir() if entry.name.endswith(".json")}
    assert on_disk == {f"{std.name}.json" for std in STANDARD_FACETS}


def test_a_key_may_name_different_facets_in_different_kinds() -> None:
    job_doc = standard_facet("job", "documentation")
    dataset_doc = standard_facet("dataset", "documentation")
    assert job_doc is not None
    assert job_doc.name == "DocumentationJobFacet"
    assert dataset_doc is not None
    assert dataset_doc.name == "DocumentationDatasetFacet"
    assert standard_facet("run", "documentation") is None
    assert standard_facet("inputDataset", "dataQualityMetrics") is not None
    assert standard_facet("dataset", "dataQualityMetrics") is None


@pytest.mark.parametrize(
    ("url", "definition"),
    [
        (f"{CORE}#/$defs/RunEvent", "RunEvent"),
        (f"{CORE}#/$defs/BaseFacet", "BaseFacet"),
        # older versions clients still send resolve to the version lineage has
        (
            "https://openlineage.io/spec/facets/1-1-1/ParentRunFacet.json#/$defs/ParentRunFacet",
            "ParentRunFacet",
        ),
        (
            "https://openlineage.io/spec/facets/1-0-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
            "SchemaDatasetFacet",
        ),
        ("https://openlineage.io/spec/2-0-0/OpenLineage.json#/$defs/JobEvent", "JobEvent"),
    ],
)
def test_schema_urls_resolve_offline(url: str, definition: str) -> None:
    resolved = schema_registry().resolver().lookup(url)
    assert isinstance(resolved.contents, dict)
    owner = [c for c in _schema._schema_files().values() if definition in c.get("$defs", {})]
    assert resolved.contents == owner[0]["$defs"][definition]


def test_an_unknown_schema_url_does_not_resolve() -> None:
    from referencing.exceptions import Unresolvable

    with pytest.raises(Unresolvable):
        schema_registry().resolver().lookup("https://openlineage.io/spec/facets/1-0-0/Nope.json")


def test_an_older_facet_version_validates_with_the_current_schema() -> None:
    event = airflow_task_start()
    event["run"]["facets"]["parent"]["_schemaURL"] = (
        "https://openlineage.io/spec/facets/1-0-0/ParentRunFacet.json#/$defs/ParentRunFacet"
    )
    del event["run"]["facets"]["parent"]["root"]
    assert validate_event(event) == "RunEvent"
    del event["run"]["facets"]["parent"]["job"]["name"]
    with pytest.raises(EventValidationError) as caught:
        validate_event(event)
    assert caught.value.field == "run.facets.parent.job.name"


# --------------------------------------------------------------------------------------------
# Events built with the reference client


def _client_events() -> Iterator[Any]:
    from openlineage.client import event_v2 as ev
    from openlineage.client import facet_v2 as f
    from openlineage.client.uuid import generate_new_uuid

    now = datetime.now(timezone.utc).isoformat()
    parent_id, run_id = str(generate_new_uuid()), str(generate_new_uuid())
    run_facets = {
        "parent": f.parent_run.ParentRunFacet(
            run=f.parent_run.Run(runId=parent_id),
            job=f.parent_run.Job(namespace="airflow", name="dag"),
            root=f.parent_run.Root(
                run=f.parent_run.RootRun(runId=parent_id),
                job=f.parent_run.RootJob(namespace="airflow", name="dag"),
            ),
        ),
        "nominalTime": f.nominal_time_run.NominalTimeRunFacet(nominalStartTime=now),
        "processing_engine": f.processing_engine_run.ProcessingEngineRunFacet(
            version="3.5.1", name="spark", openlineageAdapterVersion="1.54.0"
        ),
        "environmentVariables": f.environment_variables_run.EnvironmentVariablesRunFacet(
            [f.environment_variables_run.EnvironmentVariable(name="TZ", value="UTC")]
        ),
        "executionParameters": f.execution_parameters_run.ExecutionParametersRunFacet(
            [f.execution_parameters_run.ExecutionParameter(key="epochs", value="3")]
        ),
    }
    job_facets = {
        "jobType": f.job_type_job.JobTypeJobFacet(
            processingType="STREAMING",
            integration="FLINK",
            jobType="JOB",
            emissionPattern=f.job_type_job.EmissionPattern(
                eventTrigger="PERIODIC", eventContentMode="COMPLETE_SNAPSHOT", windowDuration=60
            ),
        ),
        "sql": f.sql_job.SQLJobFacet(query="SELECT 1", dialect="spark"),
        "sourceCodeLocation": f.source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url="https://git.example.com/etl/blob/abc/job.py", version="abc"
        ),
        "sourceCode": f.source_code_job.SourceCodeJobFacet(language="python", sourceCode="1"),
        "documentation": f.documentation_job.DocumentationJobFacet(description="An ETL job."),
        "ownership": f.ownership_job.OwnershipJobFacet(
            owners=[f.ownership_job.Owner(name="team:etl", type="MAINTAINER")]
        ),
        "tombstone": f.JobFacet(deleted=True),
    }
    fields = [
        f.schema_dataset.SchemaDatasetFacetFields(name="id", type="long", ordinal_position=1),
        f.schema_dataset.SchemaDatasetFacetFields(
            name="tags",
            type="array",
            fields=[f.schema_dataset.SchemaDatasetFacetFields(name="_element", type="string")],
        ),
    ]
    dataset_facets = {
        "schema": f.schema_dataset.SchemaDatasetFacet(fields=fields),
        "dataSource": f.datasource_dataset.DatasourceDatasetFacet(name="s3", uri="s3://raw"),
        "documentation": f.documentation_dataset.DocumentationDatasetFacet(description="Raw."),
        "ownership": f.ownership_dataset.OwnershipDatasetFacet(
            owners=[f.ownership_dataset.Owner(name="team:raw")]
        ),
        "storage": f.storage_dataset.StorageDatasetFacet(
            storageLayer="delta", fileFormat="parquet"
        ),
        "symlinks": f.symlinks_dataset.SymlinksDatasetFacet(
            identifiers=[
                f.symlinks_dataset.Identifier(namespace="hive", name="raw.t", type="TABLE")
            ]
        ),
        "datasetType": f.dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="TABLE"),
        "version": f.dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion="7"),
        "lifecycleStateChange": f.lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
            lifecycleStateChange=f.lifecycle_state_change_dataset.LifecycleStateChange.OVERWRITE,
            previousIdentifier=f.lifecycle_state_change_dataset.PreviousIdentifier(
                name="raw.t_old", namespace="s3://raw"
            ),
        ),
    }
    inputs = [
        ev.InputDataset(
            namespace="s3://raw",
            name="t",
            facets=dataset_facets,
            inputFacets={
                "inputStatistics": (
                    f.input_statistics_input_dataset.InputStatisticsInputDatasetFacet(
                        rowCount=10, size=100, fileCount=1
                    )
                ),
                "dataQualityMetrics": (
                    f.data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
                        columnMetrics={
                            "id": f.data_quality_metrics_input_dataset.ColumnMetrics(
                                nullCount=0,
                                distinctCount=10,
                                min=1.0,
                                max=10.0,
                                quantiles={"0.5": 5.0},
                            )
                        },
                        rowCount=10,
                        lastUpdated=now,
                    )
                ),
                "dataQualityAssertions": (
                    f.data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                        assertions=[
                            f.data_quality_assertions_dataset.Assertion(
                                assertion="not_null", success=True, column="id"
                            )
                        ]
                    )
                ),
            },
        )
    ]
    lineage = f.column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "id": f.column_lineage_dataset.Fields(
                inputFields=[
                    f.column_lineage_dataset.InputField(
                        namespace="s3://raw",
                        name="t",
                        field="id",
                        transformations=[
                            f.column_lineage_dataset.Transformation(
                                type="DIRECT", subtype="IDENTITY", masking=False
                            )
                        ],
                    )
                ]
            )
        }
    )
    outputs = [
        ev.OutputDataset(
            namespace="s3://curated",
            name="t",
            facets={
                "schema": f.schema_dataset.SchemaDatasetFacet(fields=fields[:1]),
                "columnLineage": lineage,
            },
            outputFacets={
                "outputStatistics": (
                    f.output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                        rowCount=10, size=80
                    )
                )
            },
        )
    ]
    job = ev.Job(namespace="etl", name="copy_t", facets=job_facets)
    for state in (ev.RunState.START, ev.RunState.COMPLETE):
        yield ev.RunEvent(
            eventType=state,
            eventTime=now,
            run=ev.Run(runId=run_id, facets=run_facets),
            job=job,
            inputs=inputs,
            outputs=outputs,
        )
    failure = {
        "errorMessage": f.error_message_run.ErrorMessageRunFacet(
            message="boom", programmingLanguage="PYTHON", stackTrace="Traceback ..."
        )
    }
    yield ev.RunEvent(
        eventType=ev.RunState.FAIL,
        eventTime=now,
        run=ev.Run(runId=run_id, facets=failure),
        job=ev.Job(namespace="etl", name="copy_t"),
    )
    yield ev.DatasetEvent(
        eventTime=now,
        dataset=ev.StaticDataset(namespace="s3://raw", name="t", facets=dataset_facets),
    )
    yield ev.JobEvent(eventTime=now, job=job, inputs=inputs, outputs=outputs)


def test_events_from_the_reference_client_validate() -> None:
    from openlineage.client.serde import Serde

    kinds = []
    for event in _client_events():
        as_dict = Serde.to_dict(event)
        kinds.append(validate_event(as_dict))
        assert validate_event(json.loads(Serde.to_json(event))) == kinds[-1]
    assert kinds == ["RunEvent", "RunEvent", "RunEvent", "DatasetEvent", "JobEvent"]


def test_the_reference_client_sends_the_facet_versions_lineage_has() -> None:
    from openlineage.client.serde import Serde

    sent: dict[tuple[str, str], str] = {}
    for event in _client_events():
        data = Serde.to_dict(event)
        for _, kind, facets in _schema._facets_maps(data, _schema._kind_of(data)):
            for key, value in (facets or {}).items():
                sent[(kind, key)] = value["_schemaURL"]
    for (kind, key), url in sent.items():
        std = standard_facet(kind, key)
        if std is not None:
            assert url == std.schema_url, (kind, key)
    assert {(std.kind, std.key) for std in STANDARD_FACETS} <= set(sent)


# --------------------------------------------------------------------------------------------
# The compiled checks agree with jsonschema


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _mutations(instance: Any) -> Iterator[Any]:
    for path in _leaves(instance):
        for replacement in ("delete", None, 7, 2.5, True, "x", "2024-06-03T04:00:00Z", [], {}):
            mutated = copy.deepcopy(instance)
            node = mutated
            for part in path[:-1]:
                node = node[part]
            if replacement == "delete":
                del node[path[-1]]
            else:
                node[path[-1]] = replacement
            yield mutated


def test_the_fast_checks_agree_with_jsonschema_on_every_mutation() -> None:
    """Each schema is compiled into predicates for speed; jsonschema is the reference.

    Every leaf of the sample events and of each of their standard facets is deleted or replaced
    by values of each JSON type; both must give the same verdict on every result.
    """
    validators = _schema._validators()
    targets: list[tuple[Any, Any]] = []
    for build, kind in VALID.values():
        event = build()
        if build is not deleted_facets:
            targets.append((validators.events[kind], event))
        for _, facet_kind, facets in _schema._facets_maps(event, kind):
            for key, value in (facets or {}).items():
                if (facet_kind, key) in validators.facets and "_deleted" not in value:
                    targets.append((validators.facets[(facet_kind, key)], value))
    checked = 0
    for schema, instance in targets:
        assert schema.is_valid(instance)
        for mutated in _mutations(instance):
            assert schema.is_valid(mutated) == schema.validator.is_valid(mutated), mutated
            checked += 1
    assert checked > 5000
