"""The small parts of the site a user handles, in Debian's chromium: the API page on a phone,
the badge snippets' copy buttons, and the home page's search (names, notes, groups, and what
to do when nothing matches)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.config import load_config
from generator.site.build import build_site
from tests.cli_helpers import run_cli
from tests.realsite import build_real_site, real_site  # noqa: F401
from tests.servers.static_site import serve
from tests.test_site_build import make_inputs

pytestmark = pytest.mark.browser

PHONE = 390
REPOSITORY_URL = "https://github.com/example-org/pypi-stats"
# The real packages, described as their maintainer would: groups, notes and the repository.
DESCRIBED = f"""\
site_title: PyPI download stats
repository_url: {REPOSITORY_URL}/
packages:
  - name: binarysniffer
    group: SemClone
    note: Finds open source components in binaries
  - name: heudiconv
    group: Neuroimaging
    note: DICOM to BIDS converter
  - name: icepyx
    group: Earth science
    note: Python tools for ICESat-2 data
  - name: osslili
    group: SemClone
  - name: purl2src
    group: SemClone
  - name: upmex
    group: SemClone
"""


@pytest.fixture(scope="module")
def synthetic_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The synthetic site, with no repository_url (and not inside a GitHub Actions job)."""
    root = tmp_path_factory.mktemp("ui-site")
    config, data = make_inputs(root)
    site = root / "site"
    site.mkdir()
    with serve(site, "/repo/") as url:  # outside GitHub Actions (conftest.NO_GITHUB)
        build_site(load_config(config), data, site, url)
        yield url


@pytest.fixture(scope="module")
def described_url(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real histories, then packages.yaml given groups, notes and repository_url, and
    the site built again: as a user would."""
    root = tmp_path_factory.mktemp("described-real-site")
    site = build_real_site(realdata, root)
    (root / "packages.yaml").write_text(DESCRIBED, encoding="utf-8")
    common = ("--config", root / "packages.yaml", "--data-dir", root / "data")
    result = run_cli("build", *common, "--out", site)
    assert result.returncode == 0, result.stderr
    with serve(site, "/repo/") as url:
        yield url


def new_page(browser: Any, width: int = 1280, **options: Any) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 850}, **options)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    return page


# ---------------------------------------------------------------- the API page on a phone


@pytest.mark.parametrize("which", ["synthetic", "real"])
def test_the_api_page_fits_a_phone_and_its_table_stays_inside(
    browser: Any, request: pytest.FixtureRequest, which: str
):
    url = request.getfixturevalue(f"{which}_url")
    page = new_page(browser, PHONE)
    try:
        page.goto(url + "api/", wait_until="networkidle")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE
        table = page.evaluate(
            """() => { const t = document.querySelector('.prose table');
                       const box = t.closest('[tabindex="0"]'), r = t.getBoundingClientRect();
                       return { right: r.right, boxRight: box.getBoundingClientRect().right,
                                label: box.getAttribute('aria-label'),
                                rows: t.tBodies[0].rows.length }; }"""
        )
        assert table["rows"] >= 6
        assert table["label"] == "Table 1 in Endpoints"
        # the endpoints table wraps to the phone: no part of it is hidden to the right
        assert table["right"] <= table["boxRight"] + 0.5 <= PHONE
        assert page.problems == []
    finally:
        page.context.close()


# ---------------------------------------------------------------- copy buttons


def test_each_badge_snippet_has_a_copy_button_that_copies_it_and_says_so(
    browser: Any, synthetic_url: str
):
    page = new_page(browser, permissions=["clipboard-read", "clipboard-write"])
    try:
        page.goto(synthetic_url + "packages/big-package/", wait_until="networkidle")
        fields = page.locator(".badge-row textarea")
        buttons = page.locator(".badge-row button.copy")
        assert fields.count() == buttons.count() >= 9  # three formats for each badge
        status = page.locator("[data-copy-status]")
        assert status.get_attribute("aria-live") == "polite"
        seen = set()
        for index in (0, 1, 2, buttons.count() - 1):
            button = buttons.nth(index)
            field = page.locator("#" + button.get_attribute("data-copy"))
            field.evaluate("t => t.closest('details').open = true")
            status.evaluate("s => { s.textContent = ''; }")
            button.click()
            expect = field.input_value()
            page.wait_for_function("document.querySelector('[data-copy-status]').textContent")
            assert page.evaluate("navigator.clipboard.readText()") == expect
            assert button.inner_text() == "Copied"
            assert status.inner_text().startswith("Copied the ")
            seen.add(expect)
        assert len(seen) == 4
        assert any(s.startswith("[![") for s in seen) and any(s.startswith("<a ") for s in seen)
        # by keyboard: focus the reStructuredText button and press Enter
        page.evaluate("navigator.clipboard.writeText('')")
        rst = page.locator('button[aria-label^="Copy the reStructuredText snippet"]').first
        rst.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(
            "navigator.clipboard.readText().then(t => t.startsWith('.. image::'))"
        )
        label = rst.get_attribute("aria-label")
        assert label.startswith("Copy the reStructuredText snippet of the ") and "badge" in label
        assert page.problems == []
    finally:
        page.context.close()


def test_without_clipboard_access_the_snippet_is_copied_by_selection(
    browser: Any, synthetic_url: str
):
    page = new_page(browser)
    try:
        page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
        page.goto(synthetic_url + "packages/big-package/", wait_until="networkidle")
        page.evaluate("document.execCommand = (name) => (window.__copied = name) === 'copy'")
        button = page.locator(".badge-row button.copy").first
        button.click()
        field = page.locator("#" + button.get_attribute("data-copy"))
        assert page.evaluate("window.__copied") == "copy"
        selected = page.evaluate(
            "(t => t.value.slice(t.selectionStart, t.selectionEnd))(document.activeElement)"
        )
        assert selected == field.input_value()
        page.wait_for_function("document.querySelector('[data-copy-status]').textContent")
        assert page.locator("[data-copy-status]").inner_text().startswith("Copied the Markdown")
    finally:
        page.context.close()


# ---------------------------------------------------------------- search


def search(page: Any, text: str) -> list[str]:
    page.fill("[data-search]", text)
    return page.eval_on_selector_all(
        "li.pkg:not([hidden]) .pkg-name", "els => els.map(e => e.textContent)"
    )


def test_search_finds_packages_by_name_note_and_group(browser: Any, described_url: str):
    page = new_page(browser)
    try:
        page.goto(described_url, wait_until="networkidle")
        assert search(page, "heudi") == ["heudiconv"]
        assert search(page, "DICOM") == ["heudiconv"]  # its note
        assert search(page, "bids converter") == ["heudiconv"]  # words of the note
        assert search(page, "ICESat-2") == ["icepyx"]
        assert sorted(search(page, "semclone")) == ["binarysniffer", "osslili", "purl2src", "upmex"]
        assert search(page, "earth science") == ["icepyx"]  # its group
        assert page.locator("[data-search-status]").inner_text() == "1 of 6 packages"
        assert page.locator("[data-search-empty]").is_hidden()
        assert search(page, "") and page.locator("[data-group][hidden]").count() == 0
    finally:
        page.context.close()


def test_a_search_that_finds_nothing_links_to_adding_the_package(browser: Any, described_url: str):
    page = new_page(browser)
    try:
        page.goto(described_url, wait_until="networkidle")
        assert search(page, "Not Tracked") == []
        empty = page.locator("[data-search-empty]")
        assert empty.is_visible()
        assert "No tracked package matches \u201cNot Tracked\u201d" in empty.inner_text()
        edit = empty.get_by_role("link", name="Edit packages.yaml")
        assert edit.get_attribute("href") == REPOSITORY_URL + "/edit/main/packages.yaml"
        issue = urlsplit(
            empty.get_by_role("link", name="Ask for it in an issue").get_attribute("href")
        )
        assert f"{issue.scheme}://{issue.netloc}{issue.path}" == REPOSITORY_URL + "/issues/new"
        query = parse_qs(issue.query)
        assert query["title"] == ["Track Not Tracked"]
        assert "https://pypi.org/project/not-tracked/" in query["body"][0]
        # the footer links to the repository too
        footer = page.locator(".footer").get_by_role("link", name="Source and package list")
        assert footer.get_attribute("href") == REPOSITORY_URL
        # a search is text, never markup
        search(page, "<img src=x onerror=alert(1)>")
        assert empty.locator("img").count() == 0
        assert page.problems == []
    finally:
        page.context.close()


def test_without_a_repository_the_empty_search_gives_the_add_command(
    browser: Any, synthetic_url: str
):
    page = new_page(browser)
    try:
        page.goto(synthetic_url, wait_until="networkidle")
        assert search(page, "Some_Thing") == []
        empty = page.locator("[data-search-empty]")
        assert empty.is_visible()
        assert empty.locator("[data-add-command]").inner_text() == (
            "python -m generator add some-thing"
        )
        assert empty.get_by_role("link").count() == 0
        assert page.locator("[data-repository-url]").count() == 0
        assert search(page, "big") == ["Big-Package"]
        assert empty.is_hidden()
    finally:
        page.context.close()
