"""The report documents: JSON (schema, canonical form, sha256), HTML, Markdown and notebooks."""

from __future__ import annotations

import copy
import doctest
import hashlib
import importlib
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import lineage
from lineage import erasure, errors
from lineage.report import AuditDossier, GdprReport, audit, canonical_json, gdpr_report
from lineage.report import verify_report as verify
from tests.report.scenario import Clinic, record_clinic

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMAS = {
    "audit": json.loads((ROOT / "schemas" / "audit-dossier.schema.json").read_text()),
    "gdpr": json.loads((ROOT / "schemas" / "gdpr-report.schema.json").read_text()),
}


@pytest.fixture
def clinic_store(tmp_path: Path) -> Iterator[tuple[Any, Clinic]]:
    store = lineage.MetadataStore(str(tmp_path / "clinic.db"))
    try:
        yield store, record_clinic(store)
    finally:
        store.close()


@pytest.fixture
def documents(clinic_store: tuple[Any, Clinic], tmp_path: Path) -> dict[str, Any]:
    """A dossier and GDPR reports before the erasure of alice, after it, and after deleting."""
    store, clinic = clinic_store
    out: dict[str, Any] = {
        "audit": audit(store, clinic.model),
        "gdpr": gdpr_report(store, "subject:alice"),
        "gdpr-dataset": gdpr_report(store, clinic.vocab),
    }
    erasure.apply(store, erasure.plan(store, "subject:alice", reason="GDPR art. 17 #12"))
    out["audit-after"] = audit(store, clinic.model)
    out["gdpr-after"] = gdpr_report(store, "subject:alice")
    with lineage.MetadataStore(str(tmp_path / "deleted.db")) as other:
        record_clinic(other)
        erasure.apply(other, erasure.plan(other, "subject:alice", reason="r", delete_targets=True))
        out["gdpr-deleted"] = gdpr_report(other, "subject:alice")
    return out


def schema_for(name: str) -> dict[str, Any]:
    return SCHEMAS["audit" if name.startswith("audit") else "gdpr"]


# ------------------------------------------------------------------------------ JSON
def test_the_schemas_are_valid_2020_12_schemas() -> None:
    for schema in SCHEMAS.values():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_real_documents_validate_against_their_schema(documents: dict[str, Any]) -> None:
    for name, document in documents.items():
        data = json.loads(document.to_json())
        jsonschema.Draft202012Validator(schema_for(name)).validate(data)
        assert data["format"] == (
            "lineage.audit-dossier" if name.startswith("audit") else "lineage.gdpr-report"
        )


def test_the_schema_is_exact(documents: dict[str, Any]) -> None:
    """No member the schema does not describe, none missing."""
    data = json.loads(documents["audit-after"].to_json())
    validator = jsonschema.Draft202012Validator(SCHEMAS["audit"])
    extra = copy.deepcopy(data)
    extra["model"]["surprise"] = 1
    assert not validator.is_valid(extra)
    missing = copy.deepcopy(data)
    del missing["steps"][0]["user"]
    assert not validator.is_valid(missing)
    wrong = copy.deepcopy(data)
    wrong["sha256"] = "md5:abc"
    assert not validator.is_valid(wrong)


def test_sha256_is_over_the_canonical_form_without_itself(documents: dict[str, Any]) -> None:
    for document in documents.values():
        text = document.to_json()
        data = json.loads(text)
        assert text.encode() == canonical_json(data)  # to_json() is the canonical form
        body = {k: v for k, v in data.items() if k != "sha256"}
        expected = hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
        # For these documents (no floats written differently by ECMAScript and Python, no
        # keys outside the BMP) RFC 8785 is exactly sorted keys, compact separators, UTF-8.
        assert data["sha256"] == f"sha256:{expected}"
        assert verify(text)
        assert verify(document.to_json(indent=2))  # indenting does not change the checksum
        assert verify(data)


def test_a_tampered_document_fails_verification(documents: dict[str, Any]) -> None:
    data = json.loads(documents["audit-after"].to_json())
    assert verify(data)
    for change in (
        lambda d: d["steps"][0].__setitem__("user", "mallory"),
        lambda d: d["metrics"][-1].__setitem__("value", 0.99),
        lambda d: d["erasures"].__setitem__("receipts", []),
        lambda d: d["inputs"].pop(),
        lambda d: d.__setitem__("extra", True),
        lambda d: d.__setitem__("sha256", "sha256:" + "0" * 64),
    ):
        tampered = copy.deepcopy(data)
        change(tampered)
        assert not verify(tampered)
        assert not verify(json.dumps(tampered, indent=1))


def test_verify_refuses_what_is_not_a_sealed_report() -> None:
    with pytest.raises(errors.InvalidArgumentError, match="not a JSON report"):
        verify("{not json")
    with pytest.raises(errors.InvalidArgumentError, match="not an object"):
        verify("[1, 2]")
    with pytest.raises(errors.InvalidArgumentError, match="no 'sha256'"):
        verify('{"format": "lineage.audit-dossier"}')
    assert lineage.verify_report is verify


@pytest.mark.parametrize(
    ("value", "text"),
    [
        # RFC 8785 section 3.2.2.3 and appendix B.
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (333333333.33333329, "333333333.3333333"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (9007199254740992.0, "9007199254740992"),
        (295147905179352830000.0, "295147905179352830000"),
        (0.1, "0.1"),
        (1e23, "1e+23"),
    ],
)
def test_canonical_numbers_are_ecmascript_numbers(value: float, text: str) -> None:
    assert canonical_json(value).decode() == text


def test_canonical_form_of_rfc8785_examples() -> None:
    # RFC 8785 section 3.2.3: members sorted by UTF-16 code units.
    data = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    names = list(json.loads(canonical_json(data)))
    assert names == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert canonical_json({"a": [True, None, "\u2028\n\x1f"]}) == (
        b'{"a":[true,null,"\xe2\x80\xa8\\n\\u001f"]}'
    )
    for bad in (float("nan"), float("inf"), 2**60, {1: 2}, object()):
        with pytest.raises(errors.InvalidArgumentError):
            canonical_json(bad)


# ------------------------------------------------------------------------------ HTML
class Page(HTMLParser):
    """Collects tags and attributes; fails on a malformed nesting of the main elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, name, value or "") for name, value in attrs)
        if tag in ("html", "body", "div", "section", "table", "svg", "figure", "details"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("html", "body", "div", "section", "table", "svg", "figure", "details"):
            assert self.open, f"</{tag}> closes nothing"
            assert self.open[-1] == tag, f"</{tag}> closes <{self.open[-1]}>"
            self.open.pop()


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert page.open == [], f"unclosed: {page.open}"
    return page


def assert_self_contained(text: str) -> Page:
    page = parse(text)
    assert "script" not in page.tags
    assert "link" not in page.tags
    assert "img" not in page.tags
    assert "iframe" not in page.tags
    for tag, name, value in page.attrs:
        if name in ("src", "href", "xlink:href", "action", "data", "srcset"):
            assert value.startswith("#"), f"<{tag} {name}={value!r}> leaves the page"
        if "http:" in value or "https:" in value:
            assert name.startswith("xmlns"), f"<{tag} {name}={value!r}> names a host"
    assert "url(" not in text  # no style sheet fetches anything
    assert "@import" not in text
    return page


@pytest.mark.parametrize("name", ["audit", "audit-after", "gdpr", "gdpr-after", "gdpr-deleted"])
def test_html_is_one_self_contained_page(documents: dict[str, Any], name: str) -> None:
    text = documents[name].to_html()
    page = assert_self_contained(text)
    assert text.startswith("<!DOCTYPE html>")
    assert page.tags[:2] == ["html", "head"]
    assert "style" in page.tags
    if name != "gdpr-deleted":
        assert page.tags.count("svg") == 1  # the diagram, inline
        assert "<?xml" not in text
        assert "<!DOCTYPE svg" not in text
    assert documents[name].sha256 in text


def test_html_shows_what_an_auditor_looks_for(documents: dict[str, Any]) -> None:
    dossier: AuditDossier = documents["audit-after"]
    text = dossier.to_html()
    for needle in (
        "Audit dossier: Model risk.pkl@a665a45920",
        "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",  # the commit
        "sha256:" + "60" * 32,  # an input's fingerprint
        "CC-BY-4.0",
        "scikit-learn",
        "train_loss",
        "FAILED",
        "GDPR art. 17 #12",
        "tombstoned",
        "review",
        "dana",
        "2026-01-05 09:00:00Z",
    ):
        assert needle in text, needle
    assert "alice" not in text  # subjects appear as hashes
    assert "ward-3@clinic.example" not in text  # an erased property is gone


def test_html_without_graphviz_says_so_and_gives_the_text(
    documents: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lineage.render, "graphviz_available", lambda: False)
    for name in ("audit", "gdpr"):
        document = documents[name]
        text = document.to_html()
        page = assert_self_contained(text)
        assert "svg" not in page.tags
        assert "Graphviz (the dot program) is not installed" in text
        assert "flowchart LR" in text
        assert "digraph lineage" in text


def test_the_notebook_shows_a_fragment(documents: dict[str, Any]) -> None:
    for name in ("audit", "gdpr"):
        document = documents[name]
        bundle = document._repr_mimebundle_()
        assert set(bundle) == {"text/html", "text/markdown", "text/plain"}
        assert bundle["text/html"].startswith('<div class="lineage-report">')
        assert "<html" not in bundle["text/html"]
        assert document._repr_html_() == bundle["text/html"]
        assert bundle["text/plain"] == str(document)
        parse(bundle["text/html"])


# ------------------------------------------------------------------------------ Markdown
def test_markdown_has_the_mermaid_diagram_and_the_sections(documents: dict[str, Any]) -> None:
    dossier: AuditDossier = documents["audit-after"]
    text = dossier.to_markdown()
    assert "```mermaid\nflowchart LR\n" in text
    assert text.count("```") % 2 == 0
    for heading in (
        "## Summary",
        "## Lineage",
        "## Model",
        "## Steps",
        "## Data and other inputs",
        "## Environment",
        "## Configuration",
        "## Evaluations and metrics",
        "## Erasures",
        "## Not recorded",
    ):
        assert f"\n{heading}\n" in text, heading
    assert dossier.sha256 in text
    report: GdprReport = documents["gdpr-after"]
    text = report.to_markdown()
    assert "```mermaid\nflowchart LR\n" in text
    assert "## Erasure receipts" in text
    assert "tombstoned by erasure" in text


def test_markdown_tables_escape_cells(clinic_store: tuple[Any, Clinic]) -> None:
    store, clinic = clinic_store
    from lineage.proto import metadata_store_pb2 as pb

    update = pb.Artifact(id=clinic.model)
    update.custom_properties["note"].string_value = "a | b\nc <script>"
    store.put_artifacts([update], field_mask_paths=["custom_properties.note"])
    text = audit(store, clinic.model).to_markdown()
    line = next(line for line in text.splitlines() if "property `note`" in line)
    assert line == "| property `note` | a \\| b c &lt;script&gt; |"
    assert "<script>" not in audit(store, clinic.model).to_html()


# ------------------------------------------------------------------------------ docstrings
@pytest.mark.parametrize(
    "module",
    [
        "lineage.report",
        "lineage.report._canonical",
        "lineage.report._collect",
        "lineage.report._audit",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(module))
    assert tried > 0
    assert failures == 0
