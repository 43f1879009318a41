"""The Markdown pages (about, FAQ, methodology, API) from content/, rendered into the layout.

Markdown may write `{{ROOT}}` for a link to the site's root (a relative path, so the site
works under any sub-path) and `{{BASE_URL}}` for the site's public URL (from --base-url).
The Markdown is rendered first and the values are put into the HTML afterwards, escaped
for HTML, in one pass: a value never becomes Markdown (or HTML) of the page, and a value
that itself holds `{{ROOT}}` is not substituted again.

A heading may set its own anchor, `## pypistats.org {#source-pypistats}` (attr_list), so
package pages can link to a section whatever its title.

Every code block and table is made a keyboard-reachable, labelled region (`tabindex="0"`,
`role="region"`, an `aria-label` naming the section it is in): a wide one scrolls inside
itself, on a phone too, and a keyboard user can scroll it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import markdown

from generator import resources

PAGES = ("about", "faq", "methodology", "api")
PLACEHOLDER_BASE_URL = "https://USER.github.io/REPO/"
_VARIABLE = re.compile(r"\{\{(ROOT|BASE_URL)\}\}")
_BLOCKS = re.compile(r"<h([1-3])[^>]*>(.*?)</h\1>|<pre>(.*?)</pre>|<table>(.*?)</table>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    html: str


def render(slug: str, text: str, root: str, base_url: str) -> Page:
    """Markdown text → Page; the title is the first `# ` heading (plain text)."""
    values = {"ROOT": root, "BASE_URL": base_url or PLACEHOLDER_BASE_URL}
    body = markdown.markdown(
        text,
        extensions=["tables", "fenced_code", "toc", "sane_lists", "attr_list"],
        output_format="html",
    )
    body = _VARIABLE.sub(lambda match: html.escape(values[match[1]], quote=True), body)
    body = scrollable_regions(body)
    match = re.search(r"^# (.+)$", text, re.MULTILINE)
    title = _VARIABLE.sub(lambda m: values[m[1]], match[1].strip()) if match else slug.title()
    return Page(slug, title, body)


def scrollable_regions(body: str) -> str:
    """Each <pre> and <table> of rendered Markdown as a focusable region named after its
    section ("Code example 2 in Shapes", "Table 1 in Endpoints")."""
    heading = ""
    counts = {"Code example": 0, "Table": 0}

    def one(match: re.Match[str]) -> str:
        nonlocal heading
        if match[1]:
            heading = html.unescape(_TAG.sub("", match[2])).strip()
            return match[0]
        kind = "Code example" if match[3] is not None else "Table"
        counts[kind] += 1
        label = html.escape(f"{kind} {counts[kind]}" + (f" in {heading}" if heading else ""))
        region = f'tabindex="0" role="region" aria-label="{label}"'
        if kind == "Table":
            return f'<div class="table-scroll" {region}>{match[0]}</div>'
        return f"<pre {region}>{match[3]}</pre>"

    return _BLOCKS.sub(one, body)


def load_pages(root: str, base_url: str, content_dir: Path | None = None) -> list[Page]:
    content_dir = content_dir or resources.content_dir()
    return [
        render(slug, (content_dir / f"{slug}.md").read_text(encoding="utf-8"), root, base_url)
        for slug in PAGES
        if (content_dir / f"{slug}.md").is_file()
    ]
