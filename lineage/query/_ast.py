"""The abstract syntax tree of a resolved ``filter_query``.

:func:`lineage.query.parse_filter` returns a tree of the frozen dataclasses below. Every node
carries ``pos``, the 0-based character offset in the query text where it starts (or, for an
operator, where the operator is); ``pos`` takes no part in equality or ``repr``, so two trees
parsed from differently spaced texts compare equal when they mean the same thing.

References are resolved: a bare name became an :class:`Attribute` of the node, a
``properties.NAME.FIELD`` path a :class:`PropertyRef`, a ``contexts_ALIAS.FIELD`` path a
:class:`NeighborRef` and an enum name an :class:`EnumValue` carrying its number. Reference nodes
carry their :data:`ValueType`.

``AND`` and ``OR`` are n-ary (chains and nested groups of the same operator are flattened), so a
long conjunction is a flat tuple, not a deep tree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "And",
    "Arithmetic",
    "Attribute",
    "Between",
    "BoolLiteral",
    "Comparison",
    "EnumType",
    "EnumValue",
    "Expr",
    "FloatLiteral",
    "FunctionCall",
    "InList",
    "IntLiteral",
    "IsNull",
    "Like",
    "Negate",
    "NeighborRef",
    "Not",
    "NullLiteral",
    "Or",
    "PropertyRef",
    "StringLiteral",
    "ValueType",
    "children",
    "walk",
]

EnumType = Literal["Artifact.State", "Execution.State", "Event.Type"]
"""The three MLMD enums a filter can name (proto enum names without the package)."""

ValueType = Literal[
    "INT64",
    "DOUBLE",
    "STRING",
    "BOOL",
    "NULL",
    "Artifact.State",
    "Execution.State",
    "Event.Type",
]
"""The static type of an expression (ZetaSQL type names; enums by their proto name)."""


class Expr:
    """Base class of every AST node."""

    __slots__ = ()

    pos: int


# Literals ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntLiteral(Expr):
    """An INT64 literal (``42``, ``-7``, ``0x1F``)."""

    value: int
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FloatLiteral(Expr):
    """A DOUBLE literal (``0.5``, ``1e-3``)."""

    value: float
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class StringLiteral(Expr):
    """A STRING literal, already unescaped."""

    value: str
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class BoolLiteral(Expr):
    """``TRUE`` or ``FALSE``."""

    value: bool
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NullLiteral(Expr):
    """``NULL``."""

    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EnumValue(Expr):
    """An enum name compared with an enum attribute, e.g. ``LIVE`` in ``state = LIVE``.

    Attributes:
        enum: Which enum the name belongs to.
        name: The enum value's name (``LIVE``).
        value: Its number in the MLMD proto (``2``), the value stored in the database.
    """

    enum: EnumType
    name: str
    value: int
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


# References -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attribute(Expr):
    """An attribute of the filtered node: ``id``, ``name``, ``type``, ``state``...

    Attributes:
        name: The attribute's canonical (lower-case) name.
        type: Its value type.
    """

    name: str
    type: ValueType
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PropertyRef(Expr):
    """``properties.NAME.FIELD`` or ``custom_properties.NAME.FIELD``.

    Attributes:
        name: The property name, exactly as stored (case-sensitive).
        field: ``int_value``, ``double_value``, ``string_value`` or ``bool_value``.
        custom: True for ``custom_properties``.
        type: The value type of ``field``.
    """

    name: str
    field: str
    custom: bool
    type: ValueType
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NeighborRef(Expr):
    """A field of a neighbouring node or event, e.g. ``contexts_a.name`` or ``events_0.type``.

    Attributes:
        relation: ``contexts``, ``parent_contexts``, ``child_contexts``, ``artifacts``,
            ``executions`` or ``events``.
        alias: The name after the prefix (``a`` in ``contexts_a``). The same alias always
            denotes the same neighbour; different aliases are independent.
        field: The neighbour's field (canonical, lower-case).
        type: The value type of ``field``.
    """

    relation: str
    alias: str
    field: str
    type: ValueType
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


# Operators --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunctionCall(Expr):
    """A call of a whitelisted scalar function: ``LOWER``, ``UPPER``, ``LENGTH`` or ``ABS``."""

    name: str
    args: tuple[Expr, ...]
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Negate(Expr):
    """Unary minus of a non-literal operand (``-id``); ``-5`` is an :class:`IntLiteral`."""

    operand: Expr
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Arithmetic(Expr):
    """``left op right`` with ``op`` one of ``+ - * /`` (``/`` always divides exactly)."""

    op: str
    left: Expr
    right: Expr
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Comparison(Expr):
    """``left op right`` with ``op`` one of ``= != < <= > >=`` (``<>`` is read as ``!=``)."""

    op: str
    left: Expr
    right: Expr
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Like(Expr):
    """``operand [NOT] LIKE pattern`` (``%`` and ``_`` wildcards, ``\\`` escapes them)."""

    operand: Expr
    pattern: Expr
    negated: bool = False
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class InList(Expr):
    """``operand [NOT] IN (item, ...)``."""

    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Between(Expr):
    """``operand [NOT] BETWEEN low AND high``."""

    operand: Expr
    low: Expr
    high: Expr
    negated: bool = False
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class IsNull(Expr):
    """``operand IS [NOT] NULL``."""

    operand: Expr
    negated: bool = False
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not(Expr):
    """``NOT operand``."""

    operand: Expr
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And(Expr):
    """``a AND b AND ...`` (two or more operands, none of them an :class:`And`)."""

    operands: tuple[Expr, ...]
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Or(Expr):
    """``a OR b OR ...`` (two or more operands, none of them an :class:`Or`)."""

    operands: tuple[Expr, ...]
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


def children(expr: Expr) -> tuple[Expr, ...]:
    """Return the direct sub-expressions of ``expr``, left to right."""
    if isinstance(expr, (And, Or)):
        return expr.operands
    if isinstance(expr, (Not, Negate)):
        return (expr.operand,)
    if isinstance(expr, (Arithmetic, Comparison)):
        return (expr.left, expr.right)
    if isinstance(expr, Like):
        return (expr.operand, expr.pattern)
    if isinstance(expr, InList):
        return (expr.operand, *expr.items)
    if isinstance(expr, Between):
        return (expr.operand, expr.low, expr.high)
    if isinstance(expr, IsNull):
        return (expr.operand,)
    if isinstance(expr, FunctionCall):
        return expr.args
    return ()


def walk(expr: Expr) -> Iterator[Expr]:
    """Yield ``expr`` and all its sub-expressions, depth first, parents before children.

    The walk is iterative, so it works on trees of any depth.
    """
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))
