"""Name a node of the lineage graph in text: ``artifact:12``, ``Model:churn``, a URI or a name.

Every command that takes a node (``lineage show``, ``trace``, ``provenance``, ...) and every
Python caller that wants the same convenience uses :func:`resolve_node`. The forms, tried in this
order:

1. ``artifact:ID`` / ``execution:ID`` / ``context:ID``: the node with that id.
2. ``TYPE:NAME``: a node of that type with that name, searched among artifacts, executions and
   contexts (the text is split at each ``:`` in turn, so names and type names may hold colons);
   ``artifact:NAME`` / ``execution:NAME`` / ``context:NAME`` match any node of that kind by name.
3. A URI: the artifacts whose ``uri`` equals the text.
4. A bare name: any artifact, execution or context with that name.

The first form that matches anything decides. Nothing matching raises
:class:`~lineage.errors.NotFoundError` listing similar names and URIs; several matches raise
:class:`AmbiguousNodeError` listing them. The lookups use only the public ``MetadataStore`` API,
one query per node kind, however many candidates there are.

Example:
    >>> from lineage import MetadataStore, proto
    >>> store = MetadataStore("sqlite://")
    >>> model = store.put_artifact_type(proto.ArtifactType(name="Model"))
    >>> [a_id] = store.put_artifacts(
    ...     [proto.Artifact(type_id=model, name="churn", uri="s3://models/churn")]
    ... )
    >>> resolve_node(store, "Model:churn").id == a_id
    True
    >>> format_node_ref("artifact", resolve_node(store, "s3://models/churn").node)
    "artifact:1 (Model 'churn', uri s3://models/churn)"
    >>> store.close()
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.store._listing import ListOptions, OrderByField

__all__ = [
    "KINDS",
    "AmbiguousNodeError",
    "NodeKind",
    "NodeRef",
    "format_node_ref",
    "resolve_node",
]

NodeKind = Literal["artifact", "execution", "context"]
"""The three kinds of node in the lineage graph."""

KINDS: Final[tuple[NodeKind, ...]] = ("artifact", "execution", "context")

#: How many nodes of each kind (the most recently updated) are compared with an unknown name.
CANDIDATE_POOL: Final = 10_000
#: How many similar nodes a "not found" message lists.
MAX_SUGGESTIONS: Final = 5

_ID_FORM: Final = re.compile(r"^(artifact|execution|context):([0-9]+)$")
#: Characters no filter-query string literal can hold (NUL, unpaired surrogates).
_UNSEARCHABLE: Final = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class NodeRef:
    """A resolved node: its kind, id and the node itself.

    Attributes:
        kind: 'artifact', 'execution' or 'context'.
        id: The node's id.
        node: The ``Artifact``, ``Execution`` or ``Context`` proto, as the store returned it.
    """

    kind: NodeKind
    id: int
    node: Any

    @property
    def ref(self) -> str:
        """The node's unambiguous name, e.g. ``artifact:12``."""
        return f"{self.kind}:{self.id}"

    def __str__(self) -> str:
        return format_node_ref(self.kind, self.node)


class AmbiguousNodeError(InvalidArgumentError):
    """A node reference that matches several nodes.

    Attributes:
        candidates: The matching nodes, in kind then id order.
    """

    def __init__(
        self,
        message: str,
        error_code: int | None = None,
        candidates: Sequence[NodeRef] = (),
    ) -> None:
        super().__init__(message, error_code)
        self.candidates = tuple(candidates)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.error_code, self.candidates))


def format_node_ref(kind: str, node: Any) -> str:
    """Describe a node in one line, e.g. ``artifact:12 (Model 'churn', uri s3://m/churn)``.

    Args:
        kind: 'artifact', 'execution' or 'context'.
        node: The node proto (its ``type`` field names the type when the store filled it).

    Returns:
        ``KIND:ID`` followed by the type, the quoted name and, for artifacts, the URI.
    """
    details: list[str] = []
    head = node.type or f"type {node.type_id}"
    if node.name:
        head += f" {node.name!r}"
    details.append(head)
    if kind == "artifact" and node.uri:
        details.append(f"uri {node.uri}")
    return f"{kind}:{node.id} ({', '.join(details)})"


def resolve_node(store: Any, text: str) -> NodeRef:
    """Find the one node that ``text`` names (see the module docstring for the forms).

    Args:
        store: A ``lineage.MetadataStore`` (or anything with its public API).
        text: ``artifact:ID``, ``execution:ID``, ``context:ID``, ``TYPE:NAME``, a URI or a name.

    Returns:
        The node, as a :class:`NodeRef`.

    Raises:
        InvalidArgumentError: ``text`` is empty, not a string, or holds a NUL character or an
            unpaired surrogate (which no stored name can be searched for).
        NotFoundError: Nothing matches; the message lists similar nodes, if any.
        AmbiguousNodeError: Several nodes match; the message and ``candidates`` list them.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError(
            f"a node reference must be a non-empty string (artifact:ID, TYPE:NAME, a URI or a "
            f"name), got {text!r}"
        )
    bad = _UNSEARCHABLE.search(text)
    if bad:
        raise InvalidArgumentError(
            f"a node reference cannot contain the character U+{ord(bad.group()):04X}: {text!r}"
        )
    by_id = _ID_FORM.match(text)
    if by_id:
        kind = next(k for k in KINDS if k == by_id.group(1))
        return _by_id(store, kind, int(by_id.group(2)))
    typed, by_uri, by_name = _search(store, text)
    for tier in (typed, by_uri, by_name):
        if len(tier) == 1:
            return tier[0]
        if tier:
            raise AmbiguousNodeError(
                f"{text!r} matches {len(tier)} nodes: "
                + "; ".join(str(r) for r in tier)
                + ". Name one of them by KIND:ID",
                candidates=tier,
            )
    raise NotFoundError(_not_found_message(text, _suggestions(store, text)))


# ------------------------------------------------------------------------------- lookups
def _by_id(store: Any, kind: NodeKind, node_id: int) -> NodeRef:
    getter = getattr(store, f"get_{kind}s_by_id")
    found = getter([node_id])
    if not found:
        raise NotFoundError(f"no {kind} with id {node_id}")
    return NodeRef(kind=kind, id=int(found[0].id), node=found[0])


def _quote(value: str) -> str:
    """A filter-query string literal for ``value`` (no user text reaches SQL unquoted)."""
    out = []
    for c in value:
        if c in "\\'":
            out.append("\\" + c)
        elif c.isprintable():
            out.append(c)
        else:
            out.append(f"\\U{ord(c):08x}")
    return "'" + "".join(out) + "'"


def _split_points(text: str) -> list[tuple[str, str]]:
    """Every (TYPE, NAME) reading of ``text``, splitting at each colon."""
    return [
        (text[:i], text[i + 1 :]) for i, c in enumerate(text) if c == ":" and 0 < i < len(text) - 1
    ]


def _search(store: Any, text: str) -> tuple[list[NodeRef], list[NodeRef], list[NodeRef]]:
    """Nodes matching ``text`` as TYPE:NAME, as a URI and as a name: one query per kind."""
    pairs = _split_points(text)
    typed: list[NodeRef] = []
    by_uri: list[NodeRef] = []
    by_name: list[NodeRef] = []
    for kind in KINDS:
        clauses = [f"(type = {_quote(t)} AND name = {_quote(n)})" for t, n in pairs]
        clauses += [f"name = {_quote(n)}" for t, n in pairs if t == kind]
        clauses.append(f"name = {_quote(text)}")
        if kind == "artifact":
            clauses.append(f"uri = {_quote(text)}")
        options = ListOptions(filter_query=" OR ".join(clauses))
        for node in getattr(store, f"get_{kind}s")(list_options=options):
            ref = NodeRef(kind=kind, id=int(node.id), node=node)
            if any(node.name == n and (node.type == t or t == kind) for t, n in pairs):
                typed.append(ref)
            if kind == "artifact" and node.uri == text:
                by_uri.append(ref)
            if node.name == text:
                by_name.append(ref)
    return typed, by_uri, by_name


# ------------------------------------------------------------------------------- suggestions
def _keys(kind: str, node: Any) -> Iterable[str]:
    """The texts a user may have meant when naming ``node``."""
    if node.name:
        yield node.name
        if node.type:
            yield f"{node.type}:{node.name}"
    if kind == "artifact" and node.uri:
        yield node.uri


def _suggestions(store: Any, text: str) -> list[NodeRef]:
    """Nodes whose name, TYPE:NAME or URI is close to ``text`` (best first)."""
    options = ListOptions(limit=CANDIDATE_POOL, order_by=OrderByField.UPDATE_TIME, is_asc=False)
    by_key: dict[str, list[NodeRef]] = {}
    for kind in KINDS:
        for node in getattr(store, f"get_{kind}s")(list_options=options):
            ref = NodeRef(kind=kind, id=int(node.id), node=node)
            for key in _keys(kind, node):
                by_key.setdefault(key, []).append(ref)
    needle = text.lower()
    ranked = [k for k in by_key if needle in k.lower()]
    ranked.sort(key=lambda k: (len(k), k))
    ranked += difflib.get_close_matches(text, list(by_key), n=MAX_SUGGESTIONS * 2, cutoff=0.6)
    out: list[NodeRef] = []
    seen: set[tuple[str, int]] = set()
    for key in ranked:
        for ref in by_key[key]:
            if (ref.kind, ref.id) not in seen:
                seen.add((ref.kind, ref.id))
                out.append(ref)
    return out[:MAX_SUGGESTIONS]


def _not_found_message(text: str, suggestions: Sequence[NodeRef]) -> str:
    message = f"no node matches {text!r}"
    if suggestions:
        return message + "; did you mean: " + "; ".join(str(r) for r in suggestions) + "?"
    return message + (
        " (name a node as artifact:ID, execution:ID, context:ID, TYPE:NAME, a URI or a name)"
    )
