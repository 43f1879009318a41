"""The chart templates as pages receive them: compiled to Vega, with signals for what a
click changes (pure: no browser; how the browser fills them: test_browser_charts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.site import assets, charts, vega_specs


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return vega_specs.vega_templates()


def scale(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in spec["scales"] if s["name"] == name)


def test_every_template_is_vega_with_no_placeholder_left(templates: dict[str, Any]) -> None:
    assert set(templates) == {
        "overall", "overall_log", "category", "category_pct", "bars", "bars_pct",
    }  # fmt: skip
    for name, spec in templates.items():
        dumped = json.dumps(spec)
        assert "__" not in dumped.replace("_store", ""), name  # no __DOMAIN__ and friends
        assert '"url"' not in dumped and '"values"' not in dumped, name  # the page fills data
        names = {s["name"] for s in spec["signals"]}
        assert {"xdomain", "cats", "colors", "ytitle", "legendColumns"} <= names, name
        assert scale(spec, "color")["domain"] == {"signal": "cats"}, name
        assert scale(spec, "color")["range"] == {"signal": "colors"}, name


def test_time_charts_take_their_range_and_count_title_from_signals(templates: dict[str, Any]):
    for name in ("overall", "overall_log", "category"):
        assert scale(templates[name], "x")["domain"] == {"signal": "xdomain"}, name
        titles = [a.get("title") for a in templates[name]["axes"]]
        assert {"signal": "ytitle"} in titles, name
    assert {"signal": "ytitle"} not in [a.get("title") for a in templates["category_pct"]["axes"]]


def test_the_log_variant_differs_only_in_its_count_scale(templates: dict[str, Any]) -> None:
    assert scale(templates["overall"], "y")["type"] == "linear"
    assert scale(templates["overall_log"], "y")["type"] == "symlog"
    for name in ("x", "color"):
        assert scale(templates["overall"], name) == scale(templates["overall_log"], name)
    drop = {"scales", "axes"}  # the count axis' ticks follow its scale
    assert {k: v for k, v in templates["overall"].items() if k not in drop} == {
        k: v for k, v in templates["overall_log"].items() if k not in drop
    }


def test_the_page_fills_exactly_the_datasets_no_other_derives(templates: dict[str, Any]):
    assert vega_specs.page_datasets(templates["overall"]) == [
        "gaps", "nodata", "partial", "lines", "points", "wide", "change", "releases",
    ]  # fmt: skip
    assert vega_specs.page_datasets(templates["category"]) == [
        "gaps", "nodata", "partial", "long", "wide", "change",
    ]  # fmt: skip
    assert vega_specs.page_datasets(templates["bars"]) == ["bars"]


def test_the_count_scale_ignores_the_points_on_the_lines(templates: dict[str, Any]) -> None:
    """An empty `points` (the daily view) would make Vega warn of an infinite extent."""
    derived = {d["name"]: d.get("source") for d in templates["overall"]["data"]}
    fields = scale(templates["overall"], "y")["domain"]["fields"]
    assert [derived[f["data"]] for f in fields] == ["lines"]


def test_a_placeholder_that_survives_compilation_is_refused() -> None:
    spec: dict[str, Any] = {
        "scales": [{"name": "color", "domain": ["__DOMAIN__"], "range": "category"}],
        "marks": [{"type": "text", "encode": {"update": {"text": {"value": "__RANGE__"}}}}],
    }
    with pytest.raises(vega_specs.TemplateError, match="__RANGE__"):
        vega_specs.with_signals(spec)


def test_the_shipped_vega_is_the_one_the_templates_are_compiled_for() -> None:
    import vl_convert

    assert vl_convert.get_vega_version() == assets.VEGA_VERSION
    text = assets.vega_bundle()
    assert f'version="{assets.VEGA_VERSION}"' in text
    static = Path(assets.resources.static_dir())
    assert "University of Washington" in (static / assets.VEGA_LICENSE).read_text()


def test_charts_js_carries_the_templates_inputs_and_number_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = assets.charts_js()
    payload = json.loads(text.removeprefix("window.PYPISTATS_CHARTS = ").rstrip().rstrip(";"))
    assert set(payload["inputs"]) == set(payload["templates"])
    assert payload["numberExpr"] == charts.NUMBER_EXPR
    assert payload["change"]["date"] == charts.COUNTING_CHANGE_DATE
    cached = list((tmp_path / "pypi-download-stats").glob("charts-*.js"))
    assert len(cached) == 1
    cached[0].write_text("window.PYPISTATS_CHARTS = {};\n")  # the cache is what is served
    assert assets.charts_js() == "window.PYPISTATS_CHARTS = {};\n"
