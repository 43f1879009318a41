"""The site's shared files: styles, scripts, chart templates and the Vega JavaScript bundle.

Vega, Vega-Lite and vega-embed come from vl-convert-python's bundle, written once into the
site (no CDN), so the site works offline and from any host. Bundling takes about two seconds,
so the result is cached per vl-convert version under the user's cache directory.
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

_BUNDLE_SNIPPET = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
ASSETS = "assets"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pypi-download-stats"


def vega_bundle() -> str:
    """vegaEmbed, vega and vegaLite as one classic script (globals on `window`)."""
    import vl_convert as vlc

    version = importlib.metadata.version("vl-convert-python")
    snippet_key = hashlib.sha256(_BUNDLE_SNIPPET.encode()).hexdigest()[:8]
    cached = _cache_dir() / f"vega-bundle-{version}-{snippet_key}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    log.info("bundling Vega, Vega-Lite and vega-embed (once per vl-convert version)")
    # Wrapped in a function so the bundle's top-level names cannot clash with other scripts.
    text = "(function(){\n" + vlc.javascript_bundle(_BUNDLE_SNIPPET) + "\n})();\n"
    _write_cache(cached, text)
    return text


def charts_js() -> str:
    """The chart templates as a script; cached per altair version and the sources that make it."""
    here = Path(__file__)
    source = b"".join(
        p.read_bytes() for p in (Path(charts.__file__), here.parent / "chart_specs.py", here)
    )
    key = hashlib.sha256(source + importlib.metadata.version("altair").encode()).hexdigest()[:16]
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
    from generator.site import chart_specs  # altair: imported only when the cache misses

    payload = {
        "templates": chart_specs.all_templates(),
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
        "style.css": (static / "style.css").read_text(encoding="utf-8"),
    }
    urls = {}
    for name, text in files.items():
        stem, ext = name.rsplit(".", 1)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
        filename = f"{stem}.{digest}.{ext}"
        (target / filename).write_text(text, encoding="utf-8")
        urls[name] = f"{ASSETS}/{filename}"
    shutil.copyfile(static / "favicon.svg", target / "favicon.svg")
    urls["favicon.svg"] = f"{ASSETS}/favicon.svg"
    return urls
