"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) and the sha256 reports carry.

The canonical form of a JSON value is RFC 8785's: object members sorted by their names compared
as UTF-16 code units, no whitespace, strings with only the mandatory escapes (``"``, ``\\``
and control characters; everything else as literal UTF-8), numbers in ECMAScript's shortest
round-trip form (``1`` not ``1.0``, ``1e-7``, ``1e+21``), encoded as UTF-8. Any JCS library
(Go, Java, JavaScript, Rust, ...) produces the same bytes, so a report's checksum can be checked
without lineage. Integers must lie within ±2**53 (exact as IEEE doubles), as RFC 8785 requires;
non-finite floats have no JSON form and are refused (reports write them as strings).

A report's ``sha256`` member is ``"sha256:"`` followed by the lowercase hex sha256 of the
canonical form of the report *without* its ``sha256`` member.

Example:
    >>> canonical_json({"b": [1.0, 0.5, 1e-7, "é"], "a": None}).decode()
    '{"a":null,"b":[1,0.5,1e-7,"é"]}'
    >>> seal({"a": 1})["sha256"]
    'sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862'
"""

from __future__ import annotations

import decimal
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any, Final

from lineage.errors import InvalidArgumentError

__all__ = ["CHECKSUM_FIELD", "canonical_json", "checksum", "seal", "verify_report"]

#: The member of a report that holds its checksum.
CHECKSUM_FIELD: Final = "sha256"
_MAX_EXACT: Final = 2**53


def _number(value: float) -> str:
    """A float as ECMAScript's Number.prototype.toString writes it (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(value):
        raise InvalidArgumentError(f"{value!r} has no JSON form (canonical JSON refuses it)")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript's algorithm does.
    parsed = decimal.Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, parsed.digits)).rstrip("0") or "0"
    exponent = int(parsed.exponent) + len("".join(map(str, parsed.digits))) - len(digits)
    k = len(digits)
    n = exponent + k  # the value is 0.<digits> * 10**n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _write(value: Any, out: list[str], where: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > _MAX_EXACT:
            raise InvalidArgumentError(
                f"{where}: the integer {value} is outside ±2**53 (canonical JSON needs it exact)"
            )
        out.append(str(value))
    elif isinstance(value, float):
        try:
            out.append(_number(value))
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{where}: {exc}") from None
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Mapping):
        for name in value:
            if not isinstance(name, str):
                raise InvalidArgumentError(f"{where}: object member names must be text: {name!r}")
        out.append("{")
        for i, name in enumerate(sorted(value, key=lambda n: n.encode("utf-16-be"))):
            if i:
                out.append(",")
            out.append(json.dumps(name, ensure_ascii=False))
            out.append(":")
            _write(value[name], out, f"{where}.{name}")
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, f"{where}[{i}]")
        out.append("]")
    else:
        raise InvalidArgumentError(f"{where}: {type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical form of a JSON value, as UTF-8 bytes.

    Args:
        value: dicts, lists/tuples, str, int, float, bool and None.

    Raises:
        InvalidArgumentError: Something that has no canonical JSON form (a non-finite float,
            an integer beyond ±2**53, a non-text member name, another type).
    """
    out: list[str] = []
    _write(value, out, "$")
    return "".join(out).encode("utf-8")


def checksum(document: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` over the canonical JSON of ``document`` without its ``sha256`` member."""
    body = {k: v for k, v in document.items() if k != CHECKSUM_FIELD}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def seal(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with its ``sha256`` member set (see :func:`checksum`)."""
    sealed = {k: v for k, v in document.items() if k != CHECKSUM_FIELD}
    sealed[CHECKSUM_FIELD] = checksum(sealed)
    return sealed


def verify_report(document: str | bytes | Mapping[str, Any]) -> bool:
    """Whether a stored report (audit dossier or GDPR report) still matches its ``sha256``.

    Recomputes the checksum over the canonical form of everything but the ``sha256`` member
    (see the module docstring) and compares. Indentation and key order of the stored text do
    not matter; any changed value, added or removed member does.

    Args:
        document: The report as JSON text (as written by ``to_json``, indented or not) or as
            the parsed dict.

    Returns:
        True when the recorded checksum equals the recomputed one; False when the content or
        the checksum was changed.

    Raises:
        InvalidArgumentError: The text is not JSON, not an object, or has no ``sha256`` member.
    """
    if isinstance(document, (str, bytes)):
        try:
            parsed = json.loads(document)
        except ValueError as exc:
            raise InvalidArgumentError(f"not a JSON report: {exc}") from exc
    else:
        parsed = document
    if not isinstance(parsed, Mapping):
        raise InvalidArgumentError("not a report: the JSON is not an object")
    recorded = parsed.get(CHECKSUM_FIELD)
    if not isinstance(recorded, str) or not recorded.startswith("sha256:"):
        raise InvalidArgumentError(
            f"not a sealed report: no {CHECKSUM_FIELD!r} member of the form 'sha256:<hex>'"
        )
    try:
        return checksum(parsed) == recorded
    except InvalidArgumentError:
        return False  # a value no report can hold (e.g. NaN): it was not written by lineage
