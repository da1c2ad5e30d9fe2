"""Fixtures of the web app's tests: a seeded store and an in-process client of the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lineage import proto
from lineage.demo import record_demo_pipeline, record_demo_sweep


def seed(store: Any, directory: Path) -> dict[str, Any]:
    """The demo pipeline and a 6-run sweep (real files under ``directory``)."""
    ids: dict[str, Any] = dict(record_demo_pipeline(store))
    ids["runs"] = record_demo_sweep(store, directory / "sweep-data", steps=12)
    return ids


def seed_wide(store: Any, fan: int = 4) -> int:
    """A five-layer graph of about 470 nodes under one model; returns the model's id.

    240 raw tables feed 60 load steps (4 each), whose outputs feed 20 feature steps (3 each),
    whose outputs feed 10 fit steps (2 each, plus a config), whose models one ensemble step joins.
    """
    data = store.put_artifact_type(
        proto.ArtifactType(name="Table", base_type=proto.ArtifactType.DATASET)
    )
    model = store.put_artifact_type(
        proto.ArtifactType(name="WideModel", base_type=proto.ArtifactType.MODEL)
    )
    config = store.put_artifact_type(proto.ArtifactType(name="TrainConfig"))
    steps = {
        n: store.put_execution_type(proto.ExecutionType(name=n))
        for n in ("Load", "Features", "Fit", "Ensemble")
    }
    inp, out = proto.Event(type=proto.Event.INPUT), proto.Event(type=proto.Event.OUTPUT)

    def step(kind: str, name: str, inputs: list[int], out_type: int, out_name: str) -> int:
        stored = store.get_artifacts_by_id(inputs)
        execution = proto.Execution(
            type_id=steps[kind], name=name, last_known_state=proto.Execution.COMPLETE
        )
        produced = proto.Artifact(type_id=out_type, name=out_name, uri=f"s3://wide/{out_name}")
        _, ids, _ = store.put_execution(
            execution, [(a, inp) for a in stored] + [(produced, out)], []
        )
        return int(ids[-1])

    raws = store.put_artifacts(
        [
            proto.Artifact(type_id=data, name=f"raw-{i}", uri=f"s3://wide/raw-{i}")
            for i in range(60 * fan)
        ]
    )
    cleans = [
        step("Load", f"load-{i}", list(raws[i * fan : (i + 1) * fan]), data, f"clean-{i}")
        for i in range(60)
    ]
    features = [
        step("Features", f"features-{i}", cleans[i * 3 : (i + 1) * 3], data, f"features-{i}")
        for i in range(20)
    ]
    configs = store.put_artifacts(
        [
            proto.Artifact(type_id=config, name=f"config-{i}", uri=f"file:///cfg/{i}.yaml")
            for i in range(10)
        ]
    )
    models = [
        step(
            "Fit",
            f"fit-{i}",
            [*features[i * 2 : (i + 1) * 2], configs[i]],
            model,
            f"model-{i}",
        )
        for i in range(10)
    ]
    return step("Ensemble", "ensemble", models, model, "ensemble-model")


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Any, dict[str, Any]]]:
    """A SQLite-file store holding the demo pipeline and sweep."""
    import lineage

    store = lineage.MetadataStore(str(tmp_path / "ui.db"))
    try:
        yield store, seed(store, tmp_path)
    finally:
        store.close()


@pytest.fixture
def client(seeded: tuple[Any, dict[str, Any]], tmp_path: Path) -> Iterator[Any]:
    """An in-process HTTP client of a read-only app over ``seeded``."""
    from starlette.testclient import TestClient

    from lineage.web import create_app

    store, _ = seeded
    with TestClient(create_app(store, preview_roots=[str(tmp_path)])) as c:
        yield c
