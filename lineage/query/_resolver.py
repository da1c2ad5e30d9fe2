"""Name resolution and type checking of a parsed ``filter_query``.

The rules follow MLMD 1.17.1 (ZetaSQL types, MLMD's attribute tables and enum rules), with the
deliberate improvements listed in ``docs/mlmd-differences.md``: every enum value is accepted
(``ABANDONED``, ``REFERENCE``, ``PENDING_OUTPUT``, ``UNKNOWN``...), ``<>`` and ``IN`` work on enums
like ``!=`` and ``=``, and functions are limited to a whitelist instead of being passed through.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Final, cast

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
)
from lineage.query._catalog import (
    ENUMS,
    FUNCTIONS,
    NEIGHBOR_FIELDS,
    NODE_ATTRIBUTES,
    PLURAL,
    PROPERTY_FIELDS,
    RELATION_PREFIXES,
    RELATIONS,
)
from lineage.query._format import reference_text
from lineage.query._lexer import Segment, filter_error
from lineage.query._parser import Name, UnaryPlus

__all__ = ["resolve"]

_NUMERIC: Final = frozenset({"INT64", "DOUBLE"})
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_ENUM_OPS: Final = "=, !=, IN, NOT IN and IS [NOT] NULL"


def resolve(expr: Expr, kind: str) -> Expr:
    """Resolve names and check types of a parsed query for nodes of ``kind``.

    Returns:
        The resolved tree; its type is BOOL.

    Raises:
        FilterQueryError: On an unknown name, a type mismatch, a bad enum value or a
            non-boolean query.
    """
    resolved, vtype = _Resolver(kind).resolve(expr)
    if vtype != "BOOL":
        raise filter_error(
            0,
            "Given query string is not a valid boolean expression "
            f"(the expression has type {vtype})",
        )
    return resolved


def _is_enum(vtype: ValueType) -> bool:
    return vtype in ENUMS


def _equatable(a: ValueType, b: ValueType) -> bool:
    if a == "NULL" or b == "NULL":
        return not (_is_enum(a) or _is_enum(b))
    if a in _NUMERIC and b in _NUMERIC:
        return True
    return a == b and a in ("STRING", "BOOL")


def _signature_error(pos: int, op: str, types: Sequence[ValueType], hint: str = "") -> Exception:
    what = "argument type" if len(types) == 1 else "argument types"
    return filter_error(
        pos, f"No matching signature for operator {op} for {what}: {', '.join(types)}{hint}"
    )


def _suggest(word: str, candidates: Iterable[str]) -> str:
    options = list(candidates)
    close = [c for c in options if word and c.startswith(word)]
    close = close or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _enum_example(enum: EnumType) -> str:
    return {"Artifact.State": "LIVE", "Execution.State": "COMPLETE", "Event.Type": "INPUT"}[enum]


class _Resolver:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.attributes = NODE_ATTRIBUTES[kind]

    # dispatch --------------------------------------------------------------------------

    def resolve(self, expr: Expr) -> tuple[Expr, ValueType]:
        if isinstance(expr, Name):
            return self._name(expr)
        if isinstance(expr, IntLiteral):
            if not _INT64_MIN <= expr.value <= _INT64_MAX:
                raise filter_error(
                    expr.pos, f"Invalid integer literal: {expr.value} is outside the INT64 range"
                )
            return expr, "INT64"
        if isinstance(expr, FloatLiteral):
            return expr, "DOUBLE"
        if isinstance(expr, StringLiteral):
            return expr, "STRING"
        if isinstance(expr, BoolLiteral):
            return expr, "BOOL"
        if isinstance(expr, NullLiteral):
            return expr, "NULL"
        if isinstance(expr, (And, Or)):
            return self._logical(expr)
        if isinstance(expr, Not):
            operand, vtype = self.resolve(expr.operand)
            if vtype not in ("BOOL", "NULL"):
                raise _signature_error(expr.pos, "NOT", [vtype])
            return Not(operand, pos=expr.pos), "BOOL"
        if isinstance(expr, Comparison):
            return self._comparison(expr)
        if isinstance(expr, InList):
            return self._in_list(expr)
        if isinstance(expr, Like):
            return self._like(expr)
        if isinstance(expr, Between):
            return self._between(expr)
        if isinstance(expr, IsNull):
            operand, _ = self.resolve(expr.operand)
            return IsNull(operand, expr.negated, pos=expr.pos), "BOOL"
        if isinstance(expr, Arithmetic):
            return self._arithmetic(expr)
        if isinstance(expr, (Negate, UnaryPlus)):
            return self._unary(expr)
        if isinstance(expr, FunctionCall):
            return self._function(expr)
        raise filter_error(expr.pos, f"unsupported expression {type(expr).__name__}")

    # names -----------------------------------------------------------------------------

    def _name(self, expr: Name) -> tuple[Expr, ValueType]:
        segments = expr.segments
        head = segments[0]
        if not head.quoted and head.text in ("properties", "custom_properties"):
            return self._property(expr)
        if not head.quoted:
            for relation in RELATION_PREFIXES:
                if head.text.startswith(relation + "_"):
                    return self._neighbor(expr, relation, head.text[len(relation) + 1 :])
        name = head.text.lower()
        vtype = self.attributes.get(name)
        if vtype is None:
            raise self._unknown_name(head)
        result = Attribute(name, vtype, pos=expr.pos)
        self._no_more_fields(segments, 1, reference_text(result), vtype)
        return result, vtype

    def _unknown_name(self, head: Segment) -> Exception:
        plural = PLURAL[self.kind]
        name = head.text
        others = [k for k, attrs in NODE_ATTRIBUTES.items() if name.lower() in attrs]
        if others:
            owners = " and ".join(PLURAL[k] for k in others)
            detail = f"{name!r} is an attribute of {owners}, not of {plural}"
        elif name in ("properties", "custom_properties"):
            detail = f"write {name}.<name>.int_value (or double_value, string_value, bool_value)"
        else:
            relation = next((r for r in RELATION_PREFIXES if name.startswith(r)), None)
            if relation is not None:
                detail = f"write {relation}_<alias>.<field>, e.g. {relation}_0.id"
            else:
                detail = f"{name!r} is not an attribute of {plural}" + _suggest(
                    name.lower(), self.attributes
                )
        return filter_error(head.pos, f"Unrecognized name: {detail}")

    def _no_more_fields(
        self, segments: tuple[Segment, ...], used: int, prefix: str, vtype: ValueType
    ) -> None:
        if len(segments) > used:
            extra = segments[used]
            raise filter_error(
                extra.pos,
                f"Cannot access field {extra.text} on a value with type {vtype} ({prefix})",
            )

    def _property(self, expr: Name) -> tuple[Expr, ValueType]:
        segments = expr.segments
        prefix = segments[0].text
        if len(segments) < 3:
            if len(segments) == 1:
                raise self._unknown_name(segments[0])
            raise filter_error(
                expr.pos,
                f"Unrecognized name: {expr.text} needs a value field: {expr.text}.int_value, "
                ".double_value, .string_value or .bool_value",
            )
        field = segments[2].text.lower()
        vtype = PROPERTY_FIELDS.get(field)
        if vtype is None:
            raise filter_error(
                segments[2].pos,
                f"Field name {segments[2].text} does not exist in {prefix}.{segments[1].text}; "
                f"use int_value, double_value, string_value or bool_value"
                + _suggest(field, PROPERTY_FIELDS),
            )
        custom = prefix == "custom_properties"
        result = PropertyRef(segments[1].text, field, custom, vtype, pos=expr.pos)
        self._no_more_fields(segments, 3, expr.text, vtype)
        return result, vtype

    def _neighbor(self, expr: Name, relation: str, alias: str) -> tuple[Expr, ValueType]:
        segments = expr.segments
        head = segments[0]
        if not alias:
            raise self._unknown_name(head)
        if relation not in RELATIONS[self.kind]:
            owners = " and ".join(PLURAL[k] for k, rels in RELATIONS.items() if relation in rels)
            available = ", ".join(f"{r}_<alias>" for r in RELATIONS[self.kind])
            raise filter_error(
                head.pos,
                f"Unrecognized name: {head.text}; {relation}_<alias> is available for "
                f"{owners}, not {PLURAL[self.kind]} (which have {available})",
            )
        if len(segments) == 1:
            raise filter_error(
                head.pos,
                f"Unrecognized name: {head.text} is not a value; name one of its fields, "
                f"e.g. {head.text}.id",
            )
        fields = NEIGHBOR_FIELDS[(self.kind, relation)]
        field = segments[1].text.lower()
        vtype = fields.get(field)
        if vtype is None:
            raise filter_error(
                segments[1].pos,
                f"Field name {segments[1].text} does not exist in {head.text}; its fields are "
                f"{', '.join(fields)}" + _suggest(field, fields),
            )
        result = NeighborRef(relation, alias, field, vtype, pos=expr.pos)
        self._no_more_fields(segments, 2, reference_text(result), vtype)
        return result, vtype

    # enums -----------------------------------------------------------------------------

    def _enum_candidate(self, expr: Expr) -> bool:
        """True for a bare word that is no attribute, i.e. possibly an enum name."""
        if not isinstance(expr, Name) or len(expr.segments) != 1:
            return False
        head = expr.segments[0]
        return not head.quoted and head.text.lower() not in self.attributes

    def _enum_value(self, expr: Expr, enum: EnumType, attr: Expr, op: str) -> EnumValue:
        label = reference_text(cast(Attribute | PropertyRef | NeighborRef, attr))
        names = ENUMS[enum]
        example = f"{label} = {_enum_example(enum)}"
        choices = ", ".join(names)
        if isinstance(expr, Name) and len(expr.segments) == 1 and not expr.segments[0].quoted:
            word = expr.segments[0].text
            if word in names:
                return EnumValue(enum, word, names[word], pos=expr.pos)
            raise filter_error(
                expr.pos,
                f"Unsupported enum value specified in the query: {word}; {label} takes one "
                f"of {choices}" + _suggest(word.upper(), names),
            )
        if isinstance(expr, StringLiteral):
            raise filter_error(
                expr.pos,
                f"No matching signature for operator {op} for argument types: {enum}, STRING; "
                f"{label} takes an enum name without quotes, e.g. {example}",
            )
        if isinstance(expr, (IntLiteral, FloatLiteral)):
            raise filter_error(
                expr.pos,
                f"Unsupported enum value specified in the query: {expr.value}; {label} takes "
                f"an enum name, not a number, e.g. {example}",
            )
        if isinstance(expr, NullLiteral):
            raise filter_error(
                expr.pos,
                f"Unsupported enum value specified in the query: NULL; write {label} IS NULL",
            )
        raise filter_error(
            expr.pos,
            f"{label} can only be compared with an enum name ({choices}), e.g. {example}",
        )

    def _enum_operator_error(self, pos: int, op: str, types: Sequence[ValueType]) -> Exception:
        enum = next(t for t in types if _is_enum(t))
        return _signature_error(
            pos,
            op,
            types,
            f"; an enum supports only {_ENUM_OPS} with enum names such as "
            f"{_enum_example(cast(EnumType, enum))}",
        )

    # predicates ------------------------------------------------------------------------

    def _logical(self, expr: And | Or) -> tuple[Expr, ValueType]:
        resolved = [self.resolve(e) for e in expr.operands]
        for operand, (_, vtype) in zip(expr.operands, resolved, strict=True):
            if vtype not in ("BOOL", "NULL"):
                op = "AND" if isinstance(expr, And) else "OR"
                raise _signature_error(operand.pos, op, [t for _, t in resolved])
        operands = tuple(e for e, _ in resolved)
        if isinstance(expr, And):
            return And(operands, pos=expr.pos), "BOOL"
        return Or(operands, pos=expr.pos), "BOOL"

    def _comparison(self, expr: Comparison) -> tuple[Expr, ValueType]:
        op = expr.op
        if self._enum_candidate(expr.left) and not self._enum_candidate(expr.right):
            right, rtype = self.resolve(expr.right)
            if _is_enum(rtype):
                if op not in ("=", "!="):
                    raise self._enum_operator_error(expr.pos, op, [rtype, rtype])
                enum = cast(EnumType, rtype)
                left: Expr = self._enum_value(expr.left, enum, right, op)
                return Comparison(op, left, right, pos=expr.pos), "BOOL"
        left, ltype = self.resolve(expr.left)
        if _is_enum(ltype):
            if op not in ("=", "!="):
                raise self._enum_operator_error(expr.pos, op, [ltype, ltype])
            right = self._enum_value(expr.right, cast(EnumType, ltype), left, op)
            return Comparison(op, left, right, pos=expr.pos), "BOOL"
        right, rtype = self.resolve(expr.right)
        if _is_enum(rtype):
            if op not in ("=", "!="):
                raise self._enum_operator_error(expr.pos, op, [ltype, rtype])
            left = self._enum_value(expr.left, cast(EnumType, rtype), right, op)
            return Comparison(op, left, right, pos=expr.pos), "BOOL"
        if not _equatable(ltype, rtype):
            raise _signature_error(expr.pos, op, [ltype, rtype])
        return Comparison(op, left, right, pos=expr.pos), "BOOL"

    def _in_list(self, expr: InList) -> tuple[Expr, ValueType]:
        op = "NOT IN" if expr.negated else "IN"
        operand, otype = self.resolve(expr.operand)
        if _is_enum(otype):
            enum = cast(EnumType, otype)
            items = tuple(self._enum_value(item, enum, operand, op) for item in expr.items)
            return InList(operand, items, expr.negated, pos=expr.pos), "BOOL"
        resolved: list[Expr] = []
        for item in expr.items:
            value, vtype = self.resolve(item)
            if _is_enum(vtype):
                raise self._enum_operator_error(item.pos, op, [otype, vtype])
            if not _equatable(otype, vtype):
                raise _signature_error(item.pos, op, [otype, vtype])
            resolved.append(value)
        return InList(operand, tuple(resolved), expr.negated, pos=expr.pos), "BOOL"

    def _like(self, expr: Like) -> tuple[Expr, ValueType]:
        op = "NOT LIKE" if expr.negated else "LIKE"
        operand, otype = self.resolve(expr.operand)
        pattern, ptype = self.resolve(expr.pattern)
        if _is_enum(otype) or _is_enum(ptype):
            raise self._enum_operator_error(expr.pos, op, [otype, ptype])
        if otype not in ("STRING", "NULL") or ptype not in ("STRING", "NULL"):
            raise _signature_error(expr.pos, op, [otype, ptype])
        if isinstance(pattern, StringLiteral):
            text = pattern.value
            trailing = len(text) - len(text.rstrip("\\"))
            if trailing % 2:
                raise filter_error(
                    pattern.pos,
                    "LIKE pattern must not end with an unescaped backslash (the escape "
                    "character); write '\\\\\\\\' in the query to match a backslash",
                )
        return Like(operand, pattern, expr.negated, pos=expr.pos), "BOOL"

    def _between(self, expr: Between) -> tuple[Expr, ValueType]:
        op = "NOT BETWEEN" if expr.negated else "BETWEEN"
        operand, otype = self.resolve(expr.operand)
        if _is_enum(otype):
            raise self._enum_operator_error(expr.pos, op, [otype])
        low, ltype = self.resolve(expr.low)
        high, htype = self.resolve(expr.high)
        types = [otype, ltype, htype]
        if any(_is_enum(t) for t in types):
            raise self._enum_operator_error(expr.pos, op, types)
        if not (_equatable(otype, ltype) and _equatable(otype, htype) and _equatable(ltype, htype)):
            raise _signature_error(expr.pos, op, types)
        return Between(operand, low, high, expr.negated, pos=expr.pos), "BOOL"

    # values ----------------------------------------------------------------------------

    def _arithmetic(self, expr: Arithmetic) -> tuple[Expr, ValueType]:
        left, ltype = self.resolve(expr.left)
        right, rtype = self.resolve(expr.right)
        types = [ltype, rtype]
        if any(_is_enum(t) for t in types):
            raise self._enum_operator_error(expr.pos, expr.op, types)
        if any(t not in _NUMERIC and t != "NULL" for t in types):
            raise _signature_error(expr.pos, expr.op, types)
        if expr.op == "/" or "DOUBLE" in types:
            vtype: ValueType = "DOUBLE"
        else:
            vtype = "INT64"
        return Arithmetic(expr.op, left, right, pos=expr.pos), vtype

    def _unary(self, expr: Negate | UnaryPlus) -> tuple[Expr, ValueType]:
        inner = expr.operand
        while isinstance(inner, UnaryPlus):
            inner = inner.operand
        negate = isinstance(expr, Negate)
        if negate and isinstance(inner, IntLiteral):
            return self.resolve(IntLiteral(-inner.value, pos=expr.pos))
        if negate and isinstance(inner, FloatLiteral):
            return self.resolve(FloatLiteral(-inner.value, pos=expr.pos))
        operand, vtype = self.resolve(inner)
        op = "-" if negate else "+"
        if _is_enum(vtype):
            raise self._enum_operator_error(expr.pos, f"unary {op}", [vtype])
        if vtype not in _NUMERIC and vtype != "NULL":
            raise _signature_error(expr.pos, f"unary {op}", [vtype])
        result_type: ValueType = "INT64" if vtype == "NULL" else vtype
        if not negate:
            return operand, result_type
        return Negate(operand, pos=expr.pos), result_type

    def _function(self, expr: FunctionCall) -> tuple[Expr, ValueType]:
        name = expr.name.upper()
        arg_class, result = FUNCTIONS[name]
        signature = f"{name}({'INT64|DOUBLE' if arg_class == 'NUMBER' else arg_class})"
        if len(expr.args) != 1:
            raise filter_error(
                expr.pos,
                f"Number of arguments does not match for function {name}: it takes one "
                f"argument, got {len(expr.args)}. Supported signature: {signature}",
            )
        arg, atype = self.resolve(expr.args[0])
        allowed = _NUMERIC if arg_class == "NUMBER" else {arg_class}
        if atype not in allowed and atype != "NULL":
            raise filter_error(
                expr.pos,
                f"No matching signature for function {name} for argument types: {atype}. "
                f"Supported signature: {signature}",
            )
        if result is None:
            result = "INT64" if atype == "NULL" else atype
        return FunctionCall(name, (arg,), pos=expr.pos), result
