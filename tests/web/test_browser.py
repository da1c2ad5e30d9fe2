"""The web app in a real browser: Debian's Chromium, headless, driven by Playwright.

A real ``lineage ui`` process serves a seeded SQLite store on a loopback port; every test reads
what a user would see on the page. Screenshots of each view in both themes go to
``out/ui-screenshots`` (the README shows one).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import seed, seed_wide

SHOTS = Path(__file__).resolve().parents[2] / "out" / "ui-screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AUC = "custom_properties.`metric.auc`.double_value"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Chromium is not installed (make chromium installs Debian's package)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``lineage ui`` on a seeded store: its base URL and the ids of what it holds."""
    import lineage

    directory = tmp_path_factory.mktemp("ui")
    db = directory / "ui.db"
    with lineage.MetadataStore(str(db)) as store:
        ids = seed(store, directory)
        ids["wide"] = seed_wide(store)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lineage",
            "--db",
            str(db),
            "ui",
            "--no-browser",
            "--port",
            "0",
            "--preview-root",
            str(directory),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    url = None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)/runs", line)
        if found:
            url = found.group(1)
            break
        if process.poll() is not None:
            break
    if url is None:
        process.kill()
        pytest.fail(f"lineage ui did not start: {process.stderr.read()}")
    drained: list[str] = []  # keep reading, so the server never blocks on a full pipe
    reader = threading.Thread(target=lambda: drained.extend(process.stderr), daemon=True)
    reader.start()
    try:
        yield {"url": url, **ids}
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=5)
        process.stderr.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a fresh context. bypass_csp: Playwright's wait_for_function evaluates strings,
    which the app's Content-Security-Policy (script-src 'self') forbids, as it should."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    errors: list[str] = []
    p = context.new_page()
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.set_default_timeout(15_000)
    try:
        yield p
    finally:
        context.close()
    assert errors == [], f"the page raised: {errors}"


def _graph_ready(page: Any, since: str = "") -> None:
    page.wait_for_function(
        "(s) => { const g = document.getElementById('graph'); "
        "return g && g.dataset.ready && g.dataset.ready !== s; }",
        arg=since,
    )


def _graph_titles(page: Any) -> set[str]:
    return set(page.evaluate("window.lineageGraph.nodes().map(n => n.data('title'))"))


def _click_node(page: Any, title: str) -> None:
    """A real mouse click on the drawn node with this title."""
    box = page.locator("#graph").bounding_box()
    where = page.evaluate(
        "(t) => { const n = window.lineageGraph.nodes().filter(n => n.data('title') === t)[0];"
        " return n.renderedPosition(); }",
        title,
    )
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])


def test_runs_filter_sort_select_and_compare(page: Any, server: dict[str, Any]) -> None:
    page.goto(server["url"] + "/runs")
    assert page.locator("#runs-table tbody tr").count() == 6
    page.fill("#filter-query", f"{AUC} > 0.85")
    page.press("#filter-query", "Enter")
    page.wait_for_url(re.compile(r"q="))
    rows = page.locator("#runs-table tbody tr")
    auc_column = page.locator("#runs-table thead th").all_inner_texts().index("metric.auc")
    values = [float(v) for v in rows.locator(f"td:nth-child({auc_column + 1})").all_inner_texts()]
    assert values, "the filter keeps the runs above 0.85"
    assert all(v > 0.85 for v in values)
    assert len(values) < 6
    page.click("th[data-col='metric.auc'] a")
    page.wait_for_url(re.compile(r"sort=metric.auc"))
    ascending = [
        float(v) for v in rows.locator(f"td:nth-child({auc_column + 1})").all_inner_texts()
    ]
    assert ascending == sorted(ascending)
    page.click("th[data-col='metric.auc'] a")
    page.wait_for_url(re.compile(r"sort=-metric.auc"))
    descending = [
        float(v) for v in rows.locator(f"td:nth-child({auc_column + 1})").all_inner_texts()
    ]
    assert descending == sorted(ascending, reverse=True)

    page.goto(server["url"] + "/runs")
    assert page.locator("#compare-button").is_disabled()
    for box in page.locator(".run-select").all()[:3]:
        box.check()
    assert page.inner_text("#selected-count") == "3 selected"
    page.click("#compare-button")
    page.wait_for_url(re.compile(r"/compare\?runs="))
    assert page.locator("#compare-table thead th").count() == 4
    learning_rate = page.locator("tr[data-key='learning_rate']")
    assert "differs" in learning_rate.get_attribute("class")
    assert learning_rate.locator("td").all_inner_texts() == ["0.32", "0.16", "0.08"]
    assert "same" in page.locator("tr[data-key='optimizer']").get_attribute("class")
    loss = page.locator("figure.curve[data-metric='loss']")
    loss.wait_for()
    legend = loss.locator(".u-legend").inner_text()
    assert all(name in legend for name in ("sweep-6", "sweep-5", "sweep-4"))
    drawn = page.evaluate(
        "() => { const c = document.querySelector(\"figure[data-metric='loss'] canvas\");"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"
    )
    assert drawn > 500, "the loss curves are drawn on the chart"


def test_explore_a_models_lineage(page: Any, server: dict[str, Any]) -> None:
    page.goto(f"{server['url']}/nodes/artifact:{server['model']}")
    _graph_ready(page)
    assert _graph_titles(page) == {"churn-model", "train-1", "eval-1"}
    for expected in ({"clean"}, {"ingest-1"}):
        ready = page.get_attribute("#graph", "data-ready")
        page.click("#expand-up")
        _graph_ready(page, ready)
        assert expected <= _graph_titles(page)
    assert "up=3" in page.url
    _click_node(page, "ingest-1")
    page.locator("#selection-fields").wait_for()
    assert "Ingest" in page.inner_text("#selection")
    assert "ingest-1" in page.inner_text("#selection-fields")
    _click_node(page, "clean")
    page.wait_for_function(
        "document.querySelector('#selection-fields') && "
        "document.querySelector('#selection-fields').innerText.includes('118422')"
    )
    page.click("#path-from")
    _click_node(page, "churn-model")
    page.wait_for_function("location.search.includes('sel=artifact')")
    ready = page.get_attribute("#graph", "data-ready")
    page.click("#path-to")
    _graph_ready(page, ready)
    lit = page.evaluate("window.lineageGraph.edges('.highlighted').length")
    assert lit == 2, "clean → train-1 → churn-model"
    page.click("#open-dossier")
    page.wait_for_url(re.compile(r"/dossier/"))
    assert "churn-model" in page.inner_text("#report")
    assert "train-1" in page.inner_text("#report")


def test_a_copied_link_opens_the_same_view(page: Any, browser: Any, server: dict[str, Any]) -> None:
    runs = ",".join(str(i) for i in server["runs"][:3])
    page.goto(f"{server['url']}/compare?runs={runs}")
    page.check("#log-scale")
    page.check("#only-diffs")
    page.click("#copy-link")
    link = page.input_value("#copied-link")
    assert "log=1" in link
    assert "diffs=1" in link
    other = browser.new_context(viewport={"width": 1200, "height": 800}, bypass_csp=True)
    try:
        fresh = other.new_page()
        fresh.goto(link)
        assert fresh.is_checked("#log-scale")
        assert fresh.locator("tr[data-key='optimizer']").is_hidden()
        assert fresh.locator("tr[data-key='learning_rate']").is_visible()
    finally:
        other.close()

    page.goto(f"{server['url']}/nodes/artifact:{server['model']}")
    _graph_ready(page)
    ready = page.get_attribute("#graph", "data-ready")
    page.click("#expand-up")
    _graph_ready(page, ready)
    _click_node(page, "clean")
    page.wait_for_function("location.search.includes('sel=')")
    page.click("#copy-link")
    link = page.input_value("#copied-link")
    shown = _graph_titles(page)
    other = browser.new_context(viewport={"width": 1200, "height": 800}, bypass_csp=True)
    try:
        fresh = other.new_page()
        fresh.goto(link)
        _graph_ready(fresh)
        assert _graph_titles(fresh) == shown
        fresh.locator("#selection-fields").wait_for()
        assert "clean" in fresh.inner_text("#selection")
    finally:
        other.close()


def test_a_bad_filter_query_says_where_it_is_wrong(page: Any, server: dict[str, Any]) -> None:
    page.goto(server["url"] + "/runs")
    page.fill("#filter-query", f"{AUC} >> 0.9")
    page.press("#filter-query", "Enter")
    error = page.locator("#filter-error")
    error.wait_for()
    text = error.inner_text()
    assert "position" in text
    assert "^" in text
    assert page.input_value("#filter-query") == f"{AUC} >> 0.9"
    assert page.locator("#runs-table tbody tr").inner_text() == "No runs match."


def test_export_works_offline(page: Any, server: dict[str, Any], tmp_path: Path) -> None:
    page.goto(f"{server['url']}/nodes/artifact:{server['model']}?up=4")
    _graph_ready(page)
    with page.expect_download() as download:
        page.click("#export-graph")
    saved = tmp_path / "graph.html"
    download.value.save_as(saved)
    html = saved.read_text()
    assert "<script src=" not in html
    assert "http://" not in html.split("<body", 1)[1][:2000]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(saved.as_uri())
    page.wait_for_function("window.lineageGraph && window.lineageGraph.nodes().length > 0")
    assert {"raw", "churn-model"} <= _graph_titles(page)
    assert [r for r in requests if not r.startswith("file:")] == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_every_view(page: Any, server: dict[str, Any], theme: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    runs = ",".join(str(i) for i in server["runs"][:4])
    views = {
        "runs": "/runs",
        "compare": f"/compare?runs={runs}",
        "graph": f"/nodes/artifact:{server['wide']}?up=8&down=0&collapse=0",
        "dossier": f"/dossier/artifact:{server['model']}",
    }
    for name, path in views.items():
        page.goto(f"{server['url']}{path}{'&' if '?' in path else '?'}theme={theme}")
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        if name == "graph":
            _graph_ready(page)
            shown = page.evaluate("window.lineageGraph.nodes().length")
            assert 400 <= shown <= 600, shown
        if name == "compare":
            page.locator("figure.curve").first.wait_for()
        target = SHOTS / f"{name}-{theme}.png"
        page.screenshot(path=str(target), full_page=name != "graph")
        assert target.stat().st_size > 10_000
