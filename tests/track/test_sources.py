"""Versions lineage reads instead of hashing: LFS pointers, versioned URIs, in-memory data.

The real tools (DVC, git-lfs, deltalake, datasets) are exercised in
tests/integrations/test_data_versions.py; these need nothing but the main environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lineage
from lineage.errors import InvalidArgumentError
from lineage.track import get_run
from lineage.track.sources import identify
from lineage.track.sources.lfs import parse_pointer

OFF = {"environment": False, "git": False}
OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"


def pointer(size: int = 12345) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize {size}\n".encode()


def test_an_lfs_pointer_is_read_not_hashed(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(pointer())
    fp = identify(path)
    assert (fp.source, fp.digest, fp.size_bytes) == ("git-lfs", f"sha256:{OID}", 12345)
    assert dict(fp.details)["lfs.pointer"] is True
    assert parse_pointer(b"version https://git-lfs.github.com/spec/v1\nsize 3\n") is None
    assert parse_pointer(b"hello") is None


def test_an_ordinary_file_is_hashed(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("hello")
    fp = identify(path)
    assert fp.source is None
    assert fp.digest == "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


@pytest.mark.parametrize(
    ("uri", "source", "digest", "detail"),
    [
        (
            "lakefs://repo/a1b2c3d4e5f60718/data/train.csv",
            "lakefs",
            "lakefs:repo@a1b2c3d4e5f60718/data/train.csv",
            ("lakefs.commit", "a1b2c3d4e5f60718"),
        ),
        ("lakefs://repo/main/data/train.csv", "lakefs", None, ("lakefs.ref", "main")),
        (
            "s3://bucket/data/train.csv?versionId=3HL4kqtJlcpXroDTDmJ",
            "s3",
            "s3://bucket/data/train.csv?versionId=3HL4kqtJlcpXroDTDmJ",
            ("s3.version_id", "3HL4kqtJlcpXroDTDmJ"),
        ),
        (
            "gs://bucket/data/train.csv#1360887759327000",
            "gcs",
            "gs://bucket/data/train.csv#1360887759327000",
            ("gcs.generation", 1360887759327000),
        ),
    ],
)
def test_versioned_uris(uri: str, source: str, digest: str | None, detail: Any) -> None:
    fp = identify(uri)
    assert fp.source == source
    assert fp.digest == digest
    assert detail in fp.details


def test_an_unversioned_uri_is_recorded_as_given() -> None:
    fp = identify("s3://bucket/data/train.csv")
    assert fp.source is None
    assert fp.digest is None
    assert fp.skipped


def test_a_lakefs_branch_is_not_a_fixed_version(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    for _ in range(2):
        with lineage.run(
            "train", inputs={"data": "lakefs://repo/main/t.csv"}, store=db, capture=OFF
        ):
            pass
    store = lineage.MetadataStore(f"sqlite:///{db}")
    (artifact,) = store.get_artifacts()  # reused by URI: a branch names no fixed version
    assert artifact.custom_properties["version_source"].string_value == "lakefs"
    skipped = artifact.custom_properties["fingerprint_skipped"].string_value
    assert skipped == "lakeFS ref 'main' is a branch or tag, not a commit: no fixed version"


def test_s3_versions_of_one_object_are_numbered(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    for version in ("v1aaa", "v2bbb"):
        with lineage.run(
            "train", inputs={"data": f"s3://b/t.csv?versionId={version}"}, store=db, capture=OFF
        ):
            pass
    store = lineage.MetadataStore(f"sqlite:///{db}")
    found = sorted(
        (a.uri, a.custom_properties["version"].int_value, a.name) for a in store.get_artifacts()
    )
    assert found == [("s3://b/t.csv", 1, "t.csv@v1aaa"), ("s3://b/t.csv", 2, "t.csv@v2bbb")]


def test_arrays_are_inputs_fingerprinted_by_content(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    with lineage.run("train", store=db, capture=OFF) as run:
        fp = run.input(x, name="X")
        same = run.input(x.copy(), name="X_copy")
        other = run.input(x.astype(np.float32), name="X32")
    assert fp.digest == same.digest != other.digest
    assert fp.uri == "memory://ndarray/3x4"
    info = get_run(run.store, run.id)
    by_path = {a.path: a for a in info.inputs}
    assert sorted(by_path) == ["X", "X32"]  # the copy is the same content: linked once
    assert by_path["X"].version_source == "memory"
    assert by_path["X32"].name.startswith("ndarray-3x4@")


def test_an_unknown_object_is_refused_naming_the_input(tmp_path: Path) -> None:
    with (
        pytest.raises(
            InvalidArgumentError, match=r"input .data. must be a path, a URI or a data object"
        ),
        lineage.run("train", inputs={"data": object()}, store=tmp_path / "x.db", capture=OFF),
    ):
        pass
    assert (
        not (tmp_path / "x.db").exists()
        or not lineage.MetadataStore(f"sqlite:///{tmp_path / 'x.db'}").get_executions()
    )
