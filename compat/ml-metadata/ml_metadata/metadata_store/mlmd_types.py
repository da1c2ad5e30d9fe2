"""MLMD's system types, for annotating types with a base type (``mlmd_types.Dataset()``).

Each class names one system-defined base type: ``Dataset().system_type`` is
``ArtifactType.DATASET`` (the enum value a type's ``base_type`` field takes) and
``Dataset().name`` is ``"mlmd.Dataset"``, the name under which the store keeps that type. The
list of types is lineage's (the nine ``mlmd.*`` types its store creates on every open), read
into a ``SimpleTypes`` message as ml-metadata's native extension would.
"""

from __future__ import annotations

from typing import Any

from lineage.store._kinds import ARTIFACT_TYPE, EXECUTION_TYPE, SIMPLE_TYPES
from ml_metadata import errors
from ml_metadata.proto import metadata_store_pb2
from ml_metadata.simple_types.proto import simple_types_pb2


def load_simple_types() -> Any:
    """The system types as a ``SimpleTypes`` message: artifact types, then execution types."""
    types = simple_types_pb2.SimpleTypes()
    for name, kind in SIMPLE_TYPES:
        if kind == ARTIFACT_TYPE:
            types.artifact_types.add(name=name)
        elif kind == EXECUTION_TYPE:
            types.execution_types.add(name=name)
    return types


def _type_name(enum_type: Any, system_type: int) -> str:
    value = enum_type.values_by_number.get(system_type)
    if value is None:
        raise errors.InvalidArgumentError(
            f"system_type: {system_type} is not a value of {enum_type.full_name}",
            errors.INVALID_ARGUMENT,
        )
    extension = value.GetOptions().Extensions[metadata_store_pb2.system_type_extension]
    return str(extension.type_name)


class _SystemType:
    """A system type, found by name in the list of system types."""

    def __init__(self, type_name: str) -> None:
        types = load_simple_types()
        for candidate in (*types.artifact_types, *types.execution_types):
            if candidate.name == type_name:
                self._type = candidate
                return
        raise errors.NotFoundError(f"Type name: {type_name} is not found", errors.NOT_FOUND)

    @property
    def name(self) -> str:
        """The type's name in the store (``mlmd.Dataset``)."""
        return str(self._type.name)


class ArtifactType(_SystemType):
    """A system artifact type, given by its ``ArtifactType.SystemDefinedBaseType`` value."""

    def __init__(self, system_type: int) -> None:
        self._system_type = system_type
        enum_type = metadata_store_pb2.ArtifactType.SystemDefinedBaseType.DESCRIPTOR
        super().__init__(_type_name(enum_type, system_type))

    @property
    def system_type(self) -> int:
        """The ``ArtifactType.SystemDefinedBaseType`` value (``ArtifactType.DATASET``)."""
        return self._system_type


class ExecutionType(_SystemType):
    """A system execution type, given by its ``ExecutionType.SystemDefinedBaseType`` value."""

    def __init__(self, system_type: int) -> None:
        self._system_type = system_type
        enum_type = metadata_store_pb2.ExecutionType.SystemDefinedBaseType.DESCRIPTOR
        super().__init__(_type_name(enum_type, system_type))

    @property
    def system_type(self) -> int:
        """The ``ExecutionType.SystemDefinedBaseType`` value (``ExecutionType.TRAIN``)."""
        return self._system_type


class Dataset(ArtifactType):
    """``mlmd.Dataset``: data read or written by a step."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ArtifactType.DATASET)


class Model(ArtifactType):
    """``mlmd.Model``: a trained model."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ArtifactType.MODEL)


class Metrics(ArtifactType):
    """``mlmd.Metrics``: evaluation results."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ArtifactType.METRICS)


class Statistics(ArtifactType):
    """``mlmd.Statistics``: statistics of a dataset."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ArtifactType.STATISTICS)


class Train(ExecutionType):
    """``mlmd.Train``: a training step."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ExecutionType.TRAIN)


class Transform(ExecutionType):
    """``mlmd.Transform``: a data transformation."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ExecutionType.TRANSFORM)


class Process(ExecutionType):
    """``mlmd.Process``: a data processing step."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ExecutionType.PROCESS)


class Evaluate(ExecutionType):
    """``mlmd.Evaluate``: an evaluation step."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ExecutionType.EVALUATE)


class Deploy(ExecutionType):
    """``mlmd.Deploy``: a deployment step."""

    def __init__(self) -> None:
        super().__init__(metadata_store_pb2.ExecutionType.DEPLOY)


__all__ = [
    "ArtifactType",
    "Dataset",
    "Deploy",
    "Evaluate",
    "ExecutionType",
    "Metrics",
    "Model",
    "Process",
    "Statistics",
    "Train",
    "Transform",
    "load_simple_types",
]
