"""`notify`: the night's milestones, movers and costs in the job summary, and the webhook.

The webhook is tests/servers/webhook_receiver.py on 127.0.0.1, whose address carries a
secret-looking token that must never appear in any output.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import store
from generator.errors import CorruptFileError
from generator.milestones import Milestone
from generator.model import Release
from generator.pipeline import night_summary
from generator.pipeline.outcome import Outcome, append_step_summary
from generator.sources.webhook import MESSAGE_LIMIT, masked
from generator.store import clickhouse_log, notified, runlog
from generator.store import releases as stored_releases
from tests.cli_helpers import run_cli
from tests.servers.webhook_receiver import WebhookReceiver

FIRST = dt.date(2026, 1, 1)
NIGHT_ONE = dt.date(2026, 4, 30)  # day 120: 1,200 downloads, the first 1k+ day and a peak
NIGHT_TWO = NIGHT_ONE + dt.timedelta(days=1)  # release 2.0.0


def write_history(data_dir: Path, last: dt.date, name: str = "alpha") -> None:
    """500 downloads a day from FIRST, then 1,200 on NIGHT_ONE and 1,300 after it."""
    series = {}
    day = FIRST
    while day <= last:
        n = 500 if day < NIGHT_ONE else 1200 if day == NIGHT_ONE else 1300
        series[(day.isoformat(), "without_mirrors")] = n
        series[(day.isoformat(), "with_mirrors")] = n + 10
        day += dt.timedelta(days=1)
    store.write_series(store.series_path(data_dir, name, "overall"), series)


def write_releases(data_dir: Path, *releases: tuple[str, dt.date]) -> None:
    rows = [Release(f"{d.isoformat()}T12:00:00Z", v, False) for v, d in releases]
    stored_releases.write(data_dir, "alpha", rows)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "packages.yaml").write_text(
        "packages:\n  - name: alpha\n  - name: beta\n", encoding="utf-8"
    )
    write_history(tmp_path / "data", NIGHT_ONE)
    write_releases(tmp_path / "data", ("1.0.0", FIRST + dt.timedelta(days=40)))
    # beta: flat, so alpha is the only mover
    write_history(tmp_path / "data", NIGHT_ONE - dt.timedelta(days=1), "beta")
    return tmp_path


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def notify(repo: Path, url: str | None, *args: str) -> tuple[int, str, str]:
    """One night's `notify`: (exit status, stdout + stderr, the job summary)."""
    summary = repo / "summary.md"
    summary.unlink(missing_ok=True)
    env = {"GITHUB_STEP_SUMMARY": str(summary), "NOTIFY_WEBHOOK_URL": url or ""}
    done = run_cli("notify", *args, cwd=repo, env=env)
    text = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return done.returncode, done.stdout + done.stderr, text


def posted_ids(hook: WebhookReceiver) -> list[str]:
    """The milestones the webhook got, by the titles in its messages."""
    titles = {
        "alpha: first day with 1k+ downloads": "alpha/day-1000",
        "alpha: a new all-time peak day": "alpha/peak-2026-04-30",
        "alpha 2.0.0 released": "alpha/release-2.0.0",
        "alpha 1.0.0 released": "alpha/release-1.0.0",
    }
    return [
        titles[title]
        for text in hook.texts()
        for line in text.splitlines()[1:]
        for title in titles
        if line.startswith(f"• {title}")
    ]


def test_each_milestone_is_posted_once_across_two_nights(repo: Path, hook: WebhookReceiver) -> None:
    code, out, summary = notify(repo, hook.url)
    assert code == 0, out
    assert sorted(posted_ids(hook)) == ["alpha/day-1000", "alpha/peak-2026-04-30"]
    assert len(hook.bodies) == 1, "one batched message"
    body = hook.bodies[0]
    assert body["text"] == body["content"], "Slack reads text, Discord content"
    assert len(body["text"]) <= 2000
    sent = notified.read(repo / "data")
    assert set(sent) == {"alpha/day-1000", "alpha/peak-2026-04-30"}
    assert sent["alpha/day-1000"].date == NIGHT_ONE.isoformat()
    assert "posted now" in summary

    # The same night again: nothing new.
    assert notify(repo, hook.url)[0] == 0
    assert len(hook.bodies) == 1

    # Night two: a new day and a release; only the release is new.
    write_history(repo / "data", NIGHT_TWO)
    write_releases(repo / "data", ("1.0.0", FIRST + dt.timedelta(days=40)), ("2.0.0", NIGHT_TWO))
    code, out, summary = notify(repo, hook.url)
    assert code == 0, out
    assert posted_ids(hook) == ["alpha/day-1000", "alpha/peak-2026-04-30", "alpha/release-2.0.0"]
    assert "alpha/release-1.0.0" not in notified.read(repo / "data"), "history is not posted"
    assert "| 2026-04-30 | alpha: first day with 1k+ downloads" in summary
    assert "posted 20" in summary and "posted now" in summary


def test_without_the_secret_nothing_is_sent_or_recorded(repo: Path, hook: WebhookReceiver) -> None:
    code, out, summary = notify(repo, None)
    assert code == 0, out
    assert hook.attempts == 0
    assert not notified.path_in(repo / "data").exists()
    assert "off (no NOTIFY_WEBHOOK_URL)" in out
    # The summary still tells the night's news: milestones, movers, cost.
    assert "### Milestones and movers (data through 2026-04-30)" in summary
    assert "alpha: first day with 1k+ downloads" in summary
    # The top list's movers rule: fastest growing first (beta's window ends a day early).
    assert summary.index("| alpha | 15,700 | 15,000 | +4.7% |") < summary.index("| beta |")
    assert "at least 100 downloads in the previous 30 days" in summary
    assert "no BigQuery or ClickHouse query ran" in summary


def test_a_failed_post_is_posted_again_the_next_night_and_the_url_is_never_shown(
    repo: Path, hook: WebhookReceiver
) -> None:
    hook.inject("500", times=1)
    code, out, summary = notify(repo, hook.url)
    assert code == 1, out
    assert hook.attempts == 1 and not hook.bodies
    assert not notified.read(repo / "data"), "nothing recorded that was not accepted"
    assert "answered 500" in out and "tried again" in out
    assert "http://127.0.0.1/…" in out, "scheme and host are named"
    for text in (out, summary):
        assert hook.token not in text and "/services/" not in text

    code, out, _ = notify(repo, hook.url)
    assert code == 0, out
    assert sorted(posted_ids(hook)) == ["alpha/day-1000", "alpha/peak-2026-04-30"]


def test_a_slow_webhook_is_given_up_at_the_deadline(repo: Path, hook: WebhookReceiver) -> None:
    hook.inject("slow")
    code, out, summary = notify(repo, hook.url, "--timeout", "1")
    assert code == 1, out
    assert "deadline" in out or "timed out" in out.lower(), out
    assert hook.token not in out + summary
    assert not notified.read(repo / "data")
    assert "Traceback" not in out


def test_a_bad_address_is_refused_without_showing_it(repo: Path, hook: WebhookReceiver) -> None:
    secret = "hooks.example.org/services/SECRET TOKEN"
    code, out, _ = notify(repo, f"https://{secret}")
    assert code == 1
    assert "SECRET" not in out and "NOTIFY_WEBHOOK_URL" in out


def test_a_corrupt_record_names_its_line_and_nothing_is_posted(
    repo: Path, hook: WebhookReceiver
) -> None:
    path = notified.path_in(repo / "data")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("id,date,sent_at\nalpha/day-1000,2026-04-30,yesterday\n", encoding="utf-8")
    code, out, _ = notify(repo, hook.url)
    assert code == 1
    assert "data/_meta/notified.csv:2: sent_at 'yesterday'" in out
    assert hook.attempts == 0
    assert path.read_text(encoding="utf-8").endswith("yesterday\n"), "never written over"


def test_the_run_cost_comes_from_this_runs_log_lines(repo: Path) -> None:
    data = repo / "data"
    old = clickhouse_log.ClickHouseRun(
        "2020-01-01T03:00:00Z", "fetch", ("alpha",), "2019-12-30", "2019-12-31", "", 9, 9, 9
    )
    new = clickhouse_log.ClickHouseRun(
        runlog.now(), "fetch", ("alpha",), "2026-04-29", "2026-04-30", "2026-04-30", 3, 12_345, 2048
    )
    clickhouse_log.append(data, old)
    clickhouse_log.append(data, new)
    _, _, summary = notify(repo, None)
    assert "ClickHouse: 3 queries, 12,345 rows and 2.00 KiB read" in summary


# ---------------------------------------------------------------- the pure parts


def milestone(i: int, title_length: int = 60) -> Milestone:
    return Milestone("2026-04-30", f"p{i}/day-1000", f"p{i}", "day", "x" * title_length)


@pytest.mark.parametrize("count,length", [(1, 10), (80, 60), (3, 5000)])
def test_messages_fit_the_limit_and_carry_each_milestone_once(count: int, length: int) -> None:
    found = [milestone(i, length) for i in range(count)]
    batches = night_summary.messages(found, "https://example.org/stats/", MESSAGE_LIMIT)
    assert all(len(text) <= MESSAGE_LIMIT for text, _ in batches)
    carried = [m.id for _, batch in batches for m in batch]
    assert carried == [m.id for m in found]
    if count == 80:
        assert len(batches) > 1
        assert "https://example.org/stats/packages/p0/" in batches[0][0]


def test_the_record_round_trips_and_refuses_what_it_could_not_read_back(tmp_path: Path) -> None:
    sent = {"alpha/release-1.0+local": notified.Sent("2026-04-30", "2026-05-01T03:20:00Z")}
    assert notified.write(tmp_path, sent)
    assert notified.read(tmp_path) == sent
    assert not notified.write(tmp_path, sent), "unchanged bytes are not written"
    with pytest.raises(ValueError):
        notified.serialize_record(
            {"Not_Normal/day-1000": notified.Sent("2026-04-30", runlog.now())}
        )
    path = notified.path_in(tmp_path)
    for text, line in [
        ("id,sent_at\n", 1),
        (
            "id,date,sent_at\na/day-1,2026-04-30,2026-05-01T03:20:00Z\na/day-1,2026-04-30,"
            "2026-05-01T03:20:00Z\n",
            3,
        ),
        ("id,date,sent_at\na/day-1,2026-02-30,2026-05-01T03:20:00Z\n", 2),
    ]:
        with pytest.raises(CorruptFileError) as error:
            notified.parse_record(text, path)
        assert error.value.line == line


def test_an_outcome_in_markdown_lists_the_failures_and_escapes_them(tmp_path: Path) -> None:
    outcome = Outcome(1, ["fetch: 2 packages fetched", "Failed packages:", "  b_c: 404 <html>"])
    text = outcome.markdown("Download counts")
    assert text.startswith("### Download counts: some packages failed (exit 1)")
    assert "- b\\_c: 404 \\<html\\>" in text
    target = tmp_path / "summary.md"
    assert not append_step_summary(text, {})
    assert append_step_summary(text, {"GITHUB_STEP_SUMMARY": str(target)})
    assert append_step_summary("more", {"GITHUB_STEP_SUMMARY": str(target)})
    assert target.read_text(encoding="utf-8") == text + "\nmore\n\n"


def test_masked_shows_scheme_and_host_only() -> None:
    assert masked("https://hooks.slack.com/services/T0/B0/xyz") == "https://hooks.slack.com/…"
    assert masked("https://discord.com/api/webhooks/1/abc?wait=true") == "https://discord.com/…"


def test_the_body_is_json_with_text_and_content(hook: WebhookReceiver) -> None:
    from generator.sources.webhook import WebhookClient

    with WebhookClient(hook.url) as client:
        client.post("hello ✓")
    assert hook.bodies == [{"text": "hello ✓", "content": "hello ✓"}]
    assert json.dumps(hook.bodies[0])
