"""Where the templates, the Markdown pages and the static assets live: the one place that knows.

In a checkout (and an editable install) templates/ and content/ sit at the repository root,
beside the generator package. An installed wheel carries them inside the package, as
generator/_templates and generator/_content (see `[tool.setuptools]` in pyproject.toml). The
static assets are package data in both layouts: generator/site/static.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _locate(packaged: str, checkout: str) -> Path:
    """The installed copy (inside the package) if there is one, else the checkout's."""
    for candidate in (PACKAGE_DIR / packaged, PACKAGE_DIR.parent / checkout):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"neither {PACKAGE_DIR / packaged} (installed) nor {PACKAGE_DIR.parent / checkout} "
        "(checkout) exists: reinstall the package, or run it from a full checkout"
    )


def templates_dir() -> Path:
    """The Jinja templates of the site and the badges (templates/ in a checkout)."""
    return _locate("_templates", "templates")


def content_dir() -> Path:
    """The Markdown pages: about, FAQ, methodology, API (content/ in a checkout)."""
    return _locate("_content", "content")


def static_dir() -> Path:
    """style.css, site.js and favicon.svg, copied into every site."""
    return PACKAGE_DIR / "site" / "static"
