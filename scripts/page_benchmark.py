#!/usr/bin/env python3
"""Page-load benchmark: a built site in Chromium on a phone profile. Prints figures.

    python scripts/page_benchmark.py [--keep DIR] [--runs 3]

Builds two sites into a temporary directory: one package with three years of synthetic
history including the BigQuery extras, and the real histories of ../shared/realdata
(icepyx: five years, when the folder is there). Each is served from 127.0.0.1 with gzip
and the cache headers GitHub Pages sends (`Cache-Control: max-age=600`, Last-Modified).
Debian's chromium is driven through Playwright and CDP:

- cold: a new browser context under the phone profile (6.4 Mbit/s, 150 ms latency, CPU
  slowed 4×): the time until the charts in view are drawn, and until every chart on the
  page is (the page draws those in view first, then the others one per task), and the
  bytes transferred;
- warm: the same context loading the page again: the bytes transferred;
- click: an unthrottled desktop context: from a range click to the charts in view
  redrawn, and to every chart redrawn, timed in the page (the click event's time to each
  chart's `data-drawn-at`), so Playwright's own overhead is not counted.

Budgets (issue 13): charts drawn ≤ 2.5 s, ≤ 450 KB cold, ≤ 60 KB warm, click ≤ 150 ms.
This measures; it asserts nothing (timed tests are not tests).
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import functools
import gzip
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import synthetic  # noqa: E402
from tests.cli_helpers import run_cli  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, REALDATA  # noqa: E402

PHONE = {"latency": 150, "downloadThroughput": 6.4e6 / 8, "uploadThroughput": 6.4e6 / 8}
CPU_SLOWDOWN = 4
BUDGETS = {
    "drawn_s": 2.5,
    "all_drawn_s": None,
    "loaded_s": 2.5,
    "cold_kb": 450,
    "warm_kb": 60,
    "click_ms": 150,
    "all_click_ms": None,
}
# The charts in view: those whose box meets the window, or the first chart (the downloads)
# where none does (on a phone, the figures above the charts fill the first screen).
SEEN = """const seen = c => { const v = c.filter(e => { const b = e.getBoundingClientRect();
  return b.bottom > 0 && b.top < window.innerHeight; }); return v.length ? v : c.slice(0, 1); };"""
# Every chart drawn (`inView`: only those in view).
DRAWN = f"""(inView) => {{ {SEEN}
  const all = [...document.querySelectorAll('.chart[data-chart]')];
  const c = inView ? seen(all) : all;
  return c.length > 0 && c.every(e => +(e.dataset.drawn || 0) >= 1); }}"""
# After a load: [ms to the charts in view drawn, ms to every chart drawn], from the start.
DRAWN_AT = f"""() => {{ {SEEN}
  const c = [...document.querySelectorAll('.chart[data-chart]')];
  return [Math.max(...seen(c).map(e => +e.dataset.drawnAt)),
          Math.max(...c.map(e => +e.dataset.drawnAt))]; }}"""
# After a click: [ms to the charts in view redrawn, ms to every chart redrawn], in the page.
CLICK_TIMES = f"""(clickAt) => {{ {SEEN}
  const c = [...document.querySelectorAll('.chart[data-chart]')];
  const at = e => +e.dataset.drawnAt - clickAt;
  return [Math.max(...seen(c).map(at)), Math.max(...c.map(at))]; }}"""
CLICKS = ("[data-range='30']", "[data-range='365']", "[data-range=all]", "[data-range='90']")
GZIP_TYPES = (".html", ".css", ".js", ".json", ".csv", ".svg", ".txt", ".xml", "")


class PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Static files as GitHub Pages serves them: gzip for text, a 10-minute cache."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            return super().send_head()
        stamp = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
        if self.headers.get("If-Modified-Since") == stamp:
            self.send_response(304)
            self.send_header("Cache-Control", "max-age=600")
            self.end_headers()
            return None
        body = path.read_bytes()
        zipped = path.suffix in GZIP_TYPES and "gzip" in self.headers.get("Accept-Encoding", "")
        if zipped:
            body = gzip.compress(body, 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if zipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", stamp)
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        self.wfile.write(body)
        return None


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(PagesHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def synthetic_site(root: Path) -> Path:
    """One package, three years of history with the BigQuery extras."""
    end = dt.date(2026, 11, 30)
    days = 3 * 365 + 1
    start = end - dt.timedelta(days=days - 1)
    synthetic.write_package(root / "data" / "three-years", 7, start, days, 20_000, extras=True)
    config = synthetic.write_config(root / "packages.yaml", [("three-years", None)])
    site = root / "site"
    result = run_cli("build", "--config", config, "--data-dir", root / "data", "--out", site)
    if result.returncode:
        raise SystemExit(f"build failed:\n{result.stdout}{result.stderr}")
    return site


class Meter:
    """Bytes transferred, from CDP's Network.loadingFinished (encoded, on the wire)."""

    def __init__(self, cdp: Any) -> None:
        self.bytes = 0
        cdp.on("Network.loadingFinished", self._done)

    def _done(self, event: dict[str, Any]) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))


def phone_context(browser: Any) -> tuple[Any, Any, Meter]:
    context = browser.new_context(viewport={"width": 412, "height": 915}, is_mobile=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **PHONE})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page, Meter(cdp)


def load(page: Any, meter: Meter, url: str, charts: bool) -> tuple[float, float, int]:
    """Seconds from the navigation's start to the charts in view drawn, and to every chart
    drawn (timed in the page: each chart's `data-drawn-at`), and the bytes transferred.
    Without charts: to the load event."""
    page.goto("about:blank")
    before = meter.bytes
    page.goto(url, wait_until="load", timeout=120_000)
    if charts:
        page.wait_for_function(DRAWN, arg=False, timeout=120_000)
        in_view, every = page.evaluate(DRAWN_AT)
    else:
        in_view = every = page.evaluate(
            "performance.getEntriesByType('navigation')[0].loadEventEnd"
        )
    page.wait_for_load_state("networkidle")
    return in_view / 1000, every / 1000, meter.bytes - before


def click_ms(browser: Any, url: str) -> tuple[float, float]:
    """Medians of range clicks, unthrottled: click → the charts in view, and every chart,
    redrawn (timed in the page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(DRAWN, arg=False, timeout=60_000)
    page.evaluate(
        "document.addEventListener('click', () => { window.clickAt = performance.now(); }, true)"
    )
    seen, every = [], []
    for selector in CLICKS * 2:
        before = page.evaluate(
            "[...document.querySelectorAll('.chart[data-chart]')].map(e => +e.dataset.drawn)"
        )
        page.locator(selector).first.click()
        page.wait_for_function(
            "(before) => [...document.querySelectorAll('.chart[data-chart]')]"
            ".every((e, i) => +e.dataset.drawn > before[i])",
            arg=before,
            timeout=60_000,
        )
        in_view, all_charts = page.evaluate(CLICK_TIMES, page.evaluate("window.clickAt"))
        seen.append(in_view)
        every.append(all_charts)
    context.close()
    return statistics.median(seen), statistics.median(every)


def measure(browser: Any, label: str, url: str, charts: bool, runs: int) -> dict[str, float]:
    drawn, every, cold, warm = [], [], [], []
    for _ in range(runs):
        context, page, meter = phone_context(browser)
        seconds, all_seconds, sent = load(page, meter, url, charts)
        drawn.append(seconds)
        every.append(all_seconds)
        cold.append(sent)
        warm.append(load(page, meter, url, charts)[2])
        context.close()
    figures = {
        "drawn_s": statistics.median(drawn),
        "all_drawn_s": statistics.median(every),
        "cold_kb": statistics.median(cold) / 1000,
        "warm_kb": statistics.median(warm) / 1000,
    }
    if charts:
        figures["click_ms"], figures["all_click_ms"] = click_ms(browser, url)
    else:
        figures["loaded_s"] = figures.pop("drawn_s")
        del figures["all_drawn_s"]
    return figures


def report(label: str, figures: dict[str, float]) -> None:
    words = {
        "drawn_s": ("charts in view drawn (phone, cold)", "s"),
        "all_drawn_s": ("  every chart drawn", "s"),
        "loaded_s": ("loaded (phone, cold)", "s"),
        "cold_kb": ("transferred, cold", "KB"),
        "warm_kb": ("transferred, repeat visit", "KB"),
        "click_ms": ("range click → charts in view (desktop)", "ms"),
        "all_click_ms": ("  → every chart redrawn", "ms"),
    }
    print(f"\n{label}")
    for key, value in figures.items():
        text, unit = words[key]
        budget = BUDGETS[key]
        verdict = (
            ""
            if budget is None
            else f"  (budget {budget:g}: " + ("met)" if value <= budget else "OVER)")
        )
        print(f"  {text:40s} {value:8.2f} {unit:2s}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build into DIR and keep it")
    parser.add_argument("--runs", type=int, default=3, help="cold loads per page (median)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install -y chromium")
    root = args.keep or Path(tempfile.mkdtemp(prefix="pypi-stats-pages-"))
    root.mkdir(parents=True, exist_ok=True)
    pages: list[tuple[str, Path, str, bool]] = []
    site = synthetic_site(root / "synthetic")
    pages.append(("package page, 3 years with the extras", site, "packages/three-years/", True))
    pages.append(("home page", site, "", False))
    if (REALDATA / "SOURCES.md").is_file():
        from tests.realsite import build_real_site

        real = build_real_site(REALDATA, root / "real")
        pages.append(("icepyx (real history, 5 years)", real, "packages/icepyx/", True))
    else:
        print(f"(no {REALDATA}: the real-data page is skipped)")
    print(
        f"phone profile: {PHONE['downloadThroughput'] * 8 / 1e6:g} Mbit/s, "
        f"{PHONE['latency']} ms latency, CPU ÷{CPU_SLOWDOWN}; median of {args.runs} cold loads"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for label, site_dir, path, charts in pages:
            server, url = serve(site_dir)
            try:
                report(label, measure(browser, label, url + path, charts, args.runs))
            finally:
                server.shutdown()
        browser.close()
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
