"""``audit``: the dossier of a model: provenance, runs, evaluations, erasures, the diagram."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from lineage import conventions as cv
from lineage.errors import InvalidArgumentError
from lineage.graph import Lineage, NodeKey, Provenance, downstream, key, provenance
from lineage.graph._nodes import resolve_nodes
from lineage.graph._values import artifact_kind, prop
from lineage.report._canonical import canonical_json, seal
from lineage.report._collect import (
    artifact_state,
    erasure_mark,
    execution_state,
    metric_values,
    node_name,
    pii_of,
    properties_of,
    receipts_touching,
    subjects_of,
    tags_of,
)
from lineage.report._graphs import event_list, merge, without_receipts
from lineage.report._records import (
    ConfigRecord,
    ContextRecord,
    EnvironmentRecord,
    EvaluationRecord,
    InputRecord,
    MetricRecord,
    ModelRecord,
    OutputRecord,
    ReceiptRecord,
    StepRecord,
    iso,
    jsonable,
)
from lineage.report._text import now_iso

__all__ = [
    "AUDIT_FORMAT",
    "AuditDossier",
    "ErasureHistory",
    "LineageSummary",
    "MarkerRecord",
    "audit",
]

_KEY: Final = re.compile(r"\bartifact:[0-9]+\b")
#: The ``format`` member of an audit dossier's JSON (see ``schemas/audit-dossier.schema.json``).
AUDIT_FORMAT: Final = "lineage.audit-dossier"
FORMAT_VERSION: Final = 1


@dataclass(frozen=True)
class MarkerRecord:
    """An erasure marker on the model or one of its ancestors."""

    key: NodeKey
    type: str
    name: str | None
    erasure_id: str | None
    action: str | None
    time: str | None
    reason: str | None


@dataclass(frozen=True)
class ErasureHistory:
    """The erasures that affected a model.

    Attributes:
        receipts: Every applied erasure that touched the model or one of its ancestors.
        markers: The tombstone and review markers on the model and its ancestors.
    """

    receipts: tuple[ReceiptRecord, ...]
    markers: tuple[MarkerRecord, ...]


@dataclass(frozen=True)
class LineageSummary:
    """The lineage a dossier covers, as data (the dossier draws it too).

    Attributes:
        artifacts / executions: How many nodes the diagram holds.
        truncated: True when a walk was cut by its node budget.
        events: The data-flow edges ``{"from", "to", "type", "path"}``, sorted.
        mermaid: The diagram as Mermaid text (renders on GitHub and GitLab).
    """

    artifacts: int
    executions: int
    truncated: bool
    events: tuple[Mapping[str, Any], ...]
    mermaid: str


@dataclass(frozen=True)
class AuditDossier:
    """Everything an auditor asks about a model, in one document.

    Render it with :meth:`to_markdown`, :meth:`to_html` (self-contained) or :meth:`to_json`
    (canonical, sealed with a sha256 that :func:`lineage.report.verify_report` checks). In a
    notebook it displays itself as HTML.

    Attributes:
        generated: When the dossier was made (ISO 8601 UTC).
        store: The store it was read from (URL without password).
        model: The model: identity, state, fingerprint, properties, tags, erasure marker.
        steps: The executions that led to it, in run order (who, when, state, parameters, code).
        inputs: The artifacts it derives from, nearest first (fingerprints, versions, PII,
            licence and data-subject tags as recorded; subjects as hashes unless revealed).
        environments: The execution environments (Python, platform, packages).
        configs: The configuration files the steps read.
        contexts: The pipelines, runs and experiments involved.
        evaluations: The executions that read the model, with their outputs and metrics.
        metrics: Every metric value: ``metric.*`` on the steps and the evaluations' metrics.
        erasures: Receipts and markers of the erasures that affected it.
        missing: What a reproduction would need that was not recorded.
        lineage: The lineage covered, as edges and Mermaid text.
        lineage_graph: The ``LineageGraph`` drawn (the upstream lineage and the evaluations).
    """

    generated: str
    store: str
    model: ModelRecord
    steps: tuple[StepRecord, ...]
    inputs: tuple[InputRecord, ...]
    environments: tuple[EnvironmentRecord, ...]
    configs: tuple[ConfigRecord, ...]
    contexts: tuple[ContextRecord, ...]
    evaluations: tuple[EvaluationRecord, ...]
    metrics: tuple[MetricRecord, ...]
    erasures: ErasureHistory
    missing: tuple[str, ...]
    lineage: LineageSummary
    lineage_graph: Any = field(repr=False, compare=False)

    # ------------------------------------------------------------------ drawing
    @property
    def focus(self) -> tuple[NodeKey, ...]:
        """The node the diagram emphasises: the model."""
        return (self.model.key,)

    @property
    def highlight(self) -> tuple[NodeKey, ...]:
        """No path is highlighted."""
        return ()

    @property
    def title(self) -> str:
        """``Audit dossier: Model churn-model (artifact:3)``."""
        label = self.model.name or self.model.uri or ""
        return f"Audit dossier: {self.model.type} {label} ({self.model.key})".replace("  ", " ")

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """The dossier as JSON-ready data, sealed with its ``sha256`` (see ``to_json``)."""
        body: dict[str, Any] = {"format": AUDIT_FORMAT, "format_version": FORMAT_VERSION}
        body["generator"] = f"lineage {_version()}"
        body.update(jsonable(self))
        return seal(body)

    @property
    def sha256(self) -> str:
        """The checksum of the dossier's JSON form (``sha256:<hex>``)."""
        return str(self.to_dict()["sha256"])

    def to_json(self, indent: int | None = None) -> str:
        """The dossier as JSON, carrying ``sha256`` over the canonical form of everything else.

        Args:
            indent: None (the default) for the canonical form itself (RFC 8785: sorted keys,
                no whitespace, UTF-8); a number to indent for people (the checksum is over the
                canonical form, so indenting does not change it).
        """
        data = self.to_dict()
        if indent is None:
            return canonical_json(data).decode("utf-8")
        return json.dumps(data, indent=indent, sort_keys=True, ensure_ascii=False)

    # ------------------------------------------------------------------ documents
    def to_markdown(self) -> str:
        """The dossier as Markdown; the diagram is a Mermaid block (renders on GitHub/GitLab)."""
        from lineage.report._audit_markdown import audit_markdown

        return audit_markdown(self)

    def to_html(self, *, full_page: bool = True) -> str:
        """The dossier as one self-contained HTML page (inline CSS and SVG, no network).

        Args:
            full_page: False for the fragment a notebook shows (no ``<html>``/``<head>``).
        """
        from lineage.report._audit_views import audit_html

        return audit_html(self, full_page=full_page)

    def to_text(self) -> str:
        """A short summary in words."""
        from lineage.report._audit_views import audit_summary

        return audit_summary(self)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html(full_page=False)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/html": self.to_html(full_page=False),
            "text/markdown": self.to_markdown(),
            "text/plain": self.to_text(),
        }


def _version() -> str:
    from lineage import __version__

    return __version__


def audit(
    store: Any, model: Any, *, max_hops: int | None = None, reveal_subjects: bool = False
) -> AuditDossier:
    """The audit dossier of a model (or any artifact).

    Args:
        store: A ``lineage.MetadataStore``.
        model: The artifact: a proto, an id, ``artifact:ID``, ``TYPE:NAME``, a URI or a name.
        max_hops: Walk the provenance this many hops at most (None: to the roots).
        reveal_subjects: List data subjects by their ids; by default a dossier shows each as
            ``sha256:<16 hex>`` (as erasure receipts do), so it can be handed on without
            naming people.

    Returns:
        The :class:`AuditDossier`.

    Raises:
        InvalidArgumentError: ``model`` is not one artifact.
        NotFoundError: No node has that name.

    Example:
        >>> import lineage
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> dossier = audit(store, "Model:churn-model")
        >>> [s.name for s in dossier.steps], [(m.name, m.value) for m in dossier.metrics]
        (['ingest-1', 'train-1'], [('auc', 0.912)])
        >>> store.close()
    """
    artifacts, executions = resolve_nodes(store, model)
    if executions or len(artifacts) != 1:
        raise InvalidArgumentError(
            f"an audit dossier is about one artifact (a model); got {model!r}"
        )
    prov = provenance(store, ("artifact", artifacts[0]), max_hops=max_hops)
    uses = downstream(store, ("artifact", artifacts[0]), max_hops=2)
    nodes = prov.lineage.nodes()
    graph = merge([prov.lineage_graph, without_receipts(uses.lineage_graph)])
    base_types = {
        t.id: (t.base_type if t.HasField("base_type") else None) for t in graph.artifact_types
    }
    target = nodes[prov.target]

    def kind_of(artifact: Any) -> str:
        return artifact_kind(artifact, base_types.get(artifact.type_id))

    steps = tuple(_step(s) for s in prov.steps)
    inputs = tuple(_input(i, nodes[i.key], reveal_subjects) for i in prov.inputs)
    evaluations = _evaluations(uses, kind_of)
    ancestry = [a.id for k, a in nodes.items() if k.startswith("artifact:")]
    markers = tuple(
        MarkerRecord(
            key=k,
            type=n.type,
            name=node_name(n),
            erasure_id=mark.erasure_id,
            action=mark.action,
            time=mark.time,
            reason=mark.reason,
        )
        for k, n in sorted(nodes.items(), key=lambda kv: (prov.lineage.hops.get(kv[0], 0), kv[0]))
        if k.startswith("artifact:") and (mark := erasure_mark(n)) is not None
    )
    from lineage.render import to_mermaid

    return AuditDossier(
        generated=now_iso(),
        store=str(getattr(store, "url", "")),
        model=_model(prov.target, target, kind_of(target), reveal_subjects),
        steps=steps,
        inputs=inputs,
        environments=_environments(prov, nodes),
        configs=tuple(
            ConfigRecord(
                key=c.key, uri=c.uri, fingerprint=c.fingerprint, values=c.values, used_by=c.used_by
            )
            for c in prov.configs
        ),
        contexts=tuple(ContextRecord(key=c.key, type=c.type, name=c.name) for c in prov.contexts),
        evaluations=evaluations,
        metrics=_metrics(steps, evaluations),
        erasures=ErasureHistory(
            receipts=tuple(receipts_touching(store, ancestry)), markers=markers
        ),
        missing=_missing(prov.missing, inputs),
        lineage=LineageSummary(
            artifacts=len(graph.artifacts),
            executions=len(graph.executions),
            truncated=prov.lineage.truncated or uses.truncated,
            events=tuple(event_list(graph)),
            mermaid=to_mermaid(graph, focus=prov.target),
        ),
        lineage_graph=graph,
    )


def _model(node_key: NodeKey, artifact: Any, kind: str, reveal: bool) -> ModelRecord:
    return ModelRecord(
        key=node_key,
        id=int(artifact.id),
        type=artifact.type,
        kind=kind,
        name=node_name(artifact),
        uri=artifact.uri or None,
        state=artifact_state(artifact),
        created=iso(artifact.create_time_since_epoch),
        updated=iso(artifact.last_update_time_since_epoch),
        fingerprint=_text(prop(artifact, cv.FINGERPRINT)),
        version=prop(artifact, cv.VERSION),
        size_bytes=prop(artifact, cv.SIZE_BYTES),
        properties=properties_of(artifact),
        tags=tags_of(artifact),
        pii=pii_of(artifact),
        license=_text(prop(artifact, cv.LICENSE)),
        subjects=subjects_of(artifact, reveal=reveal),
        erasure=erasure_mark(artifact),
    )


def _missing(missing: tuple[str, ...], inputs: tuple[InputRecord, ...]) -> tuple[str, ...]:
    """Provenance's gaps, saying which come from an erasure (a tombstone has no fingerprint)."""
    erased = {i.key: i.erasure for i in inputs if i.erasure and i.erasure.action == "tombstoned"}
    out = []
    for line in missing:
        found = [k for k in _KEY.findall(line) if k in erased]
        if found:
            mark = erased[found[0]]
            line += f" (its record was scrubbed by erasure {mark.erasure_id if mark else ''})"
        out.append(line)
    return tuple(out)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _step(s: Any) -> StepRecord:
    code = None
    if s.code is not None:
        code = {
            name: getattr(s.code, name)
            for name in (
                "repository",
                "commit",
                "branch",
                "dirty",
                "diff_sha256",
                "entry_point",
                "entry_point_sha256",
                "command",
            )
            if getattr(s.code, name) is not None
        }
    return StepRecord(
        key=s.key,
        type=s.type,
        name=s.name,
        state=s.state,
        started=iso(s.started),
        ended=iso(s.ended),
        user=_text(s.user),
        host=_text(s.host),
        parameters=dict(s.parameters),
        metrics=dict(s.metrics),
        inputs=s.inputs,
        outputs=s.outputs,
        contexts=s.contexts,
        code=code,
        error=s.error,
    )


def _input(i: Any, artifact: Any, reveal: bool) -> InputRecord:
    return InputRecord(
        key=i.key,
        kind=i.kind,
        type=i.type,
        name=i.name or None,
        uri=i.uri,
        version=i.version,
        fingerprint=_text(i.fingerprint),
        size_bytes=i.size_bytes,
        state=i.state,
        root=i.root,
        hops=i.hops,
        produced_by=i.produced_by,
        consumed_by=i.consumed_by,
        pii=pii_of(artifact),
        license=_text(prop(artifact, cv.LICENSE)),
        subjects=subjects_of(artifact, reveal=reveal),
        tags=tags_of(artifact),
        erasure=erasure_mark(artifact),
    )


def _environments(prov: Provenance, nodes: Mapping[NodeKey, Any]) -> tuple[EnvironmentRecord, ...]:
    out = []
    for e in prov.environments:
        node = nodes.get(e.key)
        out.append(
            EnvironmentRecord(
                key=e.key,
                python_version=_text(e.python_version),
                python_implementation=_text(prop(node, cv.ENV_PYTHON_IMPLEMENTATION))
                if node is not None
                else None,
                platform=_text(e.platform),
                fingerprint=_text(e.fingerprint),
                packages={str(k): str(v) for k, v in sorted(e.packages.items())},
                used_by=e.used_by,
            )
        )
    return tuple(out)


def _evaluations(uses: Lineage, kind_of: Any) -> tuple[EvaluationRecord, ...]:
    nodes = uses.nodes()
    start = set(uses.focus)
    readers: set[NodeKey] = set()
    outputs: dict[NodeKey, list[NodeKey]] = {}
    for a, x, etype, _, _ in uses.edges:
        a_key, x_key = key("artifact", a), key("execution", x)
        if etype in (2, 3, 5):
            if a_key in start:
                readers.add(x_key)
        else:
            outputs.setdefault(x_key, []).append(a_key)
    out = []
    for x_key in sorted(readers, key=lambda k: (nodes[k].create_time_since_epoch, k)):
        execution = nodes.get(x_key)
        if execution is None or execution.type == cv.ERASURE_TYPE:
            continue
        started = prop(execution, cv.RUN_START_TIME) or execution.create_time_since_epoch
        ended = prop(execution, cv.RUN_END_TIME) or execution.last_update_time_since_epoch
        written = []
        for a_key in sorted(set(outputs.get(x_key, ())), key=lambda k: int(k.split(":")[1])):
            artifact = nodes.get(a_key)
            if artifact is None:
                continue
            kind = kind_of(artifact)
            written.append(
                OutputRecord(
                    key=a_key,
                    kind=kind,
                    type=artifact.type,
                    name=node_name(artifact),
                    uri=artifact.uri or None,
                    metrics=metric_values(artifact) if kind == "metrics" else {},
                    erasure=erasure_mark(artifact),
                )
            )
        out.append(
            EvaluationRecord(
                key=x_key,
                type=execution.type,
                name=node_name(execution),
                state=execution_state(execution),
                started=iso(started),
                ended=iso(ended),
                user=_text(prop(execution, cv.RUN_USER)),
                metrics=metric_values(execution),
                outputs=tuple(written),
            )
        )
    return tuple(out)


def _metrics(
    steps: tuple[StepRecord, ...], evaluations: tuple[EvaluationRecord, ...]
) -> tuple[MetricRecord, ...]:
    out: list[MetricRecord] = []
    for s in steps:
        out.extend(
            MetricRecord(name, value, s.key, s.type, s.name, "step")
            for name, value in s.metrics.items()
        )
    for e in evaluations:
        out.extend(
            MetricRecord(name, value, e.key, e.type, e.name, "evaluation")
            for name, value in e.metrics.items()
        )
        for o in e.outputs:
            out.extend(
                MetricRecord(name, value, o.key, o.type, o.name, "evaluation")
                for name, value in o.metrics.items()
            )
    return tuple(out)
