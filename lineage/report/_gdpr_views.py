"""The GDPR report as Markdown, HTML and a short text summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lineage.report import _html as h
from lineage.report._records import ReceiptRecord
from lineage.report._text import code, md_table, plural, show, when

if TYPE_CHECKING:
    from lineage.report._gdpr import GdprReport, ReachedArtifact

__all__ = ["gdpr_html", "gdpr_markdown", "gdpr_summary"]

_TONES = {"active": "info", "review": "warn", "tombstoned": "bad", "deleted": "bad"}
_MEANING = {
    "active": "the record is intact: the data is still referenced",
    "review": "derived from erased data: retrain it, or record why it may stay",
    "tombstoned": "its URI, name and properties were scrubbed; the record keeps the lineage",
    "deleted": "the record was removed; the receipt keeps a hash of what it held",
}


def _status_text(a: ReachedArtifact) -> str:
    mark = a.erasure
    if mark is None or a.status == "active":
        return a.status
    verb = {"review": "marked for review", "tombstoned": "tombstoned", "deleted": "deleted"}
    return f"{verb.get(a.status, a.status)} by erasure {mark.erasure_id} at {when(mark.time)}"


def _label(a: ReachedArtifact) -> str:
    if a.type is None:
        return "(deleted)"
    if a.name or a.uri:
        return a.name or a.uri or ""
    return "(scrubbed)" if a.status == "tombstoned" else ""


def _counts_line(r: GdprReport) -> str:
    c = r.counts
    parts = [f"{c.get(s, 0)} {s}" for s in ("active", "review", "tombstoned", "deleted")]
    return ", ".join(parts)


def gdpr_summary(r: GdprReport) -> str:
    """A few lines in words."""
    c = r.counts
    return "\n".join(
        [
            r.title,
            f"reached {plural(c['artifacts'], 'artifact')} ({plural(c['models'], 'model')}) "
            f"through {plural(c['executions'], 'execution')}: {_counts_line(r)}",
            f"erasures: {len(r.receipts)}; sha256 of the JSON form: {r.sha256}",
        ]
    )


def _md_receipts(receipts: tuple[ReceiptRecord, ...]) -> list[str]:
    return md_table(
        [
            "receipt",
            "erasure",
            "applied",
            "by",
            "reason",
            "targets",
            "tombstoned",
            "deleted",
            "review",
        ],
        [
            [
                x.key,
                code(x.erasure_id),
                when(x.applied),
                x.requested_by,
                x.reason,
                x.targets,
                ", ".join(x.tombstoned),
                ", ".join(x.deleted),
                ", ".join(x.review),
            ]
            for x in receipts
        ],
    )


def gdpr_markdown(r: GdprReport) -> str:
    """The report as Markdown (GitHub-flavoured: tables and a Mermaid block)."""
    c = r.counts
    t = r.target
    lines = [
        f"# {r.title}",
        "",
        f"Generated {when(r.generated)} by lineage from `{r.store or 'a store'}`. The JSON form "
        f"of this report has the checksum `{r.sha256}`.",
        "",
        "## Summary",
        "",
        f"- **Target**: {show(t.description)}"
        + (f" (in erasure receipts: `subject {t.subject_digest}`)" if t.subject_digest else ""),
        f"- **Reached**: {plural(c['artifacts'], 'artifact')}, of them "
        f"{plural(c['models'], 'model')}, through {plural(c['executions'], 'execution')}",
        f"- **Status**: {_counts_line(r)}",
        f"- **Erasures**: {plural(len(r.receipts), 'receipt')}",
    ]
    if r.truncated:
        lines.append("- **Note**: the walk hit its node budget; the lists are incomplete")
    lines += ["", "## Where the data went", ""]
    if r.mermaid:
        lines += ["```mermaid", r.mermaid.rstrip("\n"), "```", ""]
    else:
        lines += ["Nothing of it is left in the lineage (every record was deleted).", ""]
    lines += ["## Artifacts and models", ""]
    lines += md_table(
        ["node", "kind", "type", "name / uri", "origin", "steps away", "status", "via executions"],
        [
            [
                a.key,
                a.kind,
                a.type,
                _label(a),
                "yes" if a.origin else "",
                len(a.via),
                _status_text(a),
                " → ".join(a.via),
            ]
            for a in r.artifacts
        ],
    )
    lines += ["", "Statuses:", ""]
    lines += [f"- **{s}**: {m}" for s, m in _MEANING.items()]
    lines += ["", "## Executions that processed the data", ""]
    lines += md_table(
        ["execution", "type", "name", "state", "started", "by"],
        [[x.key, x.type, x.name, x.state, when(x.started), x.user] for x in r.executions],
    )
    lines += ["", "## Erasure receipts", ""]
    if r.receipts:
        lines += _md_receipts(r.receipts)
    else:
        lines.append("No erasure touched this data.")
    return "\n".join(lines) + "\n"


def _badge(a: ReachedArtifact) -> h.Markup:
    return h.badge(a.status, _TONES.get(a.status, ""))


def _cards(r: GdprReport) -> h.Markup:
    c = r.counts
    cards = [
        h.card(
            "Reached",
            plural(c["artifacts"], "artifact"),
            f"{plural(c['models'], 'model')}, through {plural(c['executions'], 'execution')}",
        ),
        h.card("Active", c["active"], "still referenced", "warn" if c["active"] else "ok"),
        h.card("For review", c["review"], "retrain or justify", "warn" if c["review"] else ""),
        h.card("Tombstoned", c["tombstoned"], "content scrubbed, lineage kept"),
        h.card("Deleted", c["deleted"], "records removed"),
        h.card(
            "Erasures",
            len(r.receipts),
            ", ".join(when(x.applied) for x in r.receipts[-2:]) or "none applied",
        ),
    ]
    return h.Markup('<div class="cards">' + "".join(cards) + "</div>")


def _type(a: ReachedArtifact) -> str:
    if a.type is None:
        return ""
    kind = a.kind or ""
    return a.type if kind in a.type.lower() else f"{a.type} ({kind})"


def _state(state: str | None) -> h.Markup:
    tone = {"COMPLETE": "ok", "CACHED": "ok", "FAILED": "bad", "CANCELED": "bad"}
    return h.badge(state, tone.get(state, "info")) if state else h.Markup("")


def _html_artifacts(r: GdprReport) -> h.Markup:
    rows = []
    for a in r.artifacts:
        status: list[Any] = [_badge(a)]
        if a.erasure is not None and a.status != "active":
            status += [
                h.Markup("<br>"),
                h.Markup('<span class="muted">'),
                f"erasure {a.erasure.erasure_id} at {when(a.erasure.time)}",
                h.Markup("</span>"),
            ]
        rows.append(
            [
                h.code(a.key),
                _type(a),
                h.join([a.name or "", h.Markup("<br>") if a.name and a.uri else "", h.code(a.uri)])
                if a.name or a.uri
                else h.Markup(f'<span class="muted">{h.esc(_label(a))}</span>'),
                "origin" if a.origin else "",
                len(a.via),
                h.join(status),
                h.join((h.code(k) for k in a.path), " → "),
            ]
        )
    return h.table(
        ["node", "type", "name / uri", "origin", "steps away", "status", "path"],
        rows,
        numeric=(4,),
    )


def gdpr_html(r: GdprReport, *, full_page: bool = True) -> str:
    """The report as self-contained HTML."""
    t = r.target
    caption = (
        "Everything downstream of the data (the origins have a thick border); tombstoned "
        "artifacts show the state DELETED."
    )
    receipts = h.table(
        [
            "receipt",
            "erasure",
            "applied",
            "by",
            "reason",
            "targets",
            "tombstoned",
            "deleted",
            "review",
            "plan",
        ],
        [
            [
                h.code(x.key),
                h.code(x.erasure_id),
                when(x.applied),
                x.requested_by,
                x.reason,
                x.targets,
                len(x.tombstoned),
                len(x.deleted),
                len(x.review),
                h.code(x.plan_sha256),
            ]
            for x in r.receipts
        ],
    )
    diagram = (
        h.diagram(r, r.mermaid, caption)
        if r.mermaid
        else h.Markup("<p>Nothing of it is left in the lineage (every record was deleted).</p>")
    )
    body = [
        h.Markup(f"<h1>{h.esc(r.title)}</h1>"),
        h.Markup(
            f'<p class="meta">Generated {h.esc(when(r.generated))} by lineage from '
            f"{h.code(r.store or 'a store')}. Checksum of the JSON form: {h.code(r.sha256)}"
            + (
                "<br>Erasure receipts name this subject as "
                f"{h.code('subject ' + t.subject_digest)}."
                if t.subject_digest
                else ""
            )
            + "</p>"
        ),
        h.section("summary", "Summary", _cards(r)),
        h.Markup(
            '<div class="notice">This report covers the lineage store. An erasure scrubs the '
            "records (URIs, names, properties); deleting the data files themselves, at their "
            "URIs, is up to whoever owns that storage.</div>"
        ),
        h.section("where", "Where the data went", diagram),
        h.section(
            "artifacts",
            "Artifacts and models",
            _html_artifacts(r),
            h.Markup(
                "<ul>"
                + "".join(
                    f"<li>{h.badge(s, _TONES[s])} {h.esc(m)}</li>" for s, m in _MEANING.items()
                )
                + "</ul>"
            ),
        ),
        h.section(
            "executions",
            "Executions that processed the data",
            h.table(
                ["execution", "type", "name", "state", "started", "by"],
                [
                    [
                        h.code(x.key),
                        x.type,
                        x.name,
                        _state(x.state),
                        when(x.started),
                        x.user,
                    ]
                    for x in r.executions
                ],
            ),
        ),
        h.section(
            "receipts",
            "Erasure receipts",
            receipts if r.receipts else h.Markup("<p>No erasure touched this data.</p>"),
        ),
        h.Markup(
            "<footer>GDPR report format lineage.gdpr-report v1. The JSON form carries "
            f"{h.code(r.sha256)} over its RFC 8785 canonical form.</footer>"
        ),
    ]
    return h.page(r.title, "\n".join(body), full_page=full_page)
