"""`build`: render site/ from data/ and packages.yaml (package pages, top list, API, badges)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from generator.config import describe_default, load_config
from generator.config_settings import base_url_message, url_problem
from generator.errors import EXIT_OK

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
        type=base_url_option,
        metavar="URL",
        help="the site's public URL, e.g. https://user.github.io/repo/ "
        f"(default: {describe_default('base_url')}); used for badge snippets and the 404 page",
    )


def base_url_option(text: str) -> str:
    """--base-url: empty, or an absolute http(s) URL ending in `/` (the setting's rule;
    here a missing final `/` is added, as --base-url always did)."""
    url = text if not text or text.endswith("/") else text + "/"
    if url and url_problem(url, base=True) is not None:
        raise argparse.ArgumentTypeError(base_url_message("it", text))
    return url


def run(args: argparse.Namespace) -> int:
    from generator.site.build import build_site  # heavy imports (altair) only when building

    build_site(load_config(args.config), args.data_dir, args.out, args.base_url)
    log.info("site written to %s (preview: python -m http.server -d %s)", args.out, args.out)
    return EXIT_OK
