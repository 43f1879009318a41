"""`update`: fetch, then build. This is what the nightly job runs."""

from __future__ import annotations

import argparse

from generator.commands import build, fetch


def add_arguments(parser: argparse.ArgumentParser) -> None:
    fetch.add_arguments(parser)
    build.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    fetched = fetch.run(args)  # 1 = some packages failed; what succeeded is still built
    if fetched not in (0, 1):
        return fetched
    built = build.run(args)
    return built or fetched
