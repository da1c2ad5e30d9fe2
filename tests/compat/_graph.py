"""A realistic TFX/KFP-like pipeline graph, written and read through MLMD's Python API.

``build_pipeline(store)`` writes the graph through any object with ml-metadata's
``MetadataStore`` methods (``ml_metadata.MetadataStore`` or ``lineage.MetadataStore``) and returns
the ids it got. ``read_everything(store, lib, ids)`` calls every ``get_*`` method (with ``lib``'s
``ListOptions``/``OrderByField``) and returns a canonical, comparable dict: call -> result (or the
error class name). Both libraries share ml_metadata's message classes, so results are canonicalised
as text-format protos.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import any_pb2, duration_pb2, struct_pb2, text_format

from lineage.proto import metadata_store_pb2 as pb

__all__ = [
    "Ids",
    "build_pipeline",
    "canon",
    "read_everything",
]

INT, DOUBLE, STRING, STRUCT, PROTO, BOOLEAN = (
    pb.INT,
    pb.DOUBLE,
    pb.STRING,
    pb.STRUCT,
    pb.PROTO,
    pb.BOOLEAN,
)
ALL_KINDS = {"span": INT, "weight": DOUBLE, "split": STRING, "stats": STRUCT, "source": PROTO}
ALL_KINDS["golden"] = BOOLEAN
A, E, C = pb.Artifact, pb.Execution, pb.Event
N_CHECKPOINTS = 110  # more than one 100-row page of ml-metadata's client paging


@dataclass
class Ids:
    """Ids handed out while writing the graph, by the names the builder uses."""

    types: dict[str, int] = field(default_factory=dict)
    artifacts: dict[str, int] = field(default_factory=dict)
    executions: dict[str, int] = field(default_factory=dict)
    contexts: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- values
def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


def packed(message: Any) -> any_pb2.Any:
    out = any_pb2.Any()
    out.Pack(message)
    return out


def setp(node: Any, name: str, value: Any, custom: bool = False) -> None:
    """Set ``node.properties[name]`` (or the custom one) from a Python value."""
    target = (node.custom_properties if custom else node.properties)[name]
    if isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int):
        target.int_value = value
    elif isinstance(value, float):
        target.double_value = value
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, struct_pb2.Struct):
        target.struct_value.CopyFrom(value)
    elif isinstance(value, any_pb2.Any):
        target.proto_value.CopyFrom(value)
    else:  # pragma: no cover - a builder bug
        raise TypeError(f"unsupported property value {value!r}")


def node(cls: Any, type_id: int, props: dict[str, Any] | None = None, **fields: Any) -> Any:
    custom = fields.pop("custom", None) or {}
    message = cls(type_id=type_id, **fields)
    for name, value in (props or {}).items():
        setp(message, name, value)
    for name, value in custom.items():
        setp(message, name, value, custom=True)
    return message


def event(kind: int, *steps: int | str, **fields: Any) -> Any:
    ev = pb.Event(type=kind, **fields)
    for step in steps:
        if isinstance(step, int):
            ev.path.steps.add().index = step
        else:
            ev.path.steps.add().key = step
    return ev


def _type(cls: Any, name: str, props: dict[str, int], **fields: Any) -> Any:
    message = cls(name=name, **fields)
    for key, kind in props.items():
        message.properties[key] = kind
    return message


def simple(name: str) -> pb.ArtifactStructType:
    return pb.ArtifactStructType(simple=pb.ArtifactType(name=name))


# ---------------------------------------------------------------------------------- writer
def build_pipeline(store: Any) -> Ids:
    """Write a two-run TFX-like pipeline (taxi) through ``store``'s MLMD API; return the ids."""
    ids = Ids()
    t = ids.types

    # --- types: every PropertyType, versions, base types, external ids, evolution
    examples = _type(
        pb.ArtifactType,
        "Examples",
        ALL_KINDS,
        description="Split TF examples",
        external_id="tfx.types.Examples",
        base_type=pb.ArtifactType.DATASET,
    )
    t["Examples"] = store.put_artifact_type(examples)
    examples.properties["version"] = INT
    assert store.put_artifact_type(examples, can_add_fields=True) == t["Examples"]
    t["ExampleStatistics"] = store.put_artifact_type(
        _type(
            pb.ArtifactType,
            "ExampleStatistics",
            {"span": INT, "stats": STRUCT},
            base_type=pb.ArtifactType.STATISTICS,
        )
    )
    t["Schema"] = store.put_artifact_type(_type(pb.ArtifactType, "Schema", {"schema": PROTO}))
    t["TransformGraph"] = store.put_artifact_type(pb.ArtifactType(name="TransformGraph"))
    model_v1 = _type(
        pb.ArtifactType,
        "Model",
        {"accuracy": DOUBLE, "num_params": INT, "pushed": BOOLEAN, "hparams": STRUCT},
        version="1.0",
        description="A trained model",
        external_id="tfx.types.Model@1",
        base_type=pb.ArtifactType.MODEL,
    )
    t["Model@1"] = store.put_artifact_type(model_v1)
    model_v2 = _type(
        pb.ArtifactType,
        "Model",
        {"accuracy": DOUBLE, "framework": STRING, "signature": PROTO},
        version="2.0",
        base_type=pb.ArtifactType.MODEL,
    )
    t["Model@2"] = store.put_artifact_type(model_v2)
    # Re-register v2 without one property: allowed with can_omit_fields.
    del model_v2.properties["signature"]
    assert store.put_artifact_type(model_v2, can_omit_fields=True) == t["Model@2"]
    t["ModelEvaluation"] = store.put_artifact_type(
        _type(
            pb.ArtifactType,
            "ModelEvaluation",
            {"blessed": BOOLEAN, "metrics": STRUCT},
            base_type=pb.ArtifactType.METRICS,
            external_id="tfx.types.ModelEvaluation",
        )
    )
    t["Checkpoint"] = store.put_artifact_type(
        _type(pb.ArtifactType, "Checkpoint", {"step": INT}, version="1")
    )
    t["ExternalData"] = store.put_artifact_type(
        _type(
            pb.ArtifactType, "ExternalData", {"format": STRING}, base_type=pb.ArtifactType.DATASET
        )
    )

    trainer = _type(
        pb.ExecutionType,
        "Trainer",
        {
            "train_steps": INT,
            "learning_rate": DOUBLE,
            "module_file": STRING,
            "config": STRUCT,
            "module": PROTO,
            "use_gpu": BOOLEAN,
        },
        description="Trains a model",
        external_id="tfx.components.Trainer",
        base_type=pb.ExecutionType.TRAIN,
        input_type=pb.ArtifactStructType(
            dict=pb.DictArtifactStructType(
                properties={"examples": simple("Examples"), "schema": simple("Schema")}
            )
        ),
        output_type=simple("Model"),
    )
    t["Trainer"] = store.put_execution_type(trainer)
    for name, base, props in [
        ("ExampleGen", pb.ExecutionType.PROCESS, {"input_base": STRING, "span": INT}),
        ("StatisticsGen", pb.ExecutionType.PROCESS, {}),
        ("SchemaGen", None, {"infer_shape": BOOLEAN}),
        ("Transform", pb.ExecutionType.TRANSFORM, {"module_file": STRING}),
        ("Evaluator", pb.ExecutionType.EVALUATE, {"threshold": DOUBLE}),
        ("Pusher", pb.ExecutionType.DEPLOY, {"destination": STRING}),
    ]:
        extra: dict[str, Any] = {} if base is None else {"base_type": base}
        t[name] = store.put_execution_type(_type(pb.ExecutionType, name, props, **extra))
    t["Pusher@2"] = store.put_execution_type(
        _type(pb.ExecutionType, "Pusher", {"destination": STRING, "dry_run": BOOLEAN}, version="2")
    )

    t["pipeline"] = store.put_context_type(
        _type(
            pb.ContextType,
            "pipeline",
            {"owner": STRING, "config": STRUCT},
            external_id="kfp.pipeline",
            description="A pipeline",
        )
    )
    t["pipeline_run"] = store.put_context_type(
        _type(
            pb.ContextType,
            "pipeline_run",
            {"run_number": INT, "duration": DOUBLE, "succeeded": BOOLEAN, "spec": PROTO},
        )
    )
    t["node"] = store.put_context_type(
        _type(pb.ContextType, "node", {"component": STRING}, version="1")
    )

    # --- contexts and their parents
    c = ids.contexts
    taxi, run1, run2 = store.put_contexts(
        [
            node(
                pb.Context,
                t["pipeline"],
                {"owner": "data-team", "config": struct({"retries": 3, "tags": ["taxi", "prod"]})},
                name="chicago_taxi",
                external_id="kfp://pipelines/taxi",
                custom={"schedule": "@daily", "enabled": True},
            ),
            node(
                pb.Context,
                t["pipeline_run"],
                {"run_number": 1, "duration": 12.5, "succeeded": True},
                name="taxi-run-1",
                external_id="kfp://runs/1",
            ),
            node(
                pb.Context,
                t["pipeline_run"],
                {
                    "run_number": 2,
                    "spec": packed(duration_pb2.Duration(seconds=90, nanos=500)),
                },
                name="taxi-run-2",
                custom={"retry_of": "taxi-run-1", "attempt": -2},
            ),
        ]
    )
    c.update({"chicago_taxi": taxi, "taxi-run-1": run1, "taxi-run-2": run2})
    node_ids = store.put_contexts(
        [
            node(pb.Context, t["node"], {"component": comp}, name=f"taxi.{comp}")
            for comp in ("ExampleGen", "Transform", "Trainer")
        ]
    )
    c.update(
        dict(zip(["taxi.ExampleGen", "taxi.Transform", "taxi.Trainer"], node_ids, strict=True))
    )
    store.put_parent_contexts(
        [
            pb.ParentContext(child_id=run1, parent_id=taxi),
            pb.ParentContext(child_id=run2, parent_id=taxi),
            pb.ParentContext(child_id=run2, parent_id=run1),
        ]
        + [pb.ParentContext(child_id=n, parent_id=taxi) for n in node_ids]
    )

    a = ids.artifacts
    x = ids.executions
    # --- an external reference dataset (put_artifacts)
    [a["raw"]] = store.put_artifacts(
        [
            node(
                pb.Artifact,
                t["ExternalData"],
                {"format": "csv"},
                name="taxi_raw",
                uri="gs://bucket/taxi/raw/",
                state=A.REFERENCE,
                external_id="gs://bucket/taxi/raw/",
            )
        ]
    )

    # --- ExampleGen (put_execution): reuses the run context by name, the raw data by external id
    example_gen = node(
        pb.Execution,
        t["ExampleGen"],
        {"input_base": "gs://bucket/taxi/raw/", "span": 1},
        name="taxi-run-1.ExampleGen",
        last_known_state=E.COMPLETE,
        custom={"pipeline_root": "gs://bucket/root", "cache_key": "k-1"},
    )
    raw_again = node(
        pb.Artifact,
        t["ExternalData"],
        {"format": "csv"},
        name="taxi_raw",
        uri="gs://bucket/taxi/raw/",
        state=A.REFERENCE,
        external_id="gs://bucket/taxi/raw/",
        custom={"checked": True},
    )
    examples1 = node(
        pb.Artifact,
        t["Examples"],
        {
            "span": 1,
            "weight": 0.875,
            "split": '["train", "eval"]',
            "stats": struct({"rows": 10000, "cols": {"fare": "float", "tips": None}, "ok": True}),
            "source": packed(pb.Artifact(uri="gs://bucket/taxi/raw/", name="packed")),
            "golden": False,
            "version": 3,
        },
        name="taxi-run-1.ExampleGen.examples",
        uri="gs://bucket/root/ExampleGen/examples/1",
        state=A.LIVE,
        external_id="examples:1",
        custom={"note": 'it\'s "quoted", 100%', "empty": "", "ratio": -2.5},
    )
    x["example_gen"], (a["raw"], a["examples1"]), ctx_ids = store.put_execution(
        example_gen,
        [
            (raw_again, event(C.INPUT, "input_base", 0)),
            (examples1, event(C.OUTPUT, "examples", 0)),
        ],
        [
            pb.Context(type_id=t["pipeline_run"], name="taxi-run-1"),
            pb.Context(type_id=t["node"], name="taxi.ExampleGen"),
        ],
        reuse_context_if_already_exist=True,
        reuse_artifact_if_already_exist_by_external_id=True,
    )
    assert ctx_ids == [run1, c["taxi.ExampleGen"]], ctx_ids

    # --- StatisticsGen / SchemaGen / Transform (put_executions + put_artifacts + put_events)
    x["stats_gen"], x["schema_gen"], x["transform"] = store.put_executions(
        [
            node(pb.Execution, t["StatisticsGen"], name="taxi-run-1.StatisticsGen"),
            node(pb.Execution, t["SchemaGen"], {"infer_shape": True}, name="taxi-run-1.SchemaGen"),
            node(
                pb.Execution,
                t["Transform"],
                {"module_file": "transform.py"},
                name="taxi-run-1.Transform",
                last_known_state=E.RUNNING,
            ),
        ]
    )
    a["stats1"], a["schema1"], a["graph1"] = store.put_artifacts(
        [
            node(
                pb.Artifact,
                t["ExampleStatistics"],
                {"span": 1, "stats": struct({"mean": {"fare": 11.25}, "missing": [0, 1.5]})},
                uri="gs://bucket/root/StatisticsGen/statistics/2",
                state=A.LIVE,
            ),
            node(
                pb.Artifact,
                t["Schema"],
                {"schema": packed(pb.Value(string_value="feature { name: 'fare' }"))},
                name="taxi-run-1.SchemaGen.schema",
                uri="gs://bucket/root/SchemaGen/schema/3",
                state=A.PENDING,
            ),
            node(
                pb.Artifact,
                t["TransformGraph"],
                name="taxi-run-1.Transform.transform_graph",
                uri="gs://bucket/root/Transform/transform_graph/4",
            ),
        ]
    )
    store.put_events(
        [
            event(C.INPUT, "examples", 0, artifact_id=a["examples1"], execution_id=x["stats_gen"]),
            event(C.OUTPUT, "statistics", 0, artifact_id=a["stats1"], execution_id=x["stats_gen"]),
            event(C.INPUT, "statistics", 0, artifact_id=a["stats1"], execution_id=x["schema_gen"]),
            event(
                C.OUTPUT,
                "schema",
                0,
                artifact_id=a["schema1"],
                execution_id=x["schema_gen"],
                milliseconds_since_epoch=1_700_000_000_123,
            ),
            event(
                C.DECLARED_INPUT,
                "examples",
                artifact_id=a["examples1"],
                execution_id=x["transform"],
            ),
            event(C.INPUT, "schema", 0, artifact_id=a["schema1"], execution_id=x["transform"]),
            event(
                C.PENDING_OUTPUT,
                "transform_graph",
                0,
                artifact_id=a["graph1"],
                execution_id=x["transform"],
            ),
        ]
    )
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=run1, artifact_id=a[k]) for k in ("stats1", "schema1", "graph1")]
        + [pb.Attribution(context_id=c["taxi.Transform"], artifact_id=a["graph1"])]
        + [pb.Attribution(context_id=run1, artifact_id=a["examples1"])],  # already there: ignored
        [pb.Association(context_id=run1, execution_id=x[k]) for k in ("stats_gen", "schema_gen")]
        + [
            pb.Association(context_id=run1, execution_id=x["transform"]),
            pb.Association(context_id=c["taxi.Transform"], execution_id=x["transform"]),
        ],
    )

    # --- Transform finishes: update with a field mask; its output goes LIVE (masked too)
    store.put_executions(
        [pb.Execution(id=x["transform"], type_id=t["Transform"], last_known_state=E.COMPLETE)],
        field_mask_paths=["last_known_state"],
    )
    graph_done = pb.Artifact(id=a["graph1"], state=A.LIVE)
    setp(graph_done, "transform_fn", "saved_model.pb", custom=True)
    store.put_artifacts([graph_done], field_mask_paths=["state", "custom_properties.transform_fn"])

    # --- Trainer + Evaluator (put_lineage_subgraph), reusing the run context
    [examples1_now] = store.get_artifacts_by_id([a["examples1"]])
    [schema_now] = store.get_artifacts_by_id([a["schema1"]])
    trainer_run = node(
        pb.Execution,
        t["Trainer"],
        {
            "train_steps": 1000,
            "learning_rate": 0.001,
            "module_file": "trainer.py",
            "config": struct({"layers": [64, 32], "optimizer": {"name": "adam", "beta": 0.9}}),
            "module": packed(pb.Execution(name="packed-exec", last_known_state=E.RUNNING)),
            "use_gpu": True,
        },
        name="taxi-run-1.Trainer",
        last_known_state=E.COMPLETE,
        external_id="kfp://runs/1/tasks/trainer",
    )
    evaluator_run = node(
        pb.Execution,
        t["Evaluator"],
        {"threshold": 0.75},
        name="taxi-run-1.Evaluator",
        last_known_state=E.CACHED,
    )
    model1 = node(
        pb.Artifact,
        t["Model@1"],
        {
            "accuracy": 0.912345,
            "num_params": 2_147_000_000,
            "pushed": False,
            "hparams": struct({"lr": 0.001, "nested": {"deep": {"deeper": [True, None, "x"]}}}),
        },
        name="taxi-run-1.Trainer.model",
        uri="gs://bucket/root/Trainer/model/5",
        state=A.LIVE,
        external_id="model:1",
    )
    evaluation1 = node(
        pb.Artifact,
        t["ModelEvaluation"],
        {"blessed": True, "metrics": struct({"auc": 0.93, "loss": 0.21})},
        name="taxi-run-1.Evaluator.evaluation",
        uri="gs://bucket/root/Evaluator/evaluation/6",
        state=A.LIVE,
    )
    execs, arts, ctxs = store.put_lineage_subgraph(
        [trainer_run, evaluator_run],
        [examples1_now, schema_now, model1, evaluation1],
        [
            pb.Context(type_id=t["pipeline_run"], name="taxi-run-1"),
            pb.Context(type_id=t["node"], name="taxi.Trainer"),
        ],
        [
            (0, 0, event(C.INPUT, "examples", 0)),
            (0, 1, event(C.INPUT, "schema", 0)),
            (0, None, event(C.INPUT, "transform_graph", 0, artifact_id=a["graph1"])),
            (0, 2, event(C.OUTPUT, "model", 0)),
            (1, 2, event(C.INPUT, "model", 0)),
            (1, 0, event(C.INPUT, "examples", 0)),
            (None, 1, event(C.DECLARED_INPUT, "schema", execution_id=x["stats_gen"])),
            (1, 3, event(C.OUTPUT, "evaluation", 0)),
        ],
        reuse_context_if_already_exist=True,
    )
    x["trainer"], x["evaluator"] = execs
    assert arts[:2] == [a["examples1"], a["schema1"]], arts
    a["model1"], a["evaluation1"] = arts[2:]
    assert ctxs == [run1, c["taxi.Trainer"]], ctxs

    # --- Training checkpoints: more than one page of nodes, internal outputs of the Trainer
    ckpts = store.put_artifacts(
        [
            node(
                pb.Artifact,
                t["Checkpoint"],
                {"step": 10 * i},
                uri=f"gs://bucket/root/Trainer/checkpoints/ckpt-{i:03d}",
                state=A.DELETED if i < N_CHECKPOINTS - 3 else A.LIVE,
            )
            for i in range(N_CHECKPOINTS)
        ]
    )
    a.update({f"ckpt{i}": ckpt for i, ckpt in enumerate(ckpts)})
    store.put_events(
        [
            event(C.INTERNAL_OUTPUT, "checkpoints", i, artifact_id=ckpt, execution_id=x["trainer"])
            for i, ckpt in enumerate(ckpts)
        ]
        + [event(C.INTERNAL_INPUT, "warmstart", artifact_id=ckpts[-1], execution_id=x["evaluator"])]
    )
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=c["taxi.Trainer"], artifact_id=ckpt) for ckpt in ckpts], []
    )

    # --- Model pushed: full update (no mask) of the model, Pusher with DECLARED_OUTPUT
    [model_now] = store.get_artifacts_by_id([a["model1"]])
    model_now.properties["pushed"].bool_value = True
    model_now.custom_properties["pushed_to"].string_value = "serving/taxi"
    store.put_artifacts([model_now])
    x["pusher"], _, _ = store.put_execution(
        node(
            pb.Execution,
            t["Pusher"],
            {"destination": "serving/taxi"},
            name="taxi-run-1.Pusher",
            last_known_state=E.COMPLETE,
        ),
        [(model_now, event(C.INPUT, "model", 0))],
        [pb.Context(id=run1)],
        force_reuse_context=True,
    )

    # --- Run 2: executions in every state, artifacts in every state (put_execution, put_artifacts)
    states = [
        ("unknown", E.UNKNOWN),
        ("new", E.NEW),
        ("running", E.RUNNING),
        ("failed", E.FAILED),
        ("canceled", E.CANCELED),
        ("unset", None),
    ]
    for label, state in states:
        fields: dict[str, Any] = {"name": f"taxi-run-2.Trainer.{label}"}
        if state is not None:
            fields["last_known_state"] = state
        out = node(
            pb.Artifact,
            t["Model@2"],
            {"accuracy": 0.5 if label != "failed" else -1.0, "framework": "tf"},
            uri=f"gs://bucket/root2/Trainer/model/{label}",
            state=A.ABANDONED if label in ("failed", "canceled") else A.PENDING,
        )
        exec_id, [art_id], _ = store.put_execution(
            node(pb.Execution, t["Trainer"], {"train_steps": 10 * len(label)}, **fields),
            [(out, event(C.PENDING_OUTPUT, "model", 0))],
            [pb.Context(type_id=t["pipeline_run"], name="taxi-run-2")],
            reuse_context_if_already_exist=True,
        )
        x[f"run2_{label}"] = exec_id
        a[f"run2_model_{label}"] = art_id
    a_states = [
        ("unknown", A.UNKNOWN),
        ("marked", A.MARKED_FOR_DELETION),
        ("deleted", A.DELETED),
        ("unset", None),
    ]
    extra_ids = store.put_artifacts(
        [
            node(
                pb.Artifact,
                t["Examples"],
                {"span": 2, "weight": 1e6, "golden": True},
                uri=f"gs://bucket/root2/ExampleGen/examples/{label}",
                **({"state": st} if st is not None else {}),
            )
            for label, st in a_states
        ]
    )
    for (label, _), art_id in zip(a_states, extra_ids, strict=True):
        a[f"examples2_{label}"] = art_id
    store.put_events(
        [
            event(C.DECLARED_OUTPUT, "examples", i, artifact_id=art_id, execution_id=x["run2_new"])
            for i, art_id in enumerate(extra_ids)
        ]
    )
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=run2, artifact_id=art_id) for art_id in extra_ids],
        [pb.Association(context_id=c["taxi.Trainer"], execution_id=x["run2_running"])],
    )
    # Masked context update: change one property, add a custom one, drop another.
    run2_update = pb.Context(id=run2, type_id=t["pipeline_run"], name="taxi-run-2")
    setp(run2_update, "duration", 3.25)
    setp(run2_update, "status", "partial", custom=True)
    store.put_contexts(
        [run2_update],
        field_mask_paths=[
            "properties.duration",
            "custom_properties.status",
            "custom_properties.attempt",
        ],
    )
    # Masked artifact update that removes a property (masked but absent).
    store.put_artifacts(
        [pb.Artifact(id=a["examples2_marked"], type_id=t["Examples"])],
        field_mask_paths=["properties.weight"],
    )
    # Re-put the finished Trainer unchanged but with force_update_time (no events, no contexts).
    [trainer_now] = store.get_executions_by_id([x["trainer"]])
    store.put_execution(trainer_now, [], None, force_update_time=True)
    # An execution with no events, contexts or state at all.
    [x["orphan"]] = store.put_executions([pb.Execution(type_id=t["Pusher@2"])])
    return ids


# ---------------------------------------------------------------------------------- reader
def canon(value: Any) -> Any:
    """A comparable form: messages as one-line text protos, containers recursively."""
    if hasattr(value, "DESCRIPTOR"):
        return text_format.MessageToString(value, as_one_line=True)
    if isinstance(value, dict):
        return {k: canon(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [canon(v) for v in value]
    return value


def _key(message: Any) -> tuple[Any, ...]:
    if isinstance(message, pb.Event):
        return (message.artifact_id, message.execution_id, message.type)
    if isinstance(message, (pb.Attribution,)):
        return (message.context_id, message.artifact_id)
    if isinstance(message, (pb.Association,)):
        return (message.context_id, message.execution_id)
    return (message.id,)


def by_id(messages: Iterable[Any]) -> list[Any]:
    """Messages sorted by id (events by artifact, execution, type)."""
    return sorted(messages, key=_key)


TYPE_FIELDS = ("artifact_types", "execution_types", "context_types")


def subgraph(graph: Any) -> dict[str, Any]:
    """A LineageGraph's nodes and edges as sets (sorted by id/key: the order is unspecified)."""
    return {
        f.name: canon(by_id(getattr(graph, f.name)))
        for f in pb.LineageGraph.DESCRIPTOR.fields
        if f.name not in TYPE_FIELDS
    }


def subgraph_types(graph: Any) -> dict[str, Any]:
    """A LineageGraph's types, sorted by id."""
    return {name: canon(by_id(getattr(graph, name))) for name in TYPE_FIELDS}


class Reader:
    """Records ``group -> call -> canonical result`` (or ``('error', ClassName)``)."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, Any]] = {group: {} for group in GROUPS}
        self.group = GROUPS[0]

    def __call__(self, key: str, fn: Callable[[], Any], post: Callable[[Any], Any] = canon) -> None:
        self.split(key, fn, {self.group: post})

    def split(
        self, key: str, fn: Callable[[], Any], parts: dict[str, Callable[[Any], Any]]
    ) -> None:
        """Record one call's result in several groups, each through its own canonicaliser.

        Used so that the types a call returns next to its nodes are compared with the other
        type reads (group ``types``), apart from the nodes and edges.
        """
        try:
            result, error = fn(), None
        except Exception as exc:  # both libraries raise ml_metadata.errors.* classes
            result, error = None, ("error", error_name(exc))
        for group, post in parts.items():
            results = self.results[group]
            assert key not in results, key
            results[key] = error if error is not None else _canonical(post, result)


def _canonical(post: Callable[[Any], Any], result: Any) -> Any:
    try:
        return post(result)
    except UnicodeDecodeError as exc:  # a string field holding bytes that are not UTF-8
        return ("unreadable result", str(exc))


GROUPS = ("types", "nodes", "listing", "edges", "lineage")


def unordered(messages: Iterable[Any]) -> Any:
    """Canonical form of a list whose order ml-metadata does not define: sorted by id."""
    return canon(by_id(messages))


def error_name(exc: BaseException) -> str:
    """The ``ml_metadata.errors`` class an exception is (or derives from), else its full name."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "ml_metadata.errors":
            return cls.__name__
    return f"{type(exc).__module__}.{type(exc).__name__}"


FILTERS = {
    "artifacts": [
        "type = 'Examples'",
        "uri LIKE 'gs://bucket/root/%'",
        "properties.span.int_value > 0",
        "properties.weight.double_value >= 0.5 AND state = LIVE",
        "custom_properties.note.string_value LIKE '%quoted%'",
        "properties.golden.bool_value = true",
        "state IN (LIVE, PENDING)",
        "state != LIVE",
        "state IS NULL",
        "name IS NOT NULL AND type != 'Checkpoint'",
        "contexts_a.name = 'taxi-run-1'",
        "contexts_a.name = 'taxi-run-2' AND contexts_a.type = 'pipeline_run'",
        "contexts_a.name = 'taxi-run-1' AND contexts_b.name = 'taxi.Trainer'",
        "events_0.type = INPUT AND events_0.execution_id > 0",
        "events_0.type = DECLARED_OUTPUT",
        "external_id = 'model:1' OR external_id = 'examples:1'",
        "NOT(type = 'Checkpoint') AND create_time_since_epoch > 0",
        "type = 'Checkpoint' AND properties.step.int_value BETWEEN 100 AND 250",
        "id IN (1, 2, 3)",
    ],
    "executions": [
        "type = 'Trainer'",
        "last_known_state = COMPLETE",
        "last_known_state NOT IN (COMPLETE, FAILED)",
        "properties.learning_rate.double_value < 0.01",
        "properties.train_steps.int_value > 3",
        "contexts_r.name = 'taxi-run-1'",
        "events_0.artifact_id = 2",
        "name LIKE 'taxi-run-2.%'",
        "external_id IS NOT NULL",
        "custom_properties.cache_key.string_value = 'k-1'",
    ],
    "contexts": [
        "type = 'pipeline_run'",
        "parent_contexts_a.name = 'chicago_taxi'",
        "child_contexts_a.name = 'taxi-run-2'",
        "executions_a.name = 'taxi-run-1.Trainer'",
        "artifacts_a.uri LIKE 'gs://bucket/root2/%'",
        "properties.run_number.int_value = 2",
        "custom_properties.enabled.bool_value = true",
        "name = 'taxi-run-1' OR name = 'chicago_taxi'",
    ],
}


def read_everything(store: Any, lib: Any, ids: Ids) -> dict[str, dict[str, Any]]:
    """Call every ``get_*`` method of ``store``; ``lib`` provides ListOptions and OrderByField.

    Lists whose order ml-metadata defines (calls with ListOptions, which order by the field and
    then id, and ``get_executions_by_context``, which defaults to CREATE_TIME descending) are
    compared in order; the others are sorted by id first (found by experiment: without
    ListOptions ml-metadata sends no ORDER BY, and PostgreSQL returns updated rows last).
    """
    r = Reader()
    lo, order = lib.ListOptions, lib.OrderByField
    t, a, x, c = ids.types, ids.artifacts, ids.executions, ids.contexts
    missing = 10**6

    # ---- types
    r.group = "types"
    for kind in ("artifact", "execution", "context"):
        r(f"get_{kind}_types()", getattr(store, f"get_{kind}_types"), post=unordered)
        every_id = list(reversed(range(1, max(t.values()) + 2))) + [missing]
        r(
            f"get_{kind}_types_by_id(all)",
            lambda k=kind, i=every_id: getattr(store, f"get_{k}_types_by_id")(i),
            post=unordered,
        )
        r(f"get_{kind}_types_by_id([])", lambda k=kind: getattr(store, f"get_{k}_types_by_id")([]))
    for kind, name, version in [
        ("artifact", "Examples", None),
        ("artifact", "Model", None),
        ("artifact", "Model", "1.0"),
        ("artifact", "Model", "2.0"),
        ("artifact", "Checkpoint", "1"),
        ("artifact", "mlmd.Dataset", None),
        ("artifact", "Trainer", None),
        ("execution", "Trainer", None),
        ("execution", "Pusher", None),
        ("execution", "Pusher", "2"),
        ("execution", "mlmd.Train", None),
        ("context", "pipeline", None),
        ("context", "node", "1"),
        ("context", "node", None),
    ]:
        r(
            f"get_{kind}_type({name!r}, {version!r})",
            lambda k=kind, n=name, v=version: getattr(store, f"get_{k}_type")(n, v),
        )
    for kind, external_ids in [
        ("artifact", ["tfx.types.Model@1", "tfx.types.Examples", "nope"]),
        ("artifact", ["nope"]),
        ("execution", ["tfx.components.Trainer"]),
        ("execution", ["kfp.pipeline"]),
        ("context", ["kfp.pipeline"]),
    ]:
        r(
            f"get_{kind}_types_by_external_ids({external_ids})",
            lambda k=kind, e=external_ids: getattr(store, f"get_{k}_types_by_external_ids")(e),
            post=unordered,
        )

    # ---- nodes by id, type, name, uri, external id
    r.group = "nodes"
    all_ids = {"artifacts": sorted(a.values()), "executions": sorted(x.values())}
    all_ids["contexts"] = sorted(c.values())
    for kind, every in all_ids.items():
        by_ids = getattr(store, f"get_{kind}_by_id")
        shuffled = list(reversed(every[:40])) + [missing] + every[-5:]
        r(f"get_{kind}_by_id(some)", lambda f=by_ids, s=shuffled: f(s), post=unordered)
        r(f"get_{kind}_by_id([])", lambda f=by_ids: f([]))
    r.split(
        "get_artifacts_and_types_by_artifact_ids",
        lambda: store.get_artifacts_and_types_by_artifact_ids(
            [a["model1"], a["raw"], a["examples1"], a["ckpt3"], missing, a["run2_model_new"]]
        ),
        {"nodes": lambda v: unordered(v[0]), "types": lambda v: unordered(v[1])},
    )
    for kind, name, version in [
        ("artifacts", "Examples", None),
        ("artifacts", "Model", "1.0"),
        ("artifacts", "Model", "2.0"),
        ("artifacts", "Model", None),
        ("artifacts", "Checkpoint", "1"),
        ("artifacts", "Nope", None),
        ("executions", "Trainer", None),
        ("executions", "Pusher", "2"),
        ("executions", "Pusher", None),
        ("contexts", "pipeline_run", None),
        ("contexts", "node", "1"),
        ("contexts", "node", None),
    ]:
        r(
            f"get_{kind}_by_type({name!r}, {version!r})",
            lambda k=kind, n=name, v=version: getattr(store, f"get_{k}_by_type")(n, v),
            post=unordered,
        )
    for kind, type_name, name, version in [
        ("artifact", "Examples", "taxi-run-1.ExampleGen.examples", None),
        ("artifact", "Model", "taxi-run-1.Trainer.model", "1.0"),
        ("artifact", "Model", "taxi-run-1.Trainer.model", None),
        ("artifact", "Examples", "nope", None),
        ("execution", "Trainer", "taxi-run-1.Trainer", None),
        ("execution", "Trainer", "taxi-run-2.Trainer.failed", None),
        ("execution", "Pusher", "taxi-run-1.Trainer", None),
        ("context", "pipeline_run", "taxi-run-2", None),
        ("context", "node", "taxi.Trainer", "1"),
        ("context", "node", "taxi.Trainer", None),
    ]:
        r(
            f"get_{kind}_by_type_and_name({type_name!r}, {name!r}, {version!r})",
            lambda k=kind, tn=type_name, n=name, v=version: getattr(
                store, f"get_{k}_by_type_and_name"
            )(tn, n, v),
        )
    for uri in ["gs://bucket/taxi/raw/", "gs://bucket/root/Trainer/model/5", "", "nope"]:
        r(
            f"get_artifacts_by_uri({uri!r})",
            lambda u=uri: store.get_artifacts_by_uri(u),
            post=unordered,
        )
    for kind, external_ids in [
        ("artifacts", ["model:1", "examples:1", "gs://bucket/taxi/raw/", "nope"]),
        ("artifacts", ["nope"]),
        ("executions", ["kfp://runs/1/tasks/trainer"]),
        ("executions", ["model:1"]),
        ("contexts", ["kfp://runs/1", "kfp://pipelines/taxi"]),
    ]:
        r(
            f"get_{kind}_by_external_ids({external_ids})",
            lambda k=kind, e=external_ids: getattr(store, f"get_{k}_by_external_ids")(e),
            post=unordered,
        )

    # ---- listings: ListOptions (limit, order_by, is_asc, filter_query); ordered results
    r.group = "listing"
    options = [
        ("limit=5", lo(limit=5)),
        ("limit=105", lo(limit=105)),
        ("limit=0", lo(limit=0)),
        ("id desc, limit=7", lo(limit=7, order_by=order.ID, is_asc=False)),
        ("create_time desc", lo(order_by=order.CREATE_TIME, is_asc=False)),
        ("create_time asc, limit=103", lo(limit=103, order_by=order.CREATE_TIME)),
        ("update_time desc, limit=20", lo(limit=20, order_by=order.UPDATE_TIME, is_asc=False)),
        ("update_time asc", lo(order_by=order.UPDATE_TIME)),
    ]
    for kind in ("artifacts", "executions", "contexts"):
        get = getattr(store, f"get_{kind}")
        # Without ListOptions ml-metadata sends no ORDER BY (PostgreSQL returns heap order).
        r(f"get_{kind}()", get, post=unordered)
        for label, option in options:
            r(f"get_{kind}({label})", lambda g=get, o=option: g(list_options=o))
        for query in FILTERS[kind]:
            r(f"get_{kind}({query!r})", lambda g=get, q=query: g(list_options=lo(filter_query=q)))
            r(
                f"get_{kind}({query!r}, limit=2, desc)",
                lambda g=get, q=query: g(list_options=lo(filter_query=q, limit=2, is_asc=False)),
            )

    # ---- events, attributions/associations, parent contexts
    r.group = "edges"
    for kind, every in all_ids.items():
        if kind == "contexts":
            continue
        owner = kind[:-1]
        r(
            f"get_events_by_{owner}_ids(all)",
            lambda o=owner, e=every: getattr(store, f"get_events_by_{o}_ids")(
                list(reversed(e)) + [missing]
            ),
            post=unordered,
        )
        r(
            f"get_events_by_{owner}_ids([])",
            lambda o=owner: getattr(store, f"get_events_by_{o}_ids")([]),
        )
    for key, art in a.items():
        if key.startswith("ckpt") and key not in ("ckpt0", f"ckpt{N_CHECKPOINTS - 1}"):
            continue
        r(
            f"get_contexts_by_artifact({key})",
            lambda i=art: store.get_contexts_by_artifact(i),
            post=unordered,
        )
    r(f"get_contexts_by_artifact({missing})", lambda: store.get_contexts_by_artifact(missing))
    for key, ex in x.items():
        r(
            f"get_contexts_by_execution({key})",
            lambda i=ex: store.get_contexts_by_execution(i),
            post=unordered,
        )
    for key, ctx in [*c.items(), (str(missing), missing)]:
        r(
            f"get_artifacts_by_context({key})",
            lambda i=ctx: store.get_artifacts_by_context(i),
            post=unordered,
        )
        r(f"get_executions_by_context({key})", lambda i=ctx: store.get_executions_by_context(i))
        for rel in ("parent", "children"):
            r(
                f"get_{rel}_contexts_by_context({key})",
                lambda i=ctx, p=rel: getattr(store, f"get_{p}_contexts_by_context")(i),
                post=unordered,
            )
    for key in ("taxi-run-1", "taxi.Trainer", "taxi-run-2"):
        for label, option in [
            ("limit=3", lo(limit=3)),
            (
                "limit=101, create_time desc",
                lo(limit=101, order_by=order.CREATE_TIME, is_asc=False),
            ),
            ("id", lo(order_by=order.ID)),
            ("filter", lo(filter_query="uri LIKE '%/root/%' AND state = LIVE")),
        ]:
            r(
                f"get_artifacts_by_context({key}, {label})",
                lambda i=c[key], o=option: store.get_artifacts_by_context(i, list_options=o),
            )
        for label, option in [
            ("limit=2", lo(limit=2)),
            ("update_time asc", lo(order_by=order.UPDATE_TIME)),
            ("filter", lo(filter_query="last_known_state = COMPLETE")),
        ]:
            r(
                f"get_executions_by_context({key}, {label})",
                lambda i=c[key], o=option: store.get_executions_by_context(i, list_options=o),
            )

    # ---- lineage subgraphs: compared as sets of nodes, types and edges
    r.group = "lineage"
    for label, options, mask in LINEAGE_QUERIES:
        r.split(
            f"get_lineage_subgraph({label})",
            lambda o=options, m=mask: store.get_lineage_subgraph(o, m),
            {"lineage": subgraph, "types": subgraph_types},
        )
    return r.results


def _lineage_queries() -> list[tuple[str, Any, list[str] | None]]:
    q = pb.LineageSubgraphQueryOptions
    d = q.Direction
    start_a, start_x, end = q.StartingNodes, q.StartingNodes, q.EndingNodes
    model = {"starting_artifacts": start_a(filter_query="external_id = 'model:1'")}
    raw = {"starting_artifacts": start_a(filter_query="type = 'ExternalData'")}
    live_examples = {
        "starting_artifacts": start_a(filter_query="type = 'Examples' AND state = LIVE")
    }
    trainer = {"starting_executions": start_x(filter_query="name = 'taxi-run-1.Trainer'")}
    return [
        ("model, upstream, 2 hops", q(**model, max_num_hops=2, direction=d.UPSTREAM), None),
        ("model, upstream, default hops", q(**model, direction=d.UPSTREAM), None),
        ("raw, downstream, 4 hops", q(**raw, max_num_hops=4, direction=d.DOWNSTREAM), None),
        ("raw, downstream, 0 hops", q(**raw, max_num_hops=0, direction=d.DOWNSTREAM), None),
        ("examples, unspecified, 2 hops", q(**live_examples, max_num_hops=2), None),
        (
            "examples, bidirectional, 3",
            q(**live_examples, max_num_hops=3, direction=d.BIDIRECTIONAL),
            None,
        ),
        ("trainer, unspecified, 1 hop", q(**trainer, max_num_hops=1), None),
        ("trainer, downstream", q(**trainer, direction=d.DOWNSTREAM), ["artifacts", "events"]),
        (
            "run-2 executions, 2 hops",
            q(
                starting_executions=start_x(filter_query="contexts_a.name = 'taxi-run-2'"),
                max_num_hops=2,
            ),
            None,
        ),
        (
            "raw, downstream, stop at Trainer",
            q(
                **raw,
                ending_executions=end(filter_query="type = 'Trainer'"),
                direction=d.DOWNSTREAM,
            ),
            None,
        ),
        (
            "raw, downstream, stop at Trainer, include it",
            q(
                **raw,
                ending_executions=end(filter_query="type = 'Trainer'", include_ending_nodes=True),
                direction=d.DOWNSTREAM,
            ),
            None,
        ),
        (
            "evaluator, upstream, stop at models, include them",
            q(
                starting_executions=start_x(filter_query="type = 'Evaluator'"),
                ending_artifacts=end(filter_query="type = 'Model'", include_ending_nodes=True),
                direction=d.UPSTREAM,
            ),
            None,
        ),
        (
            "mask: types",
            q(**model, max_num_hops=2),
            ["artifact_types", "execution_types", "context_types"],
        ),
        (
            "mask: edges",
            q(**model, max_num_hops=2),
            ["events", "associations", "attributions", "contexts"],
        ),
        (
            "mask: unknown paths",
            q(**model, max_num_hops=2),
            ["executions", "no_such_field", "parent_contexts"],
        ),
        (
            "no starting node matches",
            q(starting_artifacts=start_a(filter_query="uri = 'nope'")),
            None,
        ),
        ("negative hops", q(**model, max_num_hops=-1), None),
        ("no starting nodes", q(max_num_hops=2), None),
        (
            "malformed starting filter",
            q(starting_artifacts=start_a(filter_query="uri ==== 1")),
            None,
        ),
    ]


LINEAGE_QUERIES = _lineage_queries()
