"""`demo`: sample history → site, served on localhost. Needs no network and no credentials."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import logging
from pathlib import Path

from generator.config import load_config
from generator.errors import UsageError
from generator.sample import SAMPLE_PACKAGES, sample_history
from generator.store import update_package, write_text_atomic
from generator.units import positive

log = logging.getLogger(__name__)
SAMPLE_NOTE = "This directory holds generated SAMPLE data, not real PyPI downloads.\n"
DEMO_END = dt.date(2026, 11, 20)  # fixed, so the demo is the same on every machine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(".demo"),
        metavar="DIR",
        help="scratch directory: DIR/data, DIR/site and DIR/packages.yaml (default: .demo)",
    )
    parser.add_argument(
        "--years",
        type=positive(int),
        default=3,
        metavar="N",
        help=f"years of sample history, ending on {DEMO_END.isoformat()} (default: 3)",
    )
    parser.add_argument(
        "--serve", action="store_true", help="then serve the site on 127.0.0.1 until Ctrl-C"
    )
    parser.add_argument(
        "--port", type=positive(int), default=8000, help="port for --serve (default: 8000)"
    )
    parser.epilog = (
        "Needs no network and no credentials. The packages are made up (acme-*), the "
        "numbers are generated, and every page says so. --config and --data-dir are ignored."
    )


def run(args: argparse.Namespace) -> int:
    config_path, data_dir, site_dir = (
        write_sample_config(args.out),
        args.out / "data",
        args.out / "site",
    )
    write_sample_history(data_dir, args.years)
    build(config_path, data_dir, site_dir)
    log.info("sample site built in %s (open %s/index.html)", site_dir, site_dir)
    if args.serve:
        serve(site_dir, args.port)
    return 0


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
    for name, _, scale in SAMPLE_PACKAGES:
        update_package(data_dir, name, sample_history(name, scale, start, DEMO_END))
    write_text_atomic(data_dir / "_meta" / "sample.txt", SAMPLE_NOTE)


def build(config_path: Path, data_dir: Path, site_dir: Path) -> None:
    from generator.site.build import build_site

    build_site(load_config(config_path), data_dir, site_dir, "")


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
