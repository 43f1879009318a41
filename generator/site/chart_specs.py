"""Vega-Lite chart templates, built once with altair and filled in the browser.

Every layer reads a *named* dataset that the page's script (charts-page.js) fills with
values it computed from the CSVs it fetched once; no template loads data by URL. The
script drops every layer whose dataset is empty (so Vega never sees an empty extent), and
fills the placeholders described in `generator.site.charts`.
"""

from __future__ import annotations

from typing import Any, Literal

import altair as alt

from generator.site.charts import NUMBER_EXPR

DOMAIN = ["__DOMAIN__"]
RANGE = ["__RANGE__"]
X_DOMAIN = ["__XDOMAIN__"]
# The named datasets, all filled by the page (dates are epoch ms at local midnight).
LINES, POINTS, WIDE, LONG, BARS = "lines", "points", "wide", "long", "bars"
GAPS, NODATA, PARTIAL, CHANGE = "gaps", "nodata", "partial", "change"
RELEASES = "releases"  # the overall chart's release markers ({date, tt, pre, yanked})
SHOW_RELEASES = "showReleases"  # the signal the card's "Releases" toggle sets
_FONT = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _data(name: str) -> alt.NamedData:
    return alt.NamedData(name=name)


def _x() -> alt.X:
    """The time axis of a chart's main mark, which alone sets the range shown (a second
    explicit domain on another layer makes Vega-Lite warn about conflicting domains)."""
    return alt.X(
        "date:T",
        title=None,
        scale=alt.Scale(domain=X_DOMAIN),
        axis=alt.Axis(labelOverlap="greedy", labelSeparation=10, tickCount=6, grid=False),
    )


def _count_axis(title: str) -> alt.Axis:
    return alt.Axis(title=title, labelExpr=NUMBER_EXPR, tickMinStep=1, tickCount=5)


def _bands(name: str, color: str, opacity: float, title: str) -> alt.Chart:
    """Shaded spans [start, end) with a tooltip: outages, "no data" days, partial periods."""
    return (
        alt.Chart(_data(name))
        .mark_rect(aria=False, color=color, opacity=opacity)
        .encode(
            x=alt.X("start:T"),
            x2="end:T",
            tooltip=[alt.Tooltip("label:N", title=title)],
        )
    )


def _background() -> list[alt.Chart]:
    return [
        _bands(GAPS, "#E69F00", 0.22, "No data (outage)"),
        _bands(NODATA, "#9aa3ae", 0.14, "No data"),
        _bands(PARTIAL, "#9aa3ae", 0.10, "Partial period"),
    ]


def _counting_change() -> alt.LayerChart | alt.FacetChart:
    """A dashed rule with its label; the page supplies it only when it is in the range."""
    base = alt.Chart(_data(CHANGE)).encode(x=alt.X("date:T"))
    rule = base.mark_rule(aria=False, color="#444", strokeDash=[4, 3], strokeWidth=1.2).encode(
        tooltip=[
            alt.Tooltip("label:N", title="Event"),
            alt.Tooltip("day:N", title="Date"),
        ]
    )
    # The page says on which side of the rule the label has room (`align`, `dx`).
    text = base.mark_text(
        aria=False,
        align=alt.ExprRef(expr="datum.align"),
        dx=alt.ExprRef(expr="datum.dx"),
        baseline="bottom",
        dy=-3,
        fontSize=11,
        color="#444",
        font=_FONT,
    ).encode(text="label:N", y=alt.value(0))
    return alt.layer(rule, text)


def _releases() -> alt.LayerChart | alt.FacetChart:
    """Release markers: a rule at each release's day, a triangle at the top to point at;
    pre-releases dimmed, yanked ones dashed. The tooltip is `tt` ({title: text}: version
    and date) as the page wrote it. The page chooses which releases a range shows
    (`releases`: {date, tt, pre, yanked}); the `showReleases` signal hides them all."""
    shown = alt.param(name=SHOW_RELEASES, value=True)
    tip = alt.ExprRef(expr="datum.tt")
    base = (
        alt.Chart(_data(RELEASES))
        .transform_filter(SHOW_RELEASES)
        .encode(
            x=alt.X("date:T"),
            opacity=alt.when("datum.pre").then(alt.value(0.35)).otherwise(alt.value(0.85)),
        )
    )
    dash = alt.when("datum.yanked").then(alt.value([2, 2])).otherwise(alt.value([]))
    rule = base.mark_rule(aria=False, color="#AA4499", strokeWidth=1.2, tooltip=tip)
    dot = base.mark_point(
        aria=False, color="#AA4499", filled=True, size=50, shape="triangle-down", tooltip=tip
    )
    rules = rule.encode(strokeDash=dash).properties(name="release_rules")
    marks = dot.encode(y=alt.value(4)).properties(name="release_marks")
    return alt.layer(rules, marks).add_params(shown)


def _hover() -> Any:
    """The nearest period under the pointer: drives the tooltip rule on the time charts."""
    return alt.selection_point(
        name="hover",
        fields=["date"],
        nearest=True,
        on="pointerover",
        clear="pointerout",
        empty=False,
    )


def _hover_rule() -> alt.Chart:
    """One rule per period; its tooltip is `tt`, {title: text} the page wrote (never NaN).

    Read as `(datum.datum || datum).tt`: the nearest-point selection's voronoi cells carry
    the rule's tooltip, and their datum is the rule's scene item, whose `datum` is the row.
    """
    hover = _hover()
    return (
        alt.Chart(_data(WIDE))
        .mark_rule(
            aria=False,
            color="#8a94a3",
            strokeWidth=1.5,
            tooltip=alt.ExprRef(expr="(datum.datum || datum).tt"),
        )
        .encode(
            x=alt.X("date:T"),
            opacity=alt.when(hover).then(alt.value(0.6)).otherwise(alt.value(0)),
        )
        .add_params(hover)
    )


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    chart = chart.properties(width="container", height=260).configure(
        background="transparent",  # the card's colour shows through, light or dark
        font=_FONT,
        view=alt.ViewConfig(stroke=None),
        axis=alt.AxisConfig(
            labelColor="#55606e", titleColor="#55606e", domainColor="#cbd2da", tickColor="#cbd2da"
        ),
        axisY=alt.AxisConfig(gridColor="#eef1f4"),
        legend=alt.LegendConfig(orient="bottom", labelColor="#334", symbolType="circle"),
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


def _series_color(legend: bool = True) -> alt.Color:
    return alt.Color(
        "label:N",
        title=None,
        scale=alt.Scale(domain=DOMAIN, range=RANGE),
        legend=alt.Legend() if legend else None,
    )


def overall_template(log: bool = False) -> dict[str, Any]:
    """Downloads with and without mirrors (daily: plus 7- and 28-day averages); `log`: on
    a symmetric log scale, which starts at 0 (a day without downloads stays on the chart).

    `lines` holds one row per period and series ({date, label, value, width}); a null
    value breaks the line. `points` marks weekly or monthly points, hollow when partial.
    """
    scale: Literal["symlog", "linear"] = "symlog" if log else "linear"
    lines = (
        alt.Chart(_data(LINES))
        .mark_line(aria=False, interpolate="monotone")
        .encode(
            x=_x(),
            y=alt.Y("value:Q", scale=alt.Scale(type=scale), axis=_count_axis("downloads")),
            color=_series_color(),
            strokeWidth=alt.StrokeWidth("width:Q", legend=None, scale=None),
        )
    )
    points = (
        alt.Chart(_data(POINTS))
        .mark_point(aria=False, size=30, strokeWidth=1.5, opacity=1, filled=True)
        .encode(
            x=alt.X("date:T"),
            y=alt.Y("value:Q", scale=alt.Scale(type=scale)),
            color=_series_color(),
            # a partial week or month is a hollow point
            fillOpacity=alt.when("datum.partial").then(alt.value(0)).otherwise(alt.value(1)),
        )
    )
    layers = (*_background(), lines, points, _hover_rule(), _counting_change(), _releases())
    return _finish(alt.layer(*layers))


def category_template(percent: bool) -> dict[str, Any]:
    """Stacked areas of one dimension, as counts or as each category's share.

    `long` holds one row per period and category ({date, cat, value, order}); shares are
    computed by the page (0 when nothing was downloaded), so nothing divides by zero here.
    """
    areas = (
        alt.Chart(_data(LONG))
        .mark_area(aria=False, interpolate="monotone", opacity=0.9)
        .encode(
            x=_x(),
            y=alt.Y(
                "value:Q",
                stack="zero",
                title=None,
                # shares sum to 1 (up to rounding, which would make a "nice" domain 1.1)
                scale=alt.Scale(domain=[0, 1]) if percent else alt.Undefined,
                axis=alt.Axis(title="share of downloads", format=".0%")
                if percent
                else _count_axis("downloads"),
            ),
            color=alt.Color("cat:N", title=None, scale=alt.Scale(domain=DOMAIN, range=RANGE)),
            order=alt.Order("order:Q", sort="descending"),
        )
    )
    chart = alt.layer(*_background(), areas, _hover_rule(), _counting_change())
    return _finish(chart)


def bars_template(percent: bool) -> dict[str, Any]:
    """Totals per category over the selected range, biggest first (e.g. top countries)."""
    chart = (
        alt.Chart(_data(BARS))
        .mark_bar(aria=False, cornerRadiusEnd=3)
        .encode(
            y=alt.Y("cat:N", title=None, sort=alt.SortField("rank")),
            x=alt.X(
                f"{'share' if percent else 'downloads'}:Q",
                title=None,
                axis=alt.Axis(title="share of downloads", format=".0%")
                if percent
                else _count_axis("downloads in range"),
            ),
            color=alt.Color("cat:N", legend=None, scale=alt.Scale(domain=DOMAIN, range=RANGE)),
            tooltip=[
                alt.Tooltip("cat:N", title="Category"),
                alt.Tooltip("downloads_text:N", title="Downloads"),
                alt.Tooltip("share_text:N", title="Share"),
            ],
        )
    )
    return _finish(chart)


def all_templates() -> dict[str, dict[str, Any]]:
    """Every template the site uses, keyed by the name pages refer to."""
    return {
        "overall": overall_template(),
        "category": category_template(percent=False),
        "category_pct": category_template(percent=True),
        "bars": bars_template(percent=False),
        "bars_pct": bars_template(percent=True),
    }
