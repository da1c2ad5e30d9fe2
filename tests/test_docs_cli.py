"""The CLI reference (docs/cli.md) covers every command, and its ``--help`` blocks are current.

Each command has a block in docs/cli.md between ``<!-- help: lineage ... -->`` and
``<!-- end help -->`` holding its ``--help`` output. After changing a command, regenerate them:

    .venv/bin/python tests/test_docs_cli.py
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lineage.cli import cli

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
WIDTH = 100
BLOCK = re.compile(
    r"(<!-- help: (?P<path>lineage[^>]*?) -->\n)```text\n.*?```\n(<!-- end help -->)", re.S
)


def walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path below ``command`` (the root is ``()``)."""
    yield path
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from walk(command.commands[name], (*path, name))


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def help_text(path: tuple[str, ...]) -> str:
    """The ``--help`` output of a command at a fixed width."""
    result = CliRunner().invoke(
        cli, [*path, "--help"], prog_name="lineage", terminal_width=WIDTH, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.stdout


PATHS = list(walk(cli))


def _id(path: tuple[str, ...]) -> str:
    return " ".join(("lineage", *path))


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_command_has_help(path: tuple[str, ...]) -> None:
    command = command_at(path)
    assert command.help, f"{_id(path)} is missing its help"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{_id(path)} {param.opts[0]} is missing its help"


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_command_is_documented(path: tuple[str, ...]) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert f"`{_id(path)}" in text, f"{_id(path)} does not appear in {DOCS}"
    assert f"<!-- help: {_id(path)} -->" in text, f"{_id(path)} has no --help block in {DOCS}"


def regenerate(text: str) -> str:
    """``text`` with every help block replaced by the current ``--help`` output."""

    def block(match: re.Match[str]) -> str:
        path = tuple(match.group("path").split()[1:])
        return f"{match.group(1)}```text\n{help_text(path)}```\n{match.group(3)}"

    return BLOCK.sub(block, text)


def test_help_blocks_are_current() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert regenerate(text) == text, (
        f"the --help blocks in {DOCS} are stale; run: .venv/bin/python tests/test_docs_cli.py"
    )


if __name__ == "__main__":
    DOCS.write_text(regenerate(DOCS.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"regenerated the --help blocks of {DOCS}", file=sys.stderr)
