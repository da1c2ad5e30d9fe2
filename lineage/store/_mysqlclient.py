"""What lineage needs from mysqlclient (module ``MySQLdb``) beyond plain DB-API.

Used by ``_backend`` for ``mysql+mysqldb`` URLs only; the driver is imported on first use.

Two things differ from PyMySQL and are handled here:

* **D13's latin1 wire.** mysqlclient encodes parameters by ``conn.encoding`` (in Python) and
  decodes rows by the character set of the C client library, so a connection made as utf8mb4 and
  then switched to latin1 on the server only (:func:`latin1_session`) sends and reads the same
  bytes as PyMySQL's latin1 connection with ``conn.encoding = "utf8"``.
* **Server messages that are not UTF-8.** mysqlclient decodes the server's error message as
  UTF-8; when that fails it leaves a NULL in the exception's ``args``, and reading ``args[1]``
  or ``str(exc)`` crashes the interpreter. On a latin1 session the server quotes stored text in
  latin1, e.g. the duplicate value of a unique violation, and it escapes some bytes of it
  (U+0081 becomes ``\\0081``) or cuts it, so the message can hold broken UTF-8 ('Á' is C3 81).
  :func:`cursor_class` replaces such a message with its bytes decoded with replacement characters,
  as PyMySQL does, before anyone reads it.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["STMT_LENGTH", "cursor_class", "latin1_session"]

#: Longest statement ``executemany`` builds from an INSERT ... VALUES (PyMySQL's limit too;
#: mysqlclient's default of 64 KiB would cost more round trips).
STMT_LENGTH = 1_024_000
# MySQL's "Unknown system variable".
_ER_UNKNOWN_SYSTEM_VARIABLE = 1193


def _readable(exc: Any, db: Any, errors: Any) -> None:
    """Give ``exc`` a readable message if mysqlclient could not decode the server's."""
    try:
        db.error()  # the connection still holds the message: decoding it again tells
    except UnicodeDecodeError as undecodable:
        exc.args = (exc.args[0], bytes(undecodable.object).decode("utf-8", "replace"))
    except errors:  # e.g. the connection is closed: then the message is mysqlclient's own
        pass


@functools.cache
def cursor_class() -> type:
    """mysqlclient's default cursor, with PyMySQL's batch size and readable error messages.

    Raises:
        ImportError: mysqlclient is not installed (or its client library is missing).
    """
    import MySQLdb.cursors

    errors = MySQLdb.Error

    class Cursor(MySQLdb.cursors.Cursor):  # type: ignore[misc]
        max_stmt_length = STMT_LENGTH

        def execute(self, query: Any, args: Any = None) -> Any:
            try:
                return super().execute(query, args)
            except errors as exc:
                _readable(exc, self._get_db(), errors)
                raise

        def executemany(self, query: Any, args: Any) -> Any:
            try:
                return super().executemany(query, args)
            except errors as exc:
                _readable(exc, self._get_db(), errors)
                raise

    return Cursor


def latin1_session(cur: Any) -> None:
    """Switch a mysqlclient session to latin1 on the server while its client stays on utf8mb4.

    The server then reads each byte of a statement as one latin1 character and returns stored
    text as latin1 bytes, as for PyMySQL's latin1 connection, while mysqlclient keeps encoding
    parameters and decoding results as UTF-8. MariaDB Connector/C follows the
    ``character_set_client`` changes that the server reports through session tracking, and would
    then decode results as cp1252, so that tracking is turned off first.
    """
    try:
        cur.execute("SET SESSION session_track_system_variables = ''")
    except Exception as exc:  # servers before MySQL 5.7 / MariaDB 10.2 have no such variable
        if not exc.args or exc.args[0] != _ER_UNKNOWN_SYSTEM_VARIABLE:
            raise
    cur.execute("SET NAMES latin1")
