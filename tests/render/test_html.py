"""The HTML page: self-contained, with the SVG drawing and every node's details."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

import lineage.render as render
from lineage.proto import metadata_store_pb2 as pb
from tests.render import graphs

pytestmark = pytest.mark.usefixtures("dot")


def page_data(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="lineage-data">(.*?)</script>', page, re.S
    )
    assert match
    return json.loads(match.group(1))


def test_the_page_is_self_contained() -> None:
    page = render.to_html(graphs.pipeline(), title="Churn")
    assert page.startswith("<!DOCTYPE html>")
    lowered = page.lower()
    for remote in ('src="http', "src='http", 'href="http', "@import", "url(http", "<link"):
        assert remote not in lowered, remote
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert "<title>Churn</title>" in page


def test_the_page_embeds_the_svg_with_every_node() -> None:
    page = render.to_html(graphs.pipeline(), clusters=True)
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    for key in [f"artifact:{i}" for i in range(1, 9)] + [f"execution:{i}" for i in range(1, 5)]:
        assert key in ids
    assert "<?xml" not in page
    assert "<!DOCTYPE svg" not in page
    assert "xlink:title" not in svg  # the page shows details itself, no native tooltips


def test_the_page_carries_node_details() -> None:
    data = page_data(render.to_html(graphs.pipeline(), focus="artifact:5"))
    raw = data["nodes"]["artifact:1"]
    assert raw["title"] == "raw"
    assert raw["type"] == "Dataset"
    details = raw["details"]
    assert details["uri"] == "s3://lake/churn/raw.csv"
    assert details["state"] == "LIVE"
    assert details["created"] == "2026-01-01T00:00:01Z"
    assert details["custom_properties"]["version"] == 3
    assert details["contexts"] == ["PipelineRun churn-run-7 (context:2)"]
    failed = data["nodes"]["execution:2"]["details"]
    assert failed["state"] == "FAILED"
    assert failed["custom_properties"]["run.error_type"] == "OutOfMemoryError"
    assert ["artifact:2", "execution:2", "examples[0]", "solid"] in data["edges"]
    assert data["clusters"]["context:2"]["name"] == "churn-run-7"


def test_text_cannot_break_out_of_the_page() -> None:
    graph = pb.LineageGraph()
    graph.artifacts.add(id=1, name="</script><script>alert(1)</script>")
    page = render.to_html(graph, title="<b>x</b>")
    assert "<script>alert(1)" not in page
    assert "<title>&lt;b&gt;x&lt;/b&gt;</title>" in page
    assert page_data(page)["nodes"]["artifact:1"]["details"]["name"].startswith("</script>")


def test_the_page_is_deterministic() -> None:
    assert render.to_html(graphs.pipeline()) == render.to_html(graphs.pipeline())
