"""The night's news as text (stdout), Markdown (the job summary) and chat messages. Pure.

generator.pipeline.notify gathers a `Night` (and, with a webhook, a `Posting`); the
functions here only lay them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from generator.milestones import Milestone
from generator.pipeline.outcome import md_escape
from generator.site.listing import MOVERS_FLOOR
from generator.site.render import PackageResult
from generator.store.clickhouse_log import ClickHouseRun
from generator.store.runlog import RunRecord
from generator.units import human_bytes

MAX_ROWS = 50
"""Milestones listed in the job summary at most (the rest are counted)."""


@dataclass(frozen=True)
class Cost:
    """What the run's queries cost, from the run logs' lines of this run."""

    bigquery_queries: int = 0
    bytes_billed: int = 0
    bytes_processed: int = 0
    clickhouse_queries: int = 0
    rows_read: int = 0
    bytes_read: int = 0


@dataclass(frozen=True)
class Night:
    as_of: str | None  # the newest data day
    start: str | None  # the first day of the night's milestones
    milestones: Sequence[Milestone]
    movers: Sequence[PackageResult]
    cost: Cost
    unreadable: Mapping[str, str]  # name -> why


@dataclass
class Posting:
    """What the webhook got tonight (ids), what it had before (id -> sent_at), what waits."""

    shown: str = ""  # the webhook's scheme and host; empty: no webhook
    now: list[str] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    messages: int = 0
    error: str = ""


def cost_of(bigquery: Sequence[RunRecord], clickhouse: Sequence[ClickHouseRun], since: str) -> Cost:
    """The totals of the run logs' lines written at `since` or later (ISO 8601 UTC)."""
    bq = [r for r in bigquery if r.run_at >= since]
    ch = [r for r in clickhouse if r.run_at >= since]
    return Cost(
        bigquery_queries=len(bq),
        bytes_billed=sum(r.bytes_billed for r in bq),
        bytes_processed=sum(r.bytes_processed for r in bq),
        clickhouse_queries=sum(r.queries for r in ch),
        rows_read=sum(r.rows_read for r in ch),
        bytes_read=sum(r.bytes_read for r in ch),
    )


def cost_line(cost: Cost) -> str:
    parts = []
    if cost.bigquery_queries:
        parts.append(
            f"BigQuery: {cost.bigquery_queries} quer"
            f"{'y' if cost.bigquery_queries == 1 else 'ies'}, "
            f"{human_bytes(cost.bytes_billed)} billed ({human_bytes(cost.bytes_processed)} "
            "processed)"
        )
    if cost.clickhouse_queries:
        parts.append(
            f"ClickHouse: {cost.clickhouse_queries} quer"
            f"{'y' if cost.clickhouse_queries == 1 else 'ies'}, {cost.rows_read:,} rows and "
            f"{human_bytes(cost.bytes_read)} read (free)"
        )
    if not parts:
        return "no BigQuery or ClickHouse query ran (pypistats.org and PyPI cost nothing)"
    return "; ".join(parts)


def status_of(milestone: Milestone, posting: Posting) -> str:
    """What happened to the milestone on the webhook: for the summary's table."""
    if milestone.id in posting.now:
        return "posted now"
    if milestone.id in posting.before:
        return f"posted {posting.before[milestone.id]}"
    if milestone.id in posting.waiting:
        return "not posted yet (tried again next night)"
    return "not posted (no NOTIFY_WEBHOOK_URL)" if not posting.shown else "not posted"


def report(night: Night, posting: Posting) -> list[str]:
    """The plain-text summary, for stdout."""
    lines = [
        f"notify: data through {night.as_of or 'no data yet'}; "
        f"{len(night.milestones)} milestone{'s' if len(night.milestones) != 1 else ''} dated "
        f"{night.start or '-'} or later; {len(night.movers)} mover"
        f"{'s' if len(night.movers) != 1 else ''}; cost: {cost_line(night.cost)}",
        notification_line(posting),
    ]
    lines += [f"  {m.date} {m.title}: {status_of(m, posting)}" for m in night.milestones]
    if night.unreadable:
        lines.append("Left out (their files could not be read):")
        lines += [f"  {name}: {why}" for name, why in night.unreadable.items()]
    return lines


def notification_line(posting: Posting) -> str:
    if not posting.shown and not posting.error:
        return "notifications: off (no NOTIFY_WEBHOOK_URL)"
    where = posting.shown or "the webhook"
    line = (
        f"notifications: {len(posting.now)} milestone{'s' if len(posting.now) != 1 else ''} "
        f"posted to {where} in {posting.messages} message{'s' if posting.messages != 1 else ''}"
        f", {len(posting.before)} posted before"
    )
    if posting.error:
        line += (
            f"; failed: {posting.error} ({len(posting.waiting)} not posted: tried again "
            "on a later night while still among that night's milestones)"
        )
    return line


def markdown(night: Night, posting: Posting) -> str:
    """The job summary's section: cost, milestones, movers, notifications."""
    out = [
        f"### Milestones and movers (data through {night.as_of or 'no data yet'})",
        "",
        f"**What the queries cost:** {md_escape(cost_line(night.cost))}.",
        "",
        f"**Notifications:** {md_escape(notification_line(posting).partition(': ')[2])}.",
        "",
        *_milestone_table(night, posting),
        "",
        *_movers_table(night.movers),
    ]
    if night.unreadable:
        out += ["", "**Left out** (their files could not be read):", ""]
        out += [f"- {md_escape(n)}: {md_escape(why)}" for n, why in night.unreadable.items()]
    return "\n".join(out) + "\n"


def _milestone_table(night: Night, posting: Posting) -> list[str]:
    if not night.milestones:
        return [f"**Milestones** dated {night.start or '-'} or later: none."]
    out = [
        f"**Milestones** dated {night.start} or later (the last days of data):",
        "",
        "| day | milestone | webhook |",
        "|---|---|---|",
    ]
    for m in night.milestones[:MAX_ROWS]:
        out.append(f"| {m.date} | {md_escape(m.title)} | {status_of(m, posting)} |")
    if len(night.milestones) > MAX_ROWS:
        out += ["", f"… and {len(night.milestones) - MAX_ROWS} more."]
    return out


def _movers_table(movers: Sequence[PackageResult]) -> list[str]:
    rule = (
        f"30-day growth, among packages with at least {MOVERS_FLOOR:,} downloads in the "
        "previous 30 days"
    )
    if not movers:
        return [f"**Top movers** ({rule}): none."]
    out = [
        f"**Top movers** ({rule}):",
        "",
        "| package | last 30 days | previous 30 days | change |",
    ]
    out.append("|---|--:|--:|--:|")
    for r in movers:
        month = r.changes["month"]
        out.append(
            f"| {md_escape(r.name)} | {month.current:,} | {month.previous:,} | "
            f"{month.percent:+.1f}% |"
        )
    return out


def messages(
    milestones: Sequence[Milestone], base_url: str | None, limit: int
) -> list[tuple[str, list[Milestone]]]:
    """The chat messages for `milestones`, oldest first, each at most `limit` characters:
    a heading line, then one line per milestone (with its page's address when the site's
    base_url is known). Each message comes with the milestones it carries."""
    out: list[tuple[str, list[Milestone]]] = []
    count = len(milestones)
    head = f"New on PyPI download stats ({count} milestone{'s' if count != 1 else ''}):"
    text, batch = head, list[Milestone]()
    for m in milestones:
        line = "\n• " + _line(m, base_url)
        line = line if len(head) + len(line) <= limit else line[: limit - len(head) - 1] + "…"
        if batch and len(text) + len(line) > limit:
            out.append((text, batch))
            text, batch = "(continued)", list[Milestone]()
        text += line
        batch.append(m)
    if batch:
        out.append((text, batch))
    return out


def _line(milestone: Milestone, base_url: str | None) -> str:
    line = f"{milestone.title} ({milestone.date})"
    if base_url:
        line += f" {base_url.rstrip('/')}/packages/{milestone.package}/"
    return line
