"""`releases`: each package's releases from PyPI's JSON API into data/<name>/releases.csv."""

from __future__ import annotations

import argparse
import os

from generator.commands.fetch import add_polite_arguments
from generator.config import describe_default, load_config
from generator.pipeline.outcome import append_step_summary
from generator.pipeline.releases import ReleasesRequest, fetch_releases
from generator.sources.pypi_json import DEFAULT_TIMEOUT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--package",
        action="append",
        metavar="NAME",
        help="only this package (repeatable; it must be listed in packages.yaml)",
    )
    parser.add_argument(
        "--pypi-url",
        metavar="URL",
        help=f"PyPI's JSON API root, or a mirror / local server (default: "
        f"{describe_default('pypi_url')})",
    )
    add_polite_arguments(parser, "", DEFAULT_TIMEOUT)
    parser.epilog = (
        "One conditional request per package (If-None-Match with the last ETag; a package "
        "checked today, UTC, is not asked again). Download counts are never touched. A "
        "package that fails keeps its releases.csv byte-identical and the others go on. "
        "Exit status: 0 all fetched, 1 some packages failed (the summary names each and "
        "why), 2 a configuration error."
    )


def run(args: argparse.Namespace) -> int:
    request = ReleasesRequest(
        packages=tuple(args.package or ()),
        pypi_url=args.pypi_url,
        requests_per_minute=args.requests_per_minute,
        timeout=args.timeout,
    )
    outcome = fetch_releases(load_config(args.config), args.data_dir, request)
    if outcome.report:
        print(outcome.text())
    append_step_summary(outcome.markdown("Releases"), os.environ)
    return outcome.exit_code
