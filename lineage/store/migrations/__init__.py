"""Schema migrations between MLMD schema versions: numbered steps with upgrade and downgrade."""

from __future__ import annotations

from lineage.errors import UnimplementedError
from lineage.store._backend import Backend

__all__ = ["downgrade", "upgrade"]


def upgrade(backend: Backend, from_version: int, to_version: int) -> None:
    """Upgrade the database from ``from_version`` to ``to_version`` one step at a time."""
    raise UnimplementedError(f"upgrade from schema version {from_version} is not implemented yet")


def downgrade(backend: Backend, from_version: int, to_version: int) -> None:
    """Downgrade the database from ``from_version`` to ``to_version`` one step at a time."""
    raise UnimplementedError(f"downgrade to schema version {to_version} is not implemented yet")
