"""TensorBoard: read event files into a lineage run, and write lineage runs as event files.

:func:`import_events` reads every event file under a log directory (``events.out.tfevents.*``,
as ``torch.utils.tensorboard.SummaryWriter``, ``tf.summary`` or Keras' ``TensorBoard``
callback write them). Scalars, whether legacy ``simple_value`` summaries or TF2 tensor
summaries, become metric series of a run (step = the event's step; the value at the highest
step is the metric's final value); the HParams plugin's ``session_start_info`` becomes the run's
parameters. A tag found in more than one sub-directory is named ``<sub-directory>/<tag>``;
otherwise its name is the tag. Images, histograms and other summaries are skipped (and counted).

Into a run that is running in this process (a :class:`lineage.track.Run`), the values are
logged with ``log_metric`` / ``log_params``. Into a run that has ended, :func:`add_series`
updates the run's Metrics artifact (``series.<name>`` and final values, created and linked with
an OUTPUT event ``metrics`` if the run had none) and the execution's ``metric.<name>`` and
``param.<name>`` properties in one ``put_execution`` transaction. A run still running elsewhere
is refused: its own end would overwrite what was added.

:func:`export_runs` writes each run under ``LOGDIR/<run name>/``: its series (a final value
without series as one point at step 0) as TF2 scalar summaries (float64 tensors, so values come
back exactly), and HParams session start and end info with its parameters; ``LOGDIR`` itself gets
the HParams experiment summary naming every parameter and metric, so ``tensorboard --logdir
LOGDIR`` shows the runs in its Scalars and HParams dashboards.

The ``tensorboard`` package (``pip install 'lineage[tensorboard]'``) is imported only when
events are read or written.
"""

from __future__ import annotations

import json
import os
import re
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from lineage import conventions as cv
from lineage.errors import FailedPreconditionError, InvalidArgumentError
from lineage.integrations._base import require
from lineage.proto import Event, Execution
from lineage.track import Run, get_run, get_runs, resolve_run
from lineage.track.metrics import Series, check_name, thin
from lineage.track.params import collect_params
from lineage.track.records import event as make_event
from lineage.track.records import now_ms, set_series, set_value
from lineage.track.runs import RunInfo, plain
from lineage.track.stores import TypeRequest, artifact_base, ensure_types

__all__ = [
    "EventData",
    "ImportSummary",
    "add_series",
    "export_runs",
    "import_events",
    "read_events",
    "require_tensorboard",
]

#: The lineage extra that installs TensorBoard.
EXTRA: Final = "tensorboard"
#: How event file names start.
EVENT_FILE_MARK: Final = "tfevents"
_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")


def require_tensorboard() -> ModuleType:
    """Import ``tensorboard``, or raise an ImportError naming the extra to install."""
    return require("tensorboard", EXTRA)


# ------------------------------------------------------------------------------ reading
@dataclass(frozen=True)
class EventData:
    """What a log directory's event files hold, as lineage would record it.

    Attributes:
        series: Metric name → its points, ordered by step (one value per step, the last written).
        params: Parameter name → value, from HParams ``session_start_info``.
        files: The event files read.
        skipped: Tags that are not scalars (images, histograms, text, ...).
    """

    series: Mapping[str, Series] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    skipped: tuple[str, ...] = ()


def _event_files(logdir: Path) -> list[Path]:
    if logdir.is_file():
        return [logdir]
    if not logdir.is_dir():
        raise InvalidArgumentError(f"{logdir} is neither a TensorBoard log directory nor a file")
    return sorted(p for p in logdir.rglob(f"*{EVENT_FILE_MARK}*") if p.is_file())


def _hparam_value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "number_value":
        number = float(value.number_value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "string_value":
        return str(value.string_value)
    if kind == "bool_value":
        return bool(value.bool_value)
    return None


def read_events(logdir: str | os.PathLike[str]) -> EventData:
    """Read the scalars and HParams of every event file under ``logdir`` (or of one file).

    Raises:
        ImportError: ``tensorboard`` is not installed.
        InvalidArgumentError: No event files, a tag that cannot name a metric, or two HParams
            sessions with different values for one parameter.
    """
    require_tensorboard()
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.plugins.hparams import metadata as hp_metadata
    from tensorboard.plugins.hparams import plugin_data_pb2
    from tensorboard.util import tensor_util

    root = Path(logdir)
    files = _event_files(root)
    if not files:
        raise InvalidArgumentError(f"no TensorBoard event files (*{EVENT_FILE_MARK}*) under {root}")
    # (directory, tag) → step → (wall time, value): the last written value of a step wins.
    points: dict[tuple[str, str], dict[int, tuple[float, float]]] = {}
    params: dict[str, Any] = {}
    origin: dict[str, str] = {}
    skipped: set[str] = set()
    base = root if root.is_dir() else root.parent
    for path in files:
        folder = path.parent.relative_to(base).as_posix()
        folder = "" if folder == "." else folder
        plugins: dict[str, str] = {}  # TF2 writers give a tag's metadata with its first value
        for ev in EventFileLoader(str(path)).Load():
            if not ev.HasField("summary"):
                continue
            for value in ev.summary.value:
                plugin = value.metadata.plugin_data.plugin_name or plugins.get(value.tag, "")
                plugins.setdefault(value.tag, plugin)
                if plugin == hp_metadata.PLUGIN_NAME:
                    data = plugin_data_pb2.HParamsPluginData.FromString(
                        value.metadata.plugin_data.content
                    )
                    if data.HasField("session_start_info"):
                        for name, hp in data.session_start_info.hparams.items():
                            got = _hparam_value(hp)
                            if name in params and params[name] != got:
                                raise InvalidArgumentError(
                                    f"HParams sessions in {origin[name] or '.'} and "
                                    f"{folder or '.'} give {name!r} different values; import "
                                    "one session's directory"
                                )
                            params[name], origin[name] = got, folder
                    continue
                if plugin != "scalars" or not value.HasField("tensor"):
                    skipped.add(value.tag)
                    continue
                array = tensor_util.make_ndarray(value.tensor)
                if array.size != 1 or array.dtype.kind not in "fiub":
                    skipped.add(value.tag)
                    continue
                steps = points.setdefault((folder, value.tag), {})
                previous = steps.get(int(ev.step))
                if previous is None or previous[0] <= ev.wall_time:
                    steps[int(ev.step)] = (float(ev.wall_time), float(array.reshape(())))
    folders: dict[str, set[str]] = {}
    for folder, tag in points:
        folders.setdefault(tag, set()).add(folder)
    series: dict[str, Series] = {}
    for (folder, tag), steps in sorted(points.items()):
        name = tag if len(folders[tag]) == 1 or not folder else f"{folder}/{tag}"
        check_name(name)
        ordered = sorted(steps.items())
        series[name] = Series(tuple(s for s, _ in ordered), tuple(v for _, (_, v) in ordered))
    return EventData(
        series=series, params=params, files=tuple(files), skipped=tuple(sorted(skipped))
    )


# ------------------------------------------------------------------------------ importing
@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_events` recorded.

    Attributes:
        run: The run, as ``execution:ID (NAME)``.
        files: How many event files were read.
        series: Metric name → number of points recorded.
        params: The parameters recorded.
        skipped: Tags that were not scalars.
    """

    run: str
    files: int
    series: Mapping[str, int]
    params: Mapping[str, Any]
    skipped: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "run": self.run,
            "files": self.files,
            "series": dict(self.series),
            "params": dict(self.params),
            "skipped": list(self.skipped),
        }


def _merge(old: Series | None, new: Series) -> Series:
    by_step: dict[int, float] = {} if old is None else dict(zip(old.steps, old.values, strict=True))
    by_step.update(zip(new.steps, new.values, strict=True))
    ordered = sorted(by_step.items())
    return thin(array("q", (s for s, _ in ordered)), array("d", (v for _, v in ordered)))


def _metrics_event(store: Any, execution_id: int, type_id: int) -> Any | None:
    """The Metrics artifact a run links with its OUTPUT event ``metrics``, or None."""
    ids = [
        int(ev.artifact_id)
        for ev in store.get_events_by_execution_ids([execution_id])
        if ev.type == Event.OUTPUT
        and ev.path.steps
        and ev.path.steps[0].WhichOneof("value") == "key"
        and ev.path.steps[0].key == cv.EVENT_KEY_METRICS
    ]
    found = store.get_artifacts_by_id(ids) if ids else []
    return next((a for a in found if int(a.type_id) == type_id), None)


def add_series(
    store: Any,
    run: Any,
    series: Mapping[str, Series],
    *,
    params: Mapping[str, Any] | None = None,
) -> RunInfo:
    """Add metric series (and parameters) to a run that has ended, in one transaction.

    Points merge with the run's own series by step (the added value wins on a shared step);
    each metric's final value becomes its value at the highest step. Parameters are added
    (a name the run already has gets the new value).

    Args:
        store: The store.
        run: The run, in any form :func:`lineage.track.resolve_run` takes.
        series: Metric name → points.
        params: Parameters to add (a JSON-like mapping, flattened as ``lineage.run`` does).

    Returns:
        The run as read back.

    Raises:
        FailedPreconditionError: The run is still running (its end would overwrite this).
        InvalidArgumentError: A bad metric name or parameter.
        NotFoundError: No such run.
    """
    execution = resolve_run(store, run)
    if execution.last_known_state in (Execution.RUNNING, Execution.NEW):
        raise FailedPreconditionError(
            f"run execution:{execution.id} ({execution.name}) is still running; add metrics "
            "after it has ended, or log them inside the run"
        )
    names = [check_name(n) for n in series]
    empty = [n for n in names if not len(series[n])]
    if empty:
        raise InvalidArgumentError(f"series without points: {', '.join(empty)}")
    flat = collect_params(dict(params)) if params else None
    info = get_run(store, execution)
    type_ids = ensure_types(
        store, [TypeRequest("artifact", cv.METRICS_TYPE, artifact_base(cv.METRICS_TYPE))]
    )
    type_id = type_ids[("artifact", cv.METRICS_TYPE)]
    artifact = _metrics_event(store, int(execution.id), type_id)
    when = now_ms()
    pair_event = None
    if artifact is None:
        from lineage.proto import Artifact

        artifact = Artifact(
            type_id=type_id, name=f"{execution.name or execution.id}-metrics", state=Artifact.LIVE
        )
        if store.get_artifact_by_type_and_name(cv.METRICS_TYPE, artifact.name) is not None:
            artifact.name = f"{artifact.name}-{execution.id}-{when}"
        for metric, final_value in info.metrics.items():  # finals of a run without artifact
            artifact.custom_properties[metric].double_value = final_value
        pair_event = make_event(Event.OUTPUT, (cv.EVENT_KEY_METRICS,), when)
    updated = type(execution)()
    updated.CopyFrom(execution)
    for name in names:
        merged = _merge(info.series.get(name), series[name])
        final = merged.values[-1]
        set_series(artifact.custom_properties[cv.SERIES_PREFIX + name], merged)
        artifact.custom_properties[name].double_value = final
        updated.custom_properties[cv.METRIC_PREFIX + name].double_value = final
    if flat is not None:
        for key, value in flat.flat.items():
            set_value(updated.custom_properties[cv.PARAM_PREFIX + key], value)
        stored = (
            plain(updated.custom_properties[cv.PARAMS])
            if cv.PARAMS in updated.custom_properties
            else None
        )
        tree: dict[str, Any] = dict(stored) if isinstance(stored, Mapping) else {}
        tree.update(flat.tree)
        set_value(updated.custom_properties[cv.PARAMS], tree)
    store.put_execution(updated, [(artifact, pair_event)], [])
    return get_run(store, execution.id)


def import_events(store: Any, logdir: str | os.PathLike[str], run: Any) -> ImportSummary:
    """Record the scalars and HParams of the event files under ``logdir`` in ``run``.

    Args:
        store: The store (for a running :class:`lineage.track.Run`, its own store is used).
        logdir: A TensorBoard log directory (read recursively) or one event file.
        run: A :class:`lineage.track.Run` running in this process (values are logged into
            it), or an ended run in any form :func:`lineage.track.resolve_run` takes.

    Returns:
        What was recorded.

    Raises:
        ImportError: ``tensorboard`` is not installed.
        InvalidArgumentError: No event files, or a tag that cannot name a metric.
        FailedPreconditionError: The run is running in another process.
        NotFoundError: No such run.
    """
    data = read_events(logdir)
    counts = {name: len(points) for name, points in data.series.items()}
    if isinstance(run, Run) and run.state == "RUNNING":
        for name, points in data.series.items():
            for step, value in zip(points.steps, points.values, strict=True):
                run.log_metric(name, value, step=step)
        if data.params:
            run.log_params(dict(data.params))
        label = f"execution:{run.id} ({run.name})"
    else:
        info = add_series(store, run, data.series, params=data.params)
        label = info.label
    return ImportSummary(
        run=label,
        files=len(data.files),
        series=counts,
        params=dict(data.params),
        skipped=data.skipped,
    )


# ------------------------------------------------------------------------------ exporting
def _folder_names(infos: Sequence[RunInfo]) -> list[str]:
    names: list[str] = []
    for info in infos:
        base = _UNSAFE.sub("_", info.name).strip("._") or f"execution-{info.id}"
        names.append(base if base not in names else f"{base}-{info.id}")
    return names


def _hparam(value: Any) -> bool | int | float | str:
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, float):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _has_events(folder: Path) -> bool:
    return folder.is_dir() and any(EVENT_FILE_MARK in p.name for p in folder.iterdir())


def _write(folder: Path, events: Iterable[Any]) -> list[Path]:
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())
    writer = EventFileWriter(str(folder))
    try:
        for ev in events:
            writer.add_event(ev)
    finally:
        writer.close()
    return sorted(p for p in set(folder.iterdir()) - before if EVENT_FILE_MARK in p.name)


def _run_events(info: RunInfo, params: Mapping[str, Any]) -> list[Any]:
    import numpy as np
    from tensorboard.compat.proto.event_pb2 import Event as TbEvent
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2, summary_v2
    from tensorboard.plugins.hparams import metadata as hp_metadata
    from tensorboard.plugins.scalar import metadata as scalar_metadata
    from tensorboard.util import tensor_util

    start = (info.start_time or info.created or now_ms()) / 1000
    end = (info.end_time or info.start_time or info.created or now_ms()) / 1000
    out: list[Any] = []
    start_summary = summary_v2.hparams_pb(dict(params), trial_id=info.name, start_time_secs=start)
    out.append(TbEvent(wall_time=start, step=0, summary=start_summary))
    for name in sorted(info.metrics):
        points = info.series.get(name) or Series((0,), (info.metrics[name],))
        meta = scalar_metadata.create_summary_metadata(display_name=name, description="")
        for i, (step, value) in enumerate(zip(points.steps, points.values, strict=True)):
            tensor = tensor_util.make_tensor_proto(np.float64(value))
            item = Summary.Value(tag=name, tensor=tensor)
            if i == 0:
                item.metadata.CopyFrom(meta)
            out.append(TbEvent(wall_time=start, step=int(step), summary=Summary(value=[item])))
    status = {
        "COMPLETE": api_pb2.STATUS_SUCCESS,
        "FAILED": api_pb2.STATUS_FAILURE,
        "RUNNING": api_pb2.STATUS_RUNNING,
    }.get(info.state, api_pb2.STATUS_UNKNOWN)
    if status != api_pb2.STATUS_RUNNING:
        data = plugin_data_pb2.HParamsPluginData(
            session_end_info=plugin_data_pb2.SessionEndInfo(status=status, end_time_secs=end)
        )
        item = Summary.Value(
            tag=hp_metadata.SESSION_END_INFO_TAG,
            metadata=hp_metadata.create_summary_metadata(data),
            tensor=hp_metadata.NULL_TENSOR,
        )
        out.append(TbEvent(wall_time=end, step=0, summary=Summary(value=[item])))
    return out


def export_runs(store: Any, runs: Iterable[Any], logdir: str | os.PathLike[str]) -> list[Path]:
    """Write runs as TensorBoard event files under ``logdir`` (see the module docs).

    Args:
        store: The store.
        runs: The runs, in any form :func:`lineage.track.resolve_run` takes.
        logdir: The log directory (created if missing); ``logdir/<run name>/`` gets each run.

    Returns:
        The event files written, the experiment summary at ``logdir`` first.

    Raises:
        ImportError: ``tensorboard`` is not installed.
        FailedPreconditionError: ``logdir`` or a run's directory already holds event files.
        InvalidArgumentError: No runs.
        NotFoundError: A run does not exist.
    """
    require_tensorboard()
    from tensorboard.compat.proto.event_pb2 import Event as TbEvent
    from tensorboard.plugins.hparams import summary_v2

    infos = get_runs(store, list(runs))
    if not infos:
        raise InvalidArgumentError("give at least one run to export")
    root = Path(logdir)
    folders = [root / name for name in _folder_names(infos)]
    for folder in [root, *folders]:
        if _has_events(folder):
            raise FailedPreconditionError(
                f"{folder} already holds TensorBoard event files; export into a new directory"
            )
    params = [{k: _hparam(v) for k, v in info.params.items()} for info in infos]
    hparam_names = sorted({k for p in params for k in p})
    metric_names = sorted({m for info in infos for m in info.metrics})
    created = min((i.start_time or i.created or now_ms()) for i in infos) / 1000
    experiment = summary_v2.hparams_config_pb(
        [summary_v2.HParam(name) for name in hparam_names],
        [summary_v2.Metric(name, display_name=name) for name in metric_names],
        time_created_secs=created,
    )
    written = _write(root, [TbEvent(wall_time=created, step=0, summary=experiment)])
    for info, folder, values in zip(infos, folders, params, strict=True):
        written += _write(folder, _run_events(info, values))
    return written
