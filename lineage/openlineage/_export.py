"""The store's runs as OpenLineage run events (docs/openlineage.md, "Out").

A run that came in as OpenLineage events goes out as the events it came in with. Any other
execution (recorded by ``lineage.run``, TFX, KFP or ml-metadata) becomes a START event and, once
it has ended, a COMPLETE, FAIL or ABORT event: its job is its pipeline node or execution type,
its inputs and outputs are its events' artifacts, named by OpenLineage's rules from their URIs.
Standard facets carry what OpenLineage has words for (parent run, execution parameters,
processing engine, error message, dataset version); the ``lineage_*`` custom facets (JSON
Schemas under ``schemas/openlineage/``) carry the rest, and ``lineage_mlmd`` carries the MLMD
record itself, so that importing the events into a fresh store gives back the same graph.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from google.protobuf import json_format

from lineage import conventions as cv
from lineage.openlineage._values import all_found, facet_value, received_events
from lineage.proto import Event, Execution
from lineage.track.runs import plain

__all__ = ["CUSTOM_FACETS", "PRODUCER", "SCHEMA_BASE", "events"]

#: The ``producer`` of the events lineage writes.
PRODUCER = "https://example.invalid/lineage"
#: Where the custom facets' JSON Schemas are published (``schemas/openlineage/`` here).
SCHEMA_BASE = "https://example.invalid/lineage/schemas/openlineage"
_RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_STANDARD = {
    "parent": "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
    "processing_engine": "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json"
    "#/$defs/ProcessingEngineRunFacet",
    "errorMessage": "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json"
    "#/$defs/ErrorMessageRunFacet",
    "executionParameters": "https://openlineage.io/spec/facets/1-0-0/"
    "ExecutionParametersRunFacet.json#/$defs/ExecutionParametersRunFacet",
    "version": "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json"
    "#/$defs/DatasetVersionDatasetFacet",
    "jobType": "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json"
    "#/$defs/JobTypeJobFacet",
}
#: Custom facet key -> (schema file, $defs name).
CUSTOM_FACETS = {
    "lineage_mlmd": ("LineageMlmdRunFacet.json", "LineageMlmdRunFacet"),
    "lineage_mlmd_dataset": ("LineageMlmdDatasetFacet.json", "LineageMlmdDatasetFacet"),
    "lineage_code": ("LineageCodeRunFacet.json", "LineageCodeRunFacet"),
    "lineage_environment": ("LineageEnvironmentRunFacet.json", "LineageEnvironmentRunFacet"),
    "lineage_metrics": ("LineageMetricsFacet.json", "LineageMetricsFacet"),
    "lineage_model": ("LineageModelDatasetFacet.json", "LineageModelDatasetFacet"),
    "lineage_fingerprint": (
        "LineageFingerprintDatasetFacet.json",
        "LineageFingerprintDatasetFacet",
    ),
}
_FACET_KEY = {"lineage_mlmd_dataset": "lineage_mlmd"}
_PIPELINE_RUN_TYPES = {cv.PIPELINE_RUN_TYPE, "pipeline_run", "system.PipelineRun"}
_PIPELINE_TYPES = {cv.PIPELINE_TYPE, "pipeline", "system.Pipeline"}
_TERMINAL = {
    Execution.COMPLETE: "COMPLETE",
    Execution.CACHED: "COMPLETE",
    Execution.FAILED: "FAIL",
    Execution.CANCELED: "ABORT",
}
_UUID_NAMESPACE = uuid.UUID("6f0d3b8e-2b51-5a0c-9b7c-4c1a7d2e9f10")


def _facet(key: str, **fields: Any) -> dict[str, Any]:
    if key in _STANDARD:
        url = _STANDARD[key]
    else:
        file, name = CUSTOM_FACETS[key]
        url = f"{SCHEMA_BASE}/{file}#/$defs/{name}"
    return {"_producer": PRODUCER, "_schemaURL": url, **fields}


def _time(ms: float) -> str:
    moment = datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _uuid(*parts: Any) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, "\0".join(str(p) for p in parts)))


def _number(value: Any) -> Any:
    """A property value as JSON data (a packed Struct as its dict)."""
    return plain(value)


def _node_dict(message: Any) -> dict[str, Any]:
    data: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return data


def _type_dict(message: Any) -> dict[str, Any]:
    data = _node_dict(message)
    data.pop("id", None)
    return data


def dataset_name(artifact: Any, namespace: str) -> tuple[str, str]:
    """The OpenLineage (namespace, name) of an artifact: the ones it came in with, else from
    its URI by OpenLineage's naming rules (``s3://bucket`` + ``/path``, ``file`` + absolute
    path, ``postgres://host:port`` + ``db.schema.table``), else ``namespace`` and its name."""
    props = artifact.custom_properties
    if cv.OL_NAMESPACE in props and cv.OL_NAME in props:
        return props[cv.OL_NAMESPACE].string_value, props[cv.OL_NAME].string_value
    uri = artifact.uri
    if uri.startswith("/"):
        return "file", uri
    if uri:
        parts = urlsplit(uri)
        if parts.scheme == "file":
            return "file", parts.path
        if parts.scheme and parts.netloc:
            base = f"{parts.scheme}://{parts.netloc}"
            path = uri[len(base) :]
            if parts.scheme in ("s3", "s3a", "gs", "abfss", "wasbs", "hdfs", "file"):
                return base, path or "/"
            return base, path.lstrip("/") or "/"
    return namespace, artifact.name or f"artifact/{artifact.id}"


class _Exporter:
    def __init__(self, store: Any, namespace: str) -> None:
        self.store = store
        self.namespace = namespace
        self.types: dict[tuple[str, int], Any] = {}
        self.contexts: dict[int, Any] = {}
        self.parents: dict[int, list[int]] = {}

    # -- lookups with caches
    def _type(self, kind: str, type_id: int) -> Any:
        key = (kind, type_id)
        if key not in self.types:
            getter = getattr(self.store, f"get_{kind}_types_by_id")
            self.types[key] = getter([type_id])[0]
        return self.types[key]

    def _context_chain(self, contexts: Iterable[Any]) -> None:
        todo = list(contexts)
        while todo:
            context = todo.pop()
            if context.id in self.parents:
                continue
            self.contexts[context.id] = context
            found = all_found(self.store.get_parent_contexts_by_context, context.id)
            self.parents[context.id] = sorted(p.id for p in found)
            todo.extend(found)

    def _context_record(self, context_id: int, associated: bool) -> dict[str, Any]:
        context = self.contexts[context_id]
        return {
            "context": _node_dict(context),
            "type": _type_dict(self._type("context", context.type_id)),
            "parents": self.parents.get(context_id, []),
            "associated": associated,
        }

    # -- one execution
    def run_events(self, execution: Any) -> list[dict[str, Any]]:
        props = execution.custom_properties
        if cv.OL_EVENTS in props:
            return received_events(execution)
        store = self.store
        exec_type = self._type("execution", execution.type_id)
        contexts = all_found(store.get_contexts_by_execution, execution.id)
        self._context_chain(contexts)
        events = sorted(
            all_found(store.get_events_by_execution_ids, [execution.id]),
            key=lambda e: (e.milliseconds_since_epoch, e.artifact_id, e.type),
        )
        ids = list(dict.fromkeys(e.artifact_id for e in events))
        artifacts = {a.id: a for a in store.get_artifacts_by_id(ids)} if ids else {}
        attributed: dict[int, list[int]] = {}
        for artifact_id in ids:
            found = all_found(store.get_contexts_by_artifact, artifact_id)
            self._context_chain(found)
            attributed[artifact_id] = sorted(c.id for c in found)

        run_id = (
            props[cv.OL_RUN_ID].string_value
            if cv.OL_RUN_ID in props
            else _uuid(
                "mlmd-execution",
                exec_type.name,
                execution.name or execution.id,
                execution.create_time_since_epoch,
            )
        )
        job_name = self._job_name(execution, exec_type, contexts)
        run_facets = self._run_facets(execution, contexts, artifacts, events)
        associated = {c.id for c in contexts}
        chain: dict[int, None] = {}
        for context_id in [*sorted(associated), *(c for v in attributed.values() for c in v)]:
            stack = [context_id]
            while stack:
                current = stack.pop()
                if current not in chain:
                    chain[current] = None
                    stack.extend(self.parents.get(current, []))
        run_facets["lineage_mlmd"] = _facet(
            "lineage_mlmd",
            execution=_node_dict(execution),
            type=_type_dict(exec_type),
            contexts=[self._context_record(c, c in associated) for c in chain],
        )
        inputs: list[dict[str, Any]] = []
        outputs: list[dict[str, Any]] = []
        for event in events:
            artifact = artifacts.get(event.artifact_id)
            if artifact is None:
                continue
            item = self._dataset(artifact, event, attributed.get(artifact.id, []))
            is_input = event.type in (Event.INPUT, Event.DECLARED_INPUT, Event.INTERNAL_INPUT)
            (inputs if is_input else outputs).append(item)

        job = {
            "namespace": self.namespace,
            "name": job_name,
            "facets": {
                "jobType": _facet(
                    "jobType",
                    processingType="BATCH",
                    integration="LINEAGE",
                    jobType=_job_type(exec_type),
                )
            },
        }
        start_time = _first_ms(props, cv.RUN_START_TIME, execution.create_time_since_epoch)
        terminal = _TERMINAL.get(execution.last_known_state)
        start: dict[str, Any] = {
            "eventType": "START",
            "eventTime": _time(start_time),
            "producer": PRODUCER,
            "schemaURL": _RUN_EVENT,
            "run": {"runId": run_id},
            "job": job,
            "inputs": inputs,
            "outputs": [],
        }
        if terminal is None:
            start["run"]["facets"] = run_facets
            start["outputs"] = outputs
            return [start]
        # The START event names the run; the MLMD record travels once, with the end.
        start["run"]["facets"] = {
            k: v for k, v in run_facets.items() if k in ("parent", "processing_engine")
        }
        start["run"]["facets"]["lineage_mlmd"] = _facet("lineage_mlmd", deferred=True)
        end_time = _first_ms(props, cv.RUN_END_TIME, execution.last_update_time_since_epoch)
        end = {
            **start,
            "eventType": terminal,
            "eventTime": _time(max(end_time, start_time)),
            "run": {"runId": run_id, "facets": run_facets},
            "outputs": outputs,
        }
        return [start, end]

    def _job_name(self, execution: Any, exec_type: Any, contexts: Sequence[Any]) -> str:
        pipeline = next(
            (c.name for c in contexts if self._type("context", c.type_id).name in _PIPELINE_TYPES),
            None,
        )
        node = exec_type.name
        for key in ("component_id", "task_name", "display_name", "node_id"):
            value = execution.custom_properties.get(key) or execution.properties.get(key)
            if value is not None and value.string_value:
                node = value.string_value
                break
        return f"{pipeline}.{node}" if pipeline else node

    def _run_facets(
        self,
        execution: Any,
        contexts: Sequence[Any],
        artifacts: dict[int, Any],
        events: Sequence[Any],
    ) -> dict[str, Any]:
        import lineage

        props = execution.custom_properties
        facets: dict[str, Any] = {
            "processing_engine": _facet(
                "processing_engine",
                version=lineage.__version__,
                name="lineage",
                openlineageAdapterVersion=lineage.__version__,
            )
        }
        for context in contexts:
            context_type = self._type("context", context.type_id).name
            if context_type in _PIPELINE_RUN_TYPES:
                pipelines = [
                    self.contexts[p].name
                    for p in self.parents.get(context.id, [])
                    if self._type("context", self.contexts[p].type_id).name in _PIPELINE_TYPES
                ]
                facets["parent"] = _facet(
                    "parent",
                    run={"runId": _uuid("mlmd-context", context_type, context.name)},
                    job={
                        "namespace": self.namespace,
                        "name": pipelines[0] if pipelines else context.name,
                    },
                )
                break
        params = [
            {
                "key": k[len(cv.PARAM_PREFIX) :],
                "value": json.dumps(_number(props[k]))
                if not isinstance(_number(props[k]), str)
                else _number(props[k]),
            }
            for k in sorted(props)
            if k.startswith(cv.PARAM_PREFIX)
        ]
        if params:
            facets["executionParameters"] = _facet("executionParameters", parameters=params)
        if cv.RUN_ERROR_MESSAGE in props:
            facets["errorMessage"] = _facet(
                "errorMessage",
                message=props[cv.RUN_ERROR_MESSAGE].string_value,
                programmingLanguage="python",
            )
        code = {
            key: _number(props[name])
            for key, name in (
                ("repository", cv.CODE_REPOSITORY),
                ("commit", cv.CODE_REVISION),
                ("branch", cv.CODE_BRANCH),
                ("dirty", cv.CODE_DIRTY),
                ("entryPoint", cv.CODE_ENTRY_POINT),
                ("entryPointSha256", cv.CODE_ENTRY_POINT_SHA256),
                ("command", cv.CODE_COMMAND),
            )
            if name in props
        }
        if code:
            facets["lineage_code"] = _facet("lineage_code", **code)
        metrics = {
            k[len(cv.METRIC_PREFIX) :]: _number(props[k])
            for k in sorted(props)
            if k.startswith(cv.METRIC_PREFIX)
        }
        if metrics:
            facets["lineage_metrics"] = _facet("lineage_metrics", metrics=metrics)
        for event in events:
            artifact = artifacts.get(event.artifact_id)
            if artifact is None or self._type("artifact", artifact.type_id).name != (
                cv.ENVIRONMENT_TYPE
            ):
                continue
            env = {
                key: _number(artifact.custom_properties[name])
                for key, name in (
                    ("python", cv.ENV_PYTHON_VERSION),
                    ("implementation", cv.ENV_PYTHON_IMPLEMENTATION),
                    ("platform", cv.ENV_PLATFORM),
                    ("packages", cv.ENV_PACKAGES),
                    ("fingerprint", cv.FINGERPRINT),
                )
                if name in artifact.custom_properties
            }
            facets["lineage_environment"] = _facet("lineage_environment", **env)
            break
        return facets

    def _dataset(self, artifact: Any, event: Any, attributed: list[int]) -> dict[str, Any]:
        namespace, name = dataset_name(artifact, self.namespace)
        art_type = self._type("artifact", artifact.type_id)
        props = artifact.custom_properties
        facets: dict[str, Any] = {}
        for key in sorted(props):
            if key.startswith(cv.OL_DATASET_FACET_PREFIX):
                facets[key[len(cv.OL_DATASET_FACET_PREFIX) :]] = facet_value(artifact, key)
        version = None
        for key in (cv.OL_VERSION, cv.FINGERPRINT, cv.VERSION):
            if key in props:
                version = _number(props[key])
                break
        if "version" not in facets:
            facets["version"] = _facet(
                "version", datasetVersion=str(version if version is not None else artifact.id)
            )
        if cv.FINGERPRINT in props:
            facets["lineage_fingerprint"] = _facet(
                "lineage_fingerprint",
                **{
                    key: _number(props[name])
                    for key, name in (
                        ("fingerprint", cv.FINGERPRINT),
                        ("sizeBytes", cv.SIZE_BYTES),
                        ("fileCount", cv.FILE_COUNT),
                    )
                    if name in props
                },
            )
        if art_type.base_type == art_type.MODEL or art_type.name == cv.MODEL_TYPE:
            facets["lineage_model"] = _facet(
                "lineage_model", type=art_type.name, name=artifact.name, uri=artifact.uri
            )
        if art_type.base_type == art_type.METRICS or art_type.name == cv.METRICS_TYPE:
            values = {
                k: _number(props[k])
                for k in sorted(props)
                if not k.startswith(cv.SERIES_PREFIX) and isinstance(_number(props[k]), float)
            }
            facets["lineage_metrics"] = _facet("lineage_metrics", metrics=values)
        facets["lineage_mlmd"] = _facet(
            "lineage_mlmd_dataset",
            artifact=_node_dict(artifact),
            type=_type_dict(art_type),
            event={"type": Event.Type.Name(event.type), **_node_dict(event.path)},
            attributedTo=attributed,
        )
        return {"namespace": namespace, "name": name, "facets": facets}


def _job_type(exec_type: Any) -> str:
    names = {1: "TRAIN", 2: "TRANSFORM", 3: "PROCESS", 4: "EVALUATE", 5: "DEPLOY"}
    return names.get(int(exec_type.base_type), "JOB") if exec_type.HasField("base_type") else "JOB"


def _first_ms(props: Any, key: str, fallback: float) -> float:
    if key in props:
        value = _number(props[key])
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    return float(fallback)


def events(
    store: Any,
    nodes: Any = None,
    *,
    namespace: str = "lineage",
) -> Iterator[dict[str, Any]]:
    """The runs of ``store`` as OpenLineage run events, oldest execution first.

    Args:
        store: A ``lineage.MetadataStore``.
        nodes: None for every execution; else a node or a list of nodes (as
            ``lineage.graph.upstream`` takes them): the executions in their provenance, and
            the executions among them.
        namespace: The OpenLineage job namespace of executions that did not come from
            OpenLineage, and of artifacts whose URI names no dataset namespace.

    Yields:
        RunEvents as dicts, ready for ``json.dumps``: valid against the OpenLineage 2-0-2
        schema and the standard facets' schemas.
    """
    if nodes is None:
        executions = sorted(store.get_executions(), key=lambda e: e.id)
    else:
        from lineage.graph import upstream

        ids = upstream(store, nodes, ids_only=True).execution_ids
        executions = sorted(store.get_executions_by_id(ids), key=lambda e: e.id) if ids else []
    exporter = _Exporter(store, namespace)
    if nodes is None:  # DatasetEvents and JobEvents received, as they came
        static = []
        for type_name in (cv.OL_DATASET_TYPE, cv.OL_JOB_TYPE):
            for context in all_found(store.get_contexts_by_type, type_name):
                static += received_events(context)
        yield from sorted(static, key=lambda e: (str(e.get("eventTime")), json.dumps(e)))
    for execution in executions:
        yield from exporter.run_events(execution)
