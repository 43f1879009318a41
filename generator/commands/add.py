"""`add NAME [--group G] [--note N]`: track a new package."""

from __future__ import annotations

import argparse
import logging

from generator.config import parse_config, read_config_text
from generator.config_edit import CannotEdit, add_package
from generator.errors import ConfigError
from generator.store import write_text_atomic

log = logging.getLogger(__name__)


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
    existed = args.config.exists()
    text = read_config_text(args.config, missing_ok=True)
    _, before = parse_config(text, args.config)
    try:
        new_text = add_package(text, args.config, args.name, args.group, args.note)
    except CannotEdit:
        raise ConfigError(before) from None
    _, after = parse_config(new_text, args.config)
    if after:
        # Adding a package fixes only "no packages yet"; anything else was already wrong.
        raise ConfigError(before or after)
    write_text_atomic(args.config, new_text)
    if existed:
        log.info("added %s to %s", args.name, args.config)
    else:
        log.info("created %s, tracking %s", args.config, args.name)
    return 0
