"""``lineage ui``: the web app on a store, on this machine (see docs/ui.md)."""

from __future__ import annotations

import threading
import webbrowser

import click

from lineage.cli._app import AppState, CliError, db_option, pass_state

__all__ = ["ui"]


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="HTTP port (0: any).")
@click.option("--write", is_flag=True, help="Allow tags and notes to be added from the UI.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option(
    "--preview-root",
    "preview_roots",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="A directory whose files artifact previews may show (repeatable; default: the "
    "current directory).",
)
@pass_state
def ui(
    state: AppState,
    host: str,
    port: int,
    write: bool,
    no_browser: bool,
    preview_roots: tuple[str, ...],
) -> None:
    """Browse runs and lineage in a web browser: compare runs, explore graphs, share links.

    Read-only unless --write. Binds 127.0.0.1 unless --host says otherwise.
    """
    try:
        import uvicorn

        from lineage.web import create_app
    except ImportError as exc:
        raise CliError(f"lineage ui needs the ui extra: pip install 'lineage[ui]' ({exc})") from exc
    location = state.require_store()
    import lineage

    store = lineage.MetadataStore(location)
    try:
        try:
            app = create_app(store, write=write, preview_roots=preview_roots)
        except RuntimeError as exc:
            raise CliError(str(exc)) from exc
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
        server = uvicorn.Server(config)
        shown = host if ":" not in host else f"[{host}]"

        def announce() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if not server.started:
                return
            bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            url = f"http://{shown}:{bound}/runs"
            click.echo(f"lineage ui on {store.url}: {url}  (Ctrl-C stops it)", err=True)
            if not no_browser:
                webbrowser.open(url)

        threading.Thread(target=announce, daemon=True).start()
        server.run()
    finally:
        store.close()
