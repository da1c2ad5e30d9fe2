"""A recorded day of OpenLineage events from Airflow, Spark and dbt, built with the real client.

The corpus is one night of a small shop's ML data pipeline on 2026-12-06 (UTC), as the three
integrations would report it. Every event is an ``openlineage.client.event_v2.RunEvent`` made of
the client's own classes, so :func:`corpus_dicts` is exactly what the client's HTTP transport puts
on the wire and :func:`write_jsonl` is exactly what its file transport writes.

The story:

1. Airflow (OpenLineage provider, job namespace ``airflow-prod``) runs the DAG ``shop_daily``,
   scheduled at 02:00. Its five tasks are ``extract_orders`` and ``extract_customers`` (SQL query
   on the shop's Postgres to a Parquet object in S3), ``validate_orders`` (a team-written quality
   check that reports ``dataQualityMetrics`` and ``dataQualityAssertions`` on the raw orders),
   ``build_features`` (``spark-submit`` of the Spark application) and ``run_dbt`` (``dbt-ol run``).
   The first try of ``extract_customers`` times out connecting to the database and FAILs with an
   ``errorMessage`` facet carrying the Python traceback; Airflow retries it five minutes later
   and the second try (a new run) COMPLETEs. The DAG run then succeeds.
2. The Spark application ``feature_builder`` (job namespace ``spark-prod``) is submitted by
   ``build_features``; Airflow hands it the task's run as parent and the DAG run as root. The
   listener sends the application's START and COMPLETE and, for each of its two actions, START,
   RUNNING and COMPLETE. The first action joins the two raw Parquet objects into per-customer
   features and saves them as a Delta table in ``s3://acme-features`` (column lineage, a
   ``version`` facet with the Delta version); the second reads that table back and writes it to
   the Postgres warehouse over JDBC (``analytics.staging.orders_features``, no version facet).
3. ``dbt-ol run`` of the dbt project ``shop_ml`` (target ``prod``, a Postgres profile) sends a
   wrapping run for the dbt command and, per model, a START and a COMPLETE whose parent is that
   command run: ``customer_labels`` and ``training_set``, which reads the warehouse features and
   ``customer_labels`` and writes ``analytics.marts.training_set``: the dataset a model is then
   trained on. Following outputs back to inputs from it reaches both Postgres source tables.

Naming rules used (from the OpenLineage naming conventions page of the spec, the client's
``openlineage.client.naming.dataset`` helpers, which build the dataset names here, and the
integrations' own code):

* Postgres datasets: namespace ``postgres://{host}:{port}``, name ``{database}.{schema}.{table}``.
  The same rule names the shop's tables, the warehouse table written by Spark's JDBC writer and
  the dbt relations, which is what lets the graph join across producers.
* S3 objects: namespace ``s3://{bucket}``, name the object key without a leading slash (the Java
  client behind the Spark listener strips it and turns ``s3a://`` into ``s3://``; Airflow names a
  key as given). The Spark listener also trims trailing date-like path segments, which does not
  touch ``orders/2026-12-06/orders.parquet`` because its last segment is not a date.
* Airflow: the DAG's job is named ``{dag_id}`` (jobType DAG), a task's ``{dag_id}.{task_id}``
  (jobType TASK), both in the namespace configured for the provider. Run ids are the provider's
  deterministic UUIDv7s: the logical date as the time part and a hash of
  ``{namespace}.{dag_id}.{clear_number}`` (DAG run) or
  ``{namespace}.{dag_id}.{task_id}.{try_number}.{map_index}`` (task run) as the rest, so a retry
  is a new run. Each task run's ``parent`` and ``root`` name the DAG run.
* Spark: the application job is the normalised app name (``feature_builder``, jobType
  APPLICATION); an action's job is ``{app}.{command}.{table}`` with the physical plan node
  snake-cased (``execute_save_into_data_source_command``) and the output's last two path parts or
  the JDBC table joined with ``_`` (jobType SQL_JOB). An action's parent is the application run,
  its root the Airflow DAG run handed over at submit time.
* dbt (artifact mode of ``dbt-ol``): the command's job is ``dbt-run-{project}`` and, because an
  orchestrator parent was passed in ``OPENLINEAGE_CONTEXT``, it takes the parent's namespace
  (``airflow-prod``); a model's job is ``{database}.{schema}.{project}.{model}`` in the namespace
  set with ``OPENLINEAGE_NAMESPACE`` (``dbt-prod``), jobType MODEL, parent the command run, root
  the DAG run. Its datasets use the profile's adapter namespace
  (``postgres://warehouse.internal:5432``).
* Custom facets carry their integration's own keys: ``airflow``, ``airflowDagRun``,
  ``airflowState`` and ``unknownSourceAttribute`` (Airflow), ``spark_properties`` and
  ``spark_applicationDetails`` (Spark), ``dbt_version``, ``dbt_run`` and ``dbt_node`` (dbt). Events
  from the Python-client based producers (Airflow, dbt) carry the ``tags`` run facet with
  ``openlineage_client_version`` that ``OpenLineageClient.emit`` adds.

Event times use each producer's format: Airflow and the dbt wrapper ``+00:00`` with
microseconds, the Spark listener milliseconds with ``Z``, dbt node timings microseconds with
``Z``. The events are in chronological order of ``eventTime`` (dbt-ol's artifact mode sends the
model events after the command has finished, but they are stamped with the model timings).

Regenerate the committed JSONL file with ``python -m tests.openlineage.corpus``.

Attributes:
    AIRFLOW_SOURCES: The two Postgres source tables the DAG extracts, as (namespace, name).
    SPARK_OUTPUT: The Delta table of features written by the Spark job with column lineage.
    WAREHOUSE_FEATURES: The warehouse copy of SPARK_OUTPUT (Spark's JDBC write) dbt reads.
    DBT_OUTPUT: The final dbt model's dataset (``analytics.marts.training_set``).
    DAG_RUN_ID: The run id of the ``shop_daily`` DAG run, root of every run in the corpus.
    FAILED_TASK_RUN_ID: The run id of the failed first try of ``shop_daily.extract_customers``.
    RETRIED_TASK_RUN_ID: The run id of its second, successful try.
    JOB_NAMES: Every job in the corpus as (namespace, name), in order of first appearance.
    JSONL_PATH: Where the committed corpus lives.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attr
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import (
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_input_dataset,
    dataset_version_dataset,
    datasource_dataset,
    documentation_dataset,
    documentation_job,
    error_message_run,
    input_statistics_input_dataset,
    job_type_job,
    lifecycle_state_change_dataset,
    nominal_time_run,
    output_statistics_output_dataset,
    ownership_job,
    parent_run,
    processing_engine_run,
    schema_dataset,
    source_code_job,
    source_code_location_job,
    sql_job,
    storage_dataset,
    tags_job,
    tags_run,
)
from openlineage.client.generated.base import JobFacet, RunFacet
from openlineage.client.naming.dataset import S3, Postgres
from openlineage.client.serde import Serde
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.uuid import generate_static_uuid

JSONL_PATH = Path(__file__).parent / "data" / "corpus.jsonl"

# --- Producers and versions ---------------------------------------------------------------------

OL_VERSION = "1.54.0"
AIRFLOW_VERSION = "3.1.3"
AIRFLOW_PROVIDER_VERSION = "2.10.0"
SPARK_VERSION = "3.5.6"
DBT_VERSION = "1.10.15"

AIRFLOW_PRODUCER = (
    f"https://github.com/apache/airflow/tree/providers-openlineage/{AIRFLOW_PROVIDER_VERSION}"
)
SPARK_PRODUCER = f"https://github.com/OpenLineage/OpenLineage/tree/{OL_VERSION}/integration/spark"
DBT_PRODUCER = f"https://github.com/OpenLineage/OpenLineage/tree/{OL_VERSION}/integration/dbt"
# dbt-ol passes its producer to the jobType facet only; its other facets keep the Python
# client's default producer (the Airflow provider instead sets its producer process-wide).
CLIENT_PRODUCER = f"https://github.com/OpenLineage/OpenLineage/tree/{OL_VERSION}/client/python"

# --- Namespaces and datasets --------------------------------------------------------------------

AIRFLOW_NAMESPACE = "airflow-prod"
SPARK_NAMESPACE = "spark-prod"
DBT_NAMESPACE = "dbt-prod"


def _pg(host: str, database: str, schema: str, table: str) -> tuple[str, str]:
    naming = Postgres(host=host, port="5432", database=database, schema=schema, table=table)
    return naming.get_namespace(), naming.get_name()


def _s3(bucket: str, key: str) -> tuple[str, str]:
    naming = S3(bucket_name=bucket, object_key=key)
    return naming.get_namespace(), naming.get_name()


SHOP_ORDERS = _pg("orders-db.internal", "shop", "public", "orders")
SHOP_CUSTOMERS = _pg("orders-db.internal", "shop", "public", "customers")
RAW_ORDERS = _s3("acme-raw", "orders/2026-12-06/orders.parquet")
RAW_CUSTOMERS = _s3("acme-raw", "customers/2026-12-06/customers.parquet")
SPARK_OUTPUT = _s3("acme-features", "features/orders_features")
WAREHOUSE_FEATURES = _pg("warehouse.internal", "analytics", "staging", "orders_features")
CUSTOMER_LABELS = _pg("warehouse.internal", "analytics", "marts", "customer_labels")
DBT_OUTPUT = _pg("warehouse.internal", "analytics", "marts", "training_set")
AIRFLOW_SOURCES = [SHOP_ORDERS, SHOP_CUSTOMERS]

# --- Jobs ---------------------------------------------------------------------------------------

DAG_ID = "shop_daily"
TASK_IDS = ("extract_orders", "extract_customers", "validate_orders", "build_features", "run_dbt")
SPARK_APP = "feature_builder"
SPARK_FEATURES_JOB = f"{SPARK_APP}.execute_save_into_data_source_command.features_orders_features"
SPARK_PUBLISH_JOB = f"{SPARK_APP}.execute_save_into_data_source_command.staging_orders_features"
DBT_PROJECT = "shop_ml"
DBT_COMMAND_JOB = f"dbt-run-{DBT_PROJECT}"
DBT_MODEL_JOBS = {
    model: f"analytics.marts.{DBT_PROJECT}.{model}" for model in ("customer_labels", "training_set")
}

JOB_NAMES = [
    (AIRFLOW_NAMESPACE, DAG_ID),
    *[(AIRFLOW_NAMESPACE, f"{DAG_ID}.{task_id}") for task_id in TASK_IDS[:4]],
    (SPARK_NAMESPACE, SPARK_APP),
    (SPARK_NAMESPACE, SPARK_FEATURES_JOB),
    (SPARK_NAMESPACE, SPARK_PUBLISH_JOB),
    (AIRFLOW_NAMESPACE, f"{DAG_ID}.run_dbt"),
    (AIRFLOW_NAMESPACE, DBT_COMMAND_JOB),
    *[(DBT_NAMESPACE, name) for name in DBT_MODEL_JOBS.values()],
]

# --- Timeline (each producer's own time format) -------------------------------------------------

LOGICAL_DATE = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)
NOMINAL_TIME = LOGICAL_DATE.isoformat()  # a cron trigger timetable: start == end == run time

T = {
    "dag.start": "2026-12-06T02:00:01.734112+00:00",
    "extract_orders.start": "2026-12-06T02:00:04.215083+00:00",
    "extract_customers.1.start": "2026-12-06T02:00:04.388120+00:00",
    "extract_customers.1.fail": "2026-12-06T02:00:35.120334+00:00",
    "extract_orders.end": "2026-12-06T02:01:37.902551+00:00",
    "validate_orders.start": "2026-12-06T02:01:40.610228+00:00",
    "validate_orders.end": "2026-12-06T02:02:18.337412+00:00",
    "extract_customers.2.start": "2026-12-06T02:05:36.840291+00:00",
    "extract_customers.2.end": "2026-12-06T02:06:12.551873+00:00",
    "build_features.start": "2026-12-06T02:06:15.093310+00:00",
    "spark.app.start": "2026-12-06T02:06:48.512Z",
    "spark.features.start": "2026-12-06T02:07:20.118Z",
    "spark.features.running": "2026-12-06T02:07:21.402Z",
    "spark.features.end": "2026-12-06T02:11:54.875Z",
    "spark.publish.start": "2026-12-06T02:12:01.337Z",
    "spark.publish.running": "2026-12-06T02:12:02.020Z",
    "spark.publish.end": "2026-12-06T02:13:45.661Z",
    "spark.app.end": "2026-12-06T02:13:47.208Z",
    "build_features.end": "2026-12-06T02:13:52.774095+00:00",
    "run_dbt.start": "2026-12-06T02:13:55.481920+00:00",
    "dbt.command.start": "2026-12-06T02:14:01.226733+00:00",
    "dbt.customer_labels.start": "2026-12-06T02:14:09.402118Z",
    "dbt.customer_labels.end": "2026-12-06T02:14:21.884530Z",
    "dbt.training_set.start": "2026-12-06T02:14:21.951207Z",
    "dbt.training_set.end": "2026-12-06T02:14:58.310274Z",
    "dbt.command.end": "2026-12-06T02:15:03.902118+00:00",
    "run_dbt.end": "2026-12-06T02:15:05.117452+00:00",
    "dag.end": "2026-12-06T02:15:06.880312+00:00",
}


def _at(key: str) -> datetime:
    return datetime.fromisoformat(T[key].replace("Z", "+00:00"))


# --- Run ids ------------------------------------------------------------------------------------


def _airflow_dag_run_id(clear_number: int = 0) -> str:
    """The provider's DAG run id: a UUIDv7 of the logical date and namespace, DAG, clear number."""
    data = f"{AIRFLOW_NAMESPACE}.{DAG_ID}.{clear_number}".encode()
    return str(generate_static_uuid(instant=LOGICAL_DATE, data=data))


def _airflow_task_run_id(task_id: str, try_number: int = 1, map_index: int = -1) -> str:
    """The provider's task run id: one per try, so a retry is a new run."""
    data = f"{AIRFLOW_NAMESPACE}.{DAG_ID}.{task_id}.{try_number}.{map_index}".encode()
    return str(generate_static_uuid(instant=LOGICAL_DATE, data=data))


def _uuid7_at(time_key: str, key: str) -> str:
    """A UUIDv7 stamped at a point of the timeline, as Spark and dbt-ol make theirs, but fixed."""
    return str(generate_static_uuid(instant=_at(time_key), data=key.encode()))


def _uuid4_like(key: str) -> str:
    """A fixed value shaped like a random (version 4) UUID, e.g. dbt's invocation id."""
    return str(uuid.UUID(bytes=uuid.uuid5(uuid.NAMESPACE_URL, key).bytes, version=4))


DAG_RUN_ID = _airflow_dag_run_id()
TASK_RUN_IDS = {task_id: _airflow_task_run_id(task_id) for task_id in TASK_IDS}
FAILED_TASK_RUN_ID = TASK_RUN_IDS["extract_customers"]
RETRIED_TASK_RUN_ID = _airflow_task_run_id("extract_customers", try_number=2)
SPARK_APP_RUN_ID = _uuid7_at("spark.app.start", "application_1764288000000_0412")
SPARK_FEATURES_RUN_ID = _uuid7_at("spark.features.start", "application_1764288000000_0412/sql/3")
SPARK_PUBLISH_RUN_ID = _uuid7_at("spark.publish.start", "application_1764288000000_0412/sql/5")
DBT_COMMAND_RUN_ID = _uuid7_at("dbt.command.start", "dbt-ol run shop_ml")
# dbt-ol's artifact mode mints the model run ids once dbt has finished.
DBT_MODEL_RUN_IDS = {
    model: _uuid7_at("dbt.command.end", f"model.{DBT_PROJECT}.{model}") for model in DBT_MODEL_JOBS
}
DBT_INVOCATION_ID = _uuid4_like("dbt invocation shop_ml 2026-12-06T02:14")

# --- Custom facets, keyed and shaped as the integrations send them ------------------------------


@attr.define
class AirflowRunFacet(RunFacet):
    """The provider's ``airflow`` run facet on task events (a subset of its keys)."""

    dag: dict[str, Any]
    dagRun: dict[str, Any]
    task: dict[str, Any]
    taskInstance: dict[str, Any]
    taskUuid: str


@attr.define
class AirflowDagRunFacet(RunFacet):
    """The provider's ``airflowDagRun`` run facet on the DAG run's START."""

    dag: dict[str, Any]
    dagRun: dict[str, Any]


@attr.define
class AirflowStateRunFacet(RunFacet):
    """The provider's ``airflowState`` run facet on the DAG run's end event."""

    dagRunState: str
    tasksState: dict[str, str]
    tasksDuration: dict[str, float]


@attr.define
class AirflowJobFacet(JobFacet):
    """The provider's ``airflow`` job facet on the DAG run's START: the DAG's task graph."""

    taskTree: dict[str, Any]
    taskGroups: dict[str, Any]
    tasks: dict[str, Any]


@attr.define
class UnknownOperatorAttributeRunFacet(RunFacet):
    """The provider's ``unknownSourceAttribute`` facet for operators it has no lineage for."""

    unknownItems: list[dict[str, Any]]


@attr.define
class SparkPropertyFacet(RunFacet):
    """The Spark listener's ``spark_properties`` run facet."""

    properties: dict[str, str]


@attr.define
class SparkApplicationDetailsFacet(RunFacet):
    """The Spark listener's ``spark_applicationDetails`` run facet on application events."""

    master: str
    appName: str
    applicationId: str
    deployMode: str
    driverHost: str
    userName: str
    uiWebUrl: str


_DBT_SCHEMA_BASE = (
    "https://github.com/OpenLineage/OpenLineage/tree/main/integration/common/openlineage/schema/"
)


@attr.define
class DbtVersionRunFacet(RunFacet):
    """dbt-ol's ``dbt_version`` run facet."""

    version: str

    @staticmethod
    def _get_schema() -> str:
        return _DBT_SCHEMA_BASE + "dbt-version-run-facet.json"


@attr.define
class DbtRunRunFacet(RunFacet):
    """dbt-ol's ``dbt_run`` run facet."""

    invocation_id: str
    project_name: str
    dbt_runtime: str
    project_version: str
    profile_name: str

    @staticmethod
    def _get_schema() -> str:
        return _DBT_SCHEMA_BASE + "dbt-run-run-facet.json"


@attr.define
class DbtNodeJobFacet(JobFacet):
    """dbt-ol's ``dbt_node`` job facet."""

    original_file_path: str
    database: str
    schema: str
    alias: str
    unique_id: str

    @staticmethod
    def _get_schema() -> str:
        return _DBT_SCHEMA_BASE + "dbt-node-job-facet.json"


# --- Shared facet builders ----------------------------------------------------------------------


def _schema(producer: str, *columns: tuple[str, str]) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in columns],
        producer=producer,
    )


def _datasource(producer: str, namespace: str) -> datasource_dataset.DatasourceDatasetFacet:
    return datasource_dataset.DatasourceDatasetFacet(
        name=namespace, uri=namespace, producer=producer
    )


def _client_tags(producer: str) -> dict[str, RunFacet]:
    """The ``tags`` run facet ``OpenLineageClient.emit`` adds to every run event it sends."""
    return {
        "tags": tags_run.TagsRunFacet(
            tags=[
                tags_run.TagsRunFacetFields(
                    key="openlineage_client_version", value=OL_VERSION, source="OPENLINEAGE_CLIENT"
                )
            ],
            producer=producer,
        )
    }


def _parent(
    run_id: str, namespace: str, name: str, root: tuple[str, str, str] | None, producer: str
) -> parent_run.ParentRunFacet:
    root_facet = None
    if root is not None:
        root_run_id, root_namespace, root_name = root
        root_facet = parent_run.Root(
            run=parent_run.RootRun(runId=root_run_id),
            job=parent_run.RootJob(namespace=root_namespace, name=root_name),
        )
    return parent_run.ParentRunFacet(
        run=parent_run.Run(runId=run_id),
        job=parent_run.Job(namespace=namespace, name=name),
        root=root_facet,
        producer=producer,
    )


DAG_ROOT = (DAG_RUN_ID, AIRFLOW_NAMESPACE, DAG_ID)

# --- Airflow ------------------------------------------------------------------------------------

DAG_OWNER = "data-eng"
DAG_TAGS = ("daily", "shop")
OPERATORS = {
    "extract_orders": "airflow.providers.amazon.aws.transfers.sql_to_s3.SqlToS3Operator",
    "extract_customers": "airflow.providers.amazon.aws.transfers.sql_to_s3.SqlToS3Operator",
    "validate_orders": "acme_airflow.operators.quality.ParquetQualityCheckOperator",
    "build_features": "airflow.providers.apache.spark.operators.spark_submit.SparkSubmitOperator",
    "run_dbt": "airflow.providers.standard.operators.bash.BashOperator",
}
DOWNSTREAM = {
    "extract_orders": ["validate_orders"],
    "extract_customers": ["build_features"],
    "validate_orders": ["build_features"],
    "build_features": ["run_dbt"],
    "run_dbt": [],
}
DAG_RUN_INFO = {
    "dag_id": DAG_ID,
    "run_id": f"scheduled__{NOMINAL_TIME}",
    "run_type": "scheduled",
    "logical_date": NOMINAL_TIME,
    "data_interval_start": NOMINAL_TIME,
    "data_interval_end": NOMINAL_TIME,
    "start_date": T["dag.start"],
    "clear_number": 0,
}
DAG_INFO = {
    "dag_id": DAG_ID,
    "owner": DAG_OWNER,
    "tags": list(DAG_TAGS),
    "timetable_summary": "0 2 * * *",
    "fileloc": "/opt/airflow/dags/shop_daily.py",
}

EXTRACT_ORDERS_SQL = (
    "SELECT order_id, customer_id, ordered_at, status, amount, currency\n"
    "FROM public.orders\n"
    "WHERE ordered_at >= '2026-12-05T02:00:00+00:00'\n"
    "  AND ordered_at < '2026-12-06T02:00:00+00:00'"
)
EXTRACT_CUSTOMERS_SQL = "SELECT customer_id, country, created_at, segment\nFROM public.customers"
RUN_DBT_COMMAND = (
    "dbt-ol run --project-dir /opt/airflow/dbt/shop_ml --profiles-dir /opt/airflow/dbt "
    "--target prod"
)
EXTRACT_CUSTOMERS_ERROR = (
    'connection to server at "orders-db.internal" (10.20.3.41), port 5432 failed: timeout expired\n'
)
_SITE = "/home/airflow/.local/lib/python3.12/site-packages"
EXTRACT_CUSTOMERS_TRACEBACK = (
    "Traceback (most recent call last):\n"
    f'  File "{_SITE}/airflow/sdk/execution_time/task_runner.py", line 931, in run\n'
    "    result = _execute_task(context=context, ti=ti, log=log)\n"
    f'  File "{_SITE}/airflow/sdk/execution_time/task_runner.py", line 1307, in _execute_task\n'
    "    result = ctx.run(execute, context=context)\n"
    f'  File "{_SITE}/airflow/sdk/bases/operator.py", line 416, in wrapper\n'
    "    return func(self, *args, **kwargs)\n"
    f'  File "{_SITE}/airflow/providers/amazon/aws/transfers/sql_to_s3.py", line 212, in execute\n'
    "    data_df = sql_hook.get_df(sql=self.query, parameters=self.parameters, "
    'df_type="pandas")\n'
    f'  File "{_SITE}/airflow/providers/common/sql/hooks/sql.py", line 487, in get_df\n'
    "    with closing(self.get_conn()) as conn:\n"
    f'  File "{_SITE}/airflow/providers/postgres/hooks/postgres.py", line 233, in get_conn\n'
    "    self.conn = psycopg2.connect(**conn_args)\n"
    f'  File "{_SITE}/psycopg2/__init__.py", line 122, in connect\n'
    "    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)\n"
    f"psycopg2.OperationalError: {EXTRACT_CUSTOMERS_ERROR}"
)
QUALITY_CHECK_REPO = "https://github.com/acme/data-platform"
QUALITY_CHECK_SHA = "4f0c2a9e1b7d53c8a6e2f90d1c3b5a7e8f6d4c21"


def _af_schema(*columns: tuple[str, str]) -> schema_dataset.SchemaDatasetFacet:
    return _schema(AIRFLOW_PRODUCER, *columns)


def _shop_orders() -> InputDataset:
    return InputDataset(
        *SHOP_ORDERS,
        facets={
            "schema": _af_schema(
                ("order_id", "int8"),
                ("customer_id", "int8"),
                ("ordered_at", "timestamptz"),
                ("status", "varchar"),
                ("amount", "numeric"),
                ("currency", "bpchar"),
            )
        },
    )


def _shop_customers() -> InputDataset:
    return InputDataset(
        *SHOP_CUSTOMERS,
        facets={
            "schema": _af_schema(
                ("customer_id", "int8"),
                ("email", "varchar"),
                ("country", "bpchar"),
                ("created_at", "timestamptz"),
                ("segment", "varchar"),
                ("marketing_opt_in", "bool"),
            )
        },
    )


RAW_ORDERS_ARROW = (
    ("order_id", "int64"),
    ("customer_id", "int64"),
    ("ordered_at", "timestamp[us, tz=UTC]"),
    ("status", "string"),
    ("amount", "decimal128(12, 2)"),
    ("currency", "string"),
)
RAW_CUSTOMERS_ARROW = (
    ("customer_id", "int64"),
    ("country", "string"),
    ("created_at", "timestamp[us, tz=UTC]"),
    ("segment", "string"),
)


def _task_event(
    event_type: RunState,
    time_key: str,
    task_id: str,
    *,
    try_number: int = 1,
    retries: int = 2,
    inputs: list[InputDataset] | None = None,
    outputs: list[OutputDataset] | None = None,
    job_facets: dict[str, JobFacet] | None = None,
    run_facets: dict[str, RunFacet] | None = None,
) -> RunEvent:
    """A task event as the provider's adapter assembles it (operator facets first)."""
    run_id = _airflow_task_run_id(task_id, try_number)
    operator = OPERATORS[task_id]
    facets: dict[str, RunFacet] = {
        **(run_facets or {}),
        "parent": _parent(DAG_RUN_ID, AIRFLOW_NAMESPACE, DAG_ID, DAG_ROOT, AIRFLOW_PRODUCER),
        "airflow": AirflowRunFacet(
            dag=dict(DAG_INFO),
            dagRun=dict(DAG_RUN_INFO),
            task={
                "task_id": task_id,
                "operator_class": operator.rsplit(".", 1)[1],
                "operator_class_path": operator,
                "owner": DAG_OWNER,
                "retries": retries,
                "retry_delay": "0:05:00",
                "downstream_task_ids": list(DOWNSTREAM[task_id]),
            },
            taskInstance={"try_number": try_number, "map_index": -1, "pool": "default_pool"},
            taskUuid=run_id,
            producer=AIRFLOW_PRODUCER,
        ),
        "nominalTime": nominal_time_run.NominalTimeRunFacet(
            nominalStartTime=NOMINAL_TIME, nominalEndTime=NOMINAL_TIME, producer=AIRFLOW_PRODUCER
        ),
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=AIRFLOW_VERSION,
            name="Airflow",
            openlineageAdapterVersion=AIRFLOW_PROVIDER_VERSION,
            producer=AIRFLOW_PRODUCER,
        ),
        **_client_tags(AIRFLOW_PRODUCER),
    }
    return RunEvent(
        eventType=event_type,
        eventTime=T[time_key],
        run=Run(runId=run_id, facets=facets),
        job=Job(
            namespace=AIRFLOW_NAMESPACE,
            name=f"{DAG_ID}.{task_id}",
            facets={**(job_facets or {}), **_airflow_job_facets("TASK")},
        ),
        inputs=inputs or [],
        outputs=outputs or [],
        producer=AIRFLOW_PRODUCER,
    )


def _airflow_job_facets(job_type: str) -> dict[str, JobFacet]:
    return {
        "ownership": ownership_job.OwnershipJobFacet(
            owners=[ownership_job.Owner(name=DAG_OWNER)], producer=AIRFLOW_PRODUCER
        ),
        "tags": tags_job.TagsJobFacet(
            tags=[tags_job.TagsJobFacetFields(key=t, value=t, source="AIRFLOW") for t in DAG_TAGS],
            producer=AIRFLOW_PRODUCER,
        ),
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH",
            integration="AIRFLOW",
            jobType=job_type,
            producer=AIRFLOW_PRODUCER,
        ),
    }


def _dag_event(event_type: RunState, time_key: str) -> RunEvent:
    run_facets: dict[str, RunFacet] = {}
    job_facets: dict[str, JobFacet] = {}
    if event_type == RunState.START:
        run_facets["airflowDagRun"] = AirflowDagRunFacet(
            dag=dict(DAG_INFO), dagRun=dict(DAG_RUN_INFO), producer=AIRFLOW_PRODUCER
        )
        job_facets["airflow"] = AirflowJobFacet(
            taskTree={},
            taskGroups={},
            tasks={
                task_id: {
                    "operator": OPERATORS[task_id],
                    "emits_ol_events": True,
                    "is_setup": False,
                    "is_teardown": False,
                    "downstream_task_ids": list(DOWNSTREAM[task_id]),
                }
                for task_id in TASK_IDS
            },
            producer=AIRFLOW_PRODUCER,
        )
        job_facets["documentation"] = documentation_job.DocumentationJobFacet(
            description="Nightly shop extract, feature build and dbt training set for the ML team.",
            contentType="text/plain",
            producer=AIRFLOW_PRODUCER,
        )
    else:
        durations = {
            task_id: round((_at(f"{key}.end") - _at(f"{key}.start")).total_seconds(), 6)
            for task_id, key in (
                ("extract_orders", "extract_orders"),
                ("extract_customers", "extract_customers.2"),
                ("validate_orders", "validate_orders"),
                ("build_features", "build_features"),
                ("run_dbt", "run_dbt"),
            )
        }
        run_facets["airflowState"] = AirflowStateRunFacet(
            dagRunState="success",
            tasksState=dict.fromkeys(TASK_IDS, "success"),
            tasksDuration=durations,
            producer=AIRFLOW_PRODUCER,
        )
    run_facets["nominalTime"] = nominal_time_run.NominalTimeRunFacet(
        nominalStartTime=NOMINAL_TIME, nominalEndTime=NOMINAL_TIME, producer=AIRFLOW_PRODUCER
    )
    run_facets["processing_engine"] = processing_engine_run.ProcessingEngineRunFacet(
        version=AIRFLOW_VERSION,
        name="Airflow",
        openlineageAdapterVersion=AIRFLOW_PROVIDER_VERSION,
        producer=AIRFLOW_PRODUCER,
    )
    run_facets.update(_client_tags(AIRFLOW_PRODUCER))
    return RunEvent(
        eventType=event_type,
        eventTime=T[time_key],
        run=Run(runId=DAG_RUN_ID, facets=run_facets),
        job=Job(
            namespace=AIRFLOW_NAMESPACE,
            name=DAG_ID,
            facets={**job_facets, **_airflow_job_facets("DAG")},
        ),
        producer=AIRFLOW_PRODUCER,
    )


def _sql_facet(query: str) -> dict[str, JobFacet]:
    return {"sql": sql_job.SQLJobFacet(query=query, dialect="postgres", producer=AIRFLOW_PRODUCER)}


def _extract_orders(event_type: RunState, time_key: str) -> RunEvent:
    return _task_event(
        event_type,
        time_key,
        "extract_orders",
        inputs=[_shop_orders()],
        outputs=[OutputDataset(*RAW_ORDERS, facets={"schema": _af_schema(*RAW_ORDERS_ARROW)})],
        job_facets=_sql_facet(EXTRACT_ORDERS_SQL),
    )


def _extract_customers(
    event_type: RunState, time_key: str, try_number: int, run_facets: dict[str, RunFacet] | None
) -> RunEvent:
    return _task_event(
        event_type,
        time_key,
        "extract_customers",
        try_number=try_number,
        inputs=[_shop_customers()],
        outputs=[
            OutputDataset(*RAW_CUSTOMERS, facets={"schema": _af_schema(*RAW_CUSTOMERS_ARROW)})
        ],
        job_facets=_sql_facet(EXTRACT_CUSTOMERS_SQL),
        run_facets=run_facets,
    )


def _validate_orders(event_type: RunState, time_key: str) -> RunEvent:
    input_facets: dict[str, Any] = {}
    if event_type == RunState.COMPLETE:
        dqm = data_quality_metrics_input_dataset
        input_facets["dataQualityMetrics"] = dqm.DataQualityMetricsInputDatasetFacet(
            rowCount=48213,
            bytes=2871344,
            fileCount=1,
            lastUpdated="2026-12-06T02:01:36.118000+00:00",
            columnMetrics={
                "order_id": dqm.ColumnMetrics(nullCount=0, distinctCount=48213),
                "customer_id": dqm.ColumnMetrics(nullCount=0, distinctCount=17402),
                "status": dqm.ColumnMetrics(nullCount=0, distinctCount=4),
                "amount": dqm.ColumnMetrics(
                    nullCount=3,
                    count=48210,
                    min=0.5,
                    max=4890.0,
                    sum=3512877.45,
                    quantiles={"0.25": 24.9, "0.5": 52.0, "0.75": 98.5},
                ),
            },
            producer=AIRFLOW_PRODUCER,
        )
        dqa = data_quality_assertions_dataset
        input_facets["dataQualityAssertions"] = dqa.DataQualityAssertionsDatasetFacet(
            assertions=[
                dqa.Assertion(assertion="not_null", success=True, column="order_id"),
                dqa.Assertion(assertion="unique", success=True, column="order_id"),
                dqa.Assertion(
                    assertion="null_fraction_below",
                    success=True,
                    column="amount",
                    severity="warn",
                    expected="0.001",
                    actual="0.0000622",
                ),
                dqa.Assertion(assertion="row_count_at_least", success=True, expected="10000"),
            ],
            producer=AIRFLOW_PRODUCER,
        )
    location = source_code_location_job.SourceCodeLocationJobFacet(
        type="git",
        url=f"{QUALITY_CHECK_REPO}/blob/{QUALITY_CHECK_SHA}/dags/shop_daily/quality.py",
        repoUrl=f"{QUALITY_CHECK_REPO}.git",
        path="dags/shop_daily/quality.py",
        version=QUALITY_CHECK_SHA,
        branch="main",
        producer=AIRFLOW_PRODUCER,
    )
    return _task_event(
        event_type,
        time_key,
        "validate_orders",
        inputs=[
            InputDataset(
                *RAW_ORDERS,
                facets={"schema": _af_schema(*RAW_ORDERS_ARROW)},
                inputFacets=input_facets,
            )
        ],
        job_facets={"sourceCodeLocation": location},
    )


def _build_features(event_type: RunState, time_key: str) -> RunEvent:
    unknown = UnknownOperatorAttributeRunFacet(
        unknownItems=[
            {
                "name": "SparkSubmitOperator",
                "type": "operator",
                "properties": {
                    "application": "s3://acme-artifacts/jobs/feature_builder.py",
                    "conn_id": "spark_emr",
                    "name": SPARK_APP,
                    "deploy_mode": "cluster",
                },
            }
        ],
        producer=AIRFLOW_PRODUCER,
    )
    return _task_event(
        event_type, time_key, "build_features", run_facets={"unknownSourceAttribute": unknown}
    )


def _run_dbt(event_type: RunState, time_key: str) -> RunEvent:
    source = source_code_job.SourceCodeJobFacet(
        language="bash", sourceCode=RUN_DBT_COMMAND, producer=AIRFLOW_PRODUCER
    )
    return _task_event(
        event_type, time_key, "run_dbt", retries=0, job_facets={"sourceCode": source}
    )


# --- Spark --------------------------------------------------------------------------------------

SPARK_APPLICATION_ID = "application_1764288000000_0412"
SPARK_DRIVER = "ip-10-20-7-88.eu-west-1.compute.internal"
DELTA_VERSION = "118"
FEATURE_ROWS = 17402

RAW_ORDERS_SPARK = (
    ("order_id", "long"),
    ("customer_id", "long"),
    ("ordered_at", "timestamp"),
    ("status", "string"),
    ("amount", "decimal(12,2)"),
    ("currency", "string"),
)
RAW_CUSTOMERS_SPARK = (
    ("customer_id", "long"),
    ("country", "string"),
    ("created_at", "timestamp"),
    ("segment", "string"),
)
FEATURES_SPARK = (
    ("customer_id", "long"),
    ("order_count_30d", "long"),
    ("total_amount_30d", "decimal(22,2)"),
    ("avg_amount_30d", "decimal(16,6)"),
    ("last_order_ts", "timestamp"),
    ("country", "string"),
    ("segment", "string"),
    ("feature_date", "date"),
)


def _spark_run_facets(parent: parent_run.ParentRunFacet) -> dict[str, RunFacet]:
    return {
        "parent": parent,
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=SPARK_VERSION,
            name="spark",
            openlineageAdapterVersion=OL_VERSION,
            producer=SPARK_PRODUCER,
        ),
        "spark_properties": SparkPropertyFacet(
            properties={"spark.master": "yarn", "spark.app.name": SPARK_APP},
            producer=SPARK_PRODUCER,
        ),
    }


def _spark_job_type(job_type: str) -> dict[str, JobFacet]:
    return {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="SPARK", jobType=job_type, producer=SPARK_PRODUCER
        )
    }


def _spark_app_event(event_type: RunState, time_key: str) -> RunEvent:
    parent = _parent(
        TASK_RUN_IDS["build_features"],
        AIRFLOW_NAMESPACE,
        f"{DAG_ID}.build_features",
        DAG_ROOT,
        SPARK_PRODUCER,
    )
    facets = _spark_run_facets(parent)
    facets["spark_applicationDetails"] = SparkApplicationDetailsFacet(
        master="yarn",
        appName=SPARK_APP,
        applicationId=SPARK_APPLICATION_ID,
        deployMode="cluster",
        driverHost=SPARK_DRIVER,
        userName="hadoop",
        uiWebUrl=f"http://{SPARK_DRIVER}:4040",
        producer=SPARK_PRODUCER,
    )
    return RunEvent(
        eventType=event_type,
        eventTime=T[time_key],
        run=Run(runId=SPARK_APP_RUN_ID, facets=facets),
        job=Job(namespace=SPARK_NAMESPACE, name=SPARK_APP, facets=_spark_job_type("APPLICATION")),
        producer=SPARK_PRODUCER,
    )


def _spark_action_event(
    event_type: RunState,
    time_key: str,
    run_id: str,
    job_name: str,
    inputs: list[InputDataset],
    outputs: list[OutputDataset],
) -> RunEvent:
    parent = _parent(SPARK_APP_RUN_ID, SPARK_NAMESPACE, SPARK_APP, DAG_ROOT, SPARK_PRODUCER)
    return RunEvent(
        eventType=event_type,
        eventTime=T[time_key],
        run=Run(runId=run_id, facets=_spark_run_facets(parent)),
        job=Job(namespace=SPARK_NAMESPACE, name=job_name, facets=_spark_job_type("SQL_JOB")),
        inputs=inputs,
        outputs=outputs,
        producer=SPARK_PRODUCER,
    )


def _spark_dataset_facets(
    dataset: tuple[str, str], columns: tuple[tuple[str, str], ...]
) -> dict[str, Any]:
    return {
        "dataSource": _datasource(SPARK_PRODUCER, dataset[0]),
        "schema": _schema(SPARK_PRODUCER, *columns),
    }


def _delta_facets() -> dict[str, Any]:
    return {
        "storage": storage_dataset.StorageDatasetFacet(
            storageLayer="delta", fileFormat="parquet", producer=SPARK_PRODUCER
        ),
        "version": dataset_version_dataset.DatasetVersionDatasetFacet(
            datasetVersion=DELTA_VERSION, producer=SPARK_PRODUCER
        ),
    }


def _overwrite() -> lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet:
    lsc = lifecycle_state_change_dataset
    return lsc.LifecycleStateChangeDatasetFacet(
        lifecycleStateChange=lsc.LifecycleStateChange.OVERWRITE, producer=SPARK_PRODUCER
    )


def _field(
    dataset: tuple[str, str], field: str, *transformations: tuple[str, str]
) -> column_lineage_dataset.InputField:
    return column_lineage_dataset.InputField(
        namespace=dataset[0],
        name=dataset[1],
        field=field,
        transformations=[
            column_lineage_dataset.Transformation(
                type=kind, subtype=subtype, masking=False if kind == "DIRECT" else None
            )
            for kind, subtype in transformations
        ],
    )


def _features_column_lineage() -> column_lineage_dataset.ColumnLineageDatasetFacet:
    """Per-customer aggregates over completed orders, joined to the customer's attributes."""
    identity = ("DIRECT", "IDENTITY")
    aggregation = ("DIRECT", "AGGREGATION")
    fields = {
        "customer_id": [_field(RAW_ORDERS, "customer_id", identity)],
        "order_count_30d": [_field(RAW_ORDERS, "order_id", aggregation)],
        "total_amount_30d": [_field(RAW_ORDERS, "amount", aggregation)],
        "avg_amount_30d": [_field(RAW_ORDERS, "amount", aggregation)],
        "last_order_ts": [_field(RAW_ORDERS, "ordered_at", aggregation)],
        "country": [_field(RAW_CUSTOMERS, "country", identity)],
        "segment": [_field(RAW_CUSTOMERS, "segment", identity)],
    }
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            name: column_lineage_dataset.Fields(inputFields=input_fields)
            for name, input_fields in fields.items()
        },
        dataset=[
            _field(RAW_ORDERS, "customer_id", ("INDIRECT", "JOIN"), ("INDIRECT", "GROUP_BY")),
            _field(RAW_CUSTOMERS, "customer_id", ("INDIRECT", "JOIN")),
            _field(RAW_ORDERS, "status", ("INDIRECT", "FILTER")),
            _field(RAW_ORDERS, "ordered_at", ("INDIRECT", "FILTER")),
            _field(RAW_CUSTOMERS, "country", ("INDIRECT", "GROUP_BY")),
            _field(RAW_CUSTOMERS, "segment", ("INDIRECT", "GROUP_BY")),
        ],
        producer=SPARK_PRODUCER,
    )


def _publish_column_lineage() -> column_lineage_dataset.ColumnLineageDatasetFacet:
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            name: column_lineage_dataset.Fields(
                inputFields=[_field(SPARK_OUTPUT, name, ("DIRECT", "IDENTITY"))]
            )
            for name, _ in FEATURES_SPARK
        },
        producer=SPARK_PRODUCER,
    )


def _spark_features(event_type: RunState, time_key: str) -> RunEvent:
    """Action 1: raw orders and customers to the Delta feature table (SPARK_OUTPUT)."""
    complete = event_type == RunState.COMPLETE
    inputs = []
    for dataset, columns, rows, size in (
        (RAW_ORDERS, RAW_ORDERS_SPARK, 48213, 2871344),
        (RAW_CUSTOMERS, RAW_CUSTOMERS_SPARK, 61877, 1402210),
    ):
        input_facets: dict[str, Any] = {}
        if complete:
            input_facets["inputStatistics"] = (
                input_statistics_input_dataset.InputStatisticsInputDatasetFacet(
                    rowCount=rows, size=size, fileCount=1, producer=SPARK_PRODUCER
                )
            )
        inputs.append(
            InputDataset(
                *dataset, facets=_spark_dataset_facets(dataset, columns), inputFacets=input_facets
            )
        )
    facets = _spark_dataset_facets(SPARK_OUTPUT, FEATURES_SPARK)
    facets["lifecycleStateChange"] = _overwrite()
    output_facets: dict[str, Any] = {}
    if complete:
        facets.update(_delta_facets())
        facets["columnLineage"] = _features_column_lineage()
        output_facets["outputStatistics"] = (
            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=FEATURE_ROWS, size=1048876, fileCount=8, producer=SPARK_PRODUCER
            )
        )
    outputs = [OutputDataset(*SPARK_OUTPUT, facets=facets, outputFacets=output_facets)]
    return _spark_action_event(
        event_type, time_key, SPARK_FEATURES_RUN_ID, SPARK_FEATURES_JOB, inputs, outputs
    )


def _spark_publish(event_type: RunState, time_key: str) -> RunEvent:
    """Action 2: the Delta feature table to the warehouse over JDBC (WAREHOUSE_FEATURES)."""
    complete = event_type == RunState.COMPLETE
    input_facets = _spark_dataset_facets(SPARK_OUTPUT, FEATURES_SPARK)
    input_facets.update(_delta_facets())
    inputs = [InputDataset(*SPARK_OUTPUT, facets=input_facets)]
    facets = _spark_dataset_facets(WAREHOUSE_FEATURES, FEATURES_SPARK)
    facets["lifecycleStateChange"] = _overwrite()
    output_facets: dict[str, Any] = {}
    if complete:
        facets["columnLineage"] = _publish_column_lineage()
        output_facets["outputStatistics"] = (
            output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=FEATURE_ROWS, producer=SPARK_PRODUCER
            )
        )
    outputs = [OutputDataset(*WAREHOUSE_FEATURES, facets=facets, outputFacets=output_facets)]
    return _spark_action_event(
        event_type, time_key, SPARK_PUBLISH_RUN_ID, SPARK_PUBLISH_JOB, inputs, outputs
    )


# --- dbt ----------------------------------------------------------------------------------------

DBT_DATASET_NAMESPACE = DBT_OUTPUT[0]
DBT_COMPILED_SQL = {
    "customer_labels": (
        "select\n"
        "    customer_id,\n"
        "    case when total_amount_30d >= 500 then 1 else 0 end as is_high_value,\n"
        "    feature_date\n"
        'from "analytics"."staging"."orders_features"\n'
        "where feature_date = date '2026-12-06'"
    ),
    "training_set": (
        "select\n"
        "    f.customer_id,\n"
        "    f.order_count_30d,\n"
        "    f.feature_date - f.last_order_ts::date as days_since_last_order,\n"
        "    f.country,\n"
        "    f.segment,\n"
        "    l.is_high_value as label,\n"
        "    f.feature_date\n"
        'from "analytics"."staging"."orders_features" as f\n'
        'inner join "analytics"."marts"."customer_labels" as l\n'
        "    on l.customer_id = f.customer_id\n"
        "   and l.feature_date = f.feature_date"
    ),
}
WAREHOUSE_FEATURES_PG = (
    ("customer_id", "bigint"),
    ("order_count_30d", "bigint"),
    ("total_amount_30d", "numeric"),
    ("avg_amount_30d", "numeric"),
    ("last_order_ts", "timestamp without time zone"),
    ("country", "text"),
    ("segment", "text"),
    ("feature_date", "date"),
)
CUSTOMER_LABELS_PG = (
    ("customer_id", "bigint"),
    ("is_high_value", "integer"),
    ("feature_date", "date"),
)
TRAINING_SET_PG = (
    ("customer_id", "bigint"),
    ("order_count_30d", "bigint"),
    ("days_since_last_order", "integer"),
    ("country", "text"),
    ("segment", "text"),
    ("label", "integer"),
    ("feature_date", "date"),
)
DBT_DOCS = {
    WAREHOUSE_FEATURES: "Per-customer order features loaded by the feature_builder Spark job.",
    CUSTOMER_LABELS: "High-value label per customer and feature date.",
    DBT_OUTPUT: "One row per customer and feature date: features plus label, for model training.",
}
DBT_SCHEMAS = {
    WAREHOUSE_FEATURES: WAREHOUSE_FEATURES_PG,
    CUSTOMER_LABELS: CUSTOMER_LABELS_PG,
    DBT_OUTPUT: TRAINING_SET_PG,
}


def _dbt_dataset_facets(dataset: tuple[str, str]) -> dict[str, Any]:
    return {
        "dataSource": _datasource(CLIENT_PRODUCER, DBT_DATASET_NAMESPACE),
        "documentation": documentation_dataset.DocumentationDatasetFacet(
            description=DBT_DOCS[dataset], producer=CLIENT_PRODUCER
        ),
        "schema": _schema(CLIENT_PRODUCER, *DBT_SCHEMAS[dataset]),
    }


def _dbt_lineage(
    mapping: dict[str, list[tuple[tuple[str, str], str]]],
) -> column_lineage_dataset.ColumnLineageDatasetFacet:
    """Column lineage as dbt-ol gets it from its SQL parser: input fields, no transformations."""
    return column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            column: column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(namespace=ds[0], name=ds[1], field=field)
                    for ds, field in sources
                ]
            )
            for column, sources in mapping.items()
        },
        producer=CLIENT_PRODUCER,
    )


DBT_COLUMN_LINEAGE = {
    "customer_labels": {
        "customer_id": [(WAREHOUSE_FEATURES, "customer_id")],
        "is_high_value": [(WAREHOUSE_FEATURES, "total_amount_30d")],
        "feature_date": [(WAREHOUSE_FEATURES, "feature_date")],
    },
    "training_set": {
        "customer_id": [(WAREHOUSE_FEATURES, "customer_id")],
        "order_count_30d": [(WAREHOUSE_FEATURES, "order_count_30d")],
        "days_since_last_order": [
            (WAREHOUSE_FEATURES, "feature_date"),
            (WAREHOUSE_FEATURES, "last_order_ts"),
        ],
        "country": [(WAREHOUSE_FEATURES, "country")],
        "segment": [(WAREHOUSE_FEATURES, "segment")],
        "label": [(CUSTOMER_LABELS, "is_high_value")],
        "feature_date": [(WAREHOUSE_FEATURES, "feature_date")],
    },
}
DBT_MODELS = {
    "customer_labels": ([WAREHOUSE_FEATURES], CUSTOMER_LABELS),
    "training_set": ([WAREHOUSE_FEATURES, CUSTOMER_LABELS], DBT_OUTPUT),
}


def _dbt_command_event(event_type: RunState, time_key: str) -> RunEvent:
    """The wrapping run dbt-ol sends around the dbt command (it takes its parent's namespace)."""
    parent = _parent(
        TASK_RUN_IDS["run_dbt"], AIRFLOW_NAMESPACE, f"{DAG_ID}.run_dbt", DAG_ROOT, CLIENT_PRODUCER
    )
    job_type = job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="DBT", jobType="JOB", producer=DBT_PRODUCER
    )
    return RunEvent(
        eventType=event_type,
        eventTime=T[time_key],
        run=Run(
            runId=DBT_COMMAND_RUN_ID, facets={"parent": parent, **_client_tags(CLIENT_PRODUCER)}
        ),
        job=Job(namespace=AIRFLOW_NAMESPACE, name=DBT_COMMAND_JOB, facets={"jobType": job_type}),
        producer=DBT_PRODUCER,
    )


def _dbt_model_event(event_type: RunState, model: str) -> RunEvent:
    inputs, output = DBT_MODELS[model]
    phase = "start" if event_type == RunState.START else "end"
    parent = _parent(
        DBT_COMMAND_RUN_ID, AIRFLOW_NAMESPACE, DBT_COMMAND_JOB, DAG_ROOT, CLIENT_PRODUCER
    )
    run_facets: dict[str, RunFacet] = {
        "dbt_version": DbtVersionRunFacet(version=DBT_VERSION, producer=CLIENT_PRODUCER),
        "dbt_run": DbtRunRunFacet(
            invocation_id=DBT_INVOCATION_ID,
            project_name=DBT_PROJECT,
            dbt_runtime="core",
            project_version="1.4.0",
            profile_name=DBT_PROJECT,
            producer=CLIENT_PRODUCER,
        ),
        "processing_engine": processing_engine_run.ProcessingEngineRunFacet(
            version=DBT_VERSION,
            name="dbt",
            openlineageAdapterVersion=OL_VERSION,
            producer=CLIENT_PRODUCER,
        ),
        "parent": parent,
        **_client_tags(CLIENT_PRODUCER),
    }
    job_facets: dict[str, JobFacet] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="DBT", jobType="MODEL", producer=DBT_PRODUCER
        ),
        "dbt_node": DbtNodeJobFacet(
            original_file_path=f"models/marts/{model}.sql",
            database="analytics",
            schema="marts",
            alias=model,
            unique_id=f"model.{DBT_PROJECT}.{model}",
            producer=CLIENT_PRODUCER,
        ),
        "sql": sql_job.SQLJobFacet(
            query=DBT_COMPILED_SQL[model], dialect="postgres", producer=CLIENT_PRODUCER
        ),
    }
    output_facets = _dbt_dataset_facets(output)
    output_facets["columnLineage"] = _dbt_lineage(DBT_COLUMN_LINEAGE[model])
    return RunEvent(
        eventType=event_type,
        eventTime=T[f"dbt.{model}.{phase}"],
        run=Run(runId=DBT_MODEL_RUN_IDS[model], facets=run_facets),
        job=Job(namespace=DBT_NAMESPACE, name=DBT_MODEL_JOBS[model], facets=job_facets),
        inputs=[InputDataset(*dataset, facets=_dbt_dataset_facets(dataset)) for dataset in inputs],
        outputs=[
            OutputDataset(
                *output,
                facets=output_facets,
                outputFacets={
                    "outputStatistics": (
                        output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                            rowCount=FEATURE_ROWS, producer=CLIENT_PRODUCER
                        )
                    )
                },
            )
        ],
        producer=DBT_PRODUCER,
    )


# --- The corpus ---------------------------------------------------------------------------------


def corpus_events() -> list[RunEvent]:
    """Build the corpus afresh (``OpenLineageClient.emit`` mutates events), in time order.

    Returns:
        The 28 run events of the night, oldest first.
    """
    start, running, complete, fail = (
        RunState.START,
        RunState.RUNNING,
        RunState.COMPLETE,
        RunState.FAIL,
    )
    error = error_message_run.ErrorMessageRunFacet(
        message=EXTRACT_CUSTOMERS_ERROR,
        programmingLanguage="python",
        stackTrace=EXTRACT_CUSTOMERS_TRACEBACK,
        producer=AIRFLOW_PRODUCER,
    )
    return [
        _dag_event(start, "dag.start"),
        _extract_orders(start, "extract_orders.start"),
        _extract_customers(start, "extract_customers.1.start", 1, None),
        _extract_customers(fail, "extract_customers.1.fail", 1, {"errorMessage": error}),
        _extract_orders(complete, "extract_orders.end"),
        _validate_orders(start, "validate_orders.start"),
        _validate_orders(complete, "validate_orders.end"),
        _extract_customers(start, "extract_customers.2.start", 2, None),
        _extract_customers(complete, "extract_customers.2.end", 2, None),
        _build_features(start, "build_features.start"),
        _spark_app_event(start, "spark.app.start"),
        _spark_features(start, "spark.features.start"),
        _spark_features(running, "spark.features.running"),
        _spark_features(complete, "spark.features.end"),
        _spark_publish(start, "spark.publish.start"),
        _spark_publish(running, "spark.publish.running"),
        _spark_publish(complete, "spark.publish.end"),
        _spark_app_event(complete, "spark.app.end"),
        _build_features(complete, "build_features.end"),
        _run_dbt(start, "run_dbt.start"),
        _dbt_command_event(start, "dbt.command.start"),
        _dbt_model_event(start, "customer_labels"),
        _dbt_model_event(complete, "customer_labels"),
        _dbt_model_event(start, "training_set"),
        _dbt_model_event(complete, "training_set"),
        _dbt_command_event(complete, "dbt.command.end"),
        _run_dbt(complete, "run_dbt.end"),
        _dag_event(complete, "dag.end"),
    ]


def corpus_dicts() -> list[dict[str, Any]]:
    """The corpus as the client serialises it (the HTTP transport sends these as JSON).

    Returns:
        ``Serde.to_dict`` of each event of :func:`corpus_events`, in the same order.
    """
    return [Serde.to_dict(event) for event in corpus_events()]


def write_jsonl(path: str | Path) -> int:
    """Write the corpus with the client's FileTransport in append mode: one JSON event a line.

    Args:
        path: The file to write; it is replaced if it exists.

    Returns:
        The number of events written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    transport = FileTransport(FileConfig(log_file_path=str(path), append=True))
    events = corpus_events()
    for event in events:
        transport.emit(event)
    return len(events)


if __name__ == "__main__":
    count = write_jsonl(JSONL_PATH)
    print(f"wrote {count} events to {JSONL_PATH}")
