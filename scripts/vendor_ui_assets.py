"""Copy the web app's browser libraries from node_modules into lineage/web/static/vendor.

Run by ``make ui-assets`` after ``npm ci`` (versions pinned by package-lock.json). Each file
gets its version in its name, so browsers may cache it forever; ``manifest.json`` maps a
library to its file for the page templates, and each library's licence is copied beside it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "lineage" / "web" / "frontend" / "node_modules"
VENDOR = ROOT / "lineage" / "web" / "static" / "vendor"

# name -> (package, file inside the package, suffix of the vendored copy)
FILES = {
    "cytoscape.js": ("cytoscape", "dist/cytoscape.min.js", ".min.js"),
    "uplot.js": ("uplot", "dist/uPlot.iife.min.js", ".min.js"),
    "uplot.css": ("uplot", "dist/uPlot.min.css", ".min.css"),
}


def main() -> int:
    if not MODULES.is_dir():
        print(f"{MODULES} is missing: run `npm ci --prefix lineage/web/frontend` first")
        return 1
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    VENDOR.mkdir(parents=True)
    manifest: dict[str, str] = {}
    for name, (package, inner, suffix) in FILES.items():
        meta = json.loads((MODULES / package / "package.json").read_text())
        target = f"{package.lower()}-{meta['version']}{suffix}"
        shutil.copyfile(MODULES / package / inner, VENDOR / target)
        licence = next(MODULES.joinpath(package).glob("LICENSE*"), None)
        if licence is not None:
            shutil.copyfile(licence, VENDOR / f"{package.lower()}-LICENSE.txt")
        manifest[name] = target
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"vendored {', '.join(sorted(manifest.values()))} into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
