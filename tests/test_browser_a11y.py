"""Accessibility in Debian's chromium: axe-core on every page type (light and dark, real and
synthetic data), contrast computed from the page's own styles, underlined links in text,
keyboard-reachable code blocks and the 404 page's skip link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from generator.config import load_config
from generator.site.build import build_site
from tests import axe
from tests.realsite import real_site  # noqa: F401
from tests.servers.static_site import serve
from tests.test_site_build import make_inputs

pytestmark = pytest.mark.browser

SYNTHETIC_PAGES = {
    "home": "",
    "package": "packages/extras-pkg/",
    "package without data": "packages/not-fetched/",
    "top": "top/",
    "about": "about/",
    "faq": "faq/",
    "methodology": "methodology/",
    "api": "api/",
    "costs": "costs/",
    "404": "packages/no-such-package/",
}
REAL_PAGES = {
    "home": "",
    "package, five years": "packages/icepyx/",
    "package with an outage": "packages/heudiconv/",
    "package, small": "packages/osslili/",
    "top": "top/",
    "api": "api/",
    "faq": "faq/",
    "404": "no/such/page",
}
SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def synthetic_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("a11y-site")
    config, data = make_inputs(root, runs=True)
    site = root / "site"
    site.mkdir()
    with serve(site, "/repo/") as url:
        build_site(load_config(config), data, site, url)
        yield url


@pytest.fixture(scope="module")
def no_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The synthetic site built without --base-url (its 404 page finds the root itself)."""
    root = tmp_path_factory.mktemp("a11y-site-no-base")
    config, data = make_inputs(root)
    site = root / "site"
    build_site(load_config(config), data, site, "")
    with serve(site, "/repo/") as url:
        yield url


@pytest.fixture(scope="module")
def axe_js() -> str:
    return axe.axe_source()


def open_page(browser: Any, url: str, scheme: str = "light", width: int = 1280) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    # charts draw after load: wait for every chart to be drawn (or to have failed)
    page.wait_for_function(
        "[...document.querySelectorAll('.chart[data-chart]')]"
        ".every(c => !c.hasAttribute('aria-busy'))",
        timeout=20_000,
    )
    return page


def check_axe(browser: Any, url: str, scheme: str, axe_js: str) -> None:
    page = open_page(browser, url, scheme)
    try:
        found = axe.violations(page, axe_js)
    finally:
        page.context.close()
    minor = [v for v in found if v not in axe.serious(found)]
    if minor:
        print(f"\n{url} ({scheme}), minor and moderate:\n{axe.describe(minor)}")
    assert axe.serious(found) == [], f"{url} ({scheme}):\n{axe.describe(axe.serious(found))}"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", SYNTHETIC_PAGES)
def test_axe_finds_nothing_serious_on_the_synthetic_site(
    browser: Any, synthetic_url: str, axe_js: str, kind: str, scheme: str
):
    check_axe(browser, synthetic_url + SYNTHETIC_PAGES[kind], scheme, axe_js)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", REAL_PAGES)
def test_axe_finds_nothing_serious_on_the_real_data_site(
    browser: Any, real_url: str, axe_js: str, kind: str, scheme: str
):
    check_axe(browser, real_url + REAL_PAGES[kind], scheme, axe_js)


def test_axe_does_see_a_serious_violation(browser: Any, synthetic_url: str, axe_js: str):
    """The harness itself: grey-on-grey text and an unlabelled image are reported."""
    page = open_page(browser, synthetic_url + "about/")
    try:
        page.evaluate(
            """() => {
              const p = document.querySelector('.prose p');
              p.style.color = '#bbbbbb';
              document.querySelector('.prose').appendChild(document.createElement('img'));
            }"""
        )
        ids = {v["id"] for v in axe.serious(axe.violations(page, axe_js))}
    finally:
        page.context.close()
    assert {"color-contrast", "image-alt"} <= ids


# ---------------------------------------------------------------- colours, computed


def luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast of two computed CSS colours ("rgb(1, 2, 3)")."""
    la, lb = sorted((luminance(parse(a)), luminance(parse(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse(colour: str) -> tuple[float, ...]:
    numbers = tuple(float(n) for n in re.findall(r"[\d.]+", colour))
    assert len(numbers) == 3 or numbers[3] == 1, f"not an opaque colour: {colour}"
    return numbers


COLOURS = """() => {
  const css = (selector, prop) => getComputedStyle(document.querySelector(selector))[prop];
  return {
    page: css('body', 'backgroundColor'),
    card: css('.stat', 'backgroundColor'),
    ink: css('body', 'color'),
    muted: css('.stat-sub', 'color'),
    label: css('.stat-label', 'color'),
    link: css('.footer a', 'color'),
    footer: css('.footer', 'backgroundColor'),
    footerText: css('.footer', 'color'),
    variable: getComputedStyle(document.documentElement).getPropertyValue('--muted').trim(),
    chartLabel: getComputedStyle(document.documentElement).getPropertyValue('--chart-label').trim(),
  };
}"""


@pytest.mark.parametrize("scheme", SCHEMES)
def test_text_colours_meet_wcag_aa_on_their_backgrounds(
    browser: Any, synthetic_url: str, scheme: str
):
    page = open_page(browser, synthetic_url, scheme)
    try:
        c = page.evaluate(COLOURS)
    finally:
        page.context.close()
    for text in ("ink", "muted", "label"):
        for ground in ("page", "card"):
            assert contrast(c[text], c[ground]) >= 4.5, (scheme, text, ground, c)
    assert contrast(c["footerText"], c["footer"]) >= 4.5, c
    assert contrast(c["link"], c["footer"]) >= 4.5, c
    assert c["variable"] and c["chartLabel"], "the colours are CSS variables the charts can read"


def test_the_dark_scheme_changes_the_page_and_keeps_the_contrast(browser: Any, synthetic_url: str):
    colours = {}
    for scheme in SCHEMES:
        page = open_page(browser, synthetic_url + "packages/extras-pkg/", scheme)
        try:
            colours[scheme] = page.evaluate(COLOURS)
        finally:
            page.context.close()
    light, dark = colours["light"], colours["dark"]
    assert luminance(parse(light["page"])) > 0.8 > 0.05 > luminance(parse(dark["page"]))
    assert light["muted"] != dark["muted"] and light["variable"] != dark["variable"]
    assert light["chartLabel"] != dark["chartLabel"]
    assert contrast(dark["muted"], dark["card"]) >= 4.5
    assert contrast(dark["ink"], dark["page"]) >= 7


def test_reduced_motion_turns_transitions_off(browser: Any, synthetic_url: str):
    durations = {}
    for motion in ("no-preference", "reduce"):
        context = browser.new_context(reduced_motion=motion)
        page = context.new_page()
        page.goto(synthetic_url, wait_until="networkidle")
        durations[motion] = page.evaluate(
            "getComputedStyle(document.querySelector('.pkg a')).transitionDuration"
        )
        context.close()
    assert durations["no-preference"] != "0s"
    assert set(durations["reduce"].replace(" ", "").split(",")) == {"0s"}


# ---------------------------------------------------------------- links, keyboard


UNDERLINES = """(selector) => [...document.querySelectorAll(selector)].map(a => [
  a.textContent.trim(), getComputedStyle(a).textDecorationLine])"""


@pytest.mark.parametrize("path", ["about/", "faq/", "api/", "methodology/"])
def test_links_inside_text_are_underlined(browser: Any, synthetic_url: str, path: str):
    page = open_page(browser, synthetic_url + path)
    try:
        in_text = page.evaluate(UNDERLINES, ".prose p a, .prose li a, .footer p a")
        nav = page.evaluate(UNDERLINES, "nav[aria-label=Main] a")
    finally:
        page.context.close()
    assert len(in_text) >= 3
    assert [t for t, line in in_text if "underline" not in line] == []
    assert {line for _, line in nav} == {"none"}  # navigation may stay plain


def test_every_code_block_is_a_named_region_reachable_by_keyboard(browser: Any, synthetic_url: str):
    page = open_page(browser, synthetic_url + "api/")
    try:
        blocks = page.evaluate(
            """[...document.querySelectorAll('.prose pre, .prose table')].map(b => {
                 const box = b.closest('[tabindex]');
                 return box && [box.tabIndex, box.getAttribute('role'), box.getAttribute('aria-label')];
               })"""
        )
        assert len(blocks) >= 4 and None not in blocks
        assert all(index == 0 and role == "region" and label for index, role, label in blocks)
        labels = [label for _, _, label in blocks]
        assert len(set(labels)) == len(labels), "each region has its own name"
        # Tab from the top of the page reaches a code block, which then scrolls with the keys
        reached = None
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.tagName") == "PRE":
                reached = page.evaluate("document.activeElement.getAttribute('aria-label')")
                break
        assert reached and reached.startswith("Code example")
        wide = page.evaluate(
            "[...document.querySelectorAll('.prose pre')].find(p => p.scrollWidth > p.clientWidth)"
            "?.getAttribute('aria-label')"
        )
        assert wide, "the API page has a code block wider than its box"
        page.locator(f'pre[aria-label="{wide}"]').focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(  # the arrow key scrolls the block itself
            f"document.querySelector('pre[aria-label=\"{wide}\"]').scrollLeft > 0", timeout=5_000
        )
    finally:
        page.context.close()


@pytest.mark.parametrize("site", ["with --base-url", "without --base-url"])
def test_the_404_skip_link_leads_to_the_404_pages_own_content(
    browser: Any, synthetic_url: str, no_base_url: str, site: str
):
    url = (synthetic_url if site == "with --base-url" else no_base_url) + "packages/nowhere/deeper"
    page = open_page(browser, url)
    try:
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        page.wait_for_timeout(200)
        assert page.url == url + "#main"
        assert page.evaluate("document.activeElement.id") == "main"
        assert "Page not found" in page.locator("main h1").inner_text()
        # the other links still lead into the site, not below the unknown address
        home = page.get_by_role("link", name="Go to the package list")
        page.wait_for_function(
            "document.querySelector('a.button').href.endsWith('/repo/')", timeout=10_000
        )
        home.click()
        page.wait_for_load_state("networkidle")
        assert page.url == url.split("packages/")[0]
    finally:
        page.context.close()
