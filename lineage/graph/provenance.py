"""``provenance``: which data, code, parameters and environment produced an artifact."""

from __future__ import annotations

import heapq
import importlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from lineage import conventions as cv
from lineage.graph._model import Lineage
from lineage.graph._nodes import NodeKey, key, resolve_nodes
from lineage.graph._values import (
    artifact_kind,
    as_mapping,
    code_of,
    format_ms,
    metrics_of,
    params_of,
    prop,
    run_info,
    short,
)
from lineage.graph.traversal import upstream
from lineage.proto import metadata_store_pb2 as pb

__all__ = [
    "CodeVersion",
    "ConfigFile",
    "ContextInfo",
    "DataInput",
    "Environment",
    "Provenance",
    "Step",
    "provenance",
]

INPUT_TYPES = frozenset({2, 3, 5})


@dataclass(frozen=True)
class DataInput:
    """An artifact the target was derived from (data, models, statistics...)."""

    key: NodeKey
    kind: str
    type: str
    name: str | None
    uri: str | None
    version: Any
    fingerprint: str | None
    size_bytes: int | None
    state: str | None
    root: bool
    hops: int
    produced_by: NodeKey | None
    consumed_by: tuple[NodeKey, ...]
    #: Where the version came from when it was not lineage's own sha256 (``dvc``, ``git-lfs``,
    #: ``delta``, ``huggingface``, ...: ``version_source``).
    version_source: str | None = None


@dataclass(frozen=True)
class CodeVersion:
    """The code an execution ran, as recorded (``code.*``)."""

    execution: NodeKey
    repository: str | None
    commit: str | None
    branch: str | None
    dirty: bool | None
    diff_sha256: str | None
    entry_point: str | None
    entry_point_sha256: str | None
    command: str | None


@dataclass(frozen=True)
class Environment:
    """A recorded execution environment and the executions that used it."""

    key: NodeKey
    python_version: str | None
    platform: str | None
    packages: Mapping[str, str]
    fingerprint: str | None
    used_by: tuple[NodeKey, ...]


@dataclass(frozen=True)
class ConfigFile:
    """A configuration file an execution read."""

    key: NodeKey
    uri: str | None
    fingerprint: str | None
    values: Mapping[str, Any]
    used_by: tuple[NodeKey, ...]


@dataclass(frozen=True)
class ContextInfo:
    """A pipeline, run or experiment the lineage belongs to."""

    key: NodeKey
    type: str
    name: str


@dataclass(frozen=True)
class Step:
    """One execution on the way, in the order they ran."""

    key: NodeKey
    type: str
    name: str | None
    state: str | None
    started: int | None
    ended: int | None
    user: str | None
    host: str | None
    parameters: Mapping[str, Any]
    metrics: Mapping[str, Any]
    inputs: tuple[NodeKey, ...]
    outputs: tuple[NodeKey, ...]
    contexts: tuple[NodeKey, ...]
    code: CodeVersion | None
    error: str | None
    hops: int


@dataclass(frozen=True)
class Provenance:
    """Everything that produced ``target``, walked to the roots.

    Attributes:
        target: The key of the artifact (or execution) asked about.
        name: Its display name.
        steps: The executions on the way, in the order they ran (topological, then by time).
        inputs: The artifacts the target derives from (datasets with versions and fingerprints,
            models, ...), nearest first; ``root`` marks those nothing recorded produced.
        code: The code versions recorded on the steps.
        configs: Configuration files the steps read.
        environments: Execution environments the steps ran in.
        contexts: Pipelines, runs and experiments involved.
        missing: What a reproduction would need that was not recorded.
        lineage: The upstream walk itself (draw it, or convert it to networkx).
    """

    target: NodeKey
    name: str
    steps: tuple[Step, ...]
    inputs: tuple[DataInput, ...]
    code: tuple[CodeVersion, ...]
    configs: tuple[ConfigFile, ...]
    environments: tuple[Environment, ...]
    contexts: tuple[ContextInfo, ...]
    missing: tuple[str, ...]
    lineage: Lineage = field(repr=False, compare=False)

    @property
    def lineage_graph(self) -> Any:
        """The upstream LineageGraph (for drawing)."""
        return self.lineage.lineage_graph

    @property
    def focus(self) -> tuple[NodeKey, ...]:
        return (self.target,)

    @property
    def highlight(self) -> tuple[NodeKey, ...]:
        return ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without the walk itself)."""
        data = asdict(self)
        data.pop("lineage", None)
        data["lineage"] = {
            "nodes": len(self.lineage.hops),
            "truncated": self.lineage.truncated,
        }
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The provenance as JSON."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, default=str)

    def to_text(self) -> str:
        """A readable report."""
        return "\n".join(_text(self))

    def to_markdown(self) -> str:
        """The report as Markdown."""
        return "\n".join(_markdown(self))

    def __str__(self) -> str:
        return self.to_text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        render = importlib.import_module("lineage.render")
        bundle: dict[str, Any] = render.mimebundle(self)
        bundle["text/plain"] = self.to_text()
        bundle["text/markdown"] = self.to_markdown()
        return bundle


def provenance(
    store: Any, node: Any, *, max_hops: int | None = None, as_of: Any = None
) -> Provenance:
    """Everything that produced ``node``: data, code, parameters, environment, steps, contexts.

    Works on graphs recorded by ``lineage.track`` and on plain MLMD/TFX graphs; what is not
    recorded is listed in ``missing``.

    Args:
        store: A ``lineage.MetadataStore``.
        node: The artifact (or execution): a proto, an id, ``artifact:ID``, ``TYPE:NAME`` or URI.
        max_hops: Stop the walk after this many hops (None: to the roots).
        as_of: The graph as it was at this time (datetime or ms since the epoch).

    Example:
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> p = provenance(store, ids["model"])
        >>> [s.name for s in p.steps], [i.name for i in p.inputs if i.root]
        (['ingest-1', 'train-1'], ['raw'])
    """
    artifacts, executions = resolve_nodes(store, node)
    walk = upstream(
        store,
        [*artifacts, *((("execution", x)) for x in executions)],
        max_hops=max_hops,
        as_of=as_of,
    )
    return build_provenance(walk)


def build_provenance(walk: Lineage) -> Provenance:
    """Assemble a :class:`Provenance` from an upstream walk."""
    graph = walk.lineage_graph
    target = walk.focus[0] if walk.focus else ""
    nodes = walk.nodes()
    base_types = {
        t.id: (t.base_type if t.HasField("base_type") else None) for t in graph.artifact_types
    }
    producers: dict[NodeKey, NodeKey] = {}
    consumers: dict[NodeKey, list[NodeKey]] = {}
    inputs_of: dict[NodeKey, list[NodeKey]] = {}
    outputs_of: dict[NodeKey, list[NodeKey]] = {}
    input_keys: dict[NodeKey, list[tuple[NodeKey, str]]] = {}
    for event in graph.events:
        a, x = key("artifact", event.artifact_id), key("execution", event.execution_id)
        path = ".".join(str(s.index) if s.HasField("index") else s.key for s in event.path.steps)
        if event.type in INPUT_TYPES:
            consumers.setdefault(a, []).append(x)
            inputs_of.setdefault(x, []).append(a)
            input_keys.setdefault(x, []).append((a, path))
        else:
            producers.setdefault(a, x)
            outputs_of.setdefault(x, []).append(a)
    contexts_of: dict[NodeKey, list[NodeKey]] = {}
    for link in graph.attributions:
        contexts_of.setdefault(key("artifact", link.artifact_id), []).append(
            key("context", link.context_id)
        )
    for link in graph.associations:
        contexts_of.setdefault(key("execution", link.execution_id), []).append(
            key("context", link.context_id)
        )

    steps = [
        _step(nodes[k], k, walk.hops.get(k, 0), inputs_of, outputs_of, contexts_of)
        for k in _run_order(walk, inputs_of, producers)
    ]
    inputs: list[DataInput] = []
    environments: dict[NodeKey, Environment] = {}
    configs: dict[NodeKey, ConfigFile] = {}
    for k, artifact in sorted(nodes.items(), key=lambda kv: (walk.hops.get(kv[0], 0), kv[0])):
        if not k.startswith("artifact:") or k == target:
            continue
        kind = artifact_kind(artifact, base_types.get(artifact.type_id))
        used_by = tuple(sorted(set(consumers.get(k, ()))))
        if kind == "environment":
            environments[k] = Environment(
                key=k,
                python_version=prop(artifact, "python_version"),
                platform=prop(artifact, "platform"),
                packages=dict(as_mapping(prop(artifact, "packages"))),
                fingerprint=prop(artifact, cv.FINGERPRINT),
                used_by=used_by,
            )
        elif kind == "config":
            configs[k] = ConfigFile(
                key=k,
                uri=artifact.uri or None,
                fingerprint=prop(artifact, cv.FINGERPRINT),
                values=dict(as_mapping(prop(artifact, "values"))),
                used_by=used_by,
            )
        else:
            inputs.append(
                DataInput(
                    key=k,
                    kind=kind,
                    type=artifact.type,
                    name=artifact.name if artifact.HasField("name") else None,
                    uri=artifact.uri or None,
                    version=prop(artifact, cv.VERSION)
                    or prop(artifact, "span")
                    or prop(artifact, "version"),
                    fingerprint=prop(artifact, cv.FINGERPRINT),
                    version_source=prop(artifact, cv.VERSION_SOURCE),
                    size_bytes=prop(artifact, cv.SIZE_BYTES),
                    state=pb.Artifact.State.Name(artifact.state)
                    if artifact.HasField("state")
                    else None,
                    root=k not in producers,
                    hops=walk.hops.get(k, 0),
                    produced_by=producers.get(k),
                    consumed_by=used_by,
                )
            )
    contexts = tuple(
        ContextInfo(key=key("context", c.id), type=c.type, name=c.name)
        for c in sorted(graph.contexts, key=lambda c: c.id)
    )
    code = tuple(s.code for s in steps if s.code is not None)
    target_node = nodes.get(target)
    name = _label(target, target_node) if target_node is not None else target
    return Provenance(
        target=target,
        name=name,
        steps=tuple(steps),
        inputs=tuple(inputs),
        code=code,
        configs=tuple(configs.values()),
        environments=tuple(environments.values()),
        contexts=contexts,
        missing=tuple(_missing(walk, steps, inputs, environments, code)),
        lineage=walk,
    )


def _label(node_key: NodeKey, node: Any) -> str:
    name = node.name if node.HasField("name") and node.name else None
    uri = getattr(node, "uri", "") or None
    return f"{node_key} ({node.type} {name or uri or ''})".replace(" )", ")")


def _step(
    execution: Any,
    k: NodeKey,
    hops: int,
    inputs_of: Mapping[NodeKey, list[NodeKey]],
    outputs_of: Mapping[NodeKey, list[NodeKey]],
    contexts_of: Mapping[NodeKey, list[NodeKey]],
) -> Step:
    info = run_info(execution)
    code = code_of(execution)
    error = None
    if info["error_type"] or info["error_message"]:
        error = f"{info['error_type'] or 'Error'}: {info['error_message'] or ''}".strip()
    return Step(
        key=k,
        type=execution.type,
        name=execution.name if execution.HasField("name") else None,
        state=pb.Execution.State.Name(execution.last_known_state)
        if execution.HasField("last_known_state")
        else None,
        started=info["started"],
        ended=info["ended"],
        user=info["user"],
        host=info["host"],
        parameters=params_of(execution),
        metrics=metrics_of(execution),
        inputs=tuple(sorted(set(inputs_of.get(k, ())))),
        outputs=tuple(sorted(set(outputs_of.get(k, ())))),
        contexts=tuple(sorted(set(contexts_of.get(k, ())))),
        code=CodeVersion(
            execution=k,
            repository=code.get("repository"),
            commit=code.get("commit"),
            branch=code.get("branch"),
            dirty=code.get("dirty"),
            diff_sha256=code.get("diff_sha256"),
            entry_point=code.get("entry_point"),
            entry_point_sha256=code.get("entry_point_sha256"),
            command=code.get("command"),
        )
        if code
        else None,
        error=error,
        hops=hops,
    )


def _run_order(
    walk: Lineage, inputs_of: Mapping[NodeKey, list[NodeKey]], producers: Mapping[NodeKey, NodeKey]
) -> list[NodeKey]:
    """Executions in the order they ran: producers before consumers, then by start time."""
    nodes = walk.nodes()
    executions = [k for k in nodes if k.startswith("execution:")]
    before: dict[NodeKey, set[NodeKey]] = {x: set() for x in executions}
    for x in executions:
        for a in inputs_of.get(x, ()):
            producer = producers.get(a)
            if producer is not None and producer != x and producer in before:
                before[x].add(producer)
    waiting = {x: len(deps) for x, deps in before.items()}
    after: dict[NodeKey, list[NodeKey]] = {}
    for x, deps in before.items():
        for d in deps:
            after.setdefault(d, []).append(x)

    def rank(x: NodeKey) -> tuple[int, int]:
        node = nodes[x]
        return (run_info(node)["started"] or 0, node.id)

    ready = [(rank(x), x) for x, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[NodeKey] = []
    while ready:
        _, x = heapq.heappop(ready)
        order.append(x)
        for nxt in after.get(x, ()):
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                heapq.heappush(ready, (rank(nxt), nxt))
    leftover = sorted((x for x in executions if x not in order), key=rank)  # cycles
    return order + leftover


def _missing(
    walk: Lineage,
    steps: list[Step],
    inputs: list[DataInput],
    environments: Mapping[NodeKey, Environment],
    code: tuple[CodeVersion, ...],
) -> list[str]:
    out = []
    if walk.truncated:
        out.append(f"the walk was cut at {len(walk.hops)} of {walk.total} nodes; raise the limit")
    if steps and not code:
        out.append("code: no code version (git commit, entry point) recorded on any step")
    else:
        out.extend(f"code: not recorded for {s.key} ({s.type})" for s in steps if s.code is None)
    for s in steps:
        if s.code is not None and s.code.commit is None and s.code.entry_point_sha256 is None:
            out.append(f"code: {s.key} ({s.type}) has neither a git commit nor an entry-point hash")
    if steps and not environments:
        out.append("environment: no execution environment (Python, packages) recorded")
    if steps and all(s.user is None for s in steps):
        out.append("who: no user recorded for any step")
    for i in inputs:
        if i.root and i.fingerprint is None:
            label = f"{i.type} {i.name or i.uri or ''}".strip()
            out.append(f"data: {i.key} ({label}) has no content fingerprint")
    if not steps:
        out.append("steps: no execution produced this artifact (it is a root input)")
    return out


# ------------------------------------------------------------------------------ text reports
def _text(p: Provenance) -> list[str]:
    lines = [f"Provenance of {p.name}", ""]
    lines.append(f"Steps ({len(p.steps)}, in the order they ran):")
    for s in p.steps:
        when = format_ms(s.started)
        who = f" by {s.user}" if s.user else ""
        lines.append(
            f"  {s.key} {s.type} {s.name or ''} [{s.state or 'state unknown'}] {when}{who}".rstrip()
        )
        if s.error:
            lines.append(f"      error: {s.error}")
        if s.parameters:
            lines.append(
                "      parameters: "
                + ", ".join(f"{k}={short(v, 40)}" for k, v in s.parameters.items())
            )
        if s.code is not None:
            lines.append(f"      code: {_code_line(s.code)}")
    lines.append("")
    lines.append(f"Inputs ({len(p.inputs)}):")
    for i in p.inputs:
        extra = []
        if i.version is not None:
            extra.append(f"version {i.version}")
        if i.fingerprint:
            shown = str(i.fingerprint)[:19]
            extra.append(f"{i.version_source} {shown}" if i.version_source else shown)
        root = " (root)" if i.root else ""
        label = f"{i.name or ''} {i.uri or ''}".strip()
        lines.append(f"  {i.key} {i.kind} {i.type} {label}{root} {' '.join(extra)}".rstrip())
    if p.environments:
        lines.append("")
        lines.append("Environment:")
        for e in p.environments:
            lines.append(
                f"  {e.key} Python {e.python_version} on {e.platform}, {len(e.packages)} packages"
            )
    if p.configs:
        lines.append("")
        lines.append("Configs:")
        lines.extend(f"  {c.key} {c.uri} {c.fingerprint or ''}".rstrip() for c in p.configs)
    if p.contexts:
        lines.append("")
        lines.append("Contexts: " + ", ".join(f"{c.type} {c.name}" for c in p.contexts))
    lines.append("")
    if p.missing:
        lines.append("Not recorded:")
        lines.extend(f"  - {m}" for m in p.missing)
    else:
        lines.append("Everything needed to reproduce it was recorded.")
    return lines


def _code_line(code: CodeVersion) -> str:
    parts = []
    if code.repository:
        parts.append(code.repository)
    if code.commit:
        parts.append(f"@{code.commit[:12]}")
    if code.dirty:
        parts.append("(dirty)")
    if code.entry_point:
        parts.append(f"entry {code.entry_point}")
    return " ".join(parts) or "recorded"


def _markdown(p: Provenance) -> list[str]:
    lines = [
        f"# Provenance of {p.name}",
        "",
        "## Steps",
        "",
        "| step | type | name | state | started | by | parameters |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in p.steps:
        params = ", ".join(f"`{k}={short(v, 30)}`" for k, v in s.parameters.items())
        cells = [
            s.key,
            s.type,
            s.name or "",
            s.state or "",
            format_ms(s.started),
            s.user or "",
            params,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Inputs",
        "",
        "| node | kind | type | name / uri | version | fingerprint | root |",
        "|---|---|---|---|---|---|---|",
    ]
    for i in p.inputs:
        version = "" if i.version is None else str(i.version)
        cells = [
            i.key,
            i.kind,
            i.type,
            i.name or i.uri or "",
            version,
            i.fingerprint or "",
            "yes" if i.root else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if p.code:
        lines += ["", "## Code", ""]
        lines.extend(f"- {c.execution}: {_code_line(c)}" for c in p.code)
    if p.environments:
        lines += ["", "## Environment", ""]
        lines.extend(
            f"- {e.key}: Python {e.python_version}, {e.platform}, {len(e.packages)} packages"
            for e in p.environments
        )
    if p.missing:
        lines += ["", "## Not recorded", ""]
        lines.extend(f"- {m}" for m in p.missing)
    return lines
