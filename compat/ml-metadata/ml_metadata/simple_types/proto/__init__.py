"""The ``SimpleTypes`` message (``simple_types_pb2``)."""
