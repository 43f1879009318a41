"""Atom 1.0 feeds (RFC 4287): `feed.xml` for the whole site, `packages/<name>/feed.xml` each.

    write_feeds(ctx, results)   # called by build_site, after the pages

The entries are the milestones (generator.milestones) and the monthly reports of
complete months (report_links; the month still running has none), newest first. Nothing
in a feed comes from the build time, so a rebuild of the same data gives the same bytes:

- an entry's `id` is a tag: URI (RFC 4151) made of the site's address and the
  milestone's stable id or the month, e.g. `tag:user.github.io,2026:/repo/milestone/
  requests/week-10000`; without a base URL (a local preview) the authority is
  LOCAL_AUTHORITY, so a preview never shares ids with the deployed site;
- an entry's `updated` is the milestone's day, or the month's last day (its end);
- the feed's `updated` is its newest entry's (the site's as-of date when it has none).

Links: with a base URL every link is absolute. Without one, every link (rel=self too) is
relative to the feed's own address, with no xml:base: RFC 4287 resolves them against
the document's URI, as feedparser and the common readers do.

The XML is built with xml.etree.ElementTree, which escapes every text and attribute.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from generator import config_rules, reports, stats
from generator.dates import month_last_day, month_name, month_shift
from generator.milestones import Milestone
from generator.site import listing, pages, report_links, reports_page
from generator.site.render import Context, PackageResult

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SITE_FEED = report_links.SITE_FEED  # relative to the site root
MAX_MILESTONES = 100  # the newest milestones in the site feed (across packages)
MAX_PACKAGE_MILESTONES = 50  # the newest milestones in a package's feed
MAX_REPORTS = report_links.KEPT_MONTHS  # the newest complete months, in either feed
LOCAL_AUTHORITY = "pypi-download-stats.invalid"  # tag: authority without a base URL
TAG_YEAR = "2026"  # the tag: URI's date (RFC 4151): fixed, never the build's
NO_DATA_UPDATED = "2016-01-01T00:00:00Z"  # an empty feed of a site without any data


package_feed_path = report_links.package_feed


@dataclass(frozen=True)
class Site:
    """What every feed shares: the site's address (may be ""), name and as-of date."""

    base_url: str
    title: str
    as_of: str | None
    author_uri: str = ""  # the repository's address, when known


@dataclass(frozen=True)
class Entry:
    """One Atom entry, as plain data (`path`: its page, relative to the site root)."""

    key: str  # the id's tail, e.g. "milestone/requests/week-10000"
    title: str
    updated: str  # RFC 3339, UTC
    path: str
    summary: str
    category: str
    markdown: str = ""  # a Markdown version of the page, relative to the site root


# ---------------------------------------------------------------- entries (pure)


def milestone_entry(milestone: Milestone) -> Entry:
    return Entry(
        key=f"milestone/{milestone.id}",
        title=milestone.title,
        updated=f"{milestone.date}T00:00:00Z",
        path=f"packages/{milestone.package}/",
        summary=f"{milestone.title}, on {milestone.date} (UTC).",
        category=milestone.kind,
    )


def month_updated(month: str) -> str:
    """A report's `updated`: the end of the month's last day (UTC)."""
    return f"{month_last_day(month)}T23:59:59Z"


def _change(change: stats.Change, month: str) -> str:
    """ ", +12.3% on September 2026" (the report's change against the month before: like
    for like, reports.compared); "" with nothing to compare."""
    if change.percent is None:
        return ""
    return f", {pages.pct(change)} on {month_name(month_shift(month, -1))}"


def site_report_entries(site: Site, results: Sequence[PackageResult]) -> list[Entry]:
    """One entry per kept complete month (report_links.is_kept), with the report's own
    figures (generator.reports)."""
    found = reports_page.entries(results)
    if not found or not site.as_of:
        return []
    first = min(min(e.months.months) for e in found)
    out = []
    for month in report_links.months_between(f"{first}-01", site.as_of):
        if not (
            report_links.is_complete(month, site.as_of) and report_links.is_kept(month, site.as_of)
        ):
            continue
        report = reports.site_report(month, found, False, listing.MOVERS_FLOOR)
        count = len(report.packages)
        out.append(
            Entry(
                key=f"report/{month}",
                title=f"{site.title}: the report for {month_name(month)}",
                updated=month_updated(month),
                path=report_links.month_page(month),
                summary=f"{month_name(month)}: {report.downloads:,} downloads of {count:,} "
                f"package{'s' if count != 1 else ''} (without mirrors)"
                f"{_change(report.previous, month)}.",
                category="report",
                markdown=report_links.month_markdown(month),
            )
        )
    return out[-MAX_REPORTS:]


def package_report_entries(site: Site, result: PackageResult) -> list[Entry]:
    """One entry per kept complete month the package has a report of (its Markdown)."""
    months = result.report
    if months is None:
        return []
    out = []
    for month in months.months:
        if not (
            report_links.is_complete(month, site.as_of) and report_links.is_kept(month, site.as_of)
        ):
            continue
        report = reports.package_report(month, months, False)
        out.append(
            Entry(
                key=f"report/{month}/{result.normalized}",
                title=f"{result.name}: the report for {month_name(month)}",
                updated=month_updated(month),
                path=report_links.package_section(month, result.normalized),
                summary=f"{result.name} in {month_name(month)}: "
                f"{report.downloads:,} downloads (without mirrors)"
                f"{_change(report.previous, month)}.",
                category="report",
                markdown=report_links.package_markdown(month, result.normalized),
            )
        )
    return out[-MAX_REPORTS:]


def newest(milestones: Iterable[Milestone], count: int) -> list[Milestone]:
    """The `count` newest milestones (by day, then id: the same every build)."""
    return sorted(milestones, key=lambda m: (m.date, m.id), reverse=True)[:count]


# ---------------------------------------------------------------- XML (pure)


def tag_id(base_url: str, key: str) -> str:
    """The tag: URI of `key` on the site at `base_url` (LOCAL_AUTHORITY without one)."""
    parts = urlsplit(base_url) if base_url else None
    authority = (parts.hostname or LOCAL_AUTHORITY) if parts else LOCAL_AUTHORITY
    path = (parts.path if parts else "") or "/"
    return f"tag:{authority},{TAG_YEAR}:{quote(path + key, safe='/-._~!$&*+,;=:@')}"


def href(site: Site, feed_path: str, target: str) -> str:
    """`target` (relative to the site root) as linked from the feed at `feed_path`."""
    if site.base_url:
        return site.base_url + target
    folder = feed_path.rpartition("/")[0] + "/" if "/" in feed_path else ""
    if target.startswith(folder):
        return target.removeprefix(folder) or "./"
    return "../" * folder.count("/") + target


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _link(parent: ET.Element, rel: str, url: str, media_type: str, title: str = "") -> None:
    attrs = {"rel": rel, "type": media_type, "href": url}
    if title:
        attrs["title"] = title
    ET.SubElement(parent, "link", attrs)


@dataclass(frozen=True)
class Head:
    """A feed's own elements: where it is, its page, its id key and its words."""

    path: str  # the feed file, relative to the site root
    page: str  # the page it belongs to, relative to the site root
    key: str
    title: str
    subtitle: str


def feed_xml(site: Site, head: Head, entries: Sequence[Entry]) -> bytes:
    """The Atom document: entries newest first, the feed's `updated` the newest one's."""
    ordered = sorted(entries, key=lambda e: (e.updated, e.key), reverse=True)
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: "en"})
    _sub(root, "id", tag_id(site.base_url, head.key))
    _sub(root, "title", head.title)
    _sub(root, "subtitle", head.subtitle)
    fallback = f"{site.as_of}T00:00:00Z" if site.as_of else NO_DATA_UPDATED
    _sub(root, "updated", ordered[0].updated if ordered else fallback)
    _link(root, "self", href(site, head.path, head.path), MEDIA_TYPE)
    _link(root, "alternate", href(site, head.path, head.page), "text/html")
    author = _sub(root, "author")
    _sub(author, "name", site.title)
    if site.author_uri:
        _sub(author, "uri", site.author_uri)
    for entry in ordered:
        _entry(root, site, head.path, entry)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(root: ET.Element, site: Site, feed_path: str, entry: Entry) -> None:
    element = _sub(root, "entry")
    _sub(element, "id", tag_id(site.base_url, entry.key))
    _sub(element, "title", entry.title)
    _sub(element, "updated", entry.updated)
    _link(element, "alternate", href(site, feed_path, entry.path), "text/html")
    if entry.markdown:
        _link(element, "alternate", href(site, feed_path, entry.markdown), "text/markdown")
    _sub(element, "category", term=entry.category)
    _sub(element, "summary", entry.summary, type="text")


def site_feed(site: Site, results: Sequence[PackageResult]) -> bytes:
    milestones = newest((m for r in results for m in r.milestones), MAX_MILESTONES)
    entries = [milestone_entry(m) for m in milestones] + site_report_entries(site, results)
    head = Head(
        SITE_FEED,
        "",
        "feed",
        f"{site.title}: milestones and monthly reports",
        "New download milestones of every tracked package, and a report for each complete month.",
    )
    return feed_xml(site, head, entries)


def package_feed(site: Site, result: PackageResult) -> bytes:
    milestones = newest(result.milestones, MAX_PACKAGE_MILESTONES)
    entries = [milestone_entry(m) for m in milestones] + package_report_entries(site, result)
    head = Head(
        package_feed_path(result.normalized),
        f"packages/{result.normalized}/",
        f"packages/{result.normalized}/feed",
        f"{result.name}: milestones and monthly reports · {site.title}",
        f"New download milestones of {result.name} on PyPI, and its part of each "
        "complete month's report.",
    )
    return feed_xml(site, head, entries)


# ---------------------------------------------------------------- writing


def site_of(ctx: Context) -> Site:
    repository = config_rules.repository_url(ctx.repository_url, os.environ)
    return Site(ctx.base_url, ctx.site_title, ctx.as_of, repository)


def write_feeds(ctx: Context, results: Sequence[PackageResult]) -> None:
    """site/feed.xml and site/packages/<name>/feed.xml for each package built."""
    site = site_of(ctx)
    (ctx.out_dir / SITE_FEED).write_bytes(site_feed(site, results))
    for result in results:
        target = ctx.out_dir / package_feed_path(result.normalized)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(package_feed(site, result))
