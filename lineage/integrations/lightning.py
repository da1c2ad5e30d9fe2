"""PyTorch Lightning: a logger that records a ``Trainer.fit`` as a lineage run.

``lineage.lightning.LineageLogger()`` is a ``lightning.pytorch.loggers.Logger`` (the
``pytorch_lightning`` package is used when ``lightning`` is not installed); pass it to the
``Trainer`` like any other logger::

    trainer = lightning.pytorch.Trainer(max_epochs=3, logger=lineage.lightning.LineageLogger())
    trainer.fit(model, datamodule)

What it records, into the run active around ``fit`` (``with lineage.run(...)``) or else into a run
of its own named ``train`` (the ``name`` argument; one run per ``fit`` / ``validate`` /
``test`` call, started when the Trainer sets its loggers up and ended when it finalizes them:
COMPLETE, FAILED with the error, CANCELED on Ctrl-C):

* the hyperparameters Lightning logs (``self.save_hyperparameters()`` in the LightningModule or
  the DataModule) as parameters, flattened with dots (``param.lr``, ``param.net.hidden``);
  values that are not plain data (tensors, classes, modules) are recorded as text;
* every metric Lightning logs (``self.log(...)``, including its ``epoch`` metric) as a series
  with Lightning's step; the last value is the final value;
* the checkpoints of each ``ModelCheckpoint`` when training finalizes: the best checkpoint as a
  ``Model`` output with event path ``best_checkpoint`` and the last one (``save_last``) as
  ``last_checkpoint`` (a second ``ModelCheckpoint`` callback gets ``best_checkpoint.1``, ...).

The logger's ``name`` is the run's step name, its ``version`` the lineage run's name, so the
default checkpoint folder is ``<save_dir or default_root_dir>/<name>/<run name>/checkpoints``.
``logger.experiment`` is the :class:`lineage.track.Run` being recorded; ``logger.run`` the
current or the last one. On multi-process strategies only global rank zero records.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from argparse import Namespace
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from lineage.errors import LineageError
from lineage.integrations._base import RunScope, lazy_attributes, metric_number, require
from lineage.track import Run

# LineageLogger subclasses the framework's Logger, so it is built on first access (__getattr__).
__all__ = ["LineageLogger", "plain_params"]  # noqa: F822

_log = logging.getLogger("lineage.integrations.lightning")

#: Event path keys of the checkpoints recorded when training finalizes.
BEST_CHECKPOINT = "best_checkpoint"
LAST_CHECKPOINT = "last_checkpoint"


def plain_params(value: Any) -> Any:
    """``value`` as plain data a run's parameters accept (anything else becomes its text).

    Example:
        >>> plain_params({"lr": 0.1, "layers": (8, 4), "act": len})
        {'lr': 0.1, 'layers': [8, 4], 'act': 'builtins.len'}
    """
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, Namespace):
        value = vars(value)
    if isinstance(value, Mapping):
        return {str(k): plain_params(v) for k, v in value.items() if str(k)}
    if isinstance(value, (list, tuple)):
        return [plain_params(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    item = getattr(value, "item", None)
    numel = getattr(value, "numel", None)
    if callable(item) and (not callable(numel) or numel() == 1):
        try:
            return plain_params(item())
        except (TypeError, ValueError, RuntimeError):
            pass
    if isinstance(value, type) or callable(value):
        module = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if module and qualname:
            return f"{module}.{qualname}"
    return str(value)


def _framework() -> ModuleType:
    """``lightning.pytorch``, else ``pytorch_lightning``."""
    try:
        return require("lightning.pytorch", "lightning", package="lightning")
    except ImportError as missing:
        try:
            return require("pytorch_lightning", "lightning")
        except ImportError:
            raise missing from None


@functools.cache
def _logger_class() -> type:
    pl = _framework()
    base: Any = pl.loggers.Logger
    rank_zero_only: Any = pl.utilities.rank_zero_only

    class LineageLogger(base):
        """A Lightning logger that records the run into lineage (see the module docstring).

        Args:
            name: The run's step name (its execution type) when the logger starts its own run,
                and the logger's name (a folder of the default checkpoint path).
            kind: The MLMD base type of that run (``train``, ``evaluate``, ...).
            save_dir: The folder Lightning puts checkpoints under (default: the Trainer's
                ``default_root_dir``).
            version: The logger's version (default: the lineage run's name).
            checkpoints: Record the best and last checkpoints as ``Model`` outputs.
            **run_kwargs: Further :func:`lineage.run` arguments (``store``, ``experiment``,
                ``inputs``, ``tags``, ``capture``, ...) used when the logger starts its own run.
        """

        def __init__(
            self,
            name: str = "train",
            *,
            kind: str = "train",
            save_dir: str | os.PathLike[str] | None = None,
            version: int | str | None = None,
            checkpoints: bool = True,
            **run_kwargs: Any,
        ) -> None:
            super().__init__()
            self._scope = RunScope(name, kind=kind, **run_kwargs)
            self._name = name
            self._save_dir = None if save_dir is None else os.fspath(save_dir)
            self._fixed_version = version
            self._run_version: str | None = None
            self._record_checkpoints = checkpoints
            self._callbacks: dict[str, Any] = {}
            self._recorded: set[tuple[int, str]] = set()
            self._skipped: set[str] = set()
            self._last_run: Run | None = None

        # ------------------------------------------------------------ Lightning API
        @property
        def name(self) -> str:
            return self._name

        @property
        def version(self) -> int | str | None:
            if self._fixed_version is not None:
                return self._fixed_version
            if self._run_version is None:
                self._begin()
            return self._run_version

        @property
        def save_dir(self) -> str | None:
            return self._save_dir

        @property
        def experiment(self) -> Run | None:
            """The lineage run being recorded (started here when none is)."""
            return self._begin()

        @property
        def run(self) -> Run | None:
            """The run being recorded, else the last one recorded (None before any)."""
            return self._scope.run or self._last_run

        def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
            run = self._begin()
            if run is None or params is None:
                return
            try:
                run.log_params(plain_params(params))
            except LineageError as exc:
                _log.warning("lineage: hyperparameters not recorded: %s", exc)

        def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
            scope = self._scope
            # Called every logged step: the logger's own run needs no look-up.
            run = scope.run if scope.owned and scope.run is not None else self._begin()
            if run is None:
                return
            for key, value in metrics.items():
                kind = type(value)
                number = (
                    value
                    if kind is float
                    else float(value)
                    if kind is int
                    else metric_number(value)
                )
                if number is None:
                    self._skip(key, f"metric {key!r} is not a number ({type(value).__name__})")
                    continue
                try:
                    run.log_metric(key, number, step)
                except LineageError as exc:
                    self._skip(key, str(exc))

        def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
            key = str(getattr(checkpoint_callback, "state_key", id(checkpoint_callback)))
            self._callbacks.setdefault(key, checkpoint_callback)

        def finalize(self, status: str) -> None:
            run = self._scope.run
            if run is None or run.state != "RUNNING":
                return
            if self._record_checkpoints:
                self._record_outputs(run)
            exc: BaseException | None = None
            if status == "failed":
                exc = sys.exc_info()[1] or RuntimeError("Lightning reported the run as failed")
            self._last_run = run
            self._scope.end(exc)

        # ------------------------------------------------------------ internals
        def _begin(self) -> Run | None:
            if getattr(rank_zero_only, "rank", 0) != 0:
                return None
            run = self._scope.begin()
            self._last_run = run
            if self._fixed_version is None:
                self._run_version = run.name
            return run

        def _skip(self, key: str, why: str) -> None:
            if key not in self._skipped:
                self._skipped.add(key)
                _log.warning("lineage: not recording metric %r: %s", key, why)

        def _record_outputs(self, run: Run) -> None:
            for index, callback in enumerate(self._callbacks.values()):
                suffix = f".{index}" if index else ""
                try:
                    paths = [
                        (BEST_CHECKPOINT + suffix, getattr(callback, "best_model_path", "")),
                        (LAST_CHECKPOINT + suffix, getattr(callback, "last_model_path", "")),
                    ]
                except ReferenceError:  # the callback is gone
                    continue
                seen: set[str] = set()
                for event_key, path in paths:
                    if not path or path in seen or not os.path.exists(path):
                        continue
                    seen.add(path)
                    if (run.id or 0, path) in self._recorded:
                        continue
                    try:
                        run.output(path, name=event_key, type="Model")
                    except LineageError as exc:
                        _log.warning("lineage: checkpoint %s not recorded: %s", path, exc)
                        continue
                    self._recorded.add((run.id or 0, path))

    LineageLogger.__module__ = __name__
    return LineageLogger


__getattr__ = lazy_attributes(__name__, {"LineageLogger": _logger_class})
