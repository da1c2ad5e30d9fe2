"""The generated protobuf modules and the ``lineage.proto`` façade (newest protobuf runtime)."""

from __future__ import annotations

import doctest
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from google.protobuf import any_pb2, descriptor_pb2, struct_pb2

import lineage.proto
from lineage.proto import (
    Artifact,
    ArtifactType,
    ListOperationOptions,
    MigrationOptions,
    PropertyType,
    Value,
    metadata_store_pb2,
    metadata_store_service_pb2,
)
from lineage.proto._generated import metadata_store_pb2 as generated_store_pb2
from lineage.proto._generated import metadata_store_service_pb2 as generated_service_pb2

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_EXPORTS = {
    "Artifact",
    "ArtifactType",
    "Association",
    "Attribution",
    "ConnectionConfig",
    "Context",
    "ContextType",
    "Event",
    "Execution",
    "ExecutionType",
    "FakeDatabaseConfig",
    "LineageGraph",
    "LineageSubgraphQueryOptions",
    "ListOperationOptions",
    "ListOperationNextPageToken",
    "MetadataStoreClientConfig",
    "MigrationOptions",
    "MySQLDatabaseConfig",
    "ParentContext",
    "PostgreSQLDatabaseConfig",
    "PropertyType",
    "RetryOptions",
    "SqliteMetadataSourceConfig",
    "Value",
    "UNKNOWN",
    "INT",
    "DOUBLE",
    "STRING",
    "STRUCT",
    "PROTO",
    "BOOLEAN",
    "lineage_service_pb2",
    "metadata_store_pb2",
    "metadata_store_service_pb2",
}


def _load_gen_protos() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 calls "isort-style": CONSTANTS, then Classes, then the rest.
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_generated_code_is_up_to_date() -> None:
    gen_protos = _load_gen_protos()
    stale = gen_protos.stale_files()
    assert stale == [], "lineage/proto/_generated is stale; run `make protos`: " + "; ".join(stale)


def test_facade_exports() -> None:
    assert set(lineage.proto.__all__) == EXPECTED_EXPORTS
    for name in lineage.proto.__all__:
        assert getattr(lineage.proto, name) is not None, name
    assert lineage.proto.__all__ == sorted(lineage.proto.__all__, key=_isort_key)
    assert len(set(lineage.proto.__all__)) == len(lineage.proto.__all__)


def test_facade_picks_the_right_modules() -> None:
    if importlib.util.find_spec("ml_metadata") is None:
        assert metadata_store_pb2 is generated_store_pb2
        assert metadata_store_service_pb2 is generated_service_pb2
    else:
        assert metadata_store_pb2.__name__ == "ml_metadata.proto.metadata_store_pb2"
    # Either way, the classes are the ones our generated modules hold.
    assert Artifact is generated_store_pb2.Artifact
    assert generated_service_pb2.PutArtifactsRequest is (
        metadata_store_service_pb2.PutArtifactsRequest
    )


def test_message_full_names_and_descriptor_files() -> None:
    assert Artifact.DESCRIPTOR.full_name == "ml_metadata.Artifact"
    assert Artifact.State.DESCRIPTOR.full_name == "ml_metadata.Artifact.State"
    assert generated_store_pb2.DESCRIPTOR.name == "ml_metadata/proto/metadata_store.proto"
    assert generated_service_pb2.DESCRIPTOR.name == "ml_metadata/proto/metadata_store_service.proto"
    assert generated_service_pb2.DESCRIPTOR.dependencies[1] is generated_store_pb2.DESCRIPTOR


def test_property_type_constants() -> None:
    values = {
        "UNKNOWN": 0,
        "INT": 1,
        "DOUBLE": 2,
        "STRING": 3,
        "STRUCT": 4,
        "PROTO": 5,
        "BOOLEAN": 6,
    }
    for name, number in values.items():
        assert getattr(lineage.proto, name) == number
        assert PropertyType.Value(name) == number


def test_artifact_round_trip() -> None:
    artifact = Artifact(
        id=7,
        type_id=3,
        name="train.csv",
        uri="file:///data/train.csv",
        external_id="dataset/train",
        state=Artifact.LIVE,
    )
    artifact.properties["rows"].int_value = 1200
    artifact.properties["ratio"].double_value = 0.125
    artifact.properties["split"].string_value = "train"
    artifact.properties["clean"].bool_value = True
    schema = struct_pb2.Struct()
    schema.update({"columns": ["a", "b"], "nested": {"x": 1.5, "none": None}})
    artifact.custom_properties["schema"].struct_value.CopyFrom(schema)
    packed = any_pb2.Any()
    packed.Pack(ArtifactType(name="Dataset", properties={"rows": PropertyType.INT}))
    artifact.custom_properties["type"].proto_value.CopyFrom(packed)

    parsed = Artifact.FromString(artifact.SerializeToString())

    assert parsed == artifact
    assert parsed.properties["rows"].WhichOneof("value") == "int_value"
    assert parsed.properties["ratio"].double_value == 0.125
    assert parsed.properties["clean"].bool_value is True
    assert parsed.custom_properties["schema"].struct_value["nested"]["x"] == 1.5
    unpacked = ArtifactType()
    assert parsed.custom_properties["type"].proto_value.Unpack(unpacked)
    assert unpacked.name == "Dataset"
    assert unpacked.properties["rows"] == PropertyType.INT
    assert parsed.HasField("state")
    assert not parsed.HasField("create_time_since_epoch")
    assert isinstance(parsed.properties["rows"], Value)


def test_defaults_and_options() -> None:
    options = ListOperationOptions()
    assert options.max_result_size == 20
    assert options.order_by_field.field == ListOperationOptions.OrderByField.ID
    assert options.order_by_field.is_asc is True
    assert MigrationOptions().downgrade_to_schema_version == -1
    request = metadata_store_service_pb2.PutArtifactTypeRequest()
    assert request.all_fields_match is True
    field = request.DESCRIPTOR.fields_by_name["all_fields_match"]
    assert field.GetOptions().deprecated
    base_types = ArtifactType.SystemDefinedBaseType.DESCRIPTOR.values_by_name
    extension = metadata_store_pb2.system_type_extension
    type_name = base_types["DATASET"].GetOptions().Extensions[extension].type_name
    assert type_name == "mlmd.Dataset"


def test_copy_to_proto() -> None:
    proto = descriptor_pb2.DescriptorProto()
    Artifact.DESCRIPTOR.CopyToProto(proto)
    assert proto.name == "Artifact"
    assert [f.number for f in proto.field] == [1, 7, 2, 8, 3, 11, 4, 5, 6, 9, 10, 12]


PURE_PYTHON_PROBE = """
import json
from google.protobuf import descriptor_pb2
from google.protobuf.internal import api_implementation
from lineage.proto._generated import metadata_store_pb2 as ms
from lineage.proto._generated import metadata_store_service_pb2 as mss

values = ms.ExecutionType.SystemDefinedBaseType.DESCRIPTOR.values_by_name
service = mss.DESCRIPTOR.services_by_name["MetadataStoreService"]
proto = descriptor_pb2.ServiceDescriptorProto()
service.CopyToProto(proto)
print(json.dumps({
    "implementation": api_implementation.Type(),
    "type_name": values["TRAIN"].GetOptions().Extensions[ms.system_type_extension].type_name,
    "deprecated_rpc": service.methods_by_name["GetLineageGraph"].GetOptions().deprecated,
    "methods": len(proto.method),
}))
"""


def test_pure_python_runtime() -> None:
    # The options-reset block of the generated modules only runs on the pure-Python runtime.
    env = dict(os.environ)
    env["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", PURE_PYTHON_PROBE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "implementation": "python",
        "type_name": "mlmd.Train",
        "deprecated_rpc": True,
        "methods": 52,
    }


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(lineage.proto)
    assert tried > 0
    assert failures == 0
