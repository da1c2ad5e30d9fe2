"""Keras 3: ``model.fit(..., callbacks=[lineage.keras.LineageCallback()])`` records the fit.

The callback records into the lineage run active where ``fit`` starts (``with lineage.run(...)``
around it); with none active it starts a run of its own when training begins (execution type:
the model's name, kind ``train``) and ends it when training ends. It records:

* parameters, at ``on_train_begin``: ``epochs`` and ``steps_per_epoch`` (from Keras'
  ``self.params``), ``batch_size`` (when known: Keras 3 does not pass it to callbacks, so give
  ``batch_size=`` or train through :func:`fit`), ``learning_rate``, ``optimizer.class`` and the
  optimizer's other scalar config values (``optimizer.beta_1``, ...), ``loss_function``, and the
  model: ``model.name``, ``model.class``, ``model.params``, ``model.trainable_params``,
  ``model.layer_count`` and ``model.layers.<layer name>`` (its class and parameter count);
* metrics, at each ``on_epoch_end``: every number in Keras' logs (``loss``, ``val_loss``,
  ``accuracy``, ...) as a series with step = the epoch; with ``log_batches=True`` also each
  training batch's logs as ``batch/<name>`` with step = the batch number counted over the fit;
* the trained model, at ``on_train_end``: saved with ``model.save`` to ``model_path`` (default
  ``<run name>.keras`` in the current directory) and recorded as the run's ``Model`` output
  ``model`` (``save_model=False`` skips this).

When Keras raises during ``fit``, it does not call ``on_train_end``: a run the callback started
would stay RUNNING. :func:`fit` (``lineage.keras.fit(model, x, y, epochs=3)``) wraps
``model.fit`` in a ``try`` and marks that run FAILED with the error (CANCELED on Ctrl-C) before
re-raising. Without it, the callback marks such a left-over run FAILED
(:class:`TrainingInterrupted`) the next time it starts training, and a run entered with
``with lineage.run(...)`` records the failure itself.

``keras`` is imported only when the callback class is first used, so this module imports
without it; the first use without Keras raises an ImportError naming
``pip install 'lineage[keras]'``.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from lineage.errors import InvalidArgumentError
from lineage.integrations._base import (
    RunScope,
    TrainingInterrupted,
    lazy_attributes,
    metric_number,
    require,
)
from lineage.track import Run

__all__ = ["LineageCallback", "TrainingInterrupted", "fit"]  # noqa: F822 (LineageCallback: lazy)

#: The lineage extra that installs Keras.
EXTRA: Final = "keras"
#: Layers named one by one in the parameters (a larger model lists only this many).
MAX_LAYERS: Final = 100
#: Keras' default batch size for arrays when ``fit`` is not given one.
KERAS_DEFAULT_BATCH_SIZE: Final = 32


def _scalar(value: Any) -> Any:
    return value if isinstance(value, (bool, int, float, str)) else metric_number(value)


def _as_given(number: float) -> float:
    """A float32 value as the shortest decimal that gives it (0.01, not 0.009999999776...)."""
    import numpy as np

    single = np.float32(number)
    return float(str(single)) if float(single) == number and math.isfinite(number) else number


def _optimizer_params(optimizer: Any) -> dict[str, Any]:
    if optimizer is None:
        return {}
    out: dict[str, Any] = {}
    try:
        config = dict(optimizer.get_config())
    except Exception:  # a custom optimizer without a config
        config = {}
    rate = config.pop("learning_rate", None)
    if isinstance(rate, Mapping):  # a schedule: its class, and the current rate below
        out["learning_rate_schedule"] = str(rate.get("class_name", "schedule"))
    number = metric_number(rate)
    if number is not None:
        out["learning_rate"] = _as_given(number)
    else:
        with contextlib.suppress(Exception):
            import keras

            out["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    details: dict[str, Any] = {"class": type(optimizer).__name__}
    for key, value in sorted(config.items()):
        if key != "name" and not isinstance(value, (Mapping, list, tuple)):
            scalar = _scalar(value)
            if scalar is not None:
                details[key] = scalar
    out["optimizer"] = details
    return out


def _loss_name(loss: Any) -> str | None:
    if loss is None:
        return None
    if isinstance(loss, str):
        return loss
    if isinstance(loss, Mapping):
        return ", ".join(f"{k}: {_loss_name(v)}" for k, v in loss.items())
    if isinstance(loss, (list, tuple)):
        return ", ".join(str(_loss_name(v)) for v in loss)
    return str(
        getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    )


def _count(weights: Any) -> int:
    total = 0
    for weight in weights:
        size = 1
        for dim in weight.shape:
            size *= int(dim)
        total += size
    return total


def _model_params(model: Any) -> dict[str, Any]:
    details: dict[str, Any] = {"name": str(model.name), "class": type(model).__name__}
    with contextlib.suppress(Exception):  # a model that is not built has no counts
        details["params"] = int(model.count_params())
        details["trainable_params"] = _count(model.trainable_weights)
    layers = list(getattr(model, "layers", []) or [])
    details["layer_count"] = len(layers)
    named: dict[str, str] = {}
    for layer in layers[:MAX_LAYERS]:
        try:
            count = f", {int(layer.count_params())} params"
        except Exception:
            count = ""
        named[str(layer.name)] = f"{type(layer).__name__}{count}"
    if named:
        details["layers"] = named
    return details


def fit_params(
    callback_params: Mapping[str, Any], model: Any, batch_size: int | None
) -> dict[str, Any]:
    """The parameters the callback records for a fit (see the module docs)."""
    out: dict[str, Any] = {}
    for key, name in (("epochs", "epochs"), ("steps", "steps_per_epoch")):
        value = callback_params.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            out[name] = value
    size = batch_size if batch_size is not None else callback_params.get("batch_size")
    if isinstance(size, int) and not isinstance(size, bool):
        out["batch_size"] = size
    out.update(_optimizer_params(getattr(model, "optimizer", None)))
    loss = _loss_name(getattr(model, "loss", None))
    if loss:
        out["loss_function"] = loss
    out["model"] = _model_params(model)
    return out


class _Recorder:
    """What the callback does, apart from being a Keras ``Callback`` (kept framework-free)."""

    def __init__(
        self,
        name: str | None,
        *,
        log_batches: bool,
        save_model: bool,
        model_path: str | os.PathLike[str] | None,
        batch_size: int | None,
        params: Any,
        run_kwargs: dict[str, Any],
    ) -> None:
        if model_path is not None and not os.fspath(model_path).endswith(".keras"):
            raise InvalidArgumentError(
                f"model_path must end with .keras (Keras 3 saves that format), got {model_path!r}"
            )
        if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
            raise InvalidArgumentError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.name = name
        self.log_batches = bool(log_batches)
        self.save_model = bool(save_model)
        self.model_path = model_path
        self.batch_size = batch_size
        self.extra_params = params
        self.run_kwargs = run_kwargs
        self.scope: RunScope | None = None
        self.batch_step = 0
        self.last: Run | None = None

    @property
    def run(self) -> Run | None:
        if self.scope is not None and self.scope.run is not None:
            return self.scope.run
        return self.last

    def begin(self, model: Any, callback_params: Mapping[str, Any]) -> Run:
        self.close_stale()
        name = self.name or str(getattr(model, "name", "") or "keras")
        self.scope = RunScope(name, kind="train", **self.run_kwargs)
        params = fit_params(callback_params, model, self.batch_size)
        run = self.last = self.scope.begin(params)
        if self.extra_params is not None:
            run.log_params(self.extra_params)
        self.batch_step = 0
        return run

    def close_stale(self) -> None:
        """Mark FAILED a run this callback started whose fit never reached on_train_end."""
        scope = self.scope
        if scope is not None and scope.owned and scope.run and scope.run.state == "RUNNING":
            scope.end(TrainingInterrupted("Keras fit stopped before on_train_end"))
        self.scope = None

    def log(self, logs: Mapping[str, Any] | None, step: int, prefix: str = "") -> None:
        run = self.run
        if run is None or run.state != "RUNNING" or not logs:
            return
        values = {prefix + k: v for k, v in ((k, metric_number(v)) for k, v in logs.items())}
        run.log_metrics({k: v for k, v in values.items() if v is not None}, step=step)

    def end(self, model: Any) -> None:
        scope, run = self.scope, self.run
        if scope is None or run is None:
            return
        try:
            if self.save_model and run.state == "RUNNING":
                path = Path(self.model_path or f"{run.name}.keras")
                path.parent.mkdir(parents=True, exist_ok=True)
                model.save(str(path))
                run.output(path, name="model", type="Model")
        except BaseException as exc:
            scope.end(exc)
            raise
        scope.end()

    def fail(self, exc: BaseException) -> None:
        if self.scope is not None and self.scope.owned:
            self.scope.end(exc)


@functools.cache
def _callback_class() -> type:
    base: Any = require("keras", EXTRA).callbacks.Callback

    class LineageCallback(base):
        """Record a Keras ``fit`` in lineage (see :mod:`lineage.integrations.keras`).

        Args:
            name: The run (execution type) name when the callback starts its own run
                (default: the model's name).
            log_batches: Also record each training batch's logs (``batch/loss``, ...).
            save_model: Save the model at the end of training and record it as an output.
            model_path: Where to save it (a ``.keras`` file; default ``<run name>.keras``).
            batch_size: The batch size to record (Keras 3 does not tell callbacks).
            params: More parameters to record (a dict, dataclass, config file path, ...).
            **run_kwargs: Arguments for :func:`lineage.run` when the callback starts its own
                run: ``store``, ``experiment``, ``tags``, ``capture``, ``run_name``, ...
        """

        def __init__(
            self,
            name: str | None = None,
            *,
            log_batches: bool = False,
            save_model: bool = True,
            model_path: str | os.PathLike[str] | None = None,
            batch_size: int | None = None,
            params: Any = None,
            **run_kwargs: Any,
        ) -> None:
            super().__init__()
            self.recorder = _Recorder(
                name,
                log_batches=log_batches,
                save_model=save_model,
                model_path=model_path,
                batch_size=batch_size,
                params=params,
                run_kwargs=run_kwargs,
            )

        @property
        def run(self) -> Run | None:
            """The lineage run recorded into (the last one after training; None before)."""
            return self.recorder.run

        def on_train_begin(self, logs: Any = None) -> None:
            self.recorder.begin(self.model, dict(self.params or {}))

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.recorder.log(logs, int(epoch))

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if self.recorder.log_batches:
                self.recorder.log(logs, self.recorder.batch_step, prefix="batch/")
            self.recorder.batch_step += 1

        def on_train_end(self, logs: Any = None) -> None:
            self.recorder.end(self.model)

        def fail(self, exc: BaseException) -> None:
            """End a run this callback started as FAILED with ``exc`` (CANCELED on Ctrl-C)."""
            self.recorder.fail(exc)

    LineageCallback.__module__ = __name__
    return LineageCallback


__getattr__ = lazy_attributes(__name__, {"LineageCallback": _callback_class})


def fit(model: Any, *args: Any, callback: Any = None, **kwargs: Any) -> Any:
    """``model.fit(*args, **kwargs)`` recorded by a :class:`LineageCallback`, failures included.

    Adds ``callback`` (default: a new ``LineageCallback()``) to ``callbacks=``, records the
    ``batch_size`` given (or Keras' default of 32 for array inputs), and when ``fit`` raises,
    marks the run the callback started FAILED (CANCELED on Ctrl-C) before re-raising.

    Returns:
        What ``model.fit`` returns (the ``History``).
    """
    cb = callback if callback is not None else _callback_class()()
    recorder: _Recorder = cb.recorder
    if recorder.batch_size is None:
        size = kwargs.get("batch_size", args[2] if len(args) > 2 else None)
        data = kwargs.get("x", args[0] if args else None)
        if size is None and hasattr(data, "shape") and hasattr(data, "__len__"):
            size = KERAS_DEFAULT_BATCH_SIZE
        if isinstance(size, int) and not isinstance(size, bool):
            recorder.batch_size = size
    callbacks = list(kwargs.pop("callbacks", None) or [])
    if not any(c is cb for c in callbacks):
        callbacks.append(cb)
    try:
        return model.fit(*args, callbacks=callbacks, **kwargs)
    except BaseException as exc:
        cb.fail(exc)
        raise
