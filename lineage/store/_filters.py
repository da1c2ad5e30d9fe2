"""Compile a resolved ``filter_query`` tree to a SQLAlchemy Core ``SELECT`` of node ids.

The compiled statement is::

    SELECT DISTINCT n.id FROM <Node> AS n
      [LEFT OUTER JOIN Type ...]                       -- only if `type` is used
      [LEFT OUTER JOIN <Node>Property AS p1 ON ...]    -- one per distinct property
      [LEFT OUTER JOIN <link> ... LEFT OUTER JOIN <neighbour> ...]  -- one chain per alias
    WHERE <the query>

Every literal of the query, property names and ``LIKE`` patterns included, is a bound parameter;
no text of the query is ever pasted into SQL (SQL aliases are generated: ``n``, ``p1``, ``x1``...).

Semantics (MLMD 1.17.1, reference §4, with the differences below):

* ``type`` is the name of the node's type; ``type_id``, ``id``, ``name``, ``external_id``,
  ``create_time_since_epoch``, ``last_update_time_since_epoch``, ``uri``, ``state`` and
  ``last_known_state`` are the node's columns.
* ``properties.p.F`` reads column ``F`` of the property row with ``name = p`` and
  ``is_custom_property`` false (``custom_properties``: true).
* Neighbours: ``contexts_a`` is a context the node is attributed to (artifacts, through
  ``Attribution``) or associated with (executions, ``Association``); ``events_a`` an ``Event`` row
  of the node; ``parent_contexts_a`` / ``child_contexts_a`` a parent / child of a context through
  ``ParentContext`` (whose ``context_id`` is the child); ``artifacts_a`` / ``executions_a`` an
  artifact / execution of a context. ``.type`` of a context, artifact or execution neighbour is
  its type name; ``events_a.type`` is the event type enum. All predicates on one alias talk
  about the same neighbour row; different aliases are independent. Results are distinct ids.
* Enums: ``x != V`` and ``x NOT IN (...)`` also match a NULL ``x`` (MLMD's rewrite);
  ``x = V`` and ``x IN (...)`` do not. ``<>`` is the same as ``!=``.
* ``/`` divides exactly (``5 / 2 = 2.5``), as in ZetaSQL; dividing by zero gives NULL on SQLite
  and MySQL and an error (InternalError) on PostgreSQL.
* ``LIKE`` uses ``\\`` as its escape character on every backend (``ESCAPE '\\'``).

Where we differ from MLMD (which joins every property and neighbour with an INNER JOIN):

* Properties and neighbours are LEFT OUTER JOINs, and a predicate about a property or neighbour
  the node does not have is UNKNOWN (SQL NULL), never TRUE or FALSE. So ``NOT``, ``AND`` and a
  single predicate behave exactly as in MLMD (such a node never matches), but ``OR`` is evaluated
  per operand: ``properties.a.int_value = 1 OR properties.b.string_value = 'x'`` matches a node
  that has only one of the two properties (in MLMD only nodes having both can match).
* ``IS NULL`` / ``IS NOT NULL`` on an expression that reads a property or neighbour is evaluated
  only where those rows exist (``CASE WHEN <rows exist> THEN x IS NULL END``): as in MLMD,
  ``properties.n.double_value IS NULL`` matches exactly the nodes that HAVE property ``n`` with no
  double value (e.g. an int property), and ``NOT (properties.n.double_value IS NULL)`` still
  needs the property. The same rule guards the ``IS NULL`` that the enum ``!=`` / ``NOT IN``
  rewrite adds for neighbour enums.

Backend notes (not fought): on MySQL/MariaDB, ``=``, ``<``, ``IN`` and ``LIKE`` on strings follow
the column collation, which is case-insensitive (and ignores trailing spaces for ``=``) by
default; that includes property-name matching. On SQLite, ``LIKE`` is case-insensitive for ASCII
letters (as it is for ml-metadata on SQLite); PostgreSQL is case-sensitive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement, Grouping, Null

from lineage.errors import InvalidArgumentError
from lineage.query import (
    KINDS,
    And,
    Arithmetic,
    Attribute,
    Between,
    BoolLiteral,
    Comparison,
    EnumValue,
    Expr,
    FloatLiteral,
    FunctionCall,
    InList,
    IntLiteral,
    IsNull,
    Like,
    Negate,
    NeighborRef,
    Not,
    NullLiteral,
    Or,
    PropertyRef,
    StringLiteral,
    ValueType,
    parse_filter,
    walk,
)
from lineage.store._schema import Tables

__all__ = ["CompiledFilter", "compile_filter", "filter_node_ids"]

_SQL_TYPES: dict[str, Callable[[], sa.types.TypeEngine[Any]]] = {
    "INT64": sa.BigInteger,
    "DOUBLE": sa.Double,
    "STRING": sa.String,
    "BOOL": sa.Boolean,
    "Artifact.State": sa.Integer,
    "Execution.State": sa.Integer,
    "Event.Type": sa.Integer,
}
_COMPARE: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], ColumnElement[Any]]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}
_GROUP = 16
_CONTEXT_RELATIONS = frozenset({"contexts", "parent_contexts", "child_contexts"})
_VALUE_COLUMNS = frozenset({"int_value", "double_value", "string_value", "bool_value"})
_OWNER_COLUMNS = {"artifact": "artifact_id", "execution": "execution_id", "context": "context_id"}


@dataclass(frozen=True)
class CompiledFilter:
    """A compiled ``filter_query``.

    Attributes:
        select: ``SELECT DISTINCT node.id FROM <from_clause> WHERE <where>``.
        node: The aliased node table (alias ``n``) that ``select`` reads; reference its columns
            for ORDER BY or keyset paging (``compiled.select.where(compiled.node.c.id > 5)``).
        from_clause: The node table with all joins the query needs.
        where: The compiled predicate.
        needs_distinct: False when no join can repeat a node (only property and type joins), so
            a caller building its own select from ``from_clause`` and ``where`` may skip DISTINCT.
        ids: The matching ids, possibly repeated, for ``id IN (...)``: without DISTINCT, and
            when the whole filter is one context condition, just that condition's link select.
        flat: True when ``ids`` is that link select (it does not read the node table).
    """

    select: sa.Select[tuple[int]]
    node: sa.FromClause
    from_clause: sa.FromClause
    where: ColumnElement[bool]
    needs_distinct: bool
    ids: sa.Select[Any]
    flat: bool = False


def filter_node_ids(expr_or_text: Expr | str, kind: str, tables: Tables) -> CompiledFilter:
    """Compile a ``filter_query`` (text or parsed tree) for nodes of ``kind``.

    Args:
        expr_or_text: Query text, parsed with :func:`lineage.query.parse_filter`, or a tree it
            returned.
        kind: ``'artifact'``, ``'execution'`` or ``'context'``.
        tables: The schema models of the target dialect.

    Returns:
        The compiled filter.

    Raises:
        FilterQueryError: If the text does not parse or type-check.
        InvalidArgumentError: If ``kind`` is unknown or the tree names something ``kind``
            does not have.
    """
    expr = parse_filter(expr_or_text, kind) if isinstance(expr_or_text, str) else expr_or_text
    return compile_filter(expr, kind, tables)


def compile_filter(expr: Expr, kind: str, tables: Tables, *, plan: bool = True) -> CompiledFilter:
    """Compile a resolved ``filter_query`` tree to a select of node ids.

    Args:
        expr: A tree returned by :func:`lineage.query.parse_filter` for the same ``kind``.
        kind: ``'artifact'``, ``'execution'`` or ``'context'``.
        tables: The schema models of the target dialect.
        plan: Use inner joins and context semi-joins where they select the same nodes (the
            default); False joins every row with a LEFT JOIN, the plain form of the semantics.

    Returns:
        The compiled filter; see :class:`CompiledFilter`.

    Raises:
        InvalidArgumentError: If ``kind`` is unknown or the tree names something ``kind``
            does not have.
    """
    if kind not in KINDS:
        raise InvalidArgumentError(
            f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}"
        )
    compiler = _Compiler(kind, tables)
    outer, semi = _split_conjuncts(expr) if plan else ([expr], {})
    where = _balanced(sa.and_, [compiler.boolean(e) for e in outer]) if outer else sa.true()
    semi_where = {
        key: _balanced(sa.and_, [compiler.boolean(e) for e in conjuncts])
        for key, conjuncts in semi.items()
    }
    required = _not_true_when_missing(expr) if plan else set()
    from_clause: sa.FromClause = compiler.node
    sub_from: dict[_RowKey, sa.FromClause] = {}
    for alias, onclause, owner in compiler.joins:
        if owner in semi:
            # The first join of a neighbour links it to the node; the subquery selects that
            # link's node column instead.
            if owner in sub_from:
                sub_from[owner] = sub_from[owner].join(alias, onclause)
            else:
                sub_from[owner] = alias
        elif owner is not None and owner in required:
            # Rows are LEFT JOINed (OR across properties and neighbours means OR), but where
            # the whole filter cannot be true without the row, an inner join says the same
            # and lets the planner start from the selective side.
            from_clause = from_clause.join(alias, onclause)
        else:
            from_clause = from_clause.outerjoin(alias, onclause)
    members: sa.Select[Any] | None = None
    for key, condition in semi_where.items():
        anchor, column = compiler.anchors[key]
        members = sa.select(anchor.c[column]).select_from(sub_from[key]).where(condition)
        where = sa.and_(where, compiler.node.c.id.in_(members))
    select = sa.select(compiler.node.c.id).select_from(from_clause).where(where)
    ids = select
    if members is not None and not outer and len(semi) == 1 and not compiler.joins_outside(semi):
        ids = members  # the node table adds nothing when used as ``node.id IN (ids)``
    return CompiledFilter(
        select=select.distinct(),
        node=compiler.node,
        from_clause=from_clause,
        where=where,
        needs_distinct=any(key not in semi for key in compiler.neighbors),
        ids=ids,
        flat=ids is members,
    )


def _split_conjuncts(expr: Expr) -> tuple[list[Expr], dict[_RowKey, list[Expr]]]:
    """Split a filter into conditions on the node's own joins and semi-joins per neighbour.

    A top-level ``AND`` operand that reads one context alias and nothing else, and cannot be
    true without it, becomes ``node.id IN (SELECT <link> ... WHERE <operands>)`` when no other
    operand reads that alias: the same nodes (the alias is a different row only within the
    subquery), and the database evaluates the neighbour side once instead of joining every node
    (a context by name is then an index lookup, not a scan of Attribution). Contexts only: they
    are few, while the events or members of a neighbour side can be most of a table.
    """
    conjuncts = list(expr.operands) if isinstance(expr, And) else [expr]
    semi: dict[_RowKey, list[Expr]] = {}
    outer: list[Expr] = []
    for conjunct in conjuncts:
        reads = _reads(conjunct)
        if (
            len(reads) == 1
            and next(iter(reads))[0] in _CONTEXT_RELATIONS
            and reads <= _not_true_when_missing(conjunct)
        ):
            semi.setdefault(next(iter(reads)), []).append(conjunct)
        else:
            outer.append(conjunct)
    outer_reads = set().union(*(_reads(e) for e in outer))
    for key in [k for k in semi if k in outer_reads]:
        outer.extend(semi.pop(key))
    return outer, semi


def _reads(expr: Expr) -> set[_RowKey]:
    """The property and neighbour rows ``expr`` reads; ``("node",)`` for the node's own columns."""
    found: set[_RowKey] = set()
    for node in walk(expr):
        if isinstance(node, (PropertyRef, NeighborRef)):
            found.add(_row_key(node))
        elif isinstance(node, Attribute):
            found.add(("node",))
    return found


@dataclass
class _Neighbor:
    row: sa.FromClause  # the neighbour's row: a Context, Artifact, Execution or Event alias
    type_table: sa.FromClause | None = None


@dataclass
class _Compiler:
    kind: str
    tables: Tables
    node: sa.FromClause = field(init=False)
    # (alias, ON clause, the property or neighbour key the joined row belongs to)
    joins: list[tuple[sa.FromClause, ColumnElement[bool], _RowKey | None]] = field(
        default_factory=list
    )
    properties: dict[tuple[bool, str], sa.FromClause] = field(default_factory=dict)
    neighbors: dict[tuple[str, str], _Neighbor] = field(default_factory=dict)
    # neighbour key -> (its first joined alias, that alias's column holding the node's id)
    anchors: dict[_RowKey, tuple[sa.FromClause, str]] = field(default_factory=dict)
    node_type: sa.FromClause | None = None
    counter: int = 0

    def __post_init__(self) -> None:
        self.node = self._table(self.kind).alias("n")

    # tables and joins ------------------------------------------------------------------

    def _table(self, name: str) -> sa.Table:
        table = getattr(self.tables, name)
        assert isinstance(table, sa.Table)
        return table

    def _alias(self, name: str, prefix: str) -> sa.FromClause:
        self.counter += 1
        return self._table(name).alias(f"{prefix}{self.counter}")

    def _join(
        self, alias: sa.FromClause, onclause: ColumnElement[bool], owner: _RowKey | None = None
    ) -> None:
        self.joins.append((alias, onclause, owner))

    def joins_outside(self, keys: Any) -> bool:
        """Whether any join belongs to no key of ``keys`` (the node's type, a property, ...)."""
        return any(owner is None or owner not in keys for _, _, owner in self.joins)

    def _anchor(self, alias: sa.FromClause, column: str, key: _RowKey) -> None:
        """Join a neighbour's first table, whose ``column`` holds the node's id."""
        self.anchors[key] = (alias, column)
        self._join(alias, alias.c[column] == self.node.c.id, key)

    def _type_of(self, row: sa.FromClause, owner: _RowKey | None = None) -> sa.FromClause:
        alias = self._alias("type", "t")
        self._join(alias, alias.c.id == row.c.type_id, owner)
        return alias

    def _property(self, ref: PropertyRef) -> sa.FromClause:
        key = (ref.custom, ref.name)
        alias = self.properties.get(key)
        if alias is None:
            alias = self._alias(f"{self.kind}_property", "p")
            owner = alias.c[_OWNER_COLUMNS[self.kind]]
            self._join(
                alias,
                sa.and_(
                    owner == self.node.c.id,
                    alias.c.name == sa.literal(ref.name, sa.String()),
                    alias.c.is_custom_property == sa.literal(ref.custom, sa.Boolean()),
                ),
                _row_key(ref),
            )
            self.properties[key] = alias
        return alias

    def _neighbor(self, ref: NeighborRef) -> _Neighbor:
        key = (ref.relation, ref.alias)
        found = self.neighbors.get(key)
        if found is not None:
            return found
        relation = (self.kind, ref.relation)
        if relation in (("artifact", "contexts"), ("execution", "contexts")):
            link_table = "attribution" if self.kind == "artifact" else "association"
            link = self._alias(link_table, "l")
            self._anchor(link, _OWNER_COLUMNS[self.kind], key)
            row = self._alias("context", "x")
            self._join(row, row.c.id == link.c.context_id, key)
        elif relation in (("artifact", "events"), ("execution", "events")):
            row = self._alias("event", "e")
            self._anchor(row, _OWNER_COLUMNS[self.kind], key)
        elif relation in (("context", "parent_contexts"), ("context", "child_contexts")):
            link = self._alias("parent_context", "l")
            row = self._alias("context", "x")
            if ref.relation == "parent_contexts":
                self._anchor(link, "context_id", key)
                self._join(row, row.c.id == link.c.parent_context_id, key)
            else:
                self._anchor(link, "parent_context_id", key)
                self._join(row, row.c.id == link.c.context_id, key)
        elif relation in (("context", "artifacts"), ("context", "executions")):
            target = "artifact" if ref.relation == "artifacts" else "execution"
            link = self._alias("attribution" if target == "artifact" else "association", "l")
            self._anchor(link, "context_id", key)
            row = self._alias(target, "x")
            self._join(row, row.c.id == link.c[_OWNER_COLUMNS[target]], key)
        else:
            raise InvalidArgumentError(
                f"{ref.relation}_{ref.alias} is not available when filtering {self.kind}s"
            )
        found = _Neighbor(row)
        self.neighbors[key] = found
        return found

    # references ------------------------------------------------------------------------

    def _column(self, table: sa.FromClause, name: str, vtype: ValueType) -> ColumnElement[Any]:
        if name not in table.c:
            raise InvalidArgumentError(f"{name!r} cannot be used when filtering {self.kind}s")
        return sa.type_coerce(table.c[name], _SQL_TYPES[vtype]())

    def _reference(self, expr: Attribute | PropertyRef | NeighborRef) -> ColumnElement[Any]:
        if isinstance(expr, Attribute):
            if expr.name == "type":
                if self.node_type is None:
                    self.node_type = self._type_of(self.node)
                return self._column(self.node_type, "name", "STRING")
            return self._column(self.node, expr.name, expr.type)
        if isinstance(expr, PropertyRef):
            if expr.field not in _VALUE_COLUMNS:
                raise InvalidArgumentError(f"{expr.field!r} is not a property value field")
            return self._column(self._property(expr), expr.field, expr.type)
        neighbor = self._neighbor(expr)
        if expr.field == "type" and expr.relation != "events":
            if neighbor.type_table is None:
                neighbor.type_table = self._type_of(neighbor.row, _row_key(expr))
            return self._column(neighbor.type_table, "name", "STRING")
        return self._column(neighbor.row, expr.field, expr.type)

    def _exists(self, expr: Expr) -> list[ColumnElement[bool]]:
        """Conditions that all property and neighbour rows ``expr`` reads exist."""
        conditions: list[ColumnElement[bool]] = []
        seen: set[tuple[str, bool, str]] = set()
        for node in walk(expr):
            if isinstance(node, PropertyRef):
                key = ("property", node.custom, node.name)
                row = self._property(node)
                column = row.c[_OWNER_COLUMNS[self.kind]]
            elif isinstance(node, NeighborRef):
                key = (node.relation, False, node.alias)
                row = self._neighbor(node).row
                column = row.c.id
            else:
                continue
            if key not in seen:
                seen.add(key)
                conditions.append(column.is_not(None))
        return conditions

    def _null_test(self, expr: Expr, negated: bool) -> ColumnElement[bool]:
        """``expr IS [NOT] NULL``, UNKNOWN where a property or neighbour row is missing."""
        value = self.value(expr)
        test = value.is_not(None) if negated else value.is_(None)
        exists = self._exists(expr)
        if not exists:
            return test
        return sa.case((sa.and_(*exists), test), else_=sa.null())

    # expressions -----------------------------------------------------------------------

    def boolean(self, expr: Expr) -> ColumnElement[bool]:
        """Compile a BOOL-typed expression."""
        if isinstance(expr, And):
            return _balanced(sa.and_, [self.boolean(e) for e in expr.operands])
        if isinstance(expr, Or):
            return _balanced(sa.or_, [self.boolean(e) for e in expr.operands])
        if isinstance(expr, Not):
            return sa.not_(self.boolean(expr.operand))
        if isinstance(expr, Comparison):
            return self._comparison(expr)
        if isinstance(expr, InList):
            return self._in_list(expr)
        if isinstance(expr, Like):
            operand = self.value(expr.operand)
            pattern = self.value(expr.pattern)
            if isinstance(operand, Null) or isinstance(pattern, Null):
                return _null_bool()
            if expr.negated:
                return operand.not_like(pattern, escape="\\")
            return operand.like(pattern, escape="\\")
        if isinstance(expr, Between):
            operand = self.value(expr.operand)
            between = operand.between(self.value(expr.low), self.value(expr.high))
            return sa.not_(between) if expr.negated else between
        if isinstance(expr, IsNull):
            return self._null_test(expr.operand, expr.negated)
        value = self.value(expr)
        if isinstance(value, Null):
            return _null_bool()
        return sa.type_coerce(value, sa.Boolean())

    def _comparison(self, expr: Comparison) -> ColumnElement[bool]:
        left = self.value(expr.left)
        right = self.value(expr.right)
        if isinstance(left, Null) or isinstance(right, Null):
            return _null_bool()
        result = _COMPARE[expr.op](left, right)
        if expr.op == "!=":
            enum_side = _enum_attribute(expr.left, expr.right)
            if enum_side is not None:
                return sa.or_(result, self._null_test(enum_side, negated=False))
        return result

    def _in_list(self, expr: InList) -> ColumnElement[bool]:
        operand = self.value(expr.operand)
        if isinstance(operand, Null):
            return _null_bool()
        items = [self.value(item) for item in expr.items]
        if not expr.negated:
            return operand.in_(items)
        result = operand.not_in(items)
        if expr.items and all(isinstance(item, EnumValue) for item in expr.items):
            return sa.or_(result, self._null_test(expr.operand, negated=False))
        return result

    def value(self, expr: Expr) -> ColumnElement[Any]:
        """Compile any expression; a NULL literal compiles to ``sa.null()``."""
        if isinstance(expr, (Attribute, PropertyRef, NeighborRef)):
            return self._reference(expr)
        if isinstance(expr, IntLiteral):
            return sa.literal(expr.value, sa.BigInteger())
        if isinstance(expr, FloatLiteral):
            return sa.literal(expr.value, sa.Double())
        if isinstance(expr, StringLiteral):
            return sa.literal(expr.value, sa.String())
        if isinstance(expr, BoolLiteral):
            return sa.literal(expr.value, sa.Boolean())
        if isinstance(expr, EnumValue):
            return sa.literal(expr.value, sa.Integer())
        if isinstance(expr, NullLiteral):
            return sa.null()
        if isinstance(expr, Arithmetic):
            left = self.value(expr.left)
            right = self.value(expr.right)
            if isinstance(left, Null) or isinstance(right, Null):
                return sa.null()
            return _ARITHMETIC[expr.op](left, right)
        if isinstance(expr, Negate):
            operand = self.value(expr.operand)
            return operand if isinstance(operand, Null) else -operand
        if isinstance(expr, FunctionCall):
            return self._function(expr)
        if isinstance(expr, (And, Or, Not, Comparison, InList, Like, Between, IsNull)):
            return self.boolean(expr)
        raise InvalidArgumentError(
            f"cannot compile a {type(expr).__name__}; pass a tree from lineage.query.parse_filter"
        )

    def _function(self, expr: FunctionCall) -> ColumnElement[Any]:
        if len(expr.args) != 1:
            raise InvalidArgumentError(f"{expr.name} takes one argument, got {len(expr.args)}")
        arg = self.value(expr.args[0])
        if isinstance(arg, Null):
            return sa.null()
        name = expr.name.upper()
        if name == "LOWER":
            return sa.func.lower(arg, type_=sa.String())
        if name == "UPPER":
            return sa.func.upper(arg, type_=sa.String())
        if name == "LENGTH":
            return sa.func.char_length(arg, type_=sa.BigInteger())
        if name == "ABS":
            return sa.func.abs(arg, type_=arg.type)
        raise InvalidArgumentError(f"function {expr.name} is not supported in a filter_query")


def _balanced(
    combine: Callable[..., ColumnElement[bool]], clauses: list[ColumnElement[bool]]
) -> ColumnElement[bool]:
    """Combine many clauses as a shallow tree of parenthesised groups.

    A flat ``a OR b OR ...`` of thousands of operands is a deep tree for the database's parser
    (SQLite refuses expressions deeper than 1000); groups of at most 16 keep it logarithmic.
    """
    if len(clauses) <= _GROUP:
        return combine(*clauses)
    size = -(-len(clauses) // _GROUP)
    groups = [
        # type_coerce hides the group's operator, so SQLAlchemy keeps the parentheses.
        sa.type_coerce(Grouping(_balanced(combine, clauses[i : i + size])), sa.Boolean())
        for i in range(0, len(clauses), size)
    ]
    return combine(*groups)


def _null_bool() -> ColumnElement[bool]:
    """A boolean SQL NULL: the value of a comparison with a NULL literal."""
    return sa.type_coerce(sa.null(), sa.Boolean())


def _enum_attribute(left: Expr, right: Expr) -> Expr | None:
    """The enum-typed side of an enum comparison (``state != LIVE``), else None."""
    if isinstance(right, EnumValue):
        return left
    if isinstance(left, EnumValue):
        return right
    return None


# A property row (("property", custom, name)) or a neighbour row ((relation, alias)).
_RowKey = tuple[Any, ...]


def _row_key(ref: PropertyRef | NeighborRef) -> _RowKey:
    if isinstance(ref, PropertyRef):
        return ("property", ref.custom, ref.name)
    return (ref.relation, ref.alias)


def _null_when_missing(expr: Expr) -> set[_RowKey]:
    """Rows whose absence makes ``expr`` NULL, as compiled by :class:`_Compiler`.

    Every value expression propagates NULL, and the compiled ``IS NULL`` tests are UNKNOWN where
    a row they read is missing; ``AND`` / ``OR`` are NULL only when all their operands are.
    """
    if isinstance(expr, (PropertyRef, NeighborRef)):
        return {_row_key(expr)}
    if isinstance(expr, (And, Or)):
        sets = [_null_when_missing(e) for e in expr.operands]
        return set.intersection(*sets) if sets else set()
    if isinstance(expr, (Not, Negate, IsNull)):
        return _null_when_missing(expr.operand)
    if isinstance(expr, (Comparison, Arithmetic)):
        return _null_when_missing(expr.left) | _null_when_missing(expr.right)
    if isinstance(expr, Like):
        return _null_when_missing(expr.operand) | _null_when_missing(expr.pattern)
    if isinstance(expr, (InList, Between)):
        # NULL IN (..) and NULL BETWEEN .. are NULL; a NULL item or bound may not make them so.
        return _null_when_missing(expr.operand)
    if isinstance(expr, FunctionCall):
        return set().union(*(_null_when_missing(a) for a in expr.args))
    return set()


def _not_true_when_missing(expr: Expr) -> set[_RowKey]:
    """Rows without which ``expr`` cannot be TRUE, so an inner join selects the same nodes."""
    if isinstance(expr, And):
        return set().union(*(_not_true_when_missing(e) for e in expr.operands))
    if isinstance(expr, Or):
        sets = [_not_true_when_missing(e) for e in expr.operands]
        return set.intersection(*sets) if sets else set()
    # NOT x is not TRUE exactly when x is not FALSE: only a NULL x is safe.
    return _null_when_missing(expr)
