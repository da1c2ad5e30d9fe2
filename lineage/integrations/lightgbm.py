"""LightGBM: a training callback that records a run, ``lineage.lightgbm.callback()``.

Pass it to ``lightgbm.train(params, train_set, valid_sets=[valid], valid_names=["valid"],
callbacks=[lineage.lightgbm.callback()])`` or to the scikit-learn API,
``LGBMClassifier().fit(X, y, eval_set=[...], callbacks=[lineage.lightgbm.callback()])``. It
records:

* parameters: ``params`` as LightGBM hands them to callbacks (what you passed, with the
  scikit-learn API's defaults), with ``params=`` given to :func:`callback` on top;
* metrics: each evaluation result as a series ``<data name>-<metric>`` (``valid-binary_logloss``;
  ``valid_0-...`` when ``valid_names`` is not given), step = boosting round (from 0); with
  early stopping also ``best_iteration`` (the number of rounds kept, as
  ``Booster.best_iteration``);
* outputs: the trained booster saved with ``Booster.save_model`` to
  ``<artifacts>/<run name>/model.txt``, a ``Model`` artifact at event path ``model``;
  ``<artifacts>`` is ``artifacts_dir=``, else ``$LINEAGE_ARTIFACTS``, else
  ``./lineage-artifacts``.

Inside ``with lineage.run(...)`` it records into that run. Otherwise it starts its own run at
the first boosting round (type ``lightgbm``, kind ``train``).

How the end of training is found: LightGBM calls callbacks after each round and has no hook for
the end. The run ends (model saved, COMPLETE) after the last round
(``env.iteration == env.end_iteration - 1``). Early stopping ends training by raising
``lightgbm.EarlyStopException`` from its own callback; this module makes
``EarlyStopException`` tell the lineage callbacks training in that thread (a small hook on its
``__init__``, installed once), so the run also ends there, with ``best_iteration``. The
callback's ``order`` is 25: after LightGBM's ``log_evaluation`` (10) and
``record_evaluation`` (20), before ``early_stopping`` (30), so the round that stops is
recorded. When training raises, use the callback as a context manager
(``with lineage.lightgbm.callback() as cb: lgb.train(..., callbacks=[cb])``) to record the
error; without one the run is ended FAILED (``TrainingInterrupted``) when the callback trains
again, is garbage-collected, or the interpreter exits.
"""

from __future__ import annotations

import os
import threading
import warnings
import weakref
from types import TracebackType
from typing import Any, Final

from lineage.errors import InvalidArgumentError
from lineage.integrations._base import Recorder, artifact_path, require, unique_name

__all__ = ["LineageCallback", "callback"]

#: Where the callback runs among LightGBM's callbacks (early_stopping is 30).
ORDER: Final = 25

_local = threading.local()
_hook_lock = threading.Lock()


def callback(
    *,
    store: Any = None,
    experiment: str | None = None,
    name: str = "lightgbm",
    params: dict[str, Any] | None = None,
    artifacts_dir: str | os.PathLike[str] | None = None,
    log_model: bool = True,
    tags: Any = (),
    capture: Any = None,
) -> LineageCallback:
    """A new LightGBM callback that records the training (see the module docs).

    Args:
        store: The store of the run it starts (default ``$LINEAGE_DB``, else ``./lineage.db``).
        experiment: The experiment of the run it starts.
        name: The run (execution type) name of the run it starts.
        params: Parameters to record on top of LightGBM's.
        artifacts_dir: Where the model goes (``<dir>/<run name>/model.txt``).
        log_model: False to not save the model.
        tags: Tags of the run it starts.
        capture: ``capture=`` of the run it starts (see :func:`lineage.run`).

    Raises:
        ImportError: lightgbm is not installed.
        InvalidArgumentError: Bad ``params``.
    """
    if params is not None and not isinstance(params, dict):
        raise InvalidArgumentError(f"params must be a dict, got {type(params).__name__}")
    lgb_callback = require("lightgbm.callback", "lightgbm", package="lightgbm")
    _install_early_stop_hook(lgb_callback.EarlyStopException)
    return LineageCallback(
        {
            "store": store,
            "experiment": experiment,
            "name": name,
            "params": params,
            "artifacts_dir": None if artifacts_dir is None else os.fspath(artifacts_dir),
            "log_model": bool(log_model),
            "tags": tags,
            "capture": capture,
        }
    )


class LineageCallback:
    """Records a LightGBM training as a lineage run (make one with :func:`callback`)."""

    order = ORDER
    before_iteration = False

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = dict(settings)
        run_kwargs = {k: settings[k] for k in ("store", "experiment", "tags") if settings.get(k)}
        if settings.get("capture") is not None:
            run_kwargs["capture"] = settings["capture"]
        self.recorder = Recorder("lightgbm", settings["name"], run_kwargs)
        self._model: Any = None
        self._begin_iteration: int | None = None

    def __call__(self, env: Any) -> None:
        if self.recorder.run is None or env.iteration == env.begin_iteration:
            self._begin(env)
        run = self.recorder.run
        if run is None:
            return
        self._model = env.model
        for result in env.evaluation_result_list or ():
            data_name, metric, value = result[0], result[1], result[2]
            run.log_metric(f"{data_name}-{metric}", float(value), step=int(env.iteration))
        if env.iteration >= env.end_iteration - 1:
            self._end(None)

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> LineageCallback:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.recorder.run is not None:
            self._end(exc)

    def __reduce__(self) -> Any:
        return (LineageCallback, (self.settings,))

    def __repr__(self) -> str:
        return f"lineage.lightgbm.callback(name={self.settings['name']!r})"

    # ------------------------------------------------------------------ internals
    def _begin(self, env: Any) -> None:
        params = {str(k): v for k, v in dict(env.params or {}).items() if not callable(v)}
        params.update(self.settings.get("params") or {})
        self.recorder.begin(params)
        self._begin_iteration = int(env.begin_iteration)
        _active().add(self)

    def _end(self, exc: BaseException | None, best_iteration: int | None = None) -> None:
        _active().discard(self)
        run, model, self._model = self.recorder.run, self._model, None
        if run is None:
            return
        if exc is not None:
            self.recorder.end(exc)
            return
        try:
            if best_iteration is not None:
                run.log_metric("best_iteration", best_iteration)
            if self.settings["log_model"] and hasattr(model, "save_model"):
                path = artifact_path(run, self.settings["artifacts_dir"], "model", ".txt")
                model.save_model(os.fspath(path))
                run.output(path, name=unique_name(run, "model"), type="Model")
        except BaseException as error:
            self.recorder.end(error)
            raise
        self.recorder.end(None)

    def _early_stop(self, best_iteration: int) -> None:
        # Called while EarlyStopException is being raised: never raise from here.
        try:
            self._end(None, best_iteration=int(best_iteration) + 1)
        except Exception as exc:
            warnings.warn(
                f"lineage could not record the end of the LightGBM training: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )


def _active() -> weakref.WeakSet[LineageCallback]:
    """The callbacks training in this thread (weakly: a dropped callback ends its run)."""
    active: weakref.WeakSet[LineageCallback] | None = getattr(_local, "active", None)
    if active is None:
        active = _local.active = weakref.WeakSet()
    return active


def _install_early_stop_hook(exception_class: type) -> None:
    """Make ``EarlyStopException(...)`` end the lineage callbacks training in this thread."""
    with _hook_lock:
        original: Any = exception_class.__dict__.get("__init__", Exception.__init__)
        if getattr(original, "__lineage_patch__", False):
            return

        def __init__(self: Any, best_iteration: int, *args: Any, **kwargs: Any) -> None:
            original(self, best_iteration, *args, **kwargs)
            for cb in list(_active()):
                cb._early_stop(best_iteration)

        __init__.__lineage_patch__ = True  # type: ignore[attr-defined]
        __init__.__wrapped__ = original  # type: ignore[attr-defined]
        exception_class.__init__ = __init__  # type: ignore[misc]
