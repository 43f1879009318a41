"""Command line: `python -m generator <command>` (also installed as `pypi-stats`)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from generator import __version__
from generator.errors import EXIT_INTERRUPTED, EXIT_PARTIAL, GeneratorError, UsageError
from generator.progress import LineClearingHandler

COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "check packages.yaml and report every problem with its line"),
    "add": ("add", "add a package to packages.yaml, keeping it sorted and its comments"),
    "fetch": ("fetch", "fetch new daily counts into data/"),
    "releases": ("releases", "fetch each package's releases from PyPI into data/<name>/"),
    "import": ("import_", "import existing pypistats-shaped history (API JSON or CSV)"),
    "build": ("build", "render site/ from data/ and packages.yaml"),
    "update": ("update", "fetch, then build (what the nightly job runs)"),
    "backfill": ("backfill", "fetch history since a date from BigQuery for new packages"),
    "notify": ("notify", "the night's milestones, movers and costs; post new milestones"),
    "demo": ("demo", "generate sample history, build a site from it and serve it (no network)"),
}

log = logging.getLogger("generator")

EPILOG = """\
Run from the repository root; `python -m generator COMMAND --help` explains each command.

examples:
  python -m generator validate                  check packages.yaml
  python -m generator add requests --group Web  track a package
  python -m generator update                    fetch from pypistats.org, then build site/
  python -m generator demo --serve              sample data, no network: http://127.0.0.1:8000/

exit status: 0 success, 1 some packages failed (the rest were written; the summary says
why), 2 a configuration or usage error (the message names the file and line to fix).
"""


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen command's module is imported (keeps start-up fast)."""
    chosen = next((a for a in (argv if argv is not None else sys.argv[1:]) if a in COMMANDS), None)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=Path("packages.yaml"),
        metavar="FILE",
        help="the tracked packages and settings (default: ./packages.yaml)",
    )
    common.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data"),
        metavar="DIR",
        help="the CSV history, data/<package>/<kind>.csv (default: ./data)",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="show debug logging")
    parser = argparse.ArgumentParser(
        prog="python -m generator",
        description="PyPI download statistics with history kept forever, as a static site.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    handler = LineClearingHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(levelname)s %(message)s" if verbose else "%(message)s")
    )
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    for noisy in ("httpx", "httpcore", "urllib3", "google"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


DATA_COMMANDS = ("fetch", "releases", "import", "build", "update", "backfill", "notify")


def check_data_dir(data_dir: Path) -> None:
    """--data-dir must be a directory (or not exist yet: fetch and import create it)."""
    if data_dir.exists() and not data_dir.is_dir():
        raise UsageError(
            f"--data-dir {data_dir} is a file, not a directory; pass the directory that "
            "holds the history (default: ./data)"
        )


def main(argv: list[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    configure_logging(args.verbose)
    try:
        if args.command in DATA_COMMANDS:
            check_data_dir(args.data_dir)
        return int(args.run(args))
    except GeneratorError as exc:
        log.error("error: %s", exc.message)
        return exc.exit_code
    except BrokenPipeError:  # stdout closed early (`... | head`): nothing more to say
        return EXIT_PARTIAL
    except OSError as exc:  # disk full, permissions, a path that is not what it should be
        where = f"{exc.filename}: " if exc.filename else ""
        log.error(
            "error: %s%s. Check that the path exists, is the right kind (file or "
            "directory) and is writable, then run again; files already written are complete.",
            where,
            exc.strerror or exc,
        )
        return EXIT_PARTIAL
    except KeyboardInterrupt:
        log.error("interrupted; files already written are complete, the rest are unchanged")
        return EXIT_INTERRUPTED
