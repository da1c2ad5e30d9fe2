"""Connections, transactions and compiled SQL for one database.

Statements are written with SQLAlchemy Core against the models in ``_schema``, compiled once per
dialect into the driver's own parameter style, and executed on the driver's cursor. That keeps
every value a bound parameter and keeps the per-call overhead near the driver's (a point read
costs a few microseconds on SQLite instead of tens through the ORM layers).

Each thread uses its own connection (an in-memory SQLite database has one connection shared
under a lock, since every connection to ``:memory:`` would be a different database). This module is
also the single place where driver exceptions become :mod:`lineage.errors`, always with
``raise ... from``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool, StaticPool

from lineage.errors import (
    AbortedError,
    AlreadyExistsError,
    ConfigurationError,
    ConnectionFailedError,
    DeadlineExceededError,
    InternalError,
    InvalidArgumentError,
    LineageError,
    ResourceExhaustedError,
    UnavailableError,
)
from lineage.store import _mysqlclient
from lineage.store._config import Target
from lineage.store._schema import Tables, build_tables

__all__ = ["SQL", "Backend", "Tx"]

#: SQLite waits this long for another writer before giving up (seconds).
SQLITE_BUSY_TIMEOUT_S = 60.0
#: Largest number of values bound in one IN (...) list or one multi-row INSERT.
CHUNK = 500
#: Rows read per fetch when results are streamed.
FETCH_BATCH = 2_000
#: Most one-off statements (e.g. lineage start filters) kept compiled per store.
ADHOC_CACHE = 1024
#: ``Tx.adhoc_within`` checks its budget every this many SQLite VM steps.
_PROGRESS_EVERY = 1_000
#: Values per statement in ``rows_chunked`` on MySQL/PostgreSQL (placeholder limit 65,535).
CHUNK_SERVER = 5_000
#: On SQLite, integer lists longer than this are bound as one JSON array (``json_each``).
JSON_LIST_MIN = 32

# PostgreSQL SQLSTATEs that mean the server ended the session (besides class 08).
_PG_SERVER_GONE = ("57P01", "57P02", "57P03")
# The package that provides each server driver (for the message when it is missing).
_PACKAGES = {"mysqldb": "mysqlclient", "pymysql": "pymysql", "psycopg": "psycopg[binary]"}
_POSTCOMPILE = re.compile(r"__\[POSTCOMPILE_(\w+)\]")
_DB_NAME = re.compile(r"^[A-Za-z0-9_$\-]{1,64}$")


@dataclass(frozen=True)
class SQL:
    """A statement compiled for one driver, with the names of its list-valued parameters."""

    text: str
    expanding: tuple[str, ...]
    returns_rows: bool


def _compile_dialect(dialect: str, positional: bool = False) -> sa.Dialect:
    """The dialect statements compile with: named parameters, or positional ones for batches."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import pysqlite

        return pysqlite.dialect(paramstyle="qmark" if positional else "named")
    if dialect == "mysql":
        # mysqldb's dialect is also the base of pymysql's, which changes only how it connects:
        # both compile the same text with %(name)s (or %s) placeholders, which both drivers take.
        from sqlalchemy.dialects.mysql import mysqldb

        return mysqldb.dialect(paramstyle="format" if positional else "pyformat")
    from sqlalchemy.dialects.postgresql import psycopg

    return psycopg.dialect(  # type: ignore[no-untyped-call]
        paramstyle="format" if positional else "pyformat"
    )


class _Held:
    """A driver connection (and SQLAlchemy's wrapper) that closes itself when dropped."""

    __slots__ = ("__weakref__", "closed", "conn", "fairy", "pid")

    def __init__(self, fairy: Any, conn: Any) -> None:
        self.fairy = fairy
        self.conn = conn
        self.pid = os.getpid()
        self.closed = False

    def close(self, invalidate: bool = False) -> None:
        """Close (or invalidate) the connection; never raises, never acts in a forked child."""
        if self.closed or self.pid != os.getpid():
            return
        self.closed = True
        with contextlib.suppress(Exception):
            if invalidate:
                self.fairy.invalidate()
            else:
                self.fairy.close()

    def __del__(self) -> None:
        self.close()


def _json_list(values: Sequence[Any]) -> bool:
    """Whether SQLite binds this list as one JSON array: long lists of plain integers, or of
    strings without NUL (json_each gives them back as the same TEXT values)."""
    if len(values) <= JSON_LIST_MIN:
        return False
    kinds = set(map(type, values))  # in C: a walk binds tens of thousands of ids
    if kinds == {int}:
        return True
    return kinds == {str} and not any("\x00" in v for v in values)


class Backend:
    """One database: its engine, table models, statement cache and per-thread connections."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.dialect = target.dialect
        #: The DB-API driver's SQLAlchemy name: 'pysqlite', 'mysqldb', 'pymysql' or 'psycopg'.
        self.driver = target.url.get_driver_name()
        self.tables: Tables = build_tables(self.dialect)
        self._compiler = _compile_dialect(self.dialect)
        self._positional = _compile_dialect(self.dialect, positional=True)
        self._rows_cache: dict[Any, tuple[str, tuple[str, ...]]] = {}
        self._cache: dict[Any, SQL] = {}
        self.adhoc_cache: dict[Any, tuple[str, dict[str, Any]]] = {}
        # Filtered first pages (by cache key) whose in-order walk ran out of budget.
        self.slow_first_pages: set[Any] = set()
        self._local = threading.local()
        self._lock = threading.RLock()
        # Connections are held per thread; a thread's connection closes when the thread ends
        # (its thread-local data goes, and with it the last reference to the _Held).
        self._held: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._shared_conn: _Held | None = None
        #: True when int_value is a 32-bit column (a database ml-metadata created on MySQL or
        #: PostgreSQL); set by ``_open.open_schema``.
        self.int32_values = False
        #: Type info for node validation (see ``_types.load_type_info``); SQLite only.
        self.type_cache: dict[Any, Any] = {}
        self._utf8_over_latin1 = False
        self._closed = False
        if self.dialect != "sqlite" and target.create_database:
            self._create_database()
        self.engine = self._make_engine()
        self.dbapi: Any = self.engine.dialect.loaded_dbapi
        self.server_version: tuple[int, ...] = ()
        self.is_mariadb = False
        self._shared = target.is_memory  # one connection for an in-memory database

    # ----------------------------------------------------------------- engine and connections
    def _make_engine(self) -> sa.Engine:
        t = self.target
        if self.dialect == "sqlite":
            args: dict[str, Any] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
            url = t.url
            if t.read_only and not t.is_memory:
                database = url.database or ""
                if not database.startswith("file:"):
                    database = "file:" + os.path.abspath(database)
                url = url.set(database=database + "?mode=ro", query={"uri": "true"})
            pool = StaticPool if t.is_memory else NullPool
            engine = sa.create_engine(url, connect_args=args, poolclass=pool)
        else:
            args = dict(t.connect_args)
            if self.dialect == "mysql":
                if self.driver == "mysqldb":
                    try:
                        args.setdefault("cursorclass", _mysqlclient.cursor_class())
                    except ImportError as exc:
                        raise self._missing_driver(exc) from exc
                    # Like PyMySQL's default: one statement per query string.
                    args.setdefault("multi_statements", False)
                if "charset" not in t.url.query:
                    # ml-metadata's MySQL client talks latin1 to the server and sends UTF-8
                    # bytes, so the server stores text double-encoded. Do the same (latin1 on the
                    # wire, UTF-8 bytes in it) so both libraries read the same text from the same
                    # rows (D13). PyMySQL connects as latin1 and then encodes and decodes UTF-8
                    # (``conn.encoding``); mysqlclient decodes in C by the client library's
                    # character set, so it connects as utf8mb4 and the session is switched to
                    # latin1 on the server only (``_mysqlclient.latin1_session``).
                    args["charset"] = "latin1" if self.driver == "pymysql" else "utf8mb4"
                    self._utf8_over_latin1 = True
            engine = self._server_engine(t.url, connect_args=args)
        return engine

    def _server_engine(self, url: sa.URL, **kwargs: Any) -> sa.Engine:
        """A MySQL/PostgreSQL engine; a driver that is not installed is a ConfigurationError."""
        try:
            return sa.create_engine(url, poolclass=NullPool, **kwargs)
        except ImportError as exc:
            raise self._missing_driver(exc) from exc

    def _missing_driver(self, exc: ImportError) -> ConfigurationError:
        package = _PACKAGES.get(self.driver, str(exc.name))
        return ConfigurationError(
            f"{self.target.display} needs the {package} package, which cannot be imported "
            f"({exc}); pip install {package}"
        )

    def _create_database(self) -> None:
        """Create the MySQL/PostgreSQL database when it is missing, as ml-metadata does."""
        name = self.target.url.database or ""
        if not _DB_NAME.match(name):
            raise InvalidArgumentError(
                f"database name {name!r} is not a plain identifier (letters, digits, _ $ -); "
                "create it yourself and set skip_db_creation"
            )
        if self.dialect == "mysql":
            server = self.target.url._replace(database=None)
            quoted = "`" + name + "`"
            exists_sql = "SELECT 1 FROM information_schema.schemata WHERE schema_name = %(n)s"
        else:
            server = self.target.url.set(database="postgres")
            quoted = '"' + name + '"'
            exists_sql = "SELECT 1 FROM pg_database WHERE datname = %(n)s"
        try:
            engine = self._server_engine(
                server, connect_args=dict(self.target.connect_args), isolation_level="AUTOCOMMIT"
            )
            with engine.connect() as conn:
                exists = conn.exec_driver_sql(exists_sql, {"n": name}).first()
                if not exists:
                    try:
                        conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
                    except sa.exc.DBAPIError as exc:  # lost a race with another creator
                        if not conn.exec_driver_sql(exists_sql, {"n": name}).first():
                            raise ConnectionFailedError(
                                f"cannot create database {name!r} on {self.target.display}: "
                                f"{exc.orig}"
                            ) from exc
            engine.dispose()
        except sa.exc.DBAPIError as exc:
            raise ConnectionFailedError(
                f"cannot connect to {self.target.display}: {_first_line(exc.orig)}"
            ) from exc

    def _new_connection(self) -> Any:
        try:
            fairy = self.engine.raw_connection()
        except sa.exc.DBAPIError as exc:
            raise ConnectionFailedError(
                f"cannot connect to {self.target.display}: {_first_line(exc.orig)}"
            ) from exc
        except Exception as exc:  # e.g. a malformed URL option
            raise ConnectionFailedError(f"cannot connect to {self.target.display}: {exc}") from exc
        conn: Any = fairy.dbapi_connection
        try:
            self._setup_connection(conn)
        except self.dbapi.Error as exc:
            with contextlib.suppress(Exception):
                fairy.invalidate()
            raise ConnectionFailedError(
                f"cannot open {self.target.display}: {_first_line(exc)}"
            ) from exc
        except LineageError:
            with contextlib.suppress(Exception):
                fairy.invalidate()
            raise
        return _Held(fairy, conn)

    def _setup_connection(self, conn: Any) -> None:
        """Session settings: SQLite pragmas, autocommit off, the server version."""
        if self.dialect == "sqlite":
            conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves
            cur = conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            if not self.target.is_memory and not self.target.read_only:
                mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    # Another process may hold the database; a later connection switches it.
                    with contextlib.suppress(self.dbapi.OperationalError):
                        cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.close()
        elif self.dialect == "mysql":
            conn.autocommit(False)
            cur = conn.cursor()
            if self._utf8_over_latin1:
                if self.driver == "pymysql":
                    conn.encoding = "utf8"  # the bytes on the latin1 wire are UTF-8 (see above)
                else:
                    _mysqlclient.latin1_session(cur)
            cur.execute("SELECT VERSION(), @@character_set_client, @@character_set_results")
            text, client, results = (str(v) for v in cur.fetchone())
            cur.close()
            if self._utf8_over_latin1:
                _check_latin1_wire(conn, self.driver, client, results)
            self.is_mariadb = "mariadb" in text.lower()
            self.server_version = _version_tuple(text)
        else:
            conn.autocommit = False
            self.server_version = (conn.info.server_version // 10000,)

    def _connection(self) -> Any:
        if self._closed:
            raise UnavailableError("the store is closed")
        if self._shared:
            shared = self._shared_conn
            if shared is None:
                shared = self._shared_conn = self._new_connection()
                self._held.add(shared)
            return shared.conn
        local = self._local
        held = getattr(local, "held", None)
        if held is None or held.pid != os.getpid():
            held = self._new_connection()
            local.held = held
            with self._lock:
                self._held.add(held)
        return held.conn

    def _discard_connection(self) -> None:
        """Forget this thread's connection after a connection-level failure."""
        if self._shared:
            return
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None:
            with self._lock:
                self._held.discard(held)
            held.close(invalidate=True)

    def close(self) -> None:
        """Close every connection this backend opened (in this process)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            held, self._held = list(self._held), weakref.WeakSet()
            self._shared_conn = None
        for h in held:
            h.close()
        self.engine.dispose()

    # ----------------------------------------------------------------- statements
    def sql(self, key: Any, build: Callable[[Tables], Any]) -> SQL:
        """Compile ``build(tables)`` once for this driver and cache it under ``key``."""
        found = self._cache.get(key)
        if found is not None:
            return found
        stmt = build(self.tables)
        compiled = stmt.compile(dialect=self._compiler)
        text = compiled.string
        expanding = tuple(_POSTCOMPILE.findall(text))
        returns = (
            bool(getattr(compiled, "returning", None))
            or isinstance(stmt, sa.Select)
            or (hasattr(stmt, "is_select") and stmt.is_select)
        )
        found = SQL(text=text, expanding=expanding, returns_rows=returns)
        self._cache[key] = found
        return found

    def sql_rows(self, key: Any, build: Callable[[Tables], Any]) -> tuple[str, tuple[str, ...]]:
        """Compile ``build(tables)`` with positional parameters; cached by ``key``.

        Returns the text and the parameter names in the order the tuples of
        ``Tx.many_rows`` must follow. Binding a tuple costs the driver less than looking up a
        dict's keys, which matters at thousands of rows per call.
        """
        found = self._rows_cache.get(key)
        if found is None:
            compiled = build(self.tables).compile(dialect=self._positional)
            found = (compiled.string, tuple(compiled.positiontup or ()))
            self._rows_cache[key] = found
        return found

    def compile_adhoc(self, stmt: Any) -> tuple[str, dict[str, Any]]:
        """Compile a one-off statement (e.g. a filter query) with its bound values."""
        compiled = stmt.compile(dialect=self._compiler)
        text = compiled.string
        sql = SQL(text=text, expanding=tuple(_POSTCOMPILE.findall(text)), returns_rows=True)
        return self.render(sql, dict(compiled.params))

    def placeholder(self, name: str) -> str:
        return f":{name}" if self.dialect == "sqlite" else f"%({name})s"

    def render(self, sql: SQL, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Expand list-valued parameters into one placeholder per value."""
        if not sql.expanding:
            return sql.text, params
        text = sql.text
        out = dict(params)
        for name in dict.fromkeys(sql.expanding):  # a list may be used more than once
            values = list(out.pop(name))
            if not values:
                raise ValueError(f"empty list for parameter {name}")  # callers guard this
            if self.dialect == "sqlite" and _json_list(values):
                # One JSON array parameter instead of a placeholder per value: no per-value
                # rendering, no variable limit, and the statement text stays the same.
                out[name] = json.dumps(values)
                text = text.replace(
                    f"__[POSTCOMPILE_{name}]", f"SELECT value FROM json_each(:{name})"
                )
                continue
            names = [f"{name}_{i}" for i in range(len(values))]
            out.update(zip(names, values, strict=True))
            text = text.replace(
                f"__[POSTCOMPILE_{name}]", ", ".join(self.placeholder(n) for n in names)
            )
        return text, out

    # ----------------------------------------------------------------- transactions
    @contextmanager
    def transaction(self, write: bool) -> Iterator[Tx]:
        """Run a block in one transaction; translate driver errors; roll back on any failure."""
        if self._shared:
            with self._lock:
                yield from self._transaction(write)
        else:
            yield from self._transaction(write)

    def _transaction(self, write: bool) -> Iterator[Tx]:
        conn = self._connection()
        try:
            cur = conn.cursor()
            if self.dialect == "sqlite":
                cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            elif self.dialect == "mysql":
                cur.execute("START TRANSACTION" if write else "START TRANSACTION READ ONLY")
        except self.dbapi.Error as exc:
            self._rollback(conn)
            raise self.translate(exc) from exc
        tx = Tx(self, conn, cur)
        try:
            yield tx
            conn.commit()
        except self.dbapi.Error as exc:
            self._rollback(conn)
            raise self.translate(exc) from exc
        except BaseException:
            self._rollback(conn)
            raise
        finally:
            if tx.session_locks:  # MySQL named locks, see Tx.named_lock
                self._release_session_locks(conn, cur, tx.session_locks)
            with contextlib.suppress(Exception):
                cur.close()

    def _release_session_locks(self, conn: Any, cur: Any, names: list[str]) -> None:
        """Release MySQL named locks taken by ``Tx.named_lock``, now that the transaction has
        ended; a connection that cannot release them is dropped (the server frees them then)."""
        try:
            for name in names:
                cur.execute("SELECT RELEASE_LOCK(%(n)s)", {"n": name})
                cur.fetchall()
            conn.commit()
        except Exception:
            self._discard_connection()

    def _rollback(self, conn: Any) -> None:
        try:
            conn.rollback()
        except Exception:
            self._discard_connection()

    def translate(self, exc: BaseException) -> LineageError:
        """Map a driver exception to the lineage error a caller should see."""
        message = _first_line(exc)
        code = _error_code(exc)
        if isinstance(exc, self.dbapi.IntegrityError):
            return AlreadyExistsError(f"a row with the same unique key already exists: {message}")
        if self.dialect == "sqlite":
            lowered = message.lower()
            if "locked" in lowered or "busy" in lowered:
                return AbortedError(f"the database is busy, try again: {message}")
            if isinstance(exc, self.dbapi.OperationalError) and "readonly" in lowered.replace(
                " ", ""
            ):
                return InvalidArgumentError(f"the store is read-only: {message}")
        elif self.dialect == "mysql":
            if code in (1213, 1205):
                return AbortedError(f"lock conflict (deadlock or lock wait timeout): {message}")
            if code in (2006, 2013, 2003, 2055):
                self._discard_connection()
                return UnavailableError(f"lost the connection to {self.target.display}: {message}")
        else:
            sqlstate = getattr(exc, "sqlstate", None)
            if sqlstate in ("40001", "40P01", "55P03"):
                return AbortedError(f"serialization failure or deadlock: {message}")
            if sqlstate == "23505":
                return AlreadyExistsError(
                    f"a row with the same unique key already exists: {message}"
                )
            if sqlstate == "57014":
                return DeadlineExceededError(f"the statement was cancelled: {message}")
            if sqlstate is not None and sqlstate.startswith("53"):
                return ResourceExhaustedError(f"the database ran out of a resource: {message}")
            if isinstance(exc, self.dbapi.OperationalError) and (
                sqlstate is None or sqlstate.startswith("08") or sqlstate in _PG_SERVER_GONE
            ):
                self._discard_connection()
                return UnavailableError(f"lost the connection to {self.target.display}: {message}")
        return InternalError(f"database error: {message}")


class Tx:
    """A transaction in progress: run cached statements on one cursor."""

    __slots__ = ("backend", "conn", "cur", "dialect", "session_locks")

    def __init__(self, backend: Backend, conn: Any, cur: Any) -> None:
        self.backend = backend
        self.conn = conn
        self.cur = cur
        self.dialect = backend.dialect
        self.session_locks: list[str] = []

    def named_lock(self, name: str, timeout_s: int = 120) -> None:
        """Hold the lock ``name`` until this transaction has committed or rolled back, so that
        writers taking the same name queue. PostgreSQL: a transaction-scoped advisory lock keyed
        by a hash of the name. MySQL: ``GET_LOCK``, which belongs to the session, so the backend
        releases it after the commit, never before it. SQLite: nothing (``BEGIN IMMEDIATE``
        already serializes writers). A lock this transaction holds is not taken twice."""
        if self.dialect == "sqlite" or name in self.session_locks:
            return
        if self.dialect == "postgresql":
            digest = hashlib.sha256(name.encode()).digest()[:8]
            self.cur.execute(
                "SELECT pg_advisory_xact_lock(%(k)s)",
                {"k": int.from_bytes(digest, "big", signed=True)},
            )
            self.cur.fetchall()
            return
        self.cur.execute("SELECT GET_LOCK(%(n)s, %(t)s)", {"n": name, "t": timeout_s})
        (got,) = self.cur.fetchone()
        if got != 1:
            raise AbortedError(f"timed out after {timeout_s} s waiting for the lock {name!r}")
        self.session_locks.append(name)

    def run(self, sql: SQL, params: dict[str, Any] | None = None) -> Any:
        """Execute ``sql`` and return the cursor (iterate it or call fetchall)."""
        if sql.expanding:
            text, bound = self.backend.render(sql, params or {})
            self.cur.execute(text, bound)
        else:
            self.cur.execute(sql.text, params or {})
        return self.cur

    def rows(self, sql: SQL, params: dict[str, Any] | None = None) -> list[Any]:
        """Execute and fetch every row."""
        return list(self.run(sql, params).fetchall())

    def rows_chunked(
        self, sql: SQL, name: str, values: Sequence[Any], params: dict[str, Any] | None = None
    ) -> list[Any]:
        """Execute once per chunk of ``values`` bound to the list parameter ``name``."""
        return list(self.iter_chunked(sql, name, values, params))

    def iter_chunked(
        self, sql: SQL, name: str, values: Sequence[Any], params: dict[str, Any] | None = None
    ) -> Iterator[Any]:
        """``rows_chunked`` as a stream: rows are read as they are consumed.

        Consume it fully before running another statement in this transaction (one cursor).
        """
        base = dict(params or {})
        if self.dialect != "sqlite":
            size = CHUNK_SERVER
        elif _json_list(values):
            size = len(values)  # one JSON array parameter: no variable limit
        else:
            size = CHUNK
        for start in range(0, len(values), size):
            base[name] = values[start : start + size]
            cur = self.run(sql, base)
            while batch := cur.fetchmany(FETCH_BATCH):
                yield from batch

    def many(self, sql: SQL, seq: Iterable[dict[str, Any]]) -> None:
        """Execute a statement once per parameter set (driver batching)."""
        batch = list(seq)
        if batch:
            self.cur.executemany(sql.text, batch)

    def many_rows(self, text: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Execute a ``Backend.sql_rows`` statement once per tuple (driver batching)."""
        if rows:
            self.cur.executemany(text, rows)

    def adhoc(self, stmt: Any) -> list[Any]:
        """Compile and run a one-off statement; return all rows."""
        text, params = self.backend.compile_adhoc(stmt)
        self.cur.execute(text, params)
        return list(self.cur.fetchall())

    def _compiled(self, key: Any, build: Callable[[], Any]) -> tuple[str, dict[str, Any]]:
        if key is None:
            return self.backend.compile_adhoc(build())
        cache = self.backend.adhoc_cache
        found = cache.get(key)
        if found is None:
            found = self.backend.compile_adhoc(build())
            if len(cache) < ADHOC_CACHE:
                cache[key] = found
        return found

    def adhoc_cached(
        self, key: Any, build: Callable[[], Any], params: dict[str, Any] | None = None
    ) -> list[Any]:
        """Like ``adhoc`` for a statement that ``key`` determines, bound values included.

        The compiled text and values are kept (up to ``ADHOC_CACHE`` keys), so repeating a query
        such as a ``get_lineage_subgraph`` start filter skips SQLAlchemy's compiler. ``params``
        supplies the values of parameters left unbound in the statement (e.g. a limit);
        ``key=None`` compiles without caching.
        """
        text, bound = self._compiled(key, build)
        self.cur.execute(text, {**bound, **params} if params else bound)
        return list(self.cur.fetchall())

    def adhoc_within(
        self, key: Any, build: Callable[[], Any], steps: int, params: dict[str, Any] | None = None
    ) -> list[Any] | None:
        """``adhoc_cached`` on SQLite, unless the query takes more than about ``steps`` VM steps.

        Returns its rows, or None when the query was stopped at the budget (the transaction
        stays usable: only that statement is interrupted).
        """
        text, bound = self._compiled(key, build)
        calls = steps // _PROGRESS_EVERY
        spent = 0

        def progress() -> int:
            nonlocal spent
            spent += 1
            return 1 if spent > calls else 0

        self.conn.set_progress_handler(progress, _PROGRESS_EVERY)
        try:
            self.cur.execute(text, {**bound, **params} if params else bound)
            return list(self.cur.fetchall())
        except self.backend.dbapi.OperationalError:
            if spent <= calls:
                raise
            return None
        finally:
            self.conn.set_progress_handler(None, 0)

    def type_cache_token(self) -> Any:
        """A token that changes whenever cached type info may be stale (None: don't cache).

        SQLite's ``data_version`` changes when another connection commits; together with this
        connection's identity it tells whether anything but us could have changed the types.
        """
        if self.dialect != "sqlite":
            return None
        self.cur.execute("PRAGMA data_version")
        return (id(self.conn), self.cur.fetchone()[0])

    def scalar(self, sql: SQL, params: dict[str, Any] | None = None) -> Any:
        row = self.run(sql, params).fetchone()
        return None if row is None else row[0]


def _first_line(exc: BaseException | None) -> str:
    text = str(exc) if exc is not None else ""
    if exc is not None and getattr(exc, "args", None) and isinstance(exc.args[0], int):
        # PyMySQL and mysqlclient: (errno, message)
        text = f"({exc.args[0]}) {exc.args[1] if len(exc.args) > 1 else ''}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _error_code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int):
        return int(args[0])
    return None


def _check_latin1_wire(conn: Any, driver: str, client: str, results: str) -> None:
    """Refuse a connection on which D13 does not hold (it would store or read mojibake)."""
    # mysqlclient encodes parameters by ``conn.encoding`` and decodes rows in C by the client
    # library's character set; PyMySQL does both by ``conn.encoding``.
    encodes = str(conn.encoding)
    decodes = str(conn.character_set_name()) if driver == "mysqldb" else encodes
    if client != "latin1" or results != "latin1" or encodes != "utf8" or decodes[:4] != "utf8":
        raise InternalError(
            f"the MySQL connection ({driver}) must speak latin1 to the server and carry UTF-8, "
            f"but the server reads {client} and sends {results}, and the client encodes "
            f"{encodes} and decodes {decodes}"
        )


def _version_tuple(text: str) -> tuple[int, ...]:
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not match:
        return ()
    return tuple(int(g) for g in match.groups() if g is not None)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Split ``values`` into slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
