"""Turn a caller's store location (``ConnectionConfig``, URL or path) into a database target.

One rule names the store everywhere (Python API, CLI, tracking front end): an explicit argument,
else the ``LINEAGE_DB`` environment variable, else ``./lineage.db``. A value with ``://`` is a
SQLAlchemy URL; anything else is a SQLite file path.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message

from lineage.errors import ConfigurationError, UnimplementedError

__all__ = ["DEFAULT_DB", "ENV_VAR", "Target", "resolve_db", "target_from"]

ENV_VAR = "LINEAGE_DB"
DEFAULT_DB = "lineage.db"

_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}
#: The MySQL drivers lineage runs on (both keep D13's latin1 wire, see ``_backend``).
MYSQL_DRIVERS = ("mysqldb", "pymysql")

SQLITE_READONLY = 1


@dataclass(frozen=True)
class Target:
    """Where the store lives and how to reach it.

    Attributes:
        url: The SQLAlchemy URL (with the driver lineage uses).
        dialect: 'sqlite', 'mysql' or 'postgresql'.
        create_database: Create the database on the server when it is missing (MySQL/PostgreSQL).
        read_only: Open a SQLite file read-only.
        max_num_retries: How often a call that hit a lock conflict or deadlock is retried.
        display: The target for messages, without the password.
    """

    url: sa.URL
    dialect: str
    create_database: bool = True
    read_only: bool = False
    max_num_retries: int = 5
    display: str = ""
    connect_args: dict[str, Any] = field(default_factory=dict)

    @property
    def is_memory(self) -> bool:
        """True for an in-memory SQLite database."""
        return self.dialect == "sqlite" and self.url.database in (None, "", ":memory:")


def resolve_db(db: str | os.PathLike[str] | None = None) -> str:
    """Return the store location by lineage's rule: argument, ``$LINEAGE_DB``, ``./lineage.db``."""
    if db is not None and str(db) != "":
        return os.fspath(db)
    return os.environ.get(ENV_VAR) or DEFAULT_DB


@functools.cache
def mysql_driver() -> str:
    """The SQLAlchemy name of the MySQL driver for URLs and configs that name none.

    mysqlclient (module ``MySQLdb``, a C extension) when it can be imported: it decodes rows in C
    (500 small rows in 1.0 ms, PyMySQL 3.3 ms). Else PyMySQL (pure Python, installs anywhere).
    """
    try:
        import MySQLdb  # noqa: F401
    except ImportError:  # not installed, or its C client library is missing
        return "mysql+pymysql"
    return "mysql+mysqldb"


def _from_url(text: str, retries: int) -> Target:
    try:
        url = sa.make_url(text)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with a generic text
        raise ConfigurationError(f"Invalid database URL {text!r}: {exc}") from exc
    backend = url.get_backend_name()
    driver = _DRIVERS.get(backend)
    if backend == "sqlite":
        if url.get_driver_name() not in ("pysqlite", ""):
            url = url.set(drivername="sqlite")
        dialect = "sqlite"
    elif backend in ("mysql", "mariadb"):
        name = url.get_driver_name() if "+" in url.drivername else ""
        if name and name not in MYSQL_DRIVERS:
            shown = url.render_as_string(hide_password=True)
            raise ConfigurationError(
                f"Unsupported MySQL driver {name!r} in {shown!r}: use mysql://USER@HOST/DB "
                "(mysqlclient when installed, else PyMySQL), mysql+mysqldb:// or mysql+pymysql://"
            )
        if not name:
            url = url.set(drivername=mysql_driver())
        dialect = "mysql"
    elif driver is not None:
        if "+" not in url.drivername:
            url = url.set(drivername=driver)
        dialect = "postgresql"
    else:
        raise ConfigurationError(
            f"Unsupported database URL scheme {url.drivername!r} in {text!r}: "
            "use sqlite:///PATH, mysql://USER@HOST/DB or postgresql://USER@HOST/DB"
        )
    return Target(
        url=url,
        dialect=dialect,
        max_num_retries=retries,
        display=url.render_as_string(hide_password=True),
    )


def _sqlite_target(path: str, read_only: bool, retries: int) -> Target:
    if path in ("", ":memory:"):
        url = sa.URL.create("sqlite", database=":memory:")
        return Target(url=url, dialect="sqlite", max_num_retries=retries, display="sqlite://")
    if path.startswith("file:"):
        # An SQLite URI filename, as ml-metadata accepts: pass it through with uri=true.
        url = sa.URL.create("sqlite", database=path, query={"uri": "true"})
        return Target(
            url=url, dialect="sqlite", read_only=read_only, max_num_retries=retries, display=path
        )
    url = sa.URL.create("sqlite", database=str(Path(path).expanduser()))
    return Target(
        url=url, dialect="sqlite", read_only=read_only, max_num_retries=retries, display=path
    )


def _from_connection_config(config: Any) -> Target:
    retries = 5
    if config.HasField("retry_options"):
        retries = int(config.retry_options.max_num_retries)
    which = config.WhichOneof("config")
    if which is None:
        raise ConfigurationError(
            "Unset: the ConnectionConfig names no database; set one of sqlite, mysql, "
            "postgresql or fake_database"
        )
    if which == "fake_database":
        return _sqlite_target("", False, retries)
    if which == "sqlite":
        sq = config.sqlite
        return _sqlite_target(sq.filename_uri, sq.connection_mode == SQLITE_READONLY, retries)
    if which == "mysql":
        my = config.mysql
        if not my.database:
            raise ConfigurationError("ConnectionConfig.mysql.database is empty: name a database")
        query: dict[str, str] = {}
        if my.socket:
            query["unix_socket"] = my.socket
        driver = mysql_driver()
        connect_args: dict[str, Any] = {}
        if my.HasField("ssl_options"):
            ssl = my.ssl_options
            opts = {
                "key": ssl.key,
                "cert": ssl.cert,
                "ca": ssl.ca,
                "capath": ssl.capath,
                "cipher": ssl.cipher,
            }
            connect_args["ssl"] = {k: v for k, v in opts.items() if v}
            if driver == "mysql+pymysql":
                connect_args["ssl_verify_cert"] = bool(ssl.verify_server_cert)
            elif ssl.verify_server_cert:
                # mysqlclient: check the server's certificate and host name, as ml-metadata's
                # MYSQL_OPT_SSL_VERIFY_SERVER_CERT does.
                connect_args["ssl_mode"] = "VERIFY_IDENTITY"
        url = sa.URL.create(
            driver,
            username=my.user or None,
            password=my.password or None,
            host=my.host or ("localhost" if not my.socket else None),
            port=int(my.port) if my.port else None,
            database=my.database,
            query=query,
        )
        return Target(
            url=url,
            dialect="mysql",
            create_database=not my.skip_db_creation,
            max_num_retries=retries,
            display=url.render_as_string(hide_password=True),
            connect_args=connect_args,
        )
    if which == "postgresql":
        pg = config.postgresql
        if not pg.dbname:
            raise ConfigurationError("ConnectionConfig.postgresql.dbname is empty: name a database")
        pquery: dict[str, str] = {}
        if pg.hostaddr:
            pquery["hostaddr"] = pg.hostaddr
        if pg.passfile:
            pquery["passfile"] = pg.passfile
        if pg.HasField("ssloption"):
            so = pg.ssloption
            for key in ("sslmode", "sslcert", "sslkey", "sslpassword", "sslrootcert"):
                if getattr(so, key):
                    pquery[key] = getattr(so, key)
        try:
            port = int(pg.port) if pg.port else None
        except ValueError as exc:
            raise ConfigurationError(
                f"ConnectionConfig.postgresql.port must be a number, got {pg.port!r}"
            ) from exc
        url = sa.URL.create(
            "postgresql+psycopg",
            username=pg.user or None,
            password=pg.password or None,
            host=pg.host or None,
            port=port,
            database=pg.dbname,
            query=pquery,
        )
        return Target(
            url=url,
            dialect="postgresql",
            create_database=not pg.skip_db_creation,
            max_num_retries=retries,
            display=url.render_as_string(hide_password=True),
        )
    raise ConfigurationError(f"Unsupported ConnectionConfig.{which}")  # pragma: no cover


def target_from(config: Any) -> Target:
    """Build a :class:`Target` from a ConnectionConfig, a URL string or a path.

    Raises:
        ConfigurationError: The config is unset, malformed or names an unsupported database
            (also a ``RuntimeError``, as ml-metadata raises for a bad config).
        UnimplementedError: A ``MetadataStoreClientConfig``: it names a server, not a database
            (``MetadataStore`` opens it as a remote store before this is reached).
    """
    if isinstance(config, sa.URL):
        return _from_url(config.render_as_string(hide_password=False), 5)
    if isinstance(config, (str, os.PathLike)):
        text = os.fspath(config)
        if "://" in text:
            return _from_url(text, 5)
        return _sqlite_target(text, False, 5)
    if isinstance(config, Message):
        full_name = config.DESCRIPTOR.full_name
        if full_name == "ml_metadata.ConnectionConfig":
            return _from_connection_config(config)
        if full_name == "ml_metadata.MetadataStoreClientConfig":
            raise UnimplementedError(
                "a MetadataStoreClientConfig names a metadata server, not a database: open "
                "it with lineage.MetadataStore(config), or pass the database's ConnectionConfig"
            )
    raise ConfigurationError(
        "config must be an ml_metadata ConnectionConfig, a SQLAlchemy URL string or a SQLite "
        f"file path, got {type(config).__name__}"
    )
