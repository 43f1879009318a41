"""Badges: number formatting, colours, measured widths, SVG/JSON files and embed snippets."""

from __future__ import annotations

import importlib.util
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator import badges
from generator.badges import (
    Badge,
    badge_for,
    color_for,
    format_metric,
    layout,
    message_for,
    render,
    snippets,
    text_width,
    write_badges,
)

REPO = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0"),
        (1, "1"),
        (9, "9"),
        (10, "10"),
        (999, "999"),
        (1000, "1k"),
        (1001, "1k"),
        (1049, "1k"),
        (1050, "1.1k"),  # half-up, not banker's rounding
        (1234, "1.2k"),
        (1949, "1.9k"),
        (1950, "2k"),  # 1.95 → "2.0" → the decimal is 0, so no decimal
        (9949, "9.9k"),
        (9950, "10k"),
        (9999, "10k"),
        (10_000, "10k"),
        (12_345, "12k"),
        (99_499, "99k"),
        (99_500, "100k"),
        (999_499, "999k"),
        (999_500, "1M"),  # would be "1000k": moves up a prefix
        (999_999, "1M"),
        (1_000_000, "1M"),
        (1_500_000, "1.5M"),
        (1_880_218_825, "1.9G"),  # boto3's real 30-day count (top-pypi-packages)
        (2_345_678_901, "2.3G"),
        (999_999_999_999, "1T"),
        (10**15, "1P"),
        (10**18, "1E"),
        (10**24, "1Y"),
        (10**27, "1000Y"),  # no prefix above Y
        (-1234, "-1.2k"),
    ],
)
def test_format_metric(n: int, expected: str) -> None:
    assert format_metric(n) == expected


@pytest.mark.parametrize(
    ("count", "color"),
    [
        (0, "red"),
        (1, "yellow"),
        (9, "yellow"),
        (10, "yellowgreen"),
        (99, "yellowgreen"),
        (100, "green"),
        (999, "green"),
        (1000, "brightgreen"),
        (10**12, "brightgreen"),
    ],
)
def test_color_for(count: int, color: str) -> None:
    assert color_for(count) == color


@pytest.mark.parametrize(
    ("period", "count", "message"),
    [
        ("day", 0, "0/day"),
        ("week", 7, "7/week"),
        ("month", 1234, "1.2k/month"),
        ("month", 1_500_000, "1.5M/month"),
        ("total", 2_345_678_901, "2.3G"),  # total has no suffix
    ],
)
def test_message_for(period: str, count: int, message: str) -> None:
    assert message_for(period, count) == message


def test_unknown_period_is_rejected() -> None:
    with pytest.raises(ValueError, match="year"):
        message_for("year", 1)


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("brightgreen", "#fff"),
        ("yellow", "#fff"),  # shields' yellow is just dark enough for white text
        ("red", "#fff"),
        ("#555", "#fff"),
        ("#eee", "#333"),
        ("ffffff", "#333"),
    ],
)
def test_text_is_readable_on_its_background(background: str, text: str) -> None:
    assert badges.text_colors(background)[0] == text


def test_unknown_colour_is_rejected() -> None:
    with pytest.raises(ValueError, match="purple-ish"):
        badges.hex_color("purple-ish")


# ------------------------------------------------------------------ widths from the font table


def test_width_table_was_generated_from_dejavu_sans() -> None:
    table = badges.load_table()
    regular, bold = table["faces"]["regular"], table["faces"]["bold"]
    assert regular["family"] == bold["family"] == "DejaVu Sans"
    assert bold["style"] == "Bold"
    assert regular["units_per_em"] == 2048
    # Every printable ASCII character can be measured without the fallback.
    assert all(chr(c) in regular["cmap"] for c in range(0x20, 0x7F))


def test_table_matches_the_font_file_it_came_from(tmp_path: Path) -> None:
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    bold = font.with_name("DejaVuSans-Bold.ttf")
    if not (font.is_file() and bold.is_file()):
        pytest.skip("DejaVu Sans not installed (apt-get install fonts-dejavu-core)")
    spec = importlib.util.spec_from_file_location(
        "font_widths", REPO / "scripts" / "font_widths.py"
    )
    assert spec and spec.loader
    font_widths = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(font_widths)

    out = tmp_path / "widths.json"
    assert font_widths.main(["--regular", str(font), "--bold", str(bold), "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == badges.load_table(), (
        "generator/data/badge_widths.json is stale: run `python scripts/font_widths.py`"
    )


def test_wider_text_measures_wider() -> None:
    assert text_width("1.2k/month") > text_width("1k/day") > 0
    assert text_width("MMM") > text_width("iii")
    assert text_width("downloads", bold=True) > text_width("downloads")
    assert text_width("downloads", size=22) == pytest.approx(2 * text_width("downloads"))


def test_kerning_and_ligatures_are_applied() -> None:
    # "AV" kerns tighter than the two letters' advances; "ff" is drawn as one narrower glyph.
    assert text_width("AV") < text_width("A") + text_width("V")
    assert text_width("ff") < 2 * text_width("f")
    assert text_width("ffi", bold=True) < 2 * text_width("f", bold=True) + text_width(
        "i", bold=True
    )
    # letter-spacing switches ligatures off, as browsers do, and adds space after each char.
    spaced = text_width("ff", letter_spacing=1.25)
    assert spaced == pytest.approx(2 * text_width("f") + 2.5)


def test_unknown_characters_are_measured_wide_not_zero() -> None:
    assert text_width("漢") == pytest.approx(text_width("M"))


# ------------------------------------------------------------------ layout and SVG


def _texts(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(f"{SVG}text"))


@pytest.mark.parametrize("style", badges.STYLES)
def test_every_text_reserves_its_measured_width(style: str) -> None:
    badge = badge_for("month", 1234)
    svg = render(badge, style)
    root = ET.fromstring(svg)
    texts = _texts(svg)
    assert texts, "badge has no text"
    lay = layout(badge, style)
    for element in texts:
        content = element.text or ""
        expected = text_width(
            content,
            size=lay.geometry.font_size,
            bold=element.get("font-weight") == "bold",
            letter_spacing=lay.geometry.letter_spacing,
        )
        assert float(element.attrib["textLength"]) == pytest.approx(expected, abs=0.01)
    # Both boxes hold their text with padding, and add up to the badge's width.
    assert lay.left_width > lay.label.length if lay.label else True
    assert lay.right_width > lay.message.length
    assert int(root.attrib["width"]) == lay.left_width + lay.right_width


@pytest.mark.parametrize("style", badges.STYLES)
def test_badge_is_accessible(style: str) -> None:
    svg = render(badge_for("month", 1234), style)
    root = ET.fromstring(svg)
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-label"] == "downloads: 1.2k/month"
    assert root.findtext(f"{SVG}title") == "downloads: 1.2k/month"
    # Shadows are hidden from screen readers so the text is not read twice.
    visible = [t for t in _texts(svg) if t.get("aria-hidden") != "true"]
    assert len(visible) == 2


def test_for_the_badge_is_capitalised_but_title_is_not() -> None:
    svg = render(badge_for("month", 1234), "for-the-badge")
    assert [t.text for t in _texts(svg)] == ["DOWNLOADS", "1.2K/MONTH"]
    assert ET.fromstring(svg).findtext(f"{SVG}title") == "downloads: 1.2k/month"


def test_flat_badge_uses_count_colour_and_shields_label_colour() -> None:
    svg = render(badge_for("day", 0))
    fills = [r.get("fill") for r in ET.fromstring(svg).iter(f"{SVG}rect")]
    assert "#555" in fills and "#e05d44" in fills


def test_text_is_escaped() -> None:
    svg = render(Badge("a<b", "x & y", "blue"))
    root = ET.fromstring(svg)  # parses: the markup characters were escaped
    assert root.attrib["aria-label"] == "a<b: x & y"


def test_font_stack_starts_with_the_measured_font() -> None:
    svg = render(badge_for("week", 5))
    assert 'font-family="DejaVu Sans,Verdana,Geneva,sans-serif"' in svg


# ------------------------------------------------------------------ files of a package


def _overall() -> dict[tuple[str, str], int]:
    """40 days: without_mirrors = day number, with_mirrors = twice that."""
    series = {}
    for day in range(1, 41):
        date = f"2024-{1 + (day - 1) // 31:02d}-{(day - 1) % 31 + 1:02d}"
        series[(date, "without_mirrors")] = day * 100
        series[(date, "with_mirrors")] = day * 200
    return series


def test_write_badges_writes_every_period_with_numbers_from_recent(tmp_path: Path) -> None:
    write_badges(tmp_path, "my-pkg", _overall())
    folder = tmp_path / "badges" / "my-pkg"
    # Last day 4000; last 7 days 34..40 → 25900; last 30 days 11..40 → 76500; all → 82000.
    expected = {"day": "4k/day", "week": "26k/week", "month": "77k/month", "total": "82k"}
    for period, message in expected.items():
        assert json.loads((folder / f"{period}.json").read_text()) == {
            "schemaVersion": 1,
            "label": "downloads",
            "message": message,
            "color": "brightgreen",
        }
        assert ET.parse(folder / f"{period}.svg").getroot().attrib["aria-label"] == (
            f"downloads: {message}"
        )
    mirrors = json.loads((folder / "month-mirrors.json").read_text())
    assert mirrors["message"] == "153k/month"
    svgs = sorted(p.name for p in folder.glob("*.svg"))
    assert svgs == sorted(
        ["day.svg", "week.svg", "month.svg", "total.svg", "month-mirrors.svg"]
        + [f"month{m}-{s}.svg" for m in ("", "-mirrors") for s in ("flat-square", "for-the-badge")]
    )
    assert sorted(p.stem for p in folder.glob("*.json")) == [
        "day",
        "month",
        "month-mirrors",
        "total",
        "week",
    ]


def test_numbers_equal_derive_recent_on_real_history(realdata: Path, tmp_path: Path) -> None:
    from generator.derive import recent

    overall: dict[tuple[str, str], int] = {}
    lines = (realdata / "icesat2py-icepyx" / "downloads_data.csv").read_text().splitlines()
    header = lines[0].split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=True))
        overall[(row["date"], row["category"])] = int(row["downloads"])
    write_badges(tmp_path, "icepyx", overall)
    folder = tmp_path / "badges" / "icepyx"
    last = recent(overall)
    for period, key in (("day", "last_day"), ("week", "last_week"), ("month", "last_month")):
        message = json.loads((folder / f"{period}.json").read_text())["message"]
        assert message == f"{format_metric(last[key])}/{period}"
    total = sum(n for (_, c), n in overall.items() if c == "without_mirrors")
    assert total > 10_000
    assert json.loads((folder / "total.json").read_text())["message"] == format_metric(total)


def test_package_without_history_gets_red_zero_badges(tmp_path: Path) -> None:
    write_badges(tmp_path, "new-pkg", {})
    data = json.loads((tmp_path / "badges" / "new-pkg" / "month.json").read_text())
    assert (data["message"], data["color"]) == ("0/month", "red")


def test_write_badges_refuses_a_name_that_leaves_the_badge_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_badges(tmp_path, "../escape", {})
    assert not (tmp_path / "escape").exists()


# ------------------------------------------------------------------ snippets


def test_snippets_use_the_sites_real_urls() -> None:
    items = snippets("my-pkg", "https://user.github.io/stats")
    month = items[0]
    assert month["title"] == "Downloads per month"
    assert month["svg_url"] == "https://user.github.io/stats/badges/my-pkg/month.svg"
    page = "https://user.github.io/stats/packages/my-pkg/"
    assert month["markdown"] == f"[![my-pkg downloads per month]({month['svg_url']})]({page})"
    assert month["rst"].splitlines() == [
        f".. image:: {month['svg_url']}",
        "   :alt: my-pkg downloads per month",
        f"   :target: {page}",
    ]
    assert month["html"] == (
        f'<a href="{page}"><img src="{month["svg_url"]}" alt="my-pkg downloads per month"></a>'
    )
    names = {item["svg_url"].rsplit("/", 1)[1] for item in items}
    assert {"day.svg", "week.svg", "month.svg", "total.svg", "month-mirrors.svg"} <= names


def test_every_snippet_points_at_a_file_write_badges_writes(tmp_path: Path) -> None:
    write_badges(tmp_path, "pkg", _overall())
    for item in snippets("pkg", "https://example.org/"):
        relative = item["svg_url"].removeprefix("https://example.org/")
        assert (tmp_path / relative).is_file(), relative
        assert (tmp_path / item["json_url"].removeprefix("https://example.org/")).is_file()


def test_snippet_urls_with_trailing_slash_do_not_double_it() -> None:
    url = snippets("pkg", "https://example.org/site/")[0]["svg_url"]
    assert not re.search(r"[^:]//", url)


# ------------------------------------------------------------------ after `python -m generator build`


def _site_build_exists() -> bool:
    return importlib.util.find_spec("generator.site.build") is not None


def _write_history(data_dir: Path, realdata: Path) -> list[str]:
    """Real recorded overall histories (icepyx, heudiconv, SemClone's packages) → data/."""
    from generator import store

    histories: dict[str, dict[tuple[str, str], int]] = {}
    lines = (realdata / "icesat2py-icepyx" / "downloads_data.csv").read_text().splitlines()
    header = lines[0].split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=True))
        histories.setdefault("icepyx", {})[(row["date"], row["category"])] = int(row["downloads"])
    sources = [realdata / "nipy-heudiconv" / "pypistats.json"]
    sources += sorted(
        (realdata / "semclone-status" / "extracted" / "2026-08-22").glob("*/overall.json")
    )
    for path in sources:
        payload = json.loads(path.read_text())
        series = histories.setdefault(payload["package"], {})
        for row in payload["data"]:
            series[(row["date"], row["category"])] = int(row["downloads"])
    for name, series in histories.items():
        store.write_series(store.series_path(data_dir, name, "overall"), series)
    return sorted(histories)


@pytest.mark.skipif(
    not _site_build_exists(),
    reason="generator/site/build.py (the site build, another engineer's module) does not exist yet",
)
def test_build_writes_badges_whose_numbers_equal_the_json_api(
    realdata: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    names = _write_history(tmp_path / "data", realdata)
    assert len(names) >= 5
    config = tmp_path / "packages.yaml"
    config.write_text("packages:\n" + "".join(f"  - name: {n}\n" for n in names))
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--config", str(config),
         "--data-dir", str(tmp_path / "data"), "--out", str(site),
         "--base-url", "https://example.org/stats/"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    periods = {"day": "last_day", "week": "last_week", "month": "last_month"}
    for name in names:
        folder = site / "badges" / name
        api = json.loads((site / "api" / "packages" / name / "recent.json").read_text())
        numbers = api.get("data", api)
        for period, key in periods.items():
            expected = f"{format_metric(numbers[key])}/{period}"
            endpoint = json.loads((folder / f"{period}.json").read_text())
            assert endpoint["message"] == expected, (name, period)
            assert endpoint["color"] == color_for(numbers[key])
            svg = ET.parse(folder / f"{period}.svg").getroot()
            assert svg.attrib["aria-label"] == f"downloads: {expected}", (name, period)
        # total = every without-mirrors download in the published history
        published = (site / "data" / name / "overall.csv").read_text().splitlines()[1:]
        total = sum(int(r.split(",")[2]) for r in published if r.split(",")[1] == "without_mirrors")
        assert json.loads((folder / "total.json").read_text())["message"] == format_metric(total)
        assert (folder / "total.svg").is_file()
        # and the package page offers the snippets with the site's real URL
        page = (site / "packages" / name / "index.html").read_text()
        assert f"https://example.org/stats/badges/{name}/month.svg" in page, name


def test_different_badges_do_not_share_svg_ids() -> None:
    """Badges inlined in one HTML page must not clip each other with one shared clip path."""
    ids = set()
    for count in (0, 5, 1234):
        root = ET.fromstring(render(badge_for("month", count)))
        ids |= {e.attrib["id"] for e in root.iter() if "id" in e.attrib}
    assert len(ids) == 6


def test_counts_equal_derive_recent_with_gaps_and_uneven_last_days() -> None:
    """The fast one-pass counts agree with derive.recent, day by day, across gaps, and when
    the with-mirrors series ends on another day than the without-mirrors one."""
    import datetime as dt
    import random

    from generator.derive import recent

    rng = random.Random(7)
    for trial in range(40):
        start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(400))
        overall: dict[tuple[str, str], int] = {}
        for i in range(rng.randrange(0, 90)):
            if rng.random() < 0.2:
                continue  # a gap
            day = (start + dt.timedelta(days=i)).isoformat()
            overall[(day, "without_mirrors")] = rng.randrange(0, 5000)
            if rng.random() < 0.9:
                overall[(day, "with_mirrors")] = rng.randrange(0, 9000)
        for category in ("without_mirrors", "with_mirrors"):
            last = recent(overall, category)
            total = sum(n for (_, c), n in overall.items() if c == category)
            assert badges.counts(overall, category) == {
                "day": last["last_day"],
                "week": last["last_week"],
                "month": last["last_month"],
                "total": total,
            }, (trial, category)
