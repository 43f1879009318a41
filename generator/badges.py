"""Shields-style SVG download badges and shields.io endpoint JSON.

Pure steps, then one I/O edge (`write_badges`):

    counts --format_metric/color_for--> Badge --layout (font table)--> Layout --Jinja--> SVG

This module holds the first step and what follows the SVG: the numbers of a package, its
badge files and the snippets that embed them. Drawing a Badge (measuring its text against
the DejaVu Sans width table, the layout of each style, the SVG) is `generator.badge_svg`;
its names are re-exported here, so `generator.badges` stays the one place to import from.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from generator import derive
from generator.badge_svg import (
    COLORS,
    FONT_FAMILY,
    GEOMETRY,
    LABEL_COLOR,
    STYLES,
    TABLE_PATH,
    Badge,
    Geometry,
    Layout,
    TextBox,
    hex_color,
    layout,
    load_table,
    render,
    render_svg,
    template_name,
    text_colors,
    text_width,
)
from generator.model import WITH_MIRRORS, WITHOUT_MIRRORS, Series

__all__ = [
    "COLORS",
    "FONT_FAMILY",
    "GEOMETRY",
    "LABEL",
    "LABEL_COLOR",
    "PERIODS",
    "SNIPPETS",
    "STYLES",
    "TABLE_PATH",
    "VARIANT_PERIODS",
    "Badge",
    "Geometry",
    "Layout",
    "TextBox",
    "badge_files",
    "badge_for",
    "color_for",
    "counts",
    "endpoint",
    "format_metric",
    "hex_color",
    "layout",
    "load_table",
    "message_for",
    "render",
    "render_svg",
    "snippets",
    "stem",
    "template_name",
    "text_colors",
    "text_width",
    "write_badges",
]

LABEL = "downloads"
PERIODS = ("day", "week", "month", "total")

_PREFIXES = ("k", "M", "G", "T", "P", "E", "Z", "Y")
_RECENT_KEYS = {"day": "last_day", "week": "last_week", "month": "last_month"}


# ---------------------------------------------------------------- numbers and colour


def format_metric(n: int) -> str:
    """shields.io's metric format: 999, 1k, 1.2k, 12k, 1M, 1.5M, 2.3G.

    One decimal only when the scaled value is under 10 and the decimal is not 0; rounding is
    half-up in exact integer arithmetic, and a value that rounds to 1000 moves up a prefix.
    """
    if n < 0:
        return "-" + format_metric(-n)
    for power in range(len(_PREFIXES), 0, -1):
        limit = 1000**power
        if n < limit:
            continue
        tenths = (n * 10 + limit // 2) // limit  # scaled value, one decimal, half-up
        if tenths < 100 and tenths % 10:
            return f"{tenths // 10}.{tenths % 10}{_PREFIXES[power - 1]}"
        whole = (n + limit // 2) // limit
        if whole < 1000 or power == len(_PREFIXES):
            return f"{whole}{_PREFIXES[power - 1]}"
        return f"1{_PREFIXES[power]}"
    return str(n)


def color_for(count: int) -> str:
    """shields.io's download colour: 0 red, <10 yellow, <100 yellowgreen, <1000 green."""
    if count <= 0:
        return "red"
    if count < 10:
        return "yellow"
    if count < 100:
        return "yellowgreen"
    if count < 1000:
        return "green"
    return "brightgreen"


def message_for(period: str, count: int) -> str:
    """The badge's value, e.g. "1.2k/month"; the total has no suffix."""
    if period not in PERIODS:
        raise ValueError(f"unknown badge period {period!r}; expected one of {PERIODS}")
    return format_metric(count) if period == "total" else f"{format_metric(count)}/{period}"


def badge_for(period: str, count: int, label: str = LABEL) -> Badge:
    return Badge(label=label, message=message_for(period, count), color=color_for(count))


def endpoint(badge: Badge) -> dict[str, Any]:
    """shields.io endpoint JSON (https://shields.io/badges/endpoint-badge)."""
    return {
        "schemaVersion": 1,
        "label": badge.label,
        "message": badge.message,
        "color": badge.color,
    }


# ---------------------------------------------------------------- files of one package


def stem(period: str, mirrors: bool = False, style: str = "flat") -> str:
    """File stem: month, month-mirrors, month-flat-square, month-mirrors-for-the-badge, ..."""
    parts = [period]
    if mirrors:
        parts.append("mirrors")
    if style != "flat":
        parts.append(style)
    return "-".join(parts)


def counts(overall: Series, category: str = WITHOUT_MIRRORS) -> dict[str, int]:
    """Badge numbers: day/week/month are `derive.recent`, total = every row of `category`."""
    daily = {d: n for (d, c), n in overall.items() if c == category}
    recent = derive.recent_of_daily(daily)
    return {
        **{period: recent[key] for period, key in _RECENT_KEYS.items()},
        "total": sum(daily.values()),
    }


VARIANT_PERIODS = ("month",)
"""Periods that also get the variants: with mirrors, flat-square and for-the-badge. Every
other combination is one shields.io endpoint URL away; keeping the file count down keeps
a 1,000-package build fast (creating files dominates it)."""


def badge_files(overall: Series) -> dict[str, str]:
    """{file name: content} for one package: a flat SVG and an endpoint JSON per period,
    plus the with-mirrors and style variants for the periods in VARIANT_PERIODS."""
    files: dict[str, str] = {}
    for mirrors, category in ((False, WITHOUT_MIRRORS), (True, WITH_MIRRORS)):
        for period, count in counts(overall, category).items():
            if mirrors and period not in VARIANT_PERIODS:
                continue
            badge = badge_for(period, count)
            files[f"{stem(period, mirrors)}.json"] = json.dumps(endpoint(badge)) + "\n"
            styles = STYLES if period in VARIANT_PERIODS else ("flat",)
            for style in styles:
                files[f"{stem(period, mirrors, style)}.svg"] = render(badge, style)
    return files


def write_badges(out_dir: Path, normalized: str, overall: Series) -> None:
    """Write out_dir/badges/<normalized>/*.svg and *.json (see the README's Badges section)."""
    target = out_dir / "badges" / normalized
    if target.resolve().parent != (out_dir / "badges").resolve():
        raise ValueError(f"badge directory {target} would leave {out_dir / 'badges'}")
    target.mkdir(parents=True, exist_ok=True)
    for name, content in badge_files(overall).items():
        (target / name).write_text(content, encoding="utf-8")


# ---------------------------------------------------------------- embedding snippets

SNIPPETS = (
    ("month", False, "flat", "Downloads per month"),
    ("week", False, "flat", "Downloads per week"),
    ("day", False, "flat", "Downloads per day"),
    ("total", False, "flat", "Total downloads"),
    ("month", True, "flat", "Downloads per month, with mirrors"),
    ("month", False, "flat-square", "Downloads per month, flat-square style"),
    ("month", False, "for-the-badge", "Downloads per month, for-the-badge style"),
)


def _join(base_url: str, path: str) -> str:
    if not base_url:
        return path
    return (base_url if base_url.endswith("/") else base_url + "/") + path


def snippets(normalized: str, base_url: str) -> list[dict[str, str]]:
    """Copy-ready Markdown, reStructuredText and HTML for each badge, with the site's URLs."""
    page = _join(base_url, f"packages/{normalized}/")
    out = []
    for period, mirrors, style, title in SNIPPETS:
        name = stem(period, mirrors, style)
        svg = _join(base_url, f"badges/{normalized}/{name}.svg")
        alt = f"{normalized} {title[0].lower()}{title[1:]}"
        out.append(
            {
                "name": name,
                "title": title,
                "svg_url": svg,
                "json_url": _join(base_url, f"badges/{normalized}/{stem(period, mirrors)}.json"),
                "markdown": f"[![{alt}]({svg})]({page})",
                "rst": f".. image:: {svg}\n   :alt: {alt}\n   :target: {page}",
                "html": (
                    f'<a href="{html.escape(page)}">'
                    f'<img src="{html.escape(svg)}" alt="{html.escape(alt)}"></a>'
                ),
            }
        )
    return out
