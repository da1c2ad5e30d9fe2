"""How lineage records run details in MLMD entities: the names writers and readers agree on.

``lineage.track`` writes runs this way and ``lineage.graph`` reads them back (provenance, diff,
compare); neither imports the other, both import this module. Everything is stored as plain MLMD
types, properties and custom properties, so any MLMD reader sees it; nothing needs new tables.

Executions (one per run or pipeline step) carry custom properties:

* ``param.<path>``: each hyperparameter, flattened with dots (``param.optimizer.lr``);
  the whole parameter tree is also kept as a Struct in ``lineage.params``.
* ``code.*``: the code that ran (git remote, commit, branch, dirty flag, diff hash, entry point
  path and hash, command line); see the ``CODE_*`` names.
* ``metric.<name>``: final metric values (the run's Metrics artifact holds them too, with series).
* ``run.user``, ``run.host``, ``run.start_time``, ``run.end_time`` (ms since the epoch),
  ``run.error_type``, ``run.error_message`` for failed runs.
* ``tag.<name>`` = true for each tag; ``lineage.notes`` a Struct list of notes.

Artifacts:

* data (inputs and outputs given as paths or URIs): ``fingerprint`` (``sha256:<hex>`` of the
  content, a tree hash for directories), ``size_bytes``, ``file_count``, ``version`` (1, 2, … per
  path) and ``external_id`` = ``<fingerprint>`` so the same content is the same artifact;
* an Environment artifact (type ``Environment``) per distinct environment: ``python_version``,
  ``platform``, ``packages`` (a Struct name → version), ``fingerprint``; external id
  ``env:<fingerprint>``; linked to the run by an INPUT event with path key ``environment``;
* Config artifacts (type ``Config``) for parameter files: ``fingerprint``, ``values`` (Struct);
  INPUT event path key ``config``;
* a Metrics artifact (base type ``mlmd.Metrics``) per run with final values as custom properties
  and step series in ``series.<name>`` (a Struct with ``steps`` and ``values`` lists); OUTPUT event
  path key ``metrics``.

Contexts: ``Experiment`` and ``Pipeline`` contexts group runs; a pipeline run is a ``PipelineRun``
context whose parent is its ``Pipeline``.
"""

from __future__ import annotations

__all__ = [
    "CODE_BRANCH",
    "CODE_COMMAND",
    "CODE_DIFF_SHA256",
    "CODE_DIRTY",
    "CODE_ENTRY_POINT",
    "CODE_ENTRY_POINT_SHA256",
    "CODE_PREFIX",
    "CODE_REPOSITORY",
    "CODE_REVISION",
    "CONFIG_TYPE",
    "ENVIRONMENT_TYPE",
    "EVENT_KEY_CONFIG",
    "EVENT_KEY_ENVIRONMENT",
    "EVENT_KEY_METRICS",
    "EXPERIMENT_TYPE",
    "FILE_COUNT",
    "FINGERPRINT",
    "METRIC_PREFIX",
    "NOTES",
    "PARAMS",
    "PARAM_PREFIX",
    "PIPELINE_RUN_TYPE",
    "PIPELINE_TYPE",
    "RUN_END_TIME",
    "RUN_ERROR_MESSAGE",
    "RUN_ERROR_TYPE",
    "RUN_HOST",
    "RUN_START_TIME",
    "RUN_USER",
    "SERIES_PREFIX",
    "SIZE_BYTES",
    "TAG_PREFIX",
    "VERSION",
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
RUN_USER = "run.user"
RUN_HOST = "run.host"
RUN_START_TIME = "run.start_time"
RUN_END_TIME = "run.end_time"
RUN_ERROR_TYPE = "run.error_type"
RUN_ERROR_MESSAGE = "run.error_message"

# Artifact properties.
FINGERPRINT = "fingerprint"
SIZE_BYTES = "size_bytes"
FILE_COUNT = "file_count"
VERSION = "version"
SERIES_PREFIX = "series."

# Type names.
ENVIRONMENT_TYPE = "Environment"
CONFIG_TYPE = "Config"
EXPERIMENT_TYPE = "Experiment"
PIPELINE_TYPE = "Pipeline"
PIPELINE_RUN_TYPE = "PipelineRun"

# Event path keys.
EVENT_KEY_ENVIRONMENT = "environment"
EVENT_KEY_CONFIG = "config"
EVENT_KEY_METRICS = "metrics"
