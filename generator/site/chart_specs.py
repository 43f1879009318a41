"""Vega-Lite chart templates, built once with altair and parameterised in the browser.

See `generator.site.charts` for the placeholders the page's script fills in.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from generator.site.charts import COUNTING_CHANGE_DATE, COUNTING_CHANGE_LABEL, OVERALL_SERIES

URL = "__URL__"
DOMAIN = ["__DOMAIN__"]
RANGE = ["__RANGE__"]
TOOLTIP = [alt.Tooltip("__TOOLTIP__:N")]
GAPS = "gaps"  # named dataset the page fills with [{start, end, label}] (epoch ms)
_DATE_PARSE = {"date": "date:'%Y-%m-%d'"}
_FONT = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


# ---------------------------------------------------------------- templates (altair)


def _csv() -> alt.UrlData:
    return alt.UrlData(url=URL, format=alt.CsvDataFormat(type="csv", parse=_DATE_PARSE))


def _params() -> list[alt.Parameter]:
    return [
        alt.param(name="cutoff", value=0),
        alt.param(name="lastdate", value=0),
        alt.param(name="cats", value=[]),
    ]


def _x() -> alt.X:
    return alt.X(
        "date:T",
        title=None,
        axis=alt.Axis(labelOverlap="greedy", labelSeparation=10, tickCount=6, grid=False),
    )


def _counting_change() -> alt.LayerChart | alt.FacetChart:
    """A dashed rule with a label at 2026-08-24, when that date is in the range shown."""
    base = (
        alt.Chart(
            alt.InlineData(
                values=[{"date": COUNTING_CHANGE_DATE, "label": COUNTING_CHANGE_LABEL}],
                format=alt.DataFormat(parse=_DATE_PARSE),
            )
        )
        .transform_filter("datum.date >= cutoff && datum.date <= lastdate")
        .encode(x=alt.X("date:T"))
    )
    rule = base.mark_rule(color="#444", strokeDash=[4, 3], strokeWidth=1.2).encode(
        tooltip=[
            alt.Tooltip("label:N", title="Event"),
            alt.Tooltip("date:T", format="%Y-%m-%d", title="Date"),
        ]
    )
    # The label sits on the side of the rule with more room: left of it in the right half.
    left = "datum.date - cutoff < (lastdate - cutoff) / 2"
    text = base.mark_text(
        align=alt.ExprRef(expr=f"{left} ? 'left' : 'right'"),
        dx=alt.ExprRef(expr=f"{left} ? 5 : -5"),
        baseline="bottom",
        dy=-3,
        fontSize=11,
        color="#444",
        font=_FONT,
    ).encode(text="label:N", y=alt.value(0))
    return alt.layer(rule, text)


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    chart = chart.properties(width="container", height=260).configure(
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


def overall_template() -> dict[str, Any]:
    """Daily downloads with and without mirrors, plus 7- and 28-day moving averages."""
    base = _overall_base()
    lines = _overall_lines(base)
    hover = _hover()
    rule = _overall_rule(base, hover)
    chart = alt.layer(_gaps(), alt.layer(lines, rule), _counting_change()).add_params(*_params())
    return _finish(chart)


def _overall_base() -> alt.Chart:
    """One row a day: a column per category, and the 7- and 28-day moving averages."""
    return (
        alt.Chart(_csv())
        .transform_pivot("category", value="downloads", groupby=["date"])
        .transform_window(ma7="mean(without_mirrors)", frame=[-6, 0], sort=[alt.SortField("date")])
        .transform_window(
            ma28="mean(without_mirrors)", frame=[-27, 0], sort=[alt.SortField("date")]
        )
        .transform_filter("datum.date >= cutoff")
    )


def _overall_lines(base: alt.Chart) -> alt.Chart:
    """A line per OVERALL_SERIES entry, in its colour and stroke width."""
    labels = {k: v[0] for k, v in OVERALL_SERIES.items()}
    label_expr = " : ".join(f"datum.series === '{k}' ? '{v}'" for k, v in labels.items())
    return (
        base.transform_fold(list(OVERALL_SERIES), as_=["series", "value"])
        .transform_calculate(label=label_expr + " : datum.series")
        .mark_line(interpolate="monotone")
        .encode(
            x=_x(),
            y=alt.Y("value:Q", title="downloads / day", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "label:N",
                title=None,
                sort=list(labels.values()),
                scale=alt.Scale(
                    domain=list(labels.values()), range=[v[1] for v in OVERALL_SERIES.values()]
                ),
            ),
            # On `series`, not `label`: Vega-Lite merges the legends of channels that share a
            # field, and `legend=None` on one of them would hide the colour legend too.
            strokeWidth=alt.StrokeWidth(
                "series:N",
                legend=None,
                sort=list(OVERALL_SERIES),
                scale=alt.Scale(
                    domain=list(OVERALL_SERIES), range=[v[2] for v in OVERALL_SERIES.values()]
                ),
            ),
        )
    )


def _overall_rule(base: alt.Chart, hover: Any) -> alt.Chart:
    """The rule under the pointer, whose tooltip gives the day's four numbers."""
    return (
        base.mark_rule(color="#8a94a3")
        .encode(
            x="date:T",
            opacity=alt.when(hover).then(alt.value(0.6)).otherwise(alt.value(0)),
            tooltip=[
                alt.Tooltip("date:T", format="%a %Y-%m-%d", title="Date"),
                alt.Tooltip("without_mirrors:Q", format=",", title="Without mirrors"),
                alt.Tooltip("with_mirrors:Q", format=",", title="With mirrors"),
                alt.Tooltip("ma7:Q", format=",.0f", title="7-day average"),
                alt.Tooltip("ma28:Q", format=",.0f", title="28-day average"),
            ],
        )
        .add_params(hover)
    )


def _gaps() -> alt.Chart:
    """Shaded bands over days the source did not report (the page supplies `gaps`)."""
    return (
        alt.Chart(alt.NamedData(name=GAPS))
        .transform_filter("datum.end > cutoff")
        .mark_rect(color="#E69F00", opacity=0.22)
        .encode(
            x=alt.X("start:T"),
            x2="end:T",
            tooltip=[
                alt.Tooltip("label:N", title="No data reported"),
            ],
        )
    )


def _category_base() -> alt.Chart:
    return (
        alt.Chart(_csv())
        .transform_filter("datum.date >= cutoff")
        .transform_calculate(cat="indexof(cats, datum.category) >= 0 ? datum.category : 'other'")
        .transform_aggregate(downloads="sum(downloads)", groupby=["date", "cat"])
        .transform_joinaggregate(day_total="sum(downloads)", groupby=["date"])
        .transform_calculate(
            share="datum.day_total ? datum.downloads / datum.day_total : 0",
            order="indexof(cats, datum.cat)",
        )
    )


def category_template(percent: bool) -> dict[str, Any]:
    """Stacked areas of one dimension over time, as counts or as each category's share."""
    value = "share" if percent else "downloads"
    base = _category_base()
    areas = base.mark_area(interpolate="monotone", opacity=0.9).encode(
        x=_x(),
        y=alt.Y(
            "downloads:Q",
            stack="normalize" if percent else "zero",
            title="share of downloads" if percent else "downloads / day",
            axis=alt.Axis(format=".0%" if percent else "~s"),
        ),
        color=alt.Color(
            "cat:N", title=None, scale=alt.Scale(domain=DOMAIN, range=RANGE), sort=DOMAIN
        ),
        order=alt.Order("order:Q", sort="descending"),
    )
    hover = _hover()
    rule = (
        base.transform_pivot("cat", value=value, groupby=["date"])
        .mark_rule(color="#8a94a3")
        .encode(
            x="date:T",
            opacity=alt.when(hover).then(alt.value(0.6)).otherwise(alt.value(0)),
            tooltip=TOOLTIP,
        )
        .add_params(hover)
    )
    chart = alt.layer(alt.layer(areas, rule), _counting_change()).add_params(*_params())
    return _finish(chart)


def bars_template(percent: bool) -> dict[str, Any]:
    """Totals per category over the selected range, biggest first (e.g. top countries)."""
    chart = (
        alt.Chart(_csv())
        .transform_filter("datum.date >= cutoff")
        .transform_calculate(cat="indexof(cats, datum.category) >= 0 ? datum.category : 'other'")
        .transform_aggregate(downloads="sum(downloads)", groupby=["cat"])
        .transform_joinaggregate(grand="sum(downloads)")
        .transform_calculate(share="datum.grand ? datum.downloads / datum.grand : 0")
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            y=alt.Y("cat:N", title=None, sort="-x"),
            x=alt.X(
                f"{'share' if percent else 'downloads'}:Q",
                title="share of downloads" if percent else "downloads in range",
                axis=alt.Axis(format=".0%" if percent else "~s"),
            ),
            color=alt.Color("cat:N", legend=None, scale=alt.Scale(domain=DOMAIN, range=RANGE)),
            tooltip=[
                alt.Tooltip("cat:N", title="Category"),
                alt.Tooltip("downloads:Q", format=",", title="Downloads"),
                alt.Tooltip("share:Q", format=".1%", title="Share"),
            ],
        )
        .add_params(*_params())
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


def _hover() -> Any:
    """The nearest day under the pointer: drives the tooltip rule on the time charts."""
    return alt.selection_point(
        name="hover",
        fields=["date"],
        nearest=True,
        on="pointerover",
        clear="pointerout",
        empty=False,
    )
