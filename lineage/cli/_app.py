"""The ``lineage`` command group, its shared options and the mapping of errors to exit codes.

Every command reaches the store through :class:`AppState`: ``--db`` (on the group or on the
command), else ``$LINEAGE_DB``, else ``./lineage.db``, by :func:`lineage.store.resolve_db`. Read
commands never create a store: a missing SQLite file or an empty database is an error.

Exit codes: 0 on success, 1 for any lineage error (one ``error: ...`` line on stderr, no
traceback), 2 for usage errors (click's own).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import click

import lineage
from lineage.errors import LineageError

__all__ = [
    "AppState",
    "CliError",
    "LineageGroup",
    "StoreProbe",
    "cli",
    "db_option",
    "json_option",
    "main",
    "probe",
    "sqlite_file",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Set to 1 to see the traceback of an unexpected error (a bug in lineage).
DEBUG_ENV = "LINEAGE_DEBUG"


class CliError(click.ClickException):
    """An error shown as one ``error: ...`` line on stderr, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the one-line message to stderr."""
        message = " ".join(self.format_message().split("\n"))
        click.echo(f"error: {message}", err=True, file=file)


class LineageGroup(click.Group):
    """A click group that turns lineage errors into :class:`CliError` (never a traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the group and its subcommand, translating errors."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
            raise  # click reports these itself (a closed pipe exits quietly with code 1)
        except LineageError as exc:
            raise CliError(str(exc) or type(exc).__name__) from exc
        except OSError as exc:  # e.g. a store path that cannot be read
            raise CliError(str(exc)) from exc
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            raise CliError(
                f"unexpected {type(exc).__name__}: {exc} (a bug in lineage; set "
                f"{DEBUG_ENV}=1 to see the traceback)"
            ) from exc


# ----------------------------------------------------------------------------- store access
def sqlite_file(db: str) -> Path | None:
    """The file of a SQLite store named by a path or ``sqlite:///`` URL; None for others.

    In-memory databases and MySQL/PostgreSQL URLs have no file.
    """
    if "://" in db:
        scheme, _, rest = db.partition("://")
        if scheme.split("+")[0] != "sqlite" or not rest.startswith("/"):
            return None
        path = rest[1:].split("?")[0]
        return Path(path).expanduser() if path and path != ":memory:" else None
    if db in ("", ":memory:"):
        return None
    if db.startswith("file:"):
        path, _, query = db[len("file:") :].partition("?")
        if "mode=memory" in query or not path:
            return None
        return Path(path).expanduser()
    return Path(db).expanduser()


@dataclasses.dataclass(frozen=True)
class StoreProbe:
    """What can be learnt about a database without opening it as a store.

    Attributes:
        url: Where it is, without a password.
        dialect: 'sqlite', 'mysql' or 'postgresql'.
        version: The recorded MLMD schema version; None when the database is empty.
    """

    url: str
    dialect: str
    version: int | None


def probe(db: str) -> StoreProbe:
    """Read the schema version of the database ``db`` names, creating nothing.

    Unlike opening a ``MetadataStore``, this creates no schema and no server database, and opens
    a SQLite file read-only.

    Raises:
        ConfigurationError: ``db`` is not a usable URL or path.
        ConnectionFailedError: The database cannot be reached or does not exist.
    """
    if db.startswith(("grpc://", "grpcs://")):
        # A server: it reports its database's schema version (it created the schema).
        with lineage.MetadataStore(db) as store:
            return StoreProbe(
                url=store.url, dialect=store.dialect, version=store.get_schema_version()
            )
    # lineage.store has no public call for this yet; these are the helpers MetadataStore uses.
    from lineage.store._backend import Backend
    from lineage.store._config import target_from
    from lineage.store._open import current_version

    target = target_from(db)
    target = dataclasses.replace(
        target, create_database=False, read_only=target.dialect == "sqlite" and not target.is_memory
    )
    backend = Backend(target)
    try:
        with backend.transaction(write=False) as tx:
            version = current_version(tx)
    finally:
        backend.close()
    return StoreProbe(url=target.display, dialect=target.dialect, version=version)


def library_schema_version() -> int:
    """The MLMD schema version this lineage writes."""
    from lineage.store._schema import SCHEMA_VERSION

    return SCHEMA_VERSION


@dataclasses.dataclass
class AppState:
    """What the group's options decided, shared by every command.

    Attributes:
        db: The ``--db`` value given on the command line, if any.
    """

    db: str | None = None

    @property
    def location(self) -> str:
        """The store location by lineage's rule (``--db``, ``$LINEAGE_DB``, ``./lineage.db``)."""
        from lineage.store import resolve_db

        return resolve_db(self.db)

    def require_existing(self) -> str:
        """The store location, after checking that a SQLite store's file exists.

        Raises:
            CliError: The SQLite file is missing.
        """
        db = self.location
        path = sqlite_file(db)
        if path is not None and not path.exists():
            shown = f"./{path}" if not path.is_absolute() and len(path.parts) == 1 else str(path)
            raise CliError(f"no store at {shown}; record something first or pass --db")
        return db

    def require_store(self) -> str:
        """The store location, after checking that it holds a lineage (MLMD) schema.

        Raises:
            CliError: The SQLite file is missing or the database is empty.
        """
        db = self.require_existing()
        found = probe(db)
        if found.version is None:
            raise CliError(
                f"no store at {found.url} (the database is empty); record something first"
            )
        return db

    @contextmanager
    def open_store(self, *, read: bool = True) -> Iterator[lineage.MetadataStore]:
        """Open the store; for ``read`` commands it must exist already."""
        db = self.require_store() if read else self.location
        store = lineage.MetadataStore(db)
        try:
            yield store
        finally:
            store.close()


def _remember_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(AppState).db = value


def db_option(fn: F) -> F:
    """Add ``--db URL_OR_PATH`` (accepted on the group and on each command)."""
    return click.option(
        "--db",
        metavar="URL_OR_PATH",
        default=None,
        expose_value=False,
        is_eager=True,
        callback=_remember_db,
        help="The store: a SQLAlchemy URL, a SQLite file path or a server's grpc://HOST:PORT "
        "[env: LINEAGE_DB; default: ./lineage.db].",
    )(fn)


def json_option(fn: F) -> F:
    """Add ``--json`` (print machine-readable JSON instead of a table)."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON (stable key order) instead of a table."
    )(fn)


pass_state = click.make_pass_decorator(AppState, ensure=True)


@click.group(
    cls=LineageGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@db_option
@click.version_option(lineage.__version__, "--version", prog_name="lineage")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """lineage: inspect and maintain an ML Metadata (MLMD) lineage store.

    The store is named by --db, else $LINEAGE_DB, else ./lineage.db. Nodes are named as
    artifact:ID, execution:ID, context:ID, TYPE:NAME, an artifact URI or a bare name.
    """
    ctx.ensure_object(AppState)


def main(argv: list[str] | None = None) -> None:
    """Run the ``lineage`` command line (the console script's entry point)."""
    cli.main(args=argv, prog_name="lineage")
