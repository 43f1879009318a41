"""`notify`: the night's milestones, movers and costs in the job summary, and (with
NOTIFY_WEBHOOK_URL set) the new milestones posted to a Slack or Discord webhook.

    NOTIFY_WEBHOOK_URL=https://hooks.slack.com/services/... python -m generator notify

See generator.pipeline.notify for which milestones are the night's and what is recorded.
"""

from __future__ import annotations

import argparse
import os
import re

from generator.config import load_config
from generator.pipeline.notify import NotifyRequest, notify
from generator.pipeline.outcome import append_step_summary
from generator.sources.webhook import DEADLINE
from generator.units import positive

WEBHOOK_VARIABLE = "NOTIFY_WEBHOOK_URL"
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--run-started",
        type=_time,
        metavar="YYYY-MM-DDTHH:MM:SSZ",
        help="count the BigQuery and ClickHouse run-log lines written since this UTC time "
        "as this run's cost (default: since midnight UTC)",
    )
    parser.add_argument(
        "--timeout",
        type=positive(float),
        default=DEADLINE,
        metavar="SECONDS",
        help=f"give up on a webhook post after this long in all (default {DEADLINE:g})",
    )
    parser.epilog = (
        f"The webhook's address is read from ${WEBHOOK_VARIABLE} (a secret: it is never "
        "printed); without it nothing is posted or recorded. With $GITHUB_STEP_SUMMARY set, "
        "the summary is appended to that file as Markdown. Exit status: 0 done, 1 a post "
        "failed (posted again on a later night) or a package's files could not be read."
    )


def run(args: argparse.Namespace) -> int:
    request = NotifyRequest(
        webhook_url=os.environ.get(WEBHOOK_VARIABLE, "").strip(),
        run_started=args.run_started or "",
        timeout=args.timeout,
    )
    outcome = notify(load_config(args.config), args.data_dir, request)
    if outcome.report:
        print(outcome.text())
    append_step_summary(outcome.markdown("Milestones and movers"), os.environ)
    return outcome.exit_code


def _time(text: str) -> str:
    if not _TIME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a UTC time YYYY-MM-DDTHH:MM:SSZ, got {text!r}")
    return text
