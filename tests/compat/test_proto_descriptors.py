"""Our protobuf descriptors against the real ml-metadata 1.17.1 (run in .venv-mlmd, `-m compat`).

ml_metadata is imported inside the tests, never at module level: this file is collected in the
main environment too (where the compat marker deselects it), and in .venv-mlmd a missing
ml_metadata must fail the tests, not skip them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.compat

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "lineage" / "proto" / "_generated"
# ml-metadata's module path of each generated module (simple_types lives in its own package).
UPSTREAM = {
    "metadata_store_pb2": "ml_metadata.proto.metadata_store_pb2",
    "metadata_store_service_pb2": "ml_metadata.proto.metadata_store_service_pb2",
    "simple_types_pb2": "ml_metadata.simple_types.proto.simple_types_pb2",
}


def _load_gen_protos() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _describe_difference(ours: bytes, theirs: bytes) -> str:
    from google.protobuf import descriptor_pb2, text_format

    ours_text = text_format.MessageToString(descriptor_pb2.FileDescriptorProto.FromString(ours))
    theirs_text = text_format.MessageToString(descriptor_pb2.FileDescriptorProto.FromString(theirs))
    for number, (a, b) in enumerate(
        zip(ours_text.splitlines(), theirs_text.splitlines(), strict=False), start=1
    ):
        if a != b:
            return f"first difference at text line {number}: ours {a!r}, ml-metadata {b!r}"
    return f"lengths differ: ours {len(ours)} bytes, ml-metadata {len(theirs)} bytes"


@pytest.mark.parametrize("module_name", sorted(UPSTREAM))
def test_descriptor_bytes_identical(module_name: str) -> None:
    theirs = importlib.import_module(UPSTREAM[module_name])
    # Read our bytes from the generated source, so that a mismatch is reported as a diff rather
    # than as a "duplicate file name" error from the descriptor pool.
    gen_protos = _load_gen_protos()
    ours = gen_protos._serialized_descriptor(GENERATED / f"{module_name}.py")
    expected = theirs.DESCRIPTOR.serialized_pb
    assert ours == expected, _describe_difference(ours, expected)


@pytest.mark.parametrize("module_name", sorted(UPSTREAM))
def test_imported_module_descriptor_identical(module_name: str) -> None:
    theirs = importlib.import_module(UPSTREAM[module_name])
    ours = importlib.import_module(f"lineage.proto._generated.{module_name}")
    assert ours.DESCRIPTOR.serialized_pb == theirs.DESCRIPTOR.serialized_pb
    assert ours.DESCRIPTOR is theirs.DESCRIPTOR


IMPORT_ORDER_PROBE = """
import json
import sys

from google.protobuf.internal import api_implementation

def ours():
    # Importing lineage.proto._generated runs the lineage.proto façade first, which would
    # import ml_metadata. Put a bare package in its place so that ours really come first.
    import types
    import lineage

    facade = types.ModuleType("lineage.proto")
    facade.__path__ = [lineage.__path__[0] + "/proto"]
    sys.modules["lineage.proto"] = facade
    from lineage.proto._generated import metadata_store_pb2, metadata_store_service_pb2

    del sys.modules["lineage.proto"]
    return metadata_store_pb2, metadata_store_service_pb2

def theirs():
    from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2
    return metadata_store_pb2, metadata_store_service_pb2

if sys.argv[1] == "ours-first":
    our_ms, our_mss = ours()
    their_ms, their_mss = theirs()
else:
    their_ms, their_mss = theirs()
    our_ms, our_mss = ours()

import lineage.proto

checks = {
    "Artifact": our_ms.Artifact is their_ms.Artifact,
    "Artifact.State": our_ms.Artifact.State is their_ms.Artifact.State,
    "Event.Path.Step": our_ms.Event.Path.Step is their_ms.Event.Path.Step,
    "LineageGraph": our_ms.LineageGraph is their_ms.LineageGraph,
    "PutExecutionRequest.ArtifactAndEvent": (
        our_mss.PutExecutionRequest.ArtifactAndEvent
        is their_mss.PutExecutionRequest.ArtifactAndEvent
    ),
    "GetLineageSubgraphRequest": (
        our_mss.GetLineageSubgraphRequest is their_mss.GetLineageSubgraphRequest
    ),
    "system_type_extension": our_ms.system_type_extension is their_ms.system_type_extension,
    "file descriptors": our_mss.DESCRIPTOR is their_mss.DESCRIPTOR,
    "facade Artifact": lineage.proto.Artifact is their_ms.Artifact,
    "facade module": lineage.proto.metadata_store_pb2 is their_ms,
    "cross-package message": (
        their_mss.PutArtifactsRequest(artifacts=[our_ms.Artifact(uri="u")]).artifacts[0].uri
        == "u"
    ),
}
print(json.dumps({
    "implementation": api_implementation.Type(),
    "classes_created_by": our_ms.Artifact.__module__,
    "checks": checks,
}))
"""


@pytest.mark.parametrize("implementation", ["upb", "python"])
@pytest.mark.parametrize("order", ["ours-first", "theirs-first"])
def test_classes_shared_in_both_import_orders(order: str, implementation: str) -> None:
    env = dict(os.environ)
    env["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = implementation
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", IMPORT_ORDER_PROBE, order],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["implementation"] == implementation
    creator = "lineage.proto._generated" if order == "ours-first" else "ml_metadata.proto"
    assert report["classes_created_by"] == f"{creator}.metadata_store_pb2"
    failed = [name for name, ok in report["checks"].items() if not ok]
    assert failed == []


def test_facade_uses_ml_metadata() -> None:
    from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2

    import lineage.proto

    assert lineage.proto.metadata_store_pb2 is metadata_store_pb2
    assert lineage.proto.metadata_store_service_pb2 is metadata_store_service_pb2
    assert lineage.proto.Artifact is metadata_store_pb2.Artifact
    assert lineage.proto.ConnectionConfig is metadata_store_pb2.ConnectionConfig
    assert lineage.proto.PropertyType.Value("STRUCT") == metadata_store_pb2.STRUCT
    # ml-metadata's own class docstrings are left alone.
    assert "artifact represents" in (metadata_store_pb2.Artifact.__doc__ or "")
