"""``get_lineage_subgraph`` returns what ml-metadata 1.17.1 returns, on random lineage.

Random DAG-shaped graphs (the generator of tests/graph/test_walks_match_networkx.py, with UNKNOWN
events and contexts added) are written by lineage into a SQLite file and a MariaDB database, and
both libraries answer the same queries on them: every direction, hop counts from 0 to 100 (ml-
metadata's maximum), ending artifacts and executions with and without ``include_ending_nodes``,
several starting nodes, every field mask. The answers are compared as sets (neither library
orders them).
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ml_metadata
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import lineage
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import _traverse
from tests.compat.test_schema_mlmd import _mlmd_config
from tests.conftest import SERVER_URLS, unreachable
from tests.graph.test_walks_match_networkx import build, shapes

pytestmark = pytest.mark.compat

Direction = pb.LineageSubgraphQueryOptions


def _canonical(graph: Any) -> dict[str, Any]:
    return {
        "artifacts": sorted(a.id for a in graph.artifacts),
        "executions": sorted(e.id for e in graph.executions),
        "contexts": sorted(c.id for c in graph.contexts),
        "events": sorted((e.artifact_id, e.execution_id, e.type) for e in graph.events),
        "attributions": sorted((a.artifact_id, a.context_id) for a in graph.attributions),
        "associations": sorted((a.execution_id, a.context_id) for a in graph.associations),
        "artifact_types": sorted(t.id for t in graph.artifact_types),
        "execution_types": sorted(t.id for t in graph.execution_types),
    }


def _ids(ids: list[int]) -> str:
    return f"id IN ({', '.join(map(str, ids))})"


@pytest.fixture(params=["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)])
def databases(request: Any, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(kind, new_target): new_target() names a fresh SQLite file or MariaDB database."""
    if request.param == "sqlite":
        yield "sqlite", lambda: str(tmp_path / f"random-{uuid.uuid4().hex[:8]}.db")
        return
    base = sa.make_url(SERVER_URLS["mysql"])
    try:
        admin = sa.create_engine(base._replace(database=None), isolation_level="AUTOCOMMIT")
        admin.connect().close()
    except Exception as exc:
        unreachable("mysql", exc)
    names: list[str] = []

    def new_target() -> str:
        names.append(f"lineage_rand_{uuid.uuid4().hex[:8]}")
        return names[-1]

    try:
        yield "mysql", new_target
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()


@settings(
    max_examples=int(os.environ.get("LINEAGE_HYPOTHESIS_EXAMPLES", "5")),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(shape=shapes(), picks=st.randoms(use_true_random=False))
def test_lineage_subgraph_equals_ml_metadata(
    databases: tuple[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    shape: dict[str, Any],
    picks: random.Random,
) -> None:
    # Hop limits from 7 up first try the walk without a limit (see lineage.store._traverse).
    monkeypatch.setattr(_traverse, "UNLIMITED_FIRST", 7)
    kind, new_target = databases
    config = _mlmd_config(kind, new_target())
    ours = lineage.MetadataStore(config)
    try:
        graph = build(ours, shape)
        ctype = ours.put_context_type(pb.ContextType(name=f"Run{uuid.uuid4().hex[:6]}"))
        [ctx] = ours.put_contexts([pb.Context(type_id=ctype, name="r")])
        ours.put_attributions_and_associations(
            [pb.Attribution(artifact_id=a, context_id=ctx) for a in graph.artifacts[::3]],
            [pb.Association(execution_id=x, context_id=ctx) for x in graph.executions[::4]],
        )
        theirs = ml_metadata.MetadataStore(config)
        for _ in range(8):
            options = pb.LineageSubgraphQueryOptions()
            from_artifacts = picks.random() < 0.6
            pool = graph.artifacts if from_artifacts else graph.executions
            starts = picks.sample(pool, k=min(len(pool), picks.choice([1, 1, 3])))
            (
                options.starting_artifacts if from_artifacts else options.starting_executions
            ).filter_query = _ids(starts)
            options.max_num_hops = picks.choice([0, 1, 2, 3, 7, 20, 100])
            options.direction = picks.choice(
                [
                    Direction.UPSTREAM,
                    Direction.DOWNSTREAM,
                    Direction.BIDIRECTIONAL,
                    Direction.DIRECTION_UNSPECIFIED,
                ]
            )
            if picks.random() < 0.4:
                options.ending_artifacts.filter_query = _ids(
                    picks.sample(graph.artifacts, k=min(5, len(graph.artifacts)))
                )
                options.ending_artifacts.include_ending_nodes = picks.random() < 0.5
            if picks.random() < 0.3:
                options.ending_executions.filter_query = _ids(
                    picks.sample(graph.executions, k=min(3, len(graph.executions)))
                )
                options.ending_executions.include_ending_nodes = picks.random() < 0.5
            mask = picks.choice(
                [None, ["artifacts", "executions", "events"], ["contexts", "attributions"]]
            )
            want = _canonical(theirs.get_lineage_subgraph(options, mask))
            got = _canonical(ours.get_lineage_subgraph(options, mask))
            assert got == want, f"{kind}: {options} mask={mask}"
        del theirs
    finally:
        ours.close()
