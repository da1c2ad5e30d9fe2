"""The tokenizer of the ``filter_query`` language (ZetaSQL expression syntax, MLMD's subset).

Tokens:

* keywords (case-insensitive): ``AND OR NOT IN LIKE BETWEEN IS NULL TRUE FALSE``;
* names: a dotted path without spaces whose segments are words (``[0-9A-Za-z_]+``, the first
  one not starting with a digit) or backquoted text (`` `my key` ``), e.g.
  ``properties.`my key`.string_value``;
* numbers: ``42``, ``0x2A``, ``1.5``, ``.5``, ``1e-3``;
* strings: ``'...'``, ``"..."``, ``'''...'''`` or ``\"\"\"...\"\"\"`` with backslash escapes
  (``\\n \\t \\r \\a \\b \\f \\v \\\\ \\? \\' \\" \\```, ``\\ooo`` and ``\\xhh`` below 0x80,
  ``\\uhhhh``, ``\\Uhhhhhhhh``);
* operators ``= != <> < <= > >= + - * / ( ) ,``;
* comments ``-- ...``, ``# ...`` (to the end of the line) and ``/* ... */`` are skipped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

from lineage.errors import FilterQueryError

__all__ = ["KEYWORDS", "Segment", "Token", "filter_error", "tokenize"]

KEYWORDS: Final = frozenset(
    {"AND", "OR", "NOT", "IN", "LIKE", "BETWEEN", "IS", "NULL", "TRUE", "FALSE"}
)

_BAD_CHARACTERS: Final = re.compile("[\x00\ud800-\udfff]")
_WORD: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_DIGITS: Final = frozenset("0123456789")
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_OPERATORS: Final = ("!=", "<>", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "(", ")", ",")
_UNSUPPORTED_OPERATORS: Final = ("==", "||", "<<", ">>", "|", "&", "^", "~", "!")
_SIMPLE_ESCAPES: Final = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "?": "?",
    '"': '"',
    "'": "'",
    "`": "`",
}


def filter_error(position: int, problem: str) -> FilterQueryError:
    """Build the error for a problem at ``position`` (0-based) of the query text."""
    return FilterQueryError(
        f"Invalid `filter_query` at position {position}: {problem}", position=position
    )


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a dotted name: its text (backquotes removed), whether quoted, offset."""

    text: str
    quoted: bool
    pos: int


@dataclass(frozen=True, slots=True)
class Token:
    """A token.

    Attributes:
        kind: ``KEYWORD``, ``NAME``, ``INT``, ``FLOAT``, ``STRING``, ``OP`` or ``EOF``.
        text: The source text (keywords upper-cased).
        pos: Offset of the first character.
        value: The int, float or str value of a literal.
        segments: The segments of a ``NAME``.
    """

    kind: str
    text: str
    pos: int
    value: int | float | str | None = None
    segments: tuple[Segment, ...] = ()


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with one ``EOF`` token.

    Raises:
        FilterQueryError: On a character or literal that is not part of the language.
    """
    bad = _BAD_CHARACTERS.search(text)
    if bad is not None:
        c = bad.group()
        if c == "\x00":
            raise filter_error(bad.start(), "the query contains a NUL character (U+0000)")
        raise filter_error(
            bad.start(), f"the query is not valid Unicode (lone surrogate U+{ord(c):04X})"
        )
    return _Lexer(text).run()


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.tokens: list[Token] = []

    def run(self) -> list[Token]:
        text = self.text
        n = len(text)
        while True:
            self._skip_space_and_comments()
            if self.i >= n:
                self.tokens.append(Token("EOF", "", n))
                return self.tokens
            c = text[self.i]
            if c in _DIGITS or (c == "." and self._peek(1) in _DIGITS):
                self._number()
            elif c in "'\"":
                self._string()
            elif c == "`" or (c in _WORD):
                self._name()
            else:
                self._operator()

    def _peek(self, offset: int) -> str:
        j = self.i + offset
        return self.text[j] if j < len(self.text) else ""

    def _skip_space_and_comments(self) -> None:
        text = self.text
        n = len(text)
        while self.i < n:
            c = text[self.i]
            if c.isspace():
                self.i += 1
            elif c == "#" or text.startswith("--", self.i):
                end = text.find("\n", self.i)
                self.i = n if end < 0 else end + 1
            elif text.startswith("/*", self.i):
                end = text.find("*/", self.i + 2)
                if end < 0:
                    raise filter_error(self.i, "Syntax error: unclosed comment '/*'")
                self.i = end + 2
            else:
                return

    # numbers ----------------------------------------------------------------------------

    def _number(self) -> None:
        text = self.text
        start = self.i
        j = start
        n = len(text)
        if text.startswith(("0x", "0X"), j) and j + 2 < n and text[j + 2] in _HEX:
            j += 2
            while j < n and text[j] in _HEX:
                j += 1
            self._end_of_number(start, j)
            digits = text[start + 2 : j].lstrip("0")
            if len(digits) > 16:
                raise filter_error(start, f"Invalid integer literal: {text[start:j]}")
            self.tokens.append(Token("INT", text[start:j], start, int(digits or "0", 16)))
            self.i = j
            return
        is_float = False
        while j < n and text[j] in _DIGITS:
            j += 1
        if j < n and text[j] == ".":
            is_float = True
            j += 1
            while j < n and text[j] in _DIGITS:
                j += 1
        if j < n and text[j] in "eE":
            k = j + 1
            if k < n and text[k] in "+-":
                k += 1
            if k < n and text[k] in _DIGITS:
                is_float = True
                j = k
                while j < n and text[j] in _DIGITS:
                    j += 1
        self._end_of_number(start, j)
        literal = text[start:j]
        if is_float:
            value = float(literal)
            if math.isinf(value):
                raise filter_error(start, f"Invalid floating point literal: {literal}")
            self.tokens.append(Token("FLOAT", literal, start, value))
        else:
            if len(literal.lstrip("0")) > 20:  # far beyond INT64; int() has a digit limit
                raise filter_error(start, f"Invalid integer literal: {literal}")
            self.tokens.append(Token("INT", literal, start, int(literal)))
        self.i = j

    def _end_of_number(self, start: int, end: int) -> None:
        if end < len(self.text) and (self.text[end] in _WORD or self.text[end] in ".`"):
            stop = end
            while stop < len(self.text) and (self.text[stop] in _WORD or self.text[stop] == "."):
                stop += 1
            bad = self.text[start : max(stop, end + 1)]
            raise filter_error(start, f"Syntax error: malformed number {bad!r}")

    # strings ----------------------------------------------------------------------------

    def _string(self) -> None:
        text = self.text
        start = self.i
        quote = text[start]
        triple = text.startswith(quote * 3, start)
        delimiter = quote * 3 if triple else quote
        j = start + len(delimiter)
        n = len(text)
        out: list[str] = []
        while True:
            if j >= n:
                raise filter_error(start, "Syntax error: unterminated string literal")
            c = text[j]
            if text.startswith(delimiter, j):
                j += len(delimiter)
                break
            if c == "\\":
                value, end = self._escape(j)
                if value == "\x00":
                    raise filter_error(j, "string literals cannot contain the NUL character")
                out.append(value)
                j = end
                continue
            if not triple and c in "\r\n":
                raise filter_error(
                    start,
                    "Syntax error: unterminated string literal (a quoted string cannot span "
                    "lines; use \\n or a triple-quoted string)",
                )
            out.append(c)
            j += 1
        self.tokens.append(Token("STRING", text[start:j], start, "".join(out)))
        self.i = j

    def _escape(self, j: int) -> tuple[str, int]:
        """Decode the escape sequence starting with the backslash at ``j``."""
        text = self.text
        n = len(text)
        if j + 1 >= n:
            raise filter_error(j, "Syntax error: unterminated string literal")
        c = text[j + 1]
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c], j + 2
        if c in "01234567":
            digits = text[j + 1 : j + 4]
            if len(digits) != 3 or any(d not in "01234567" for d in digits):
                raise filter_error(j, "Illegal escape sequence: octal escapes need 3 digits")
            code = int(digits, 8)
            if code >= 0x80:
                raise filter_error(
                    j, f"Illegal escape sequence: \\{digits} is not ASCII; use \\u{code:04x}"
                )
            return chr(code), j + 4
        if c in "xX":
            digits = text[j + 2 : j + 4]
            if len(digits) != 2 or any(d not in _HEX for d in digits):
                raise filter_error(j, "Illegal escape sequence: \\x needs 2 hex digits")
            code = int(digits, 16)
            if code >= 0x80:
                raise filter_error(
                    j, f"Illegal escape sequence: \\x{digits} is not ASCII; use \\u{code:04x}"
                )
            return chr(code), j + 4
        if c in "uU":
            width = 4 if c == "u" else 8
            digits = text[j + 2 : j + 2 + width]
            if len(digits) != width or any(d not in _HEX for d in digits):
                raise filter_error(j, f"Illegal escape sequence: \\{c} needs {width} hex digits")
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise filter_error(j, f"Illegal escape sequence: \\{c}{digits} is not a character")
            return chr(code), j + 2 + width
        shown = c if c.isprintable() else f"\\u{ord(c):04x}"
        raise filter_error(j, f"Illegal escape sequence: \\{shown}")

    # names ------------------------------------------------------------------------------

    def _segment(self, j: int) -> tuple[Segment, int]:
        text = self.text
        n = len(text)
        if j < n and text[j] == "`":
            end = text.find("`", j + 1)
            if end < 0:
                raise filter_error(j, "Syntax error: unterminated backquoted name")
            if end == j + 1:
                raise filter_error(j, "Syntax error: empty backquoted name")
            return Segment(text[j + 1 : end], True, j), end + 1
        k = j
        while k < n and text[k] in _WORD:
            k += 1
        if k == j:
            if j >= n:
                raise filter_error(j, "Syntax error: Unexpected end of expression after '.'")
            raise filter_error(j, f"Syntax error: expected a name after '.' but found {text[j]!r}")
        return Segment(text[j:k], False, j), k

    def _name(self) -> None:
        text = self.text
        start = self.i
        segment, j = self._segment(start)
        segments = [segment]
        keyword = segment.text.upper()
        if not segment.quoted and keyword in KEYWORDS and not text.startswith(".", j):
            self.tokens.append(Token("KEYWORD", keyword, start))
            self.i = j
            return
        while j < len(text) and text[j] == ".":
            segment, j = self._segment(j + 1)
            segments.append(segment)
        self.tokens.append(Token("NAME", text[start:j], start, segments=tuple(segments)))
        self.i = j

    # operators --------------------------------------------------------------------------

    def _operator(self) -> None:
        text = self.text
        start = self.i
        for op in _UNSUPPORTED_OPERATORS:
            if text.startswith(op, start) and not text.startswith("!=", start):
                hint = "; use '='" if op == "==" else ""
                raise filter_error(start, f"Syntax error: operator {op!r} is not supported{hint}")
        for op in _OPERATORS:
            if text.startswith(op, start):
                self.tokens.append(Token("OP", op, start))
                self.i = start + len(op)
                return
        c = text[start]
        if c == "@":
            raise filter_error(start, "Syntax error: query parameters ('@name') are not supported")
        shown = repr(c) if c.isprintable() else f"U+{ord(c):04X}"
        raise filter_error(start, f"Syntax error: unexpected character {shown}")
