"""The demo: sample history → site, served on localhost. Needs no network and no credentials."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import logging
from pathlib import Path

from generator import store
from generator.config import load_config
from generator.errors import UsageError
from generator.sample import SAMPLE_PACKAGES, sample_history, sample_releases
from generator.store import releases, update_package, write_text_atomic

log = logging.getLogger(__name__)
SAMPLE_NOTE = "This directory holds generated SAMPLE data, not real PyPI downloads.\n"
DEMO_END = dt.date(2026, 11, 20)  # fixed, so the demo is the same on every machine


def build_demo(out: Path, years: int) -> Path:
    """Write sample packages.yaml and history under `out`, build `out/site`; return it."""
    from generator.site.build import build_site  # heavy imports (altair) only when building

    config_path, data_dir, site_dir = write_sample_config(out), out / "data", out / "site"
    write_sample_history(data_dir, years)
    build_site(load_config(config_path), data_dir, site_dir, "")
    return site_dir


def write_sample_config(out: Path) -> Path:
    lines = [
        "# Sample packages for the demo: generated data, not real downloads.",
        'site_title: "PyPI download stats (sample data)"',
        "packages:",
    ]
    for name, group, _ in sorted(SAMPLE_PACKAGES):
        lines += [f"  - name: {name}", f"    group: {group}"]
    path = out / "packages.yaml"
    write_text_atomic(path, "\n".join(lines) + "\n")
    return path


def write_sample_history(data_dir: Path, years: int) -> None:
    start = DEMO_END - dt.timedelta(days=365 * years)
    with store.locked(data_dir, "demo"):
        for name, _, scale in SAMPLE_PACKAGES:
            update_package(
                data_dir, name, sample_history(name, scale, start, DEMO_END), source="sample"
            )
            releases.write(data_dir, name, sample_releases(name, start, DEMO_END))
        write_text_atomic(data_dir / store.META_DIR / store.SAMPLE_MARKER, SAMPLE_NOTE)


def serve(site_dir: Path, port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_dir))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UsageError(
            f"cannot serve on 127.0.0.1:{port} ({exc.strerror or exc}); the site is built in "
            f"{site_dir}. Pick another port: `make demo PORT=8001` or `--port 8001`"
        ) from None
    with server:
        log.info("serving the sample site at http://127.0.0.1:%d/ (Ctrl-C to stop)", port)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            log.info("stopped")
