"""`add NAME [--group G] [--note N]`: track a new package."""

from __future__ import annotations

import argparse
import logging

from generator.config import load_config, parse_config
from generator.config_edit import add_package
from generator.errors import ConfigError
from generator.store import write_text_atomic

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="PyPI project name")
    parser.add_argument("--group", help='group on the site, e.g. "Web"')
    parser.add_argument("--note", help="a short note shown on the package page")


def run(args: argparse.Namespace) -> int:
    load_config(args.config)  # refuse to edit a file that is already invalid
    text = args.config.read_text(encoding="utf-8")
    new_text = add_package(text, args.config, args.name, args.group, args.note)
    _, problems = parse_config(new_text, args.config)
    if problems:
        raise ConfigError(problems)
    write_text_atomic(args.config, new_text)
    log.info("added %s to %s", args.name, args.config)
    return 0
