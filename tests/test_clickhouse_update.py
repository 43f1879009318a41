"""The default night with no Google account: pypistats.org plus ClickHouse, end to end.

`update` runs against the pypistats.org replay (real recorded answers) and the ClickHouse
stand-in (chdb). A package just added by pull request gets, the next morning, its whole
history since the stand-in's first day: the four pypistats dimensions from pypistats.org
where it has them and from ClickHouse before and after, and versions, countries and
installers from ClickHouse; its page says where each range of days came from.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from generator import store
from generator.store import clickhouse_log, provenance
from tests.cli_helpers import run_cli
from tests.servers.clickhouse_standin import ClickHouseStandIn
from tests.servers.pypistats_replay import ReplayServer

END = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
FIRST = dt.date(2024, 3, 1)  # purl2src's first day in the stand-in
SNAPSHOT = "2026-08-22"


def rows_for(project: str) -> list[dict[str, str]]:
    """Downloads on most days since FIRST (some days have none, as in real life)."""
    rnd = random.Random(project)
    rows = []
    day = FIRST
    while day <= END:
        for _ in range(rnd.choice((0, 1, 2, 3))):
            rows.append(
                {
                    "date": day.isoformat(),
                    "country_code": rnd.choice(("US", "DE", "")),
                    "project": project,
                    "type": "bdist_wheel",
                    "installer": rnd.choice(("pip", "uv", "bandersnatch", "")),
                    "python_minor": rnd.choice(("3.11", "3.12", "")),
                    "system": rnd.choice(("Linux", "Darwin", "")),
                    "version": rnd.choice(("0.1.0", "0.2.0", "1.0.0")),
                }
            )
        day += dt.timedelta(days=1)
    return rows


def recorded(realdata: Path, package: str, endpoint: str) -> dict[tuple[str, str], int]:
    path = realdata / "semclone-status" / "extracted" / SNAPSHOT / package / f"{endpoint}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {(r["date"], r["category"]): r["downloads"] for r in doc["data"]}


def test_update_gives_a_new_package_its_whole_history_with_provenance(
    tmp_path: Path, realdata: Path
) -> None:
    rows = rows_for("purl2src")
    config = tmp_path / "packages.yaml"
    data_dir, site = tmp_path / "data", tmp_path / "site"
    with (
        ReplayServer(realdata, snapshot=SNAPSHOT) as pypistats,
        ClickHouseStandIn(max_result_rows=15_000) as clickhouse,
    ):
        clickhouse.insert(rows)
        config.write_text(
            f"api_url: {pypistats.url}\nclickhouse_url: {clickhouse.url}\n"
            "requests_per_minute: 600\npackages:\n  - name: purl2src\n",
            encoding="utf-8",
        )
        no_google = {"GOOGLE_APPLICATION_CREDENTIALS": "", "BIGQUERY_API_ENDPOINT": ""}
        args = ("update", "--config", config, "--data-dir", data_dir, "--out", site)
        result = run_cli(*args, env=no_google)
        assert result.returncode == 0, result.stdout + result.stderr
        assert pypistats.requests, "the four pypistats dimensions come from pypistats.org"
        first_night = len(clickhouse.requests)
        logged = clickhouse_log.read(data_dir)
        second = run_cli(*args, env=no_google)
        assert second.returncode == 0, second.stdout + second.stderr
        second_night = len(clickhouse.requests) - first_night

    # Overall: pypistats.org's numbers wherever it had a row; ClickHouse's everywhere else,
    # back to the stand-in's first day.
    overall = store.read_series(data_dir / "purl2src" / "overall.csv")
    theirs = recorded(realdata, "purl2src", "overall")
    assert {k: v for k, v in overall.items() if k in theirs} == theirs
    first_day = min(r["date"] for r in rows)
    assert min(day for day, _ in overall) == first_day
    assert max(day for day, _ in overall) == max(r["date"] for r in rows)
    for kind in ("version", "country", "installer"):
        series = store.read_series(data_dir / "purl2src" / f"{kind}.csv")
        assert min(day for day, _ in series) == first_day, kind

    spans = [s for s in provenance.read(data_dir, "purl2src") if s.kind == "overall"]
    by_source = {s.source for s in spans}
    assert by_source == {"pypistats", "clickhouse"}
    pypistats_days = [(s.first, s.last) for s in spans if s.source == "pypistats"]
    assert min(f for f, _ in pypistats_days).isoformat() == min(d for d, _ in theirs)
    assert {s.source for s in provenance.read(data_dir, "purl2src") if s.kind == "version"} == {
        "clickhouse"
    }
    # The second night: the backfill is done, only the window's few queries are sent.
    assert 0 < second_night <= 2, "the probe and one query for versions/countries/installers"
    assert {r.command for r in logged} == {"backfill"}
    assert clickhouse_log.read(data_dir) == logged, "a quiet night adds no line (no commit)"

    page = (site / "packages" / "purl2src" / "index.html").read_text(encoding="utf-8")
    assert "ClickHouse" in page and "pypistats.org" in page
    assert first_day in page, "the page says from when ClickHouse's numbers start"
    for title in ("Package versions", "Countries", "Installers"):
        assert title in page
