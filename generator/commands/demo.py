"""`demo`: sample history → site, served on localhost. Needs no network and no credentials."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from generator.errors import EXIT_OK
from generator.pipeline.demo import DEMO_END, build_demo, serve
from generator.units import positive

log = logging.getLogger(__name__)


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
    site_dir = build_demo(args.out, args.years)
    log.info("sample site built in %s (open %s/index.html)", site_dir, site_dir)
    if args.serve:
        serve(site_dir, args.port)
    return EXIT_OK
