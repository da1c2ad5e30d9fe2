"""Pipeline runs: a ``PipelineRun`` context, child of its ``Pipeline`` (and ``Experiment``).

``with lineage.track.pipeline("churn", experiment="q4") as p:`` creates (or reuses by name) the
``Pipeline`` and ``Experiment`` contexts, creates a new ``PipelineRun`` context whose parents
they are, and associates every run started inside the block with all three. When the block
ends, the pipeline run's end time and state (COMPLETE, FAILED, CANCELED) are recorded.

Example:
    >>> import lineage
    >>> store = lineage.MetadataStore("sqlite://")
    >>> with pipeline("churn", store=store, run_name="churn-1") as p:
    ...     with lineage.run("prepare", capture=False):
    ...         pass
    >>> [c.name for c in store.get_parent_contexts_by_context(p.id)]
    ['churn']
"""

from __future__ import annotations

import contextvars
import secrets
import socket
import time
from types import TracebackType
from typing import Any

from lineage import conventions as cv
from lineage.errors import AlreadyExistsError, FailedPreconditionError, InvalidArgumentError
from lineage.proto import Context, Execution, ParentContext
from lineage.track.common import check_tags, check_text, end_state, user_name
from lineage.track.lifecycle import current_run
from lineage.track.records import now_ms, set_tags, set_value
from lineage.track.stores import StoreLike, TypeRequest, ensure_types, open_store

__all__ = ["PipelineRun", "current_pipeline", "pipeline"]

_current: contextvars.ContextVar[PipelineRun | None] = contextvars.ContextVar(
    "lineage_current_pipeline", default=None
)


def current_pipeline() -> PipelineRun | None:
    """The pipeline run whose block is executing in this thread or task, or None."""
    return _current.get()


class PipelineRun:
    """A run of a pipeline: a ``PipelineRun`` context grouping the runs of its steps.

    Attributes:
        pipeline: The pipeline's name.
        name: The pipeline run's name.
        experiment: The experiment, if any.
        id: The ``PipelineRun`` context id (once started).
        context_ids: The ids of every context a step run is associated with.
        store: The store.
        state: None, 'RUNNING', then 'COMPLETE', 'FAILED' or 'CANCELED'.
    """

    def __init__(
        self,
        name: str,
        *,
        run_name: str | None = None,
        experiment: str | None = None,
        store: StoreLike = None,
        tags: Any = (),
    ) -> None:
        self.pipeline = check_text(name, "pipeline name")
        self.name = None if run_name is None else check_text(run_name, "run_name")
        self.experiment = None if experiment is None else check_text(experiment, "experiment")
        self._store_arg = store
        self._tags = check_tags(tags)
        self.id: int | None = None
        self.context_ids: tuple[int, ...] = ()
        self.store: Any = None
        self.state: str | None = None
        self._token: contextvars.Token[PipelineRun | None] | None = None

    def __repr__(self) -> str:
        return f"<PipelineRun {self.pipeline!r} name={self.name!r} state={self.state}>"

    def __enter__(self) -> PipelineRun:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(exc)

    @staticmethod
    def _get_or_create(store: Any, types: dict[Any, int], type_name: str, name: str) -> int:
        found = store.get_context_by_type_and_name(type_name, name)
        if found is not None:
            return int(found.id)
        type_id = types[("context", type_name)]
        try:
            return int(store.put_contexts([Context(type_id=type_id, name=name)])[0])
        except AlreadyExistsError:  # created by another process just now
            again = store.get_context_by_type_and_name(type_name, name)
            if again is None:
                raise
            return int(again.id)

    def start(self) -> None:
        """Create the contexts and make this the current pipeline run.

        Raises:
            InvalidArgumentError: A pipeline run of that name exists already.
        """
        if self.state is not None:
            raise FailedPreconditionError(f"pipeline run {self.name!r} has already started")
        parent_run = current_run()
        store_arg = self._store_arg
        if store_arg is None and parent_run is not None:
            store_arg = parent_run.store
        store = open_store(store_arg)
        started = now_ms()
        if self.name is None:
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started / 1000))
            self.name = f"{self.pipeline}-{stamp}-{secrets.token_hex(3)}"
        elif store.get_context_by_type_and_name(cv.PIPELINE_RUN_TYPE, self.name) is not None:
            raise InvalidArgumentError(
                f"a pipeline run named {self.name!r} exists already; pick another run_name"
            )
        requests = [TypeRequest("context", cv.PIPELINE_TYPE)]
        requests.append(TypeRequest("context", cv.PIPELINE_RUN_TYPE))
        if self.experiment is not None:
            requests.append(TypeRequest("context", cv.EXPERIMENT_TYPE))
        types: dict[Any, int] = dict(ensure_types(store, requests))
        parents = [self._get_or_create(store, types, cv.PIPELINE_TYPE, self.pipeline)]
        if self.experiment is not None:
            parents.append(self._get_or_create(store, types, cv.EXPERIMENT_TYPE, self.experiment))
        context = Context(type_id=types[("context", cv.PIPELINE_RUN_TYPE)], name=self.name)
        props = context.custom_properties
        set_value(props[cv.RUN_START_TIME], started)
        user = user_name()
        if user:
            props[cv.RUN_USER].string_value = user
        props[cv.RUN_HOST].string_value = socket.gethostname()
        props[cv.RUN_STATE].string_value = "RUNNING"
        set_tags(context, self._tags)
        [run_id] = store.put_contexts([context])
        store.put_parent_contexts(
            [ParentContext(child_id=run_id, parent_id=parent) for parent in parents]
        )
        self.id = int(run_id)
        self.context_ids = (self.id, *parents)
        self.store = store
        self.state = "RUNNING"
        self._token = _current.set(self)

    def finish(self, exc: BaseException | None = None) -> None:
        """Record the end time and state; stop being the current pipeline run."""
        if self.state != "RUNNING" or self.id is None:
            raise FailedPreconditionError(f"pipeline run {self.name!r} is not running")
        if self._token is not None:
            try:
                _current.reset(self._token)
            except ValueError:  # finished in another context than it started in
                _current.set(None)
            self._token = None
        state = str(Execution.State.Name(end_state(exc)))  # type: ignore[arg-type]
        update = Context(id=self.id, name=self.name or "")
        set_value(update.custom_properties[cv.RUN_END_TIME], now_ms())
        update.custom_properties[cv.RUN_STATE].string_value = state
        self.store.put_contexts(
            [update],
            field_mask_paths=[
                f"custom_properties.{cv.RUN_END_TIME}",
                f"custom_properties.{cv.RUN_STATE}",
            ],
        )
        self.state = state


def pipeline(
    name: str,
    *,
    run_name: str | None = None,
    experiment: str | None = None,
    store: StoreLike = None,
    tags: Any = (),
) -> PipelineRun:
    """A pipeline run to record: ``with lineage.track.pipeline("churn") as p:``.

    Args:
        name: The pipeline's name (its ``Pipeline`` context is reused across runs).
        run_name: The pipeline run's name (default ``<name>-<UTC time>-<random>``).
        experiment: An experiment to group the pipeline run in.
        store: Where to record (default ``$LINEAGE_DB``, else ``./lineage.db``).
        tags: Tags for the pipeline run context.

    Returns:
        The :class:`PipelineRun` (started when its ``with`` block is entered).
    """
    return PipelineRun(name, run_name=run_name, experiment=experiment, store=store, tags=tags)
