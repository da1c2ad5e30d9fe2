"""A seeded store of ``lineage.track``-shaped runs for the web app's benchmark (``ui_bench.py``).

N executions of one ``train`` type, as ``lineage.run`` leaves them: ``run.start_time`` /
``run.end_time`` / ``run.user`` custom properties, ``param.*`` and ``metric.*`` values, a
``tag.sweep`` on one run in ten, a COMPLETE (or, one in twenty, FAILED) state; each run is in one
of 50 ``Experiment`` contexts, reads one of 1,000 datasets and writes one model. Written through
the store's batch calls 5,000 runs at a time and cached (a SQLite file under ``bench/.cache/ui``
or a MariaDB database ``lineage_uibench_n…``); a JSON record written last marks it complete.
The store gets the link indexes of ``lineage db optimize``, as the UI asks of a big store.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "ui"
VERSION = 1
BATCH = 5000
EXPERIMENTS = 50
DATASETS = 1000


def _write(store: Any, n: int, say: Callable[[str], None]) -> dict[str, int]:
    from lineage import proto as pb

    rng = random.Random(7)
    train = store.put_execution_type(
        pb.ExecutionType(name="train", base_type=pb.ExecutionType.TRAIN)
    )
    dataset = store.put_artifact_type(
        pb.ArtifactType(name="Dataset", base_type=pb.ArtifactType.DATASET)
    )
    model = store.put_artifact_type(pb.ArtifactType(name="Model", base_type=pb.ArtifactType.MODEL))
    experiment = store.put_context_type(pb.ContextType(name="Experiment"))
    exp_ids = store.put_contexts(
        [pb.Context(type_id=experiment, name=f"exp-{i:02d}") for i in range(EXPERIMENTS)]
    )
    data_ids = store.put_artifacts(
        [
            pb.Artifact(type_id=dataset, name=f"data-{i}", uri=f"s3://lake/data-{i}.parquet")
            for i in range(DATASETS)
        ]
    )
    start = 1_780_000_000_000
    started = time.perf_counter()
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        executions, models = [], []
        for j in range(done, done + size):
            x = pb.Execution(
                type_id=train,
                name=f"run-{j}",
                last_known_state=pb.Execution.FAILED if j % 20 == 7 else pb.Execution.COMPLETE,
            )
            c = x.custom_properties
            c["run.start_time"].double_value = start + j * 60_000
            c["run.end_time"].double_value = start + j * 60_000 + rng.randint(5_000, 900_000)
            c["run.user"].string_value = f"user{j % 7}"
            c["param.learning_rate"].double_value = round(10 ** rng.uniform(-4, -1), 6)
            c["param.max_depth"].int_value = rng.randint(2, 12)
            c["param.optimizer"].string_value = rng.choice(("adam", "sgd", "lion"))
            c["metric.auc"].double_value = round(rng.uniform(0.6, 0.97), 5)
            c["metric.loss"].double_value = round(rng.uniform(0.1, 0.9), 5)
            if j % 10 == 0:
                c["tag.sweep"].bool_value = True
            executions.append(x)
            models.append(pb.Artifact(type_id=model, name=f"model-{j}", uri=f"s3://m/{j}"))
        x_ids = store.put_executions(executions)
        m_ids = store.put_artifacts(models)
        events = []
        for j, (xid, mid) in enumerate(zip(x_ids, m_ids, strict=True)):
            events.append(
                pb.Event(
                    execution_id=xid,
                    artifact_id=data_ids[(done + j) % DATASETS],
                    type=pb.Event.INPUT,
                )
            )
            events.append(pb.Event(execution_id=xid, artifact_id=mid, type=pb.Event.OUTPUT))
        store.put_events(events)
        store.put_attributions_and_associations(
            [],
            [
                pb.Association(context_id=exp_ids[(done + j) % EXPERIMENTS], execution_id=xid)
                for j, xid in enumerate(x_ids)
            ],
        )
        done += size
        rate = done / (time.perf_counter() - started)
        say(f"  {done:,} of {n:,} runs written ({rate:,.0f}/s)")
    return {"executions": n, "artifacts": n + DATASETS, "events": 2 * n}


def build(
    n: int, dialect: str, mysql_url: str | None = None, say: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """The cached store of ``n`` runs on 'sqlite' or 'mysql': {"url", "counts", ...}."""
    import lineage
    import lineage.store

    log = say or (lambda m: print(m, file=sys.stderr, flush=True))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    key = f"runs-n{n}-v{VERSION}"
    record = CACHE_DIR / f"{key}.{dialect}.json"
    if dialect == "sqlite":
        path = CACHE_DIR / f"{key}.db"
        url = str(path)
    else:
        assert mysql_url is not None
        base, _, _ = mysql_url.rpartition("/")
        url = f"{base}/lineage_uibench_n{n}_v{VERSION}"
    if record.exists():
        with contextlib.suppress(ValueError, KeyError):
            info: dict[str, Any] = json.loads(record.read_text())
            if info["url"] == url and (dialect != "sqlite" or Path(url).exists()):
                with lineage.MetadataStore(url) as store:
                    lineage.store.optimize(store)  # a no-op when the indexes are there
                return info
    if dialect == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(url + suffix).unlink()
    else:
        import sqlalchemy as sa

        engine = sa.create_engine(mysql_url)
        with engine.begin() as conn:
            name = url.rpartition("/")[2]
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
            conn.execute(sa.text(f"CREATE DATABASE `{name}`"))
        engine.dispose()
    log(f"building {key} on {dialect} ...")
    started = time.perf_counter()
    with lineage.MetadataStore(url) as store:
        counts = _write(store, n, log)
        # What `lineage db optimize` adds (and `lineage ui` asks for on a store without them):
        # without them every "contexts of this run" lookup scans the Association table.
        lineage.store.optimize(store)
    info = {"url": url, "counts": counts, "build_seconds": round(time.perf_counter() - started, 1)}
    record.write_text(json.dumps(info))
    log(f"built {key} in {info['build_seconds']} s")
    return info
