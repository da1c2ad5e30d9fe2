"""Self-contained HTML for reports: one inline style sheet, inline SVG, no scripts, no network.

Everything a page shows is in the page: the styles are inline, the lineage diagram is Graphviz's
SVG inlined (or, without Graphviz, its Mermaid and DOT text with a note saying so), and nothing
refers to another file or host. Styles are scoped under ``.lineage-report`` so a notebook can
show the same markup as a fragment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

from lineage.report._text import show

__all__ = [
    "CSS",
    "Markup",
    "badge",
    "card",
    "code",
    "diagram",
    "esc",
    "join",
    "keyval",
    "page",
    "section",
    "table",
]

CSS: Final = """
.lineage-report { --ink:#202124; --muted:#5f6368; --line:#dadce0; --panel:#f6f8fa;
  --ok:#007a5a; --ok-bg:#e0f3ec; --warn:#8a5a00; --warn-bg:#fdf0cf; --bad:#b34700;
  --bad-bg:#fbe0d1; --info:#0b5394; --info-bg:#dcebf7;
  font-family: Helvetica, Arial, "DejaVu Sans", sans-serif; color: var(--ink);
  font-size: 14px; line-height: 1.45; max-width: 1280px; margin: 0 auto; padding: 20px 28px; }
.lineage-report * { box-sizing: border-box; }
.lineage-report h1 { font-size: 24px; margin: 0 0 4px; }
.lineage-report h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
.lineage-report h3 { font-size: 15px; margin: 16px 0 6px; }
.lineage-report .meta { color: var(--muted); font-size: 12.5px; margin: 0 0 14px; }
.lineage-report .meta code { font-size: 12px; }
.lineage-report code, .lineage-report pre { font-family: "DejaVu Sans Mono", Menlo, Consolas,
  monospace; font-size: 12.5px; }
.lineage-report code { background: var(--panel); padding: 0 3px; border-radius: 3px;
  overflow-wrap: break-word; }
.lineage-report code.key { white-space: nowrap; }
.lineage-report code.hash { font-size: 11.5px; word-break: break-all; }
.lineage-report pre { background: var(--panel); border: 1px solid var(--line); padding: 10px;
  overflow: auto; border-radius: 6px; }
.lineage-report nav { font-size: 13px; margin: 6px 0 4px; }
.lineage-report nav a { color: var(--info); text-decoration: none; margin-right: 14px; }
.lineage-report .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px,
  1fr)); gap: 10px; margin: 12px 0; }
.lineage-report .card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px;
  background: #fff; }
.lineage-report .card .label { color: var(--muted); font-size: 11.5px; text-transform: uppercase;
  letter-spacing: .04em; }
.lineage-report .card .value { font-size: 17px; font-weight: bold; margin: 2px 0; }
.lineage-report .card .note { color: var(--muted); font-size: 12.5px; }
.lineage-report .card.bad { border-color: #e9a77d; background: var(--bad-bg); }
.lineage-report .card.warn { border-color: #e8c46a; background: var(--warn-bg); }
.lineage-report .card.ok { border-color: #8fd1b9; background: var(--ok-bg); }
.lineage-report table { border-collapse: collapse; width: 100%; margin: 6px 0 12px;
  font-size: 13px; }
.lineage-report th { text-align: left; background: var(--panel); color: var(--muted);
  font-weight: bold; font-size: 12px; }
.lineage-report th, .lineage-report td { border: 1px solid var(--line); padding: 4px 7px;
  vertical-align: top; }
.lineage-report td { overflow-wrap: break-word; }
.lineage-report td.num { text-align: right; font-variant-numeric: tabular-nums; }
.lineage-report table.kv { width: auto; min-width: 50%; }
.lineage-report table.kv th { width: 190px; }
.lineage-report .badge { display: inline-block; padding: 0 7px; border-radius: 10px;
  font-size: 11.5px; font-weight: bold; white-space: nowrap; background: #e8eaed;
  color: var(--ink); }
.lineage-report .badge.ok { background: var(--ok-bg); color: var(--ok); }
.lineage-report .badge.warn { background: var(--warn-bg); color: var(--warn); }
.lineage-report .badge.bad { background: var(--bad-bg); color: var(--bad); }
.lineage-report .badge.info { background: var(--info-bg); color: var(--info); }
.lineage-report .muted { color: var(--muted); }
.lineage-report ul.missing li { margin: 2px 0; }
.lineage-report figure.diagram { margin: 8px 0; border: 1px solid var(--line);
  border-radius: 8px; padding: 10px; overflow: auto; background: #fff; text-align: center; }
.lineage-report figure.diagram svg { max-width: 100%; height: auto; }
.lineage-report figure.diagram figcaption { color: var(--muted); font-size: 12px;
  text-align: left; margin-top: 6px; }
.lineage-report .notice { border-left: 4px solid #e8c46a; background: var(--warn-bg);
  padding: 8px 12px; margin: 8px 0; }
.lineage-report details { margin: 4px 0 10px; }
.lineage-report details summary { cursor: pointer; color: var(--info); }
.lineage-report footer { color: var(--muted); font-size: 12px; margin-top: 30px;
  border-top: 1px solid var(--line); padding-top: 8px; }
@media print { .lineage-report { max-width: none; padding: 0; }
  .lineage-report details { display: block; } .lineage-report nav { display: none; } }
"""

_PROLOG: Final = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.S)
_COMMENT: Final = re.compile(r"<!--.*?-->\s*", re.S)


class Markup(str):
    """Text that is HTML already (not escaped again by :func:`esc`)."""

    __slots__ = ()


def esc(value: Any) -> Markup:
    """HTML for a value: markup as is, None empty, everything else escaped text."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(show(value), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Markup:
    """Join escaped parts."""
    return Markup(sep.join(esc(p) for p in parts))


def badge(text: str, tone: str = "") -> Markup:
    """A small coloured label (``ok``, ``warn``, ``bad``, ``info`` or plain)."""
    return Markup(f'<span class="badge {esc(tone)}">{esc(text)}</span>')


_NODE_KEY: Final = re.compile(r"^(artifact|execution|context):[0-9]+$")


def code(value: Any) -> Markup:
    """A value in a code span (empty for None); node keys never wrap, hashes wrap anywhere."""
    if value is None or value == "":
        return Markup("")
    text = show(value)
    if _NODE_KEY.match(text):
        return Markup(f'<code class="key">{esc(text)}</code>')
    if text.startswith("sha256:") or re.fullmatch(r"[0-9a-f]{32,}", text):
        return Markup(f'<code class="hash">{esc(text)}</code>')
    return Markup(f"<code>{esc(text)}</code>")


def table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[int] = ()
) -> Markup:
    """An HTML table; cells are escaped unless they are :class:`Markup`."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{esc(v)}</td>' if i in numeric else f"<td>{esc(v)}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    if not body:
        return Markup('<p class="muted">None.</p>')
    return Markup(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def keyval(pairs: Iterable[tuple[str, Any]]) -> Markup:
    """A two-column table of labels and values (rows with empty values are left out)."""
    rows = [
        f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in pairs
        if v is not None and v != "" and v != ()
    ]
    return Markup(f'<table class="kv"><tbody>{"".join(rows)}</tbody></table>')


def section(anchor: str, title: str, *parts: Any) -> Markup:
    """A titled section with an anchor."""
    body = "\n".join(esc(p) for p in parts)
    return Markup(f'<section id="{esc(anchor)}">\n<h2>{esc(title)}</h2>\n{body}\n</section>')


def card(label: str, value: Any, note: Any = "", tone: str = "") -> Markup:
    """A summary card."""
    extra = f'<div class="note">{esc(note)}</div>' if note else ""
    return Markup(
        f'<div class="card {esc(tone)}"><div class="label">{esc(label)}</div>'
        f'<div class="value">{esc(value)}</div>{extra}</div>'
    )


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG document as an element to inline (no XML prolog, DOCTYPE or comments)."""
    return _COMMENT.sub("", _PROLOG.sub("", svg, count=1)).strip()


def diagram(obj: Any, mermaid: str, caption: str) -> Markup:
    """The lineage diagram of ``obj`` as inline SVG; without Graphviz, its Mermaid and DOT text.

    Args:
        obj: What :func:`lineage.render.render` draws (with ``lineage_graph`` and ``focus``).
        mermaid: The Mermaid text of the same diagram (shown when there is no SVG).
        caption: A line under the drawing.
    """
    from lineage.render import RenderError, graphviz_available, render, to_dot

    reason = "Graphviz (the dot program) is not installed here"
    if graphviz_available():
        try:
            svg = str(render(obj, "svg", legend=True))
        except RenderError as exc:
            reason = f"Graphviz could not draw it ({exc})"
        else:
            return Markup(
                f'<figure class="diagram">\n{_inline_svg(svg)}\n'
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
    dot = to_dot(obj, legend=True)
    return Markup(
        f'<div class="notice"><strong>No drawing:</strong> {esc(reason)}, so the diagram is '
        "given as text. Paste the Mermaid text into any Mermaid viewer, or draw the DOT text "
        "with <code>dot -Tsvg</code> (install Graphviz: <code>apt-get install graphviz</code> "
        "or <code>brew install graphviz</code>).</div>\n"
        f"<h3>Mermaid</h3>\n<pre>{esc(mermaid)}</pre>\n"
        f"<details><summary>DOT</summary><pre>{esc(dot)}</pre></details>\n"
        f'<p class="muted">{esc(caption)}</p>'
    )


def page(title: str, body: str, *, full_page: bool = True) -> str:
    """The report as an HTML document (or, with ``full_page=False``, a fragment)."""
    fragment = f'<div class="lineage-report">\n<style>{CSS}</style>\n{body}\n</div>'
    if not full_page:
        return fragment
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="lineage.report">',
            f"<title>{esc(title)}</title>",
            "</head>",
            '<body style="margin:0;background:#fff">',
            fragment,
            "</body>",
            "</html>",
            "",
        ]
    )
