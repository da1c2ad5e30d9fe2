"""Bad input at the edges (issue 7): every value is stored and read back exactly, or refused.

On every backend (the ``store`` fixture: SQLite in memory and on file, MariaDB, PostgreSQL):
64-bit integers, NaN and infinities, strings of 1 MB and 15 MB and beyond a column's limit
(PostgreSQL refuses long ones that do not compress into ml-metadata's full-value indexes),
non-UTF-8 bytes in proto values, names of 255 and 256 characters, unicode (emoji, CJK, combining
marks, right-to-left text) in names, URIs, values and filter queries, a batch of 100,000
artifacts, structs at and beyond protobuf's nesting limit. A refusal is an
``InvalidArgumentError`` (a ``LineageError``, never a driver exception) whose message names the
field, and the database is unchanged (``snapshot`` before and after). The limits themselves are
in ``lineage/store/_limits.py`` and docs/concurrency.md.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf import any_pb2, struct_pb2

import lineage
from lineage import errors
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import _limits
from tests.store.helpers import EVERY_KIND, snapshot

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MB = 1_000_000


# --------------------------------------------------------------------------- helpers
def edge_type(store: Any) -> int:
    return int(
        store.put_artifact_type(
            pb.ArtifactType(
                name="Edge",
                properties=dict(EVERY_KIND),
            )
        )
    )


def put_one(store: Any, artifact: Any) -> Any:
    """Store one artifact and read it back."""
    [artifact_id] = store.put_artifacts([artifact])
    [back] = store.get_artifacts_by_id([artifact_id])
    return back


def refused(store: Any, call: Callable[[], object], *fragments: str) -> str:
    """Assert ``call`` raises InvalidArgumentError naming ``fragments`` and writes nothing."""
    before = snapshot(store)
    with pytest.raises(errors.InvalidArgumentError) as raised:
        call()
    assert isinstance(raised.value, errors.LineageError)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(store) == before
    return message


def refused_by_index(store: Any, artifact: Any, *fields: str) -> None:
    """PostgreSQL: too long for ml-metadata's full-value index; the message names the field."""
    message = refused(store, lambda: store.put_artifacts([artifact]), *fields, "PostgreSQL's index")
    assert "at most 2,704 bytes" in message, message


def text(n: int, seed: int = 0) -> str:
    """``n`` pseudo-random printable ASCII characters (incompressible, unlike 'x' * n)."""
    table = bytes(range(33, 127)) * 3
    raw = random.Random(seed).randbytes(n)
    return raw.translate(table[:256]).decode("ascii")


def nested_struct(levels: int, via: str = "struct", leaf: bool = True) -> Any:
    """A Struct with ``levels`` nested structs (``via='list'``: each inside a one-item list)."""
    top = struct_pb2.Struct()
    current = top
    for _ in range(levels):
        if via == "struct":
            current = current.fields["k"].struct_value
        else:
            current = current.fields["k"].list_value.values.add().struct_value
    if leaf:
        current.fields["leaf"].string_value = "bottom"
    return top


# --------------------------------------------------------------------------- numbers
def test_int64_limits_round_trip(store: Any) -> None:
    t = edge_type(store)
    for number in (INT64_MIN, INT64_MIN + 1, -1, 0, 1, 2**31, INT64_MAX):
        a = pb.Artifact(type_id=t)
        a.properties["i"].int_value = number
        a.custom_properties["c"].int_value = number
        back = put_one(store, a)
        assert back.properties["i"].int_value == number
        assert back.custom_properties["c"].int_value == number
    found = store.get_artifacts(
        list_options=lineage.ListOptions(filter_query=f"properties.i.int_value = {INT64_MAX}")
    )
    assert [a.properties["i"].int_value for a in found] == [INT64_MAX]
    # Event path indexes share the 64-bit column.
    [e_type] = [store.put_execution_type(pb.ExecutionType(name="Step"))]
    event = pb.Event(type=pb.Event.OUTPUT)
    event.path.steps.add().index = INT64_MAX
    event.path.steps.add().index = INT64_MIN
    execution_id, _, _ = store.put_execution(
        pb.Execution(type_id=e_type), [(pb.Artifact(type_id=t), event)], []
    )
    [stored] = store.get_events_by_execution_ids([execution_id])
    assert [s.index for s in stored.path.steps] == [INT64_MAX, INT64_MIN]


def test_finite_doubles_round_trip(store: Any) -> None:
    t = edge_type(store)
    values = [
        1.7976931348623157e308,
        -1.7976931348623157e308,
        2.2250738585072014e-308,  # smallest normal
        5e-324,  # smallest subnormal
        math.pi,
        0.1,
        -0.0,
    ]
    for number in values:
        a = pb.Artifact(type_id=t)
        a.properties["d"].double_value = number
        back = put_one(store, a).properties["d"].double_value
        assert back == number
    # -0.0 keeps its sign only on PostgreSQL; SQLite and MySQL store 0 (docs/concurrency.md).
    sign = math.copysign(1.0, back)
    assert sign == (-1.0 if store.dialect == "postgresql" else 1.0)


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_nan_and_infinities_stored_or_refused(store: Any, number: float) -> None:
    t = edge_type(store)
    a = pb.Artifact(type_id=t)
    a.custom_properties["score"].double_value = number
    storable = store.dialect == "postgresql" or (
        store.dialect == "sqlite" and not math.isnan(number)
    )
    if storable:
        back = put_one(store, a).custom_properties["score"].double_value
        assert (math.isnan(back) and math.isnan(number)) or back == number
    else:
        refused(
            store,
            lambda: store.put_artifacts([a]),
            "Artifact[0].custom_properties['score']",
            f"{number} cannot be stored",
        )


# --------------------------------------------------------------------------- strings
@pytest.mark.parametrize("size", [1 * MB, 15 * MB], ids=["1MB", "15MB"])
def test_long_string_values_round_trip(store: Any, size: int) -> None:
    t = edge_type(store)
    value = text(size, seed=size)
    a = pb.Artifact(type_id=t)
    a.properties["s"].string_value = value
    a.custom_properties["c"].string_value = value[: size // 2]
    if store.dialect == "postgresql":
        refused_by_index(store, a, "Artifact[0].properties['s']", "custom_properties['c']")
        return
    back = put_one(store, a)
    assert back.properties["s"].string_value == value
    assert back.custom_properties["c"].string_value == value[: size // 2]


def test_long_unicode_string_round_trips(store: Any) -> None:
    t = edge_type(store)
    value = ("数据🚀e\u0301שלום" * 100_000)[: 1 * MB]  # ~3.3 MB of UTF-8
    a = pb.Artifact(type_id=t)
    a.properties["s"].string_value = value
    if store.dialect == "postgresql":  # repetitive, but still far over the index limit compressed
        refused_by_index(store, a, "Artifact[0].properties['s']")
        return
    assert put_one(store, a).properties["s"].string_value == value


def test_strings_beyond_the_column_limit(store: Any) -> None:
    """17 MB does not fit MySQL's MEDIUMTEXT: refused naming the property; stored elsewhere."""
    t = edge_type(store)
    cases = {
        "ascii": text(17 * MB, seed=3),  # 17 MB stored
        "cjk": "中" * 3 * MB,  # 9 MB of UTF-8, 18 MB as MySQL stores it
        "escapes": "\n" * 9 * MB,  # 9 MB stored, 18 MB on the wire once escaped
    }
    for label, value in cases.items():
        a = pb.Artifact(type_id=t)
        a.custom_properties[label].string_value = value
        if store.dialect == "mysql":
            refused(
                store,
                lambda a=a: store.put_artifacts([a]),
                f"Artifact[0].custom_properties['{label}']",
                "bytes",
            )
        elif store.dialect == "postgresql":
            refused_by_index(store, a, f"Artifact[0].custom_properties['{label}']")
        else:
            assert put_one(store, a).custom_properties[label].string_value == value


def test_uri_and_description_at_the_text_limit(store: Any) -> None:
    """MySQL TEXT holds 65,535 bytes: one more is refused naming the field; others store it."""
    t = edge_type(store)
    limit = _limits.MYSQL_TEXT_BYTES
    assert put_one(store, pb.Artifact(type_id=t, uri="u" * limit)).uri == "u" * limit
    over = pb.Artifact(type_id=t, uri="u" * (limit + 1))
    described = pb.ArtifactType(name="Described", description="d" * (limit + 1))
    if store.dialect == "mysql":
        refused(store, lambda: store.put_artifacts([over]), "Artifact[0].uri", "65,536 bytes")
        refused(
            store, lambda: store.put_artifact_type(described), "ArtifactType.description", "65,536"
        )
        # Two bytes of UTF-8 each, stored as 2 latin1 characters of 2 bytes: 4 bytes each.
        fits = "é" * (limit // 4)
        assert put_one(store, pb.Artifact(type_id=t, uri=fits)).uri == fits
        refused(
            store,
            lambda: store.put_artifacts([pb.Artifact(type_id=t, uri=fits + "é")]),
            "Artifact[0].uri",
        )
    else:
        assert put_one(store, over).uri == over.uri
        type_id = store.put_artifact_type(described)
        assert store.get_artifact_types_by_id([type_id])[0].description == described.description


def test_batch_of_long_uris_round_trips(store: Any) -> None:
    """Each URI fits its column; together they are larger than one MySQL packet (16 MiB)."""
    t = edge_type(store)
    uris = [f"/{i:04d}/" + "u" * 60_000 for i in range(300)]
    ids = store.put_artifacts([pb.Artifact(type_id=t, uri=u) for u in uris])
    assert [a.uri for a in store.get_artifacts_by_id(ids)] == uris


def test_long_incompressible_uri_round_trips(store: Any) -> None:
    t = edge_type(store)
    uri = "/" + text(20_000, seed=5)
    if store.dialect == "postgresql":
        refused_by_index(store, pb.Artifact(type_id=t, uri=uri), "Artifact[0].uri")
        return
    assert put_one(store, pb.Artifact(type_id=t, uri=uri)).uri == uri


def test_long_values_that_compress_below_the_index_limit_are_stored(store: Any) -> None:
    """As with ml-metadata on PostgreSQL: the index holds compressed values, so these fit."""
    t = edge_type(store)
    a = pb.Artifact(type_id=t, uri="/runs/" + "ab" * 5_000)
    a.properties["s"].string_value = "0123456789" * 1_000
    a.custom_properties["c"].string_value = "x" * 50_000
    back = put_one(store, a)
    assert back.uri == a.uri
    assert back.properties["s"].string_value == a.properties["s"].string_value
    assert back.custom_properties["c"].string_value == a.custom_properties["c"].string_value


def test_nul_character(store: Any) -> None:
    """PostgreSQL text cannot hold NUL: refused naming the field; the others store it."""
    t = edge_type(store)
    value = "before\x00after"
    a = pb.Artifact(type_id=t, uri="/nul")
    a.custom_properties["c"].string_value = value
    named = pb.Artifact(type_id=t, name=value)
    if store.dialect == "postgresql":
        refused(store, lambda: store.put_artifacts([a]), "custom_properties['c']", "NUL")
        refused(store, lambda: store.put_artifacts([named]), "Artifact[0].name", "NUL")
    else:
        assert put_one(store, a).custom_properties["c"].string_value == value
        assert put_one(store, named).name == value


# --------------------------------------------------------------------------- proto values
def test_non_utf8_bytes_in_proto_values_round_trip(store: Any) -> None:
    t = edge_type(store)
    payloads = [
        bytes(range(256)) * 4,
        b"\xff\xfe\x00\x80\xc0\xc1\xf5\xf8" * 100,
        b"",
        random.Random(9).randbytes(1 * MB),
    ]
    for payload in payloads:
        a = pb.Artifact(type_id=t)
        a.properties["p"].proto_value.CopyFrom(
            any_pb2.Any(type_url="type.googleapis.com/edge.Blob", value=payload)
        )
        a.custom_properties["c"].proto_value.CopyFrom(
            any_pb2.Any(type_url="type.googleapis.com/edge.Blob", value=payload[::-1])
        )
        back = put_one(store, a)
        assert back.properties["p"].proto_value.value == payload
        assert back.properties["p"].proto_value.type_url == "type.googleapis.com/edge.Blob"
        assert back.custom_properties["c"].proto_value.value == payload[::-1]


def test_proto_value_beyond_the_column_limit(store: Any) -> None:
    """13 MB serialized is 17 MB in base64: too large for MySQL's MEDIUMBLOB; stored elsewhere."""
    t = edge_type(store)
    payload = random.Random(4).randbytes(13 * MB)
    a = pb.Artifact(type_id=t)
    a.properties["p"].proto_value.CopyFrom(any_pb2.Any(type_url="t/x", value=payload))
    if store.dialect == "mysql":
        refused(store, lambda: store.put_artifacts([a]), "Artifact[0].properties['p']", "proto")
    else:
        assert put_one(store, a).properties["p"].proto_value.value == payload


# --------------------------------------------------------------------------- names
def _name_cases(store: Any, t: int, e: int, c: int, name: str) -> dict[str, Callable[[], object]]:
    """Every VARCHAR(255) a caller can fill, as a call that stores ``name`` there."""

    def custom(target: str) -> Any:
        a = pb.Artifact(type_id=t)
        a.custom_properties[target].int_value = 1
        return a

    return {
        "Artifact[0].name": lambda: store.put_artifacts([pb.Artifact(type_id=t, name=name)]),
        "Artifact[0].external_id": lambda: store.put_artifacts(
            [pb.Artifact(type_id=t, external_id=name)]
        ),
        "Execution[0].name": lambda: store.put_executions([pb.Execution(type_id=e, name=name)]),
        "Context[0].name": lambda: store.put_contexts([pb.Context(type_id=c, name=name)]),
        "Artifact[0].custom_properties": lambda: store.put_artifacts([custom(name)]),
        "ArtifactType.name": lambda: store.put_artifact_type(pb.ArtifactType(name=name)),
        "ExecutionType.version": lambda: store.put_execution_type(
            pb.ExecutionType(name="Versioned", version=name)
        ),
        "ContextType.external_id": lambda: store.put_context_type(
            pb.ContextType(name="External", external_id=name)
        ),
        "ArtifactType.properties": lambda: store.put_artifact_type(
            pb.ArtifactType(name="Props", properties={name: pb.INT})
        ),
    }


def test_names_of_255_characters_work_and_256_are_refused(store: Any) -> None:
    t = edge_type(store)
    e = store.put_execution_type(pb.ExecutionType(name="Step"))
    c = store.put_context_type(pb.ContextType(name="Run"))
    for field, call in _name_cases(store, t, e, c, "n" * 256).items():
        refused(store, call, field, "256 characters, the limit is 255")
    for field, call in _name_cases(store, t, e, c, "n" * 255).items():
        assert call() is not None, field
    [a] = store.get_artifacts_by_external_ids(["n" * 255])
    assert a.external_id == "n" * 255
    assert store.get_execution_type("Versioned", type_version="n" * 255).version == "n" * 255
    assert "n" * 255 in store.get_artifact_type("Props").properties
    assert store.get_artifact_type("n" * 255).name == "n" * 255
    assert store.get_context_by_type_and_name("Run", "n" * 255) is not None


def test_unicode_names_at_the_limit(store: Any) -> None:
    """255 emoji fit a VARCHAR(255) on SQLite and PostgreSQL; on MySQL lineage sends UTF-8 over
    latin1 (as ml-metadata), so a name holds 255 bytes of UTF-8: refused with the byte count."""
    t = edge_type(store)
    emoji = "😀" * 255
    artifact = pb.Artifact(type_id=t, name=emoji)
    if store.dialect == "mysql":
        refused(store, lambda: store.put_artifacts([artifact]), "Artifact[0].name", "1,020", "255")
        fits = "😀" * 63 + "é"  # 254 bytes
        assert put_one(store, pb.Artifact(type_id=t, name=fits)).name == fits
        refused(
            store,
            lambda: store.put_artifacts([pb.Artifact(type_id=t, name="é" * 128)]),
            "Artifact[0].name",
            "256 bytes",
        )
    else:
        assert put_one(store, artifact).name == emoji


UNICODE = {
    "emoji": "模型🚀🧪👩‍🔬",
    "cjk": "训练数据集・データ・데이터",
    "combining": "e\u0301te\u0301 n\u0303o",  # decomposed accents
    "precomposed": "été ño",
    "rtl": "שלום مرحبا",
    "mixed": "Ωmega ⟨x⟩ ∑ ∞ \u200b zero-width",
}


def test_unicode_everywhere_round_trips_and_filters(store: Any) -> None:
    type_name = "Données📦"
    t = store.put_artifact_type(pb.ArtifactType(name=type_name, properties={"note": pb.STRING}))
    e = store.put_execution_type(pb.ExecutionType(name="Étape⚙"))
    c = store.put_context_type(pb.ContextType(name="Exécution🏃"))
    ids = {}
    for label, value in UNICODE.items():
        a = pb.Artifact(type_id=t, name=value, uri=f"/données/{value}", external_id=f"x-{value}")
        a.properties["note"].string_value = value
        a.custom_properties[value].string_value = label
        ids[label] = put_one(store, a).id
    [context_id] = store.put_contexts([pb.Context(type_id=c, name=UNICODE["emoji"])])
    [execution_id] = store.put_executions([pb.Execution(type_id=e, name=UNICODE["rtl"])])
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=context_id, artifact_id=ids["cjk"])],
        [pb.Association(context_id=context_id, execution_id=execution_id)],
    )
    for label, value in UNICODE.items():
        [a] = store.get_artifacts_by_id([ids[label]])
        assert (a.name, a.uri, a.external_id) == (value, f"/données/{value}", f"x-{value}")
        assert a.properties["note"].string_value == value
        assert a.custom_properties[value].string_value == label
        assert a.type == type_name
        assert store.get_artifact_by_type_and_name(type_name, value).id == ids[label]
        [by_ext] = store.get_artifacts_by_external_ids([f"x-{value}"])
        assert by_ext.id == ids[label]
        assert [x.id for x in store.get_artifacts_by_uri(f"/données/{value}")] == [ids[label]]
        for query in (
            f"name = '{value}'",
            f"properties.note.string_value = '{value}'",
            f"uri LIKE '%{value}'",
            f"type = '{type_name}' AND external_id = 'x-{value}'",
        ):
            found = store.get_artifacts(list_options=lineage.ListOptions(filter_query=query))
            assert [x.id for x in found] == [ids[label]], query
    # Decomposed and precomposed accents are different strings and stay apart.
    assert ids["combining"] != ids["precomposed"]
    query = f"contexts_a.name = '{UNICODE['emoji']}'"
    linked = store.get_artifacts(list_options=lineage.ListOptions(filter_query=query))
    assert [x.id for x in linked] == [ids["cjk"]]
    [execution] = store.get_executions_by_context(context_id)
    assert execution.name == UNICODE["rtl"]
    assert store.get_context_by_type_and_name("Exécution🏃", UNICODE["emoji"]).id == context_id


def test_property_names_differing_only_in_case(store: Any) -> None:
    """MySQL's default collation is case-insensitive: two property names that differ only in case
    are one key there. Refused as AlreadyExistsError (a LineageError), nothing written."""
    t = edge_type(store)
    a = pb.Artifact(type_id=t)
    a.custom_properties["Key"].int_value = 1
    a.custom_properties["key"].int_value = 2
    if store.dialect == "mysql":
        before = snapshot(store)
        with pytest.raises(errors.AlreadyExistsError):
            store.put_artifacts([a])
        assert snapshot(store) == before
    else:
        back = put_one(store, a)
        assert dict((k, v.int_value) for k, v in back.custom_properties.items()) == {
            "Key": 1,
            "key": 2,
        }


def test_event_path_key_beyond_the_text_limit(store: Any) -> None:
    """A step key longer than MySQL's TEXT is refused naming the event; stored elsewhere."""
    t = edge_type(store)
    e = store.put_execution_type(pb.ExecutionType(name="Step"))
    event = pb.Event(type=pb.Event.OUTPUT)
    event.path.steps.add().key = "k" * 70_000

    def call() -> object:
        return store.put_execution(pb.Execution(type_id=e), [(pb.Artifact(type_id=t), event)], [])

    if store.dialect == "mysql":
        refused(store, call, "Event[0].path.steps[0].key", "65,535")
    else:
        execution_id, _, _ = call()
        [stored] = store.get_events_by_execution_ids([execution_id])
        assert stored.path.steps[0].key == "k" * 70_000


# --------------------------------------------------------------------------- huge batches
def test_batch_of_100000_artifacts(store: Any) -> None:
    t = store.put_artifact_type(
        pb.ArtifactType(name="Shard", properties={"n": pb.INT, "label": pb.STRING})
    )
    n = 100_000
    artifacts = []
    for i in range(n):
        a = pb.Artifact(type_id=t, uri=f"/shards/{i}", name=f"shard-{i}")
        a.properties["n"].int_value = i
        a.properties["label"].string_value = f"label {i} ✓"
        a.custom_properties["ratio"].double_value = i / 7
        artifacts.append(a)
    # A bad last artifact: the whole call is refused and nothing is written.
    bad = pb.Artifact(type_id=t, name="x" * 256)
    before = store.counts()
    with pytest.raises(errors.InvalidArgumentError, match=r"Artifact\[100000\]\.name: 256"):
        store.put_artifacts([*artifacts, bad])
    assert store.counts() == before
    ids = store.put_artifacts(artifacts)
    assert len(ids) == n == len(set(ids))
    assert store.counts()["artifacts"] == before["artifacts"] + n
    stored = store.get_artifacts_by_type("Shard")
    assert len(stored) == n
    by_id = {a.id: a for a in stored}
    for i in [0, 1, 499, 500, 501, 12_345, 50_000, n - 2, n - 1]:
        a = by_id[ids[i]]
        assert (a.uri, a.name) == (f"/shards/{i}", f"shard-{i}")
        assert a.properties["n"].int_value == i
        assert a.properties["label"].string_value == f"label {i} ✓"
        assert a.custom_properties["ratio"].double_value == i / 7
    assert all(by_id[ids[i]].properties["n"].int_value == i for i in range(n))


# --------------------------------------------------------------------------- structs
SHAPES = [("struct", True), ("struct", False), ("list", True), ("list", False)]


def _deepest(via: str, leaf: bool) -> int:
    """The most levels of this shape that protobuf's parser still reads back."""
    levels = 0
    while _limits.struct_depth(nested_struct(levels + 1, via, leaf)) <= _limits.STRUCT_DEPTH_LIMIT:
        levels += 1
    return levels


@pytest.mark.parametrize(("via", "leaf"), SHAPES)
def test_struct_depth_matches_what_protobuf_parses(via: str, leaf: bool) -> None:
    for levels in range(max(0, _deepest(via, leaf) - 3), _deepest(via, leaf) + 4):
        struct = nested_struct(levels, via, leaf)
        raw = struct.SerializeToString()
        accepted = _limits.struct_depth(struct) <= _limits.STRUCT_DEPTH_LIMIT
        try:
            struct_pb2.Struct.FromString(raw)
            parses = True
        except Exception:
            parses = False
        assert accepted == parses, (via, leaf, levels)


def test_deep_structs_round_trip_or_are_refused(store: Any) -> None:
    t = edge_type(store)
    for via, leaf in SHAPES:
        deepest = _deepest(via, leaf)
        a = pb.Artifact(type_id=t)
        a.properties["st"].struct_value.CopyFrom(nested_struct(deepest, via, leaf))
        assert put_one(store, a).properties["st"].struct_value == a.properties["st"].struct_value
        too_deep = pb.Artifact(type_id=t)
        too_deep.custom_properties["deep"].struct_value.CopyFrom(
            nested_struct(deepest + 1, via, leaf)
        )
        refused(
            store,
            lambda a=too_deep: store.put_artifacts([a]),
            "Artifact[0].custom_properties['deep']",
            "the limit is 100",
        )
    very_deep = pb.Artifact(type_id=t)
    very_deep.properties["st"].struct_value.CopyFrom(nested_struct(5000))
    refused(store, lambda: store.put_artifacts([very_deep]), "properties['st']", "15002")


def test_wide_struct_round_trips(store: Any) -> None:
    t = edge_type(store)
    a = pb.Artifact(type_id=t)
    a.properties["st"].struct_value.update(
        {f"k{i}": {"n": i, "s": "値" * (i % 5), "l": [True, None, i / 3]} for i in range(2000)}
    )
    if store.dialect == "postgresql":  # stored as base64 text, which the index cannot hold
        refused_by_index(store, a, "Artifact[0].properties['st']")
        return
    assert put_one(store, a).properties["st"].struct_value == a.properties["st"].struct_value


# --------------------------------------------------------------------------- _limits unit tests
def test_limits_messages_name_the_field() -> None:
    with pytest.raises(errors.InvalidArgumentError, match=r"^Artifact\[3\]\.name: 256 characters"):
        _limits.check_name("a" * 256, "Artifact[3].name", "sqlite")
    _limits.check_name("a" * 255, "Artifact[3].name", "postgresql")
    _limits.check_name("é" * 200, "x", "mysql", latin1_wire=False)
    with pytest.raises(errors.InvalidArgumentError, match="400 bytes in UTF-8"):
        _limits.check_name("é" * 200, "x", "mysql", latin1_wire=True)
    _limits.check_string("a\x00b", "v", "sqlite")
    with pytest.raises(errors.InvalidArgumentError, match="NUL"):
        _limits.check_string("a\x00b", "v", "postgresql")


def test_mysql_stored_bytes_model() -> None:
    # Measured on MariaDB 10.11 (utf8mb4 column, latin1 connection).
    assert _limits.mysql_stored_bytes(b"abc") == 3
    assert _limits.mysql_stored_bytes("é".encode()) == 4  # C3 A9 -> Ã ©
    assert _limits.mysql_stored_bytes("Ā".encode()) == 5  # C4 80 -> Ä €
    assert _limits.mysql_stored_bytes("Ł".encode()) == 4  # C5 81 -> Å U+0081
    assert _limits.mysql_stored_bytes("é".encode(), latin1_wire=False) == 2


def test_limits_on_sizes_without_allocating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_limits, "SQLITE_MAX_BYTES", 1000)
    monkeypatch.setattr(_limits, "POSTGRESQL_FIELD_BYTES", 1000)
    _limits.check_string("a" * 1000, "v", "sqlite")
    with pytest.raises(errors.InvalidArgumentError, match="v: 1,001 bytes"):
        _limits.check_string("a" * 1001, "v", "sqlite")
    with pytest.raises(errors.InvalidArgumentError, match="v: 1,002 bytes"):
        _limits.check_string("a" * 1000 + "é", "v", "postgresql")
    _limits.check_bytes(750, "p", "sqlite")  # 1000 in base64
    with pytest.raises(errors.InvalidArgumentError, match="p: the proto value takes 1,004"):
        _limits.check_bytes(751, "p", "sqlite")


def test_step_key_checks() -> None:
    _limits.check_step_key("k" * 65_535, 0, 0, "mysql", True)
    with pytest.raises(errors.InvalidArgumentError, match=r"^Event\[2\]\.path\.steps\[1\]\.key"):
        _limits.check_step_key("k" * 65_536, 2, 1, "mysql", True)
    with pytest.raises(errors.InvalidArgumentError, match="NUL"):
        _limits.check_step_key("a\x00", 0, 0, "postgresql", False)
    event = pb.Event()
    event.path.steps.add().index = 3
    event.path.steps.add().key = "é" * 20_000  # 80,000 bytes as MySQL stores it
    with pytest.raises(errors.InvalidArgumentError, match=r"Event\[1\]\.path\.steps\[1\]\.key"):
        _limits.check_events([pb.Event(), event], "mysql", True)
    _limits.check_events([pb.Event(), event], "sqlite", True)
