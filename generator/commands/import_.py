"""`import PACKAGE FILE...`: bring in history collected elsewhere (API JSON or CSV)."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.model import KINDS
from generator.pipeline.import_ import import_files


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("package", help="the PyPI project the history belongs to")
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="pypistats.org API JSON responses (overall, python_major, python_minor, system) "
        "or CSV files with the columns category,date,downloads",
    )
    parser.add_argument(
        "--kind",
        choices=KINDS,
        help="the dimension of the files, when it cannot be told from their categories",
    )
    parser.epilog = (
        "Rows already in data/ keep their stored value; only missing days are added. "
        "Duplicate (date, category) rows with different counts are reported with both "
        "line numbers and nothing is imported. pypistats.org's `recent` response holds "
        "totals, not daily history, and is refused. Exit status: 0 imported, 1 the files "
        "have bad rows (nothing imported), 2 a file or option that cannot work."
    )


def run(args: argparse.Namespace) -> int:
    return import_files(args.data_dir, args.package, args.files, args.kind).exit_code
