"""OpenLineage events into the store, as the mapping of docs/openlineage.md says.

What a run looks like in the store is a function of the *set* of its events, never of the order
they arrived in: every run keeps its events as received (``ol.events``), a new event is added to
that set, and the execution's state, times and facets are derived again from the whole set
sorted by event time. So the same event twice changes nothing (it is already in the set), and
COMPLETE before START ends in the same execution as START before COMPLETE. Writers of one run
queue on a named lock for that run, so two connections adding events of one run at once cannot
lose either. The one thing that depends on arrival is which version an *unversioned* input
names: the newest version of that dataset known when the reading run is first seen.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from lineage import conventions as cv
from lineage.errors import AbortedError, AlreadyExistsError, UnimplementedError
from lineage.openlineage._native import NativeImport, is_native
from lineage.openlineage._values import all_found, received_events, set_events, set_facet
from lineage.proto import (
    Artifact,
    ArtifactType,
    Association,
    Attribution,
    Context,
    Event,
    Execution,
    ExecutionType,
    ParentContext,
)
from lineage.track.stores import TypeRequest, ensure_types

__all__ = ["IngestResult", "dataset_uri", "ingest", "parse_time"]

#: MLMD keeps names and external ids in VARCHAR(255) on MySQL.
_MAX_NAME = 255
_RANKS = {"START": 0, "RUNNING": 1, "OTHER": 1, "COMPLETE": 2, "FAIL": 2, "ABORT": 2}
_STATES = {
    "START": Execution.RUNNING,
    "RUNNING": Execution.RUNNING,
    "COMPLETE": Execution.COMPLETE,
    "FAIL": Execution.FAILED,
    "ABORT": Execution.CANCELED,
}
#: Integrations whose jobs transform data (MLMD base type Transform); others are Process.
_TRANSFORM_INTEGRATIONS = {"SPARK", "DBT", "FLINK", "SQL", "TRINO", "HIVE", "GLUE", "SNOWFLAKE"}
_ATTEMPTS = 8


@dataclass(frozen=True)
class IngestResult:
    """What one :func:`ingest` call did.

    Attributes:
        events: Events received.
        new: Events the store did not hold yet (the others were redeliveries: nothing changed).
        runs: Distinct runs the events belong to.
        executions: Ids of the executions of those runs, in the order first seen.
        fresh: For each event received, in order, whether it was new.
        by_run: runId -> execution id, for the runs that came as OpenLineage events.
    """

    events: int
    new: int
    runs: int
    executions: tuple[int, ...]
    fresh: tuple[bool, ...] = ()
    by_run: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "events": self.events,
            "new": self.new,
            "duplicates": self.events - self.new,
            "runs": self.runs,
            "executions": list(self.executions),
        }


# ------------------------------------------------------------------------------ small helpers
_FRACTION = re.compile(r"\.(\d+)")


def parse_time(text: str) -> float:
    """Whole milliseconds since the epoch of an OpenLineage ``eventTime`` (RFC 3339).

    Example:
        >>> parse_time("2026-12-06T02:00:00.5Z")
        1796522400500.0
    """
    value = text.strip().replace("z", "Z")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    value = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], value, count=1)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    # Whole milliseconds, as lineage.track records times: ml-metadata reads doubles back with
    # 15 significant digits, which would cut sub-millisecond digits of today's times.
    return float(round(moment.timestamp() * 1000.0))


def dataset_uri(namespace: str, name: str) -> str:
    """The URI of an OpenLineage dataset, from its namespace and name (OL's naming rules).

    A namespace with a scheme (``s3://bucket``, ``postgres://host:5432``) is joined to the name
    with one ``/``; the ``file`` namespace gives ``file://`` and the absolute path; any other
    namespace (``bigquery``) gives ``<namespace>:<name>``.

    Example:
        >>> dataset_uri("s3://acme-raw", "/orders/2026-12-06.parquet")
        's3://acme-raw/orders/2026-12-06.parquet'
        >>> dataset_uri("postgres://db.internal:5432", "shop.public.orders")
        'postgres://db.internal:5432/shop.public.orders'
        >>> dataset_uri("file", "/data/train.csv")
        'file:///data/train.csv'
    """
    if "://" in namespace:
        return namespace.rstrip("/") + "/" + name.lstrip("/")
    if namespace == "file":
        return "file://" + ("" if name.startswith("/") else "/") + name
    return f"{namespace}:{name}"


_EMPTY_MAY_BE_LEFT_OUT = ("facets", "inputFacets", "outputFacets", "inputs", "outputs")


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _normal(v)
            for k, v in value.items()
            if not (k in _EMPTY_MAY_BE_LEFT_OUT and v in ({}, []))
        }
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _canonical(event: Any) -> str:
    """The identity of an event: its JSON with sorted keys, empty facet maps and dataset lists
    left out (clients differ in whether they send them)."""
    return json.dumps(_normal(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


def _fit(name: str) -> str:
    """``name`` cut to MLMD's 255 characters, keeping it unique with a hash of the whole."""
    if len(name) <= _MAX_NAME:
        return name
    return name[: _MAX_NAME - 13] + "~" + hashlib.sha256(name.encode()).hexdigest()[:12]


def _order(event: dict[str, Any], text: str | None = None) -> tuple[float, int, str]:
    """Events in time order; at the same time START before RUNNING before the end; then by
    their text, so any arrival order sorts the same."""
    return (
        parse_time(str(event.get("eventTime", "1970-01-01T00:00:00Z"))),
        _RANKS.get(str(event.get("eventType", "OTHER")), 1),
        _canonical(event) if text is None else text,
    )


def _merge_facets(target: dict[str, Any], facets: Any) -> None:
    """Later facets replace earlier ones of the same key; ``_deleted: true`` removes one."""
    if not isinstance(facets, dict):
        return
    for key, facet in facets.items():
        if isinstance(facet, dict) and facet.get("_deleted") is True:
            target.pop(key, None)
        else:
            target[key] = facet


def run_ext_id(run_id: str) -> str:
    return f"openlineage:run:{run_id}"


def job_ext_id(namespace: str, name: str) -> str:
    return f"openlineage:job:{_digest(namespace, name)}"


def dataset_ext_id(namespace: str, name: str) -> str:
    return f"openlineage:dataset:{_digest(namespace, name)}"


def version_ext_id(namespace: str, name: str, version: str) -> str:
    return f"openlineage:version:{_digest(namespace, name, version)}"


# ------------------------------------------------------------------------------ derived state
@dataclass
class _DatasetUse:
    namespace: str
    name: str
    version: str  # "" when the events name none
    source: str  # datasetVersion | run | none
    output: bool
    facets: dict[str, Any]
    io_facets: dict[str, Any]
    time: float  # the latest event that names it
    first: float  # the first


@dataclass
class _RunView:
    """A run as its events, sorted, describe it."""

    run_id: str
    job_namespace: str
    job_name: str
    events: list[dict[str, Any]]
    state: int | None
    last_type: str
    last_time: float
    start_time: float | None
    end_time: float | None
    run_facets: dict[str, Any]
    job_facets: dict[str, Any]
    datasets: list[_DatasetUse]


def _view(
    run_id: str, events: list[dict[str, Any]], texts: dict[int, str] | None = None
) -> _RunView:
    known = texts or {}
    events = sorted(events, key=lambda e: _order(e, known.get(id(e))))
    run_facets: dict[str, Any] = {}
    job_facets: dict[str, Any] = {}
    state: int | None = None
    last_type = ""
    start: float | None = None
    end: float | None = None
    uses: dict[tuple[bool, str, str], _DatasetUse] = {}
    job = events[0].get("job", {})
    last_time = 0.0
    for event in events:
        kind = str(event.get("eventType", "OTHER"))
        moment = parse_time(str(event["eventTime"]))
        last_time = max(last_time, moment)
        if kind != "OTHER":
            state = _STATES.get(kind, state)
            last_type = kind
        elif not last_type:
            last_type = kind
        if start is None or (kind == "START" and moment < start):
            start = moment
        if _RANKS.get(kind) == 2:
            end = moment
        _merge_facets(run_facets, event.get("run", {}).get("facets"))
        _merge_facets(job_facets, event.get("job", {}).get("facets"))
        for output, items in ((False, event.get("inputs")), (True, event.get("outputs"))):
            for item in items or ():
                _use(uses, run_id, output, item, moment)
    return _RunView(
        run_id=run_id,
        job_namespace=str(job.get("namespace", "")),
        job_name=str(job.get("name", "")),
        events=events,
        state=state,
        last_type=last_type,
        last_time=last_time,
        start_time=start,
        end_time=end,
        run_facets=run_facets,
        job_facets=job_facets,
        datasets=list(uses.values()),
    )


def _use(
    uses: dict[tuple[bool, str, str], _DatasetUse],
    run_id: str,
    output: bool,
    item: dict[str, Any],
    moment: float,
) -> None:
    namespace, name = str(item["namespace"]), str(item["name"])
    facets = item.get("facets") or {}
    version_facet = facets.get("version") if isinstance(facets, dict) else None
    version, source = "", "none"
    if isinstance(version_facet, dict) and version_facet.get("datasetVersion"):
        version, source = str(version_facet["datasetVersion"]), "datasetVersion"
    elif output:
        version, source = run_id, "run"
    key = (output, namespace, name)
    use = uses.get(key)
    if use is None:
        use = uses[key] = _DatasetUse(
            namespace, name, version, source, output, {}, {}, moment, moment
        )
    elif source == "datasetVersion" and use.source != "datasetVersion":
        use.version, use.source = version, source
    _merge_facets(use.facets, facets)
    _merge_facets(use.io_facets, item.get("outputFacets" if output else "inputFacets"))
    use.time = max(use.time, moment)


# ------------------------------------------------------------------------------ the writer
class _Types:
    def __init__(self, store: Any, job_names: Iterable[tuple[str, int]]) -> None:
        requests = [
            TypeRequest("artifact", cv.OL_DATASET_TYPE, int(ArtifactType.DATASET)),
            TypeRequest("context", cv.OL_JOB_TYPE),
            TypeRequest("context", cv.OL_RUN_TYPE),
            TypeRequest("context", cv.OL_DATASET_TYPE),
        ]
        requests += [TypeRequest("execution", name, base) for name, base in job_names]
        self.ids = ensure_types(store, requests)

    def execution(self, name: str) -> int:
        return self.ids[("execution", name)]

    def artifact(self) -> int:
        return self.ids[("artifact", cv.OL_DATASET_TYPE)]

    def context(self, name: str) -> int:
        return self.ids[("context", name)]


def _job_base(events: Sequence[dict[str, Any]]) -> int:
    for event in events:
        facet = (event.get("job", {}).get("facets") or {}).get("jobType")
        if isinstance(facet, dict):
            integration = str(facet.get("integration", "")).upper()
            job_type = str(facet.get("jobType", "")).upper()
            if integration in _TRANSFORM_INTEGRATIONS or job_type in ("QUERY", "MODEL"):
                return int(ExecutionType.TRANSFORM)
    return int(ExecutionType.PROCESS)


class _Batch:
    """One transaction's worth of events: reads what exists in a few batched calls, then
    writes each run."""

    def __init__(
        self,
        store: Any,
        types: _Types,
        runs: dict[str, list[dict[str, Any]]],
        static: Sequence[dict[str, Any]] = (),
    ) -> None:
        self.store = store
        self.types = types
        self.runs = runs
        self.static = static
        #: ``id()`` of the events that were not in the store yet.
        self.fresh: set[int] = set()
        self.by_run: dict[str, int] = {}
        self.contexts: dict[str, Any] = {}
        self.versions: dict[str, Any] = {}
        #: Artifacts this batch uses (one object per version) and those it must write.
        self.touched: dict[str, Any] = {}
        self.dirty: dict[str, Any] = {}

    # -- lookups
    def _load_contexts(self, ext_ids: Iterable[str]) -> None:
        wanted = [e for e in dict.fromkeys(ext_ids) if e not in self.contexts]
        if wanted:
            for context in all_found(self.store.get_contexts_by_external_ids, wanted):
                self.contexts[context.external_id] = context

    def _load_versions(self, ext_ids: Iterable[str]) -> None:
        wanted = [e for e in dict.fromkeys(ext_ids) if e and e not in self.versions]
        if wanted:
            for artifact in all_found(self.store.get_artifacts_by_external_ids, wanted):
                self.versions[artifact.external_id] = artifact

    def run(self) -> None:
        self._static()
        existing = {
            e.external_id: e
            for e in all_found(
                self.store.get_executions_by_external_ids, [run_ext_id(r) for r in self.runs]
            )
        }
        views: list[tuple[_RunView, Any, bool]] = []
        for run_id, received in self.runs.items():
            found = existing.get(run_ext_id(run_id))
            stored = received_events(found) if found is not None else []
            texts = {id(e): _canonical(e) for e in stored}
            known = set(texts.values())
            fresh = []
            for event in received:
                text = _canonical(event)
                if text not in known:
                    known.add(text)
                    texts[id(event)] = text
                    fresh.append(event)
                    self.fresh.add(id(event))
            if found is not None and not fresh:
                self.by_run[run_id] = int(found.id)
                continue
            views.append((_view(run_id, stored + fresh, texts), found, found is None))
        if not views:
            return
        ext: list[str] = []
        for view, _, _ in views:
            ext += [job_ext_id(view.job_namespace, view.job_name), run_ext_id(view.run_id)]
            parent = _parent(view)
            if parent:
                ext += [run_ext_id(parent[0]), job_ext_id(parent[1], parent[2])]
            ext += [dataset_ext_id(u.namespace, u.name) for u in view.datasets]
        self._load_contexts(ext)
        latest = [
            c.custom_properties[cv.OL_LATEST].string_value
            for c in self.contexts.values()
            if cv.OL_LATEST in c.custom_properties
        ]
        self._load_versions(
            latest
            + [
                version_ext_id(u.namespace, u.name, u.version)
                for view, _, _ in views
                for u in view.datasets
            ]
        )
        self._write_runs([(view, found) for view, found, _ in views])

    # -- DatasetEvents and JobEvents: facets of a dataset or a job, without a run
    def _static(self) -> None:
        for event in self.static:
            if "dataset" in event:
                item = event["dataset"]
                ns, name = str(item["namespace"]), str(item["name"])
                ext_id = dataset_ext_id(ns, name)
                type_name, label = cv.OL_DATASET_TYPE, dataset_uri(ns, name)
                props = {cv.OL_NAMESPACE: ns, cv.OL_NAME: name}
                prefix = cv.OL_DATASET_FACET_PREFIX
            else:
                item = event["job"]
                ns, name = str(item["namespace"]), str(item["name"])
                ext_id = job_ext_id(ns, name)
                type_name, label = cv.OL_JOB_TYPE, f"{ns}/{name}"
                props = {cv.OL_JOB_NAMESPACE: ns, cv.OL_JOB_NAME: name}
                prefix = cv.OL_JOB_FACET_PREFIX
            self._load_contexts([ext_id])
            context = self._context(ext_id, type_name, label, props)
            stored = context.custom_properties
            received = received_events(context)
            if _canonical(event) in {_canonical(e) for e in received}:
                continue
            self.fresh.add(id(event))
            received = sorted([*received, event], key=_order)
            facets: dict[str, Any] = {}
            for each in received:
                _merge_facets(facets, (each.get("dataset") or each.get("job") or {}).get("facets"))
            for key in [k for k in stored if k.startswith(prefix)]:
                del stored[key]
            for key, facet in facets.items():
                set_facet(context, prefix + key, facet)
            set_events(context, received)
            self.store.put_contexts([context])

    # -- contexts
    def _context(
        self,
        ext_id: str,
        type_name: str,
        name: str,
        props: dict[str, str],
        pending: list[Any] | None = None,
    ) -> Any:
        """The context with this external id, created or given these properties. With
        ``pending``, a write it needs is added there (to be written together) instead of now."""
        context = self.contexts.get(ext_id)
        changed = context is None
        if context is None:
            context = Context(
                type_id=self.types.context(type_name), name=_fit(name), external_id=ext_id
            )
            self.contexts[ext_id] = context
        for key, value in props.items():
            if context.custom_properties[key].string_value != value:
                context.custom_properties[key].string_value = value
                changed = True
        if changed:
            if pending is None:
                [context.id] = self.store.put_contexts([context])
            elif all(c is not context for c in pending):
                pending.append(context)
        return context

    def _flush_contexts(self, pending: list[Any]) -> None:
        if pending:
            for context, context_id in zip(pending, self.store.put_contexts(pending), strict=True):
                context.id = context_id
            pending.clear()

    def _dataset_context(self, use: _DatasetUse, pending: list[Any] | None = None) -> Any:
        return self._context(
            dataset_ext_id(use.namespace, use.name),
            cv.OL_DATASET_TYPE,
            dataset_uri(use.namespace, use.name),
            {cv.OL_NAMESPACE: use.namespace, cv.OL_NAME: use.name},
            pending,
        )

    # -- one run
    def _artifact(self, use: _DatasetUse, bound: dict[tuple[str, str], Any]) -> Any:
        """The artifact of a dataset the run used, created or updated with the run's facets."""
        artifact = None
        if not use.output and not use.version:
            artifact = bound.get((use.namespace, use.name))
            if artifact is None:
                context = self.contexts.get(dataset_ext_id(use.namespace, use.name))
                if context is not None and cv.OL_LATEST in context.custom_properties:
                    latest = context.custom_properties[cv.OL_LATEST].string_value
                    artifact = self.versions.get(latest)
        ext_id = version_ext_id(use.namespace, use.name, use.version)
        if artifact is None:
            artifact = self.versions.get(ext_id)
        if artifact is not None and artifact.external_id in self.touched:
            artifact = self.touched[artifact.external_id]  # another run of this batch has it
        elif artifact is not None:
            artifact = _copy(artifact)
        if artifact is None:
            uri = dataset_uri(use.namespace, use.name)
            label = uri + (f"@{_short_version(use)}" if use.version else "")
            artifact = Artifact(
                type_id=self.types.artifact(),
                name=_fit(label),
                uri=uri,
                external_id=ext_id,
                state=Artifact.LIVE,
            )
            props = artifact.custom_properties
            props[cv.OL_NAMESPACE].string_value = use.namespace
            props[cv.OL_NAME].string_value = use.name
            if use.version:
                props[cv.OL_VERSION].string_value = use.version
            props[cv.OL_VERSION_SOURCE].string_value = use.source
        before = artifact.SerializeToString(deterministic=True) if artifact.HasField("id") else b""
        for key, facet in use.facets.items():
            set_facet(artifact, cv.OL_DATASET_FACET_PREFIX + key, facet)
        prefix = cv.OL_OUTPUT_FACET_PREFIX if use.output else cv.OL_INPUT_FACET_PREFIX
        for key, facet in use.io_facets.items():
            set_facet(artifact, prefix + key, facet)
        self.touched[artifact.external_id] = artifact
        self.versions[artifact.external_id] = artifact
        if not before or artifact.SerializeToString(deterministic=True) != before:
            self.dirty[artifact.external_id] = artifact
        return artifact

    def _write_runs(self, views: list[tuple[_RunView, Any]]) -> None:
        """Write the runs of the batch with a few calls for all of them: contexts, artifacts,
        executions, events, links and parent contexts, each one store call."""
        store = self.store
        found_ids = [int(found.id) for _, found in views if found is not None]
        old_events: dict[int, list[Any]] = {}
        bound_by_run: dict[int, dict[tuple[str, str], Any]] = {}
        if found_ids:
            for event in all_found(store.get_events_by_execution_ids, found_ids):
                old_events.setdefault(int(event.execution_id), []).append(event)
            inputs = {
                e.artifact_id: e.execution_id
                for events in old_events.values()
                for e in events
                if e.type == Event.INPUT
            }
            known = {int(a.id): a for a in self.versions.values() if a.HasField("id")}
            missing = [i for i in inputs if i not in known]
            if missing:
                known.update((int(a.id), a) for a in store.get_artifacts_by_id(missing))
            for artifact_id, execution_id in inputs.items():
                artifact = known.get(int(artifact_id))
                if artifact is not None:
                    ns = artifact.custom_properties[cv.OL_NAMESPACE].string_value
                    nm = artifact.custom_properties[cv.OL_NAME].string_value
                    bound_by_run.setdefault(int(execution_id), {})[(ns, nm)] = artifact

        pending: list[Any] = []
        plans = []
        for view, found in views:
            execution = self._execution(view, found)
            run_ext = run_ext_id(view.run_id)
            run_existed = run_ext in self.contexts and self.contexts[run_ext].HasField("id")
            contexts = [
                self._context(
                    job_ext_id(view.job_namespace, view.job_name),
                    cv.OL_JOB_TYPE,
                    f"{view.job_namespace}/{view.job_name}",
                    {cv.OL_JOB_NAMESPACE: view.job_namespace, cv.OL_JOB_NAME: view.job_name},
                    pending,
                ),
                self._context(
                    run_ext,
                    cv.OL_RUN_TYPE,
                    view.run_id,
                    {
                        cv.OL_RUN_ID: view.run_id,
                        cv.OL_JOB_NAMESPACE: view.job_namespace,
                        cv.OL_JOB_NAME: view.job_name,
                    },
                    pending,
                ),
            ]
            parent = _parent(view)
            if parent:
                contexts.append(
                    self._context(
                        run_ext_id(parent[0]),
                        cv.OL_RUN_TYPE,
                        parent[0],
                        {
                            cv.OL_RUN_ID: parent[0],
                            cv.OL_JOB_NAMESPACE: parent[1],
                            cv.OL_JOB_NAME: parent[2],
                        },
                        pending,
                    )
                )
            bound = bound_by_run.get(int(found.id), {}) if found is not None else {}
            uses = []
            for use in view.datasets:
                artifact = self._artifact(use, bound)
                dataset = self._dataset_context(use, pending)
                if use.output:  # a newer output becomes its dataset's newest version
                    props = dataset.custom_properties
                    newest = (
                        props[cv.OL_LATEST_TIME].double_value if cv.OL_LATEST in props else -1.0
                    )
                    if use.time >= newest and (
                        props[cv.OL_LATEST].string_value != artifact.external_id
                    ):
                        props[cv.OL_LATEST].string_value = artifact.external_id
                        props[cv.OL_LATEST_TIME].double_value = use.time
                        if all(c is not dataset for c in pending):
                            pending.append(dataset)
                uses.append((use, artifact, dataset))
            plans.append((execution, found, contexts, uses, run_existed and bool(parent)))

        self._flush_contexts(pending)
        events: list[Any] = []
        one = len(plans) == 1 and len({id(a) for _, a, _ in plans[0][3]}) == len(plans[0][3])
        if one:  # one run (an HTTP client's event): artifacts, execution and events in one call
            execution_ids = [self._put_one(plans[0], old_events)]
        else:
            dirty = list(self.dirty.values())
            if dirty:
                for artifact, artifact_id in zip(dirty, store.put_artifacts(dirty), strict=True):
                    artifact.id = artifact_id
                self.dirty.clear()
            execution_ids = store.put_executions([plan[0] for plan in plans])
        associations: list[Any] = []
        attributions: list[Any] = []
        parents: list[tuple[int, int]] = []
        check_parents: list[tuple[int, int]] = []
        for (execution, _found, contexts, uses, check), execution_id in zip(
            plans, execution_ids, strict=True
        ):
            execution.id = execution_id
            self.by_run[execution.name] = int(execution_id)
            have = {(e.artifact_id, e.type) for e in old_events.get(int(execution_id), ())}
            associations += [
                Association(context_id=c.id, execution_id=execution_id) for c in contexts
            ]
            for use, artifact, dataset in uses:
                kind = Event.OUTPUT if use.output else Event.INPUT
                if not one and (artifact.id, kind) not in have:
                    have.add((artifact.id, kind))
                    events.append(
                        Event(
                            artifact_id=artifact.id,
                            execution_id=execution_id,
                            type=kind,
                            milliseconds_since_epoch=int(use.first),
                        )
                    )
                attributions += [
                    Attribution(artifact_id=artifact.id, context_id=c.id) for c in contexts
                ]
                attributions.append(Attribution(artifact_id=artifact.id, context_id=dataset.id))
            if len(contexts) == 3:
                child, parent_ctx = contexts[1], contexts[2]
                (check_parents if check else parents).append((child.id, parent_ctx.id))
        if events:
            store.put_events(events)
        store.put_attributions_and_associations(_unique(attributions), _unique(associations))
        if check_parents:
            known = store.get_parent_contexts_by_contexts([c for c, _ in check_parents])
            parents += [
                (c, p) for c, p in check_parents if all(x.id != p for x in known.get(c, ()))
            ]
        if parents:
            store.put_parent_contexts(
                [ParentContext(child_id=c, parent_id=p) for c, p in dict.fromkeys(parents)]
            )

    def _put_one(self, plan: tuple[Any, ...], old_events: dict[int, list[Any]]) -> int:
        """Write one run's artifacts, execution and new events with one ``put_execution``."""
        execution, found, _, uses, _ = plan
        have = (
            {(e.artifact_id, e.type) for e in old_events.get(int(found.id), ())} if found else set()
        )
        pairs: list[tuple[Any, Any]] = []
        carried: list[Any] = []
        for use, artifact, _ in uses:
            kind = Event.OUTPUT if use.output else Event.INPUT
            event = None
            if not (artifact.HasField("id") and (artifact.id, kind) in have):
                event = Event(type=kind, milliseconds_since_epoch=int(use.first))
            if artifact.external_id in self.dirty:
                pairs.append((artifact, event))
                carried.append(artifact)
            elif event is not None:
                event.artifact_id = artifact.id
                pairs.append((None, event))
                carried.append(None)
        execution_id, artifact_ids, _ = self.store.put_execution(execution, pairs, [])
        for artifact, artifact_id in zip(carried, artifact_ids, strict=True):
            if artifact is not None:
                artifact.id = artifact_id
        self.dirty.clear()
        return int(execution_id)

    def _execution(self, view: _RunView, found: Any) -> Any:
        execution = Execution(type_id=self.types.execution(_fit(view.job_name)), name=view.run_id)
        if found is not None:
            execution.id = found.id
            execution.type_id = found.type_id
            for key, value in found.custom_properties.items():
                if not key.startswith(("ol.", "run.", cv.PARAM_PREFIX, cv.CODE_PREFIX)):
                    execution.custom_properties[key].CopyFrom(value)
            for key, value in found.properties.items():
                execution.properties[key].CopyFrom(value)
        execution.external_id = run_ext_id(view.run_id)
        if view.state is not None:
            execution.last_known_state = view.state  # type: ignore[assignment]
        _execution_properties(execution, view)
        return execution


def _unique(links: list[Any]) -> list[Any]:
    seen: dict[bytes, Any] = {}
    for link in links:
        seen.setdefault(link.SerializeToString(deterministic=True), link)
    return list(seen.values())


def _short_version(use: _DatasetUse) -> str:
    """The version in an artifact's name: the facet's as given; a writing run's as ``run-`` and
    the last 12 hex digits of its runId (the random part of UUIDv4 and v7), to keep names short
    enough to read in a drawing. ``ol.version`` keeps the whole."""
    if use.source == "run":
        return "run-" + use.version.replace("-", "")[-12:]
    return use.version


def _copy(message: Any) -> Any:
    clone = type(message)()
    clone.CopyFrom(message)
    return clone


def _parent(view: _RunView) -> tuple[str, str, str] | None:
    facet = view.run_facets.get("parent")
    if not isinstance(facet, dict):
        return None
    run, job = facet.get("run") or {}, facet.get("job") or {}
    run_id = run.get("runId")
    if not run_id or run_id == view.run_id:
        return None
    return str(run_id), str(job.get("namespace", "")), str(job.get("name", ""))


def _execution_properties(execution: Any, view: _RunView) -> None:
    props = execution.custom_properties
    props[cv.OL_RUN_ID].string_value = view.run_id
    props[cv.OL_JOB_NAMESPACE].string_value = view.job_namespace
    props[cv.OL_JOB_NAME].string_value = view.job_name
    props[cv.OL_EVENT_TYPE].string_value = view.last_type
    props[cv.OL_EVENT_TIME].double_value = view.last_time
    set_events(execution, view.events)
    if view.start_time is not None:
        props[cv.RUN_START_TIME].double_value = view.start_time
    if view.end_time is not None:
        props[cv.RUN_END_TIME].double_value = view.end_time
    for key, facet in view.run_facets.items():
        set_facet(execution, cv.OL_RUN_FACET_PREFIX + key, facet)
    for key, facet in view.job_facets.items():
        set_facet(execution, cv.OL_JOB_FACET_PREFIX + key, facet)
    error = view.run_facets.get("errorMessage")
    if isinstance(error, dict) and error.get("message"):
        props[cv.RUN_ERROR_MESSAGE].string_value = str(error["message"])
    # What lineage.track records under its own names, so provenance and diff see it: the code
    # (sourceCodeLocation) and who owns the job (ownership).
    source = view.job_facets.get("sourceCodeLocation")
    if isinstance(source, dict):
        for name, key in (
            (cv.CODE_REPOSITORY, "repoUrl"),
            (cv.CODE_REVISION, "version"),
            (cv.CODE_BRANCH, "branch"),
            (cv.CODE_ENTRY_POINT, "path"),
        ):
            value = source.get(key) or (source.get("url") if key == "repoUrl" else None)
            if value:
                props[name].string_value = str(value)
    owners = (view.job_facets.get("ownership") or {}).get("owners") or []
    if owners and isinstance(owners[0], dict) and owners[0].get("name"):
        props[cv.RUN_USER].string_value = str(owners[0]["name"])
    params = view.run_facets.get("executionParameters")
    if isinstance(params, dict):
        for item in params.get("parameters") or ():
            if isinstance(item, dict) and item.get("key"):
                value = item.get("value")
                target = props[cv.PARAM_PREFIX + str(item["key"])]
                if isinstance(value, bool):
                    target.bool_value = value
                elif isinstance(value, (int, float)):
                    target.double_value = float(value)
                else:
                    target.string_value = "" if value is None else str(value)


# ------------------------------------------------------------------------------ entry point
def ingest(
    store: Any,
    events: Iterable[dict[str, Any]],
    *,
    batch_size: int = 100,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Record OpenLineage run events in ``store`` (they must be valid: see ``validate_event``).

    Events are written ``batch_size`` at a time, each batch one transaction that holds the
    locks of its runs; a batch that meets a conflict is retried whole.

    Args:
        store: A ``lineage.MetadataStore`` on a database (not a remote ``grpc://`` store:
            post to the server's own endpoint instead).
        events: Events as dicts: RunEvents, and DatasetEvents and JobEvents (facets of a
            dataset or a job without a run, kept on its ``openlineage.Dataset`` or
            ``openlineage.Job`` context).
        batch_size: Events per transaction.
        progress: Called with the number of events done after each batch.

    Returns:
        An :class:`IngestResult`.

    Raises:
        UnimplementedError: ``store`` is a remote store.
    """
    if getattr(store, "is_remote", False):
        raise UnimplementedError(
            "OpenLineage events cannot be recorded through a remote store (each call is its "
            "own transaction there): post them to the server's /api/v1/lineage endpoint"
        )
    total = 0
    fresh: list[bool] = []
    run_ids: dict[str, None] = {}
    by_run: dict[str, int] = {}
    chunk: list[dict[str, Any]] = []
    native = NativeImport(store)

    def flush() -> None:
        if not chunk:
            return
        added, ids = _ingest_batch(store, chunk, native)
        fresh.extend(id(event) in added for event in chunk)
        by_run.update(ids)
        chunk.clear()
        if progress is not None:
            progress(total)

    for event in events:
        total += 1
        run_id = (event.get("run") or {}).get("runId")
        if run_id:
            run_ids[str(run_id)] = None
        chunk.append(event)
        if len(chunk) >= max(1, batch_size):
            flush()
    flush()
    if progress is not None:
        progress(total)
    return IngestResult(
        events=total,
        new=sum(fresh),
        runs=len(run_ids),
        executions=tuple(dict.fromkeys(by_run.values())),
        fresh=tuple(fresh),
        by_run=by_run,
    )


def _ingest_batch(
    store: Any, events: Sequence[dict[str, Any]], native: NativeImport
) -> tuple[set[int], dict[str, int]]:
    runs: dict[str, list[dict[str, Any]]] = {}
    exported: list[dict[str, Any]] = []
    static: list[dict[str, Any]] = []
    for event in events:
        if is_native(event):
            exported.append(event)
        elif (event.get("run") or {}).get("runId"):
            runs.setdefault(str(event["run"]["runId"]), []).append(event)
        else:
            static.append(event)  # a DatasetEvent or a JobEvent
    job_types: dict[str, int] = {}
    for received in runs.values():
        name = _fit(str(received[0].get("job", {}).get("name", "")))
        job_types.setdefault(name, _job_base(received))
    delay = 0.02
    for attempt in range(1, _ATTEMPTS + 1):
        types = _Types(store, job_types.items())  # committed on its own, outside the batch
        saved = ({k: dict(v) for k, v in native.ids.items()}, dict(native.type_ids))
        try:
            locks = [f"ol-run:{r}" for r in runs]
            locks += [f"ol-run:{e['run']['runId']}" for e in exported]
            locks += ["ol-static"] if static else []
            with store.transaction(locks=locks):
                added = native.apply(exported)  # the ids of the new ones
                batch = _Batch(store, types, runs, static)
                batch.run()
            return batch.fresh | added, batch.by_run
        except (AbortedError, AlreadyExistsError):
            # A conflict with a concurrent writer (a deadlock, or two batches creating the same
            # dataset or context at once): everything rolled back; read again and retry.
            native.ids, native.type_ids = saved
            if attempt >= _ATTEMPTS:
                raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 1.0)
    raise AssertionError("unreachable")  # pragma: no cover
