"""Recording front end: runs that capture code, parameters, environment, data and metrics.

Record a training script or a pipeline step in a few lines, without MLMD's data model::

    import lineage

    with lineage.run("train", params=cfg, inputs=[train_csv], experiment="churn") as run:
        model = fit(...)
        run.log_metric("auc", 0.91)
        run.output("models/churn.pkl", type="Model")

    lineage.compare(run.store, [first_run, run])      # what differs between runs

Each run is one MLMD execution (RUNNING while the body runs, then COMPLETE, FAILED or
CANCELED), written with ``put_execution``; inputs and outputs are content-addressed artifacts;
the environment, config files and metrics are artifacts too. What is stored where is defined in
:mod:`lineage.conventions`; ``docs/tracking.md`` is the guide. This package builds on
``lineage.store`` only (never on ``lineage.graph``).
"""

from __future__ import annotations

from lineage.track.capture import Capture
from lineage.track.comparison import Comparison, Row, compare
from lineage.track.contexts import PipelineRun, current_pipeline, pipeline
from lineage.track.decorator import component
from lineage.track.environment import Environment, capture_environment
from lineage.track.hashing import Fingerprint, fingerprint, hash_file
from lineage.track.lifecycle import ArtifactRecord, Run, current_run, run
from lineage.track.pages import RunsPage, runs_page
from lineage.track.redaction import Redaction
from lineage.track.runs import (
    ArtifactInfo,
    EnvironmentInfo,
    Note,
    RunInfo,
    get_run,
    get_runs,
    list_runs,
    note,
    parse_time,
    resolve_run,
    tag,
)
from lineage.track.source import CodeInfo, GitInfo, capture_code
from lineage.track.stores import close_stores

__all__ = [
    "ArtifactInfo",
    "ArtifactRecord",
    "Capture",
    "CodeInfo",
    "Comparison",
    "Environment",
    "EnvironmentInfo",
    "Fingerprint",
    "GitInfo",
    "Note",
    "PipelineRun",
    "Redaction",
    "Row",
    "Run",
    "RunInfo",
    "RunsPage",
    "capture_code",
    "capture_environment",
    "close_stores",
    "compare",
    "component",
    "current_pipeline",
    "current_run",
    "fingerprint",
    "get_run",
    "get_runs",
    "hash_file",
    "list_runs",
    "note",
    "parse_time",
    "pipeline",
    "resolve_run",
    "run",
    "runs_page",
    "tag",
]
