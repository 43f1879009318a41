"""The Markdown pages (about, FAQ, methodology, API) from content/, rendered into the layout.

Markdown may write `{{ROOT}}` for a link to the site's root (a relative path, so the site
works under any sub-path) and `{{BASE_URL}}` for the site's public URL (from --base-url).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import markdown

from generator import resources

PAGES = ("about", "faq", "methodology", "api")
PLACEHOLDER_BASE_URL = "https://USER.github.io/REPO/"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    html: str


def render(slug: str, text: str, root: str, base_url: str) -> Page:
    """Markdown text → Page; the title is the first `# ` heading."""
    text = text.replace("{{ROOT}}", root).replace("{{BASE_URL}}", base_url or PLACEHOLDER_BASE_URL)
    match = re.search(r"^# (.+)$", text, re.MULTILINE)
    title = match.group(1).strip() if match else slug.title()
    html = markdown.markdown(
        text, extensions=["tables", "fenced_code", "toc", "sane_lists"], output_format="html"
    )
    return Page(slug, title, html)


def load_pages(root: str, base_url: str, content_dir: Path | None = None) -> list[Page]:
    content_dir = content_dir or resources.content_dir()
    return [
        render(slug, (content_dir / f"{slug}.md").read_text(encoding="utf-8"), root, base_url)
        for slug in PAGES
        if (content_dir / f"{slug}.md").is_file()
    ]
