"""The demo behind ``make demo``: record a small pipeline into an embedded SQLite store, query it.

Run with ``python -m lineage.demo [--db PATH]``. The store is created fresh each time.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

import lineage
from lineage.proto import metadata_store_pb2 as pb

__all__ = ["main", "record_demo_pipeline"]


def record_demo_pipeline(store: lineage.MetadataStore) -> dict[str, int]:
    """Record ingest → train → evaluate for a churn model; return the ids of its artifacts."""
    dataset = store.put_artifact_type(
        pb.ArtifactType(
            name="Dataset", properties={"rows": pb.INT}, base_type=pb.ArtifactType.DATASET
        )
    )
    model = store.put_artifact_type(
        pb.ArtifactType(
            name="Model", properties={"framework": pb.STRING}, base_type=pb.ArtifactType.MODEL
        )
    )
    metrics = store.put_artifact_type(
        pb.ArtifactType(
            name="Metrics", properties={"auc": pb.DOUBLE}, base_type=pb.ArtifactType.METRICS
        )
    )
    ingest = store.put_execution_type(
        pb.ExecutionType(name="Ingest", base_type=pb.ExecutionType.PROCESS)
    )
    train = store.put_execution_type(
        pb.ExecutionType(
            name="Trainer",
            properties={"learning_rate": pb.DOUBLE},
            base_type=pb.ExecutionType.TRAIN,
        )
    )
    evaluate = store.put_execution_type(
        pb.ExecutionType(name="Evaluator", base_type=pb.ExecutionType.EVALUATE)
    )
    run_type = store.put_context_type(pb.ContextType(name="PipelineRun"))
    run = pb.Context(type_id=run_type, name="churn-2026-11-26")

    raw = pb.Artifact(
        type_id=dataset, name="raw", uri="s3://lake/churn/raw.csv", state=pb.Artifact.LIVE
    )
    raw.properties["rows"].int_value = 120_000
    clean = pb.Artifact(
        type_id=dataset, name="clean", uri="s3://lake/churn/clean.parquet", state=pb.Artifact.LIVE
    )
    clean.properties["rows"].int_value = 118_422
    _, (raw_id, clean_id), [run_id] = store.put_execution(
        pb.Execution(type_id=ingest, name="ingest-1", last_known_state=pb.Execution.COMPLETE),
        [(raw, pb.Event(type=pb.Event.INPUT)), (clean, pb.Event(type=pb.Event.OUTPUT))],
        [run],
    )
    trainer = pb.Execution(type_id=train, name="train-1", last_known_state=pb.Execution.COMPLETE)
    trainer.properties["learning_rate"].double_value = 0.05
    churn = pb.Artifact(
        type_id=model, name="churn-model", uri="s3://models/churn/1", state=pb.Artifact.LIVE
    )
    churn.properties["framework"].string_value = "scikit-learn"
    [stored_clean] = store.get_artifacts_by_id([clean_id])
    _, (_, model_id), _ = store.put_execution(
        trainer,
        [(stored_clean, pb.Event(type=pb.Event.INPUT)), (churn, pb.Event(type=pb.Event.OUTPUT))],
        [pb.Context(id=run_id)],
        force_reuse_context=True,
    )
    scores = pb.Artifact(type_id=metrics, name="churn-eval", uri="s3://metrics/churn/1.json")
    scores.properties["auc"].double_value = 0.912
    [stored_model] = store.get_artifacts_by_id([model_id])
    _, (_, metrics_id), _ = store.put_execution(
        pb.Execution(type_id=evaluate, name="eval-1", last_known_state=pb.Execution.COMPLETE),
        [(stored_model, pb.Event(type=pb.Event.INPUT)), (scores, pb.Event(type=pb.Event.OUTPUT))],
        [pb.Context(id=run_id)],
        force_reuse_context=True,
    )
    return {"raw": raw_id, "clean": clean_id, "model": model_id, "metrics": metrics_id}


def record_demo_sweep(
    store: lineage.MetadataStore, data_dir: Path, *, runs: int = 6, steps: int = 30
) -> list[int]:
    """Record a small learning-rate sweep with ``lineage.run``: real files, curves, tags.

    Each run reads the same training CSV (the second half of the sweep a newer version of it),
    logs ``loss`` and ``auc`` per step and writes a model file, all in experiment ``churn-sweep``.

    Returns:
        The execution ids of the runs, in the order recorded.
    """
    import math

    data_dir.mkdir(parents=True, exist_ok=True)
    versions = []
    for version in (1, 2):
        csv = data_dir / f"train-v{version}.csv"
        rows = ["customer,tenure,plan,churned"] + [
            f"c{i:04d},{(i * 7 + version) % 60},{('basic', 'pro', 'team')[i % 3]},{i % 4 == 0}"
            for i in range(200)
        ]
        csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
        versions.append(csv)
    ids: list[int] = []
    for i in range(runs):
        lr = round(0.01 * (2**i), 4)
        depth = 3 + (i % 3)
        data = versions[0] if i < (runs + 1) // 2 else versions[1]
        with lineage.run(
            "train",
            params={"learning_rate": lr, "max_depth": depth, "optimizer": "adam"},
            inputs={"train": str(data)},
            experiment="churn-sweep",
            store=store,
            run_name=f"sweep-{i + 1}",
            tags=("sweep", "baseline") if i == 0 else ("sweep",),
            capture={"environment": False},
        ) as r:
            quality = 0.93 - abs(math.log2(lr / 0.04)) * 0.02 - (0.01 if depth == 5 else 0)
            for step in range(steps):
                decay = math.exp(-lr * 4 * (step + 1))
                r.log_metrics(
                    {
                        "loss": round(0.25 + 0.6 * decay + 0.004 * ((step * 7 + i) % 5), 5),
                        "auc": round(quality - 0.3 * decay, 5),
                    },
                    step=step,
                )
            model = data_dir / f"model-{i + 1}.json"
            model.write_text(
                json.dumps({"learning_rate": lr, "max_depth": depth, "trees": 40 + i}),
                encoding="utf-8",
            )
            r.output(str(model), name="model", type="Model")
        assert r.execution is not None
        ids.append(int(r.execution.id))
    return ids


def main(argv: list[str] | None = None) -> int:
    """Record the demo pipeline and print the lineage of its model."""
    parser = argparse.ArgumentParser(description="record a demo pipeline and query its lineage")
    parser.add_argument("--db", default="demo-out/demo.db", help="SQLite file to create")
    args = parser.parse_args(argv)
    console = Console()
    path = Path(args.db)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            os.remove(candidate)
    with lineage.MetadataStore(str(path)) as store:
        ids = record_demo_pipeline(store)
        sweep = record_demo_sweep(store, path.parent / "sweep-data")
        console.print(
            f"[bold]Recorded[/] a 3-step pipeline and a {len(sweep)}-run training sweep into "
            f"[cyan]{path}[/]"
        )
        options = pb.LineageSubgraphQueryOptions(direction=pb.LineageSubgraphQueryOptions.UPSTREAM)
        options.starting_artifacts.filter_query = f"id = {ids['model']}"
        graph = store.get_lineage_subgraph(options)
        types = {t.id: t.name for t in graph.artifact_types} | {
            t.id: t.name for t in graph.execution_types
        }
        table = Table(title=f"Upstream lineage of artifact:{ids['model']} (churn-model)")
        for column in ("node", "type", "name", "uri / state"):
            table.add_column(column)
        for a in sorted(graph.artifacts, key=lambda a: a.id):
            table.add_row(f"artifact:{a.id}", types.get(a.type_id, "?"), a.name, a.uri)
        for e in sorted(graph.executions, key=lambda e: e.id):
            state = pb.Execution.State.Name(e.last_known_state)
            table.add_row(f"execution:{e.id}", types.get(e.type_id, "?"), e.name, state)
        console.print(table)
        for event in sorted(graph.events, key=lambda e: (e.execution_id, e.type)):
            a, x = f"artifact:{event.artifact_id}", f"execution:{event.execution_id}"
            is_input = event.type in (
                pb.Event.INPUT,
                pb.Event.DECLARED_INPUT,
                pb.Event.INTERNAL_INPUT,
            )
            src, dst = (a, x) if is_input else (x, a)
            console.print(f"  {src} → {dst}  ({pb.Event.Type.Name(event.type)})")
        # The whole pipeline as a diagram: DOT always, SVG/PNG/HTML when Graphviz is installed.
        whole = pb.LineageSubgraphQueryOptions()
        whole.starting_artifacts.filter_query = f"id = {ids['model']}"
        drawing = lineage.render.diagram(
            store.get_lineage_subgraph(whole),
            focus=f"artifact:{ids['model']}",
            title="Demo pipeline: the lineage of churn-model",
            clusters=True,
            legend=True,
        )
        # The same runs as OpenLineage events, for Marquez, DataHub or OpenMetadata.
        from lineage.openlineage import events as openlineage_events

        exported = path.parent / "openlineage.jsonl"
        with exported.open("w", encoding="utf-8") as handle:
            count = 0
            for event in openlineage_events(store):
                handle.write(json.dumps(event, separators=(",", ":")) + "\n")
                count += 1
    written = [drawing.save(path.parent / "lineage.dot")]
    if lineage.render.graphviz_available():
        written += [drawing.save(path.parent / f"lineage.{ext}") for ext in ("svg", "png", "html")]
    else:
        console.print(f"[yellow]No SVG/PNG drawing[/]: {lineage.render.INSTALL_HINT}")
    for written_path in written:
        console.print(f"Lineage diagram: [cyan]{written_path}[/]")
    console.print(
        f"OpenLineage events: [cyan]{exported}[/] ({count} events; post them to Marquez with "
        f"[cyan]lineage --db {path} export openlineage --all --url http://HOST:5000[/])"
    )
    console.print(
        f"Share it: [cyan]lineage --db {path} serve[/] serves this store over gRPC on "
        "127.0.0.1:8080 (ml-metadata, Kubeflow and TFX clients connect as to "
        "metadata_store_server; lineage clients with [cyan]--db grpc://127.0.0.1:8080[/])."
    )
    console.print(
        f"Browse it: [bold cyan]lineage --db {path} ui[/] opens the web app on "
        "http://127.0.0.1:5000 (runs, comparisons with curves, the lineage explorer)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
