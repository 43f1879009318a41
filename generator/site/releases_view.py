"""A package's releases on its page: the Releases card's rows (with their impact) and
`site/data/<name>/releases.json`, which the page's downloads chart reads for its markers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator import impact
from generator.model import Release
from generator.site import api, chart_data, charts
from generator.site.render import Context

# The newest releases in the table: ~110 bytes a row, so 30 keep the card near 4 KB of the
# page's ~30 KB (README: page weight); releases.json has every one.
TABLE_ROWS = 30
FILE_NAME = "releases.json"
WHY_NOT = {  # an n/a cell's title; the card's note says it at length
    impact.INCOMPLETE: "span incomplete",
    impact.ZERO_BEFORE: "none before",
    impact.COUNTING_CHANGE: f"counting change {charts.COUNTING_CHANGE_DATE}",
}


def releases_json(name: str, releases: Sequence[Release]) -> str:
    """The text of site/data/<name>/releases.json, read by the package page's chart and
    by the compare page (keep this shape):

        {"package": "<name>", "releases": [{"version": "1.0.0", "date": "YYYY-MM-DD",
          "uploaded": "YYYY-MM-DDTHH:MM:SSZ", "pre": false, "yanked": false,
          "significant": true}, ...]}

    oldest first (by first upload, as releases.csv); `date` is the UTC day of the first
    upload; `pre` and `significant` are impact.classify's."""
    rows = []
    for r in sorted(releases):
        kind = impact.classify(r.version)
        rows.append(
            {
                "version": r.version,
                "date": r.day,
                "uploaded": r.uploaded,
                "pre": kind.pre,
                "yanked": r.yanked,
                "significant": kind.significant,
            }
        )
    return api.dumps_document({"package": name, "releases": rows})  # compact and inert


def page(
    ctx: Context,
    normalized: str,
    releases: Sequence[Release],
    rec: impact.Record,
    grid: chart_data.Grid,
    root: str = "../../",
) -> dict[str, Any]:
    """Publish releases.json (when the package has releases stored) and return the page's
    `release_table`: None without releases (no card, no toggle), else its rows."""
    if not releases:
        return {"release_table": None}
    target = ctx.out_dir / "data" / normalized / FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(releases_json(normalized, releases), encoding="utf-8")
    has_versions = "version" in grid.values
    versions = None
    if has_versions:
        first, last = grid.bounds["version"]
        versions = {(d, c): n for d, c, n in chart_data.window(grid, "version", first, last)}
    newest = sorted(releases, reverse=True)[:TABLE_ROWS]
    found = impact.impacts(newest, rec, versions, charts.COUNTING_CHANGE_DATE)
    return {
        "release_table": {
            "rows": [row(i) for i in found],
            "total": len(releases),
            "versions": has_versions,
            "json": f"{root}data/{normalized}/{FILE_NAME}",
            "spans": impact.SPANS,
        }
    }


def row(found: impact.Impact) -> dict[str, Any]:
    """One table row: the release, its effects ({percent, why}) and its days to half."""
    effects = [
        {"percent": e.percent, "why": WHY_NOT.get(e.reason or "", "")}
        for e in (found.effects[n] for n in impact.SPANS)
    ]
    if not found.half_known:
        half = "n/a"
    elif found.days_to_half is None:
        half = "not yet"
    else:
        half = "same day" if found.days_to_half == 0 else f"{found.days_to_half:,}"
    return {
        "version": found.release.version,
        "day": found.release.day,
        "pre": found.pre,
        "yanked": found.release.yanked,
        "effects": effects,
        "half": half,
    }
