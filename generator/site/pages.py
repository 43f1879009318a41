"""Jinja environment, number formatting and small pure pieces of page content."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2

from generator import resources
from generator.names import group_slug
from generator.stats import Change
from generator.units import compact


def num(n: int | float) -> str:
    """1234567 → "1,234,567"."""
    return f"{int(n):,}"


def pct(value: float | Change | None) -> str:
    """+12.3% / −4.0% (a real minus sign); "—" when there is nothing to compare."""
    if isinstance(value, Change):
        value = value.percent
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{abs(value):,.1f}%"


def trend_class(value: float | Change | None) -> str:
    if isinstance(value, Change):
        value = value.percent
    if value is None:
        return "none"
    if value > 0.5:
        return "up"
    if value < -0.5:
        return "down"
    return "flat"


slug = group_slug  # the template filter; the rule is names.group_slug


def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir or resources.templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(num=num, compact=compact, pct=pct, trend_class=trend_class, slug=slug)
    return env


SPARK_COLOURS = {"up": "#117733", "down": "#CC6677", "flat": "#6b7585", "none": "#6b7585"}


def sparkline(values: Sequence[int], trend: str = "", width: int = 120, height: int = 28) -> str:
    """A tiny inline SVG trend (area + line), no JavaScript needed, coloured by `trend`
    (a trend_class: up, down, flat or none), the change it sits beside."""
    if not values:
        return ""
    high = float(max(values))
    low = max(
        0.0, min(values) - (high - min(values)) * 0.5
    )  # show the trend, but not noise as a cliff
    spread = (high - low) or 1
    step = width / max(len(values) - 1, 1)
    points = [
        (round(i * step), round(height - 3 - (v - low) / spread * (height - 6)))
        for i, v in enumerate(values)
    ]
    line = " ".join(f"{x},{y}" for x, y in points)
    area = f"0,{height} {line} {points[-1][0]},{height}"
    if trend not in SPARK_COLOURS:
        trend = "up" if values[-1] > values[0] else "down" if values[-1] < values[0] else "flat"
    colour = SPARK_COLOURS[trend]
    total = f"{sum(values):,}"
    return (
        f'<svg class="spark {trend}" data-trend="{trend}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="weekly downloads, last {len(values)} weeks: {total} in all">'
        f'<polygon points="{area}" fill="{colour}" fill-opacity="0.12"/>'
        f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.6" '
        f'stroke-linejoin="round"/></svg>'
    )
