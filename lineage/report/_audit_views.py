"""The audit dossier as Markdown, HTML and a short text summary."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from lineage.report import _html as h
from lineage.report._records import ErasureMark, InputRecord
from lineage.report._text import Raw, plural, show, when

if TYPE_CHECKING:
    from lineage.report._audit import AuditDossier

__all__ = [
    "CODE_FIELDS",
    "audit_html",
    "audit_summary",
    "facts",
    "filled",
    "mark_text",
    "model_status",
    "status_of",
]

CODE_FIELDS = (
    ("repository", "repository"),
    ("commit", "commit"),
    ("branch", "branch"),
    ("dirty", "uncommitted changes"),
    ("diff_sha256", "diff sha256"),
    ("entry_point", "entry point"),
    ("entry_point_sha256", "entry point sha256"),
    ("command", "command"),
)


# ------------------------------------------------------------------------------ shared facts
def facts(d: AuditDossier) -> dict[str, Any]:
    states = Counter(s.state or "UNKNOWN" for s in d.steps)
    roots = [i for i in d.inputs if i.root]
    data = [i for i in d.inputs if i.kind not in ("environment", "config")]
    pii = [i for i in d.inputs if i.pii]
    subjects = {s for i in d.inputs for s in i.subjects} | set(d.model.subjects)
    licences = sorted({i.license for i in d.inputs if i.license})
    erased = [i for i in d.inputs if i.erasure is not None and i.erasure.action == "tombstoned"]
    return {
        "states": states,
        "failed": [s for s in d.steps if s.state in ("FAILED", "CANCELED")],
        "users": sorted({s.user for s in d.steps if s.user}),
        "roots": roots,
        "data": data,
        "unfingerprinted": [i for i in roots if not i.fingerprint],
        "pii": pii,
        "subjects": subjects,
        "licences": licences,
        "erased": erased,
        "dirty": [x for x in d.steps if x.code and x.code.get("dirty")],
    }


def _short_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return show(value, 12)


def filled(value: Any) -> bool:
    text = value.text if isinstance(value, Raw) else value
    return text not in (None, "", ())


def mark_text(mark: ErasureMark | None) -> str:
    if mark is None:
        return ""
    if mark.action == "review":
        return f"marked for review by erasure {mark.erasure_id} at {when(mark.time)}"
    return f"{mark.action or 'erased'} by erasure {mark.erasure_id} at {when(mark.time)}"


def status_of(record: Any) -> str:
    mark = getattr(record, "erasure", None)
    if mark is not None:
        return "review" if mark.action == "review" else (mark.action or "erased")
    state = getattr(record, "state", None)
    return "" if state in (None, "LIVE") else str(state)


def model_status(d: AuditDossier) -> tuple[str, str]:
    """(text, tone) of the model's erasure status."""
    mark = d.model.erasure
    if mark is not None and mark.action == "review":
        return "review", "warn"
    if mark is not None:
        return mark.action or "erased", "bad"
    if d.erasures.receipts:
        return "affected", "warn"
    return "no erasure", "ok"


def audit_summary(d: AuditDossier) -> str:
    """A few lines in words: the model, its steps, data, erasures and gaps."""
    f = facts(d)
    states = ", ".join(f"{n} {s}" for s, n in sorted(f["states"].items())) or "none"
    lines = [
        d.title,
        f"steps: {len(d.steps)} ({states}); inputs: {len(d.inputs)} "
        f"({plural(len(f['roots']), 'root')}, {len(f['pii'])} with personal data); "
        f"evaluations: {len(d.evaluations)}; "
        f"metrics: {len(d.metrics)}",
        f"erasures: {len(d.erasures.receipts)} receipts, {len(d.erasures.markers)} markers; "
        f"not recorded: {len(d.missing)}",
        f"sha256 of the JSON form: {d.sha256}",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ HTML
def _status_badge(record: Any) -> h.Markup:
    text = status_of(record)
    if not text:
        return h.badge("active", "ok")
    tone = {"review": "warn", "tombstoned": "bad", "deleted": "bad"}.get(text, "info")
    return h.badge(text, tone)


def _state_badge(state: str | None) -> h.Markup:
    if not state:
        return h.badge("unknown")
    tone = {"COMPLETE": "ok", "CACHED": "ok", "FAILED": "bad", "CANCELED": "bad"}.get(state, "info")
    return h.badge(state, tone)


def _cards(d: AuditDossier) -> h.Markup:
    f = facts(d)
    states = ", ".join(f"{n} {s.lower()}" for s, n in sorted(f["states"].items())) or "none"
    status, tone = model_status(d)
    cards = [
        h.card("Model status", status, mark_text(d.model.erasure) or (d.model.state or ""), tone),
        h.card(
            "Steps",
            len(d.steps),
            states + (f"; run by {', '.join(f['users'])}" if f["users"] else "; no user recorded"),
            "bad" if f["failed"] else "",
        ),
        h.card(
            "Data inputs",
            len(f["data"]),
            f"{plural(len(f['roots']), 'root')} ({len(f['unfingerprinted'])} without fingerprint)",
            "warn" if f["unfingerprinted"] else "",
        ),
        h.card(
            "Personal data",
            plural(len(f["pii"]), "input") if f["pii"] else "none recorded",
            "; ".join(
                part
                for part in (
                    plural(len(f["subjects"]), "data subject") if f["subjects"] else "",
                    f"{plural(len(f['erased']), 'input')} erased (tags scrubbed)"
                    if f["erased"]
                    else "",
                    f"licences: {', '.join(f['licences'])}" if f["licences"] else "",
                )
                if part
            ),
            "warn" if f["pii"] else "",
        ),
        h.card(
            "Metrics",
            len(d.metrics),
            ", ".join(f"{x.name} {_short_number(x.value)}" for x in d.metrics[:4])
            + (" …" if len(d.metrics) > 4 else ""),
        ),
        h.card(
            "Erasures",
            len(d.erasures.receipts),
            f"{plural(len(f['erased']), 'input')} tombstoned"
            if d.erasures.receipts
            else "none applied",
            "warn" if d.erasures.receipts else "",
        ),
        h.card(
            "Reproducibility",
            "complete" if not d.missing else plural(len(d.missing), "gap"),
            h.join(
                (
                    part
                    for part in (
                        "everything was recorded"
                        if not d.missing
                        else h.Markup('see <a href="#missing">Not recorded</a>'),
                        f"{plural(len(f['dirty']), 'step')} ran uncommitted code (its diff hash "
                        "is recorded)"
                        if f["dirty"]
                        else "",
                    )
                    if part
                ),
                "; ",
            ),
            "ok" if not d.missing and not f["dirty"] else "warn",
        ),
    ]
    return h.Markup('<div class="cards">' + "".join(cards) + "</div>")


def _html_steps(d: AuditDossier) -> list[h.Markup]:
    out = [
        h.table(
            ["#", "step", "type", "name", "state", "started", "ended", "by", "host"],
            [
                [
                    n,
                    h.code(s.key),
                    s.type,
                    s.name,
                    _state_badge(s.state),
                    when(s.started),
                    when(s.ended),
                    s.user,
                    s.host,
                ]
                for n, s in enumerate(d.steps, 1)
            ],
            numeric=(0,),
        )
    ]
    for n, s in enumerate(d.steps, 1):
        parts = [
            h.Markup(f"<h3>{n}. {h.esc(s.type)} {h.esc(s.name)} {h.code(s.key)}</h3>"),
        ]
        if s.error:
            parts.append(
                h.Markup(f'<div class="notice"><strong>Error:</strong> {h.esc(s.error)}</div>')
            )
        pairs: list[tuple[str, Any]] = [
            ("state", _state_badge(s.state)),
            ("run by", s.user or h.Markup('<span class="muted">not recorded</span>')),
            ("host", s.host),
            ("started / ended", f"{when(s.started)} – {when(s.ended)}".strip(" –")),
            ("inputs", h.join((h.code(k) for k in s.inputs), " ")),
            ("outputs", h.join((h.code(k) for k in s.outputs), " ")),
            ("contexts", h.join((h.code(k) for k in s.contexts), " ")),
        ]
        pairs += [(f"parameter {k}", h.code(v)) for k, v in s.parameters.items()]
        if s.code:
            pairs += [
                (f"code: {label}", h.code(s.code[n_])) for n_, label in CODE_FIELDS if n_ in s.code
            ]
        else:
            pairs.append(("code", h.Markup('<span class="muted">not recorded</span>')))
        pairs += [(f"metric {k}", v) for k, v in s.metrics.items()]
        parts.append(h.keyval(pairs))
        out.append(h.Markup("\n".join(parts)))
    return out


def _name_cell(i: InputRecord) -> h.Markup:
    if not i.name and not i.uri:
        scrubbed = i.erasure is not None and i.erasure.action == "tombstoned"
        return h.Markup(f'<span class="muted">{"(scrubbed)" if scrubbed else ""}</span>')
    return h.join([i.name or "", h.Markup("<br>") if i.name and i.uri else "", h.code(i.uri)])


def _html_inputs(d: AuditDossier) -> h.Markup:
    return h.table(
        [
            "node",
            "type",
            "name / uri",
            "version",
            "fingerprint",
            "size (bytes)",
            "PII",
            "licence",
            "subjects",
            "root",
            "status",
        ],
        [
            [
                h.code(i.key),
                i.type if i.kind in i.type.lower() else f"{i.type} ({i.kind})",
                _name_cell(i),
                i.version,
                h.code(i.fingerprint) or h.Markup('<span class="muted">none</span>'),
                i.size_bytes,
                h.badge("PII", "warn") if i.pii else ("no" if i.pii is False else ""),
                i.license,
                h.Markup(" ".join(f"<code>{h.esc(s)}</code>" for s in i.subjects)),
                "root" if i.root else "",
                _status_badge(i),
            ]
            for i in d.inputs
        ],
        numeric=(5,),
    )


def _html_environments(d: AuditDossier) -> list[h.Markup]:
    if not d.environments:
        return [h.Markup('<p class="muted">No execution environment was recorded.</p>')]
    out = []
    for e in d.environments:
        out.append(
            h.Markup(
                f"<h3>{h.code(e.key)} {h.esc(e.python_implementation or 'Python')} "
                f"{h.esc(e.python_version)} on {h.esc(e.platform or 'an unknown platform')}</h3>"
            )
        )
        out.append(
            h.keyval([("fingerprint", h.code(e.fingerprint)), ("used by", ", ".join(e.used_by))])
        )
        out.append(
            h.Markup(
                f"<details><summary>{h.esc(plural(len(e.packages), 'package'))}</summary>"
                f"{h.table(['package', 'version'], sorted(e.packages.items()))}</details>"
            )
        )
    return out


def _html_metrics(d: AuditDossier) -> list[h.Markup]:
    out = [
        h.table(
            ["metric", "value", "recorded on", "via"],
            [
                [
                    x.name,
                    x.value,
                    h.join([h.code(x.source), f" {x.source_type} {x.source_name or ''}"]),
                    x.via,
                ]
                for x in d.metrics
            ],
            numeric=(1,),
        )
    ]
    if d.evaluations:
        out.append(h.Markup("<h3>Executions that read the model</h3>"))
        out.append(
            h.table(
                ["execution", "type", "name", "state", "started", "by", "outputs"],
                [
                    [
                        h.code(e.key),
                        e.type,
                        e.name,
                        _state_badge(e.state),
                        when(e.started),
                        e.user,
                        h.join(
                            (
                                h.join(
                                    [
                                        h.code(o.key),
                                        f" {o.type} {o.name or o.uri or ''} ",
                                        _status_badge(o) if o.erasure else "",
                                    ]
                                )
                                for o in e.outputs
                            ),
                            "<br>",
                        ),
                    ]
                    for e in d.evaluations
                ],
            )
        )
    return out


def _html_erasures(d: AuditDossier) -> list[h.Markup]:
    if not d.erasures.receipts and not d.erasures.markers:
        return [h.Markup("<p>No erasure touched this model or anything it derives from.</p>")]
    scope = {d.model.key, *(i.key for i in d.inputs)}
    rows = []
    for r in d.erasures.receipts:
        touched = [k for k in (*r.tombstoned, *r.deleted, *r.review) if k in scope]
        rows.append(
            [
                h.code(r.key),
                h.code(r.erasure_id),
                when(r.applied),
                r.requested_by,
                r.reason,
                r.targets,
                h.join((h.join([h.code(k), " ", r.action_on(k) or ""]) for k in touched), "<br>"),
                h.code(r.plan_sha256),
            ]
        )
    return [
        h.table(
            ["receipt", "erasure", "applied", "by", "reason", "targets", "nodes here", "plan"],
            rows,
        ),
        h.Markup("<h3>Markers on the model and its ancestors</h3>"),
        h.table(
            ["node", "type", "action", "erasure", "time", "reason"],
            [
                [
                    h.code(k.key),
                    k.type,
                    h.badge(k.action or "erased", "warn" if k.action == "review" else "bad"),
                    h.code(k.erasure_id),
                    when(k.time),
                    k.reason,
                ]
                for k in d.erasures.markers
            ],
        ),
    ]


def _html_configs(d: AuditDossier) -> h.Markup:
    if not d.configs:
        return h.Markup("")
    return h.section(
        "configs",
        "Configuration",
        h.table(
            ["node", "uri", "fingerprint", "values", "used by"],
            [
                [
                    h.code(c.key),
                    h.code(c.uri),
                    h.code(c.fingerprint),
                    h.code(c.values),
                    h.join((h.code(k) for k in c.used_by), " "),
                ]
                for c in d.configs
            ],
        ),
    )


def audit_html(d: AuditDossier, *, full_page: bool = True) -> str:
    """The dossier as self-contained HTML (see :mod:`lineage.report._html`)."""
    m = d.model
    sections = [
        ("summary", "Summary"),
        ("lineage", "Lineage"),
        ("model", "Model"),
        ("steps", "Steps"),
        ("inputs", "Data and inputs"),
        *([("configs", "Configuration")] if d.configs else []),
        ("environment", "Environment"),
        ("metrics", "Evaluations and metrics"),
        ("erasures", "Erasures"),
        ("missing", "Not recorded"),
    ]
    nav = h.Markup(
        "<nav>" + "".join(f'<a href="#{a}">{h.esc(t)}</a>' for a, t in sections) + "</nav>"
    )
    model_rows: list[tuple[str, Any]] = [
        ("key", h.code(m.key)),
        ("type", f"{m.type} ({m.kind})"),
        ("name", m.name),
        ("uri", h.code(m.uri)),
        ("state", m.state),
        ("created", when(m.created)),
        ("updated", when(m.updated)),
        (
            "fingerprint",
            h.code(m.fingerprint) or h.Markup('<span class="muted">not recorded</span>'),
        ),
        ("version", m.version),
        ("size (bytes)", m.size_bytes),
        ("PII", None if m.pii is None else ("yes" if m.pii else "no")),
        ("licence", m.license),
        ("data subjects", ", ".join(m.subjects)),
        ("tags", ", ".join(m.tags)),
        ("erasure", mark_text(m.erasure)),
        *[(f"property {k}", h.code(v)) for k, v in m.properties.items()],
    ]
    missing = (
        h.Markup(
            '<ul class="missing">' + "".join(f"<li>{h.esc(x)}</li>" for x in d.missing) + "</ul>"
        )
        if d.missing
        else h.Markup("<p>Everything needed to reproduce the model was recorded.</p>")
    )
    caption = (
        f"The upstream lineage of {m.key} and the executions that read it: "
        f"{d.lineage.artifacts} artifacts, {d.lineage.executions} executions"
        + (" (truncated)" if d.lineage.truncated else "")
        + ". The model has a thick border."
    )
    body = [
        h.Markup(f"<h1>{h.esc(d.title)}</h1>"),
        h.Markup(
            f'<p class="meta">Generated {h.esc(when(d.generated))} by lineage from '
            f"{h.code(d.store or 'a store')}. Checksum of the JSON form: {h.code(d.sha256)}</p>"
        ),
        nav,
        h.section("summary", "Summary", _cards(d)),
        h.section("lineage", "Lineage", h.diagram(d, d.lineage.mermaid, caption)),
        h.section("model", "Model", h.keyval(model_rows)),
        h.section("steps", "Steps, in the order they ran", *_html_steps(d)),
        h.section(
            "inputs",
            "Data and inputs",
            _html_inputs(d),
            h.Markup(
                '<p class="muted">Data subjects appear as sha256 hashes of their ids unless the '
                "dossier was made with reveal_subjects=True.</p>"
            )
            if any(i.subjects for i in d.inputs)
            else "",
            h.Markup(
                '<p class="muted">PII and licence are shown as recorded (<code>pii</code>, '
                "<code>license</code>); an empty cell means nothing was recorded.</p>"
            ),
        ),
        _html_configs(d),
        h.section("environment", "Environment", *_html_environments(d)),
        h.section(
            "metrics",
            "Evaluations and metrics",
            *_html_metrics(d),
        ),
        h.section("erasures", "Erasures", *_html_erasures(d)),
        h.section("missing", "Not recorded", missing),
    ]
    if d.contexts:
        body.append(
            h.section(
                "contexts",
                "Contexts",
                h.table(
                    ["context", "type", "name"],
                    [[h.code(c.key), c.type, c.name] for c in d.contexts],
                ),
            )
        )
    body.append(
        h.Markup(
            f"<footer>Audit dossier format lineage.audit-dossier v1. The JSON form carries "
            f"{h.code(d.sha256)} over its RFC 8785 canonical form; check a stored copy with "
            f"<code>lineage report verify FILE</code>.</footer>"
        )
    )
    return h.page(d.title, "\n".join(body), full_page=full_page)
