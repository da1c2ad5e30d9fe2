"""``MetadataStore.method(store, ...)``, as ml-metadata code calls it, on every backend."""

from __future__ import annotations

from typing import Any

import pytest

import lineage
from lineage.proto import Artifact, ArtifactType

pytestmark = pytest.mark.remote_too


def test_methods_taken_off_the_class_act_on_the_store(store: Any) -> None:
    put_type = lineage.MetadataStore.put_artifact_type
    put = lineage.MetadataStore.put_artifacts
    type_id = put_type(store, ArtifactType(name="Dataset"))
    [artifact_id] = put(store, [Artifact(type_id=type_id, uri="s3://bucket/train.csv")])
    # The store's own methods see what the class-bound calls wrote, and the other way round.
    assert [a.uri for a in store.get_artifacts_by_id([artifact_id])] == ["s3://bucket/train.csv"]
    found = lineage.MetadataStore.get_artifacts_by_type(store, "Dataset")
    assert [a.id for a in found] == [artifact_id]
    assert lineage.MetadataStore.get_artifact_type(store, "Dataset").id == type_id
