"""The chart templates as Vega specs: the Vega-Lite templates (`chart_specs`), compiled
once at build time with vl-convert, their placeholders turned into signals.

Pages then need Vega alone (no Vega-Lite compiler, no vega-embed: about a third less
JavaScript), and a chart's view is parsed once and reused: a click sets its signals and
datasets (charts-page.js) instead of compiling and parsing a new spec.

Signals each template has (the page sets them before every run):

- `xdomain`: the range shown, [start, end] in epoch ms at local midnight;
- `cats`, `colors`: the categories shown, in legend order, and their colours;
- `ytitle`: the count axis' title ("downloads / week");
- `legendColumns`: how many columns a bottom legend has (0: one row);
- `showReleases` (the overall chart, from its altair param): the release markers shown.

Named datasets without a source (`lines`, `points`, `wide`, `long`, `bars`, `gaps`,
`nodata`, `partial`, `change`, `releases`) are the page's to fill; an empty one draws
nothing.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from generator.site import chart_specs

SIGNALS = (
    {"name": "xdomain", "value": [0, 86_400_000]},
    {"name": "cats", "value": []},
    {"name": "colors", "value": []},
    {"name": "ytitle", "value": "downloads"},
    {"name": "legendColumns", "value": 0},
)
COUNT_TITLE = "downloads"  # the count axes' title in the Vega-Lite templates
# Datasets that repeat values of another layer (the weekly or monthly points sit on their
# lines): scale domains ignore them, so an empty one (the daily view) never makes Vega
# warn about an infinite extent.
REPEATS = ("points",)


class TemplateError(ValueError):
    """A compiled template kept a placeholder: chart_specs and this module disagree."""


def vega_templates() -> dict[str, dict[str, Any]]:
    """Every template the site draws, compiled to Vega, keyed by the name pages use
    (`overall_log`: the overall chart on a symmetric log scale)."""
    import vl_convert as vlc  # a build dependency; imported only when the cache misses

    sources = dict(chart_specs.all_templates())
    sources["overall_log"] = chart_specs.overall_template(log=True)
    return {name: with_signals(vlc.vegalite_to_vega(spec)) for name, spec in sources.items()}


def with_signals(vega: dict[str, Any]) -> dict[str, Any]:
    """A compiled spec with its placeholders replaced by the signals above (pure)."""
    spec = copy.deepcopy(vega)
    for scale in spec.get("scales", []):
        domain = scale.get("domain")
        if isinstance(domain, dict) and "__XDOMAIN__" in str(domain.get("signal", "")):
            scale["domain"] = {"signal": "xdomain"}
        if domain == chart_specs.DOMAIN:
            scale["domain"] = {"signal": "cats"}
        if scale.get("range") == chart_specs.RANGE:
            scale["range"] = {"signal": "colors"}
        _without_repeats(scale, spec.get("data", []))
    for axis in spec.get("axes", []):
        if axis.get("title") == COUNT_TITLE:
            axis["title"] = {"signal": "ytitle"}
    for legend in spec.get("legends", []):
        legend["columns"] = {"signal": "legendColumns"}
    spec.pop("$schema", None)  # the page never validates; the URL is only weight
    spec["signals"] = [*copy.deepcopy(SIGNALS), *spec.get("signals", [])]
    spec = _in_expressions(spec)
    left = [p for p in ("__XDOMAIN__", "__DOMAIN__", "__RANGE__") if p in json.dumps(spec)]
    if left:
        raise TemplateError(f"placeholders left in a compiled chart template: {left}")
    return spec


def _without_repeats(scale: dict[str, Any], data: list[dict[str, Any]]) -> None:
    """Drop the domain fields that read a dataset derived from one in REPEATS."""
    repeats = {d["name"] for d in data if d.get("source") in REPEATS}
    domain = scale.get("domain")
    if isinstance(domain, dict) and "fields" in domain:
        kept = [
            f for f in domain["fields"] if not (isinstance(f, dict) and f.get("data") in repeats)
        ]
        if kept and len(kept) < len(domain["fields"]):
            domain["fields"] = kept


def _in_expressions(node: Any) -> Any:
    """The category placeholder inside expressions (a stacked bar's sort index reads
    `indexof(["__DOMAIN__"], datum['cat'])`) becomes the `cats` signal."""
    if isinstance(node, dict):
        return {k: _in_expressions(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_in_expressions(v) for v in node]
    if isinstance(node, str):
        return node.replace('["__DOMAIN__"]', "cats")
    return node


def page_datasets(spec: dict[str, Any]) -> list[str]:
    """The datasets the page fills: those not derived from another, nor a selection's own
    store (`hover_store`)."""
    return [
        d["name"]
        for d in spec.get("data", [])
        if "source" not in d and "values" not in d and not d["name"].endswith("_store")
    ]
