"""``metadata_store_server``: the drop-in for Google's C++ binary, with the same flags.

A Kubeflow or TFX deployment swaps the image and keeps its arguments::

    metadata_store_server --grpc_port=8080 --mysql_config_host=mysql \\
        --mysql_config_database=metadb --mysql_config_port=3306 \\
        --mysql_config_user=root --mysql_config_password= --enable_database_upgrade=true

Flags are read as gflags reads them (``--flag=value`` or ``--flag value``; booleans also bare,
``--flag``, or ``--noflag``). ``GRPC_PORT`` and ``METADATA_STORE_SERVER_CONFIG_FILE`` in the
environment stand in for their flags when the flag is not given. Unlike the C++ server,
``--enable_database_upgrade`` is honoured with a config file too, the server waits for its
database instead of exiting, and it answers ``grpc.health.v1``. It binds every interface
(dual-stack ``[::]``), as the C++ server does inside a pod; ``lineage serve`` binds loopback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lineage.errors import ConfigurationError

__all__ = ["build_options", "connection_config", "main", "parse_args", "parse_channel_arguments"]

_log = logging.getLogger("lineage.server")


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "t", "yes", "y"):
        return True
    if value in ("0", "false", "f", "no", "n"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


_BOOLS = (
    "enable_database_upgrade",
    "mysql_config_skip_db_creation",
    "postgres_config_skip_db_creation",
)
_STRINGS = (
    "metadata_store_server_config_file",
    "mysql_config_host",
    "mysql_config_database",
    "mysql_config_user",
    "mysql_config_password",
    "mysql_config_socket",
    "postgres_config_host",
    "postgres_config_hostaddr",
    "postgres_config_port",
    "postgres_config_user",
    "postgres_config_password",
    "postgres_config_passfile",
    "postgres_config_dbname",
    "grpc_channel_arguments",
)
_INTS = {"grpc_port": None, "mysql_config_port": 0, "downgrade_db_schema_version": -1}


def _normalize(argv: Sequence[str]) -> list[str]:
    """gflags' boolean spellings (``--flag``, ``--noflag``) as ``--flag=true|false``."""
    out = []
    for arg in argv:
        name = arg[2:] if arg.startswith("--") else ""
        if name in _BOOLS:
            arg = f"--{name}=true"
        elif name.startswith("no") and name[2:] in _BOOLS:
            arg = f"--{name[2:]}=false"
        out.append(arg)
    return out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the C++ server's flags (and lineage's few additions)."""
    parser = argparse.ArgumentParser(
        prog="metadata_store_server",
        description="ml-metadata's gRPC MetadataStoreService on lineage (drop-in).",
    )
    for name, default in _INTS.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    for name in _STRINGS:
        parser.add_argument(f"--{name}", default="")
    for name in _BOOLS:
        parser.add_argument(f"--{name}", type=_bool, default=False)
    parser.add_argument("--grpc_web_port", type=int, default=None, help="lineage: grpc-web port")
    parser.add_argument("--read_only", type=_bool, default=False, help="lineage: refuse writes")
    parser.add_argument("--tokens_file", default="", help="lineage: 'TOKEN read|write' lines")
    parser.add_argument("--workers", type=int, default=16, help="lineage: RPCs served at once")
    parser.add_argument("--host", default="[::]", help="lineage: the address to bind")
    raw = list(sys.argv[1:] if argv is None else argv)
    return parser.parse_args(_normalize(raw))


def parse_channel_arguments(text: str) -> list[tuple[str, Any]]:
    """``k=v,k2=v2`` as grpc options (integer values as ints).

    Raises:
        ConfigurationError: An item without ``=``.
    """
    out: list[tuple[str, Any]] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigurationError(f"--grpc_channel_arguments: expected key=value, got {item!r}")
        try:
            out.append((key.strip(), int(value)))
        except ValueError:
            out.append((key.strip(), value.strip()))
    return out


def _server_config(path: str) -> Any:
    from google.protobuf import text_format

    from lineage.proto import metadata_store_pb2

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the server config file {path!r}: {exc}") from exc
    config = metadata_store_pb2.MetadataStoreServerConfig()
    try:
        text_format.Parse(text, config)
    except text_format.ParseError as exc:
        raise ConfigurationError(
            f"{path}: not a MetadataStoreServerConfig text proto: {exc}"
        ) from exc
    return config


def connection_config(args: argparse.Namespace) -> tuple[Any, Any]:
    """The ConnectionConfig the flags name, and the MetadataStoreServerConfig (or None).

    The config file wins when given; else the MySQL flags, else the PostgreSQL flags; with none
    of them, an in-memory database (the C++ server's fake database).
    """
    from lineage import proto as pb

    path = args.metadata_store_server_config_file or os.environ.get(
        "METADATA_STORE_SERVER_CONFIG_FILE", ""
    )
    if path:
        server_config = _server_config(path)
        if not server_config.HasField("connection_config"):
            raise ConfigurationError(f"{path}: connection_config is not set")
        return server_config.connection_config, server_config
    config = pb.ConnectionConfig()
    if args.mysql_config_host or args.mysql_config_database or args.mysql_config_socket:
        my = config.mysql
        my.host = args.mysql_config_host
        if args.mysql_config_port:
            my.port = args.mysql_config_port
        my.database = args.mysql_config_database
        my.user = args.mysql_config_user
        my.password = args.mysql_config_password
        if args.mysql_config_socket:
            my.socket = args.mysql_config_socket
        my.skip_db_creation = args.mysql_config_skip_db_creation
    elif args.postgres_config_host or args.postgres_config_dbname:
        pg = config.postgresql
        for name in ("host", "hostaddr", "port", "user", "password", "passfile", "dbname"):
            value = getattr(args, f"postgres_config_{name}")
            if value:
                setattr(pg, name, value)
        pg.skip_db_creation = args.postgres_config_skip_db_creation
    else:
        _log.warning("no database configured: serving an in-memory store (nothing is kept)")
        config.fake_database.SetInParent()
    return config, None


def build_options(args: argparse.Namespace) -> Any:
    """The ServerOptions the flags describe."""
    from lineage.service._core import load_tokens
    from lineage.service._server import ServerOptions, TlsFiles

    config, server_config = connection_config(args)
    upgrade = bool(args.enable_database_upgrade)
    tls = None
    if server_config is not None:
        upgrade = upgrade or server_config.migration_options.enable_upgrade_migration
        if server_config.HasField("ssl_config"):
            ssl = server_config.ssl_config
            tls = TlsFiles(ssl.server_key, ssl.server_cert, ssl.custom_ca, ssl.client_verify)
    port = args.grpc_port
    if port is None:
        port = int(os.environ.get("GRPC_PORT") or 8080)
    tokens = None
    if args.tokens_file:
        with open(args.tokens_file, encoding="utf-8") as handle:
            tokens = load_tokens(handle.read())
    return ServerOptions(
        db=config,
        host=args.host,
        port=port,
        grpc_web_port=args.grpc_web_port,
        upgrade=upgrade,
        read_only=args.read_only,
        tokens=tokens,
        tls=tls,
        channel_args=parse_channel_arguments(args.grpc_channel_arguments),
        workers=args.workers,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the drop-in server (the ``metadata_store_server`` console script)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    args = parse_args(argv)
    try:
        if args.downgrade_db_schema_version >= 0:
            from lineage.store import downgrade_schema

            config, _ = connection_config(args)
            downgrade_schema(config, args.downgrade_db_schema_version)
            _log.info("downgraded to schema version %d", args.downgrade_db_schema_version)
            raise SystemExit(0)
        from lineage.service._server import Server

        options = build_options(args)
    except ConfigurationError as exc:
        _log.error("%s", exc)
        raise SystemExit(2) from exc
    raise SystemExit(Server(options).serve_forever())


if __name__ == "__main__":  # pragma: no cover
    main()
