"""Where the monthly reports and the feeds live, and which months are complete: the one rule.

- `reports/` the index; `reports/<YYYY-MM>/` one month's page for the whole site;
- `reports/<YYYY-MM>.md` the same report as Markdown;
- `reports/<YYYY-MM>/<name>.md` one package's part of it, as Markdown, and its row on
  the month's page, `reports/<YYYY-MM>/#pkg-<name>`;
- `feed.xml` the site's Atom feed, `packages/<name>/feed.xml` a package's.

A month is *complete* once the site's as-of date is its last day or later; the as-of
date's own month, before its last day, is reported "so far" (partial).

The site-wide report of every month is kept; a package's own Markdown, and the feeds'
report entries, cover the newest KEPT_MONTHS complete months (and the month so far), so
the site's size does not grow with packages × years for them (a 1,000-package site would
otherwise carry 12,000 more files each year).
"""

from __future__ import annotations

import datetime as dt

from generator.dates import month_last_day, month_shift

INDEX = "reports/"
SITE_FEED = "feed.xml"
KEPT_MONTHS = 24


def month_page(month: str) -> str:
    """The month's page, relative to the site root ("reports/2026-10/")."""
    return f"{INDEX}{month}/"


def package_anchor(normalized: str) -> str:
    """The id of the package's row on a month's page."""
    return f"pkg-{normalized}"


def package_section(month: str, normalized: str) -> str:
    return f"{month_page(month)}#{package_anchor(normalized)}"


def package_feed(normalized: str) -> str:
    """Where a package's feed is, relative to the site root (beside its page)."""
    return f"packages/{normalized}/{SITE_FEED}"


def month_markdown(month: str) -> str:
    return f"{INDEX}{month}.md"


def package_markdown(month: str, normalized: str) -> str:
    return f"{INDEX}{month}/{normalized}.md"


def is_complete(month: str, as_of: str | None) -> bool:
    return bool(as_of) and month_last_day(month) <= str(as_of)


def months_between(first: str, as_of: str) -> list[str]:
    """Every month from the one holding `first` to the one holding `as_of`, oldest first
    (the last may be partial: is_complete)."""
    day = dt.date.fromisoformat(first).replace(day=1)
    end = dt.date.fromisoformat(as_of)
    out = []
    while day <= end:
        out.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def is_kept(month: str, as_of: str | None) -> bool:
    """The month is one of the newest KEPT_MONTHS complete months, or the month so far."""
    if not as_of:
        return False
    current = as_of[:7]
    newest_complete = current if is_complete(current, as_of) else month_shift(current, -1)
    return month_shift(newest_complete, -(KEPT_MONTHS - 1)) <= month <= current
