"""``gdpr_report``: where a data subject's (or a dataset's) data went, and its erasure status."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from lineage import conventions as cv
from lineage.erasure import Target
from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.graph import Lineage, NodeKey, downstream, key, parse_key
from lineage.graph._values import artifact_kind, prop
from lineage.graph.impact import shortest_paths
from lineage.report._canonical import canonical_json, seal
from lineage.report._collect import (
    all_receipts,
    artifact_state,
    erasure_mark,
    execution_state,
    node_name,
    pii_of,
    receipts_by_node,
    receipts_touching,
    records_of,
    subject_digest,
)
from lineage.report._graphs import without_receipts
from lineage.report._records import ErasureMark, ReceiptRecord, iso, jsonable
from lineage.report._text import now_iso

__all__ = [
    "GDPR_FORMAT",
    "STATUSES",
    "GdprReport",
    "GdprTarget",
    "ReachedArtifact",
    "ReachedExecution",
    "gdpr_report",
]

#: The ``format`` member of a GDPR report's JSON (see ``schemas/gdpr-report.schema.json``).
GDPR_FORMAT: Final = "lineage.gdpr-report"
FORMAT_VERSION: Final = 1
#: The erasure status of an artifact, in the order reports list them.
STATUSES: Final = ("active", "review", "tombstoned", "deleted")


@dataclass(frozen=True)
class GdprTarget:
    """Whose or which data the report follows.

    Attributes:
        kind: 'subject', 'artifacts', 'uri_prefix' or 'query' (as :class:`lineage.erasure.Target`).
        value: The subject id, node names, URI prefix or filter query, as given.
        description: One line for people.
        subject_digest: For a subject, ``sha256:<16 hex>`` of the id: how erasure receipts
            and audit dossiers name it.
    """

    kind: str
    value: Any
    description: str
    subject_digest: str | None


@dataclass(frozen=True)
class ReachedArtifact:
    """An artifact the data reached, how, and whether it was erased.

    Attributes:
        key / kind / type / name / uri / state: The artifact (type and kind are None for an
            artifact an erasure deleted: only its key is left, in the receipt).
        origin: True for the artifacts that hold the target's data themselves (where the walk
            starts); False for those derived from them.
        hops: Distance from the nearest origin.
        path: One shortest path from an origin, artifacts and executions alternating.
        via: The executions on that path: the steps that carried the data here.
        status: 'active', 'review' (marked: retrain or justify), 'tombstoned' (content
            scrubbed, record kept) or 'deleted' (gone; the receipt remembers it).
        erasure: The erasure marker on it, if any.
        receipts: Keys of the receipts of the erasures that touched it.
        pii: Whether it was recorded as holding personal data (None: not recorded).
    """

    key: NodeKey
    kind: str | None
    type: str | None
    name: str | None
    uri: str | None
    state: str | None
    origin: bool
    hops: int
    path: tuple[NodeKey, ...]
    via: tuple[NodeKey, ...]
    status: str
    erasure: ErasureMark | None
    receipts: tuple[NodeKey, ...]
    pii: bool | None


@dataclass(frozen=True)
class ReachedExecution:
    """An execution that processed the data (its name is gone if an erasure scrubbed it)."""

    key: NodeKey
    type: str
    name: str | None
    state: str | None
    started: str | None
    ended: str | None
    user: str | None
    hops: int


@dataclass(frozen=True)
class GdprReport:
    """Every artifact and model a data subject's or dataset's data reached, and their status.

    Render it with :meth:`to_markdown`, :meth:`to_html` or :meth:`to_json` (sealed with a
    sha256 like the audit dossier). In a notebook it displays itself as HTML.

    Attributes:
        generated: When it was made (ISO 8601 UTC).
        store: The store it was read from.
        target: Whose or which data.
        artifacts: Every artifact reached, origins first, then by distance.
        executions: Every execution that processed the data, by distance.
        receipts: The erasures that touched any of it (and, for a subject, those naming them).
        counts: ``artifacts``, ``models`` and one count per status.
        truncated: True when the walk was cut by its node budget.
        mermaid: The diagram as Mermaid text.
        lineage_graph: The downstream ``LineageGraph`` (receipts left out), for drawing.
    """

    generated: str
    store: str
    target: GdprTarget
    artifacts: tuple[ReachedArtifact, ...]
    executions: tuple[ReachedExecution, ...]
    receipts: tuple[ReceiptRecord, ...]
    counts: Mapping[str, int]
    truncated: bool
    mermaid: str
    lineage_graph: Any = field(repr=False, compare=False)

    @property
    def models(self) -> tuple[ReachedArtifact, ...]:
        """The models among the artifacts reached."""
        return tuple(a for a in self.artifacts if a.kind == "model")

    @property
    def focus(self) -> tuple[NodeKey, ...]:
        """The origins (drawn with a thick border)."""
        return tuple(a.key for a in self.artifacts if a.origin and a.status != "deleted")

    @property
    def highlight(self) -> tuple[NodeKey, ...]:
        """No path is highlighted."""
        return ()

    @property
    def title(self) -> str:
        """``GDPR report: data subject alice``."""
        return f"GDPR report: {self.target.description}"

    def by_status(self, status: str) -> tuple[ReachedArtifact, ...]:
        """The artifacts with this status."""
        return tuple(a for a in self.artifacts if a.status == status)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, sealed with its ``sha256``."""
        body: dict[str, Any] = {"format": GDPR_FORMAT, "format_version": FORMAT_VERSION}
        from lineage import __version__

        body["generator"] = f"lineage {__version__}"
        body.update(jsonable(self))
        return seal(body)

    @property
    def sha256(self) -> str:
        """The checksum of the report's JSON form."""
        return str(self.to_dict()["sha256"])

    def to_json(self, indent: int | None = None) -> str:
        """The report as JSON: canonical (RFC 8785) by default, or indented for people."""
        data = self.to_dict()
        if indent is None:
            return canonical_json(data).decode("utf-8")
        return json.dumps(data, indent=indent, sort_keys=True, ensure_ascii=False)

    def to_markdown(self) -> str:
        """The report as Markdown, with the diagram as a Mermaid block."""
        from lineage.report._gdpr_views import gdpr_markdown

        return gdpr_markdown(self)

    def to_html(self, *, full_page: bool = True) -> str:
        """The report as one self-contained HTML page (or a fragment for notebooks)."""
        from lineage.report._gdpr_views import gdpr_html

        return gdpr_html(self, full_page=full_page)

    def to_text(self) -> str:
        """A short summary in words."""
        from lineage.report._gdpr_views import gdpr_summary

        return gdpr_summary(self)

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


def _target(target: Any) -> Target:
    if isinstance(target, Target):
        return target
    if isinstance(target, str):
        if not target.strip():
            raise InvalidArgumentError("the GDPR report target is empty")
        return Target.parse(target)
    return Target.artifacts(target)


def _seeds(store: Any, target: Target) -> list[int]:
    # The erasure planner's reading of a target, so a report covers what an erasure would.
    from lineage.erasure import target_artifacts

    return sorted(set(target_artifacts(store, target)))


def gdpr_report(store: Any, target: Any) -> GdprReport:
    """Where a data subject's or a dataset's data went, and the erasure status of each artifact.

    Args:
        store: A ``lineage.MetadataStore``.
        target: ``subject:ID`` or ``Target.subject(ID)`` (the artifacts recorded with
            ``subject.<ID>``), or a dataset: any node name ``lineage show`` accepts
            (``artifact:ID``, ``TYPE:NAME``, a URI, a name), an artifact id or proto,
            ``uri:PREFIX`` or ``query:FILTER``.

    Returns:
        The :class:`GdprReport`. For a subject it also covers data already erased: the
        receipts name the subject by hash, and their tombstones keep the lineage.

    Raises:
        InvalidArgumentError: An empty or malformed target.
        NotFoundError: Nothing holds the data: no artifact matches and no erasure names it.
    """
    parsed = _target(target)
    seeds = _seeds_or_none(store, parsed)
    digest = subject_digest(parsed.value) if parsed.kind == "subject" else None
    named: list[ReceiptRecord] = []
    if digest is not None:
        mention = f"subject {digest}"
        named = [
            r
            for r in records_of(store, all_receipts(store))
            if r.targets and mention in r.targets.split("; ")
        ]
    erased_keys = {k for r in named for k in (*r.tombstoned, *r.review)}
    starts = sorted(
        set(seeds) | {parse_key(k)[1] for k in erased_keys if k.startswith("artifact:")}
    )
    existing = {a.id for a in store.get_artifacts_by_id(starts)} if starts else set()
    starts = [s for s in starts if s in existing]
    deleted = sorted({k for r in named for k in r.deleted})
    if not starts and not deleted:
        raise NotFoundError(
            f"no artifact holds the data of {parsed.describe()} and no erasure names it"
        )
    walk = downstream(store, [("artifact", s) for s in starts]) if starts else None
    receipts = _merge_receipts(named, receipts_touching(store, walk.artifact_ids if walk else []))
    artifacts, executions = _reached(walk, set(seeds), receipts)
    for node_key in deleted:
        if any(a.key == node_key for a in artifacts):
            continue
        artifacts.append(_deleted(node_key, receipts))
    if deleted:
        # Deleting the records detached their events: the steps that read them are found as
        # the producers of what the erasure tombstoned.
        executions += _producers(store, walk, [a.key for a in artifacts if a.origin])
    artifacts.sort(key=lambda a: (not a.origin, a.hops, parse_key(a.key)[1]))
    counts = {"artifacts": len(artifacts), "models": sum(a.kind == "model" for a in artifacts)}
    counts.update({s: sum(a.status == s for a in artifacts) for s in STATUSES})
    executions.sort(key=lambda x: (x.hops, parse_key(x.key)[1]))
    counts["executions"] = len(executions)
    graph = without_receipts(walk.lineage_graph) if walk else None
    from lineage.proto import metadata_store_pb2 as pb
    from lineage.render import to_mermaid

    origins = tuple(a.key for a in artifacts if a.origin and a.status != "deleted")
    return GdprReport(
        generated=now_iso(),
        store=str(getattr(store, "url", "")),
        target=GdprTarget(
            kind=parsed.kind,
            value=list(parsed.value) if isinstance(parsed.value, (list, tuple)) else parsed.value,
            description=_describe(parsed),
            subject_digest=digest,
        ),
        artifacts=tuple(artifacts),
        executions=tuple(executions),
        receipts=tuple(receipts),
        counts=counts,
        truncated=bool(walk and walk.truncated),
        mermaid=to_mermaid(graph, focus=origins) if graph is not None else "",
        lineage_graph=graph if graph is not None else pb.LineageGraph(),
    )


def _describe(target: Target) -> str:
    if target.kind == "subject":
        return f"data subject {target.value}"
    if target.kind == "artifacts":
        values = target.value if isinstance(target.value, (list, tuple)) else [target.value]
        return "dataset " + ", ".join(map(str, values))
    return target.describe()


def _seeds_or_none(store: Any, target: Target) -> list[int]:
    try:
        return _seeds(store, target)
    except NotFoundError:
        if target.kind == "subject":
            return []
        raise


def _merge_receipts(*groups: list[ReceiptRecord]) -> list[ReceiptRecord]:
    seen: dict[NodeKey, ReceiptRecord] = {}
    for group in groups:
        for r in group:
            seen.setdefault(r.key, r)
    return sorted(seen.values(), key=lambda r: (r.applied or "", parse_key(r.key)[1]))


def _status(mark: ErasureMark | None) -> str:
    if mark is None:
        return "active"
    return "review" if mark.action == "review" else "tombstoned"


def _reached(
    walk: Lineage | None, seeds: set[int], receipts: list[ReceiptRecord]
) -> tuple[list[ReachedArtifact], list[ReachedExecution]]:
    if walk is None:
        return [], []
    nodes = walk.nodes()
    graph = walk.lineage_graph
    base_types = {
        t.id: (t.base_type if t.HasField("base_type") else None) for t in graph.artifact_types
    }
    receipt_ids = {
        k for k, n in nodes.items() if k.startswith("execution:") and n.type == cv.ERASURE_TYPE
    }
    edges = [e for e in walk.edges if key("execution", e[1]) not in receipt_ids]
    produced = {key("artifact", a) for a, _, etype, _, _ in edges if etype not in (2, 3, 5)}
    origins = tuple(
        k
        for k in walk.focus
        if k.startswith("artifact:") and (parse_key(k)[1] in seeds or k not in produced)
    )
    paths = shortest_paths(origins, edges)
    touched = receipts_by_node(receipts)
    artifacts: list[ReachedArtifact] = []
    executions: list[ReachedExecution] = []
    for k, node in nodes.items():
        path = paths.get(k, (k,))
        hops = len(path) - 1
        if k.startswith("execution:"):
            if k in receipt_ids:
                continue
            executions.append(_execution(node, hops))
            continue
        mark = erasure_mark(node)
        artifacts.append(
            ReachedArtifact(
                key=k,
                kind=artifact_kind(node, base_types.get(node.type_id)),
                type=node.type,
                name=node_name(node),
                uri=node.uri or None,
                state=artifact_state(node),
                origin=k in origins,
                hops=hops,
                path=path,
                via=tuple(p for p in path if p.startswith("execution:")),
                status=_status(mark),
                erasure=mark,
                receipts=tuple(r.key for r in touched.get(k, ())),
                pii=pii_of(node),
            )
        )
    executions.sort(key=lambda x: (x.hops, parse_key(x.key)[1]))
    return artifacts, executions


def _producers(store: Any, walk: Lineage | None, origins: list[NodeKey]) -> list[ReachedExecution]:
    """The executions that wrote ``origins`` and are not in the walk."""
    ids = [parse_key(k)[1] for k in origins if walk is not None and k in walk.hops]
    if not ids or walk is None:
        return []
    found = {
        e.execution_id
        for e in store.get_events_by_artifact_ids(ids)
        if e.type not in (2, 3, 5) and key("execution", e.execution_id) not in walk.hops
    }
    return [
        _execution(x, 0)
        for x in store.get_executions_by_id(sorted(found))
        if x.type != cv.ERASURE_TYPE
    ]


def _execution(node: Any, hops: int) -> ReachedExecution:
    user = prop(node, cv.RUN_USER)
    return ReachedExecution(
        key=key("execution", node.id),
        type=node.type,
        name=node_name(node),
        state=execution_state(node),
        started=iso(prop(node, cv.RUN_START_TIME) or node.create_time_since_epoch),
        ended=iso(prop(node, cv.RUN_END_TIME) or node.last_update_time_since_epoch),
        user=None if user is None else str(user),
        hops=hops,
    )


def _deleted(node_key: NodeKey, receipts: list[ReceiptRecord]) -> ReachedArtifact:
    by = [r for r in receipts if node_key in r.deleted]
    mark = None
    if by:
        mark = ErasureMark(
            erasure_id=by[-1].erasure_id,
            action="deleted",
            time=by[-1].applied,
            reason=by[-1].reason,
        )
    return ReachedArtifact(
        key=node_key,
        kind=None,
        type=None,
        name=None,
        uri=None,
        state=None,
        origin=True,
        hops=0,
        path=(node_key,),
        via=(),
        status="deleted",
        erasure=mark,
        receipts=tuple(r.key for r in by),
        pii=None,
    )
