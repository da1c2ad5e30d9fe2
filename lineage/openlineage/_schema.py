"""Validation of OpenLineage events against the OpenLineage 2-0-2 JSON Schemas.

The schemas live beside this module (``schemas/OpenLineage.json`` and ``schemas/facets/*.json``),
written for lineage with the ``$id`` and ``$defs`` names of the OpenLineage specification, so
every ``$ref`` and ``_schemaURL`` resolves offline in :func:`schema_registry`.

An event is checked in two steps:

1. Its kind is chosen by its shape (``run`` makes a RunEvent, except beside ``dataset`` and no
   ``job``; else ``dataset`` a DatasetEvent; else ``job`` a JobEvent) and the event is validated
   against that definition of the core schema, whose errors name a field (the core's top-level
   ``oneOf`` would only say that no kind fits). The core also checks every facet's base fields
   (``_producer`` and ``_schemaURL``).
2. Each standard facet is validated against its own schema, chosen by the facet's kind (run, job,
   dataset, inputDataset, outputDataset) and its key in the facets map, never by its
   ``_schemaURL``: clients may send older facet versions, which the current schemas accept.
   Custom facets only get the base checks of step 1.

A job or dataset facet whose ``_deleted`` is ``true`` asks the consumer to delete the facet; it is
skipped entirely (it may be just ``{"_deleted": true}``).

The first problem found is raised as :class:`lineage.errors.EventValidationError`, whose
``field`` is the path of the offending field (``inputs[0].facets.schema.fields[2].name``) and
whose message names the path and the problem in plain words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Final

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, relevance  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from lineage.errors import EventValidationError

__all__ = [
    "CORE_SCHEMA_ID",
    "EVENT_KINDS",
    "FACET_KINDS",
    "STANDARD_FACETS",
    "StandardFacet",
    "schema_registry",
    "standard_facet",
    "validate_batch",
    "validate_event",
]

#: The ``$id`` of the core schema.
CORE_SCHEMA_ID: Final = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
#: The event kinds :func:`validate_event` returns (the core's ``$defs`` names).
EVENT_KINDS: Final = ("RunEvent", "DatasetEvent", "JobEvent")
#: The kinds of facets maps: ``run.facets``, ``job.facets``, a dataset's ``facets``, an input's
#: ``inputFacets`` and an output's ``outputFacets``.
FACET_KINDS: Final = ("run", "job", "dataset", "inputDataset", "outputDataset")

_FACETS_BASE: Final = "https://openlineage.io/spec/facets/"


@dataclass(frozen=True)
class StandardFacet:
    """A standard facet: where it appears and which schema file describes it.

    Attributes:
        kind: The facets map it belongs to, one of :data:`FACET_KINDS`.
        key: Its key in that map, such as ``parent`` or ``schema``.
        name: The schema file's stem, which is also the facet's ``$defs`` name.
        version: The schema file's version, as in its ``$id`` (``1-2-0``).
    """

    kind: str
    key: str
    name: str
    version: str

    @property
    def schema_id(self) -> str:
        """The ``$id`` of the facet's schema file."""
        return f"{_FACETS_BASE}{self.version}/{self.name}.json"

    @property
    def schema_url(self) -> str:
        """The ``_schemaURL`` a current client sends: the file's ``$id`` and the definition."""
        return f"{self.schema_id}#/$defs/{self.name}"


#: The standard facets lineage validates, with the versions current clients send. A file may
#: serve several kinds; a key may name different files in different kinds (``documentation``).
STANDARD_FACETS: Final = (
    StandardFacet("run", "parent", "ParentRunFacet", "1-2-0"),
    StandardFacet("run", "errorMessage", "ErrorMessageRunFacet", "1-0-1"),
    StandardFacet("run", "nominalTime", "NominalTimeRunFacet", "1-0-1"),
    StandardFacet("run", "processing_engine", "ProcessingEngineRunFacet", "1-1-1"),
    StandardFacet("run", "executionParameters", "ExecutionParametersRunFacet", "1-0-0"),
    StandardFacet("run", "environmentVariables", "EnvironmentVariablesRunFacet", "1-0-0"),
    StandardFacet("job", "jobType", "JobTypeJobFacet", "2-0-4"),
    StandardFacet("job", "sql", "SQLJobFacet", "1-1-0"),
    StandardFacet("job", "sourceCodeLocation", "SourceCodeLocationJobFacet", "1-1-0"),
    StandardFacet("job", "sourceCode", "SourceCodeJobFacet", "1-0-1"),
    StandardFacet("job", "documentation", "DocumentationJobFacet", "1-1-0"),
    StandardFacet("job", "ownership", "OwnershipJobFacet", "1-0-1"),
    StandardFacet("dataset", "schema", "SchemaDatasetFacet", "1-2-0"),
    StandardFacet("dataset", "columnLineage", "ColumnLineageDatasetFacet", "1-2-0"),
    StandardFacet("dataset", "version", "DatasetVersionDatasetFacet", "1-0-1"),
    StandardFacet("dataset", "dataSource", "DatasourceDatasetFacet", "1-0-1"),
    StandardFacet("dataset", "documentation", "DocumentationDatasetFacet", "1-1-0"),
    StandardFacet("dataset", "lifecycleStateChange", "LifecycleStateChangeDatasetFacet", "1-0-1"),
    StandardFacet("dataset", "ownership", "OwnershipDatasetFacet", "1-0-1"),
    StandardFacet("dataset", "storage", "StorageDatasetFacet", "1-0-1"),
    StandardFacet("dataset", "symlinks", "SymlinksDatasetFacet", "1-0-1"),
    StandardFacet("dataset", "datasetType", "DatasetTypeDatasetFacet", "1-0-1"),
    StandardFacet(
        "inputDataset", "dataQualityMetrics", "DataQualityMetricsInputDatasetFacet", "1-0-3"
    ),
    StandardFacet(
        "inputDataset", "dataQualityAssertions", "DataQualityAssertionsDatasetFacet", "1-1-0"
    ),
    StandardFacet("inputDataset", "inputStatistics", "InputStatisticsInputDatasetFacet", "1-0-0"),
    StandardFacet(
        "outputDataset", "outputStatistics", "OutputStatisticsOutputDatasetFacet", "1-0-2"
    ),
)

_BY_KIND_AND_KEY: Final = {(f.kind, f.key): f for f in STANDARD_FACETS}


def standard_facet(kind: str, key: str) -> StandardFacet | None:
    """Return the standard facet stored under ``key`` in a facets map of ``kind``, if any.

    Args:
        kind: One of :data:`FACET_KINDS`.
        key: The facet's key in the facets map.

    Returns:
        The standard facet, or None for a custom facet.
    """
    return _BY_KIND_AND_KEY.get((kind, key))


# --------------------------------------------------------------------------------------------
# Loading and the registry


def _read_json(*parts: str) -> dict[str, Any]:
    node = resources.files("lineage") / "openlineage" / "schemas"
    for part in parts:
        node = node / part
    data = json.loads(node.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError(f"schema file {'/'.join(parts)} does not hold a JSON object")
    return data


@lru_cache(maxsize=1)
def _schema_files() -> dict[str, dict[str, Any]]:
    """Each schema file's contents by its ``$id``: the core first, then the facets."""
    files = [_read_json("OpenLineage.json")]
    names = sorted({f.name for f in STANDARD_FACETS})
    files += [_read_json("facets", f"{name}.json") for name in names]
    return {str(contents["$id"]): contents for contents in files}


# A spec URI of any version: facets/1-1-1/ParentRunFacet.json or 2-0-1/OpenLineage.json.
_SPEC_URI = re.compile(
    r"https://openlineage\.io/spec/(?P<facets>facets/)?(?P<version>[0-9]+-[0-9]+-[0-9]+)/"
    r"(?P<name>[A-Za-z]+)\.json"
)


def _retrieve_other_version(uri: str) -> Resource[Any]:
    """Resolve another version of a known schema file to the version lineage has.

    Newer facet versions mostly add optional fields, so the current schema is the one to apply
    to what older clients send (the validator picks it by the facet's key anyway). The core
    resolves for 2-x versions only (1-x used ``definitions``, not ``$defs``).
    """
    match = _SPEC_URI.fullmatch(uri)
    if match is not None:
        name = match["name"]
        if match["facets"] and name in {f.name for f in STANDARD_FACETS}:
            current = next(f for f in STANDARD_FACETS if f.name == name).schema_id
            return DRAFT202012.create_resource(_schema_files()[current])
        if not match["facets"] and name == "OpenLineage" and match["version"].startswith("2-"):
            return DRAFT202012.create_resource(_schema_files()[CORE_SCHEMA_ID])
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@lru_cache(maxsize=1)
def schema_registry() -> Registry[Any]:
    """Return the registry of the core and standard facet schemas, built once.

    Every schema is registered under its ``$id``, so ``$ref``s between the files resolve offline.
    Other versions of the same files (an older ``_schemaURL`` such as
    ``https://openlineage.io/spec/facets/1-1-1/ParentRunFacet.json``) resolve to the version
    lineage has.

    Returns:
        A :class:`referencing.Registry`; ``schema_registry().resolver().lookup(url)`` resolves a
        ``_schemaURL`` with its ``#/$defs/...`` fragment.
    """
    registry: Registry[Any] = Registry(retrieve=_retrieve_other_version)  # type: ignore[call-arg]
    registry = registry.with_resources(
        (uri, DRAFT202012.create_resource(contents)) for uri, contents in _schema_files().items()
    )
    return registry.crawl()


# --------------------------------------------------------------------------------------------
# Formats

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE_TIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]"
    r"(?P<hms>[0-9]{2}:[0-9]{2}:(?P<second>[0-9]{2}))(?:\.[0-9]+)?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:.+", re.DOTALL)

_FORMAT_CHECKER: Final = FormatChecker(formats=())


@_FORMAT_CHECKER.checks("uuid")  # type: ignore[untyped-decorator]
def _is_uuid(instance: object) -> bool:
    """A UUID in its 8-4-4-4-12 hex form (any version)."""
    return not isinstance(instance, str) or _UUID.fullmatch(instance) is not None


@_FORMAT_CHECKER.checks("date-time")  # type: ignore[untyped-decorator]
def _is_date_time(instance: object) -> bool:
    """An RFC 3339 date-time, which must have a timezone offset or ``Z``."""
    if not isinstance(instance, str):
        return True
    match = _DATE_TIME.fullmatch(instance)
    if match is None:
        return False
    # fromisoformat checks the calendar and the offset; the fraction is left out (Python 3.10
    # only parses 3 or 6 digits) and a leap second is read as :59.
    hms = match["hms"][:-2] + "59" if match["second"] == "60" else match["hms"]
    offset = "+00:00" if match["offset"] in ("Z", "z") else match["offset"]
    try:
        datetime.fromisoformat(f"{match['date']}T{hms}{offset}")
    except ValueError:
        return False
    return True


@_FORMAT_CHECKER.checks("uri")  # type: ignore[untyped-decorator]
def _is_uri(instance: object) -> bool:
    """A URI: a scheme, a colon and something after it."""
    return not isinstance(instance, str) or _URI.fullmatch(instance) is not None


# --------------------------------------------------------------------------------------------
# Validators
#
# jsonschema is the reference, but it needs about 1 ms for an event with a few facets (each
# subschema it enters builds a new validator, each $ref a new resolver). So every schema is also
# compiled, once, into plain Python predicates that answer only "valid or not" (about 20 times
# faster). They cover the keywords these schemas use, with jsonschema's meaning; an unknown
# keyword fails the compilation. An event they accept is accepted; for one they reject,
# jsonschema finds and words the error (and has the last word: no error found, event accepted).

_Predicate = Callable[[object], bool]

#: Keywords that never affect validity (unknown keywords are annotations in 2020-12 as well, but
#: the compiler refuses them so that a new validation keyword cannot go unnoticed).
_ANNOTATIONS: Final = frozenset(
    {"$schema", "$id", "$defs", "$comment", "description", "title", "deprecated", "examples"}
)
_FORMATS: Final[Mapping[str, _Predicate]] = {
    "uuid": _is_uuid,
    "date-time": _is_date_time,
    "uri": _is_uri,
}


def _valid(instance: object) -> bool:
    return True


def _invalid(instance: object) -> bool:
    return False


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# The JSON types as jsonschema's draft 2020-12 type checker sees them.
_TYPES: Final[Mapping[str, _Predicate]] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


def _all_of(predicates: list[_Predicate]) -> _Predicate:
    if not predicates:
        return _valid
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda instance: first(instance) and second(instance)
    checks = tuple(predicates)

    def check(instance: object) -> bool:
        for predicate in checks:  # noqa: SIM110 - a loop is faster than all() on a generator
            if not predicate(instance):
                return False
        return True

    return check


class _Compiler:
    """Compiles schemas (``$ref``s resolved through the registry) into predicates."""

    def __init__(self, registry: Registry[Any]) -> None:
        self._registry = registry
        self._done: dict[int, _Predicate] = {}

    def url(self, url: str) -> _Predicate:
        resolved = self._registry.resolver().lookup(url)
        return self.schema(resolved.contents, resolved.resolver)

    def schema(self, schema: object, resolver: Any) -> _Predicate:
        if schema is True:
            return _valid
        if schema is False:
            return _invalid
        if not isinstance(schema, dict):
            raise TypeError(f"not a schema: {schema!r}")
        key = id(schema)
        if key in self._done:
            return self._done[key]
        # A schema reached again while it is compiled ($ref to itself) calls the cell's predicate.
        cell: list[_Predicate] = []
        self._done[key] = lambda instance: cell[0](instance)
        if "$id" in schema:
            resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
        predicate = _all_of(
            [
                self._keyword(name, value, schema, resolver)
                for name, value in schema.items()
                if name not in _ANNOTATIONS
            ]
        )
        cell.append(predicate)
        self._done[key] = predicate
        return predicate

    def _keyword(
        self, name: str, value: Any, schema: Mapping[str, Any], resolver: Any
    ) -> _Predicate:
        if name == "$ref":
            resolved = resolver.lookup(value)
            return self.schema(resolved.contents, resolved.resolver)
        if name == "type":
            if isinstance(value, str):
                return _TYPES[value]
            checks = [_TYPES[v] for v in value]
            return lambda instance: any(check(instance) for check in checks)
        if name == "properties":
            props = [(prop, self.schema(sub, resolver)) for prop, sub in value.items()]

            def properties(instance: object) -> bool:
                if not isinstance(instance, dict):
                    return True
                for prop, check in props:
                    if prop in instance and not check(instance[prop]):
                        return False
                return True

            return properties
        if name == "required":
            names = frozenset(value)
            return lambda instance: not isinstance(instance, dict) or names <= instance.keys()
        if name == "additionalProperties":
            if "patternProperties" in schema:
                raise ValueError("patternProperties is not supported")
            known = frozenset(schema.get("properties", ()))
            check = self.schema(value, resolver)
            if check is _valid:
                return _valid

            def additional(instance: object) -> bool:
                if isinstance(instance, dict):
                    for prop, item in instance.items():
                        if prop not in known and not check(item):
                            return False
                return True

            return additional
        if name == "items":
            if "prefixItems" in schema:
                raise ValueError("prefixItems is not supported")
            check = self.schema(value, resolver)

            def items(instance: object) -> bool:
                if isinstance(instance, list):
                    for item in instance:
                        if not check(item):
                            return False
                return True

            return items
        if name == "enum":
            if not all(isinstance(v, str) for v in value):
                raise ValueError("only enums of strings are supported")
            allowed = frozenset(value)
            return lambda instance: isinstance(instance, str) and instance in allowed
        if name == "format":
            check = _FORMATS.get(value, _valid)
            return lambda instance: not isinstance(instance, str) or check(instance)
        if name == "minimum":
            return lambda instance: not _is_number(instance) or instance >= value
        if name in ("allOf", "anyOf", "oneOf"):
            checks = [self.schema(sub, resolver) for sub in value]
            if name == "allOf":
                return _all_of(checks)
            if name == "anyOf":
                if len(checks) == 1:
                    return checks[0]
                return lambda instance: any(check(instance) for check in checks)
            return lambda instance: sum(1 for check in checks if check(instance)) == 1
        if name == "not":
            check = self.schema(value, resolver)
            return lambda instance: not check(instance)
        raise ValueError(f"keyword {name!r} is not supported by the compiled checks")


@dataclass(frozen=True)
class _Schema:
    """One schema: its compiled predicate and its jsonschema validator."""

    is_valid: _Predicate
    validator: Any


@dataclass(frozen=True)
class _Validators:
    events: Mapping[str, _Schema]
    facets: Mapping[tuple[str, str], _Schema]


@lru_cache(maxsize=1)
def _validators() -> _Validators:
    registry = schema_registry()
    compiler = _Compiler(registry)
    by_url: dict[str, _Schema] = {}

    def build(url: str) -> _Schema:
        if url not in by_url:
            schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": url}
            validator = Draft202012Validator(
                schema, registry=registry, format_checker=_FORMAT_CHECKER
            )
            by_url[url] = _Schema(is_valid=compiler.url(url), validator=validator)
        return by_url[url]

    events = {kind: build(f"{CORE_SCHEMA_ID}#/$defs/{kind}") for kind in EVENT_KINDS}
    facets = {(f.kind, f.key): build(f.schema_url) for f in STANDARD_FACETS}
    return _Validators(events=events, facets=facets)


# --------------------------------------------------------------------------------------------
# Errors

_Path = tuple[str | int, ...]
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_$@-]+")


class _Problem(Exception):
    """One problem in one event: where to point the message, the faulty field and the text."""

    def __init__(self, where: _Path, text: str, field: _Path | None = None) -> None:
        super().__init__(text)
        self.where = where
        self.text = text
        self.field = where if field is None else field


def _dotted(path: _Path) -> str:
    """``('inputs', 0, 'facets', 'a.b')`` -> ``inputs[0].facets["a.b"]``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part)}]")
    return "".join(out)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_JSON_TYPES: Final = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return type(value).__name__


_FORMAT_HINTS: Final = {
    "date-time": " (an RFC 3339 date-time with a timezone, such as 2024-05-01T12:00:00Z)",
    "uri": " (a URI with a scheme, such as https://...)",
}


def _problem(error: ValidationError, prefix: _Path) -> _Problem:
    """Turn a jsonschema error into a :class:`_Problem` with plain words and the field's path."""
    path: _Path = prefix + tuple(error.absolute_path)
    keyword = error.validator
    instance = error.instance
    value = error.validator_value
    if keyword == "required" and isinstance(instance, Mapping):
        missing = next((name for name in value if name not in instance), value[0])
        return _Problem(path, f"'{missing}' is a required field", path + (missing,))
    if keyword == "format":
        hint = _FORMAT_HINTS.get(value, "")
        return _Problem(path, f"{_show(instance)} is not a valid {value}{hint}")
    if keyword == "enum":
        allowed = ", ".join(str(v) for v in value)
        return _Problem(path, f"{_show(instance)} is not one of {allowed}")
    if keyword == "type":
        wanted = [value] if isinstance(value, str) else list(value)
        expected = " or ".join(_JSON_TYPES.get(w, w) for w in wanted)
        return _Problem(path, f"expected {expected}, got {_json_type(instance)}")
    if keyword == "additionalProperties" and isinstance(instance, Mapping):
        known = error.schema.get("properties", {})
        extra = next((name for name in instance if name not in known), None)
        if extra is not None:
            return _Problem(path, f"'{extra}' is not an allowed field", path + (extra,))
    if keyword == "minimum":
        return _Problem(path, f"{_show(instance)} is less than the minimum of {value}")
    return _Problem(path, str(error.message))


def _best(errors: Iterable[ValidationError]) -> ValidationError | None:
    """The error to report: the shallowest, then inside an anyOf or oneOf the deepest branch."""
    best = max(errors, key=relevance, default=None)
    while best is not None and best.context:
        best = min(best.context, key=relevance)
    return best


def _check(schema: _Schema, instance: object, prefix: _Path) -> None:
    """Raise the :class:`_Problem` of ``instance`` under ``schema``, if it has one."""
    if schema.is_valid(instance):
        return
    best = _best(schema.validator.iter_errors(instance))
    if best is not None:  # else the reference finds no error, and its word is the last
        raise _problem(best, prefix)


# --------------------------------------------------------------------------------------------
# Events

#: (path of a facets map, its kind, the map) for each facets map of an event; unchecked.
_FacetsMap = tuple[_Path, str, object]


def _facets_maps(event: Mapping[str, Any], kind: str) -> Iterator[_FacetsMap]:
    if kind == "DatasetEvent":
        dataset = event.get("dataset")
        if isinstance(dataset, Mapping):
            yield ("dataset", "facets"), "dataset", dataset.get("facets")
        return
    run = event.get("run")
    if kind == "RunEvent" and isinstance(run, Mapping):
        yield ("run", "facets"), "run", run.get("facets")
    job = event.get("job")
    if isinstance(job, Mapping):
        yield ("job", "facets"), "job", job.get("facets")
    for side, own_key, own_kind in (
        ("inputs", "inputFacets", "inputDataset"),
        ("outputs", "outputFacets", "outputDataset"),
    ):
        datasets = event.get(side)
        if isinstance(datasets, list):
            for i, dataset in enumerate(datasets):
                if isinstance(dataset, Mapping):
                    yield (side, i, "facets"), "dataset", dataset.get("facets")
                    yield (side, i, own_key), own_kind, dataset.get(own_key)


def _is_deleted(facet: object) -> bool:
    return isinstance(facet, Mapping) and facet.get("_deleted") is True


def _replaced(node: Any, path: _Path, value: object) -> Any:
    """A copy of ``node`` with ``value`` at ``path``, copying only the containers on the path."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy: Any = list(node) if isinstance(node, list) else dict(node)
    copy[head] = _replaced(node[head], rest, value)
    return copy


def _kind_of(event: Mapping[str, Any]) -> str:
    """The event's kind by its shape, as the core's ``oneOf`` would choose it.

    A RunEvent needs ``run`` and ``job``; a DatasetEvent ``dataset`` and not both ``run`` and
    ``job``; a JobEvent ``job`` and no ``run``.
    """
    if "run" in event:
        if "job" not in event and "dataset" in event:
            return "DatasetEvent"
        return "RunEvent"
    if "dataset" in event:
        if "job" in event:
            raise _Problem(
                ("job",),
                "an event with 'dataset' and no 'run' must not have 'job' (it would be both a "
                "dataset event and a job event)",
            )
        return "DatasetEvent"
    if "job" in event:
        return "JobEvent"
    raise _Problem(
        (),
        "'run' is a required field (a run event has 'run' and 'job', a job event 'job', a "
        "dataset event 'dataset')",
        ("run",),
    )


def _validate(event: object) -> str:
    if not isinstance(event, dict):
        raise _Problem((), "an OpenLineage event must be a JSON object")
    kind = _kind_of(event)
    validators = _validators()
    maps = list(_facets_maps(event, kind))
    # Deleted job and dataset facets skip every check: validate a copy without them.
    checked: Any = event
    for i, (path, facet_kind, facets) in enumerate(maps):
        if (
            facet_kind in ("job", "dataset")
            and isinstance(facets, Mapping)
            and any(_is_deleted(facet) for facet in facets.values())
        ):
            kept = {key: facet for key, facet in facets.items() if not _is_deleted(facet)}
            checked = _replaced(checked, path, kept)
            maps[i] = (path, facet_kind, kept)
    _check(validators.events[kind], checked, ())
    # The core passed, so every facets map present is an object of objects.
    for path, facet_kind, facets in maps:
        if isinstance(facets, Mapping):
            for key, facet in facets.items():
                schema = validators.facets.get((facet_kind, key))
                if schema is not None:
                    _check(schema, facet, path + (key,))
    return kind


def _error(problem: _Problem, index: int | None = None) -> EventValidationError:
    where = _dotted(problem.where)
    field = _dotted(problem.field)
    if index is not None:
        where = f"[{index}].{where}" if where else f"[{index}]"
        field = f"[{index}].{field}" if field else f"[{index}]"
    message = f"{where}: {problem.text}" if where else problem.text
    return EventValidationError(message, field=field)


def validate_event(event: object) -> str:
    """Check one OpenLineage event (parsed JSON) against the OpenLineage 2-0-2 schemas.

    Args:
        event: The parsed JSON body of the event.

    Returns:
        The event's kind: ``"RunEvent"``, ``"DatasetEvent"`` or ``"JobEvent"``.

    Raises:
        EventValidationError: The event does not follow the schemas. ``field`` is the path of the
            offending field (``run.runId``, ``inputs[0].namespace``; ``""`` when the event is not
            an object) and the message names the path and the problem.
    """
    try:
        return _validate(event)
    except _Problem as problem:
        raise _error(problem) from None


def validate_batch(events: object) -> list[str]:
    """Check a batch of OpenLineage events: a JSON array, each item as :func:`validate_event`.

    Args:
        events: The parsed JSON body of the batch.

    Returns:
        The kind of each event, in order.

    Raises:
        EventValidationError: The batch is not an array (``field`` ``""``) or an item does not
            follow the schemas; then ``field`` and the message start with the item's index, as in
            ``[3].run.runId``.
    """
    if not isinstance(events, list):
        raise EventValidationError(
            f"a batch of OpenLineage events must be a JSON array, got {_json_type(events)}",
            field="",
        )
    kinds: list[str] = []
    for index, event in enumerate(events):
        try:
            kinds.append(_validate(event))
        except _Problem as problem:
            raise _error(problem, index) from None
    return kinds
