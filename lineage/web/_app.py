"""The ASGI app: routes, static files, the error handler and the security headers."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from lineage.web import api, pages
from lineage.web._http import TOKEN_COOKIE, ApiError, error_body
from lineage.web.openapi import openapi_document

__all__ = ["STATIC", "create_app", "vendor_manifest"]

STATIC: Final = Path(__file__).parent / "static"
_HEADERS: Final = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; object-src 'none'",
    ),
]


def vendor_manifest() -> dict[str, str]:
    """Library name -> vendored file (``make ui-assets`` writes it); a clear error if absent."""
    path = STATIC / "vendor" / "manifest.json"
    if not path.is_file():
        raise RuntimeError(
            "the web app's browser libraries are missing (lineage/web/static/vendor): run "
            "`make ui-assets` in a source checkout, or install lineage from a built wheel"
        )
    data: dict[str, str] = json.loads(path.read_text())
    return data


class _SecurityHeaders:
    """Adds the headers every response carries (no framing, no sniffing, same-origin only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k for k, _ in headers}
                headers += [(k, v) for k, v in _HEADERS if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


_OPEN_PATHS: Final = ("/login", "/static/", "/favicon.ico")


class _TokenGate:
    """Bearer tokens (as ``lineage serve --tokens-file``): read tokens read, write tokens write.

    The token comes in an ``Authorization: Bearer`` header (API clients) or the HttpOnly cookie
    that ``/login`` sets (browsers). Without one the API answers 401 and pages go to ``/login``.
    """

    def __init__(self, app: ASGIApp, tokens: Any) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        token = token or request.cookies.get(TOKEN_COOKIE, "")
        access = self.tokens.access(token) if token else None
        if access is None:
            if scope["path"].startswith("/api/"):
                body = error_body(
                    ApiError(
                        401,
                        "this server needs a token: send 'Authorization: Bearer TOKEN'",
                        "authorization",
                    )
                )
                response: Response = JSONResponse(body, status_code=401)
            else:
                response = RedirectResponse("/login?next=" + quote(scope["path"]), 303)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["access"] = access
        await self.app(scope, receive, send)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.endswith(".json")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if _wants_json(request):
        return JSONResponse(error_body(exc), status_code=exc.status)
    return pages.error_page(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = ApiError(404, f"nothing is served at {request.url.path}", "path")
    else:
        error = ApiError(exc.status_code, str(exc.detail))
    return await _api_error(request, error)


def _openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


def _missing_indexes(store: Any) -> bool:
    """True when the store lacks the link indexes of ``lineage db optimize``."""
    from lineage.store import link_indexes

    try:
        return not all(link_indexes(store).values())
    except Exception:  # noqa: BLE001  (a server too old to say: no advice)
        return False


def create_app(
    store: Any,
    *,
    write: bool = False,
    preview_roots: Sequence[str] = (),
    tokens: Any = None,
) -> Starlette:
    """The web app over ``store``.

    Args:
        store: An open ``lineage.MetadataStore`` (SQLite, MySQL, PostgreSQL or remote).
        write: Allow tags and notes to be added; otherwise every write answers 403.
        preview_roots: Directories whose files artifact previews may show (default: the
            current directory); an artifact whose file lies elsewhere is not previewed.
        tokens: ``lineage.service.Tokens`` (``lineage serve --tokens-file``): every request
            then needs a token, and writes need a write token.

    Returns:
        A Starlette ASGI app; run it with uvicorn (``lineage ui`` does).
    """
    manifest = vendor_manifest()
    routes: list[Any] = [
        Route(path, handler, methods=[method]) for method, path, handler, _ in api.ROUTES
    ]
    routes.append(Route("/api/v1/openapi.json", _openapi, methods=["GET"]))
    routes.append(Route("/login", pages.login, methods=["GET", "POST"]))
    routes += pages.routes()
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC), name="static"))
    app = Starlette(
        routes=routes,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.store = store
    app.state.write = write
    app.state.preview_roots = [os.path.realpath(r) for r in preview_roots or [os.getcwd()]]
    app.state.vendor = manifest
    app.state.missing_indexes = _missing_indexes(store)
    app.state.tokens = tokens
    if tokens is not None and len(tokens):
        app.add_middleware(_TokenGate, tokens=tokens)
    app.add_middleware(_SecurityHeaders)
    return app
