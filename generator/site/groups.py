"""The group pages (site/groups/<slug>/), one for each group in packages.yaml.

    write_groups(ctx, results)

A group's page shows its combined downloads over time, drawn by the package pages' own
script (charts-page.js) from chart chunks of the members' summed overall counts
(`data/_groups/<slug>/chart-<YYYY>.json`, the format of chart_data), its members ranked
by the last month with their change and sparkline (the top list's rows), a compare chart
of the top MAX_COMPARED members (compare-page.js), a link to the compare page with them
selected, and the group's share of the tracked total.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator import store
from generator.errors import CorruptFileError
from generator.model import Series
from generator.site import chart_data, compare, pages
from generator.site.listing import ranked_rows, totals
from generator.site.render import Context, PackageResult, common, render

GROUPS_DATA = "_groups"  # site/data/_groups/<slug>/: "_" is never a normalized name


def by_group(results: Sequence[PackageResult]) -> dict[str, list[PackageResult]]:
    """{group: its members, biggest last month first}, groups in alphabetical order."""
    out: dict[str, list[PackageResult]] = {}
    for r in sorted(results, key=lambda r: (-r.last_month, r.name.lower())):
        if r.group:
            out.setdefault(r.group, []).append(r)
    return {g: out[g] for g in sorted(out, key=str.lower)}


def combined(ctx: Context, members: Sequence[PackageResult]) -> Series:
    """The members' overall rows summed per day and category (a day none of them has a
    row for stays absent). A member whose file cannot be read was reported by its build."""
    out: Series = {}
    for r in members:
        path = store.package_dir(ctx.data_dir, r.normalized) / "overall.csv"
        try:
            rows = store.read_series_fast(path)
        except (CorruptFileError, OSError):
            continue
        for key, n in rows.items():
            out[key] = out.get(key, 0) + n
    return out


def write_chunks(ctx: Context, slug: str, series: Series) -> tuple[chart_data.Grid, str]:
    """The group's chart chunks; returns their grid and the address prefix pages use."""
    grid = chart_data.grid({"overall": series})
    folder = ctx.out_dir / "data" / GROUPS_DATA / slug
    folder.mkdir(parents=True, exist_ok=True)
    for year, text in chart_data.chunks(grid).items():
        (folder / chart_data.chunk_name(year)).write_text(text, encoding="utf-8")
    return grid, f"../../data/{GROUPS_DATA}/{slug}/{chart_data.CHUNK_PREFIX}"


def share_of(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def write_group(
    ctx: Context, name: str, members: Sequence[PackageResult], all_totals: dict[str, int]
) -> None:
    slug = pages.slug(name)
    grid, chunk_base = write_chunks(ctx, slug, combined(ctx, members))
    own = totals(members)
    bounds = grid.bounds.get("overall")
    top = [r.normalized for r in members if r.last_date][: compare.MAX_COMPARED]
    variables = common(ctx, "../../", "")
    variables.update(compare.controls())
    variables.update(
        group=name,
        slug=slug,
        rows=ranked_rows(members),
        totals=own,
        share=share_of(own["last_month"], all_totals["last_month"]),
        share_total=share_of(own["total"], all_totals["total"]),
        first=bounds[0] if bounds else None,
        last=bounds[1] if bounds else None,
        chart_data=chunk_base,
        chart_years=f"{grid.first_year} {grid.last_year}",
        compared=top,
        compare_url="../../compare/?packages=" + ",".join(top),
        index_url=f"../../{compare.INDEX}",
        stale_count=sum(r.stale for r in members),
        canonical=f"{ctx.base_url}groups/{slug}/" if ctx.base_url else None,
    )
    render(ctx, "group.html", f"groups/{slug}/index.html", variables)


def write_groups(ctx: Context, results: Sequence[PackageResult]) -> None:
    """Every group's page (results: the packages built)."""
    all_totals = totals(results)
    for name, members in by_group(results).items():
        write_group(ctx, name, members, all_totals)
