"""What every page of the site shares: the build context and rendering a template to a file."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator import config_rules, stats
from generator.milestones import Milestone
from generator.reports import PackageMonths
from generator.site import pages, report_links


@dataclass(frozen=True)
class Context:
    """Everything a page needs that is the same for every page."""

    data_dir: Path
    out_dir: Path
    base_url: str
    site_title: str
    assets: dict[str, str]
    sample: bool
    has_costs: bool
    today: dt.date
    built_on: str
    built_at: str = ""  # the same moment in ISO 8601, "YYYY-MM-DDTHH:MM:SSZ" (summary.json)
    repository_url: str = ""  # the setting; empty: the GitHub Actions job's repository, if any
    history_home: str = ""  # where the history CSVs are linked (history_links); "": copies
    coverage: stats.Coverage = field(default_factory=stats.Coverage)  # every package's dates
    clickhouse_behind: dict[str, Any] | None = None  # the notice (provenance.clickhouse_notice)

    @property
    def as_of(self) -> str | None:
        """The site's one "as of" date: the newest date of any package."""
        return self.coverage.as_of


@dataclass(frozen=True)
class PackageResult:
    """What the cross-package pages need to know about one package.

    `last_day`, `last_week`, `last_month`, `changes` and `trend` are for the windows
    ending on the site's as-of date (the home totals, the top list); `recent` is
    pypistats.org's, ending on the package's own last date (the JSON API)."""

    name: str
    normalized: str
    group: str | None
    note: str | None
    last_day: int = 0
    last_week: int = 0
    last_month: int = 0
    total: int = 0
    last_date: str | None = None
    changes: dict[str, stats.Change] = field(default_factory=dict)
    trend: list[int] = field(default_factory=list)
    recent: dict[str, int] = field(default_factory=dict)
    stale: bool = False  # its data ends before the site's as-of date
    error: tuple[str, int, str] | None = None  # a CorruptFileError's (path, line, reason)
    milestones: tuple[Milestone, ...] = ()  # its whole record's (generator.milestones)
    monthly: tuple[stats.MonthTotal, ...] = ()  # its calendar months (stats.Summary)
    chart_years: tuple[int, ...] = ()  # (first, last) year of its chart chunks; () without
    has_releases: bool = False  # its data/<name>/releases.json is published
    report: PackageMonths | None = None  # what its monthly reports need (site.reports_page)


_ENV: jinja2.Environment | None = None


def env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = pages.environment()
    return _ENV


def common(ctx: Context, root: str, active: str = "") -> dict[str, Any]:
    """The variables of every page; the footer's "Data through" is the site's as-of date."""
    return {
        "root": root,
        "assets": ctx.assets,
        "site_title": ctx.site_title,
        "sample": ctx.sample,
        "has_costs": ctx.has_costs,
        "built_on": ctx.built_on,
        "active": active,
        "data_through": ctx.as_of,
        "as_of": ctx.as_of,
        "base_href": None,
        "canonical": None,
        "repository_url": config_rules.repository_url(ctx.repository_url, os.environ),
        "site_feed": report_links.SITE_FEED,  # relative to the root, which 404.html rebases
    }


def render(ctx: Context, template: str, path: str, variables: dict[str, Any]) -> None:
    """Render `template` to `out_dir/path` (a path relative to the site root)."""
    target = ctx.out_dir / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(env().get_template(template).render(**variables), encoding="utf-8")
