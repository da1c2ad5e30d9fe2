"""``lineage serve``: ml-metadata's gRPC ``MetadataStoreService`` (and lineage's own
``LineageService``) on a lineage store, a drop-in for Google's ``metadata_store_server``.

Needs the ``server`` extra (``pip install 'lineage[server]'``: grpcio, grpcio-health-checking,
grpcio-reflection). Every RPC is one call of :class:`lineage.MetadataStore`; this package holds
no SQL and no store behaviour of its own. See docs/server.md.
"""

from __future__ import annotations

from lineage.service._core import Reply, RpcFailure, Service, Tokens, load_tokens
from lineage.service._server import Server, ServerOptions, TlsFiles

__all__ = [
    "Reply",
    "RpcFailure",
    "Server",
    "ServerOptions",
    "Service",
    "TlsFiles",
    "Tokens",
    "load_tokens",
]
