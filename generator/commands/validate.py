"""`validate`: check packages.yaml and report every problem with its line number."""

from __future__ import annotations

import argparse
import logging

from generator.config import load_config
from generator.errors import EXIT_OK

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # validate takes only the global --config


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # ConfigError → exit 2 with every problem listed
    count = len(config.packages)
    log.info("%s: OK, %d package%s", config.path, count, "" if count == 1 else "s")
    return EXIT_OK
