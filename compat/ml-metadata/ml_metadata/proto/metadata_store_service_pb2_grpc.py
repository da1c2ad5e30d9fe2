"""gRPC client stub and server helpers of ``ml_metadata.MetadataStoreService``.

The names are those of grpcio's generated module (``MetadataStoreServiceStub``,
``MetadataStoreServiceServicer``, ``add_MetadataStoreServiceServicer_to_server``), built here from
the service descriptor rather than generated: every method of the service is unary-unary, and
its request and response classes come from ``metadata_store_service_pb2``. The stub talks to
``lineage serve`` or to Google's ``metadata_store_server`` alike. Needs grpcio (the ``grpc``
extra). grpcio's experimental one-off call API (``MetadataStoreService.GetArtifacts(request,
target)``) is not provided.
"""

from __future__ import annotations

from typing import Any

import grpc

from ml_metadata.proto import metadata_store_service_pb2

SERVICE_NAME = "ml_metadata.MetadataStoreService"
_SERVICE = metadata_store_service_pb2.DESCRIPTOR.services_by_name["MetadataStoreService"]


def _message_class(descriptor: Any) -> Any:
    return getattr(metadata_store_service_pb2, descriptor.name)


#: (method name, request class, response class) for every RPC, in declaration order.
METHODS: tuple[tuple[str, Any, Any], ...] = tuple(
    (method.name, _message_class(method.input_type), _message_class(method.output_type))
    for method in _SERVICE.methods
)


class MetadataStoreServiceStub:
    """Client of the service: one callable attribute per RPC (``stub.GetArtifacts(request)``)."""

    def __init__(self, channel: grpc.Channel) -> None:
        for name, request, response in METHODS:
            setattr(
                self,
                name,
                channel.unary_unary(
                    f"/{SERVICE_NAME}/{name}",
                    request_serializer=request.SerializeToString,
                    response_deserializer=response.FromString,
                ),
            )


def _unimplemented(name: str) -> Any:
    def method(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        context.set_code(grpc.StatusCode.UNIMPLEMENTED)
        context.set_details(f"{name} is not implemented")
        raise NotImplementedError(f"{name} is not implemented")

    method.__name__ = name
    return method


class MetadataStoreServiceServicer:
    """Base class of a server: override the RPCs you serve; the others are UNIMPLEMENTED."""


for _name, _, _ in METHODS:
    setattr(MetadataStoreServiceServicer, _name, _unimplemented(_name))
del _name


def add_MetadataStoreServiceServicer_to_server(  # noqa: N802 - grpcio's generated name
    servicer: MetadataStoreServiceServicer, server: grpc.Server
) -> None:
    """Register ``servicer``'s methods on ``server`` under the service's name."""
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            getattr(servicer, name),
            request_deserializer=request.FromString,
            response_serializer=response.SerializeToString,
        )
        for name, request, response in METHODS
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME, handlers),))
