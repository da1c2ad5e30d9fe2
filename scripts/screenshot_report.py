"""Render the report pages of the demo pipeline and screenshot them in headless Chromium.

    .venv/bin/python scripts/screenshot_report.py [--out DIR] [--width 1400] [--height 2400]

Records the demo pipeline (``lineage.demo``) into ``DIR/demo.db`` and writes, next to it:

* ``dossier.html`` / ``dossier.png``: the audit dossier of the demo model ``churn-model``;
* then records that the ``raw`` dataset holds the records of data subject ``customer-42``,
  plans and applies the erasure of that subject, and writes ``gdpr.html`` / ``gdpr.png`` (the
  GDPR report of the subject after the erasure) and ``dossier-after-erasure.html`` / ``.png``.

Needs Chromium (Debian: ``apt-get install chromium``) for the PNGs; without it only the HTML is
written. Not part of ``make test``: it is for looking at the pages as a reader would.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import lineage
from lineage import conventions
from lineage.demo import record_demo_pipeline
from lineage.erasure import Target
from lineage.proto import Artifact

SUBJECT = "customer-42"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser() -> str | None:
    """The first headless-capable browser on PATH."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(exe: str, page: Path, png: Path, width: int, height: int) -> None:
    """Take a screenshot of ``page`` with headless Chromium, with no network use."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size={width},{height}",
                page.resolve().as_uri(),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )


def write_pages(out: Path) -> list[Path]:
    """Record the demo, write the report pages; return the HTML files written."""
    db = out / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(str(db) + suffix)
        if candidate.exists():
            os.remove(candidate)
    pages = []
    with lineage.MetadataStore(str(db)) as store:
        ids = record_demo_pipeline(store)
        dossier = lineage.audit(store, "Model:churn-model")
        pages.append(out / "dossier.html")
        pages[-1].write_text(dossier.to_html(), encoding="utf-8")
        (out / "dossier.json").write_text(dossier.to_json(indent=2) + "\n", encoding="utf-8")
        (out / "dossier.md").write_text(dossier.to_markdown(), encoding="utf-8")

        # The raw extract holds a customer's records; erase them.
        tagged = Artifact(id=ids["raw"])
        tagged.custom_properties[conventions.SUBJECT_PREFIX + SUBJECT].bool_value = True
        tagged.custom_properties[conventions.PII].bool_value = True
        store.put_artifacts(
            [tagged],
            field_mask_paths=[
                f"custom_properties.{conventions.SUBJECT_PREFIX}{SUBJECT}",
                f"custom_properties.{conventions.PII}",
            ],
        )
        plan = lineage.erasure.plan(
            store, Target.subject(SUBJECT), reason="GDPR art. 17 request #4711", requested_by="dpo"
        )
        lineage.erasure.apply(store, plan)
        report = lineage.gdpr_report(store, f"subject:{SUBJECT}")
        pages.append(out / "gdpr.html")
        pages[-1].write_text(report.to_html(), encoding="utf-8")
        (out / "gdpr.md").write_text(report.to_markdown(), encoding="utf-8")
        after = lineage.audit(store, "Model:churn-model")
        pages.append(out / "dossier-after-erasure.html")
        pages[-1].write_text(after.to_html(), encoding="utf-8")
    return pages


def main(argv: list[str] | None = None) -> int:
    """Write the pages and their screenshots; print where they are."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("demo-out/reports"), help="directory")
    parser.add_argument("--width", type=int, default=1400, help="window width in pixels")
    parser.add_argument("--height", type=int, default=2400, help="window height in pixels")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pages = write_pages(args.out)
    exe = browser()
    for page in pages:
        print(f"wrote {page}")
        if exe is None:
            continue
        png = page.with_suffix(".png")
        screenshot(exe, page, png, args.width, args.height)
        print(f"wrote {png}")
    if exe is None:
        print(
            "no Chromium found: install it (apt-get install chromium) for screenshots",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
