"""What every framework integration shares: loading the framework, and the run it records into.

A callback records into the lineage run active where training starts (``with lineage.run(...)``
around ``fit``); with none active it starts its own run when training begins and ends it when
training ends (COMPLETE, or FAILED with the error), so one line is enough.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from lineage.track import Run, current_run, run

__all__ = ["RunScope", "require"]


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
