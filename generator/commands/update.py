"""`update`: fetch, then build. This is what the nightly job runs."""

from __future__ import annotations

import argparse
import logging

from generator.commands import build, fetch
from generator.pipeline.update import update

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    fetch.add_arguments(parser)
    build.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    outcome = update(args.config, args.data_dir, fetch.request_of(args), args.out, args.base_url)
    if outcome.report:
        print(outcome.text())
    return outcome.exit_code
