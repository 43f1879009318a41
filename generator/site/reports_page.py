"""The monthly reports: site/reports/ (where: report_links; the figures: generator.reports).

    package_months(ctx, without, rec, releases, categories, grid)  # in each package's build
    write_reports(ctx, results)                                  # once, after every package

- `reports/index.html`: every month, newest first, the partial one marked;
- `reports/<YYYY-MM>/index.html`: the month for the whole site, a row for each package;
- `reports/<YYYY-MM>.md`: the same as GitHub-flavoured Markdown;
- `reports/<YYYY-MM>/<name>.md`: one package's month, only for months it has data.

The Markdown links the charts (the package pages, the top list) and embeds none: links are
absolute with base_url, relative to the file otherwise. Values are escaped for Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from generator import impact, reports, stats
from generator.dates import month_name
from generator.model import Release
from generator.site import chart_data, charts, pages, report_links
from generator.site.listing import MOVERS_FLOOR
from generator.site.render import Context, PackageResult, common, render

KIND_LABELS = {"python_minor": "Python", "system": "System"}
CATEGORY_LABELS = {"null": "unknown"}
WHY_NOT = {  # as the package pages' Releases card says it
    impact.INCOMPLETE: "span incomplete",
    impact.ZERO_BEFORE: "none before",
    impact.COUNTING_CHANGE: f"counting change {charts.COUNTING_CHANGE_DATE}",
}


# ---------------------------------------------------------------- per package, at build time


def package_months(
    ctx: Context,
    without: stats.Daily,
    rec: impact.Record,
    releases: Sequence[Release],
    categories: dict[str, dict[str, dict[str, int]]],
    grid: chart_data.Grid,
) -> reports.PackageMonths:
    """What the package's reports need (PackageResult.report), from what its build read:
    `categories` {kind: {month: counts}} (chart_data.month_totals), and the grid for the
    first days of the months the site's partial month is compared with."""
    found = impact.impacts(releases, rec, None, charts.COUNTING_CHANGE_DATE)
    as_of = ctx.as_of
    partial = bool(as_of) and not report_links.is_complete(str(as_of)[:7], as_of)
    days = int(str(as_of)[8:10]) if partial else 0
    first_days = {k: chart_data.month_totals(grid, k, days) for k in categories} if days else {}
    month = str(as_of)[:7] if partial else None
    return reports.package_months(without, categories, found, month, days, first_days)


# ---------------------------------------------------------------- formatting


def change(value: stats.Change) -> str:
    return "n/a" if value.percent is None else pages.pct(value.percent)


def points(value: float | None) -> str:
    """A shift in percentage points: "+2.1 pp", "−0.4 pp", "n/a"."""
    if value is None:
        return "n/a"
    sign = "+" if value > 0.05 else ("−" if value < -0.05 else "±")
    return f"{sign}{abs(value):.1f} pp"


def effect(release: reports.ReleaseImpact, index: int) -> str:
    value = release.effects[index]
    return "n/a" if value is None else pages.pct(value)


def label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md(text: str) -> str:
    """`text` as literal Markdown (GitHub-flavoured): its punctuation backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def compared_note(report: reports.Report) -> str:
    """The sentence that says what the figures are compared with."""
    before, year = reports.previous_month(report.month), reports.year_before(report.month)
    if report.partial:
        return (
            f"Partial: {month_name(report.month)} so far, its first {report.days} days, "
            f"compared like for like with the first {report.days} days of "
            f"{month_name(before)} and of {month_name(year)}."
        )
    return f"Compared with {month_name(before)} and with {month_name(year)}."


# ---------------------------------------------------------------- Markdown


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> list[str]:
    align = ["---" if i < numeric_from else "--:" for i in range(len(head))]
    out = [f"| {' | '.join(head)} |", f"| {' | '.join(align)} |"]
    out += [f"| {' | '.join(row)} |" for row in rows]
    return [*out, ""]


def summary_lines(report: reports.Report) -> list[str]:
    before, year = reports.previous_month(report.month), reports.year_before(report.month)
    return _table(
        ["", "downloads", "change"],
        [
            [
                month_name(report.month) + (" (so far)" if report.partial else ""),
                f"{report.downloads:,}",
                "",
            ],
            [month_name(before), f"{report.previous.previous:,}", change(report.previous)],
            [month_name(year), f"{report.year_ago.previous:,}", change(report.year_ago)],
        ],
    )


def shares_lines(report: reports.Report) -> list[str]:
    out: list[str] = []
    for kind, rows in report.shares.items():
        out += _table(
            [KIND_LABELS[kind], "share", "shift"],
            [[md(label(r.category)), f"{r.share:.1f}%", points(r.shift)] for r in rows],
        )
    return out


def releases_lines(report: reports.Report, with_package: bool) -> list[str]:
    if not report.releases:
        return []
    spans = [f"{n} days" for n in impact.SPANS]
    head = (["package"] if with_package else []) + ["release", "day", *spans]
    rows = [
        ([md(name)] if with_package else [])
        + [md(r.version) + (" (pre)" if r.pre else ""), r.day]
        + [effect(r, i) for i in range(len(impact.SPANS))]
        for name, r in report.releases
    ]
    note = "Impact: mean daily downloads in the N days after the release against the N before."
    return [*_table(head, rows, numeric_from=len(head) - len(spans)), note, ""]


def peaks_lines(report: reports.Report) -> list[str]:
    return [f"- {p.date}: {md(p.title)}" for p in report.peaks] + ([""] if report.peaks else [])


def site_markdown(ctx: Context, site: reports.SiteReport) -> str:
    """reports/<YYYY-MM>.md."""

    def link(path: str) -> str:
        return (ctx.base_url or "../") + path

    title = f"# {md(ctx.site_title)}: {month_name(site.month)}"
    lines = [title + (" (so far)" if site.partial else ""), ""]
    lines += [
        f"Downloads without mirrors of {len(site.packages):,} tracked packages. {compared_note(site)}",
        "",
    ]
    lines += summary_lines(site)
    lines += _section("Top packages", _lines_table(site.top, link, True))
    floor_note = f"Among packages with at least {MOVERS_FLOOR:,} downloads the month before."
    lines += _section("Fastest growing", _lines_table(site.growing, link), floor_note)
    lines += _section("Fastest falling", _lines_table(site.falling, link), floor_note)
    lines += _section("New all-time peaks", peaks_lines(site))
    lines += _section("Releases", releases_lines(site, True))
    lines += _section("Python versions and systems", shares_lines(site))
    page = link(report_links.month_page(site.month))
    if len(site.packages) > len(site.top):  # the page lists them: a long table pastes badly
        lines += [f"Every package, each with its own Markdown: [this report's page]({page}).", ""]
    lines.append(f"Charts: [top list]({link('top/')}) · [this report]({page})")
    return "\n".join(lines) + "\n"


def _section(heading: str, body: list[str], note: str = "") -> list[str]:
    if not body:
        return []
    return [f"## {heading}", "", *([note, ""] if note else []), *body]


def _lines_table(lines: Sequence[reports.Line], link: Any, share: bool = False) -> list[str]:
    if not lines:
        return []
    head = [
        "package",
        "downloads",
        *(["share"] if share else []),
        "previous month",
        "a year earlier",
    ]
    rows = [
        [f"[{md(line.name)}]({link(f'packages/{line.normalized}/')})", f"{line.downloads:,}"]
        + ([f"{line.share:.1f}%" if line.share is not None else "n/a"] if share else [])
        + [change(line.previous), change(line.year_ago)]
        for line in lines
    ]
    return _table(head, rows)


def package_markdown(ctx: Context, name: str, normalized: str, report: reports.Report) -> str:
    """reports/<YYYY-MM>/<name>.md: compact (there is one per package and month)."""

    def link(path: str) -> str:
        return (ctx.base_url or "../../") + path

    lines = [
        f"# {md(name)}: {month_name(report.month)}" + (" (so far)" if report.partial else ""),
        "",
    ]
    lines += [
        f"**{report.downloads:,}** downloads without mirrors; {change(report.previous)} on the "
        f"previous month, {change(report.year_ago)} on a year earlier."
        + (f" {compared_note(report)}" if report.partial else ""),
        "",
    ]
    lines += shares_lines(report)
    lines += releases_lines(report, False)
    lines += peaks_lines(report)
    lines.append(
        f"[Charts]({link(f'packages/{normalized}/')}) · "
        f"[The site's report]({link(report_links.month_page(report.month))})"
    )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the pages


def entries(results: Sequence[PackageResult]) -> list[reports.Entry]:
    return [
        reports.Entry(r.name, r.normalized, r.report, r.milestones)
        for r in results
        if r.report is not None and r.report.months
    ]


def write_reports(ctx: Context, results: Sequence[PackageResult]) -> None:
    """Every month's report from the first month of any package to the as-of date's."""
    found = entries(results)
    as_of = ctx.as_of
    if not as_of or not found:
        _write_index(ctx, [])
        return
    first = min(min(e.months.months) for e in found)
    index = []
    for month in report_links.months_between(f"{first}-01", as_of):
        partial = not report_links.is_complete(month, as_of)
        site = reports.site_report(month, found, partial, MOVERS_FLOOR)
        _write_month(ctx, site, found)
        index.append(site)
    _write_index(ctx, list(reversed(index)))


def _write_month(ctx: Context, site: reports.SiteReport, found: Sequence[reports.Entry]) -> None:
    month = site.month
    folder = ctx.out_dir / report_links.month_page(month)
    folder.mkdir(parents=True, exist_ok=True)
    (ctx.out_dir / report_links.month_markdown(month)).write_text(
        site_markdown(ctx, site), encoding="utf-8"
    )
    with_markdown = set()
    for e in found:
        if month in e.months.months and report_links.is_kept(month, ctx.as_of):
            own = reports.package_report(month, e.months, site.partial, e.milestones)
            path = ctx.out_dir / report_links.package_markdown(month, e.normalized)
            path.write_text(package_markdown(ctx, e.name, e.normalized, own), encoding="utf-8")
            with_markdown.add(e.normalized)
    root = "../../"
    variables = common(ctx, root, "reports")
    variables.update(
        r=site,
        month_name=month_name,
        label=label,
        points=points,
        change=change,
        effect=effect,
        kind_labels=KIND_LABELS,
        anchor=report_links.package_anchor,
        spans=impact.SPANS,
        note=compared_note(site),
        previous_name=month_name(reports.previous_month(month)),
        year_name=month_name(reports.year_before(month)),
        movers_floor=MOVERS_FLOOR,
        markdown=f"{root}{report_links.month_markdown(month)}",
        package_markdown={n: f"{n}.md" for n in with_markdown},
        canonical=f"{ctx.base_url}{report_links.month_page(month)}" if ctx.base_url else None,
    )
    render(ctx, "report.html", f"{report_links.month_page(month)}index.html", variables)


def _write_index(ctx: Context, months: Sequence[reports.SiteReport]) -> None:
    root = "../"
    variables = common(ctx, root, "reports")
    variables.update(
        months=[
            {
                "r": r,
                "name": month_name(r.month),
                "page": f"{root}{report_links.month_page(r.month)}",
                "markdown": f"{root}{report_links.month_markdown(r.month)}",
            }
            for r in months
        ],
        change=change,
        canonical=f"{ctx.base_url}{report_links.INDEX}" if ctx.base_url else None,
    )
    render(ctx, "reports.html", f"{report_links.INDEX}index.html", variables)
