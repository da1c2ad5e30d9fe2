"""How lineage records run details in MLMD entities: the names writers and readers agree on.

``lineage.track`` writes runs this way and ``lineage.graph`` reads them back (provenance, diff,
compare); neither imports the other, both import this module. Everything is stored as plain MLMD
types, properties and custom properties, so any MLMD reader sees it; nothing needs new tables.
Every name below is a *custom* property (``custom_properties``), never a declared type property,
so recording never conflicts with the properties of a type that already exists in the store.
Integers outside the signed 32-bit range (times in ms since the epoch, sizes above 2 GiB) are
stored as ``double_value`` (exact below 2**53), because databases that ml-metadata created on
MySQL and PostgreSQL keep ``int_value`` in 32-bit columns: read numbers whatever their kind.

Executions (one per run or pipeline step) carry custom properties:

* ``param.<path>``: each hyperparameter, flattened with dots (``param.optimizer.lr``); numbers,
  strings and booleans keep their kind, lists, ``None`` and empty mappings are JSON text;
  the whole parameter tree is also kept as a Struct in ``lineage.params``.
* ``code.*``: the code that ran (git remote, commit, branch, dirty flag, diff hash, entry point
  path and hash, command line, the decorated function; for a notebook, its code cells as a
  ``py:percent`` script in ``code.notebook_script``); see the ``CODE_*`` names. A value that
  could not be found (no git, not a repository, no script) is absent, not empty.
* ``metric.<name>``: final metric values (the run's Metrics artifact holds them too, with series).
* ``run.user``, ``run.host``, ``run.start_time``, ``run.end_time`` (ms since the epoch),
  ``run.error_type``, ``run.error_message`` for failed runs, ``run.parent_id`` (the execution id
  of the enclosing run, for nested runs). An execution is a run recorded by ``lineage.track``
  exactly when it has ``run.start_time``. Its state is the execution's ``last_known_state``:
  RUNNING while the body runs, then COMPLETE, FAILED or CANCELED (interrupted).
* ``tag.<name>`` = true for each tag; ``lineage.notes`` a Struct ``{"notes": [{"text": ...,
  "time": <ms since the epoch>, "user": ...}, ...]}``, oldest first. Artifacts and contexts
  carry tags and notes the same way.

Artifacts:

* data (inputs and outputs given as paths or URIs): ``uri`` is the absolute path (or the URI as
  given); ``fingerprint`` (``sha256:<hex>`` of the content, a tree hash for directories: sha256
  over ``lineage-tree-v1\\n`` then one ``<relative posix path>\\0<file sha256 hex>\\n`` line per
  file in sorted path order), ``size_bytes``, ``file_count``, ``version`` (1, 2, … per path)
  and ``external_id`` = ``<fingerprint>`` so the same content is the same artifact; the name is
  ``<file name>@<first 12 hex digits>``. Content that was not hashed (a URI with a scheme such as
  ``s3://``, or fingerprinting turned off) has no fingerprint and no external id but
  ``fingerprint_skipped`` (the reason); such an artifact is reused by URI.
  Input events have path ``[<name>]`` or ``["inputs", <index>]``, outputs ``[<name>]`` or
  ``["outputs", <index>]``.
* an Environment artifact (type ``Environment``) per distinct environment: ``python_version``,
  ``python_implementation``, ``platform``, ``packages`` (a Struct name → version, packed in
  ``proto_value``: see docs/decisions.md D32),
  ``fingerprint``; external id ``env:<fingerprint>``; name ``env-<first 12 hex digits>``;
  linked to the run by an INPUT event with path key ``environment``;
* Config artifacts (type ``Config``) for parameter files: ``fingerprint``, ``size_bytes``,
  ``values`` (Struct), ``version``, external id ``<fingerprint>`` as for data; INPUT event path
  ``["config", <index>]``;
* a Metrics artifact (base type ``mlmd.Metrics``) per run with final values as custom properties
  and step series in ``series.<name>`` (a Struct with ``steps`` and ``values`` lists, at most
  ``MAX_SERIES_POINTS`` points, evenly thinned beyond that); OUTPUT event path key ``metrics``.

Contexts: ``Experiment`` and ``Pipeline`` contexts group runs; a pipeline run is a ``PipelineRun``
context whose parents are its ``Pipeline`` (and its ``Experiment``, if any). A run is associated
with every context of its chain (experiment, pipeline, pipeline run), and its artifacts are
attributed to them. A ``PipelineRun`` context carries ``run.start_time``, ``run.end_time``,
``run.user``, ``run.host`` and ``run.state`` (COMPLETE, FAILED or CANCELED).

Types: data artifact types get MLMD's system base types (``Dataset`` → ``mlmd.Dataset``,
``Model`` → ``mlmd.Model``, ``Metrics`` → ``mlmd.Metrics``, ``Statistics`` →
``mlmd.Statistics``); execution types get ``mlmd.Train``, ``mlmd.Transform``,
``mlmd.Process``, ``mlmd.Evaluate`` or ``mlmd.Deploy``.

Personal data and erasure (``lineage.erasure``, ``lineage.report``):

* ``subject.<id>`` = true on an artifact for each data subject whose records it holds;
  ``pii`` = true marks an artifact as holding personal data; ``license`` names its licence.
* An erased (tombstoned) node keeps its id, type and events, loses its URI, identifying name and
  properties, gets state DELETED (artifacts) and the custom properties ``erasure.id``,
  ``erasure.time`` (ms since the epoch, a double), ``erasure.action`` (``tombstoned`` or
  ``review``) and ``erasure.reason``.
* Each applied erasure is an execution of type ``Erasure`` (its receipt) with ``erasure.id``,
  ``erasure.requested_by``, ``erasure.reason``, ``erasure.plan_sha256`` and ``erasure.removed``
  (a Struct: node key -> sha256 of what was removed), linked by INPUT events with path key
  ``erased`` or ``review`` to every node it touched.

OpenLineage (``lineage.openlineage``, docs/openlineage.md) keeps what it receives as plain MLMD
entities too. A job is an execution type (named by the job's name) and a context of type
``openlineage.Job``; a run is an execution named by its runId, external id
``openlineage:run:<runId>``, in a context of type ``openlineage.Run`` (the parent run facet makes
the parent's run context a parent context of the child's); a dataset is a context of type
``openlineage.Dataset`` and its versions are artifacts of type ``openlineage.Dataset`` (base
``mlmd.Dataset``). Facets are Structs in ``ol.<kind>_facet.<key>`` custom properties; the events
themselves, as received, are JSON text in ``ol.events``. See the ``OL_*`` names.
"""

from __future__ import annotations

__all__ = [
    "CODE_BRANCH",
    "CODE_COMMAND",
    "CODE_DIFF_SHA256",
    "CODE_DIRTY",
    "CODE_ENTRY_POINT",
    "CODE_ENTRY_POINT_SHA256",
    "CODE_FUNCTION",
    "CODE_NOTEBOOK_SCRIPT",
    "CODE_NOTEBOOK_SCRIPT_SKIPPED",
    "CODE_PREFIX",
    "CODE_REPOSITORY",
    "CODE_REVISION",
    "CONFIG_TYPE",
    "CONFIG_VALUES",
    "DATASET_TYPE",
    "ENVIRONMENT_TYPE",
    "ENV_PACKAGES",
    "ENV_PLATFORM",
    "ENV_PYTHON_IMPLEMENTATION",
    "ENV_PYTHON_VERSION",
    "ERASURE_ACTION",
    "ERASURE_ID",
    "ERASURE_PLAN_SHA256",
    "ERASURE_REASON",
    "ERASURE_REMOVED",
    "ERASURE_REQUESTED_BY",
    "ERASURE_TIME",
    "ERASURE_TYPE",
    "EVENT_KEY_CONFIG",
    "EVENT_KEY_ENVIRONMENT",
    "EVENT_KEY_ERASED",
    "EVENT_KEY_INPUTS",
    "EVENT_KEY_METRICS",
    "EVENT_KEY_OUTPUTS",
    "EVENT_KEY_REVIEW",
    "EXPERIMENT_TYPE",
    "FILE_COUNT",
    "FINGERPRINT",
    "FINGERPRINT_SKIPPED",
    "LICENSE",
    "MAX_SERIES_POINTS",
    "METRICS_TYPE",
    "METRIC_PREFIX",
    "MODEL_TYPE",
    "NOTES",
    "OL_DATASET_FACET_PREFIX",
    "OL_DATASET_TYPE",
    "OL_EVENTS",
    "OL_EVENT_TIME",
    "OL_EVENT_TYPE",
    "OL_INPUT_FACET_PREFIX",
    "OL_JOB_FACET_PREFIX",
    "OL_JOB_NAME",
    "OL_JOB_NAMESPACE",
    "OL_JOB_TYPE",
    "OL_LATEST",
    "OL_LATEST_TIME",
    "OL_NAME",
    "OL_NAMESPACE",
    "OL_OUTPUT_FACET_PREFIX",
    "OL_RUN_FACET_PREFIX",
    "OL_RUN_ID",
    "OL_RUN_TYPE",
    "OL_VERSION",
    "OL_VERSION_SOURCE",
    "PARAMS",
    "PARAM_PREFIX",
    "PII",
    "PIPELINE_RUN_TYPE",
    "PIPELINE_TYPE",
    "RUN_END_TIME",
    "RUN_ERROR_MESSAGE",
    "RUN_ERROR_TYPE",
    "RUN_HOST",
    "RUN_PARENT",
    "RUN_START_TIME",
    "RUN_STATE",
    "RUN_USER",
    "SERIES_PREFIX",
    "SIZE_BYTES",
    "SUBJECT_PREFIX",
    "TAG_PREFIX",
    "VERSION",
    "VERSION_SOURCE",
]

# Execution custom properties.
PARAM_PREFIX = "param."
PARAMS = "lineage.params"
METRIC_PREFIX = "metric."
TAG_PREFIX = "tag."
NOTES = "lineage.notes"
CODE_PREFIX = "code."
CODE_REPOSITORY = "code.repository"
CODE_REVISION = "code.commit"
CODE_BRANCH = "code.branch"
CODE_DIRTY = "code.dirty"
CODE_DIFF_SHA256 = "code.diff_sha256"
CODE_ENTRY_POINT = "code.entry_point"
CODE_ENTRY_POINT_SHA256 = "code.entry_point_sha256"
CODE_COMMAND = "code.command"
CODE_FUNCTION = "code.function"
#: A notebook run's code cells as a script: a Struct ``{"format": "py:percent", "generator":
#: ..., "script": ...}`` packed in ``proto_value`` (not indexed on PostgreSQL, as D32).
CODE_NOTEBOOK_SCRIPT = "code.notebook_script"
#: Why a notebook's script was not recorded (above ``lineage.track.source.MAX_NOTEBOOK_SCRIPT``).
CODE_NOTEBOOK_SCRIPT_SKIPPED = "code.notebook_script_skipped"
RUN_USER = "run.user"
RUN_HOST = "run.host"
RUN_START_TIME = "run.start_time"
RUN_END_TIME = "run.end_time"
RUN_ERROR_TYPE = "run.error_type"
RUN_ERROR_MESSAGE = "run.error_message"
RUN_PARENT = "run.parent_id"
#: The end state of a ``PipelineRun`` context (contexts have no state field of their own).
RUN_STATE = "run.state"

# Artifact properties.
FINGERPRINT = "fingerprint"
FINGERPRINT_SKIPPED = "fingerprint_skipped"
SIZE_BYTES = "size_bytes"
FILE_COUNT = "file_count"
VERSION = "version"
#: Where a data artifact's version came from when lineage did not hash the bytes (``dvc``,
#: ``git-lfs``, ``delta``, ``lakefs``, ``s3``, ``gcs``, ``huggingface``, ``memory``); the
#: source's own fields sit beside it under ``<source prefix>.`` (``dvc.hash``, ``lfs.oid``, ...).
VERSION_SOURCE = "version_source"
SERIES_PREFIX = "series."
CONFIG_VALUES = "values"
ENV_PYTHON_VERSION = "python_version"
ENV_PYTHON_IMPLEMENTATION = "python_implementation"
ENV_PLATFORM = "platform"
ENV_PACKAGES = "packages"
#: The longest step series kept per metric; longer series are thinned evenly (ends kept).
MAX_SERIES_POINTS = 10_000

# Type names.
DATASET_TYPE = "Dataset"
MODEL_TYPE = "Model"
METRICS_TYPE = "Metrics"
ENVIRONMENT_TYPE = "Environment"
CONFIG_TYPE = "Config"
EXPERIMENT_TYPE = "Experiment"
PIPELINE_TYPE = "Pipeline"
PIPELINE_RUN_TYPE = "PipelineRun"

# Personal data and erasure.
SUBJECT_PREFIX = "subject."
PII = "pii"
LICENSE = "license"
ERASURE_TYPE = "Erasure"
ERASURE_ID = "erasure.id"
ERASURE_TIME = "erasure.time"
ERASURE_ACTION = "erasure.action"
ERASURE_REASON = "erasure.reason"
ERASURE_REQUESTED_BY = "erasure.requested_by"
ERASURE_PLAN_SHA256 = "erasure.plan_sha256"
ERASURE_REMOVED = "erasure.removed"
EVENT_KEY_ERASED = "erased"
EVENT_KEY_REVIEW = "review"

# Event path keys.
EVENT_KEY_ENVIRONMENT = "environment"
EVENT_KEY_CONFIG = "config"
EVENT_KEY_METRICS = "metrics"
EVENT_KEY_INPUTS = "inputs"
EVENT_KEY_OUTPUTS = "outputs"

# OpenLineage (lineage.openlineage): custom properties.
OL_EVENTS = "ol.events"
OL_RUN_ID = "ol.run_id"
OL_JOB_NAMESPACE = "ol.job_namespace"
OL_JOB_NAME = "ol.job_name"
OL_EVENT_TYPE = "ol.event_type"
OL_EVENT_TIME = "ol.event_time"
OL_NAMESPACE = "ol.namespace"
OL_NAME = "ol.name"
OL_VERSION = "ol.version"
#: Where a dataset version came from: ``datasetVersion`` (the facet), ``run`` (the run that
#: wrote it) or ``none`` (read, never written by a run we saw).
OL_VERSION_SOURCE = "ol.version_source"
#: On a dataset context: the external id of its newest version and that version's write time.
OL_LATEST = "ol.latest"
OL_LATEST_TIME = "ol.latest_time"
OL_RUN_FACET_PREFIX = "ol.run_facet."
OL_JOB_FACET_PREFIX = "ol.job_facet."
OL_DATASET_FACET_PREFIX = "ol.dataset_facet."
OL_INPUT_FACET_PREFIX = "ol.input_facet."
OL_OUTPUT_FACET_PREFIX = "ol.output_facet."
# OpenLineage type names.
OL_DATASET_TYPE = "openlineage.Dataset"
OL_JOB_TYPE = "openlineage.Job"
OL_RUN_TYPE = "openlineage.Run"
