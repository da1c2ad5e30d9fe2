"""MariaDB point reads on each MySQL driver: mysqlclient (MySQLdb) against PyMySQL (D23).

Run it where lineage and both drivers are importable (ml-metadata too, for its column)::

    .venv-mlmd/bin/python bench/mysql_drivers.py            # about half a minute

One fresh database holds 100 artifacts with 5 properties each (int, double, string, a custom
string and a custom int) and 100 executions with 4 events each (3 inputs, 1 output, each with a
two-step path). Every library and driver then times the same two calls on it, interleaved
round-robin: ``get_artifacts_by_id`` of the 100 artifacts and ``get_events_by_execution_ids`` of
the 100 executions. Medians of ``--reps`` calls after 3 warm-up calls; every answer is compared
with the first driver's. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lineage  # noqa: E402
from lineage.proto import metadata_store_pb2 as pb  # noqa: E402

DRIVERS = {"mysqldb": "MySQLdb", "pymysql": "pymysql"}


def populate(store: Any) -> tuple[list[int], list[int]]:
    """100 artifacts (5 properties each) and 100 executions with 4 events each."""
    at = store.put_artifact_type(
        pb.ArtifactType(
            name="Dataset", properties={"span": pb.INT, "ratio": pb.DOUBLE, "split": pb.STRING}
        )
    )
    et = store.put_execution_type(pb.ExecutionType(name="Trainer"))
    artifacts = []
    for i in range(100):
        a = pb.Artifact(type_id=at, uri=f"s3://bucket/data/{i}", name=f"dataset-{i}")
        a.properties["span"].int_value = i
        a.properties["ratio"].double_value = i / 7
        a.properties["split"].string_value = "train" if i % 2 else "eval"
        a.custom_properties["owner"].string_value = f"team-{i % 5}"
        a.custom_properties["rows"].int_value = 1000 * i
        artifacts.append(a)
    artifact_ids = store.put_artifacts(artifacts)
    execution_ids = store.put_executions([pb.Execution(type_id=et) for _ in range(100)])
    events = []
    for n, e in enumerate(execution_ids):
        for k in range(4):
            ev = pb.Event(
                execution_id=e,
                artifact_id=artifact_ids[(n + k) % 100],
                type=pb.Event.OUTPUT if k == 3 else pb.Event.INPUT,
            )
            ev.path.steps.add().key = "examples"
            ev.path.steps.add().index = k
            events.append(ev)
    store.put_events(events)
    return list(artifact_ids), list(execution_ids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("LINEAGE_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
        help="a MariaDB/MySQL URL; only its server and credentials are used",
    )
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()

    base = sa.make_url(args.url)
    name = f"lineage_bench_drivers_{uuid.uuid4().hex[:8]}"
    drivers = []
    for driver, module in DRIVERS.items():
        try:
            importlib.import_module(module)
            drivers.append(driver)
        except ImportError:
            print(f"{driver}: not importable, skipped")
    url = base.set(drivername=f"mysql+{drivers[0]}", database=name)
    stores: dict[str, Any] = {}
    try:
        writer = lineage.MetadataStore(url)
        artifact_ids, execution_ids = populate(writer)
        writer.close()
        for driver in drivers:
            stores[f"lineage ({driver})"] = lineage.MetadataStore(
                url.set(drivername=f"mysql+{driver}")
            )
        try:
            import ml_metadata

            config = pb.ConnectionConfig()
            config.mysql.host = base.host or "127.0.0.1"
            config.mysql.port = base.port or 3306
            config.mysql.user = base.username or "root"
            config.mysql.password = base.password or ""
            config.mysql.database = name
            stores["ml-metadata"] = ml_metadata.MetadataStore(config)
        except ImportError:
            pass

        calls = {
            "get_artifacts_by_id, 100 ids": lambda s: s.get_artifacts_by_id(artifact_ids),
            "get_events_by_execution_ids, 100 ids": lambda s: s.get_events_by_execution_ids(
                execution_ids
            ),
        }
        first = next(iter(stores))
        results: dict[tuple[str, str], float] = {}
        for label, call in calls.items():
            answers = {lib: call(s) for lib, s in stores.items()}
            for lib, answer in answers.items():
                if lib != "ml-metadata" and answer != answers[first]:
                    raise SystemExit(f"{lib} answers {label} differently from {first}")
            for s in stores.values():
                for _ in range(3):
                    call(s)
            times: dict[str, list[float]] = {lib: [] for lib in stores}
            for _ in range(args.reps):  # round-robin, one call each
                for lib, s in stores.items():
                    start = time.perf_counter()
                    call(s)
                    times[lib].append(time.perf_counter() - start)
            for lib in stores:
                results[(label, lib)] = statistics.median(times[lib]) * 1000

        libs = list(stores)
        print(f"MariaDB, median of {args.reps} calls (ms)\n")
        print("| call | " + " | ".join(libs) + " |")
        print("|---|" + "---:|" * len(libs))
        for label in calls:
            cells = " | ".join(f"{results[(label, lib)]:.2f}" for lib in libs)
            print(f"| {label} | {cells} |")
    finally:
        for s in stores.values():
            if hasattr(s, "close"):
                s.close()
        stores.clear()
        engine = sa.create_engine(base._replace(database=None), poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
