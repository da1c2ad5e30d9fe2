"""The top-level API: a sorted ``__all__``, every name resolves, and ``import lineage`` is cheap."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import lineage


def test_all_is_sorted_and_unique() -> None:
    assert lineage.__all__ == sorted(lineage.__all__)
    assert len(set(lineage.__all__)) == len(lineage.__all__)


def test_every_public_name_resolves() -> None:
    for name in lineage.__all__:
        assert getattr(lineage, name) is not None, name
    assert set(lineage._EXPORTS) <= set(lineage.__all__)
    assert set(lineage.__all__) - set(lineage._EXPORTS) == {"__version__"}
    assert set(lineage.__all__) <= set(dir(lineage))


def test_exports_are_the_objects_of_their_modules() -> None:
    import lineage.erasure
    import lineage.graph
    import lineage.report

    for name in ("upstream", "downstream", "provenance", "impact", "path", "common_ancestors"):
        assert getattr(lineage, name) is getattr(lineage.graph, name)
    assert lineage.diff is lineage.graph.diff
    assert isinstance(lineage.graph, types.ModuleType)
    assert isinstance(lineage.erasure, types.ModuleType)
    assert isinstance(lineage.report, types.ModuleType)
    assert lineage.audit is lineage.report.audit
    assert lineage.gdpr_report is lineage.report.gdpr_report
    assert lineage.verify_report is lineage.report.verify_report


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        lineage.no_such_name  # noqa: B018


def test_import_lineage_is_cheap() -> None:
    code = (
        "import sys, lineage; "
        "heavy = ('sqlalchemy', 'networkx', 'google.protobuf', 'click', 'lineage.store', "
        "'lineage.graph', 'lineage.report', 'lineage.render'); "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"
