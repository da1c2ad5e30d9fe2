"""A run: one execution recorded with its code, parameters, environment, data and metrics.

``with lineage.run("train", params=cfg, inputs=[train_csv], experiment="churn") as run:`` checks
everything first (parameters, input paths, config files, the store) and writes nothing when
something is wrong. Then it records the execution as RUNNING, with its inputs, environment and
config files, in one ``put_execution`` call, so MLMD readers see the run while it lasts. When
the body ends, a second ``put_execution`` records outputs, metrics and the end state (COMPLETE,
or FAILED with the exception's type and message, or CANCELED on KeyboardInterrupt) in one
transaction; the exception still propagates. A crash leaves the run RUNNING, never half-written.

Example:
    >>> import lineage, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "train.csv").write_text("x,y\\n1,2\\n")
    >>> store = lineage.MetadataStore("sqlite://")
    >>> with lineage.run("train", params={"lr": 0.1}, inputs=[folder / "train.csv"],
    ...                  store=store, capture={"environment": False}) as run:
    ...     run.log_metric("auc", 0.91)
    ...     _ = (folder / "model.pkl").write_bytes(b"model")
    ...     _ = run.output(folder / "model.pkl", type="Model")
    >>> run.state
    'COMPLETE'
    >>> [a.type for a in run.outputs]
    ['Model']
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import inspect
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final

from lineage import conventions as cv
from lineage.errors import (
    FailedPreconditionError,
    InvalidArgumentError,
    LineageError,
)
from lineage.proto import Context, Event, Execution
from lineage.track import records
from lineage.track.capture import Capture
from lineage.track.common import (
    ArtifactRecord,
    DataSpec,
    PathLike,
    Pending,
    check_tags,
    check_text,
    data_specs,
    end_state,
    path_text,
    user_name,
)
from lineage.track.environment import capture_environment
from lineage.track.hashing import Fingerprint
from lineage.track.linking import artifact_records, environment_pair, link
from lineage.track.metrics import MetricLog
from lineage.track.params import Params, collect_params
from lineage.track.records import Content, Resolution, now_ms, set_value
from lineage.track.redaction import Redaction, redact_code
from lineage.track.runs import RunInfo, get_run
from lineage.track.runs import note as note_node
from lineage.track.runs import tag as tag_node
from lineage.track.source import CodeInfo, capture_code
from lineage.track.sources import identify
from lineage.track.stores import (
    StoreLike,
    TypeRequest,
    artifact_base,
    cache_for,
    ensure_types,
    execution_base,
    in_transaction,
    open_store,
)

__all__ = ["ArtifactRecord", "Run", "current_run", "run"]

_log = logging.getLogger("lineage.track")

#: Longest error message kept on a failed run.
MAX_ERROR_MESSAGE: Final = 10_000

_current: contextvars.ContextVar[Run | None] = contextvars.ContextVar(
    "lineage_current_run", default=None
)


#: The states in which a run takes metrics (not started yet, or running).
_NOT_ENDED: Final = frozenset({None, Execution.RUNNING})


def current_run() -> Run | None:
    """The run whose body is executing in this thread or task, or None."""
    return _current.get()


class Run:
    """One recorded run: a context manager, and a decorator that records each call.

    Create it with :func:`run`. Attributes become meaningful once the run has started:
    ``id`` (the execution id), ``name``, ``state``, ``store``, ``inputs`` / ``outputs``
    (:class:`ArtifactRecord` s, outputs once the run has ended).
    """

    def __init__(
        self,
        name: str,
        *,
        params: Any = None,
        inputs: Any = None,
        outputs: Any = None,
        experiment: str | None = None,
        pipeline: str | None = None,
        kind: str | None = None,
        store: StoreLike = None,
        run_name: str | None = None,
        tags: Any = (),
        note: str | None = None,
        capture: Any = None,
        entry_point: PathLike | None = None,
        function: str | None = None,
        code_directory: PathLike | None = None,
        command: str | None = None,
        redact: Any = None,
    ) -> None:
        self._kwargs: dict[str, Any] = {
            "params": params,
            "inputs": inputs,
            "outputs": outputs,
            "experiment": experiment,
            "pipeline": pipeline,
            "kind": kind,
            "store": store,
            "tags": tags,
            "note": note,
            "capture": capture,
            "entry_point": entry_point,
            "redact": redact,
        }
        self.type_name = check_text(name, "run name")
        self._base, self._strict_kind = execution_base(name, kind)
        self._kind = kind
        self._params_source = params
        self._input_specs = data_specs(inputs, cv.EVENT_KEY_INPUTS, "inputs")
        self._output_specs = data_specs(outputs, cv.EVENT_KEY_OUTPUTS, "outputs")
        self.experiment = None if experiment is None else check_text(experiment, "experiment")
        self.pipeline = None if pipeline is None else check_text(pipeline, "pipeline")
        self._store_arg = store
        self._run_name = None if run_name is None else check_text(run_name, "run_name")
        self._tags = list(check_tags(tags))
        if note is not None and not isinstance(note, str):
            raise InvalidArgumentError(f"note must be a string, got {type(note).__name__}")
        self._initial_note = note
        self.capture = Capture.from_value(capture)
        self.redaction = Redaction.from_value(redact)
        self._entry_point = entry_point
        self._function = function
        self._code_directory = code_directory
        if command is not None and not isinstance(command, str):
            raise InvalidArgumentError(f"command must be a string, got {type(command).__name__}")
        self._command = command
        self._lock = threading.Lock()
        self._metrics = MetricLog()
        self._late_params: list[Any] = []
        self._late_inputs: list[Pending] = []
        self._late_outputs: list[Pending] = []
        self._new_tags: list[str] = []
        self._new_notes: list[dict[str, Any]] = []
        self._early_notes: list[dict[str, Any]] = []
        self._state: int | None = None
        self._token: contextvars.Token[Run | None] | None = None
        self.id: int | None = None
        self.name: str | None = self._run_name
        self.store: Any = None
        self.params: Params = Params(tree={}, flat={})
        self.code: CodeInfo = CodeInfo()
        self.inputs: tuple[ArtifactRecord, ...] = ()
        self.outputs: tuple[ArtifactRecord, ...] = ()
        self.execution: Any = None
        self._context_ids: list[int] = []
        self._start_ms = 0
        self._user_name: str | None = None
        self._host: str | None = None
        self._parent: Run | None = None

    # ------------------------------------------------------------------ public API
    @property
    def state(self) -> str | None:
        """'RUNNING', 'COMPLETE', 'FAILED' or 'CANCELED'; None before the run starts."""
        return None if self._state is None else Execution.State.Name(self._state)  # type: ignore[arg-type]

    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        """Record a metric value (the last one is the final value; steps make a series).

        Raises:
            InvalidArgumentError: A bad name, a non-number value or a non-integer step.
            FailedPreconditionError: The run has ended.
        """
        if self._state not in _NOT_ENDED:
            self._require_not_ended("log_metric")
        self._metrics.log(name, value, step)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Record several metric values at once."""
        self._require_not_ended("log_metrics")
        self._metrics.log_many(metrics, step)

    def log_params(self, params: Any) -> None:
        """Add parameters while the run lasts (checked now, recorded when the run ends)."""
        self._require_running("log_params")
        if self.capture.params:
            collect_params(self._merge_sources(params), redact=self.redaction)  # check now
            self._late_params.append(params)

    def input(
        self,
        path: PathLike | Any,
        *,
        name: str | None = None,
        type: str = cv.DATASET_TYPE,
        tags: Any = (),
        note: str | None = None,
    ) -> Fingerprint:
        """Record one more input (fingerprinted now, linked when the run ends).

        Args:
            path: A file, a directory, a URI, or a data object (``datasets.Dataset``,
                ``deltalake.DeltaTable``, a NumPy array, a pandas DataFrame); versions that
                DVC, Git LFS, Delta Lake, lakeFS or S3 already name are recorded as such
                (:mod:`lineage.track.sources`).
            name: The event path key (default ``inputs`` with an index).
            type: The artifact type if the content is new (``Dataset``, ``Model``, ...).
            tags: Tags for the artifact.
            note: A note on the artifact.

        Raises:
            InvalidArgumentError: The path does not exist or cannot be read.
        """
        return self._add(path, name, type, tags, note, Event.INPUT)

    def output(
        self,
        path: PathLike,
        *,
        name: str | None = None,
        type: str = cv.DATASET_TYPE,
        tags: Any = (),
        note: str | None = None,
    ) -> Fingerprint:
        """Record an output (fingerprinted now, so write it first; linked when the run ends).

        Args:
            path: A file, a directory or a URI.
            name: The event path key (default ``outputs`` with an index).
            type: The artifact type if the content is new (``Model``, ``Dataset``, ...).
            tags: Tags for the artifact.
            note: A note on the artifact.

        Raises:
            InvalidArgumentError: The path does not exist or cannot be read.
        """
        return self._add(path, name, type, tags, note, Event.OUTPUT)

    def tag(self, *tags: str) -> None:
        """Tag the run: before it starts, with its first write; while it runs, with its last;
        after it ended, at once."""
        checked = check_tags(list(tags))
        with self._lock:
            if self._state is None:
                self._tags += [t for t in checked if t not in self._tags]
                return
            if self._state == Execution.RUNNING:
                self._new_tags += checked
                return
        tag_node(self.store, f"execution:{self.id}", *checked)

    def note(self, text: str) -> None:
        """Add a free-text note to the run (recorded as :meth:`tag` records tags)."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidArgumentError(f"a note must be a non-empty string, got {text!r}")
        entry = {"text": text, "time": now_ms(), "user": user_name() or ""}
        with self._lock:
            if self._state is None:
                self._early_notes.append(entry)
                return
            if self._state == Execution.RUNNING:
                self._new_notes.append(entry)
                return
        note_node(self.store, f"execution:{self.id}", text)

    def info(self) -> RunInfo:
        """What the store holds about this run, as a :class:`lineage.track.RunInfo`."""
        if self.id is None:
            raise FailedPreconditionError("the run has not started")
        return get_run(self.store, self.id)

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> Run:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(exc)

    def __call__(self, fn: Any) -> Any:
        """Use the run's settings as a decorator: every call of ``fn`` is a new run.

        Unlike :func:`~lineage.track.component`, the call's arguments are not recorded.
        """
        if self._state is not None:
            raise FailedPreconditionError("a run that has started cannot decorate a function")
        if self._run_name is not None:
            raise InvalidArgumentError("a run used as a decorator cannot have a run_name")
        name, kwargs = self.type_name, dict(self._kwargs)
        kwargs["function"] = f"{fn.__module__}.{fn.__qualname__}"
        source = getattr(getattr(fn, "__code__", None), "co_filename", None)
        kwargs["code_directory"] = os.path.dirname(source) if source else None

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kw: Any) -> Any:
                with Run(name, **kwargs):
                    return await fn(*args, **kw)

            return async_wrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            with Run(name, **kwargs):
                return fn(*args, **kw)

        return wrapper

    def __repr__(self) -> str:
        return f"<Run {self.type_name!r} id={self.id} name={self.name!r} state={self.state}>"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Check everything, then record the run as RUNNING (see the module docs).

        Raises:
            InvalidArgumentError: Bad parameters, inputs or config files (nothing is written).
            FailedPreconditionError: The run has already started.
        """
        if self._state is not None:
            raise FailedPreconditionError(f"run {self.name!r} has already started")
        from lineage.track.contexts import current_pipeline

        self._parent = current_run()
        pipeline_run = current_pipeline()
        self._start_ms = now_ms()
        # 1. Check and capture everything that needs no store: nothing is written on error.
        if self.capture.params:
            self.params = collect_params(self._params_source, redact=self.redaction)
        inputs = [self._pending(spec, Event.INPUT) for spec in self._input_specs]
        configs = [
            Content(
                fingerprint=Fingerprint(
                    uri=c.path, digest=c.digest, size_bytes=c.size_bytes, file_count=1
                ),
                type_name=cv.CONFIG_TYPE,
                config_values=c.values,
            )
            for c in self.params.configs
        ]
        self.code = capture_code(
            git=self.capture.git,
            entry_point=self.capture.entry_point,
            command=self.capture.command,
            entry_point_path=self._entry_point,
            function=self._function,
            directory=self._code_directory,
        )
        if self._command is not None:  # what ran is known (an imported pipeline's stage)
            self.code = dataclasses.replace(self.code, command=self._command)
        self.code = redact_code(self.code, self.redaction, self.params.secret_values)
        env = capture_environment() if self.capture.environment else None
        self._user_name = user_name() if self.capture.user else None
        self._host = socket.gethostname() if self.capture.host else None
        # 2. The store: this run's, else the enclosing run's or pipeline's, else the default.
        store_arg = self._store_arg
        if store_arg is None and self._parent is not None:
            store_arg = self._parent.store
        if store_arg is None and pipeline_run is not None:
            store_arg = pipeline_run.store
        store = open_store(store_arg)
        self.store = store
        if self.name is None:
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self._start_ms / 1000))
            self.name = f"{self.type_name}-{stamp}-{secrets.token_hex(3)}"
        elif self._name_taken(store):
            raise InvalidArgumentError(
                f"a run named {self.name!r} of {self.type_name!r} exists already; "
                "pick another run_name"
            )
        # 3. Types (reads; one write only for types that are missing), then reuse lookups.
        requests = [
            TypeRequest("execution", self.type_name, self._base, self._strict_kind),
            TypeRequest("artifact", cv.METRICS_TYPE, artifact_base(cv.METRICS_TYPE)),
            *(
                TypeRequest("artifact", p.content.type_name, artifact_base(p.content.type_name))
                for p in inputs
            ),
            *(
                TypeRequest("artifact", s.type_name, artifact_base(s.type_name))
                for s in self._output_specs
            ),
        ]
        if configs:
            requests.append(TypeRequest("artifact", cv.CONFIG_TYPE))
        if env is not None:
            requests.append(TypeRequest("artifact", cv.ENVIRONMENT_TYPE))
        contexts = self._contexts(pipeline_run)
        requests += [TypeRequest("context", t) for t, _ in contexts if t]
        type_ids = ensure_types(store, requests)
        pending_all = inputs + [
            Pending(DataSpec("", (cv.EVENT_KEY_CONFIG, i), cv.CONFIG_TYPE), c, Event.INPUT)
            for i, c in enumerate(configs)
        ]
        context_messages = [
            Context(id=ref)
            if type_name is None
            else Context(type_id=type_ids[("context", type_name)], name=ref)
            for type_name, ref in contexts
        ]
        self._state = Execution.RUNNING
        execution = self._execution_message(type_ids[("execution", self.type_name)])
        # 4. The first write: the RUNNING execution, its inputs, contexts, and the reads that
        # find reusable artifacts, in one transaction (retried from the reads if another
        # process stored the same content just now).
        env_index = 0

        def first_write() -> tuple[int, list[int], list[int], list[Resolution], list[Any]]:
            nonlocal env_index
            pairs: list[tuple[Any, Any]] = []
            placed: list[tuple[Pending | None, Resolution | None]] = []
            resolutions = records.resolve(store, [p.content for p in pending_all])
            link(pending_all, resolutions, type_ids, pairs, placed, when=self._start_ms)
            env_index = len(pairs)
            if env is not None:
                pairs.append(environment_pair(store, env, type_ids, self._start_ms))
                placed.append((None, None))
            execution_id, artifact_ids, context_ids = store.put_execution(
                execution,
                pairs,
                context_messages,
                reuse_context_if_already_exist=True,
                reuse_artifact_if_already_exist_by_external_id=True,
                force_reuse_context=True,
            )
            return execution_id, artifact_ids, context_ids, resolutions, placed

        try:
            execution_id, artifact_ids, context_ids, resolutions, placed = in_transaction(
                store, first_write
            )
        except BaseException:
            self._state = None
            raise
        self.id = int(execution_id)
        execution.id = self.id
        self.execution = execution
        self._context_ids = [int(c) for c in context_ids]
        if env is not None:
            cache_for(store).environments[env.digest] = int(artifact_ids[env_index])
        self.inputs = tuple(artifact_records(pending_all, resolutions, artifact_ids, placed))
        self._token = _current.set(self)

    def finish(self, exc: BaseException | None = None) -> None:
        """Record outputs, metrics and the end state in one write (``exc``: what the body raised).

        Raises:
            InvalidArgumentError: An output declared with ``outputs=`` is missing (the run is
                recorded FAILED first). Store errors are raised only when the body succeeded.
        """
        if self._state != Execution.RUNNING or self.id is None:
            raise FailedPreconditionError(f"run {self.name!r} is not running")
        if self._token is not None:
            try:
                _current.reset(self._token)
            except ValueError:  # finished in another context than it started in
                _current.set(self._parent)
            self._token = None
        end_ms = now_ms()
        state = end_state(exc)
        error: BaseException | None = exc if state != Execution.COMPLETE else None
        raise_after: BaseException | None = None
        outputs = list(self._late_outputs)
        if state == Execution.COMPLETE:
            try:
                outputs = [self._pending(s, Event.OUTPUT) for s in self._output_specs] + outputs
            except InvalidArgumentError as missing:
                state, error, raise_after = Execution.FAILED, missing, missing
        try:
            self._write_end(state, error, end_ms, outputs)
        except BaseException as write_error:
            if exc is not None:  # never hide the body's own exception
                _log.error("could not record the end of run %s: %s", self.name, write_error)
                return
            raise
        if raise_after is not None:
            raise raise_after

    # ------------------------------------------------------------------ internals
    def _require_not_ended(self, what: str) -> None:
        if self._state not in _NOT_ENDED:
            raise FailedPreconditionError(f"{what}: run {self.name!r} has ended ({self.state})")

    def _require_running(self, what: str) -> None:
        if self._state != Execution.RUNNING:
            raise FailedPreconditionError(f"{what} needs a running run ({self!r})")

    def _merge_sources(self, extra: Any) -> list[Any]:
        base = self._params_source
        sources = (
            list(base) if isinstance(base, (list, tuple)) else ([] if base is None else [base])
        )
        for late in self._late_params:
            sources += list(late) if isinstance(late, (list, tuple)) else [late]
        return sources + (list(extra) if isinstance(extra, (list, tuple)) else [extra])

    def _name_taken(self, store: Any) -> bool:
        try:
            return store.get_execution_by_type_and_name(self.type_name, self.name) is not None
        except LineageError:
            return False

    def _pending(self, spec: DataSpec, kind: int) -> Pending:
        what = "input" if kind == Event.INPUT else "output"
        if spec.steps and not isinstance(spec.value, (str, os.PathLike)):
            what += f" {path_text(spec.steps)!r}"
        fp = identify(spec.value, hash_content=self.capture.fingerprints, what=what)
        content = Content(
            fingerprint=fp,
            type_name=spec.type_name,
            tags=spec.tags,
            notes=(
                ({"text": spec.note, "time": now_ms(), "user": self._user_name or ""},)
                if spec.note
                else ()
            ),
        )
        return Pending(spec=spec, content=content, kind=kind)

    def _add(
        self,
        path: PathLike | Any,
        name: str | None,
        type_name: str,
        tags: Any,
        note: str | None,
        kind: int,
    ) -> Fingerprint:
        self._require_running("input()" if kind == Event.INPUT else "output()")
        type_name = check_text(type_name, "type")
        if note is not None and not isinstance(note, str):
            raise InvalidArgumentError(f"note must be a string, got {type(note).__name__}")
        key = None if name is None else check_text(name, "name")
        # Hash outside the lock (it may take a while); number the event path under it.
        pending = self._pending(DataSpec(path, (), type_name, check_tags(tags), note), kind)
        with self._lock:
            bucket = self._late_inputs if kind == Event.INPUT else self._late_outputs
            declared = self._input_specs if kind == Event.INPUT else self._output_specs
            if key is None:
                default = cv.EVENT_KEY_INPUTS if kind == Event.INPUT else cv.EVENT_KEY_OUTPUTS
                used = sum(
                    1 for s in [*declared, *(p.spec for p in bucket)] if s.steps[0] == default
                )
                steps: tuple[str | int, ...] = (default, used)
            else:
                steps = (key,)
            pending.spec = dataclasses.replace(pending.spec, steps=steps)
            bucket.append(pending)
        return pending.content.fingerprint

    def _contexts(self, pipeline_run: Any) -> list[tuple[str | None, Any]]:
        """(type name, name) for contexts to create or reuse; (None, id) for known ones."""
        out: list[tuple[str | None, Any]] = []
        if self._parent is not None:
            out += [(None, cid) for cid in self._parent._context_ids]
        if pipeline_run is not None:
            out += [(None, cid) for cid in pipeline_run.context_ids]
        if self.experiment is not None:
            out.append((cv.EXPERIMENT_TYPE, self.experiment))
        if self.pipeline is not None:
            out.append((cv.PIPELINE_TYPE, self.pipeline))
        seen: set[Any] = set()
        unique = []
        for item in out:
            if item not in seen:
                seen.add(item)
                unique.append(item)
        return unique

    def _execution_message(self, type_id: int) -> Any:
        execution = Execution(type_id=type_id, name=self.name or "", last_known_state=self._state)  # type: ignore[arg-type]
        props = execution.custom_properties
        set_value(props[cv.RUN_START_TIME], self._start_ms)
        if self._user_name:
            props[cv.RUN_USER].string_value = self._user_name
        if self._host:
            props[cv.RUN_HOST].string_value = self._host
        if self._parent is not None and self._parent.id is not None:
            set_value(props[cv.RUN_PARENT], self._parent.id)
        for key, value in self.params.flat.items():
            set_value(props[cv.PARAM_PREFIX + key], value)
        if self.params.tree:
            set_value(props[cv.PARAMS], self.params.tree)
        code = self.code
        git = code.git
        fields: list[tuple[str, Any]] = [
            (cv.CODE_ENTRY_POINT, code.entry_point),
            (cv.CODE_ENTRY_POINT_SHA256, code.entry_point_sha256),
            (cv.CODE_COMMAND, code.command),
            (cv.CODE_FUNCTION, code.function),
            (cv.CODE_NOTEBOOK_SCRIPT_SKIPPED, code.notebook_script_skipped),
        ]
        if git is not None:
            fields += [
                (cv.CODE_REPOSITORY, git.repository),
                (cv.CODE_REVISION, git.commit),
                (cv.CODE_BRANCH, git.branch),
                (cv.CODE_DIRTY, git.dirty),
                (cv.CODE_DIFF_SHA256, git.diff_sha256),
            ]
        for key, value in fields:
            if value is not None:
                set_value(props[key], value)
        if code.notebook_script is not None:  # in proto_value: may be long (D32)
            records.set_struct_blob(props[cv.CODE_NOTEBOOK_SCRIPT], code.notebook_script.to_dict())
        records.set_tags(execution, self._tags)
        notes = list(self._early_notes)
        if self._initial_note:
            notes.insert(
                0,
                {"text": self._initial_note, "time": self._start_ms, "user": self._user_name or ""},
            )
        if notes:
            records.add_note(execution, notes)
        return execution

    def _write_end(
        self,
        state: int,
        error: BaseException | None,
        end_ms: int,
        outputs: list[Pending],
    ) -> None:
        store = self.store
        execution = type(self.execution)()
        execution.CopyFrom(self.execution)
        execution.last_known_state = state
        props = execution.custom_properties
        set_value(props[cv.RUN_END_TIME], end_ms)
        if self._late_params and self.capture.params:
            self.params = collect_params(self._merge_sources([]), redact=self.redaction)
            for key in [k for k in props if k.startswith(cv.PARAM_PREFIX)]:
                del props[key]
            for key, value in self.params.flat.items():
                set_value(props[cv.PARAM_PREFIX + key], value)
            set_value(props[cv.PARAMS], self.params.tree)
        if error is not None:
            props[cv.RUN_ERROR_TYPE].string_value = type(error).__qualname__
            message = self.redaction.text(str(error), self.params.secret_values)
            if len(message) > MAX_ERROR_MESSAGE:
                message = message[: MAX_ERROR_MESSAGE - 1] + "…"
            props[cv.RUN_ERROR_MESSAGE].string_value = message
        final = self._metrics.final() if self.capture.metrics else {}
        for metric, value in final.items():
            props[cv.METRIC_PREFIX + metric].double_value = value
        pending = list(self._late_inputs) + outputs
        requests = [
            TypeRequest("artifact", p.content.type_name, artifact_base(p.content.type_name))
            for p in pending
        ]
        if final:
            requests.append(
                TypeRequest("artifact", cv.METRICS_TYPE, artifact_base(cv.METRICS_TYPE))
            )
        type_ids = ensure_types(store, requests)
        metrics_pair: tuple[Any, Any] | None = None
        if final:
            metrics_pair = (
                records.metrics_artifact(
                    f"{self.name}-metrics",
                    final,
                    self._metrics.series(),
                    type_ids[("artifact", cv.METRICS_TYPE)],
                ),
                records.event(Event.OUTPUT, (cv.EVENT_KEY_METRICS,), end_ms),
            )
        ended = execution

        def last_write() -> tuple[Any, list[Resolution], list[Any], list[int]]:
            # Keep tags and notes others added while the run lasted (lineage tag / note): read
            # in the transaction that writes the end, so none added meanwhile is lost.
            message = type(ended)()
            message.CopyFrom(ended)
            records.keep_marks(message, store.get_executions_by_id([self.id]), self._new_notes)
            records.set_tags(message, self._new_tags)
            resolutions = records.resolve(store, [p.content for p in pending])
            pairs: list[tuple[Any, Any]] = []
            placed: list[tuple[Pending | None, Resolution | None]] = []
            link(pending, resolutions, type_ids, pairs, placed, when=end_ms)
            if metrics_pair is not None:
                pairs.append(metrics_pair)
            _, artifact_ids, _ = store.put_execution(
                message,
                pairs,
                [Context(id=c) for c in self._context_ids],
                reuse_artifact_if_already_exist_by_external_id=True,
                force_reuse_context=True,
            )
            return message, resolutions, placed, artifact_ids

        execution, resolutions, placed, artifact_ids = in_transaction(store, last_write)
        self._state = state
        self.execution = execution
        records_out = list(artifact_records(pending, resolutions, artifact_ids, placed))
        self.inputs = self.inputs + tuple(r for r in records_out if r.direction == "input")
        self.outputs = tuple(r for r in records_out if r.direction == "output")


def run(
    name: str,
    *,
    params: Any = None,
    inputs: Any = None,
    outputs: Any = None,
    experiment: str | None = None,
    pipeline: str | None = None,
    kind: str | None = None,
    store: StoreLike = None,
    run_name: str | None = None,
    tags: Any = (),
    note: str | None = None,
    capture: Any = None,
    entry_point: PathLike | None = None,
    redact: Any = None,
) -> Run:
    """A run to record: use it as ``with lineage.run(...) as run:`` or as a decorator.

    Args:
        name: The step's name; it names the execution type (``train``, ``evaluate``, ...).
        params: A dict, an argparse Namespace, a dataclass, a config file path (YAML, TOML,
            JSON) or a list of these, merged in order.
        inputs: Paths (files or directories) or URIs: one, a list, or a mapping name → path(s).
        outputs: Paths the body will write, fingerprinted when it ends (same forms as inputs).
        experiment: The experiment to group the run in (an ``Experiment`` context).
        pipeline: The pipeline the step belongs to (a ``Pipeline`` context); inside
            ``with lineage.track.pipeline(...)`` the pipeline run is used automatically.
        kind: ``train``, ``transform``, ``process``, ``evaluate`` or ``deploy``: the MLMD base
            type of the execution type (default: guessed from ``name``, else ``process``).
        store: A ``MetadataStore``, a URL or a path; default ``$LINEAGE_DB``, else
            ``./lineage.db`` (or the enclosing run's or pipeline's store).
        run_name: The execution's name (default ``<name>-<UTC time>-<random>``).
        tags: Tags for the run.
        note: A free-text note on the run.
        capture: Which automatic captures to make (a :class:`Capture`, a mapping such as
            ``{"environment": False}``, or False for none); see :class:`Capture`.
        entry_point: The script or notebook to record instead of the detected one.
        redact: More secret names (a list, added to the defaults), a
            :class:`~lineage.track.Redaction` (its names replace them), or False (record
            everything as given); see :mod:`lineage.track.redaction`.

    Returns:
        The :class:`Run` (not started yet: entering the ``with`` block starts it).

    Raises:
        InvalidArgumentError: A bad name, kind, tag, capture switch or redaction name.
    """
    return Run(
        name,
        params=params,
        inputs=inputs,
        outputs=outputs,
        experiment=experiment,
        pipeline=pipeline,
        kind=kind,
        store=store,
        run_name=run_name,
        tags=tags,
        note=note,
        capture=capture,
        entry_point=entry_point,
        redact=redact,
    )
