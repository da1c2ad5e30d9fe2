"""Read operations timed with both libraries on one workload database (ingest and scale benches).

Each :class:`ReadPair` holds the same question asked of ml-metadata and of lineage, and a function
that reduces either answer to something comparable. The pairs are:

* point reads: ``get_artifacts_by_id`` (1 id, 100 ids), ``get_artifact_by_type_and_name``,
  ``get_events_by_execution_ids`` (1 id, 100 ids);
* filter queries through ``ListOptions(filter_query=...)``: the first page (``limit=100``,
  ml-metadata's page size: one ``GetArtifacts`` call with ``max_result_size=100``), and every
  match (no limit: ml-metadata's client follows ``next_page_token`` 100 rows at a time;
  lineage runs one query);
* provenance of a model: ``lineage.provenance`` against ml-metadata's ``get_lineage_subgraph``
  (upstream, 100 hops, default mask).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FILTERS",
    "PAGE",
    "ReadPair",
    "filter_pairs",
    "mlmd_config",
    "open_stores",
    "point_pairs",
    "provenance_pair",
]

#: ml-metadata's Python client asks for pages of 100 rows (``MAX_NUM_RESULT``).
PAGE = 100

#: (key, label, filter_query on artifacts). Matches on the N=100,000 workload (seed 1):
#: 6,296 / 26,273 / 6,886 / 6,023 artifacts.
FILTERS: tuple[tuple[str, str, str], ...] = (
    ("property", "property filter", "properties.span.int_value < 75000"),
    ("property-large", "property filter, large", "properties.span.int_value < 320000"),
    ("context", "context filter", "contexts_a.name = 'pipeline-0015'"),
    ("events", "events filter", "type = 'HyperParameters' AND events_0.type = INPUT"),
)


@dataclass
class ReadPair:
    """One question, asked of both libraries."""

    key: str
    group: str  # 'point', 'first page', 'all pages', 'provenance'
    label: str
    mlmd: Callable[[], Any]
    lineage: Callable[[], Any]
    answer: Callable[[Any], Any]  # reduces either library's result to a comparable value
    describe: Callable[[Any], str]  # the size of a reduced answer, for the table


def mlmd_config(url: str, sqlite_path: str | None = None) -> Any:
    """ml-metadata's ``ConnectionConfig`` for a SQLite file or a MariaDB/MySQL URL."""
    from ml_metadata.proto import metadata_store_pb2 as mpb

    config = mpb.ConnectionConfig()
    if sqlite_path is not None:
        config.sqlite.filename_uri = sqlite_path
        config.sqlite.connection_mode = mpb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
        return config
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    config.mysql.host = parsed.host or "127.0.0.1"
    config.mysql.port = int(parsed.port or 3306)
    config.mysql.user = parsed.username or "root"
    config.mysql.password = parsed.password or ""
    config.mysql.database = parsed.database or ""
    return config


def open_stores(url: str, sqlite_path: str | None) -> tuple[Any, Any]:
    """(ml-metadata store, lineage store) on the same database."""
    import ml_metadata

    import lineage

    return (
        ml_metadata.MetadataStore(mlmd_config(url, sqlite_path)),
        lineage.MetadataStore(url),
    )


def _canonical(message: Any) -> bytes:
    """The message's bytes, its double property values cut to 12 significant digits.

    ml-metadata reads doubles back through 15-digit text (0.13987777902920229 comes back as
    0.139877779029202), so full-precision doubles differ in the last digits between the two
    libraries reading the same row.
    """
    doubles = (
        [
            v
            for props in (message.properties, message.custom_properties)
            for v in props.values()
            if v.WhichOneof("value") == "double_value"
        ]
        if hasattr(message, "custom_properties")
        else []
    )
    if doubles:
        copy = type(message)()
        copy.CopyFrom(message)
        for props in (copy.properties, copy.custom_properties):
            for v in props.values():
                if v.WhichOneof("value") == "double_value":
                    v.double_value = float(f"{v.double_value:.12g}")
        message = copy
    return bytes(message.SerializeToString(deterministic=True))


def _wire(messages: Any) -> tuple[bytes, ...]:
    return tuple(_canonical(m) for m in messages)


def _one(message: Any) -> tuple[bytes, ...]:
    return () if message is None else (_canonical(message),)


def _sorted_wire(messages: Any) -> tuple[bytes, ...]:
    return tuple(sorted(_wire(messages)))


def _count(value: Any) -> str:
    return f"{len(value):,}"


def point_pairs(mlmd: Any, lin: Any, n_artifacts: int, n_executions: int) -> list[ReadPair]:
    """Point reads of ids spread over the whole database (seeded)."""
    rng = random.Random(7)
    one_artifact = n_artifacts // 2 + 1
    many_artifacts = sorted(rng.sample(range(1, n_artifacts + 1), 100))
    one_execution = n_executions // 2 + 1
    many_executions = sorted(rng.sample(range(1, n_executions + 1), 100))
    [named] = lin.get_artifacts_by_id([one_artifact])
    type_name = lin.get_artifact_types_by_id([named.type_id])[0].name
    return [
        ReadPair(
            "by-id-1",
            "point",
            "get_artifacts_by_id, 1 id",
            lambda: mlmd.get_artifacts_by_id([one_artifact]),
            lambda: lin.get_artifacts_by_id([one_artifact]),
            _wire,
            _count,
        ),
        ReadPair(
            "by-id-100",
            "point",
            "get_artifacts_by_id, 100 ids",
            lambda: mlmd.get_artifacts_by_id(many_artifacts),
            lambda: lin.get_artifacts_by_id(many_artifacts),
            _wire,
            _count,
        ),
        ReadPair(
            "by-type-and-name",
            "point",
            "get_artifact_by_type_and_name",
            lambda: mlmd.get_artifact_by_type_and_name(type_name, named.name),
            lambda: lin.get_artifact_by_type_and_name(type_name, named.name),
            _one,
            _count,
        ),
        ReadPair(
            "events-1",
            "point",
            "get_events_by_execution_ids, 1 id",
            lambda: mlmd.get_events_by_execution_ids([one_execution]),
            lambda: lin.get_events_by_execution_ids([one_execution]),
            _sorted_wire,
            _count,
        ),
        ReadPair(
            "events-100",
            "point",
            "get_events_by_execution_ids, 100 ids",
            lambda: mlmd.get_events_by_execution_ids(many_executions),
            lambda: lin.get_events_by_execution_ids(many_executions),
            _sorted_wire,
            _count,
        ),
    ]


def _ids(nodes: Any) -> tuple[int, ...]:
    return tuple(int(n.id) for n in nodes)


def filter_pairs(
    mlmd: Any, lin: Any, *, all_pages: bool, filters: tuple[str, ...] | None = None
) -> list[ReadPair]:
    """The first page of each filter and, with ``all_pages``, every match."""
    import ml_metadata

    import lineage

    out = []
    for key, label, query in FILTERS:
        if filters is not None and key not in filters:
            continue
        for limit, group in ((PAGE, "first page"), (None, "all pages")):
            if limit is None and not all_pages:
                continue
            mo = ml_metadata.ListOptions(limit=limit, filter_query=query)
            lo = lineage.ListOptions(limit=limit, filter_query=query)
            out.append(
                ReadPair(
                    f"{key}-{'page' if limit else 'all'}",
                    group,
                    f"{label}: `{query}`",
                    functools.partial(mlmd.get_artifacts, list_options=mo),
                    functools.partial(lin.get_artifacts, list_options=lo),
                    _ids,
                    _count,
                )
            )
    return out


def _graph_nodes(graph: Any) -> tuple[frozenset[int], frozenset[int], int]:
    return (
        frozenset(a.id for a in graph.artifacts),
        frozenset(x.id for x in graph.executions),
        len(graph.events),
    )


def provenance_pair(mlmd: Any, lin: Any, model_id: int) -> ReadPair:
    """``lineage.provenance`` of a model against ml-metadata's upstream subgraph (100 hops)."""
    from lineage.graph import provenance
    from lineage.proto import metadata_store_pb2 as pb

    options = pb.LineageSubgraphQueryOptions(
        max_num_hops=100, direction=pb.LineageSubgraphQueryOptions.UPSTREAM
    )
    options.starting_artifacts.filter_query = f"id = {int(model_id)}"

    def answer(result: Any) -> Any:
        graph = result.lineage.lineage_graph if hasattr(result, "lineage") else result
        return _graph_nodes(graph)

    return ReadPair(
        "provenance",
        "provenance",
        f"provenance of model {model_id} (end of a 50-step chain, 100 hops)",
        lambda: mlmd.get_lineage_subgraph(options),
        lambda: provenance(lin, model_id),
        answer,
        lambda a: f"{len(a[0]):,}/{len(a[1]):,}/{a[2]:,}",
    )
