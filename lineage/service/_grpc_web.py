"""grpc-web on a second port: what the Kubeflow Pipelines UI speaks (through envoy, until now).

HTTP/1.1 ``POST /<service>/<method>`` with a grpc-web body: frames of one flag byte, a 4-byte
big-endian length and the message. The request is one data frame; the reply is a data frame
(unless the call failed) and a trailer frame (flag 0x80) whose payload is ``grpc-status: N`` and
``grpc-message: ...`` lines. ``application/grpc-web+proto`` (and ``application/grpc-web``) is
binary; ``application/grpc-web-text`` is the same bytes in base64. CORS preflights are answered
so a browser on another origin can call. Every call goes through :meth:`Service.invoke`, so
tokens, read-only mode and the per-RPC log line are the gRPC port's.
"""

from __future__ import annotations

import base64
import binascii
import logging
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

from lineage import errors
from lineage.service._core import Reply, Service

__all__ = ["GrpcWebServer", "frame", "unframe"]

_log = logging.getLogger("lineage.server")

TRAILER = 0x80
#: The largest request body accepted (the gRPC port's message limit).
BODY_LIMIT = 100 * 1024 * 1024
_BINARY = ("application/grpc-web", "application/grpc-web+proto")
_TEXT = ("application/grpc-web-text", "application/grpc-web-text+proto")
_CORS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": (
        "authorization, content-type, x-grpc-web, x-user-agent, grpc-timeout, keep-alive, "
        "user-agent, cache-control, content-transfer-encoding, "
        "x-accept-content-transfer-encoding, x-accept-response-streaming"
    ),
    "Access-Control-Expose-Headers": "grpc-status, grpc-message",
    "Access-Control-Max-Age": "1728000",
}


def frame(payload: bytes, flag: int = 0) -> bytes:
    """One grpc-web frame."""
    return struct.pack(">BI", flag, len(payload)) + payload


def unframe(body: bytes) -> list[tuple[int, bytes]]:
    """The (flag, payload) frames of a body; ValueError when it is not whole frames."""
    frames, at = [], 0
    while at < len(body):
        if len(body) - at < 5:
            raise ValueError("a truncated frame header")
        flag, length = struct.unpack_from(">BI", body, at)
        at += 5
        if len(body) - at < length:
            raise ValueError(f"a frame of {length} bytes with {len(body) - at} left")
        frames.append((flag, body[at : at + length]))
        at += length
    return frames


def _percent(message: str) -> str:
    """gRPC's grpc-message encoding: printable ASCII stays, the rest is percent-encoded."""
    return quote(message, safe=" !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _trailers(code: int, message: str) -> bytes:
    text = f"grpc-status: {code}\r\n"
    if message:
        text += f"grpc-message: {_percent(message)}\r\n"
    return text.encode("ascii")


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"
    server_version = "lineage-grpc-web"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Access logs stay quiet: Service logs one line per RPC."""

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
        self.send_header("Vary", "Origin")

    def do_OPTIONS(self) -> None:  # noqa: N802
        self.send_response(204)
        self._cors()
        for key, value in _CORS.items():
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _plain(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        self._plain(405, "grpc-web: POST /<service>/<method> with application/grpc-web+proto\n")

    def do_POST(self) -> None:  # noqa: N802
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        text = kind in _TEXT
        if kind not in _BINARY and not text:
            self._plain(415, f"unsupported content type {kind!r}: use application/grpc-web+proto\n")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > BODY_LIMIT:
            self.close_connection = True
            self._reply(kind, Reply(None, errors.RESOURCE_EXHAUSTED, "request too large"))
            return
        body = self.rfile.read(length)
        reply = self._call(body, text)
        self._reply(kind, reply)

    def _call(self, body: bytes, text: bool) -> Reply:
        try:
            if text:
                body = base64.b64decode(body, validate=False)
            frames = unframe(body)
        except (ValueError, binascii.Error) as exc:
            return Reply(None, errors.INVALID_ARGUMENT, f"malformed grpc-web body: {exc}")
        data = [payload for flag, payload in frames if not flag & TRAILER]
        if len(data) != 1:
            return Reply(None, errors.INVALID_ARGUMENT, "a unary call sends exactly one message")
        metadata = [(k.lower(), v) for k, v in self.headers.items()]
        peer = f"ipv4:{self.client_address[0]}:{self.client_address[1]}"
        return self.server.service.invoke(self.path.split("?")[0], data[0], metadata, peer)

    def _reply(self, kind: str, reply: Reply) -> None:
        out = b"" if reply.body is None else frame(reply.body)
        out += frame(_trailers(reply.code, reply.message), TRAILER)
        if kind in _TEXT:
            out = base64.b64encode(out)
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", kind)
        if reply.body is None:  # trailers-only, as envoy also puts them in the headers
            self.send_header("grpc-status", str(reply.code))
            if reply.message:
                self.send_header("grpc-message", _percent(reply.message))
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], service: Service) -> None:
        self.service = service
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:  # '::' serves IPv4 too (dual-stack)
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class GrpcWebServer:
    """The grpc-web port of a :class:`Service` (threads; stops with the gRPC server)."""

    def __init__(self, service: Service, host: str, port: int) -> None:
        self._http = _HttpServer((host.strip("[]"), port), service)
        self.port = int(self._http.server_address[1])
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="grpc-web", daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        _log.info("serving grpc-web on port %d", self.port)

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
