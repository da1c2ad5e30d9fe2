"""The JSON API under ``/api/v1``: what every page of the web app shows, as data.

Each handler parses its query parameters (``_http``), calls one or two public library functions
(the store, ``lineage.graph``, ``lineage.track``, ``lineage.report``, ``lineage.render``) and
returns their ``to_dict()``. There is no SQL here. Lists page with opaque keyset tokens
(``next``); the graph endpoint returns a bounded neighbourhood with server-computed positions,
never a whole graph.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

import lineage
import lineage.graph
import lineage.render
import lineage.report
import lineage.track
from lineage import conventions as cv
from lineage.errors import LineageError
from lineage.graph.describe import describe, node_type
from lineage.openlineage import facet_rows, is_facet_property
from lineage.query import parse_filter, quote_string
from lineage.store.naming import NodeRef, resolve_node
from lineage.web._http import (
    ApiError,
    bool_param,
    check_write,
    int_param,
    json_body,
    json_response,
    lineage_error,
    list_param,
    str_param,
)
from lineage.web.openlineage import post_batch, post_event

__all__ = ["ROUTES", "graph_data", "compare_data", "runs_data"]

T = TypeVar("T")

#: Most runs a comparison takes.
MAX_COMPARE: Final = 20
#: Most nodes a graph view draws.
MAX_GRAPH_NODES: Final = 5000
#: Most hops a graph view walks in one direction.
MAX_DEPTH: Final = 20
#: Rows of a node's event lists returned before "and N more".
MAX_EVENTS: Final = 200
_ORDERS: Final = ("create_time", "last_update_time", "id")


def store_of(request: Request) -> Any:
    """The store the app serves."""
    return request.app.state.store


def call(field: str | None, fn: Callable[[], T]) -> T:
    """Run a library call, turning its errors into API errors about ``field``."""
    try:
        return fn()
    except LineageError as exc:
        raise lineage_error(exc, field) from exc


def node_ref(store: Any, text: str, field: str = "node") -> NodeRef:
    """The node ``text`` names (``artifact:3``, ``Model:churn``, a URI, a name)."""
    return call(field, lambda: resolve_node(store, text))


# ------------------------------------------------------------------------------ runs
def _check_run_filter(name: str, value: str | None) -> None:
    call(name, lambda: lineage.track.runs.run_clauses(**{name: value}))


def runs_data(request: Request) -> dict[str, Any]:
    """One page of runs, as the runs table shows it (see ``GET /api/v1/runs``)."""
    store = store_of(request)
    limit = int_param(request, "limit", 50, 1, 100)
    order = str_param(request, "order", "create_time") or "create_time"
    if order not in _ORDERS:
        raise ApiError(400, f"order must be one of {', '.join(_ORDERS)}, got {order!r}", "order")
    args = {
        name: str_param(request, name)
        for name in ("experiment", "tag", "state", "since", "until", "type")
    }
    query = str_param(request, "q")
    token = str_param(request, "next")

    def fetch() -> Any:
        return lineage.track.runs_page(
            store,
            **args,
            filter_query=query,
            order_by=order,
            ascending=bool_param(request, "asc"),
            limit=limit,
            page_token=token,
        )

    for name in ("since", "until", "state", "tag"):  # checked one by one: errors name them
        if args[name] is not None:
            _check_run_filter(name, args[name])
    if query:
        call("q", lambda: parse_filter(query, "execution"))
    page = call("next" if token else "q", fetch)
    runs = [r.to_dict(details=False) for r in page.runs]
    params = sorted({k for r in page.runs for k in r.params})
    metrics = sorted({k for r in page.runs for k in r.metrics})
    next_url = None
    if page.next_page_token:
        query_args = [(k, v) for k, v in request.query_params.multi_items() if k != "next"]
        next_url = "?" + urlencode([*query_args, ("next", page.next_page_token)])
    return {
        "runs": runs,
        "next": page.next_page_token or None,
        "next_url": next_url,
        "columns": {"params": params, "metrics": metrics},
    }


def list_runs(request: Request) -> Response:
    """``GET /api/v1/runs``."""
    return json_response(runs_data(request))


def run_data(request: Request, ref: str) -> dict[str, Any]:
    """Everything about one run."""
    store = store_of(request)
    info = call("run", lambda: lineage.track.get_run(store, ref))
    return info.to_dict()


def get_run(request: Request) -> Response:
    """``GET /api/v1/runs/{run}``."""
    return json_response(run_data(request, request.path_params["run"]))


def compare_data(request: Request) -> dict[str, Any]:
    """The comparison of 2 to 20 runs: rows with differences marked, curves, headers."""
    store = store_of(request)
    refs = list_param(request, "runs", most=MAX_COMPARE)
    if not 2 <= len(refs) <= MAX_COMPARE:
        raise ApiError(
            400, f"runs takes 2 to {MAX_COMPARE} runs to compare, got {len(refs)}", "runs"
        )
    comparison = call("runs", lambda: lineage.compare(store, refs))
    data = comparison.to_dict(all=True)  # JSON-safe values, by section and key
    rows = [
        {
            "section": r.section,
            "key": r.key,
            "values": data["sections"][r.section][r.key],
            "differs": r.differs,
        }
        for r in comparison.rows
    ]
    series: dict[str, dict[str, Any]] = {}
    for run in comparison.runs:
        for name, s in run.series.items():
            series.setdefault(name, {})[str(run.id)] = {
                "steps": list(s.steps),
                "values": list(s.values),
            }
    return {
        "runs": data["runs"],
        "rows": rows,
        "identical": comparison.identical,
        "series": series,
        "params": sorted({k for r in comparison.runs for k in r.params}),
        "metrics": sorted({k for r in comparison.runs for k in r.metrics}),
        "models": [
            {"run": run.id, "artifact": f"artifact:{a.id}", "name": a.name or a.uri, "type": a.type}
            for run in comparison.runs
            for a in run.outputs
        ],
    }


def compare(request: Request) -> Response:
    """``GET /api/v1/compare?runs=1,2,3``."""
    return json_response(compare_data(request))


def diff(request: Request) -> Response:
    """``GET /api/v1/diff?a=&b=``: the provenance diff of two artifacts (two models)."""
    store = store_of(request)
    a, b = str_param(request, "a"), str_param(request, "b")
    for name, value in (("a", a), ("b", b)):
        if value is None:
            raise ApiError(400, f"{name} is required: the artifact to compare", name)
    ref_a, ref_b = node_ref(store, a or "", "a"), node_ref(store, b or "", "b")
    result = call("a", lambda: lineage.diff(store, ref_a.ref, ref_b.ref))
    return json_response(result.to_dict())


def experiments(request: Request) -> Response:
    """``GET /api/v1/experiments``: the experiment contexts, a page at a time."""
    store = store_of(request)
    limit = int_param(request, "limit", 100, 1, 100)
    token = str_param(request, "next")
    from lineage.proto import ListOperationOptions

    options = ListOperationOptions(max_result_size=limit)
    options.filter_query = f"type = '{cv.EXPERIMENT_TYPE}'"
    if token:
        options.next_page_token = token
    page = call("next", lambda: store.get_page("context", options))
    return json_response(
        {
            "experiments": [{"id": c.id, "name": c.name} for c in page.nodes],
            "next": page.next_page_token or None,
        }
    )


# ------------------------------------------------------------------------------ nodes
_SEARCH_KINDS: Final = ("artifact", "execution", "context")


def search_data(request: Request) -> dict[str, Any]:
    """Nodes whose name, URI, type or id matches ``q``, a page per kind."""
    store = store_of(request)
    q = (str_param(request, "q", max_length=500) or "").strip()
    limit = int_param(request, "limit", 20, 1, 100)
    kinds = list_param(request, "kind", most=3) or list(_SEARCH_KINDS)
    for kind in kinds:
        if kind not in _SEARCH_KINDS:
            raise ApiError(
                400, f"kind must be artifact, execution or context, got {kind!r}", "kind"
            )
    token = str_param(request, "next")
    if token and len(kinds) != 1:
        raise ApiError(400, "next pages one kind: give kind too", "next")
    from lineage.proto import ListOperationOptions

    out: dict[str, Any] = {"q": q}
    exact: list[dict[str, Any]] = []
    if ":" in q or q.startswith("/"):  # artifact:3, TYPE:NAME or a URI (bare names are
        try:  # matched by the LIKE search below; resolving them would scan every table)
            ref = resolve_node(store, q)
            exact.append(_node_summary(ref.kind, ref.node))
        except LineageError:
            pass
    for kind in kinds:
        options = ListOperationOptions(max_result_size=limit)
        options.order_by_field.field = 2  # type: ignore[assignment]  # last update first
        options.order_by_field.is_asc = False
        if q.isdigit() and int(q) < 2**63:  # an id (a primary-key lookup, not a scan)
            options.filter_query = f"id = {int(q)}"
        elif q:
            like = quote_string(f"%{q}%")
            parts = [f"name LIKE {like}", f"type LIKE {like}"]
            if kind == "artifact":
                parts.append(f"uri LIKE {like}")
            options.filter_query = " OR ".join(parts)
        if token:
            options.next_page_token = token
        page = call("next" if token else "q", _pager(store, kind, options))
        out[kind + "s"] = {
            "items": [_node_summary(kind, n) for n in page.nodes],
            "next": page.next_page_token or None,
        }
    if not exact and q:  # a name or URI given in full, among the page found
        exact = [
            n
            for kind in kinds
            for n in out[kind + "s"]["items"]
            if n["name"] == q or n.get("uri") == q
        ]
    out["exact"] = exact
    return out


def _pager(store: Any, kind: str, options: Any) -> Callable[[], Any]:
    return lambda: store.get_page(kind, options)


def _node_summary(kind: str, node: Any) -> dict[str, Any]:
    summary = {
        "key": f"{kind}:{node.id}",
        "kind": kind,
        "id": node.id,
        "type": node.type,
        "name": node.name,
    }
    if kind == "artifact":
        summary["uri"] = node.uri
    return summary


def search(request: Request) -> Response:
    """``GET /api/v1/nodes?q=``."""
    return json_response(search_data(request))


def node_data(request: Request, text: str) -> dict[str, Any]:
    """Every field, property, context and event of one node (event lists capped)."""
    store = store_of(request)
    ref = node_ref(store, text)
    data = call("node", lambda: describe(store, ref, node_type(store, ref)))
    for name in ("consumed_by", "produced_by", "inputs", "outputs", "other_events"):
        items = data.get(name)
        if isinstance(items, list) and len(items) > MAX_EVENTS:
            data[name + "_total"] = len(items)
            data[name] = items[:MAX_EVENTS]
    tags = sorted(
        k[len(cv.TAG_PREFIX) :] for k in ref.node.custom_properties if k.startswith(cv.TAG_PREFIX)
    )
    data["tags"] = tags
    data["key"] = ref.ref
    # OpenLineage facets as readable lines (the raw values stay in node.custom_properties).
    data["openlineage"] = [{"facet": f, "value": v} for f, v in facet_rows(ref.node)]
    data["openlineage_properties"] = sorted(
        k for k in ref.node.custom_properties if is_facet_property(k)
    )
    return data


def get_node(request: Request) -> Response:
    """``GET /api/v1/nodes/{node}``."""
    return json_response(node_data(request, request.path_params["node"]))


def provenance(request: Request) -> Response:
    """``GET /api/v1/nodes/{node}/provenance``: the provenance card of an artifact."""
    store = store_of(request)
    ref = node_ref(store, request.path_params["node"])
    as_of = str_param(request, "as_of")
    result = call("node", lambda: lineage.provenance(store, ref.ref, as_of=as_of))
    return json_response(result.to_dict())


def impact(request: Request) -> Response:
    """``GET /api/v1/nodes/{node}/impact``: what depends on a node (at most ``limit``)."""
    store = store_of(request)
    ref = node_ref(store, request.path_params["node"])
    limit = int_param(request, "limit", 500, 1, 10_000)
    result = call("node", lambda: lineage.impact(store, ref.ref, limit=limit))
    return json_response(result.to_dict())


def graph_data(request: Request) -> dict[str, Any]:
    """The neighbourhood of a focus node with positions: what the lineage explorer draws.

    Query parameters: ``focus`` (a node), ``up`` / ``down`` (hops, default 1 and 1),
    ``expand`` (``KEY:up:N`` or ``KEY:down:N`` items: more hops from a shown node),
    ``path`` (two nodes: highlight the path between them), ``as_of`` (a time),
    ``collapse`` (fan-outs above it become "+N more"; 0 never collapses) and ``max_nodes``.
    """
    store = store_of(request)
    focus = str_param(request, "focus")
    if focus is None:
        raise ApiError(400, "focus is required: the node to centre the graph on", "focus")
    up = int_param(request, "up", 1, 0, MAX_DEPTH)
    down = int_param(request, "down", 1, 0, MAX_DEPTH)
    max_nodes = int_param(request, "max_nodes", 2000, 1, MAX_GRAPH_NODES)
    collapse = int_param(request, "collapse", 12, 0, MAX_GRAPH_NODES)
    as_of = str_param(request, "as_of")
    ref = node_ref(store, focus, "focus")
    if ref.kind == "context":
        raise ApiError(400, "focus must be an artifact or an execution, not a context", "focus")
    graph = lineage.graph

    def walk(key: str, u: int, d: int, field: str) -> Any:
        return call(
            field,
            lambda: graph.neighbourhood(
                store, key, upstream=u, downstream=d, as_of=as_of, limit=max_nodes
            ),
        )

    parts = [walk(ref.ref, up, down, "focus")]
    for item in list_param(request, "expand", most=200):
        node, _, rest = item.rpartition(":")
        node, _, direction = node.rpartition(":")
        if direction not in ("up", "down") or not rest.isdigit() or not node:
            raise ApiError(
                400,
                f"expand items look like artifact:3:up:1 or execution:2:down:2, got {item!r}",
                "expand",
            )
        hops = int(rest)
        if not 1 <= hops <= MAX_DEPTH:
            raise ApiError(400, f"expand hops must be from 1 to {MAX_DEPTH}, got {hops}", "expand")
        expanded = node_ref(store, node, "expand")
        parts.append(
            walk(
                expanded.ref,
                hops if direction == "up" else 0,
                hops if direction == "down" else 0,
                "expand",
            )
        )
    path = list_param(request, "path", most=2)
    highlight: tuple[str, ...] = ()
    if path:
        if len(path) != 2:
            raise ApiError(400, "path takes two nodes: the two ends of the path", "path")
        a, b = (node_ref(store, p, "path").ref for p in path)
        found = call("path", lambda: graph.path(store, a, b))
        parts.append(found)
        highlight = found.highlight
    merged = graph.merge(*parts)
    drawing = lineage.render.layout(
        merged,
        focus=merged.focus,
        highlight=highlight,
        collapse_threshold=collapse or None,
        max_nodes=max_nodes,
    )
    data = drawing.to_dict()
    data["focus_key"] = ref.ref
    data["truncated"] = merged.truncated
    return data


def graph_view(request: Request) -> Response:
    """``GET /api/v1/graph?focus=``."""
    return json_response(graph_data(request))


def preview(request: Request) -> Response:
    """``GET /api/v1/artifacts/{id}/preview``: the head of a small local artifact."""
    from lineage.web.preview import preview as make_preview

    store = store_of(request)
    text = request.path_params["id"]
    if not text.isdigit():
        raise ApiError(400, f"id must be an artifact id (a number), got {text!r}", "id")
    found = call("id", lambda: store.get_artifacts_by_id([int(text)]))
    if not found:
        raise ApiError(404, f"no artifact has id {text}", "id")
    return json_response(
        make_preview(found[0].uri, roots=request.app.state.preview_roots).to_dict()
    )


# ------------------------------------------------------------------------------ reports
_REPORT_FORMATS: Final = {"json": "application/json", "md": "text/markdown", "html": "text/html"}


def _report_response(report: Any, fmt: str, filename: str) -> Response:
    if fmt == "json":
        body = report.to_json(indent=2)
    elif fmt == "md":
        body = report.to_markdown()
    else:
        body = report.to_html()
    return Response(
        body,
        media_type=_REPORT_FORMATS[fmt] + "; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


def _format(request: Request) -> str:
    fmt = str_param(request, "format", "json") or "json"
    if fmt not in _REPORT_FORMATS:
        raise ApiError(400, f"format must be json, md or html, got {fmt!r}", "format")
    return fmt


def dossier(request: Request) -> Response:
    """``GET /api/v1/reports/dossier/{node}``: the audit dossier of a model."""
    store = store_of(request)
    fmt = _format(request)
    ref = node_ref(store, request.path_params["node"])
    report = call("node", lambda: lineage.audit(store, ref.ref))
    return _report_response(report, fmt, f"dossier-{ref.kind}-{ref.id}")


def gdpr(request: Request) -> Response:
    """``GET /api/v1/reports/gdpr?subject=``: where a subject's data went."""
    store = store_of(request)
    fmt = _format(request)
    subject = str_param(request, "subject")
    if subject is None:
        raise ApiError(400, "subject is required: subject:ID or a dataset", "subject")
    target = subject if ":" in subject else f"subject:{subject}"
    report = call("subject", lambda: lineage.gdpr_report(store, target))
    return _report_response(report, fmt, "gdpr-report")


# ------------------------------------------------------------------------------ writes
def _writes(
    handler: Callable[[Request, dict[str, Any]], Response],
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that checks the write permission, reads the JSON body, then runs ``handler``
    (which calls the store) in the thread pool."""

    async def endpoint(request: Request) -> Response:
        check_write(request)
        body = await json_body(request)
        return await run_in_threadpool(handler, request, body)

    endpoint.__name__ = handler.__name__.lstrip("_")
    endpoint.__doc__ = handler.__doc__
    return endpoint


def _add_tags(request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/nodes/{node}/tags`` with ``{"add": [...], "remove": [...]}``."""
    store = store_of(request)
    ref = node_ref(store, request.path_params["node"])
    for name in ("add", "remove"):
        value = body.get(name, [])
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ApiError(400, f"{name} must be a list of tag strings", name)
    if not body.get("add") and not body.get("remove"):
        raise ApiError(400, "give tags to add or remove", "add")
    track = lineage.track
    if body.get("add"):
        call("add", lambda: track.tag(store, ref.ref, *body["add"]))
    if body.get("remove"):
        call("remove", lambda: track.tag(store, ref.ref, *body["remove"], remove=True))
    return json_response(node_data(request, ref.ref))


def _add_note(request: Request, body: dict[str, Any]) -> Response:
    """``POST /api/v1/nodes/{node}/notes`` with ``{"text": "..."}``."""
    store = store_of(request)
    ref = node_ref(store, request.path_params["node"])
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "text must be a non-empty string", "text")
    call("text", lambda: lineage.track.note(store, ref.ref, text))
    return json_response(node_data(request, ref.ref), status=201)


add_tags = _writes(_add_tags)
add_note = _writes(_add_note)


#: (method, path, handler, summary) of every API endpoint; the OpenAPI document is built from it.
ROUTES: Final[tuple[tuple[str, str, Any, str], ...]] = (
    ("GET", "/api/v1/runs", list_runs, "A page of runs, newest first"),
    ("GET", "/api/v1/runs/{run:path}", get_run, "One run with its data, code and environment"),
    ("GET", "/api/v1/compare", compare, "2 to 20 runs side by side, with their curves"),
    ("GET", "/api/v1/diff", diff, "The provenance diff of two artifacts"),
    ("GET", "/api/v1/experiments", experiments, "A page of experiments"),
    ("GET", "/api/v1/nodes", search, "Nodes by name, URI, type or id"),
    ("GET", "/api/v1/nodes/{node:path}/provenance", provenance, "The provenance card"),
    ("GET", "/api/v1/nodes/{node:path}/impact", impact, "What depends on the node"),
    ("POST", "/api/v1/nodes/{node:path}/tags", add_tags, "Add or remove tags (--write only)"),
    ("POST", "/api/v1/nodes/{node:path}/notes", add_note, "Append a note (--write only)"),
    ("GET", "/api/v1/nodes/{node:path}", get_node, "Every field, property, context and event"),
    ("POST", "/api/v1/lineage", post_event, "Record one OpenLineage event (--write only)"),
    ("POST", "/api/v1/lineage/batch", post_batch, "Record an array of OpenLineage events"),
    ("GET", "/api/v1/graph", graph_view, "A neighbourhood with positions, for drawing"),
    ("GET", "/api/v1/artifacts/{id}/preview", preview, "The head of a small local artifact"),
    ("GET", "/api/v1/reports/dossier/{node:path}", dossier, "The audit dossier of a model"),
    ("GET", "/api/v1/reports/gdpr", gdpr, "Where a data subject's data went"),
)
