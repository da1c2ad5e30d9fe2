"""``lineage report audit|gdpr|verify`` on a SQLite file store."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import lineage
from lineage.cli import cli
from tests.report.scenario import Clinic, record_clinic

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def store_file(tmp_path: Path) -> tuple[Path, Clinic]:
    path = tmp_path / "clinic.db"
    with lineage.MetadataStore(str(path)) as store:
        clinic = record_clinic(store)
    return path, clinic


def run(*args: str, db: Path | None = None, stdin: str | None = None) -> tuple[int, str, str]:
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    result = CliRunner().invoke(cli, argv, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_audit_markdown_to_stdout(store_file: tuple[Path, Clinic]) -> None:
    path, clinic = store_file
    code, out, _ = run("report", "audit", "Model:risk.pkl@a665a45920", db=path)
    assert code == 0
    assert out.startswith("# Audit dossier: Model risk.pkl@a665a45920")
    assert "```mermaid" in out


@pytest.mark.parametrize(("fmt", "suffix"), [("md", ".md"), ("html", ".html"), ("json", ".json")])
def test_audit_to_a_file_in_each_format(
    store_file: tuple[Path, Clinic], tmp_path: Path, fmt: str, suffix: str
) -> None:
    path, clinic = store_file
    target = tmp_path / "out" / f"dossier{suffix}"
    code, out, err = run(
        "report", "audit", f"artifact:{clinic.model}", "--format", fmt, "-o", str(target), db=path
    )
    assert code == 0, err
    assert out == ""
    assert f"wrote {target}" in err
    text = target.read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(text)
        schema = json.loads((ROOT / "schemas" / "audit-dossier.schema.json").read_text())
        jsonschema.Draft202012Validator(schema).validate(data)
        assert lineage.verify_report(text)
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>")
    else:
        assert text.startswith("# Audit dossier")
    # Without --format the suffix decides.
    again = tmp_path / f"again{suffix}"
    assert run("report", "audit", f"artifact:{clinic.model}", "-o", str(again), db=path)[0] == 0
    assert again.read_text(encoding="utf-8")[:20] == text[:20]


def test_gdpr_formats_and_statuses(store_file: tuple[Path, Clinic], tmp_path: Path) -> None:
    path, clinic = store_file
    code, out, _ = run("report", "gdpr", "subject:alice", db=path)
    assert code == 0
    assert out.startswith("# GDPR report: data subject alice")
    code, out, _ = run("report", "gdpr", "subject:alice", "--format", "json", db=path)
    data = json.loads(out)
    assert data["counts"]["active"] == 5
    plan = tmp_path / "plan.json"
    assert run("erase", "plan", "subject:alice", "--reason", "r", "-o", str(plan), db=path)[0] == 0
    assert run("erase", "apply", str(plan), "--yes", db=path)[0] == 0
    code, out, _ = run("report", "gdpr", "subject:alice", "--format", "json", db=path)
    data = json.loads(out)
    assert (data["counts"]["tombstoned"], data["counts"]["review"]) == (3, 2)
    page = tmp_path / "gdpr.html"
    code, _, _ = run("report", "gdpr", f"artifact:{clinic.vocab}", "-o", str(page), db=path)
    assert code == 0
    assert "tombstoned" in page.read_text(encoding="utf-8")


def test_verify(store_file: tuple[Path, Clinic], tmp_path: Path) -> None:
    path, clinic = store_file
    stored = tmp_path / "dossier.json"
    run("report", "audit", f"artifact:{clinic.model}", "-o", str(stored), db=path)
    code, out, _ = run("report", "verify", str(stored))
    assert code == 0
    assert out.startswith(f"ok: {stored} matches its sha256:")
    data = json.loads(stored.read_text())
    data["steps"][0]["user"] = "mallory"
    stored.write_text(json.dumps(data, indent=2))
    code, out, err = run("report", "verify", str(stored))
    assert code == 1
    assert "does not match its sha256" in err
    stored.write_text("{}")
    code, _, err = run("report", "verify", str(stored))
    assert code == 1
    assert "error: not a sealed report" in err


def test_errors_are_one_line(store_file: tuple[Path, Clinic], tmp_path: Path) -> None:
    path, clinic = store_file
    code, _, err = run("report", "audit", "Model:nope", db=path)
    assert code == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err
    code, _, err = run("report", "audit", f"execution:{clinic.train}", db=path)
    assert code == 1
    assert "one artifact" in err
    code, _, err = run("report", "gdpr", "subject:nobody", db=path)
    assert code == 1
    assert "no artifact holds the data" in err
    code, _, err = run("report", "audit", "x", db=tmp_path / "missing.db")
    assert code == 1
    assert "no store at" in err
    code, _, err = run("report", "audit", "x", "--format", "pdf", db=path)
    assert code == 2
