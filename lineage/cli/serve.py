"""``lineage serve``: run the gRPC metadata server on a store (see docs/server.md)."""

from __future__ import annotations

import logging
import os
from typing import Any

import click

from lineage.cli._app import AppState, CliError, db_option, pass_state

__all__ = ["serve"]

#: Tokens for the server, as ``TOKEN read|write`` lines (the file named by --tokens-file wins).
TOKENS_ENV = "LINEAGE_SERVER_TOKENS"


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=int, help="gRPC port (0: any).")
@click.option("--grpc-web-port", type=int, default=None, help="Also serve grpc-web here.")
@click.option("--read-only", is_flag=True, help="Refuse every write (PERMISSION_DENIED).")
@click.option(
    "--tokens-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help=f"Bearer tokens, one 'TOKEN read|write' per line [env: {TOKENS_ENV}].",
)
@click.option("--tls-cert", default=None, help="Server certificate (PEM file).")
@click.option("--tls-key", default=None, help="Server private key (PEM file).")
@click.option("--tls-ca", default=None, help="CA of client certificates (PEM file).")
@click.option("--tls-client-verify", is_flag=True, help="Require client certificates (mTLS).")
@click.option("--upgrade", is_flag=True, help="Upgrade an older schema in place.")
@click.option("--workers", default=16, show_default=True, type=int, help="RPCs served at once.")
@click.option("--grace", default=30.0, show_default=True, type=float, help="Drain seconds.")
@click.option("--ui", is_flag=True, help="Also serve the web app (lineage ui), same tokens.")
@click.option("--ui-port", default=5000, show_default=True, type=int, help="Web app port (0: any).")
@pass_state
def serve(
    state: AppState,
    host: str,
    port: int,
    grpc_web_port: int | None,
    read_only: bool,
    tokens_file: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    tls_ca: str | None,
    tls_client_verify: bool,
    upgrade: bool,
    workers: int,
    grace: float,
    ui: bool,
    ui_port: int,
) -> None:
    """Serve ml-metadata's gRPC MetadataStoreService (and lineage's) on the store.

    Kubeflow and TFX clients connect with MetadataStoreClientConfig(host, port); lineage
    clients with --db grpc://HOST:PORT. Binds 127.0.0.1 unless --host says otherwise.
    """
    try:
        from lineage.service import Server, ServerOptions, TlsFiles, load_tokens
    except ImportError as exc:
        raise CliError(
            f"lineage serve needs the server extra: pip install 'lineage[server]' ({exc})"
        ) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    tokens = None
    if tokens_file is not None:
        with open(tokens_file, encoding="utf-8") as handle:
            tokens = load_tokens(handle.read())
    elif os.environ.get(TOKENS_ENV):
        tokens = load_tokens(os.environ[TOKENS_ENV])
    tls = None
    if tls_cert or tls_key:
        if not (tls_cert and tls_key):
            raise CliError("--tls-cert and --tls-key go together")
        tls = TlsFiles(tls_key, tls_cert, tls_ca or "", tls_client_verify)
    options = ServerOptions(
        db=state.location,
        host=host,
        port=port,
        grpc_web_port=grpc_web_port,
        upgrade=upgrade,
        read_only=read_only,
        tokens=tokens,
        tls=tls,
        workers=workers,
        grace=grace,
    )
    web = _start_ui(state.location, host, ui_port, not read_only, tokens) if ui else None
    try:
        code = Server(options).serve_forever()
    finally:
        if web is not None:
            web()
    if code:
        raise SystemExit(code)


def _start_ui(location: str, host: str, port: int, write: bool, tokens: Any) -> Any:
    """Serve the web app in a thread beside the gRPC server; returns the function that stops it.

    The app gets its own connection to the store and the server's tokens: a read token browses,
    a write token may add tags and notes (unless the server is --read-only).
    """
    import threading

    try:
        import uvicorn

        from lineage.web import create_app
    except ImportError as exc:
        raise CliError(f"--ui needs the ui extra: pip install 'lineage[ui]' ({exc})") from exc
    import lineage

    store = lineage.MetadataStore(location)
    try:
        app = create_app(store, write=write, tokens=tokens)
    except RuntimeError as exc:
        store.close()
        raise CliError(str(exc)) from exc
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="lineage-ui", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.05)
    if not server.started:
        store.close()
        raise CliError(f"the web app could not listen on {host}:{port}")
    bound = server.servers[0].sockets[0].getsockname()[1]
    shown = host if ":" not in host else f"[{host}]"
    logging.getLogger("lineage.serve").info(
        "web app (lineage ui) on http://%s:%d/runs", shown, bound
    )

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()

    return stop
