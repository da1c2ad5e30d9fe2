"""The ``lineage`` command line: a thin click layer over the library.

Commands: ``db info|upgrade|downgrade``, ``ls artifacts|executions|contexts|types``,
``show``, ``trace up|down``, ``provenance``, ``impact``, ``diff``, ``render``,
``runs ls|show|compare``, ``tag``, ``note``, ``erase plan|apply``,
``report audit|gdpr|verify``, ``serve`` and ``ui`` (docs/cli.md lists them all). Each parses its
options, calls the library and prints with rich (or JSON with ``--json``).
"""

from __future__ import annotations

from lineage.cli import dvc as _dvc  # noqa: F401  (import dvc)
from lineage.cli import runs as _runs  # noqa: F401  (registers runs, tag and note)
from lineage.cli import tensorboard as _tensorboard  # noqa: F401  (import/export tensorboard)
from lineage.cli._app import cli, main
from lineage.cli.db import db
from lineage.cli.erase import erase
from lineage.cli.graph import diff, impact, provenance, trace
from lineage.cli.listing import ls
from lineage.cli.openlineage import export_group, import_group
from lineage.cli.render import render
from lineage.cli.report import report
from lineage.cli.serve import serve
from lineage.cli.show import show
from lineage.cli.ui import ui

__all__ = ["cli", "main"]

cli.add_command(db)
cli.add_command(ls)
cli.add_command(show)
cli.add_command(trace)
cli.add_command(provenance)
cli.add_command(impact)
cli.add_command(diff)
cli.add_command(erase)
cli.add_command(render)
cli.add_command(report)
cli.add_command(serve)
cli.add_command(ui)
cli.add_command(import_group)
cli.add_command(export_group)
