"""Badges in a real browser: Chromium draws every badge text in DejaVu Sans at the width the
badge reserves for it (`textLength`), within 1 px, for many numbers, labels and styles."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from generator.badges import PERIODS, STYLES, Badge, badge_for, render, write_badges

pytestmark = pytest.mark.browser

NUMBERS = [0, 1, 7, 10, 42, 99, 100, 999, 1000, 1050, 1234, 9950, 12_345, 99_999, 999_999,
           1_500_000, 23_456_789, 2_345_678_901, 10**13]  # fmt: skip

# Labels and messages that stress the measurement: kerning pairs, ligatures, capitals,
# punctuation, Latin-1 and typographic characters, a missing label, a very long text.
EXTRA = [
    Badge("AVATAR To Wo", "Yes, L'Ty", "blue"),
    Badge("office waffle", "fluffy fjord", "orange"),
    Badge("", "message only", "red"),
    Badge("Ünïcødé ©", "€ 5 … “x” — ½", "lightgrey"),
    Badge("pypi downloads (without mirrors)", "1,234,567,890 per month", "green"),
    Badge("a<b & c", "x > y", "#e05d44"),
    Badge("iiiiiiii", "WWWWWWWW", "yellow"),
]


@pytest.fixture
def badge_server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """Badges written to tmp_path and served over HTTP on 127.0.0.1; yields (base, paths)."""
    paths: list[str] = []
    cases = [badge_for(p, n) for p in PERIODS for n in NUMBERS] + EXTRA
    for i, badge in enumerate(cases):
        for style in STYLES:
            name = f"case/{i:03d}-{style}.svg"
            (tmp_path / name).parent.mkdir(exist_ok=True)
            (tmp_path / name).write_text(render(badge, style), encoding="utf-8")
            paths.append(name)
    # And what the site build writes for a package.
    overall = {(f"2024-03-{d:02d}", "without_mirrors"): d * 37 for d in range(1, 32)}
    overall |= {(f"2024-03-{d:02d}", "with_mirrors"): d * 91 for d in range(1, 32)}
    write_badges(tmp_path, "demo-pkg", overall)
    paths += sorted(
        p.relative_to(tmp_path).as_posix() for p in (tmp_path / "badges").rglob("*.svg")
    )
    gallery = "".join(f'<img src="{p}" style="margin:4px">' for p in paths)
    (tmp_path / "index.html").write_text(f"<!doctype html><body>{gallery}</body>")

    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", paths
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


# Loads each served SVG as an XML document, puts it in the page, and for every <text> reads
# the reserved width, then removes textLength and reads the width Chromium draws.
MEASURE = """async (paths) => {
  const out = [];
  for (const path of paths) {
    const text = await (await fetch(path)).text();
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    if (doc.querySelector('parsererror')) { out.push({path, error: 'not well-formed XML'}); continue; }
    const svg = document.importNode(doc.documentElement, true);
    document.body.appendChild(svg);
    await document.fonts.ready;
    const rects = [...svg.querySelectorAll('rect')].filter(r => !r.closest('clipPath'));
    svg.querySelectorAll('text').forEach((t, i) => {
      const reserved = parseFloat(t.getAttribute('textLength'));
      const box = t.getBBox();
      const cx = box.x + box.width / 2;
      const home = rects.find(r => r.x.baseVal.value <= cx &&
                                   cx <= r.x.baseVal.value + r.width.baseVal.value);
      const inside = home !== undefined && box.x >= home.x.baseVal.value &&
                     box.x + box.width <= home.x.baseVal.value + home.width.baseVal.value;
      t.removeAttribute('textLength');
      out.push({path, index: i, content: t.textContent, reserved,
                drawn: t.getComputedTextLength(), inside});
      t.setAttribute('textLength', String(reserved));
    });
  }
  return out;
}"""


def test_chromium_draws_every_text_at_its_reserved_width(browser, badge_server, artifacts_dir):
    base, paths = badge_server
    page = browser.new_page()
    try:
        page.goto(base + "index.html")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(artifacts_dir / "badges.png"), full_page=True)
        results = page.evaluate(MEASURE, paths)
    finally:
        page.close()

    errors = [r for r in results if "error" in r]
    assert not errors, errors
    measured = {r["path"] for r in results}
    assert measured == set(paths), "some badges have no <text>"
    assert len(results) >= 2 * len(paths)

    off = [
        f"{r['path']} text {r['index']} {r['content']!r}: reserves {r['reserved']:.2f}px, "
        f"Chromium draws {r['drawn']:.2f}px"
        for r in results
        if abs(r["drawn"] - r["reserved"]) > 1.0
    ]
    assert not off, "\n".join(off)
    outside = [f"{r['path']} {r['content']!r}" for r in results if not r["inside"]]
    assert not outside, "text overflows its box: " + ", ".join(outside)


def test_chromium_uses_dejavu_sans_for_badge_text(browser, badge_server):
    """The widths were measured from DejaVu Sans; the text must be drawn with it (no glyph
    falls back to another font), or the check above would be comparing two different fonts."""
    base, paths = badge_server
    page = browser.new_page()
    try:
        fonts_seen: dict[str, set[str]] = {}
        session = page.context.new_cdp_session(page)
        for path in paths[:: max(1, len(paths) // 40)] + [p for p in paths if "badges/" in p]:
            page.goto(base + path)
            session.send("DOM.enable")
            session.send("CSS.enable")
            root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
            nodes = session.send("DOM.querySelectorAll", {"nodeId": root, "selector": "text"})
            assert nodes["nodeIds"], path
            for node in nodes["nodeIds"]:
                fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                for font in fonts:
                    fonts_seen.setdefault(font["familyName"], set()).add(path)
    finally:
        page.close()
    assert set(fonts_seen) == {"DejaVu Sans"}, (
        "badge text drawn in other fonts (install fonts-dejavu-core if DejaVu Sans is missing): "
        + repr({k: sorted(v)[:3] for k, v in fonts_seen.items() if k != "DejaVu Sans"})
    )
