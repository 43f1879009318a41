"""The site's shared files: styles, scripts, chart templates and Vega.

Vega is the official minified build, kept in static/ (`VEGA_FILE`, with its BSD licence),
written once into the site (no CDN), so the site works offline and from any host. The
chart templates are compiled from Vega-Lite to Vega at build time (`vega_specs`), so a page
needs neither the Vega-Lite compiler nor vega-embed: vl-convert-python's bundler cannot
export Vega alone (it binds `vega` to null), and its bundle of all three is 305 KB gzipped
against Vega's 177 KB, and takes twice as long to start on a slow phone. Compiling the
templates takes a few seconds, so they are cached under the user's cache directory.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import shutil
from pathlib import Path

from generator import resources
from generator.site import charts

log = logging.getLogger(__name__)

ASSETS = "assets"
VEGA_VERSION = "6.2.0"  # the Vega that vl-convert's Vega-Lite compiles for (a test checks)
VEGA_FILE = f"vega-{VEGA_VERSION}.min.js"  # from the npm package `vega` (build/vega.min.js)
VEGA_LICENSE = "vega-LICENSE.txt"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pypi-download-stats"


def vega_bundle() -> str:
    """Vega as one classic script (`window.vega`)."""
    return (resources.static_dir() / VEGA_FILE).read_text(encoding="utf-8")


def charts_js() -> str:
    """The chart templates as a script; cached per altair version and the sources that make it."""
    here = Path(__file__)
    source = b"".join(
        p.read_bytes()
        for p in (
            Path(charts.__file__),
            here.parent / "chart_specs.py",
            here.parent / "vega_specs.py",
            here,
        )
    )
    versions = "".join(importlib.metadata.version(d) for d in ("altair", "vl-convert-python"))
    key = hashlib.sha256(source + versions.encode()).hexdigest()[:16]
    cached = _cache_dir() / f"charts-{key}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    text = _charts_js()
    _write_cache(cached, text)
    return text


def _write_cache(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home is fine: we just build it again next time
        log.debug("could not cache %s: %s", path.name, exc)


def _charts_js() -> str:
    from generator.site import vega_specs  # altair: imported only when the cache misses

    templates = vega_specs.vega_templates()
    payload = {
        "templates": templates,
        "inputs": {name: vega_specs.page_datasets(spec) for name, spec in templates.items()},
        "numberExpr": charts.NUMBER_EXPR,
        "warmup": charts.WARMUP_DAYS,
        "palette": list(charts.PALETTE),
        "neutral": charts.NEUTRAL,
        "series": charts.OVERALL_SERIES,
        "change": {"date": charts.COUNTING_CHANGE_DATE, "label": charts.COUNTING_CHANGE_LABEL},
    }
    return "window.PYPISTATS_CHARTS = " + json.dumps(payload, separators=(",", ":")) + ";\n"


def write_assets(out_dir: Path) -> dict[str, str]:
    """Write the shared files; return {logical name: path relative to the site root}.

    Names carry a content hash so browsers may cache them forever.
    """
    target = out_dir / ASSETS
    target.mkdir(parents=True, exist_ok=True)
    static = resources.static_dir()
    files = {
        "vega.js": vega_bundle(),
        "charts.js": charts_js(),
        "site.js": (static / "site.js").read_text(encoding="utf-8"),
        "charts-page.js": (static / "charts-page.js").read_text(encoding="utf-8"),
        "compare-page.js": (static / "compare-page.js").read_text(encoding="utf-8"),
        "style.css": (static / "style.css").read_text(encoding="utf-8"),
    }
    urls = {}
    for name, text in files.items():
        stem, ext = name.rsplit(".", 1)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
        filename = f"{stem}.{digest}.{ext}"
        (target / filename).write_text(text, encoding="utf-8")
        urls[name] = f"{ASSETS}/{filename}"
    for name in ("favicon.svg", VEGA_LICENSE):
        shutil.copyfile(static / name, target / name)
        urls[name] = f"{ASSETS}/{name}"
    return urls
