"""The chart templates (pure: no browser). How the browser fills them: test_browser_charts."""

from __future__ import annotations

import json
from typing import Any

from generator.site import chart_specs, charts


def units(spec: dict[str, Any], data: Any = None) -> list[dict[str, Any]]:
    """The unit specs of a (layered) spec, each with the data it reads (its own or its
    layer's)."""
    data = spec.get("data", data)
    if "layer" in spec:
        return [u for layer in spec["layer"] for u in units(layer, data)]
    return [{**spec, "data": data}]


def test_every_layer_reads_a_named_dataset_and_loads_nothing():
    for name, spec in chart_specs.all_templates().items():
        dumped = json.dumps(spec)
        assert '"url"' not in dumped and '"values"' not in dumped, name
        for unit in units(spec):
            assert set(unit["data"]) == {"name"}, (name, unit["data"])
            assert unit["data"]["name"] in {
                "lines", "points", "wide", "long", "bars", "gaps", "nodata", "partial", "change",
                "releases",
            }  # fmt: skip


def test_time_charts_share_one_explicit_x_domain():
    """Only the main mark sets the domain (two explicit domains make Vega-Lite warn)."""
    for name in ("overall", "category", "category_pct"):
        spec = chart_specs.all_templates()[name]
        with_domain = [
            u for u in units(spec) if u["encoding"].get("x", {}).get("scale", {}).get("domain")
        ]
        assert [u["data"]["name"] for u in with_domain] == [
            "lines" if name == "overall" else "long"
        ]
        assert with_domain[0]["encoding"]["x"]["scale"]["domain"] == ["__XDOMAIN__"]


def test_count_axes_use_the_number_rule_and_share_axes_percent():
    templates = chart_specs.all_templates()
    for name in ("overall", "category", "bars"):
        axes = [
            u["encoding"][ch]["axis"]
            for u in units(templates[name])
            for ch in ("x", "y")
            if "axis" in u["encoding"].get(ch, {})
            and u["encoding"][ch].get("type") == "quantitative"
        ]
        assert axes and all(a["labelExpr"] == charts.NUMBER_EXPR for a in axes), name
        assert all(a.get("tickMinStep") == 1 for a in axes)  # no 0.5 downloads
    for name in ("category_pct", "bars_pct"):
        assert '"format": ".0%"' in json.dumps(templates[name])
        assert charts.NUMBER_EXPR not in json.dumps(templates[name])


def test_tooltips_show_strings_the_page_wrote():
    """The hover rule shows `tt` (strings: "0", "no data (outage)"), never a raw number
    Vega would format as NaN; the voronoi cells of the nearest selection read it too."""
    for name in ("overall", "category", "category_pct"):
        rules = [u for u in units(chart_specs.all_templates()[name]) if u["data"]["name"] == "wide"]
        assert len(rules) == 1
        assert rules[0]["mark"]["tooltip"] == {"expr": "(datum.datum || datum).tt"}
        assert "tooltip" not in rules[0]["encoding"]


def test_partial_periods_are_hollow_points():
    points = [u for u in units(chart_specs.overall_template()) if u["data"]["name"] == "points"]
    fill = points[0]["encoding"]["fillOpacity"]
    assert fill["condition"] == [{"test": "datum.partial", "value": 0}] and fill["value"] == 1


def test_number_rule_has_no_zero_k():
    expr = charts.NUMBER_EXPR
    # thousands are divided before the suffix, so 200 is "200" (never "0.2k") and 0 is "0"
    assert "abs(datum.value) >= 1e3 ? format(datum.value / 1e3, '.2~f') + 'k'" in expr
    assert expr.endswith("format(datum.value, '.2~f')")
