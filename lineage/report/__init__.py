"""Reports: audit dossiers of models and GDPR reports of data subjects and datasets.

``audit(store, model)`` gathers everything an auditor asks about a model: its full provenance
(data with fingerprints, versions, licence and personal-data tags; code; parameters;
environments), who ran each step and when and how it ended, the evaluations and metrics, the
erasures that affected it, what was not recorded, and the lineage diagram. ``gdpr_report(store,
target)`` lists every artifact and model a data subject's (or a dataset's) data reached, through
which executions, and the erasure status of each, with the erasure receipts.

Both render as Markdown, self-contained HTML and JSON. The JSON carries a ``sha256`` over its
canonical form (RFC 8785), so a stored copy can be checked later with :func:`verify_report`
(``lineage report verify FILE``). ``schemas/audit-dossier.schema.json`` and
``schemas/gdpr-report.schema.json`` describe the JSON; ``docs/audit-and-erasure.md`` is the guide.

Example:
    >>> import lineage
    >>> from lineage.demo import record_demo_pipeline
    >>> store = lineage.MetadataStore("sqlite://")
    >>> ids = record_demo_pipeline(store)
    >>> dossier = audit(store, "Model:churn-model")
    >>> [s.name for s in dossier.steps]
    ['ingest-1', 'train-1']
    >>> verify_report(dossier.to_json())
    True
    >>> report = gdpr_report(store, "Dataset:raw")
    >>> [(a.name, a.status) for a in report.artifacts]
    [('raw', 'active'), ('clean', 'active'), ('churn-model', 'active'), ('churn-eval', 'active')]
    >>> store.close()
"""

from __future__ import annotations

from lineage.report._audit import (
    AUDIT_FORMAT,
    AuditDossier,
    ErasureHistory,
    LineageSummary,
    MarkerRecord,
    audit,
)
from lineage.report._canonical import canonical_json, verify_report
from lineage.report._collect import subject_digest
from lineage.report._gdpr import (
    GDPR_FORMAT,
    STATUSES,
    GdprReport,
    GdprTarget,
    ReachedArtifact,
    ReachedExecution,
    gdpr_report,
)
from lineage.report._records import (
    ConfigRecord,
    ContextRecord,
    EnvironmentRecord,
    ErasureMark,
    EvaluationRecord,
    InputRecord,
    MetricRecord,
    ModelRecord,
    OutputRecord,
    ReceiptRecord,
    StepRecord,
)

__all__ = [
    "AUDIT_FORMAT",
    "GDPR_FORMAT",
    "STATUSES",
    "AuditDossier",
    "ConfigRecord",
    "ContextRecord",
    "EnvironmentRecord",
    "ErasureHistory",
    "ErasureMark",
    "EvaluationRecord",
    "GdprReport",
    "GdprTarget",
    "InputRecord",
    "LineageSummary",
    "MarkerRecord",
    "MetricRecord",
    "ModelRecord",
    "OutputRecord",
    "ReachedArtifact",
    "ReachedExecution",
    "ReceiptRecord",
    "StepRecord",
    "audit",
    "canonical_json",
    "gdpr_report",
    "subject_digest",
    "verify_report",
]
