"""Print a resolved ``filter_query`` tree back as canonical query text.

The canonical form uses upper-case keywords and function names, lower-case attribute names,
single-quoted strings, ``!=`` for inequality and only the parentheses that precedence needs, so
``parse_filter(format_filter(parse_filter(q, kind)), kind) == parse_filter(q, kind)``.
"""

from __future__ import annotations

import re
from typing import Final

from lineage.errors import InvalidArgumentError
from lineage.query._ast import (
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
)

__all__ = ["format_filter", "quote_string", "reference_text"]

_BARE_PROPERTY: Final = re.compile(r"[0-9A-Za-z_]+")
_ESCAPES: Final = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

# Binding strength, loosest first.
_OR, _AND, _NOT, _PREDICATE, _ADDITIVE, _MULTIPLICATIVE, _UNARY, _ATOM = range(1, 9)


def quote_string(value: str) -> str:
    """Return ``value`` as a single-quoted string literal of the query language."""
    out = []
    for c in value:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\x{ord(c):02x}")
        elif not c.isprintable() and ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04x}")
        elif not c.isprintable():
            out.append(f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return "'" + "".join(out) + "'"


def reference_text(expr: Attribute | PropertyRef | NeighborRef) -> str:
    """Return the query text of a reference (``name``, ``properties.p.int_value``...)."""
    if isinstance(expr, Attribute):
        return expr.name
    if isinstance(expr, PropertyRef):
        if _BARE_PROPERTY.fullmatch(expr.name):
            name = expr.name
        elif expr.name and "`" not in expr.name:
            name = f"`{expr.name}`"
        else:
            raise InvalidArgumentError(
                f"property name {expr.name!r} cannot be written in a filter_query "
                "(it is empty or contains a backquote)"
            )
        prefix = "custom_properties" if expr.custom else "properties"
        return f"{prefix}.{name}.{expr.field}"
    return f"{expr.relation}_{expr.alias}.{expr.field}"


def format_filter(expr: Expr) -> str:
    """Return the canonical query text of ``expr``.

    Args:
        expr: A tree returned by :func:`lineage.query.parse_filter`.

    Returns:
        Query text that parses back to an equal tree.

    Raises:
        InvalidArgumentError: If the tree holds something the language cannot express.

    Example:
        >>> from lineage.query import format_filter, parse_filter
        >>> format_filter(parse_filter("not(name='a') and state<>LIVE", "artifact"))
        "NOT name = 'a' AND state != LIVE"
    """
    return _fmt(expr, 0)


def _wrap(text: str, strength: int, minimum: int) -> str:
    return f"({text})" if strength < minimum else text


def _fmt(expr: Expr, minimum: int) -> str:
    if isinstance(expr, Or):
        text = " OR ".join(_fmt(e, _AND) for e in expr.operands)
        return _wrap(text, _OR, minimum)
    if isinstance(expr, And):
        text = " AND ".join(_fmt(e, _NOT) for e in expr.operands)
        return _wrap(text, _AND, minimum)
    if isinstance(expr, Not):
        return _wrap(f"NOT {_fmt(expr.operand, _NOT)}", _NOT, minimum)
    if isinstance(expr, Comparison):
        text = f"{_fmt(expr.left, _ADDITIVE)} {expr.op} {_fmt(expr.right, _ADDITIVE)}"
        return _wrap(text, _PREDICATE, minimum)
    if isinstance(expr, Like):
        op = "NOT LIKE" if expr.negated else "LIKE"
        text = f"{_fmt(expr.operand, _ADDITIVE)} {op} {_fmt(expr.pattern, _ADDITIVE)}"
        return _wrap(text, _PREDICATE, minimum)
    if isinstance(expr, InList):
        op = "NOT IN" if expr.negated else "IN"
        items = ", ".join(_fmt(e, 0) for e in expr.items)
        return _wrap(f"{_fmt(expr.operand, _ADDITIVE)} {op} ({items})", _PREDICATE, minimum)
    if isinstance(expr, Between):
        op = "NOT BETWEEN" if expr.negated else "BETWEEN"
        text = (
            f"{_fmt(expr.operand, _ADDITIVE)} {op} "
            f"{_fmt(expr.low, _ADDITIVE)} AND {_fmt(expr.high, _ADDITIVE)}"
        )
        return _wrap(text, _PREDICATE, minimum)
    if isinstance(expr, IsNull):
        op = "IS NOT NULL" if expr.negated else "IS NULL"
        return _wrap(f"{_fmt(expr.operand, _ADDITIVE)} {op}", _PREDICATE, minimum)
    if isinstance(expr, Arithmetic):
        strength = _ADDITIVE if expr.op in ("+", "-") else _MULTIPLICATIVE
        text = f"{_fmt(expr.left, strength)} {expr.op} {_fmt(expr.right, strength + 1)}"
        return _wrap(text, strength, minimum)
    if isinstance(expr, Negate):
        operand = _fmt(expr.operand, _ATOM)
        if operand.startswith("-") or isinstance(expr.operand, (IntLiteral, FloatLiteral)):
            operand = f"({operand})"
        return _wrap(f"-{operand}", _UNARY, minimum)
    if isinstance(expr, FunctionCall):
        return f"{expr.name}({', '.join(_fmt(a, 0) for a in expr.args)})"
    if isinstance(expr, (Attribute, PropertyRef, NeighborRef)):
        return reference_text(expr)
    if isinstance(expr, EnumValue):
        return expr.name
    if isinstance(expr, IntLiteral):
        return str(expr.value)
    if isinstance(expr, FloatLiteral):
        return repr(expr.value)
    if isinstance(expr, StringLiteral):
        return quote_string(expr.value)
    if isinstance(expr, BoolLiteral):
        return "TRUE" if expr.value else "FALSE"
    if isinstance(expr, NullLiteral):
        return "NULL"
    raise InvalidArgumentError(f"cannot format a {type(expr).__name__} as a filter_query")
