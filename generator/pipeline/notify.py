"""The night's news: milestones, movers and costs for the job summary, and the webhook.

    notify(config, data_dir, NotifyRequest(webhook_url, run_started)) -> Outcome

Run after the night's fetch and releases, it reads data/ (never the network, the webhook
aside) and hands back an Outcome whose `summary_md` is the job summary's last section:

- **what the run cost**: the BigQuery and ClickHouse run logs' lines (data/_meta) written
  since `run_started` (default: since midnight UTC);
- **the night's milestones** (generator.milestones, the site's own ids): those dated no
  earlier than NEW_DAYS - 1 days before the newest data day (the site's as-of date), or
  later (a release uploaded since). A few days, not one, so a night the job did not run
  or a source a day late is caught up; never more, so turning notifications on does not
  post the whole history;
- **the top movers**: the top list's rule (site.listing.movers, MOVERS_FLOOR), ending on
  the same as-of date, TOP_MOVERS of them.

With a webhook address, the night's milestones not yet in data/_meta/notified.csv are
posted, batched into as few messages as fit MESSAGE_LIMIT, oldest first; each message's
milestones are recorded as soon as the webhook accepts it (under the store's lock). A
failed post stops the posting: what was not accepted is not recorded, so it is posted
again on a later night while it is still one of that night's milestones (exit 1, which
the workflow turns into a warning). Without an address nothing is posted or recorded.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator import derive, stats, store
from generator.config import Config, Package
from generator.errors import EXIT_OK, EXIT_PARTIAL, GeneratorError
from generator.milestones import Milestone, milestones
from generator.pipeline import night_summary
from generator.pipeline.night_summary import Night, Posting
from generator.pipeline.outcome import Outcome
from generator.site.listing import movers
from generator.site.render import PackageResult
from generator.sources.webhook import DEADLINE, MESSAGE_LIMIT, TIMEOUT, WebhookClient
from generator.store import clickhouse_log, notified, runlog
from generator.store import releases as stored_releases

log = logging.getLogger(__name__)

NEW_DAYS = 3
"""A milestone is the night's when dated within the NEW_DAYS days to the newest data day."""
TOP_MOVERS = 5


@dataclass(frozen=True)
class NotifyRequest:
    """What the command line and the environment asked for."""

    webhook_url: str = ""  # NOTIFY_WEBHOOK_URL; empty: nothing is posted or recorded
    run_started: str = ""  # ISO 8601 UTC; empty: since midnight UTC
    timeout: float = DEADLINE  # seconds one post may take in all


@dataclass
class Read:
    """What data/ holds for the night: each package's milestones and movers' figures."""

    results: list[PackageResult] = field(default_factory=list)
    found: list[Milestone] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # name -> why
    as_of: str | None = None


def notify(
    config: Config,
    data_dir: Path,
    request: NotifyRequest,
    client: Callable[[str], WebhookClient] | None = None,
) -> Outcome:
    """The night's summary section, and its new milestones posted; see the module doc."""
    read = read_night(data_dir, config.packages)
    since = request.run_started or runlog.now()[:10] + "T00:00:00Z"
    night = Night(
        as_of=read.as_of,
        start=tonight_start(read.as_of),
        milestones=tonight(read.found, read.as_of),
        movers=movers(read.results)[:TOP_MOVERS],
        cost=night_summary.cost_of(runlog.read(data_dir), clickhouse_log.read(data_dir), since),
        unreadable=read.unreadable,
    )
    posting = Posting()
    if request.webhook_url:
        seconds = request.timeout
        make = client or (
            lambda url: WebhookClient(url, timeout=min(TIMEOUT, seconds), deadline=seconds)
        )
        posting = post_new(data_dir, night.milestones, request.webhook_url, make, config)
    code = EXIT_PARTIAL if posting.error or read.unreadable else EXIT_OK
    return Outcome(
        code, night_summary.report(night, posting), night_summary.markdown(night, posting)
    )


def read_night(data_dir: Path, packages: Sequence[Package]) -> Read:
    """Every package's milestones and its figures for the movers; a package whose files
    cannot be read is left out, with why."""
    out = Read()
    daily: dict[str, stats.Daily] = {}
    last_dates: list[str | None] = []
    for package in packages:
        try:
            daily[package.name], last, found = _package(data_dir, package.normalized)
        except GeneratorError as exc:
            log.warning("%s: left out of tonight's summary: %s", package.name, exc.message)
            out.unreadable[package.name] = exc.message
            continue
        last_dates.append(last)
        out.found += found
    out.as_of = derive.as_of_date(last_dates)  # the site's as-of date, from the same rows
    for package in packages:
        if package.name in daily:
            changes = stats.period_changes(daily[package.name], out.as_of)
            result = PackageResult(package.name, package.normalized, package.group, None)
            out.results.append(dataclasses.replace(result, changes=changes))
    return out


def _package(data_dir: Path, name: str) -> tuple[stats.Daily, str | None, list[Milestone]]:
    """The package's daily downloads (stats.daily), its last date, and every milestone of
    its record (as the site has them)."""
    overall = store.read_series_fast(store.series_path(data_dir, name, "overall"))
    python_minor = store.read_series_fast(store.series_path(data_dir, name, "python_minor"))
    releases = stored_releases.read(data_dir, name)
    months = derive.monthly_counts(python_minor) if python_minor else None
    daily = stats.daily(overall)
    return daily, derive.last_date(overall), milestones(name, daily, releases, months)


def tonight_start(as_of: str | None) -> str | None:
    """The first day a milestone may be dated to be the night's (None: no data yet)."""
    return derive.window_start(as_of, NEW_DAYS) if as_of else None


def tonight(found: Iterable[Milestone], as_of: str | None) -> list[Milestone]:
    """The night's milestones, oldest first: dated tonight_start(as_of) or later."""
    start = tonight_start(as_of)
    return sorted(m for m in found if start is not None and m.date >= start)


def post_new(
    data_dir: Path,
    night: Sequence[Milestone],
    url: str,
    make: Callable[[str], WebhookClient],
    config: Config,
) -> Posting:
    """Post the night's milestones not posted before, recording each accepted message's."""
    posting = Posting()
    try:
        with store.locked(data_dir, "notify"):
            sent = notified.read(data_dir)
            posting.before = {m.id: sent[m.id].sent_at for m in night if m.id in sent}
            fresh = [m for m in night if m.id not in sent and _storable(m)]
            batches = night_summary.messages(fresh, config.settings.base_url, MESSAGE_LIMIT)
            with make(url) as hook:
                posting.shown = hook.shown
                for text, batch in batches:
                    hook.post(text)
                    stamp = runlog.now()
                    sent.update({m.id: notified.Sent(m.date, stamp) for m in batch})
                    notified.write(data_dir, sent)
                    posting.now += [m.id for m in batch]
                    posting.messages += 1
            posting.waiting = [m.id for m in fresh if m.id not in posting.now]
    except GeneratorError as exc:
        log.warning("notifications: %s", exc.message)
        posting.error = exc.message
        posting.waiting = [
            m.id for m in night if m.id not in posting.now and m.id not in posting.before
        ]
    return posting


def _storable(milestone: Milestone) -> bool:
    reason = notified.problem(milestone.id, notified.Sent(milestone.date, runlog.now()))
    if reason is not None:
        log.warning("milestone %s cannot be recorded (%s); it is not posted", milestone.id, reason)
    return reason is None
