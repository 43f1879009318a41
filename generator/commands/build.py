"""`build`: render site/ from data/ and packages.yaml (package pages, top list, API, badges)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from generator.config import Config, load_config

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("site"),
        metavar="DIR",
        help="output directory, wiped and rebuilt (default: ./site)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="the site's public URL, e.g. https://user.github.io/repo/ "
        "(default: settings.base_url in packages.yaml); used for badge snippets and the 404 page",
    )


def run(args: argparse.Namespace) -> int:
    from generator.site.build import build_site  # heavy imports (altair) only when building

    config = args.config if isinstance(args.config, Config) else load_config(args.config)
    base_url = (
        args.base_url if getattr(args, "base_url", None) is not None else config.settings.base_url
    )
    out = getattr(args, "out", None) or Path("site")
    build_site(config, args.data_dir, out, base_url)
    log.info("site written to %s (preview: python -m http.server -d %s)", out, out)
    return 0
