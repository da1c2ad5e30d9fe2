"""lineage's ``ml_metadata`` package (compat/ml-metadata) as its users import it.

Runs in .venv-compat, where that package is installed and Google's ml-metadata is not
(`make test-ml-metadata-compat`); Google's 1.17.1, in .venv-mlmd, is asked for the facts the
package must match.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests import servers

ROOT = Path(__file__).resolve().parents[2]
MLMD_PYTHON = ROOT / ".venv-mlmd" / "bin" / "python"

SYSTEM_TYPES_PROBE = """
import json
from ml_metadata.metadata_store import mlmd_types
names = ["Dataset", "Model", "Metrics", "Statistics", "Train", "Transform", "Process",
         "Evaluate", "Deploy"]
print(json.dumps({n: [getattr(mlmd_types, n)().name, int(getattr(mlmd_types, n)().system_type)]
                  for n in names}))
"""


def _run(python: Path | str, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_it_is_lineage_under_ml_metadata_names() -> None:
    import ml_metadata as mlmd
    from ml_metadata import errors, metadata_store
    from ml_metadata.metadata_store import metadata_store as store_module
    from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2
    from ml_metadata.simple_types.proto import simple_types_pb2

    import lineage
    import lineage.errors
    import lineage.proto

    assert mlmd.__lineage_compat__ is True
    assert mlmd.__version__ == "1.17.1"  # the ml-metadata API it provides
    assert importlib.metadata.version("ml-metadata-lineage") == lineage.__version__
    assert mlmd.MetadataStore is metadata_store.MetadataStore is lineage.MetadataStore
    assert store_module.ListOptions is mlmd.ListOptions is lineage.ListOptions
    assert mlmd.OrderByField.CREATE_TIME is lineage.OrderByField.CREATE_TIME
    assert mlmd.downgrade_schema is lineage.downgrade_schema
    assert store_module.MAX_NUM_RESULT == 100
    assert mlmd.proto.Artifact is metadata_store_pb2.Artifact is lineage.proto.Artifact
    assert mlmd.proto.MetadataStoreClientConfig is lineage.proto.MetadataStoreClientConfig
    assert metadata_store_pb2.__name__ == "lineage.proto._generated.metadata_store_pb2"
    assert metadata_store_service_pb2.GetArtifactsRequest.DESCRIPTOR.full_name == (
        "ml_metadata.GetArtifactsRequest"
    )
    assert simple_types_pb2.SimpleTypes.DESCRIPTOR.file.name == (
        "ml_metadata/simple_types/proto/simple_types.proto"
    )
    # lineage borrows nothing from a package that is itself lineage.
    assert lineage.proto.metadata_store_pb2.__name__.startswith("lineage.")
    assert lineage.errors.NotFoundError.__mro__[1] is lineage.errors.StatusError
    assert mlmd.errors is errors
    assert errors.NotFoundError is lineage.errors.NotFoundError
    assert (errors.OK, errors.NOT_FOUND, errors.ALREADY_EXISTS, errors.UNAUTHENTICATED) == (
        0,
        5,
        6,
        16,
    )
    exc = errors.make_exception("no such artifact", errors.NOT_FOUND)
    assert isinstance(exc, errors.NotFoundError)
    assert exc.error_code == errors.NOT_FOUND


def test_a_store_behaves_as_ml_metadata_users_expect(tmp_path: Path) -> None:
    import ml_metadata as mlmd
    from ml_metadata import errors
    from ml_metadata.proto import metadata_store_pb2

    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(tmp_path / "mlmd.db")
    store = mlmd.MetadataStore(config)
    type_id = store.put_artifact_type(metadata_store_pb2.ArtifactType(name="DataSet"))
    [a, b] = store.put_artifacts(
        [
            metadata_store_pb2.Artifact(type_id=type_id, uri="s3://b/1", name="one"),
            metadata_store_pb2.Artifact(type_id=type_id, uri="s3://b/2", name="two"),
        ]
    )
    newest = store.get_artifacts(
        list_options=mlmd.ListOptions(limit=1, order_by=mlmd.OrderByField.ID, is_asc=False)
    )
    assert [x.id for x in newest] == [b]
    with pytest.raises(errors.NotFoundError):
        store.get_artifact_type("Missing")
    with pytest.raises(errors.AlreadyExistsError):
        store.put_artifacts([metadata_store_pb2.Artifact(type_id=type_id, name="one")])


def test_system_types_match_google_ml_metadata() -> None:
    from ml_metadata.metadata_store import mlmd_types
    from ml_metadata.proto import metadata_store_pb2

    ours = json.loads(_run(sys.executable, SYSTEM_TYPES_PROBE).stdout)
    assert MLMD_PYTHON.exists(), f"{MLMD_PYTHON} is missing: run `make setup`"
    probe = _run(MLMD_PYTHON, SYSTEM_TYPES_PROBE)
    assert probe.returncode == 0, probe.stderr
    assert ours == json.loads(probe.stdout)
    assert ours["Dataset"] == ["mlmd.Dataset", metadata_store_pb2.ArtifactType.DATASET]
    assert ours["Deploy"] == ["mlmd.Deploy", metadata_store_pb2.ExecutionType.DEPLOY]
    assert [t.name for t in mlmd_types.load_simple_types().execution_types] == [
        "mlmd.Train",
        "mlmd.Transform",
        "mlmd.Process",
        "mlmd.Evaluate",
        "mlmd.Deploy",
    ]


def test_system_type_annotates_a_type_in_the_store() -> None:
    import ml_metadata as mlmd
    from ml_metadata.metadata_store import mlmd_types
    from ml_metadata.proto import metadata_store_pb2

    store = mlmd.MetadataStore(metadata_store_pb2.ConnectionConfig(fake_database={}))
    trainer = metadata_store_pb2.ExecutionType(
        name="Trainer", base_type=mlmd_types.Train().system_type
    )
    store.put_execution_type(trainer)
    assert store.get_execution_type("Trainer").base_type == metadata_store_pb2.ExecutionType.TRAIN
    with pytest.raises(mlmd.errors.InvalidArgumentError, match="system_type"):
        mlmd_types.ArtifactType(99)


@pytest.fixture
def served(tmp_path: Path) -> Any:
    process, port = servers.serve_grpc(tmp_path / "served.db")
    try:
        yield port
    finally:
        servers.stop(process)


def test_grpc_stub_talks_to_lineage_serve(served: int) -> None:
    import grpc
    import ml_metadata as mlmd
    from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2
    from ml_metadata.proto import metadata_store_service_pb2_grpc as service_grpc

    with grpc.insecure_channel(f"127.0.0.1:{served}") as channel:
        stub = service_grpc.MetadataStoreServiceStub(channel)
        put = stub.PutArtifactType(
            metadata_store_service_pb2.PutArtifactTypeRequest(
                artifact_type=metadata_store_pb2.ArtifactType(name="Model")
            ),
            timeout=30,
        )
        got = stub.GetArtifactTypes(metadata_store_service_pb2.GetArtifactTypesRequest())
        assert [t.name for t in got.artifact_types] == ["Model"]
        assert got.artifact_types[0].id == put.type_id
        with pytest.raises(grpc.RpcError) as failure:
            stub.GetArtifactType(metadata_store_service_pb2.GetArtifactTypeRequest(type_name="X"))
        assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    # The same server through the store API, as TFX opens it.
    client = mlmd.MetadataStore(
        metadata_store_pb2.MetadataStoreClientConfig(host="127.0.0.1", port=served)
    )
    assert client.get_artifact_type("Model").id == put.type_id
    # Methods taken off the class work on a store opened on a server too.
    assert [t.name for t in mlmd.MetadataStore.get_artifact_types(client)] == ["Model"]


def test_servicer_helpers_serve_the_service() -> None:
    from concurrent import futures

    import grpc
    from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2
    from ml_metadata.proto import metadata_store_service_pb2_grpc as service_grpc

    class Types(service_grpc.MetadataStoreServiceServicer):
        def GetArtifactTypes(self, request: Any, context: Any) -> Any:  # noqa: N802
            return metadata_store_service_pb2.GetArtifactTypesResponse(
                artifact_types=[metadata_store_pb2.ArtifactType(id=7, name="Served")]
            )

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    service_grpc.add_MetadataStoreServiceServicer_to_server(Types(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = service_grpc.MetadataStoreServiceStub(channel)
            got = stub.GetArtifactTypes(metadata_store_service_pb2.GetArtifactTypesRequest())
            assert [(t.id, t.name) for t in got.artifact_types] == [(7, "Served")]
            with pytest.raises(grpc.RpcError) as failure:
                stub.GetArtifacts(metadata_store_service_pb2.GetArtifactsRequest())
            assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        server.stop(None)


def test_refuses_to_import_beside_google_ml_metadata(tmp_path: Path) -> None:
    """With Google's distribution also installed, ``import ml_metadata`` says what to do."""
    fake = tmp_path / "site"
    info = fake / "ml_metadata-1.17.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ml-metadata\nVersion: 1.17.1\n")
    probe = _run(
        sys.executable,
        """
        try:
            import ml_metadata
        except ImportError as exc:
            print(exc)
        from lineage._upstream import google_ml_metadata_installed
        print("google counts:", google_ml_metadata_installed())
        """,
        PYTHONPATH=str(fake),
    )
    assert probe.returncode == 0, probe.stderr
    assert "both Google's ml-metadata 1.17.1 and ml-metadata-lineage" in probe.stdout
    assert "pip uninstall -y ml-metadata ml-metadata-lineage" in probe.stdout
    assert "google counts: True" in probe.stdout
