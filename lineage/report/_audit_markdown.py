"""The audit dossier as Markdown (GitHub-flavoured: tables, a Mermaid block, ``<details>``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lineage.report._audit_views import (
    CODE_FIELDS,
    facts,
    filled,
    mark_text,
    model_status,
    status_of,
)
from lineage.report._records import InputRecord, ReceiptRecord
from lineage.report._text import code, md_table, plural, show, when

if TYPE_CHECKING:
    from lineage.report._audit import AuditDossier

__all__ = ["audit_markdown"]


def _md_receipts(receipts: tuple[ReceiptRecord, ...], scope: set[str]) -> list[str]:
    return md_table(
        ["receipt", "erasure", "applied", "by", "reason", "nodes in this lineage", "plan"],
        [
            [
                r.key,
                code(r.erasure_id),
                when(r.applied),
                r.requested_by,
                r.reason,
                ", ".join(
                    f"{k} {r.action_on(k)}"
                    for k in (*r.tombstoned, *r.deleted, *r.review)
                    if k in scope
                ),
                code(r.plan_sha256),
            ]
            for r in receipts
        ],
    )


def _md_inputs(inputs: tuple[InputRecord, ...]) -> list[str]:
    return md_table(
        [
            "node",
            "kind",
            "type",
            "name / uri",
            "version",
            "fingerprint",
            "size",
            "PII",
            "licence",
            "subjects",
            "root",
            "status",
        ],
        [
            [
                i.key,
                i.kind,
                i.type,
                i.name or i.uri or ("(scrubbed)" if status_of(i) == "tombstoned" else ""),
                i.version,
                code(i.fingerprint),
                i.size_bytes,
                {True: "yes", False: "no"}.get(i.pii, "") if i.pii is not None else "",
                i.license,
                len(i.subjects) or "",
                "yes" if i.root else "",
                status_of(i),
            ]
            for i in inputs
        ],
    )


def audit_markdown(d: AuditDossier) -> str:
    """The dossier as Markdown (GitHub-flavoured: tables, a Mermaid block, ``<details>``)."""
    f = facts(d)
    m = d.model
    status, _ = model_status(d)
    lines = [
        f"# {d.title}",
        "",
        f"Generated {when(d.generated)} by lineage from `{d.store or 'a store'}`. The JSON form "
        f"of this dossier has the checksum `{d.sha256}` (`lineage report verify FILE`).",
        "",
        "## Summary",
        "",
        f"- **Model**: {show(m.name or m.uri)} ({m.type}, `{m.key}`), state "
        f"{m.state or 'unset'}, created {when(m.created)}",
        f"- **Steps**: {len(d.steps)} ("
        + (", ".join(f"{n} {s}" for s, n in sorted(f["states"].items())) or "none")
        + ")"
        + (f", run by {', '.join(f['users'])}" if f["users"] else ""),
        f"- **Data**: {plural(len(f['data']), 'input')}, {len(f['roots'])} of them roots; "
        f"{len(f['pii'])} hold personal data"
        + (f" of {plural(len(f['subjects']), 'data subject')}" if f["subjects"] else "")
        + (f"; licences: {', '.join(f['licences'])}" if f["licences"] else ""),
        f"- **Evaluations**: {len(d.evaluations)}; **metrics**: {len(d.metrics)}",
        f"- **Erasures**: {plural(len(d.erasures.receipts), 'erasure')} affected this lineage; "
        f"model status: {status}",
        "- **Reproducibility**: "
        + (f"{plural(len(d.missing), 'gap')} (see Not recorded)" if d.missing else "complete")
        + (
            f"; {plural(len(f['dirty']), 'step')} ran uncommitted code (diff hash recorded)"
            if f["dirty"]
            else ""
        ),
        "",
        "## Lineage",
        "",
        "```mermaid",
        d.lineage.mermaid.rstrip("\n"),
        "```",
        "",
        f"{d.lineage.artifacts} artifacts, {d.lineage.executions} executions, "
        f"{len(d.lineage.events)} events"
        + (" (truncated: a walk hit its node budget)" if d.lineage.truncated else "")
        + ".",
        "",
        "## Model",
        "",
    ]
    model_rows: list[list[Any]] = [
        ["key", m.key],
        ["type", f"{m.type} ({m.kind})"],
        ["name", m.name],
        ["uri", m.uri],
        ["state", m.state],
        ["created", when(m.created)],
        ["updated", when(m.updated)],
        ["fingerprint", code(m.fingerprint) if m.fingerprint else "not recorded"],
        ["version", m.version],
        ["size (bytes)", m.size_bytes],
        ["PII", None if m.pii is None else ("yes" if m.pii else "no")],
        ["licence", m.license],
        ["data subjects", ", ".join(m.subjects)],
        ["tags", ", ".join(m.tags)],
        ["erasure", mark_text(m.erasure)],
        *[[f"property `{k}`", v] for k, v in m.properties.items()],
    ]
    lines += md_table(["field", "value"], [row for row in model_rows if filled(row[1])])
    lines += ["", "## Steps", "", "In the order they ran.", ""]
    lines += md_table(
        ["#", "step", "type", "name", "state", "started", "ended", "by", "host"],
        [
            [n, s.key, s.type, s.name, s.state, when(s.started), when(s.ended), s.user, s.host]
            for n, s in enumerate(d.steps, 1)
        ],
    )
    for n, s in enumerate(d.steps, 1):
        lines += ["", f"### {n}. {s.type} {s.name or ''} (`{s.key}`)".replace("  ", " "), ""]
        if s.error:
            lines += [f"**Error**: {show(s.error)}", ""]
        lines.append(
            f"Inputs: {', '.join(s.inputs) or 'none'}; outputs: {', '.join(s.outputs) or 'none'}"
        )
        if s.parameters:
            lines += ["", "Parameters:", ""]
            lines += md_table(
                ["parameter", "value"], [[k, code(v)] for k, v in s.parameters.items()]
            )
        if s.code:
            lines += ["", "Code:", ""]
            lines += md_table(
                ["", ""],
                [[label, code(s.code[name])] for name, label in CODE_FIELDS if name in s.code],
            )
        if s.metrics:
            lines += ["", "Metrics: " + ", ".join(f"{k} = {show(v)}" for k, v in s.metrics.items())]
    lines += ["", "## Data and other inputs", ""]
    lines += _md_inputs(d.inputs)
    if f["subjects"]:
        lines += [
            "",
            "Data subjects are shown as `sha256:<16 hex>` of their ids unless the dossier was "
            "made with `reveal_subjects=True`.",
        ]
    lines += ["", "## Environment", ""]
    if not d.environments:
        lines += ["No execution environment was recorded.", ""]
    for e in d.environments:
        lines += [
            f"### `{e.key}`: {e.python_implementation or 'Python'} {e.python_version or ''} on "
            f"{e.platform or 'an unknown platform'}",
            "",
            f"Fingerprint {show(e.fingerprint) or 'not recorded'}; used by "
            f"{', '.join(e.used_by) or 'no step'}.",
            "",
            f"<details><summary>{plural(len(e.packages), 'package')}</summary>",
            "",
        ]
        lines += md_table(["package", "version"], sorted(e.packages.items()))
        lines += ["", "</details>", ""]
    if d.configs:
        lines += ["## Configuration", ""]
        lines += md_table(
            ["node", "uri", "fingerprint", "values", "used by"],
            [
                [c.key, c.uri, code(c.fingerprint), code(c.values), ", ".join(c.used_by)]
                for c in d.configs
            ],
        )
        lines.append("")
    lines += ["## Evaluations and metrics", ""]
    lines += md_table(
        ["metric", "value", "recorded on", "via"],
        [
            [x.name, x.value, f"{x.source} {x.source_type} {x.source_name or ''}".strip(), x.via]
            for x in d.metrics
        ],
    )
    if d.evaluations:
        lines += ["", "Executions that read the model:", ""]
        lines += md_table(
            ["execution", "type", "name", "state", "started", "by", "outputs"],
            [
                [
                    e.key,
                    e.type,
                    e.name,
                    e.state,
                    when(e.started),
                    e.user,
                    ", ".join(
                        f"{o.key} {o.type} {o.name or o.uri or ''}".strip() for o in e.outputs
                    ),
                ]
                for e in d.evaluations
            ],
        )
    lines += ["", "## Erasures", ""]
    if not d.erasures.receipts and not d.erasures.markers:
        lines.append("No erasure touched this model or anything it derives from.")
    else:
        scope = {m.key, *(i.key for i in d.inputs)}
        lines += _md_receipts(d.erasures.receipts, scope)
        lines += ["", "Markers on the model and its ancestors:", ""]
        lines += md_table(
            ["node", "type", "action", "erasure", "time", "reason"],
            [
                [k.key, k.type, k.action, code(k.erasure_id), when(k.time), k.reason]
                for k in d.erasures.markers
            ],
        )
    lines += ["", "## Not recorded", ""]
    if d.missing:
        lines += [f"- {show(x)}" for x in d.missing]
    else:
        lines.append("Everything needed to reproduce the model was recorded.")
    if d.contexts:
        lines += ["", "## Contexts", ""]
        lines += md_table(
            ["context", "type", "name"], [[c.key, c.type, c.name] for c in d.contexts]
        )
    return "\n".join(lines) + "\n"
