"""Server-rendered pages: each is a plain URL whose query string holds the whole view.

Every page is built from the same data its JSON twin returns (``lineage.web.api``) and says so
in a ``Link: rel="alternate"`` header. The browser scripts only draw what the server computed
(graph positions, curves) and keep the URL in step with what the user changes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

import lineage
import lineage.graph
import lineage.render
import lineage.report
import lineage.track
from lineage.web import api
from lineage.web._http import ApiError, str_param

__all__ = ["error_page", "routes"]

_TEMPLATES: Final = Path(__file__).parent / "templates"
_STATIC: Final = Path(__file__).parent / "static"
_env = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _time(ms: Any) -> str:
    if isinstance(ms, str) and ms.isdigit():  # int64 fields arrive as strings (proto JSON)
        ms = int(ms)
    if not isinstance(ms, (int, float)) or isinstance(ms, bool) or ms <= 0:
        return "—"
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _short(value: Any) -> str:
    """A value for a narrow cell: long digests cut to their first 12 hex digits."""
    text = _value(value)
    if text.startswith("sha256:") and len(text) > 19:
        return text[:19] + "…"
    return text


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _script_json(data: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(data, separators=(",", ":"), sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704  (escaped above: no tag can close the element)


_env.filters.update(
    time=_time, value=_value, short=_short, duration=_duration, script_json=_script_json
)


def _with(request: Request, drop: tuple[str, ...] = (), **changes: Any) -> str:
    """The current URL's query string with ``changes`` applied (None removes a key)."""
    items = [
        (k, v) for k, v in request.query_params.multi_items() if k not in changes and k not in drop
    ]
    items += [(k, str(v)) for k, v in changes.items() if v is not None and v != ""]
    return "?" + urlencode(items) if items else "?"


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    json_url: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """A page from ``template``; ``json_url`` is its JSON twin."""
    vendor = request.app.state.vendor
    page = _env.get_template(template).render(
        request=request,
        url_with=lambda **c: _with(request, **c),
        vendor=vendor,
        write=request.app.state.write,
        store_url=getattr(request.app.state.store, "url", ""),
        version=lineage.__version__,
        json_url=json_url,
        **context,
    )
    headers = {}
    if json_url is not None:
        headers["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    return HTMLResponse(page, status_code=status, headers=headers)


def error_page(request: Request, error: ApiError) -> Response:
    """The HTML page of an error (the same message the JSON twin gives)."""
    return render(request, "error.html", {"error": error}, status=error.status)


def _api_url(path: str, request: Request) -> str:
    query = request.url.query
    return path + ("?" + query if query else "")


# ------------------------------------------------------------------------------ pages
_FAVICON: Final = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="3" cy="8" r="2.5" '
    'fill="#0072B2"/><rect x="6" y="5.5" width="4" height="5" fill="#E69F00"/><circle cx="13" '
    'cy="8" r="2.5" fill="#009E73"/></svg>'
)


def favicon(request: Request) -> Response:
    """``/favicon.ico``: three nodes in the render palette."""
    return Response(_FAVICON, media_type="image/svg+xml")


def home(request: Request) -> Response:
    """``/``: the runs table."""
    return RedirectResponse("/runs", status_code=307)


def runs(request: Request) -> Response:
    """``/runs``: the runs table (filter, sort, columns, pages)."""
    error: ApiError | None = None
    data: dict[str, Any] = {"runs": [], "next_url": None, "columns": {"params": [], "metrics": []}}
    try:
        data = api.runs_data(request)
    except ApiError as exc:  # shown above the empty table, with the query kept in the box
        error = exc
    chosen = str_param(request, "cols")
    params, metrics = data["columns"]["params"], data["columns"]["metrics"]
    columns = [c for c in (chosen.split(",") if chosen else []) if c]
    if not columns:
        columns = [f"param.{p}" for p in params[:6]] + [f"metric.{m}" for m in metrics[:6]]
    sort = str_param(request, "sort")
    rows = data["runs"]
    if sort:
        rows = _sorted_rows(rows, sort)
    return render(
        request,
        "runs.html",
        {
            "data": data,
            "rows": rows,
            "columns": columns,
            "all_columns": [f"param.{p}" for p in params] + [f"metric.{m}" for m in metrics],
            "error": error,
            "sort": sort,
            "q": str_param(request, "q") or "",
        },
        json_url=_api_url("/api/v1/runs", request),
        status=error.status if error is not None else 200,
    )


def _column_value(row: dict[str, Any], column: str) -> Any:
    kind, _, name = column.partition(".")
    if kind == "param":
        return row["params"].get(name)
    if kind == "metric":
        return row["metrics"].get(name)
    return row.get(column)


def _sorted_rows(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    descending = sort.startswith("-")
    column = sort.lstrip("-")

    def key(row: dict[str, Any]) -> tuple[int, Any]:  # numbers before text
        value = _column_value(row, column)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (0, value)
        return (1, str(value))

    present = [r for r in rows if _column_value(r, column) is not None]
    missing = [r for r in rows if _column_value(r, column) is None]
    return sorted(present, key=key, reverse=descending) + missing


def compare(request: Request) -> Response:
    """``/compare?runs=…``: runs side by side, curves, parallel coordinates, provenance diff."""
    data = api.compare_data(request)
    return render(
        request,
        "compare.html",
        {"data": data, "sections": _sections(data["rows"])},
        json_url=_api_url("/api/v1/compare", request),
    )


def _sections(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row["section"], []).append(row)
    return list(out.items())


def node(request: Request) -> Response:
    """``/nodes/{node}``: a node's fields, events and its lineage graph."""
    text = request.path_params["node"]
    data = api.node_data(request, text)
    return render(
        request,
        "node.html",
        {"node": data, "focus": data["key"]},
        json_url=f"/api/v1/nodes/{data['key']}",
    )


def search(request: Request) -> Response:
    """``/search?q=``: nodes by name, URI, type or id."""
    data = api.search_data(request)
    exact = data["exact"]
    if len(exact) == 1 and str_param(request, "go") is not None:
        return RedirectResponse(f"/nodes/{exact[0]['key']}", status_code=303)
    return render(
        request, "search.html", {"data": data}, json_url=_api_url("/api/v1/nodes", request)
    )


def dossier(request: Request) -> Response:
    """``/dossier/{node}``: the audit dossier of a model, with its downloads."""
    store = api.store_of(request)
    ref = api.node_ref(store, request.path_params["node"])
    report = api.call("node", lambda: lineage.audit(store, ref.ref))
    return render(
        request,
        "report.html",
        {
            "title": report.title,
            "body": Markup(report.to_html(full_page=False)),  # noqa: S704  (lineage.report escapes)
            "downloads": f"/api/v1/reports/dossier/{ref.ref}",
            "focus": ref.ref,
        },
        json_url=f"/api/v1/reports/dossier/{ref.ref}",
    )


def gdpr(request: Request) -> Response:
    """``/gdpr?subject=``: the GDPR report of a data subject or dataset."""
    subject = str_param(request, "subject")
    if subject is None:
        return render(request, "gdpr_form.html", {})
    store = api.store_of(request)
    target = subject if ":" in subject else f"subject:{subject}"
    report = api.call("subject", lambda: lineage.gdpr_report(store, target))
    return render(
        request,
        "report.html",
        {
            "title": "GDPR report",
            "body": Markup(report.to_html(full_page=False)),  # noqa: S704  (lineage.report escapes)
            "downloads": "/api/v1/reports/gdpr?" + urlencode({"subject": subject}),
            "focus": None,
        },
        json_url="/api/v1/reports/gdpr?" + urlencode({"subject": subject}),
    )


# ------------------------------------------------------------------------------ export
def _inline(request: Request, names: tuple[str, ...]) -> dict[str, Markup]:
    vendor = request.app.state.vendor
    out: dict[str, Markup] = {}
    for name in names:
        path = _STATIC / "vendor" / vendor[name] if name in vendor else _STATIC / name
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".js":
            text = text.replace("</script", "<\\/script")
        out[name] = Markup(text)  # noqa: S704  (our own static files, not user text)
    return out


def export(request: Request) -> Response:
    """``/export/compare?…`` or ``/export/graph?…``: the view as one offline HTML file."""
    what = request.path_params["what"]
    if what == "compare":
        data = api.compare_data(request)
        context = {"data": data, "sections": _sections(data["rows"])}
        scripts: tuple[str, ...] = ("uplot.js", "uplot.css", "app.css", "app.js", "compare.js")
        name = "comparison"
    elif what == "graph":
        context = {"graph": api.graph_data(request)}
        scripts = ("cytoscape.js", "app.css", "app.js", "graph.js")
        name = "lineage-graph"
    else:
        raise ApiError(
            404, "export writes a comparison or a graph: /export/compare or /export/graph", "path"
        )
    page = _env.get_template("export.html").render(
        what=what, inline=_inline(request, scripts), version=lineage.__version__, **context
    )
    return HTMLResponse(
        page, headers={"Content-Disposition": f'attachment; filename="{name}.html"'}
    )


async def login(request: Request) -> Response:
    """``/login``: trade a token for an HttpOnly cookie (only when the server asks for tokens)."""
    from lineage.web._http import TOKEN_COOKIE

    tokens = request.app.state.tokens
    target = request.query_params.get("next", "/runs")
    if not target.startswith("/") or target.startswith("//"):
        target = "/runs"  # never a redirect to another site
    if tokens is None:
        return RedirectResponse(target, status_code=303)
    message = None
    if request.method == "POST":
        body = (await request.body())[:4096].decode("utf-8", "replace")
        token = (parse_qs(body).get("token") or [""])[0].strip()
        if token and tokens.access(token) is not None:
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                TOKEN_COOKIE,
                token,
                httponly=True,
                samesite="strict",
                path="/",
                secure=request.url.scheme == "https",
            )
            return response
        message = "That token is not one this server accepts."
    return render(
        request,
        "login.html",
        {"message": message, "target": target},
        status=401 if message else 200,
    )


def routes() -> list[Route]:
    """The page routes."""
    return [
        Route("/", home),
        Route("/favicon.ico", favicon),
        Route("/runs", runs),
        Route("/compare", compare),
        Route("/search", search),
        Route("/nodes/{node:path}", node),
        Route("/dossier/{node:path}", dossier),
        Route("/gdpr", gdpr),
        Route("/export/{what}", export),
    ]
