"""What every framework integration shares: loading the framework, and the run it records into.

A callback records into the lineage run active where training starts (``with lineage.run(...)``
around ``fit``); with none active it starts its own run when training begins and ends it when
training ends (COMPLETE, or FAILED with the error), so one line is enough.
"""

from __future__ import annotations

import contextvars
import importlib
import inspect
import json
import logging
import math
import numbers
import os
import re
import threading
import warnings
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from lineage.errors import InvalidArgumentError
from lineage.track import Run, current_run, run

__all__ = [
    "DEFAULT_ARTIFACTS",
    "Recorder",
    "RunScope",
    "TrainingInterrupted",
    "artifact_path",
    "lazy_attributes",
    "metric_number",
    "param_value",
    "require",
    "unique_name",
    "warn_once",
]

_log = logging.getLogger("lineage.integrations")

#: Longest text kept for a parameter value that is not a number, string, bool or None.
MAX_PARAM_TEXT: Final = 500
#: Where models go when neither ``artifacts_dir=`` nor ``$LINEAGE_ARTIFACTS`` says.
DEFAULT_ARTIFACTS: Final = "lineage-artifacts"

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_lock = threading.Lock()
# Names used per run, for the ``-2`` suffixes (shared by every integration, so a run holding a
# pickled pipeline and a booster names them model and model-2).
_names: weakref.WeakKeyDictionary[Run, dict[str, int]] = weakref.WeakKeyDictionary()
_warned: set[str] = set()


def require(module: str, extra: str, *, package: str | None = None) -> ModuleType:
    """Import ``module`` or raise an ImportError that says how to install it.

    Args:
        module: The module to import (``lightning.pytorch``).
        extra: The lineage extra that installs it (``lightning``).
        package: The PyPI name to show, when it differs from the module's first part.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        name = package or module.split(".")[0]
        raise ImportError(
            f"this lineage integration needs {name}: pip install 'lineage[{extra}]' "
            f"(or pip install {name})"
        ) from exc


class RunScope:
    """The run a callback records into: the active run, or one it starts and ends itself.

    Args:
        name: The run (execution type) name when the scope starts its own run.
        kind: ``train``, ``evaluate``, ...: the MLMD base type of that run.
        run_kwargs: Further arguments for :func:`lineage.run` (store, experiment, tags, ...)
            used only when the scope starts its own run.
    """

    def __init__(self, name: str, *, kind: str = "train", **run_kwargs: Any) -> None:
        self.name = name
        self.kind = kind
        self.run_kwargs: dict[str, Any] = dict(run_kwargs)
        self.run: Run | None = None
        self.owned = False

    def begin(self, params: Mapping[str, Any] | None = None) -> Run:
        """The run to record into (starting one when none is active)."""
        active = current_run()
        if self.run is not None and (self.owned or self.run is active):
            return self.run
        if active is not None and active.state == "RUNNING":
            self.run, self.owned = active, False
        else:
            kwargs = {"kind": self.kind, **self.run_kwargs}
            self.run, self.owned = run(self.name, **kwargs), True
            self.run.start()
        if params:
            self.run.log_params(dict(params))
        return self.run

    def end(self, exc: BaseException | None = None) -> None:
        """End the run if this scope started it (COMPLETE, or FAILED with ``exc``)."""
        if self.run is not None and self.owned and self.run.state == "RUNNING":
            self.run.finish(exc)
        if self.owned:
            self.run = None
            self.owned = False


def lazy_attributes(
    module: str, factories: Mapping[str, Callable[[], Any]]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that builds the classes that subclass a framework's base on
    first access, so the module imports without the framework (D37)."""

    def getattr_(name: str) -> Any:
        factory = factories.get(name)
        if factory is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return factory()

    return getattr_


def metric_number(value: Any) -> float | None:
    """A logged value as a float (Python, NumPy or a framework's 0-d tensor), else None.

    Example:
        >>> metric_number(3), metric_number(True), metric_number("x")
        (3.0, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    item = getattr(value, "item", None)
    if callable(item):
        try:
            got = item()
        except (TypeError, ValueError, RuntimeError):
            return None
        if isinstance(got, (int, float)) and not isinstance(got, bool):
            return float(got)
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def param_value(value: Any) -> Any:
    """A parameter as recorded: numbers, strings, bools and None as they are, others as text.

    Example:
        >>> param_value(0.5), param_value((100, 50)), param_value(len)
        (0.5, '[100, 50]', 'builtins.len')
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        item = value.item()
        if item is None or isinstance(item, (bool, int, float, str)):
            value = item
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else str(number)
    if isinstance(value, bool):
        return value
    if inspect.isfunction(value) or inspect.isclass(value) or inspect.isbuiltin(value):
        module = getattr(value, "__module__", None) or "builtins"
        return f"{module}.{getattr(value, '__qualname__', getattr(value, '__name__', '?'))}"
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        try:
            text = repr(value)
        except Exception:  # a broken __repr__
            text = f"<{type(value).__name__}>"
    text = _ADDRESS.sub("", text)
    return text if len(text) <= MAX_PARAM_TEXT else text[: MAX_PARAM_TEXT - 1] + "…"


def unique_name(run: Run, base: str) -> str:
    """``base`` the first time a run uses it, then ``base-2``, ``base-3``, ..."""
    with _lock:
        used = _names.setdefault(run, {})
        count = used.get(base, 0) + 1
        used[base] = count
    return base if count == 1 else f"{base}-{count}"


def artifact_path(run: Run, artifacts_dir: str | None, stem: str, suffix: str) -> Path:
    """A new file path ``<artifacts>/<run name>/<stem><suffix>`` (``<stem>-2`` if taken)."""
    root = Path(artifacts_dir or os.environ.get("LINEAGE_ARTIFACTS") or DEFAULT_ARTIFACTS)
    folder = root / str(run.name or f"run-{run.id}")
    folder.mkdir(parents=True, exist_ok=True)
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


def warn_once(key: str, message: str) -> None:
    """Warn once per process for ``key`` (a RuntimeWarning with ``message``)."""
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


class TrainingInterrupted(RuntimeError):
    """The error a callback's own run is FAILED with when training stopped without its end."""


def _end_abandoned(scope: RunScope, ctx: contextvars.Context, framework: str) -> None:
    run = scope.run
    if run is not None and scope.owned and run.state == "RUNNING":
        error = TrainingInterrupted(
            f"{framework} training stopped before its end (an exception during training?)"
        )
        try:
            ctx.run(scope.end, error)
        except Exception as exc:  # at interpreter exit the store may be gone
            _log.warning("could not record the end of run %s: %s", run.name, exc)


class Recorder:
    """The run a training callback records into (framework-free; see the xgboost docs).

    An own run is started in a copy of the caller's context, so it never stays the
    caller's current run when training raises before the callback sees its end. Such a
    run is ended FAILED (:class:`TrainingInterrupted`) when the callback starts another
    training, is garbage-collected, or the interpreter exits.

    Args:
        framework: ``xgboost``, ``lightgbm``: named in messages.
        name: The run (execution type) name of an own run.
        run_kwargs: Further :func:`lineage.run` arguments of an own run.
    """

    def __init__(self, framework: str, name: str, run_kwargs: dict[str, Any]) -> None:
        self.framework = framework
        self.scope = RunScope(name, kind="train", **run_kwargs)
        self.run: Run | None = None
        self._ctx: contextvars.Context | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    @property
    def owned(self) -> bool:
        """True when the run is the callback's own (no run was active when training began)."""
        return self.scope.owned

    def begin(self, params: dict[str, Any] | None = None) -> Run:
        """Start recording a training (the active run, or a new one)."""
        self.abandon()
        ctx = contextvars.copy_context()
        run = ctx.run(self.scope.begin)
        self.run, self._ctx = run, ctx
        if self.scope.owned:
            self._finalizer = weakref.finalize(
                self, _end_abandoned, self.scope, ctx, self.framework
            )
        if params:
            try:
                run.log_params({str(k): param_value(v) for k, v in params.items()})
            except InvalidArgumentError as exc:  # e.g. a name too long for MLMD
                warn_once(f"params:{self.framework}", f"lineage could not record params: {exc}")
        return run

    def end(self, exc: BaseException | None = None) -> None:
        """Stop recording: an own run ends COMPLETE, or FAILED with ``exc``."""
        ctx, self._ctx, self.run = self._ctx, None, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if ctx is not None:
            ctx.run(self.scope.end, exc)

    def abandon(self) -> None:
        """End a training that never reached its end (FAILED, as TrainingInterrupted)."""
        if self.run is None:
            return
        if self.scope.owned and self._ctx is not None:
            _end_abandoned(self.scope, self._ctx, self.framework)
        self.end(None)
