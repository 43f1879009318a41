"""Command line: `python -m generator <command>` (also installed as `pypi-stats`)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from generator import __version__
from generator.errors import EXIT_CONFIG, GeneratorError

COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "check packages.yaml and report every problem with its line"),
    "add": ("add", "add a package to packages.yaml, keeping it sorted and its comments"),
    "fetch": ("fetch", "fetch new daily counts into data/"),
    "import": ("import_", "import existing pypistats-shaped history (API JSON or CSV)"),
    "build": ("build", "render site/ from data/ and packages.yaml"),
    "update": ("update", "fetch, then build (what the nightly job runs)"),
    "backfill": ("backfill", "fetch history since a date from BigQuery for new packages"),
    "demo": ("demo", "generate sample history, build a site from it and serve it (no network)"),
}

log = logging.getLogger("generator")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen command's module is imported (keeps start-up fast)."""
    chosen = next((a for a in (argv if argv is not None else sys.argv[1:]) if a in COMMANDS), None)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, default=Path("packages.yaml"), help="default: ./packages.yaml"
    )
    common.add_argument("--data-dir", type=Path, default=Path("data"), help="default: ./data")
    common.add_argument("-v", "--verbose", action="store_true", help="show debug logging")
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="PyPI download statistics with history kept forever, as a static site.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(f"generator.commands.{module_name}")
            module.add_arguments(command)
            command.set_defaults(run=module.run)
    return parser


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(message)s" if verbose else "%(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "urllib3", "google"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    configure_logging(args.verbose)
    try:
        return int(args.run(args))
    except GeneratorError as exc:
        log.error("error: %s", exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("interrupted; files already written are complete, the rest are unchanged")
        return 130
    except BrokenPipeError:
        return EXIT_CONFIG
