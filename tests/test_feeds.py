"""Atom feeds: site/feed.xml and site/packages/<name>/feed.xml, as a feed reader sees them.

Every feed is parsed with feedparser (what many readers use) and checked against the
RFC 4287 rules it is lenient about (`atom_problems`). A reader must never see an entry
twice or an old entry as new: ids are unique, and a rebuild of the same data days later
gives byte-identical feeds.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest

from generator import milestones, store
from generator.config import load_config
from generator.model import Release
from generator.site import build, report_links
from generator.site import feeds as feeds_module
from generator.site.build import build_site
from generator.store import releases
from tests import synthetic
from tests.hostile.test_escaping import ATTRIBUTE, SCRIPT
from tests.hostile.test_escaping import make_site as make_hostile_site
from tests.realsite import REAL_PACKAGES, real_site  # noqa: F401

A = "{http://www.w3.org/2005/Atom}"
BASE_URL = "https://user.github.io/repo/"
START = dt.date(2026, 5, 1)
END = dt.date(2026, 11, 20)  # November is partial; May to October are complete
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def write_history(data: Path) -> dict[str, int]:
    """`climber`: 500 a day, then 1,500 a day from day 100; two final releases and a
    pre-release. `quiet`: 10 a day. Returns climber's daily counts."""
    days = (END - START).days + 1
    daily = {}
    for name, level in (("climber", None), ("quiet", 10)):
        series = {}
        for i in range(days):
            date = (START + dt.timedelta(days=i)).isoformat()
            n = level if level is not None else (500 if i < 100 else 1500)
            series[(date, "without_mirrors")] = n
            series[(date, "with_mirrors")] = n + n // 10
            if name == "climber":
                daily[date] = n
        folder = data / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "overall.csv").write_text(store.serialize(series), encoding="utf-8")
    releases.write(
        data,
        "climber",
        [
            Release("2026-07-01T10:00:00Z", "1.0.0"),
            Release("2026-09-30T10:00:00Z", "2.0.0rc1"),
            Release("2026-10-02T10:00:00Z", "2.0.0"),
        ],
    )
    return daily


def fixed_now(moment: dt.datetime) -> types.SimpleNamespace:
    """A stand-in for build.py's `dt` whose clock says `moment`."""

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Clock:
            return cls.fromtimestamp(moment.timestamp(), tz)

    return types.SimpleNamespace(datetime=Clock, UTC=dt.UTC, date=dt.date, timedelta=dt.timedelta)


@pytest.fixture(scope="module", params=["", BASE_URL], ids=["relative", "base_url"])
def sites(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The same data built twice, the second time three days later by the clock."""
    root = tmp_path_factory.mktemp("feeds")
    write_history(root / "data")
    config = load_config(
        synthetic.write_config(root / "packages.yaml", [("climber", None), ("Quiet", "G")])
    )
    built = []
    for n, moment in enumerate(
        (dt.datetime(2026, 11, 21, 3, 0), dt.datetime(2026, 11, 24, 17, 30))
    ):
        with pytest.MonkeyPatch.context() as patch:
            clock = fixed_now(moment.replace(tzinfo=dt.UTC))
            patch.setattr(build, "dt", clock)
            # were the feeds ever to read the clock themselves
            patch.setattr(feeds_module, "dt", clock, raising=False)
            out = root / f"site{n}"
            build_site(config, root / "data", out, request.param)
            built.append(out)
    return request.param, built[0], built[1]


def feeds_of(site: Path) -> list[Path]:
    return sorted(site.rglob("feed.xml"))


def parsed(path: Path) -> feedparser.FeedParserDict:
    result = feedparser.parse(path.read_bytes())
    assert not result.bozo, (path, result.get("bozo_exception"))
    assert result.version == "atom10", path
    return result


def atom_problems(xml: bytes) -> list[str]:
    """What RFC 4287 requires that feedparser does not insist on."""
    root = ET.fromstring(xml)
    problems = []
    if root.tag != f"{A}feed":
        return [f"the root is {root.tag}, not an Atom feed"]

    def once(parent: ET.Element, tag: str, where: str) -> None:
        found = parent.findall(f"{A}{tag}")
        if len(found) != 1:
            problems.append(f"{where}: {len(found)} <{tag}> elements, not exactly one")
        elif tag == "updated" and not RFC3339.fullmatch(found[0].text or ""):
            problems.append(f"{where}: <updated> {found[0].text!r} is not an RFC 3339 date")
        elif tag == "id" and not re.match(r"[a-z][a-z0-9+.-]*:", found[0].text or ""):
            problems.append(f"{where}: <id> {found[0].text!r} is not an absolute IRI")

    def links(parent: ET.Element, where: str) -> None:
        alternates = Counter(
            (link.get("type"), link.get("hreflang"))
            for link in parent.findall(f"{A}link")
            if link.get("rel", "alternate") == "alternate"
        )
        problems.extend(
            f"{where}: two alternate links of {key}" for key, n in alternates.items() if n > 1
        )
        problems.extend(
            f"{where}: a link without href"
            for link in parent.findall(f"{A}link")
            if not link.get("href")
        )

    for tag in ("id", "title", "updated"):
        once(root, tag, "feed")
    links(root, "feed")
    if len([x for x in root.findall(f"{A}link") if x.get("rel") == "self"]) != 1:
        problems.append("feed: not exactly one rel=self link")
    feed_author = root.find(f"{A}author/{A}name") is not None
    for i, entry in enumerate(root.findall(f"{A}entry")):
        where = f"entry {i}"
        for tag in ("id", "title", "updated"):
            once(entry, tag, where)
        links(entry, where)
        if not feed_author and entry.find(f"{A}author/{A}name") is None:
            problems.append(f"{where}: no author, and the feed has none")
        content = entry.find(f"{A}content")
        if content is None and entry.find(f"{A}link[@rel='alternate']") is None:
            problems.append(f"{where}: neither content nor an alternate link")
        if (content is None or content.get("src")) and entry.find(f"{A}summary") is None:
            problems.append(f"{where}: no summary, and no inline content")
    return problems


def local_file(site: Path, feed: Path, href: str, base_url: str) -> Path:
    """The file in `site` that a link of the feed at `feed` leads to."""
    feed_url = (base_url or "https://example.test/") + feed.relative_to(site).as_posix()
    url = urljoin(feed_url, href)
    root = base_url or "https://example.test/"
    assert url.startswith(root), (href, url)
    path = urlsplit(url).path.removeprefix(urlsplit(root).path)
    return site / (path + "index.html" if path.endswith("/") or not path else path)


# ---------------------------------------------------------------- the hand-made history


def test_every_feed_is_valid_atom(sites):
    _, site, _ = sites
    feeds = feeds_of(site)
    assert [f.relative_to(site).as_posix() for f in feeds] == [
        "feed.xml",
        "packages/climber/feed.xml",
        "packages/quiet/feed.xml",
    ]
    for feed in feeds:
        result = parsed(feed)
        assert atom_problems(feed.read_bytes()) == [], feed
        ids = [e.id for e in result.entries]
        assert len(ids) == len(set(ids)), feed
        # the feed's updated is its newest entry's, so nothing of the build shows
        assert result.feed.updated == max(e.updated for e in result.entries)


def test_a_rebuild_days_later_changes_no_byte(sites):
    _, first, second = sites
    assert (first / "index.html").read_text() != (second / "index.html").read_text()  # clock moved
    for feed in feeds_of(first):
        assert feed.read_bytes() == (second / feed.relative_to(first)).read_bytes(), feed


def test_the_milestones_of_the_history_are_entries(sites, tmp_path):
    _, site, _ = sites
    daily = write_history(tmp_path)
    expected = milestones.milestones("climber", daily, releases.read(tmp_path, "climber"))
    ids = {m.id for m in expected}
    assert {"climber/day-1000", "climber/release-1.0.0", "climber/release-2.0.0"} <= ids
    assert "climber/release-2.0.0rc1" not in ids  # a pre-release is no milestone
    for feed in (site / "feed.xml", site / "packages/climber/feed.xml"):
        entries = {e.id: e for e in parsed(feed).entries}
        for m in expected:
            matches = [e for key, e in entries.items() if key.endswith(f"/milestone/{m.id}")]
            assert len(matches) == 1, (feed, m.id)
            assert matches[0].title == m.title
            assert matches[0].updated == f"{m.date}T00:00:00Z"
    day = {e.id: e for e in parsed(site / "feed.xml").entries}
    crossing = next(e for key, e in day.items() if key.endswith("/climber/day-1000"))
    assert crossing.updated.startswith((START + dt.timedelta(days=100)).isoformat())
    quiet = parsed(site / "packages/quiet/feed.xml").entries
    assert not [e for e in quiet if "/milestone/climber/" in e.id]  # only its own


def test_reports_of_complete_months_only(sites):
    base_url, site, _ = sites
    months = ["2026-10", "2026-09", "2026-08", "2026-07", "2026-06", "2026-05"]
    for feed, suffix in ((site / "feed.xml", ""), (site / "packages/climber/feed.xml", "/climber")):
        entries = [e for e in parsed(feed).entries if "/report/" in e.id]
        assert [e.id.rsplit("/report/", 1)[1] for e in entries] == [m + suffix for m in months]
        assert entries[0].updated == "2026-10-31T23:59:59Z"
        hrefs = {link.type: link.href for link in entries[0].links}
        page = report_links.month_page("2026-10")
        markdown = (
            report_links.package_markdown("2026-10", "climber")
            if suffix
            else report_links.month_markdown("2026-10")
        )
        assert local_file(site, feed, hrefs["text/html"], base_url) == site / page / "index.html"
        assert local_file(site, feed, hrefs["text/markdown"], base_url) == site / markdown
    climber = parsed(site / "packages/climber/feed.xml").entries
    august = next(e for e in climber if e.id.endswith("/report/2026-08/climber"))
    # August: 8 days at 500 and 23 at 1,500 (day 100 is August 9), against July's 15,500
    assert (
        august.summary
        == "climber in August 2026: 38,500 downloads (without mirrors), +148.4% on July 2026."
    )


def test_links_lead_to_files_in_the_site(sites):
    base_url, site, _ = sites
    for feed in feeds_of(site):
        root = ET.fromstring(feed.read_bytes())
        for link in root.iter(f"{A}link"):
            href = link.get("href", "")
            assert href.startswith(BASE_URL) == bool(base_url), href  # absolute only with one
            target = local_file(site, feed, href, base_url)
            if (
                "/reports/" in f"/{target.relative_to(site).as_posix()}"
                and not (site / "reports").exists()
            ):
                continue  # the monthly reports are another module's; checked by the rule above
            assert target.is_file(), (feed, href)
        self_link = root.find(f"{A}link[@rel='self']")
        assert self_link is not None
        assert local_file(site, feed, self_link.get("href", ""), base_url) == feed


def test_every_page_links_the_site_feed_and_package_pages_their_own(sites):
    _, site, _ = sites
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        heads = re.findall(
            r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]*)"', text
        )
        head = text.split("</head>", 1)[0]
        assert all(h in head for h in heads)
        if page.name == "404.html":
            continue  # served at any depth: its links are checked by the 404 tests
        targets = {(page.parent / h).resolve() for h in heads}
        assert (site / "feed.xml").resolve() in targets, page
        if page.parent.parent == site / "packages":
            assert (page.parent / "feed.xml").resolve() in targets, page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="feed.xml" type="application/atom+xml" data-feed>' in home
    package = (site / "packages/climber/index.html").read_text(encoding="utf-8")
    assert (
        'href="../../packages/climber/feed.xml" type="application/atom+xml" data-feed>Feed</a>'
        in package
    )


def test_ids_are_tag_uris_of_the_site(sites):
    base_url, site, _ = sites
    result = parsed(site / "feed.xml")
    authority = "user.github.io,2026:/repo/" if base_url else "pypi-download-stats.invalid,2026:/"
    assert result.feed.id == f"tag:{authority}feed"
    assert all(e.id.startswith(f"tag:{authority}") for e in result.entries)


# ---------------------------------------------------------------- hostile text, real data


def test_hostile_site_title_is_text_in_every_feed(tmp_path):
    site = make_hostile_site(tmp_path, BASE_URL)
    feeds = feeds_of(site)
    assert len(feeds) == 4  # the site's and alpha, beta, gamma
    for feed in feeds:
        data = feed.read_bytes()
        assert b"<script" not in data and b"<img" not in data
        assert atom_problems(data) == []
        result = parsed(feed)
        assert result.feed.author == SCRIPT + ATTRIBUTE
    assert (
        parsed(site / "feed.xml").feed.title
        == f"{SCRIPT + ATTRIBUTE}: milestones and monthly reports"
    )


def test_real_histories_give_valid_feeds(real_site: Path):  # noqa: F811
    feeds = feeds_of(real_site)
    assert {f.parent.name for f in feeds if f.parent.parent.name == "packages"} == set(
        REAL_PACKAGES
    )
    for feed in feeds:
        result = parsed(feed)
        assert atom_problems(feed.read_bytes()) == [], feed
        assert len({e.id for e in result.entries}) == len(result.entries)
    icepyx = parsed(real_site / "packages/icepyx/feed.xml").entries
    assert any("/milestone/icepyx/" in e.id for e in icepyx)
    found = re.search(r'data-as-of="([0-9-]+)"', (real_site / "index.html").read_text())
    assert found, "the home page states its as-of date"
    as_of = found.group(1)
    months = [
        e.id.rsplit("/report/", 1)[1]
        for e in parsed(real_site / "feed.xml").entries
        if "/report/" in e.id
    ]
    assert months and all(report_links.is_complete(m, as_of) for m in months)
    latest = report_links.months_between(as_of, as_of)[0]
    assert (latest in months) == report_links.is_complete(latest, as_of)
