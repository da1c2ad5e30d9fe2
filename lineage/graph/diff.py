"""``diff``: what differs between the ancestries of two artifacts (a good model and a bad one).

The steps of the two ancestries are matched by execution type, in the order they ran (a step
that is the very same execution in both is *shared*). For every matched pair the parameters,
code version, inputs (by role: the event path, else the type), environment packages, step
metrics and final state are compared. The first point where the histories diverge is the first
step, in run order, that differs or has no counterpart.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from lineage.graph._nodes import NodeKey
from lineage.graph._values import short
from lineage.graph.provenance import DataInput, Provenance, Step, provenance
from lineage.proto import metadata_store_pb2 as pb

__all__ = ["Change", "Diff", "StepMatch", "diff"]


@dataclass(frozen=True)
class Change:
    """One difference: ``what`` (parameter, code, input, package, metric, state, step) changed."""

    what: str
    name: str
    a: Any
    b: Any
    step: str = ""

    def describe(self) -> str:
        """``step: name: a → b`` in words."""
        where = f"{self.step}: " if self.step else ""
        if self.what == "step":
            return f"{where}{self.name}"
        return f"{where}{self.name}: {_show(self.a)} → {_show(self.b)}"


@dataclass(frozen=True)
class StepMatch:
    """A step of A and its counterpart in B (either may be None)."""

    type: str
    a: NodeKey | None
    b: NodeKey | None
    status: str  # shared | same | changed | only_a | only_b
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Diff:
    """The differences between the ancestries of ``a`` and ``b``.

    Attributes:
        a / b: Keys of the two nodes compared; ``a_name`` / ``b_name`` their labels.
        steps: Every step of either ancestry, matched, in A's run order (B-only steps last).
        data / code / parameters / packages / metrics: The changes of each kind.
        shared: Nodes both ancestries contain (the same rows).
        divergence: The first step, in run order, where the histories part, or None.
        provenance_a / provenance_b: The two provenances compared.
    """

    a: NodeKey
    b: NodeKey
    a_name: str
    b_name: str
    steps: tuple[StepMatch, ...]
    data: tuple[Change, ...]
    code: tuple[Change, ...]
    parameters: tuple[Change, ...]
    packages: tuple[Change, ...]
    metrics: tuple[Change, ...]
    shared: tuple[NodeKey, ...]
    divergence: StepMatch | None
    provenance_a: Provenance = field(repr=False, compare=False)
    provenance_b: Provenance = field(repr=False, compare=False)

    @property
    def identical(self) -> bool:
        """True when nothing differs."""
        return self.divergence is None

    @property
    def lineage_graph(self) -> Any:
        """Both ancestries in one LineageGraph (for drawing)."""
        return _union(self.provenance_a.lineage_graph, self.provenance_b.lineage_graph)

    @property
    def focus(self) -> tuple[NodeKey, ...]:
        return (self.a, self.b)

    @property
    def highlight(self) -> tuple[NodeKey, ...]:
        """The divergent steps and the inputs that differ."""
        if self.divergence is None:
            return ()
        keys = [k for k in (self.divergence.a, self.divergence.b) if k]
        return tuple(keys)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        for key in ("provenance_a", "provenance_b"):
            data.pop(key, None)
        data["identical"] = self.identical
        data["divergence_text"] = _divergence_text(self)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The diff as JSON."""
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


def diff(store: Any, a: Any, b: Any, *, max_hops: int | None = None) -> Diff:
    """Compare the ancestries of two artifacts (typically two models).

    Args:
        store: A ``lineage.MetadataStore``.
        a: The first node (e.g. the good model): proto, id, ``artifact:ID``, ``TYPE:NAME``, URI.
        b: The second node (e.g. the regressed one).
        max_hops: Limit both walks (None: to the roots).

    Example:
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> diff(store, ids["model"], ids["model"]).identical
        True
    """
    return compare_provenance(
        provenance(store, a, max_hops=max_hops), provenance(store, b, max_hops=max_hops)
    )


def compare_provenance(pa: Provenance, pb_: Provenance) -> Diff:
    """The :class:`Diff` of two provenances."""
    inputs_a = {i.key: i for i in pa.inputs}
    inputs_b = {i.key: i for i in pb_.inputs}
    envs_a = {e.key: e for e in pa.environments}
    envs_b = {e.key: e for e in pb_.environments}
    roles_a = _input_roles(pa)
    roles_b = _input_roles(pb_)
    matches: list[StepMatch] = []
    steps_b = list(pb_.steps)
    used_b: set[NodeKey] = set()
    for sa in pa.steps:
        sb = next((s for s in steps_b if s.key == sa.key), None)
        if sb is None:
            sb = next(
                (
                    s
                    for s in steps_b
                    if s.key not in used_b
                    and s.type == sa.type
                    and s.key not in {x.key for x in pa.steps}
                ),
                None,
            )
        if sb is None:
            matches.append(
                StepMatch(
                    type=sa.type,
                    a=sa.key,
                    b=None,
                    status="only_a",
                    changes=(
                        Change(
                            "step", f"{sa.type} {sa.name or ''} ran only in A".strip(), sa.key, None
                        ),
                    ),
                )
            )
            continue
        used_b.add(sb.key)
        if sb.key == sa.key:
            matches.append(StepMatch(type=sa.type, a=sa.key, b=sb.key, status="shared"))
            continue
        changes = _compare_steps(sa, sb, roles_a, roles_b, inputs_a, inputs_b, envs_a, envs_b)
        matches.append(
            StepMatch(
                type=sa.type,
                a=sa.key,
                b=sb.key,
                status="changed" if changes else "same",
                changes=tuple(changes),
            )
        )
    for sb in steps_b:
        if sb.key not in used_b:
            matches.append(
                StepMatch(
                    type=sb.type,
                    a=None,
                    b=sb.key,
                    status="only_b",
                    changes=(
                        Change(
                            "step", f"{sb.type} {sb.name or ''} ran only in B".strip(), None, sb.key
                        ),
                    ),
                )
            )
    all_changes = [c for m in matches for c in m.changes]
    divergence = next((m for m in matches if m.status in ("changed", "only_a", "only_b")), None)
    shared = sorted(set(pa.lineage.hops) & set(pb_.lineage.hops))
    return Diff(
        a=pa.target,
        b=pb_.target,
        a_name=pa.name,
        b_name=pb_.name,
        steps=tuple(matches),
        data=tuple(c for c in all_changes if c.what == "input"),
        code=tuple(c for c in all_changes if c.what == "code"),
        parameters=tuple(c for c in all_changes if c.what == "parameter"),
        packages=_dedupe(c for c in all_changes if c.what == "package"),
        metrics=tuple(c for c in all_changes if c.what == "metric"),
        shared=tuple(shared),
        divergence=divergence,
        provenance_a=pa,
        provenance_b=pb_,
    )


def _dedupe(changes: Iterable[Change]) -> tuple[Change, ...]:
    seen: set[tuple[str, str]] = set()
    out = []
    for c in changes:
        if (c.name, _show(c.a) + _show(c.b)) not in seen:
            seen.add((c.name, _show(c.a) + _show(c.b)))
            out.append(Change(c.what, c.name, c.a, c.b))
    return tuple(out)


def _input_roles(p: Provenance) -> dict[NodeKey, dict[str, NodeKey]]:
    """Step key → role → input artifact key. A role is the event path, else the input's type."""
    graph = p.lineage.lineage_graph
    types = {f"artifact:{a.id}": a.type for a in graph.artifacts}
    roles: dict[NodeKey, dict[str, NodeKey]] = {}
    for event in sorted(graph.events, key=lambda e: (e.execution_id, e.artifact_id)):
        if event.type not in (2, 3, 5):
            continue
        a_key = f"artifact:{event.artifact_id}"
        path = ".".join(str(s.index) if s.HasField("index") else s.key for s in event.path.steps)
        role = path or types.get(a_key, a_key)
        step_roles = roles.setdefault(f"execution:{event.execution_id}", {})
        while role in step_roles:  # several inputs of one type and no path: number them
            role += "+"
        step_roles[role] = a_key
    return roles


def _compare_steps(
    sa: Step,
    sb: Step,
    roles_a: Mapping[NodeKey, Mapping[str, NodeKey]],
    roles_b: Mapping[NodeKey, Mapping[str, NodeKey]],
    inputs_a: Mapping[NodeKey, DataInput],
    inputs_b: Mapping[NodeKey, DataInput],
    envs_a: Mapping[NodeKey, Any],
    envs_b: Mapping[NodeKey, Any],
) -> list[Change]:
    label = f"{sa.type}" + (f" {sa.name}" if sa.name and sa.name == sb.name else "")
    changes: list[Change] = []
    for name in sorted(set(sa.parameters) | set(sb.parameters)):
        va, vb = sa.parameters.get(name), sb.parameters.get(name)
        if va != vb:
            changes.append(Change("parameter", name, va, vb, label))
    code_a, code_b = sa.code, sb.code
    for attr in (
        "repository",
        "commit",
        "dirty",
        "diff_sha256",
        "entry_point",
        "entry_point_sha256",
    ):
        va = getattr(code_a, attr) if code_a else None
        vb = getattr(code_b, attr) if code_b else None
        if va != vb:
            changes.append(Change("code", attr, va, vb, label))
    ra, rb = roles_a.get(sa.key, {}), roles_b.get(sb.key, {})
    for role in sorted(set(ra) | set(rb)):
        ka, kb = ra.get(role), rb.get(role)
        if ka == kb:
            continue
        ia, ib = inputs_a.get(ka or ""), inputs_b.get(kb or "")
        env_a, env_b = envs_a.get(ka or ""), envs_b.get(kb or "")
        if env_a is not None or env_b is not None:
            packages_a = dict(env_a.packages) if env_a else {}
            packages_b = dict(env_b.packages) if env_b else {}
            for pkg in sorted(set(packages_a) | set(packages_b)):
                if packages_a.get(pkg) != packages_b.get(pkg):
                    changes.append(
                        Change("package", pkg, packages_a.get(pkg), packages_b.get(pkg), label)
                    )
            for attr in ("python_version", "platform"):
                va, vb = getattr(env_a, attr, None), getattr(env_b, attr, None)
                if va != vb:
                    changes.append(Change("package", attr, va, vb, label))
            continue
        if ia is None and ib is None:
            if ka is not None and kb is not None:
                continue  # configs: compared through the parameters they set
            changes.append(Change("input", role, ka, kb, label))
            continue
        changes.extend(_compare_inputs(role, ia, ib, label))
    for name in sorted(set(sa.metrics) | set(sb.metrics)):
        va, vb = sa.metrics.get(name), sb.metrics.get(name)
        if va != vb:
            changes.append(Change("metric", name, va, vb, label))
    if sa.state != sb.state:
        changes.append(Change("state", "state", sa.state, sb.state, label))
    return changes


def _compare_inputs(
    role: str, ia: DataInput | None, ib: DataInput | None, step: str
) -> list[Change]:
    if ia is None or ib is None:
        return [Change("input", role, ia.key if ia else None, ib.key if ib else None, step)]
    out = []
    what = f"{role} ({ia.type})" if role != ia.type else role
    if ia.fingerprint != ib.fingerprint and (ia.fingerprint or ib.fingerprint):
        sources = sorted({s for s in (ia.version_source, ib.version_source) if s})
        label = f"{what} fingerprint" + (f" ({', '.join(sources)})" if sources else "")
        out.append(Change("input", label, ia.fingerprint, ib.fingerprint, step))
    if ia.version != ib.version and (ia.version is not None or ib.version is not None):
        out.append(Change("input", f"{what} version", ia.version, ib.version, step))
    if ia.uri != ib.uri:
        out.append(Change("input", f"{what} uri", ia.uri, ib.uri, step))
    if not out and ia.fingerprint is None and ib.fingerprint is None:
        # Different artifacts that recorded nothing to compare: say so.
        out.append(Change("input", f"{what} artifact", ia.key, ib.key, step))
    return out


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str) and value.startswith("sha256:"):
        return value[:19] + "…"
    return short(value, 48)


def _union(a: Any, b: Any) -> Any:
    out = pb.LineageGraph()
    for name in (
        "artifact_types",
        "execution_types",
        "context_types",
        "artifacts",
        "executions",
        "contexts",
    ):
        seen: set[int] = set()
        for item in [*getattr(a, name), *getattr(b, name)]:
            if item.id not in seen:
                seen.add(item.id)
                getattr(out, name).append(item)
    for name, fields in (
        ("events", ("artifact_id", "execution_id", "type")),
        ("attributions", ("artifact_id", "context_id")),
        ("associations", ("execution_id", "context_id")),
    ):
        keys: set[tuple[int, ...]] = set()
        for item in [*getattr(a, name), *getattr(b, name)]:
            k = tuple(getattr(item, f) for f in fields)
            if k not in keys:
                keys.add(k)
                getattr(out, name).append(item)
    return out


def _divergence_text(d: Diff) -> str:
    m = d.divergence
    if m is None:
        return "the two histories are identical"
    if m.status == "only_a":
        return f"{m.type} ({m.a}) ran only in the history of {d.a}"
    if m.status == "only_b":
        return f"{m.type} ({m.b}) ran only in the history of {d.b}"
    first = "; ".join(c.describe().split(": ", 1)[-1] for c in m.changes[:3])
    more = f" (+{len(m.changes) - 3} more)" if len(m.changes) > 3 else ""
    return f"{m.type} ({m.a} vs {m.b}): {first}{more}"


def _text(d: Diff) -> list[str]:
    counts = {
        s: sum(1 for m in d.steps if m.status == s)
        for s in ("shared", "same", "changed", "only_a", "only_b")
    }
    lines = [
        f"Diff of {d.a_name}",
        f"     and {d.b_name}",
        "",
        f"Steps: {counts['shared']} shared, {counts['same']} matched and equal, "
        f"{counts['changed']} changed, {counts['only_a']} only in A, {counts['only_b']} only in B",
        f"First divergence: {_divergence_text(d)}",
    ]
    for title, changes in (
        ("Data", d.data),
        ("Code", d.code),
        ("Parameters", d.parameters),
        ("Packages", d.packages),
        ("Metrics", d.metrics),
    ):
        if changes:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  {c.describe()}" for c in changes)
    other = [c for m in d.steps for c in m.changes if c.what in ("step", "state")]
    if other:
        lines.append("")
        lines.append("Steps:")
        lines.extend(f"  {c.describe()}" for c in other)
    if d.identical:
        lines.append("")
        lines.append("No differences: both were produced by the same recorded history.")
    return lines


def _markdown(d: Diff) -> list[str]:
    lines = [f"# Diff of `{d.a}` and `{d.b}`", "", f"- **A**: {d.a_name}", f"- **B**: {d.b_name}"]
    lines.append(f"- **First divergence**: {_divergence_text(d)}")
    lines += ["", "| step | A | B | status |", "|---|---|---|---|"]
    lines.extend(f"| {m.type} | {m.a or '—'} | {m.b or '—'} | {m.status} |" for m in d.steps)
    for title, changes in (
        ("Data", d.data),
        ("Code", d.code),
        ("Parameters", d.parameters),
        ("Packages", d.packages),
        ("Metrics", d.metrics),
    ):
        if changes:
            lines += ["", f"## {title}", "", "| step | what | A | B |", "|---|---|---|---|"]
            lines.extend(f"| {c.step} | {c.name} | {_show(c.a)} | {_show(c.b)} |" for c in changes)
    return lines
