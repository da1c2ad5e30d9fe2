"""scikit-learn: record every outer ``fit`` as a run, with ``lineage.sklearn.autolog()``.

``autolog()`` patches ``fit``, ``fit_transform`` and ``fit_predict`` of every scikit-learn
estimator class loaded (all of :func:`sklearn.utils.all_estimators`, ``Pipeline``, and any other
``BaseEstimator`` subclass already imported: your own classes, xgboost's and lightgbm's
scikit-learn wrappers), and the public metric functions of :mod:`sklearn.metrics`. A class
defined after ``autolog()`` is recorded when it inherits a patched method or calls
``super().fit(...)``.

Only *outer* fits are recorded. A fit running inside another fit is part of it: a Pipeline's
steps, a GridSearchCV's candidates (also in joblib worker threads: while an outer fit runs,
fits in other threads of the process count as nested), the estimators a metric function fits.
Worker processes (``n_jobs`` with joblib's default backend) are not patched. ``cross_validate``
and ``cross_val_score`` fit each fold as an outer fit. An outer fit records:

* parameters: ``estimator.get_params(deep=True)``; numbers, strings, booleans and None as
  they are, anything else (estimators, lists, functions) as text;
* inputs: the training data, ``X`` and ``y`` (event paths ``X`` and ``y``), fingerprinted by
  content, unless the fit runs in a run of yours that declared its data (``inputs=`` a file,
  a DVC-tracked path, a dataset): that data is the training data then;
* outputs: the fitted estimator pickled to ``<artifacts>/<run name>/model.pkl``, a ``Model``
  artifact at event path ``model``; ``<artifacts>`` is ``artifacts_dir=``, else
  ``$LINEAGE_ARTIFACTS``, else ``./lineage-artifacts``;
* metric ``training_score``: ``estimator.score(X, y)`` when ``y`` is given and the estimator
  has a ``score`` method.

With a ``with lineage.run(...)`` active, fits record into that run. Otherwise each outer fit is
its own run whose type is the estimator's class name (``LogisticRegression``, kind ``train``),
COMPLETE, or FAILED with the error (which still propagates). A run holding several fits names
the later ones' events and metrics with a suffix: ``X-2``, ``model-2``, ``training_score-2``.

Metric functions (``accuracy_score``, ``f1_score``, ``mean_squared_error``, ...) called while a
run is active, outside any fit, log their result as a metric named after the function; the
second call in the same run logs ``<name>-2``, and so on. Results that are not a single number
(``average=None``, ``multioutput="raw_values"``) are not logged. Only calls through the
:mod:`sklearn.metrics` module are seen: ``from sklearn.metrics import accuracy_score`` made
before ``autolog()`` keeps the unpatched function, so call ``autolog()`` first.

``autolog(disable=True)`` puts every patched function back.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import logging
import numbers
import os
import pickle
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from lineage.errors import InvalidArgumentError, LineageError
from lineage.integrations._base import (
    Recorder,
    RunScope,
    TrainingInterrupted,
    artifact_path,
    param_value,
    require,
    unique_name,
)
from lineage.integrations._base import warn_once as _warn_once
from lineage.track import Run, current_run

__all__ = [
    "Recorder",
    "TrainingInterrupted",
    "artifact_path",
    "autolog",
    "is_enabled",
    "param_value",
    "unique_name",
]

_log = logging.getLogger("lineage.integrations.sklearn")

#: The estimator methods patched (each counts as a fit).
FIT_METHODS: Final = ("fit", "fit_transform", "fit_predict")
#: Metric function names ending like this are patched (plus :data:`METRIC_NAMES`).
METRIC_SUFFIXES: Final = ("_score", "_error", "_loss", "_deviance")
#: Further metric functions that return one number.
METRIC_NAMES: Final = ("matthews_corrcoef", "cohen_kappa_score", "d2_tweedie_score")

# True while a patched fit (or the recording around it) runs in this thread or task.
_in_fit: contextvars.ContextVar[bool] = contextvars.ContextVar("lineage_sklearn_fit", default=False)
# True while a patched metric function runs (metrics calling metrics log once).
_in_metric: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "lineage_sklearn_metric", default=False
)


@dataclass
class _Config:
    run_kwargs: dict[str, Any]
    artifacts_dir: str | None
    log_models: bool
    log_datasets: bool | str
    log_metrics: bool
    # (owner, attribute, original): owner is a class or an available_if descriptor.
    patches: list[tuple[Any, str, Any]] = field(default_factory=list)


_config: _Config | None = None
_lock = threading.Lock()
# Outer fits in progress in any thread: fits in other threads meanwhile are part of them
# (GridSearchCV's candidates under joblib's threading backend run in worker threads).
_outer_fits = 0
#: Input types that are not training data.
_NOT_DATA: Final = frozenset({"Config", "Environment"})


def is_enabled() -> bool:
    """True while ``autolog()`` is in effect."""
    return _config is not None


def autolog(
    *,
    store: Any = None,
    experiment: str | None = None,
    disable: bool = False,
    artifacts_dir: str | os.PathLike[str] | None = None,
    log_models: bool = True,
    log_datasets: bool | str = "auto",
    log_metrics: bool = True,
    tags: Any = (),
    capture: Any = None,
) -> None:
    """Record scikit-learn fits and metric calls as lineage runs (see the module docs).

    Calling it again replaces the settings; ``disable=True`` undoes every patch.

    Args:
        store: The store of the runs autolog starts (default: ``$LINEAGE_DB``, else
            ``./lineage.db``); fits inside an active run use that run's store.
        experiment: The experiment of the runs autolog starts.
        disable: True to stop recording and restore scikit-learn's functions.
        artifacts_dir: Where pickled models go (``<dir>/<run name>/model.pkl``); default
            ``$LINEAGE_ARTIFACTS``, else ``./lineage-artifacts``.
        log_models: False to not pickle fitted models.
        log_datasets: Whether to record the training data (``X``, ``y``) as inputs:
            ``"auto"`` (the default) does, unless the fit runs inside a run of yours that
            declared data inputs of its own (a file, a DVC-tracked path, a dataset: that is the
            training data, and ``X`` and ``y`` are read from it); True always, False never.
        log_metrics: False to leave :mod:`sklearn.metrics` alone and not log
            ``training_score``.
        tags: Tags of the runs autolog starts.
        capture: ``capture=`` of the runs autolog starts (see :func:`lineage.run`).

    Raises:
        ImportError: scikit-learn is not installed.
        InvalidArgumentError: A bad ``experiment`` or ``artifacts_dir``.
    """
    global _config
    with _lock:
        if disable:
            _unpatch()
            return
        if experiment is not None and (not isinstance(experiment, str) or not experiment):
            raise InvalidArgumentError(f"experiment must be a non-empty string, got {experiment!r}")
        if artifacts_dir is not None and not isinstance(artifacts_dir, (str, os.PathLike)):
            raise InvalidArgumentError(
                f"artifacts_dir must be a path, got {type(artifacts_dir).__name__}"
            )
        require("sklearn", "sklearn", package="scikit-learn")
        _unpatch()
        run_kwargs: dict[str, Any] = {"store": store, "experiment": experiment, "tags": tags}
        if capture is not None:
            run_kwargs["capture"] = capture
        config = _Config(
            run_kwargs=run_kwargs,
            artifacts_dir=None if artifacts_dir is None else os.fspath(artifacts_dir),
            log_models=bool(log_models),
            log_datasets=log_datasets if log_datasets == "auto" else bool(log_datasets),
            log_metrics=bool(log_metrics),
        )
        _patch_estimators(config)
        if config.log_metrics:
            _patch_metrics(config)
        _config = config


# ---------------------------------------------------------------------------------- patching
def _estimator_classes() -> list[type]:
    from sklearn.base import BaseEstimator
    from sklearn.pipeline import Pipeline
    from sklearn.utils import all_estimators

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = {cls for _, cls in all_estimators()}
    found.add(Pipeline)
    stack: list[type] = [BaseEstimator]
    while stack:  # every subclass loaded, including user and third-party estimators
        sub: type
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def _patch_estimators(config: _Config) -> None:
    for cls in _estimator_classes():
        for name in FIT_METHODS:
            member: Any = cls.__dict__.get(name)
            if member is None:
                continue
            if inspect.isfunction(member):
                if not getattr(member, "__lineage_patch__", False):
                    config.patches.append((cls, name, member))
                    setattr(cls, name, _wrap_fit(member))
            elif inspect.isfunction(getattr(member, "fn", None)) and hasattr(member, "check"):
                # sklearn's available_if descriptor: patch the function it hands out.
                config.patches.append((member, "fn", member.fn))
                member.fn = _wrap_fit(member.fn)


def _patch_metrics(config: _Config) -> None:
    import sklearn.metrics as metrics

    for name in sorted(getattr(metrics, "__all__", dir(metrics))):
        fn = getattr(metrics, name, None)
        if not inspect.isfunction(fn) or getattr(fn, "__lineage_patch__", False):
            continue
        if name.endswith(METRIC_SUFFIXES) or name in METRIC_NAMES:
            config.patches.append((metrics, name, fn))
            setattr(metrics, name, _wrap_metric(name, fn))


def _unpatch() -> None:
    global _config
    config, _config = _config, None
    if config is None:
        return
    for owner, name, original in reversed(config.patches):
        setattr(owner, name, original)
    config.patches.clear()


# ---------------------------------------------------------------------------------- fits
def _nested() -> bool:
    """True inside a fit or a metric, in this thread or while another thread runs a fit."""
    return _in_fit.get() or _in_metric.get() or _outer_fits > 0


def _wrap_fit(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        config = _config
        if config is None or _nested():
            return original(self, *args, **kwargs)
        global _outer_fits
        token = _in_fit.set(True)
        with _lock:
            _outer_fits += 1
        try:
            return _record_fit(config, original, self, args, kwargs)
        finally:
            with _lock:
                _outer_fits -= 1
            _in_fit.reset(token)

    patched.__lineage_patch__ = True  # type: ignore[attr-defined]
    return patched


def _record_fit(
    config: _Config,
    original: Callable[..., Any],
    estimator: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    X, y = _training_data(original, estimator, args, kwargs)
    scope = RunScope(type(estimator).__name__, kind="train", **config.run_kwargs)
    run = scope.begin()
    try:
        _log_params(run, estimator)
        if config.log_datasets is True or (
            config.log_datasets == "auto" and (scope.owned or not _declares_data(run))
        ):
            _log_input(run, X, "X")
            if y is not None:
                _log_input(run, y, "y")
        result = original(estimator, *args, **kwargs)
    except BaseException as exc:
        scope.end(exc)
        raise
    try:
        if config.log_metrics and y is not None:
            _log_score(run, estimator, X, y)
        if config.log_models:
            _log_model(run, estimator, config.artifacts_dir)
    except Exception as exc:  # recording must not lose the user's fitted model
        _warn_once(f"record:{type(exc).__name__}", f"lineage could not record the fit: {exc}")
    scope.end(None)
    return result


def _training_data(
    original: Callable[..., Any], estimator: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, Any]:
    """X and y of a fit call, whatever the method names them."""
    try:
        bound = inspect.signature(original).bind(estimator, *args, **kwargs).arguments
    except (TypeError, ValueError):  # let the fit itself report bad arguments
        return (args[0] if args else None), (args[1] if len(args) > 1 else None)
    names = list(bound)[1:]
    X = bound.get("X", bound[names[0]] if names else None)
    y = next((bound[k] for k in ("y", "Y") if bound.get(k) is not None), None)
    return X, y


def _log_params(run: Run, estimator: Any) -> None:
    try:
        params = estimator.get_params(deep=True)
    except Exception as exc:  # a broken get_params of a user estimator
        _warn_once(f"params:{type(estimator).__name__}", f"lineage could not read params: {exc}")
        return
    try:
        run.log_params({str(k): param_value(v) for k, v in params.items()})
    except InvalidArgumentError as exc:  # e.g. a name too long for MLMD: the fit goes on
        _warn_once(f"params:{type(estimator).__name__}", f"lineage could not record params: {exc}")


def _declares_data(run: Run) -> bool:
    """True when the run recorded data inputs of its own (not configs or its environment)."""
    return any(a.direction == "input" and a.type not in _NOT_DATA for a in run.inputs)


def _log_input(run: Run, data: Any, name: str) -> None:
    if data is None:
        return
    if isinstance(data, (list, tuple)):  # plain Python data: fingerprint it as an array
        import numpy

        with contextlib.suppress(TypeError, ValueError):
            data = numpy.asarray(data)
    try:
        run.input(data, name=unique_name(run, name))
    except (InvalidArgumentError, TypeError):  # the message may quote the data: not shown
        kind = type(data).__name__
        _warn_once(
            f"input:{kind}",
            f"lineage could not record training data of type {kind}: it records NumPy "
            "arrays, pandas DataFrames and Series, and lists",
        )


def _log_score(run: Run, estimator: Any, X: Any, y: Any) -> None:
    score = getattr(estimator, "score", None)
    if not callable(score):
        return
    try:
        value = score(X, y)
    except Exception as exc:  # e.g. a transformer's score that wants other arguments
        _log.debug("no training score for %s: %s", type(estimator).__name__, exc)
        return
    if _is_number(value):
        run.log_metric(unique_name(run, "training_score"), float(value))


def _log_model(run: Run, estimator: Any, artifacts_dir: str | None) -> None:
    path = artifact_path(run, artifacts_dir, "model", ".pkl")
    try:
        with open(path, "wb") as out:
            pickle.dump(estimator, out, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        path.unlink(missing_ok=True)
        _warn_once(
            f"pickle:{type(estimator).__name__}",
            f"lineage could not pickle the fitted {type(estimator).__name__}: {exc}",
        )
        return
    run.output(path, name=unique_name(run, "model"), type="Model")


# ---------------------------------------------------------------------------------- metrics
def _wrap_metric(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def patched(*args: Any, **kwargs: Any) -> Any:
        if _nested():
            return original(*args, **kwargs)
        token = _in_metric.set(True)
        try:
            value = original(*args, **kwargs)
        finally:
            _in_metric.reset(token)
        active = current_run()
        running = active is not None and active.state == "RUNNING"
        if _config is not None and active is not None and running and _is_number(value):
            try:
                active.log_metric(unique_name(active, name), float(value))
            except LineageError as exc:
                _warn_once(f"metric:{name}", f"lineage could not log {name}: {exc}")
        return value

    patched.__lineage_patch__ = True  # type: ignore[attr-defined]
    return patched


# ---------------------------------------------------------------------------------- helpers
def _is_number(value: Any) -> bool:
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
        value = value.item()
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
