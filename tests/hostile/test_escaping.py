"""Hostile text from packages.yaml never becomes markup: every page, JSON file and badge.

`site_title`, `group` and `note` come from strangers' pull requests. Each is set here to
HTML, attribute, template and Markdown injections; the site is built (with and without a
base URL) and every page is parsed with html.parser, every SVG with an XML parser and
every JSON file with json: no script but the site's own, no event-handler attribute, no
`javascript:` link, and the hostile text is shown as text, exactly. The Markdown pages
are rendered before any value is put into them, so a value never becomes Markdown.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.config import load_config
from generator.site import content
from generator.site.build import build_site
from generator.store import runlog
from tests import synthetic
from tests.cli_helpers import run_cli

END = dt.date(2026, 11, 20)
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
SINGLE = "'><svg onload=alert(1)>"
TEMPLATE = "{{ 7*7 }}{% raw %}"
MARKDOWN = "](javascript:alert(1)) [x](javascript:alert(2))"
HOSTILE = (SCRIPT, ATTRIBUTE, SINGLE, TEMPLATE, MARKDOWN)
BASE_URL = "https://user.github.io/repo/"


def yaml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def make_site(root: Path, base_url: str) -> Path:
    data = root / "data"
    synthetic.write_package(data / "alpha", seed=1, start=END - dt.timedelta(days=60), days=61)
    synthetic.write_package(data / "beta", seed=2, start=END - dt.timedelta(days=60), days=61)
    runlog.append(
        data,
        runlog.RunRecord(
            "2026-11-20T03:10:00Z", "fetch", ("alpha",), "2026-11-13", "2026-11-19", 1, 1
        ),
    )
    lines = [f"site_title: {yaml_string(SCRIPT + ATTRIBUTE)}", "packages:"]
    for i, (name, text) in enumerate([("alpha", SCRIPT), ("beta", ATTRIBUTE), ("gamma", None)]):
        lines.append(f"  - name: {name}")
        if text is not None:
            lines.append(f"    group: {yaml_string(text + HOSTILE[(i + 2) % 5])}")
            lines.append(f"    note: {yaml_string(' '.join(HOSTILE))}")
    config = root / "packages.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = root / "site"
    build_site(load_config(config), data, out, base_url)
    return out


@pytest.fixture(scope="module", params=["", BASE_URL], ids=["no base_url", "base_url"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("hostile-site"), request.param)


class Page(html.parser.HTMLParser):
    """Every element, attribute and piece of text of a page, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in == "script" else self.text).append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def parsed(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def html_problems(site: Path) -> list[str]:
    """Each script, handler or link in the pages that the site was not built with."""
    found = []
    for path in sorted(site.rglob("*.html")):
        page = parsed(path)
        for tag, attrs in page.tags:
            where = f"{path.relative_to(site)}: <{tag} {attrs}>"
            if [name for name in attrs if name.startswith("on")]:
                found.append(where)
            for name in ("href", "src", "action", "formaction"):
                if (attrs.get(name) or "").strip().lower().startswith(("javascript:", "data:text")):
                    found.append(where)
            if tag == "script" and not (attrs.get("src") or ".js").endswith(".js"):
                found.append(where)
            if tag == "base" and attrs.get("href") != BASE_URL:
                found.append(where)
        found += [f"{path.relative_to(site)}: {s[:80]}" for s in page.scripts if "alert(" in s]
    return found


def markup_in_other_files(site: Path) -> list[str]:
    """JSON files that do not parse or hold a markup character; badges with a script."""
    found = []
    for path in sorted(site.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        json.loads(text)
        if "<" in text or ">" in text:
            found.append(f"{path.relative_to(site)}: {text[:80]}")
    for path in sorted((site / "badges").rglob("*.svg")):
        for element in ET.fromstring(path.read_text(encoding="utf-8")).iter():
            if element.tag.endswith("script") or any(a.startswith("on") for a in element.attrib):
                found.append(str(path.relative_to(site)))
    return found


def test_the_site_shows_hostile_text_as_text_and_holds_no_markup_of_its_own(site: Path) -> None:
    """Every page type, the JSON API and the badges; the text is shown exactly, once
    escaped (a page shows `<script>`, and `{{ 7*7 }}` is not 49)."""
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert {"index.html", "top/index.html", "packages/alpha/index.html", "404.html"} <= pages
    assert {"about/index.html", "api/index.html", "faq/index.html", "costs/index.html"} <= pages
    assert html_problems(site) == []
    assert markup_in_other_files(site) == []
    home = " ".join(parsed(site / "index.html").text)
    package = " ".join(parsed(site / "packages" / "alpha" / "index.html").text)
    assert SCRIPT + ATTRIBUTE in home and SCRIPT + ATTRIBUTE in package  # the site's title
    assert SCRIPT + HOSTILE[2] in home and ATTRIBUTE + HOSTILE[3] in home  # the groups
    assert " ".join(HOSTILE) in package  # the note, `{{ 7*7 }}` and all
    assert SCRIPT + HOSTILE[2] in " ".join(parsed(site / "top" / "index.html").text)
    index = json.loads((site / "api" / "packages.json").read_text(encoding="utf-8"))
    groups = {p["name"]: p["group"] for p in index["packages"]}
    assert groups["alpha"] == SCRIPT + HOSTILE[2] and groups["beta"] == ATTRIBUTE + HOSTILE[3]


def test_a_base_url_with_markup_never_reaches_a_page(tmp_path: Path) -> None:
    config = tmp_path / "packages.yaml"
    url = "https://x.example/\n<script>alert(1)</script>"
    config.write_text(f"base_url: {yaml_string(url)}\npackages:\n  - name: alpha\n")
    result = run_cli("build", "--config", config, "--data-dir", tmp_path / "data",
                     "--out", tmp_path / "site")  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{config}:1: `base_url` must be empty or the site's absolute" in result.stderr
    assert not (tmp_path / "site").exists()


def test_markdown_pages_get_their_values_after_rendering_escaped_for_html() -> None:
    """Even a value no check refused first (the setting and --base-url are checked) stays
    text: the Markdown is rendered before `{{ROOT}}` and `{{BASE_URL}}` are put in."""
    text = "# API\n\nUse `{{BASE_URL}}api/` or see [the list]({{ROOT}}top/).\n"
    hostile_url = "https://x.example/\n<script>alert(1)</script>\n[a](javascript:alert(2))"
    hostile_root = '"><img src=x onerror=alert(3)>{{BASE_URL}}'
    page = content.render("api", text, hostile_root, hostile_url)
    parser = Page()
    parser.feed(page.html)
    assert [tag for tag, _ in parser.tags] == ["h1", "p", "code", "a"]
    (link,) = [attrs for tag, attrs in parser.tags if tag == "a"]
    assert link["href"] == hostile_root + "top/"  # one pass: {{BASE_URL}} in it stays as is
    assert f"{hostile_url}api/" in "".join(parser.text)
