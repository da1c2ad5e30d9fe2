"""The ``filter_query`` language of MLMD: parser, resolved AST and canonical printer.

``parse_filter(text, kind)`` turns MLMD filter text such as
``type = 'Dataset' AND properties.span.int_value = 1`` into a typed tree (see
:mod:`lineage.query._ast`); ``lineage.store`` compiles that tree to SQL with bound parameters
only. This package is pure Python: it imports nothing but the standard library and
:mod:`lineage.errors`.

Example:
    >>> from lineage.query import parse_filter, format_filter
    >>> tree = parse_filter("state IN (LIVE, ABANDONED) AND uri LIKE '/data/%'", "artifact")
    >>> format_filter(tree)
    "state IN (LIVE, ABANDONED) AND uri LIKE '/data/%'"
"""

from __future__ import annotations

from lineage.errors import InvalidArgumentError
from lineage.query._ast import (
    And,
    Arithmetic,
    Attribute,
    Between,
    BoolLiteral,
    Comparison,
    EnumType,
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
    children,
    walk,
)
from lineage.query._catalog import ENUMS, KINDS
from lineage.query._format import format_filter, quote_string
from lineage.query._parser import MAX_DEPTH, parse
from lineage.query._resolver import resolve

__all__ = [
    "And",
    "Arithmetic",
    "Attribute",
    "Between",
    "BoolLiteral",
    "Comparison",
    "ENUMS",
    "EnumType",
    "EnumValue",
    "Expr",
    "FloatLiteral",
    "FunctionCall",
    "InList",
    "IntLiteral",
    "IsNull",
    "KINDS",
    "Like",
    "MAX_DEPTH",
    "Negate",
    "NeighborRef",
    "Not",
    "NullLiteral",
    "Or",
    "PropertyRef",
    "StringLiteral",
    "ValueType",
    "children",
    "format_filter",
    "parse_filter",
    "quote_string",
    "walk",
]


def parse_filter(text: str, kind: str) -> Expr:
    """Parse and type-check an MLMD ``filter_query`` for one node kind.

    Args:
        text: The query, e.g. ``"contexts_r.name = 'r1' AND state != LIVE"``.
        kind: ``'artifact'``, ``'execution'`` or ``'context'``: which nodes are filtered. It
            decides which attributes and neighbours the query may name.

    Returns:
        The resolved boolean expression.

    Raises:
        FilterQueryError: (an ``InvalidArgumentError``) if the query does not parse or does not
            type-check; the message starts with "Invalid `filter_query` at position N:" and
            ``.position`` holds N, the 0-based offset of the problem.
        InvalidArgumentError: If ``text`` is not a string or ``kind`` is not a node kind.

    Example:
        >>> tree = parse_filter("name = 'train'", "execution")
        >>> tree.left, tree.right
        (Attribute(name='name', type='STRING'), StringLiteral(value='train'))
    """
    if not isinstance(text, str):
        raise InvalidArgumentError(f"filter_query must be a str, got {type(text).__name__}")
    if kind not in KINDS:
        raise InvalidArgumentError(
            f"kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}"
        )
    return resolve(parse(text), kind)
