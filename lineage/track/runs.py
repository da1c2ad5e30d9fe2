"""Reading recorded runs back, finding them, and tagging or annotating any node.

A run is an execution with ``run.start_time`` (see :mod:`lineage.conventions`). Runs are named
as in ``lineage show``: ``execution:ID``, a bare id, the run's name, ``TYPE:NAME``; or given as
an id, an ``Execution`` proto or a :class:`~lineage.track.Run`. Executions recorded by other
tools (TFX, Kubeflow) can be read and compared too: their declared properties count as
parameters.

Example:
    >>> import lineage
    >>> store = lineage.MetadataStore("sqlite://")
    >>> with lineage.run("train", params={"lr": 0.1}, store=store, tags=["baseline"],
    ...                  capture={"environment": False}) as r:
    ...     r.log_metric("auc", 0.9)
    >>> [(i.params["lr"], i.metrics["auc"], i.tags) for i in list_runs(store, tag="baseline")]
    [(0.1, 0.9, ('baseline',))]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import json_format

from lineage import conventions as cv
from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.proto import Artifact, Context, Event, Execution
from lineage.proto.values import struct_from_any
from lineage.store import ListOptions, OrderByField
from lineage.store.naming import NodeRef, resolve_node
from lineage.track.common import user_name
from lineage.track.metrics import Series, check_name
from lineage.track.records import add_note, now_ms, read_notes, read_series

__all__ = [
    "ArtifactInfo",
    "EnvironmentInfo",
    "Note",
    "RunInfo",
    "get_run",
    "get_runs",
    "list_runs",
    "note",
    "parse_time",
    "resolve_run",
    "tag",
]

_INPUTS: Final = {Event.INPUT, Event.DECLARED_INPUT, Event.INTERNAL_INPUT}
_OUTPUTS: Final = {
    Event.OUTPUT,
    Event.DECLARED_OUTPUT,
    Event.INTERNAL_OUTPUT,
    Event.PENDING_OUTPUT,
}
_NOTEBOOK_SCRIPT: Final = cv.CODE_NOTEBOOK_SCRIPT[len(cv.CODE_PREFIX) :]
_STATES: Final = ("NEW", "RUNNING", "COMPLETE", "FAILED", "CACHED", "CANCELED", "UNKNOWN")
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def plain(value: Any) -> Any:
    """An MLMD ``Value`` as a Python value (Struct as dict, a packed metric series as
    ``{"steps", "values"}``, another proto as its type URL)."""
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "struct_value":
        return json_format.MessageToDict(value.struct_value)
    if which == "proto_value":
        struct = struct_from_any(value.proto_value)
        if struct is not None:
            return struct
        series = read_series(value)  # a metric series, packed (D40)
        if series is not None:
            return {"steps": list(series.steps), "values": list(series.values)}
        return f"<proto {value.proto_value.type_url}>"
    return getattr(value, which)


@dataclass(frozen=True)
class Note:
    """A free-text note on a node (``time`` in ms since the epoch)."""

    text: str
    time: int
    user: str


@dataclass(frozen=True)
class ArtifactInfo:
    """An artifact as seen from a run.

    Attributes:
        id: The artifact id.
        type: Its type name.
        uri: Its path or URI.
        name: Its name.
        path: The event path (``inputs[0]``, ``model``, ``config[1]``).
        direction: 'input' or 'output'.
        fingerprint: ``sha256:<hex>`` or None.
        size_bytes: Total size, if known.
        file_count: Number of files, if known.
        version: The version for its path, if recorded.
        tags: Its tags.
        version_source: Where the version came from (``dvc``, ``git-lfs``, ``delta``, ...)
            when it is not lineage's own sha256.
    """

    id: int
    type: str
    uri: str
    name: str
    path: str
    direction: str
    fingerprint: str | None = None
    size_bytes: int | None = None
    file_count: int | None = None
    version: int | None = None
    tags: tuple[str, ...] = ()
    version_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "type": self.type,
            "uri": self.uri,
            "name": self.name,
            "path": self.path,
            "direction": self.direction,
            "fingerprint": self.fingerprint,
            "size_bytes": self.size_bytes,
            "file_count": self.file_count,
            "version": self.version,
            "tags": list(self.tags),
            "version_source": self.version_source,
        }


@dataclass(frozen=True)
class EnvironmentInfo:
    """The Environment artifact of a run."""

    id: int
    fingerprint: str
    python_version: str
    python_implementation: str
    platform: str
    packages: Mapping[str, str]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "fingerprint": self.fingerprint,
            "python_version": self.python_version,
            "python_implementation": self.python_implementation,
            "platform": self.platform,
            "packages": dict(self.packages),
        }


@dataclass(frozen=True)
class RunInfo:
    """Everything the store holds about one run.

    Attributes:
        id: The execution id.
        name: The run's name.
        type: The execution type (the step name).
        state: 'RUNNING', 'COMPLETE', 'FAILED', 'CANCELED', ...
        start_time: Start in ms since the epoch (None for executions lineage did not record).
        end_time: End in ms since the epoch (None while running).
        user: Who ran it.
        host: Where.
        parent_id: The enclosing run's execution id.
        error_type: The exception type of a failed run.
        error_message: Its message.
        experiments: Names of its Experiment contexts.
        pipelines: Names of its Pipeline contexts.
        pipeline_runs: Names of its PipelineRun contexts.
        tags: Its tags.
        notes: Its notes, oldest first.
        params: Flattened parameters (dotted names).
        metrics: Final metric values.
        code: ``code.*`` values without the prefix (``commit``, ``branch``, ``dirty``, ...).
        inputs: Input data artifacts.
        outputs: Output data artifacts.
        configs: Config file artifacts.
        environment: The Environment artifact, if recorded.
        series: Metric name → step series.
        created: The execution's create time (ms).
    """

    id: int
    name: str
    type: str
    state: str
    start_time: int | None
    end_time: int | None
    user: str | None = None
    host: str | None = None
    parent_id: int | None = None
    error_type: str | None = None
    error_message: str | None = None
    experiments: tuple[str, ...] = ()
    pipelines: tuple[str, ...] = ()
    pipeline_runs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    code: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[ArtifactInfo, ...] = ()
    outputs: tuple[ArtifactInfo, ...] = ()
    configs: tuple[ArtifactInfo, ...] = ()
    environment: EnvironmentInfo | None = None
    series: Mapping[str, Series] = field(default_factory=dict)
    created: int = 0

    @property
    def ref(self) -> str:
        """``execution:ID``."""
        return f"execution:{self.id}"

    @property
    def label(self) -> str:
        """``execution:ID (NAME)``."""
        return f"{self.ref} ({self.name})" if self.name else self.ref

    @property
    def duration(self) -> float | None:
        """Seconds from start to end, or None while running."""
        if self.start_time is None or self.end_time is None:
            return None
        return (self.end_time - self.start_time) / 1000

    def to_dict(self, *, details: bool = True) -> dict[str, Any]:
        """A JSON-ready dict (times in ms since the epoch).

        Args:
            details: False leaves out the installed packages, the metric series and a notebook
                run's script (for lists: their counts and sizes instead).
        """
        environment: dict[str, Any] | None = None
        if self.environment is not None:
            environment = self.environment.to_dict()
            if not details:
                environment["packages"] = len(self.environment.packages)
        code = dict(self.code)
        script = code.get(_NOTEBOOK_SCRIPT)
        if not details and isinstance(script, Mapping):  # lists carry its size, not the text
            code[_NOTEBOOK_SCRIPT] = {
                **{k: v for k, v in script.items() if k != "script"},
                "bytes": len(str(script.get("script", "")).encode()),
            }
        return {
            "id": self.id,
            "ref": self.ref,
            "name": self.name,
            "type": self.type,
            "state": self.state,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "duration_s": self.duration,
            "user": self.user,
            "host": self.host,
            "parent_id": self.parent_id,
            "error_type": self.error_type,
            "error_message": self.error_message,
            "experiments": list(self.experiments),
            "pipelines": list(self.pipelines),
            "pipeline_runs": list(self.pipeline_runs),
            "tags": list(self.tags),
            "notes": [{"text": n.text, "time": n.time, "user": n.user} for n in self.notes],
            "params": dict(self.params),
            "metrics": dict(self.metrics),
            "code": code,
            "inputs": [a.to_dict() for a in self.inputs],
            "outputs": [a.to_dict() for a in self.outputs],
            "configs": [a.to_dict() for a in self.configs],
            "environment": environment,
            "series": {
                k: {"steps": list(s.steps), "values": list(s.values)} if details else len(s)
                for k, s in self.series.items()
            },
        }


# ------------------------------------------------------------------------------ resolving
def _ref_text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def resolve_run(store: Any, run: Any) -> Any:
    """The ``Execution`` that ``run`` names.

    Args:
        store: The store.
        run: An id, an ``Execution``, a :class:`~lineage.track.Run` / :class:`RunInfo`, or
            text: ``execution:ID``, a bare id, a run name or ``TYPE:NAME``.

    Raises:
        NotFoundError: No such execution.
        InvalidArgumentError: The text names an artifact or a context, or is not a reference.
    """
    execution_id: int | None = None
    if isinstance(run, bool):
        raise InvalidArgumentError(f"a run must be an id, a name or an execution, got {run!r}")
    if isinstance(run, int):
        execution_id = run
    elif getattr(getattr(run, "DESCRIPTOR", None), "full_name", "") == "ml_metadata.Execution":
        execution_id = int(run.id)
    elif isinstance(run, str):
        text = run.strip()
        if text.isdigit():
            execution_id = int(text)
        else:
            ref = resolve_node(store, text)
            if ref.kind != "execution":
                raise InvalidArgumentError(f"{text!r} names {ref}, not a run (an execution)")
            return ref.node
    elif isinstance(getattr(run, "id", None), int):
        execution_id = int(run.id)
    else:
        raise InvalidArgumentError(
            f"a run must be an id, a name, an Execution or a Run, got {type(run).__name__}"
        )
    found = store.get_executions_by_id([execution_id])
    if not found:
        raise NotFoundError(f"no run (execution) with id {execution_id}")
    return found[0]


def _int_prop(node: Any, name: str) -> int | None:
    if name in node.custom_properties:
        value = plain(node.custom_properties[name])
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value)
    return None


def _str_prop(node: Any, name: str) -> str | None:
    if name in node.custom_properties:
        value = plain(node.custom_properties[name])
        return None if value is None else str(value)
    return None


def _tags(node: Any) -> tuple[str, ...]:
    return tuple(
        sorted(
            k[len(cv.TAG_PREFIX) :]
            for k, v in node.custom_properties.items()
            if k.startswith(cv.TAG_PREFIX)
            and v.WhichOneof("value") == "bool_value"
            and v.bool_value
        )
    )


def _artifact_info(artifact: Any, event: Any, type_name: str) -> ArtifactInfo:
    path = ""
    for step in event.path.steps:
        if step.WhichOneof("value") == "index":
            path += f"[{step.index}]"
        else:
            path += ("." if path else "") + step.key
    return ArtifactInfo(
        id=int(artifact.id),
        type=type_name,
        uri=artifact.uri,
        name=artifact.name,
        path=path,
        direction="input" if event.type in _INPUTS else "output",
        fingerprint=_str_prop(artifact, cv.FINGERPRINT),
        size_bytes=_int_prop(artifact, cv.SIZE_BYTES),
        file_count=_int_prop(artifact, cv.FILE_COUNT),
        version=_int_prop(artifact, cv.VERSION),
        tags=_tags(artifact),
        version_source=_str_prop(artifact, cv.VERSION_SOURCE),
    )


def _first_key(event: Any) -> str:
    steps = event.path.steps
    return steps[0].key if steps and steps[0].WhichOneof("value") == "key" else ""


def _series(artifact: Any) -> dict[str, Series]:
    out: dict[str, Series] = {}
    for key, value in artifact.custom_properties.items():
        if key.startswith(cv.SERIES_PREFIX):
            found = read_series(value)
            if found is not None:
                out[key[len(cv.SERIES_PREFIX) :]] = found
    return dict(sorted(out.items()))


def _environment(artifact: Any) -> EnvironmentInfo:
    packages = (
        plain(artifact.custom_properties[cv.ENV_PACKAGES])
        if (cv.ENV_PACKAGES in artifact.custom_properties)
        else {}
    )
    return EnvironmentInfo(
        id=int(artifact.id),
        fingerprint=_str_prop(artifact, cv.FINGERPRINT) or "",
        python_version=_str_prop(artifact, cv.ENV_PYTHON_VERSION) or "",
        python_implementation=_str_prop(artifact, cv.ENV_PYTHON_IMPLEMENTATION) or "",
        platform=_str_prop(artifact, cv.ENV_PLATFORM) or "",
        packages=dict(sorted((str(k), str(v)) for k, v in (packages or {}).items())),
    )


def _contexts(store: Any, execution_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The contexts of each execution, in one read (a zero-hop lineage subgraph)."""
    from lineage.proto import LineageSubgraphQueryOptions

    out: dict[int, list[Any]] = {}
    for start in range(0, len(execution_ids), 100):  # MLMD starts at most 100 nodes per call
        chunk = execution_ids[start : start + 100]
        query = LineageSubgraphQueryOptions(max_num_hops=0)
        query.starting_executions.filter_query = f"id IN ({', '.join(map(str, chunk))})"
        graph = store.get_lineage_subgraph(query, field_mask_paths=["contexts", "associations"])
        by_id = {int(c.id): c for c in graph.contexts}
        for link in sorted(graph.associations, key=lambda a: (a.execution_id, a.context_id)):
            context = by_id.get(int(link.context_id))
            if context is not None:
                out.setdefault(int(link.execution_id), []).append(context)
    return out


def get_runs(store: Any, runs: Iterable[Any]) -> list[RunInfo]:
    """Read several runs (batched: one read each for events, artifacts and types).

    Args:
        store: The store.
        runs: Runs in any form :func:`resolve_run` takes.

    Returns:
        The runs, in the order given.
    """
    executions = [resolve_run(store, r) for r in runs]
    if not executions:
        return []
    events = store.get_events_by_execution_ids([int(e.id) for e in executions])
    artifact_ids = sorted({int(e.artifact_id) for e in events})
    artifacts, artifact_types = (
        store.get_artifacts_and_types_by_artifact_ids(artifact_ids) if artifact_ids else ([], [])
    )
    type_names = {int(t.id): t.name for t in artifact_types}
    by_id = {int(a.id): a for a in artifacts}
    execution_types = {
        int(t.id): t
        for t in store.get_execution_types_by_id(sorted({int(e.type_id) for e in executions}))
    }
    contexts = _contexts(store, sorted({int(e.id) for e in executions}))
    by_execution: dict[int, list[Any]] = {}
    for ev in events:
        by_execution.setdefault(int(ev.execution_id), []).append(ev)
    out = []
    for execution in executions:
        found_type = execution_types.get(int(execution.type_id))
        out.append(
            _run_info(
                execution,
                found_type.name if found_type is not None else execution.type,
                by_execution.get(int(execution.id), []),
                by_id,
                type_names,
                contexts.get(int(execution.id), []),
            )
        )
    return out


def get_run(store: Any, run: Any) -> RunInfo:
    """Read one run (see :func:`get_runs`)."""
    return get_runs(store, [run])[0]


def _run_info(
    execution: Any,
    type_name: str,
    events: Sequence[Any],
    artifacts: Mapping[int, Any],
    type_names: Mapping[int, str],
    contexts: Sequence[Any],
) -> RunInfo:
    props = execution.custom_properties
    params: dict[str, Any] = {k: plain(v) for k, v in sorted(execution.properties.items())}
    metrics: dict[str, float] = {}
    code: dict[str, Any] = {}
    for key in sorted(props):
        if key.startswith(cv.PARAM_PREFIX):
            params[key[len(cv.PARAM_PREFIX) :]] = plain(props[key])
        elif key.startswith(cv.METRIC_PREFIX):
            metrics[key[len(cv.METRIC_PREFIX) :]] = float(props[key].double_value)
        elif key.startswith(cv.CODE_PREFIX):
            code[key[len(cv.CODE_PREFIX) :]] = plain(props[key])
    inputs: list[ArtifactInfo] = []
    outputs: list[ArtifactInfo] = []
    configs: list[ArtifactInfo] = []
    environment: EnvironmentInfo | None = None
    series: dict[str, Series] = {}
    for ev in events:
        artifact = artifacts.get(int(ev.artifact_id))
        if artifact is None:
            continue
        kind_type = type_names.get(int(artifact.type_id), artifact.type)
        key = _first_key(ev)
        if (
            ev.type in _INPUTS
            and key == cv.EVENT_KEY_ENVIRONMENT
            and kind_type == cv.ENVIRONMENT_TYPE
        ):
            environment = _environment(artifact)
            continue
        if ev.type in _OUTPUTS and key == cv.EVENT_KEY_METRICS:
            series = _series(artifact)
            continue
        info = _artifact_info(artifact, ev, kind_type)
        if ev.type in _INPUTS and key == cv.EVENT_KEY_CONFIG:
            configs.append(info)
        elif ev.type in _INPUTS:
            inputs.append(info)
        elif ev.type in _OUTPUTS:
            outputs.append(info)
    by_type: dict[str, list[str]] = {}
    for context in contexts:
        by_type.setdefault(context.type, []).append(context.name)
    state = (
        str(Execution.State.Name(execution.last_known_state))
        if execution.HasField("last_known_state")
        else "UNKNOWN"
    )
    return RunInfo(
        id=int(execution.id),
        name=execution.name,
        type=type_name,
        state=state,
        start_time=_int_prop(execution, cv.RUN_START_TIME),
        end_time=_int_prop(execution, cv.RUN_END_TIME),
        user=_str_prop(execution, cv.RUN_USER),
        host=_str_prop(execution, cv.RUN_HOST),
        parent_id=_int_prop(execution, cv.RUN_PARENT),
        error_type=_str_prop(execution, cv.RUN_ERROR_TYPE),
        error_message=_str_prop(execution, cv.RUN_ERROR_MESSAGE),
        experiments=tuple(sorted(by_type.get(cv.EXPERIMENT_TYPE, []))),
        pipelines=tuple(sorted(by_type.get(cv.PIPELINE_TYPE, []))),
        pipeline_runs=tuple(sorted(by_type.get(cv.PIPELINE_RUN_TYPE, []))),
        tags=_tags(execution),
        notes=tuple(Note(**n) for n in read_notes(execution)),
        params=params,
        metrics=metrics,
        code=code,
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        configs=tuple(configs),
        environment=environment,
        series=series,
        created=int(execution.create_time_since_epoch),
    )


# ------------------------------------------------------------------------------ listing
def parse_time(value: Any) -> int:
    """A point in time as ms since the epoch.

    Args:
        value: A ``datetime`` (naive means UTC), ms since the epoch (int), or text: an ISO date
            or date-time (``2026-11-01``, ``2026-11-01T08:30``, with an optional offset or
            ``Z``; naive means UTC) or a duration ago (``30m``, ``12h``, ``7d``, ``2w``).

    Raises:
        InvalidArgumentError: Anything else.
    """
    if isinstance(value, dt.datetime):
        when = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return int(when.timestamp() * 1000)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        relative = _RELATIVE.match(value)
        if relative:
            seconds = float(relative.group(1)) * _UNITS[relative.group(2)]
            return now_ms() - int(seconds * 1000)
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return parse_time(parsed)
    raise InvalidArgumentError(
        f"cannot read {value!r} as a time: use an ISO date or date-time (2026-11-01, "
        "2026-11-01T08:30Z) or a duration ago (30m, 12h, 7d, 2w)"
    )


def _quote(text: str) -> str:
    """A filter-query string literal (no user text reaches SQL unquoted)."""
    out = []
    for c in text:
        if c in "\\'":
            out.append("\\" + c)
        elif c.isprintable():
            out.append(c)
        else:
            out.append(f"\\U{ord(c):08x}")
    return "'" + "".join(out) + "'"


def run_clauses(
    *,
    experiment: str | None = None,
    tag: str | None = None,
    state: str | None = None,
    since: Any = None,
    until: Any = None,
    type: str | None = None,
) -> list[str]:
    """The filter-query clauses (ANDed) that select runs as :func:`list_runs` filters them.

    Raises:
        InvalidArgumentError: An unknown state, a bad time or tag.
    """
    start = f"custom_properties.`{cv.RUN_START_TIME}`.double_value"  # ms exceed int32
    clauses = [f"{start} >= {parse_time(since) if since is not None else 0}"]
    if until is not None:
        clauses.append(f"{start} <= {parse_time(until)}")
    if experiment is not None:
        clauses.append(
            f"contexts_e.type = {_quote(cv.EXPERIMENT_TYPE)} AND contexts_e.name = "
            f"{_quote(experiment)}"
        )
    if tag is not None:
        check_name(tag, "tag")
        clauses.append(f"custom_properties.`{cv.TAG_PREFIX}{tag}`.bool_value = TRUE")
    if state is not None:
        name = state.strip().upper()
        if name == "CANCELLED":
            name = "CANCELED"
        if name not in _STATES:
            raise InvalidArgumentError(
                f"unknown run state {state!r}; use one of {', '.join(_STATES)}"
            )
        clauses.append(f"last_known_state = {name}")
    if type is not None:
        clauses.append(f"type = {_quote(type)}")
    return clauses


def list_runs(
    store: Any,
    *,
    experiment: str | None = None,
    tag: str | None = None,
    state: str | None = None,
    since: Any = None,
    until: Any = None,
    type: str | None = None,
    limit: int | None = None,
) -> list[RunInfo]:
    """The runs recorded by ``lineage.track``, newest first, filtered in one query.

    Args:
        store: The store.
        experiment: Only runs in this experiment.
        tag: Only runs with this tag.
        state: Only runs in this state (``COMPLETE``, ``FAILED``, ``RUNNING``, ...).
        since: Only runs started at or after this time (see :func:`parse_time`).
        until: Only runs started at or before this time.
        type: Only runs of this step (execution type).
        limit: At most this many runs.

    Raises:
        InvalidArgumentError: An unknown state, a bad time or tag, or a negative limit.
    """
    clauses = run_clauses(
        experiment=experiment, tag=tag, state=state, since=since, until=until, type=type
    )
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise InvalidArgumentError(f"limit must be a non-negative integer, got {limit!r}")
    options = ListOptions(
        filter_query=" AND ".join(clauses),
        order_by=OrderByField.CREATE_TIME,
        is_asc=False,
        limit=limit or None,
    )
    executions = store.get_executions(list_options=options)
    return get_runs(store, executions)


# ------------------------------------------------------------------------------ tags and notes
_MESSAGES: Final = {"artifact": Artifact, "execution": Execution, "context": Context}


def _node(store: Any, node: Any) -> NodeRef:
    if isinstance(node, NodeRef):
        return node
    if isinstance(node, str) and not node.strip().isdigit():
        return resolve_node(store, node)
    execution = resolve_run(store, node)
    return NodeRef(kind="execution", id=int(execution.id), node=execution)


def _put(store: Any, ref: NodeRef, message: Any, paths: list[str]) -> None:
    getattr(store, f"put_{ref.kind}s")([message], field_mask_paths=paths)


def tag(store: Any, node: Any, *tags: str, remove: bool = False) -> NodeRef:
    """Add (or with ``remove=True`` remove) tags on an artifact, execution or context.

    Args:
        store: The store.
        node: A run (any form :func:`resolve_run` takes) or a node reference as ``lineage show``
            takes it (``artifact:ID``, ``TYPE:NAME``, a URI, a name).
        tags: The tags.
        remove: Remove the tags instead.

    Returns:
        The node, as it was found.

    Raises:
        InvalidArgumentError: No tags, or a bad tag name.
        NotFoundError: No such node.
    """
    if not tags:
        raise InvalidArgumentError("give at least one tag")
    names = [check_name(t, "tag") for t in tags]
    ref = _node(store, node)
    message = _MESSAGES[ref.kind](id=ref.id)
    if ref.kind == "context":
        message.name = ref.node.name
    if not remove:
        for name in names:
            message.custom_properties[cv.TAG_PREFIX + name].bool_value = True
    _put(store, ref, message, [f"custom_properties.{cv.TAG_PREFIX}{n}" for n in names])
    return ref


def note(store: Any, node: Any, text: str, *, user: str | None = None) -> NodeRef:
    """Append a free-text note to an artifact, execution or context.

    Args:
        store: The store.
        node: A run or a node reference (see :func:`tag`).
        text: The note.
        user: Who writes it (default: the current user).

    Returns:
        The node, as it was found.

    Raises:
        InvalidArgumentError: An empty note.
        NotFoundError: No such node.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError(f"a note must be a non-empty string, got {text!r}")
    ref = _node(store, node)
    current = getattr(store, f"get_{ref.kind}s_by_id")([ref.id])
    if not current:
        raise NotFoundError(f"no {ref.kind} with id {ref.id}")
    message = _MESSAGES[ref.kind](id=ref.id)
    if ref.kind == "context":
        message.name = current[0].name
    if cv.NOTES in current[0].custom_properties:
        message.custom_properties[cv.NOTES].CopyFrom(current[0].custom_properties[cv.NOTES])
    add_note(message, [{"text": text, "time": now_ms(), "user": user or user_name() or ""}])
    _put(store, ref, message, [f"custom_properties.{cv.NOTES}"])
    return ref
