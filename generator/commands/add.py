"""`add NAME [--group G] [--note N]`: track a new package."""

from __future__ import annotations

import argparse

from generator.pipeline.add import add


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="PyPI project name, as on https://pypi.org/project/NAME/")
    parser.add_argument("--group", help='heading it appears under on the site, e.g. "Web"')
    parser.add_argument("--note", help="a short note shown on the package page")
    parser.epilog = (
        "The list stays sorted and the file keeps its comments. A file with no `packages:` "
        "yet (or no file at all) gets one. A file with other problems is not edited: "
        "fix what `validate` reports first."
    )


def run(args: argparse.Namespace) -> int:
    return add(args.config, args.name, args.group, args.note).exit_code
