"""Shared fixtures: one ``store`` fixture that runs a test on every backend.

Backends: SQLite in memory, a SQLite file, MariaDB/MySQL and PostgreSQL. The server backends use
``LINEAGE_TEST_MYSQL_URL`` / ``LINEAGE_TEST_POSTGRESQL_URL`` (the Makefile sets both). Each test
session creates its own database on each server and empties it before every test; the database
is dropped at the end. A server that cannot be reached fails the test when ``CI=true`` and is
skipped with the reason otherwise, so CI never skips a backend silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

# tests/mlmd_suite holds the conftest that scripts/run_mlmd_suite.py copies next to ml-metadata's
# own test file; it is not a test module of this suite.
collect_ignore = ["mlmd_suite"]

SERVER_URLS = {
    "mysql": os.environ.get("LINEAGE_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/test"),
    "postgresql": os.environ.get(
        "LINEAGE_TEST_POSTGRESQL_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    ),
}
BACKENDS = [
    pytest.param("sqlite-memory", id="sqlite-memory"),
    pytest.param("sqlite-file", id="sqlite-file"),
    pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]
FILE_BACKENDS = [b for b in BACKENDS if b.values[0] != "sqlite-memory"]
#: A ``lineage serve`` server (in this process, on a loopback port) on a fresh SQLite file, and
#: a remote ``MetadataStore`` (grpc://) talking to it: a module opts in with
#: ``pytestmark = pytest.mark.remote_too``; a test in it that reads the database's internals
#: says ``@pytest.mark.local_only``.
REMOTE = pytest.param("remote", id="remote", marks=pytest.mark.remote)
STORE_BACKENDS = [*BACKENDS, REMOTE]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unreachable(kind: str, error: BaseException) -> None:
    """Fail in CI, skip (with the reason) elsewhere."""
    if isinstance(error, ImportError):  # e.g. mysqlclient (MySQLdb) is not installed
        message = f"the {kind} driver of {SERVER_URLS.get(kind)} cannot be imported: {error}"
    else:
        message = f"{kind} server unreachable ({SERVER_URLS.get(kind)}): {error}"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


class ServerDatabase:
    """A database created for this test session on a MySQL or PostgreSQL server."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        base = sa.make_url(SERVER_URLS[kind])
        self.name = f"lineage_t{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = (
            base.set(database="postgres") if kind == "postgresql" else base._replace(database=None)
        )
        self.admin = sa.create_engine(
            admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        quote = '"' if kind == "postgresql" else "`"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {quote}{self.name}{quote}")
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        self._quote = quote

    def reset(self) -> None:
        """Empty every table but MLMDEnv (the schema stays)."""
        with self.engine.begin() as conn:
            if self.kind == "postgresql":
                names = [
                    r[0]
                    for r in conn.exec_driver_sql(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    )
                    if r[0] != "mlmdenv"
                ]
                if names:
                    conn.exec_driver_sql(
                        "TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY"
                    )
            else:
                names = [r[0] for r in conn.exec_driver_sql("SHOW TABLES") if r[0] != "MLMDEnv"]
                for name in names:
                    conn.exec_driver_sql(f"DELETE FROM `{name}`")

    def fresh(self) -> None:
        """Leave an empty current-version database: empty the tables if the schema is intact."""
        env = "mlmdenv" if self.kind == "postgresql" else "MLMDEnv"
        try:
            with self.engine.connect() as conn:
                version = conn.exec_driver_sql(f"SELECT schema_version FROM {env}").scalar()
                tables = len(sa.inspect(conn).get_table_names())
        except sa.exc.DBAPIError:
            version, tables = None, 0
        if version == 10 and tables == 15:
            self.reset()
        else:
            self.drop_tables()

    def drop_tables(self) -> None:
        """Drop every table (for tests that build a schema themselves)."""
        with self.engine.begin() as conn:
            if self.kind == "postgresql":
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
            else:
                for (name,) in conn.exec_driver_sql("SHOW TABLES").fetchall():
                    conn.exec_driver_sql(f"DROP TABLE `{name}`")

    def close(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self._quote}{self.name}{self._quote}")
        self.admin.dispose()


_servers: dict[str, ServerDatabase | BaseException] = {}


def server_database(kind: str) -> ServerDatabase:
    """The session's database on a server, created on first use; fails/skips when unreachable."""
    found = _servers.get(kind)
    if found is None:
        try:
            found = ServerDatabase(kind)
        except Exception as exc:  # any driver error: the server is not usable
            found = exc
        _servers[kind] = found
    if isinstance(found, BaseException):
        unreachable(kind, found)
        raise AssertionError("unreachable")  # pragma: no cover
    return found


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    for db in _servers.values():
        if isinstance(db, ServerDatabase):
            db.close()


_remote_servers: list[Any] = []


def _serve(tmp_path: Path) -> str:
    """Start a ``lineage serve`` on a new SQLite file; the grpc:// URL of a client for it."""
    pytest.importorskip("grpc", reason="the server extra (grpcio) is not installed")
    from lineage.service import Server, ServerOptions

    db = tmp_path / f"served-{uuid.uuid4().hex[:8]}.db"
    server = Server(ServerOptions(db=f"sqlite:///{db}", port=0, grace=1))
    server.start()
    _remote_servers.append(server)
    assert server.wait_ready(60), server.failure
    return f"grpc://127.0.0.1:{server.port}"


def _server_of(store: Any) -> Any:
    port = int(store.url.rsplit(":", 1)[1])
    [server] = [s for s in _remote_servers if s.port == port]
    return server


def server_side(store: Any) -> Any:
    """The store that does the work: ``store``, or the one inside a remote store's server."""
    return _server_of(store).service.store if getattr(store, "is_remote", False) else store


@contextmanager
def local_view(store: Any) -> Iterator[Any]:
    """``store`` itself, or for a remote store a local one on the database its server serves.

    Tests that check rows directly (snapshots, dangling references) read the real database.
    """
    if not getattr(store, "is_remote", False):
        yield store
        return
    import lineage

    local = lineage.MetadataStore(_server_of(store).options.db)
    try:
        yield local
    finally:
        local.close()


@pytest.fixture(autouse=True)
def _stop_remote_servers() -> Iterator[None]:
    """Stop the servers a test started through ``fresh_url('remote', ...)``."""
    yield
    while _remote_servers:
        _remote_servers.pop().stop(0)


def pytest_generate_tests(metafunc: Any) -> None:
    """Run each ``backend`` test on every backend; in ``remote_too`` modules through a server too.

    Only for this file's ``backend`` fixture (a conftest below may define its own, with params).
    """
    if "backend" not in metafunc.fixturenames:
        return
    definitions = metafunc._arg2fixturedefs.get("backend") or ()
    if not definitions or definitions[-1].params is not None:
        return
    if any(
        m.args and m.args[0] == "backend" for m in metafunc.definition.iter_markers("parametrize")
    ):
        return  # the test chose its backends itself
    node = metafunc.definition
    remote = node.get_closest_marker("remote_too") and not node.get_closest_marker("local_only")
    metafunc.parametrize("backend", STORE_BACKENDS if remote else BACKENDS, indirect=True)


def fresh_url(backend: str, tmp_path: Path) -> str:
    """A URL for an empty database of ``backend`` ('sqlite-memory', 'sqlite-file', 'mysql', ...).

    'remote' starts a server on a fresh SQLite file and returns its grpc:// URL.
    """
    if backend == "remote":
        return _serve(tmp_path)
    if backend == "sqlite-memory":
        return "sqlite://"
    if backend == "sqlite-file":
        return f"sqlite:///{tmp_path / 'lineage.db'}"
    db = server_database(backend)
    db.fresh()
    return db.url


@pytest.fixture
def backend(request: Any) -> str:
    """The backend name of the current parametrization (see ``pytest_generate_tests``)."""
    return str(request.param)


@pytest.fixture
def store_url(backend: str, tmp_path: Path) -> str:
    """A URL naming an empty database on the current backend."""
    return fresh_url(backend, tmp_path)


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    """A fresh ``lineage.MetadataStore`` on each backend."""
    import lineage

    s = lineage.MetadataStore(store_url)
    try:
        yield s
    finally:
        s.close()


def fresh_store(backend: str, directory: Path) -> Any:
    """A new ``MetadataStore`` on an empty database of ``backend`` (for tests that need several).

    SQLite files get a new name each call; server databases are emptied.
    """
    import lineage

    if backend == "sqlite-file":
        return lineage.MetadataStore(str(directory / f"store-{uuid.uuid4().hex[:8]}.db"))
    if backend == "remote":
        return lineage.MetadataStore(_serve(directory))
    return lineage.MetadataStore(fresh_url(backend, directory))
