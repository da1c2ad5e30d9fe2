"""Run ml-metadata's own ``metadata_store_test.py``, unmodified, against ``lineage.MetadataStore``.

``scripts/run_mlmd_suite.py`` copies the test file out of the installed ml-metadata wheel into a
temporary directory next to this conftest and runs pytest there. Importing this conftest swaps
``ml_metadata.MetadataStore`` (and ``downgrade_schema``) for lineage's before pytest imports the
test module, which binds the names at import time.

Where ``ml_metadata`` is lineage's compatibility package (compat/ml-metadata), nothing is swapped
on SQLite: the file runs on that package as installed.

With ``LINEAGE_MLMD_SUITE_CLIENT=lineage`` (``scripts/run_mlmd_suite_grpc.py --client lineage``)
the gRPC configs of ``--use_grpc_backend`` open lineage's remote store instead.

``LINEAGE_MLMD_SUITE_BACKEND`` chooses where the stores live:

* ``sqlite`` (default): the configs the tests build, as they are;
* ``mysql`` / ``postgresql``: every SQLite config is redirected to the server named by
  ``LINEAGE_TEST_MYSQL_URL`` / ``LINEAGE_TEST_POSTGRESQL_URL``. An in-memory SQLite store (a fresh
  empty database each time) becomes a fresh, uniquely named server database; a SQLite file becomes
  one server database per file path, so reopening the file reopens the same database. The
  databases are dropped when the session ends.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import ml_metadata
import ml_metadata.metadata_store as mlmd_package
import ml_metadata.metadata_store.metadata_store as mlmd_module
import sqlalchemy as sa

import lineage
from lineage.proto import metadata_store_pb2 as pb
from lineage.store._remote import RemoteMetadataStore, is_remote

BACKEND = os.environ.get("LINEAGE_MLMD_SUITE_BACKEND", "sqlite")
SERVER_URL = {
    "mysql": os.environ.get("LINEAGE_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/test"),
    "postgresql": os.environ.get(
        "LINEAGE_TEST_POSTGRESQL_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    ),
}.get(BACKEND)
_created: list[str] = []
_by_path: dict[str, str] = {}


def _server_config(database: str) -> Any:
    url = sa.make_url(SERVER_URL or "")
    config = pb.ConnectionConfig()
    if BACKEND == "mysql":
        config.mysql.host = url.host or "127.0.0.1"
        config.mysql.port = url.port or 3306
        config.mysql.user = url.username or "root"
        config.mysql.password = url.password or ""
        config.mysql.database = database
    else:
        config.postgresql.host = url.host or "127.0.0.1"
        config.postgresql.port = str(url.port or 5432)
        config.postgresql.user = url.username or "root"
        config.postgresql.password = url.password or ""
        config.postgresql.dbname = database
    return config


def _redirect(config: Any) -> Any:
    """The server config standing in for a SQLite config (other configs pass through)."""
    if BACKEND == "sqlite" or not isinstance(config, pb.ConnectionConfig):
        return config
    if config.WhichOneof("config") not in ("sqlite", "fake_database"):
        return config
    path = config.sqlite.filename_uri if config.HasField("sqlite") else ""
    if path:
        # The tests create and remove the SQLite file themselves; keep an empty placeholder at
        # the path so their os.remove() finds it, while the data lives on the server.
        Path(path).touch()
        name = _by_path.get(path)
        if name is None:
            name = "lineage_mlmd_f" + hashlib.sha1(path.encode()).hexdigest()[:12]
            _by_path[path] = name
            _created.append(name)
    else:
        name = "lineage_mlmd_" + uuid.uuid4().hex[:12]
        _created.append(name)
    server = _server_config(name)
    if config.HasField("retry_options"):
        server.retry_options.CopyFrom(config.retry_options)
    return server


class RedirectedMetadataStore(lineage.MetadataStore):
    """lineage's store, with SQLite configs redirected to the chosen server."""

    def __init__(self, config: Any, enable_upgrade_migration: bool = False) -> None:
        super().__init__(_redirect(config), enable_upgrade_migration=enable_upgrade_migration)


def _downgrade_schema(config: Any, downgrade_to_schema_version: int) -> None:
    lineage.downgrade_schema(_redirect(config), downgrade_to_schema_version)


class RemoteSuiteStore(RemoteMetadataStore):
    """lineage's remote store under ml-metadata's name (``LINEAGE_MLMD_SUITE_CLIENT=lineage``).

    The test file binds methods off the class (``mlmd.MetadataStore.put_artifact_type``) and
    calls them with its store, so the class it sees must be the remote one; the few local
    configs it opens still get lineage's local store.
    """

    def __new__(cls, config: Any = None, *args: Any, **kwargs: Any) -> Any:
        if is_remote(config):
            return super().__new__(cls, config, *args, **kwargs)
        return RedirectedMetadataStore(config, *args, **kwargs)


CLIENT = os.environ.get("LINEAGE_MLMD_SUITE_CLIENT", "mlmd")
# lineage's own ml_metadata package (compat/ml-metadata) already is lineage: on SQLite with
# ml-metadata's client there is nothing to swap, so the file runs on the package as installed.
AS_INSTALLED = (
    getattr(ml_metadata, "__lineage_compat__", False) and BACKEND == "sqlite" and CLIENT == "mlmd"
)
for _target in () if AS_INSTALLED else (ml_metadata, mlmd_package, mlmd_module):
    _target.MetadataStore = (  # type: ignore[attr-defined]
        RemoteSuiteStore if CLIENT == "lineage" else RedirectedMetadataStore
    )
    _target.downgrade_schema = _downgrade_schema  # type: ignore[attr-defined]


def pytest_addoption(parser: Any) -> None:
    # The options of ml-metadata's own conftest: the test file's cli_args fixture reads them.
    parser.addoption("--use_grpc_backend", action="store_true", default=False)
    parser.addoption("--grpc_host", type=str, default=None)
    parser.addoption("--grpc_port", type=int, default=0)


_outcomes: dict[str, int] = {}


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call" or report.outcome != "passed":
        _outcomes[report.outcome] = _outcomes.get(report.outcome, 0) + 1


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    summary = os.environ.get("LINEAGE_MLMD_SUITE_SUMMARY")
    if summary:
        with open(summary, "w") as fh:
            json.dump(_outcomes, fh)
    if BACKEND == "sqlite" or not _created:
        return
    url = sa.make_url(SERVER_URL or "")
    admin = url.set(database="postgres") if BACKEND == "postgresql" else url._replace(database=None)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    quote = '"' if BACKEND == "postgresql" else "`"
    with engine.connect() as conn:
        for name in _created:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}")
    engine.dispose()
