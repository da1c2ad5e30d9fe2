"""A recursive-descent parser for the ``filter_query`` language.

Grammar (lowest precedence first; keywords are case-insensitive)::

    query      := or EOF
    or         := and ("OR" and)*
    and        := not ("AND" not)*
    not        := "NOT" not | predicate
    predicate  := additive [ cmp_op additive
                           | ["NOT"] "LIKE" additive
                           | ["NOT"] "IN" "(" or ("," or)* ")"
                           | ["NOT"] "BETWEEN" additive "AND" additive
                           | "IS" ["NOT"] "NULL" ]
    additive   := multiplicative (("+" | "-") multiplicative)*
    multiplicative := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := literal | name | name "(" [or ("," or)*] ")" | "(" or ")"
    cmp_op     := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="

Comparisons do not chain (``a = b = c`` is an error, as in ZetaSQL). The parser only builds the
tree; names are resolved and types checked by :mod:`lineage.query._resolver`. Nesting is limited
to :data:`MAX_DEPTH` levels so that no input can exhaust the Python stack.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

from lineage.query._ast import (
    And,
    Arithmetic,
    Between,
    BoolLiteral,
    Comparison,
    Expr,
    FloatLiteral,
    FunctionCall,
    InList,
    IntLiteral,
    IsNull,
    Like,
    Negate,
    Not,
    NullLiteral,
    Or,
    StringLiteral,
    children,
)
from lineage.query._catalog import FUNCTIONS
from lineage.query._lexer import Segment, Token, filter_error, tokenize

__all__ = ["MAX_DEPTH", "Name", "UnaryPlus", "parse"]

MAX_DEPTH: Final = 64
"""The deepest nesting of parentheses and operators a query may have."""

_COMPARISON_OPS: Final = frozenset({"=", "!=", "<>", "<", "<=", ">", ">="})
_PREDICATE_KEYWORDS: Final = frozenset({"LIKE", "IN", "BETWEEN", "IS"})


@dataclass(frozen=True, slots=True)
class Name(Expr):
    """An unresolved (dotted) name, as written; the resolver replaces it."""

    segments: tuple[Segment, ...]
    pos: int = dataclasses.field(default=0, compare=False, repr=False)

    @property
    def text(self) -> str:
        """The name as written, segments joined by dots (backquoted where they were)."""
        return ".".join(f"`{s.text}`" if s.quoted else s.text for s in self.segments)


@dataclass(frozen=True, slots=True)
class UnaryPlus(Expr):
    """``+operand``; the resolver checks that the operand is numeric and drops the node."""

    operand: Expr
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


def _describe(token: Token) -> str:
    if token.kind == "EOF":
        return "the end of the query"
    text = token.text if len(token.text) <= 30 else token.text[:27] + "..."
    return repr(text)


def parse(text: str) -> Expr:
    """Parse ``text`` into an unresolved tree (names are :class:`Name` nodes).

    Raises:
        FilterQueryError: On a syntax error or a query nested deeper than :data:`MAX_DEPTH`.
    """
    tokens = tokenize(text)
    if tokens[0].kind == "EOF":
        raise filter_error(0, "Syntax error: the query is empty")
    parser = _Parser(tokens)
    expr = parser.parse_or()
    token = parser.peek()
    if token.kind != "EOF":
        raise filter_error(
            token.pos,
            f"Syntax error: expected the end of the query but found {_describe(token)}",
        )
    _check_depth(expr)
    return expr


def _check_depth(expr: Expr) -> None:
    """Reject trees deeper than MAX_DEPTH (left-nested chains such as ``1+1+1+...``)."""
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise filter_error(
                node.pos,
                f"the query is nested too deeply (more than {MAX_DEPTH} levels of "
                "operators and parentheses)",
            )
        stack.extend((child, depth + 1) for child in children(node))
        if isinstance(node, UnaryPlus):
            stack.append((node.operand, depth + 1))


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    # token helpers ---------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind != "EOF":
            self.i += 1
        return token

    def at(self, kind: str, text: str) -> bool:
        token = self.peek()
        return token.kind == kind and token.text == text

    def previous(self) -> Token | None:
        return self.tokens[self.i - 1] if self.i > 0 else None

    def expect(self, kind: str, text: str, what: str) -> Token:
        token = self.peek()
        if token.kind == kind and token.text == text:
            return self.advance()
        prev = self.previous()
        after = f" after {_describe(prev)}" if prev is not None else ""
        raise filter_error(
            token.pos, f"Syntax error: expected {what}{after} but found {_describe(token)}"
        )

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise filter_error(
                pos,
                f"the query is nested too deeply (more than {MAX_DEPTH} levels of "
                "operators and parentheses)",
            )

    def leave(self) -> None:
        self.depth -= 1

    # grammar ---------------------------------------------------------------------------

    def parse_or(self) -> Expr:
        self.enter(self.peek().pos)
        first = self.parse_and()
        operands = [first]
        while self.at("KEYWORD", "OR"):
            self.advance()
            operands.append(self.parse_and())
        self.leave()
        if len(operands) == 1:
            return first
        flat: list[Expr] = []
        for operand in operands:
            flat.extend(operand.operands if isinstance(operand, Or) else (operand,))
        return Or(tuple(flat), pos=first.pos)

    def parse_and(self) -> Expr:
        first = self.parse_not()
        operands = [first]
        while self.at("KEYWORD", "AND"):
            self.advance()
            operands.append(self.parse_not())
        if len(operands) == 1:
            return first
        flat: list[Expr] = []
        for operand in operands:
            flat.extend(operand.operands if isinstance(operand, And) else (operand,))
        return And(tuple(flat), pos=first.pos)

    def parse_not(self) -> Expr:
        if self.at("KEYWORD", "NOT"):
            token = self.advance()
            self.enter(token.pos)
            operand = self.parse_not()
            self.leave()
            return Not(operand, pos=token.pos)
        return self.parse_predicate()

    def parse_predicate(self) -> Expr:
        left = self.parse_additive()
        node = self._predicate_tail(left)
        if node is None:
            return left
        token = self.peek()
        if (token.kind == "OP" and token.text in _COMPARISON_OPS) or (
            token.kind == "KEYWORD"
            and (
                token.text in _PREDICATE_KEYWORDS
                or (token.text == "NOT" and self.peek(1).text in _PREDICATE_KEYWORDS)
            )
        ):
            raise filter_error(
                token.pos,
                f"Syntax error: comparison operators cannot be chained; put the comparison "
                f"before {_describe(token)} in parentheses",
            )
        return node

    def _predicate_tail(self, left: Expr) -> Expr | None:
        token = self.peek()
        if token.kind == "OP" and token.text in _COMPARISON_OPS:
            self.advance()
            right = self.parse_additive()
            op = "!=" if token.text == "<>" else token.text
            return Comparison(op, left, right, pos=token.pos)
        if token.kind != "KEYWORD":
            return None
        negated = False
        if token.text == "NOT":
            follow = self.peek(1)
            if not (follow.kind == "KEYWORD" and follow.text in ("LIKE", "IN", "BETWEEN")):
                raise filter_error(
                    follow.pos,
                    f"Syntax error: expected LIKE, IN or BETWEEN after 'NOT' but found "
                    f"{_describe(follow)}",
                )
            self.advance()
            negated = True
            token = self.peek()
        if token.text == "LIKE":
            self.advance()
            pattern = self.parse_additive()
            return Like(left, pattern, negated, pos=token.pos)
        if token.text == "BETWEEN":
            self.advance()
            low = self.parse_additive()
            self.expect("KEYWORD", "AND", "AND")
            high = self.parse_additive()
            return Between(left, low, high, negated, pos=token.pos)
        if token.text == "IN":
            self.advance()
            return InList(left, self._in_items(), negated, pos=token.pos)
        if token.text == "IS":
            self.advance()
            is_not = False
            if self.at("KEYWORD", "NOT"):
                self.advance()
                is_not = True
            self.expect("KEYWORD", "NULL", "NULL")
            return IsNull(left, is_not, pos=token.pos)
        return None

    def _in_items(self) -> tuple[Expr, ...]:
        self.expect("OP", "(", "'(' to open the IN list")
        follow = self.peek()
        if follow.kind == "NAME" and follow.text.upper() == "SELECT":
            raise filter_error(follow.pos, "Syntax error: subqueries are not supported")
        if follow.kind == "OP" and follow.text == ")":
            raise filter_error(follow.pos, "Syntax error: an IN list needs at least one value")
        items = [self.parse_or()]
        while self.at("OP", ","):
            self.advance()
            items.append(self.parse_or())
        self.expect("OP", ")", "',' or ')' in the IN list")
        return tuple(items)

    def parse_additive(self) -> Expr:
        left = self.parse_multiplicative()
        while self.peek().kind == "OP" and self.peek().text in ("+", "-"):
            token = self.advance()
            right = self.parse_multiplicative()
            left = Arithmetic(token.text, left, right, pos=token.pos)
        return left

    def parse_multiplicative(self) -> Expr:
        left = self.parse_unary()
        while self.peek().kind == "OP" and self.peek().text in ("*", "/"):
            token = self.advance()
            right = self.parse_unary()
            left = Arithmetic(token.text, left, right, pos=token.pos)
        return left

    def parse_unary(self) -> Expr:
        token = self.peek()
        if token.kind == "OP" and token.text in ("-", "+"):
            self.advance()
            self.enter(token.pos)
            operand = self.parse_unary()
            self.leave()
            if token.text == "+":
                return UnaryPlus(operand, pos=token.pos)
            if isinstance(operand, IntLiteral):
                return IntLiteral(-operand.value, pos=token.pos)
            if isinstance(operand, FloatLiteral):
                return FloatLiteral(-operand.value, pos=token.pos)
            return Negate(operand, pos=token.pos)
        return self.parse_primary()

    def parse_primary(self) -> Expr:
        token = self.peek()
        if token.kind == "INT":
            self.advance()
            assert isinstance(token.value, int)
            return IntLiteral(token.value, pos=token.pos)
        if token.kind == "FLOAT":
            self.advance()
            assert isinstance(token.value, float)
            return FloatLiteral(token.value, pos=token.pos)
        if token.kind == "STRING":
            self.advance()
            assert isinstance(token.value, str)
            return StringLiteral(token.value, pos=token.pos)
        if token.kind == "KEYWORD" and token.text in ("TRUE", "FALSE"):
            self.advance()
            return BoolLiteral(token.text == "TRUE", pos=token.pos)
        if token.kind == "KEYWORD" and token.text == "NULL":
            self.advance()
            return NullLiteral(pos=token.pos)
        if token.kind == "OP" and token.text == "(":
            self.advance()
            follow = self.peek()
            if follow.kind == "NAME" and follow.text.upper() == "SELECT":
                raise filter_error(follow.pos, "Syntax error: subqueries are not supported")
            inner = self.parse_or()
            self.expect("OP", ")", "')'")
            return inner
        if token.kind == "NAME":
            self.advance()
            if self.at("OP", "(") and len(token.segments) == 1 and not token.segments[0].quoted:
                return self._call(token)
            return Name(token.segments, pos=token.pos)
        prev = self.previous()
        if token.kind == "EOF":
            if prev is None:  # pragma: no cover - parse() rejects an empty query first
                raise filter_error(token.pos, "Syntax error: the query is empty")
            raise filter_error(
                token.pos,
                f"Syntax error: expected a value after {_describe(prev)} but the query ends",
            )
        after = f" after {_describe(prev)}" if prev is not None else ""
        raise filter_error(
            token.pos, f"Syntax error: expected a value{after} but found {_describe(token)}"
        )

    def _call(self, name: Token) -> Expr:
        function = name.segments[0].text.upper()
        if function not in FUNCTIONS:
            supported = ", ".join(sorted(FUNCTIONS))
            raise filter_error(
                name.pos,
                f"function {function} is not supported (supported functions: {supported})",
            )
        self.advance()  # '('
        args: list[Expr] = []
        if not self.at("OP", ")"):
            follow = self.peek()
            if follow.kind == "NAME" and follow.text.upper() in ("DISTINCT", "SELECT"):
                raise filter_error(
                    follow.pos, f"Syntax error: {follow.text.upper()} is not supported here"
                )
            args.append(self.parse_or())
            while self.at("OP", ","):
                self.advance()
                args.append(self.parse_or())
        self.expect("OP", ")", "',' or ')' in the argument list")
        return FunctionCall(function, tuple(args), pos=name.pos)
