"""Generate generator/data/badge_widths.json from a real font file.

Badges reserve room for their text with `textLength`; that number must match what a browser
renders, so it comes from the font's own metrics rather than from guesses:

- horizontal advance of every glyph the badge text can use (hmtx),
- the Latin standard ligatures (GSUB `liga`: fi, fl, ff, ...), which browsers apply by default,
- pair kerning (GPOS `kern`, class- and glyph-based), which browsers also apply by default.

Values are stored in font units (the table holds `units_per_em`), so any font size can be
computed from them: width_px = units * size / units_per_em.

Usage:
    python scripts/font_widths.py                      # DejaVu Sans + Bold from Debian's fonts-dejavu-core
    python scripts/font_widths.py --regular X.ttf --bold Y.ttf --out path.json
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont

log = logging.getLogger("font_widths")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "generator" / "data" / "badge_widths.json"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEFAULT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
DEFAULT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# Characters badge text can contain: printable ASCII, Latin-1 and a little typography.
CHARSET = (
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xA0, 0x100)]
    + list("‐–—‘’“”•…‰€™−")
)


def _feature_lookups(table: Any, tag: str, script: str = "latn") -> list[int]:
    """Lookup indices of feature `tag` for `script` (default language system)."""
    records = {r.ScriptTag: r.Script for r in table.ScriptList.ScriptRecord}
    chosen = records.get(script) or records.get("DFLT")
    if chosen is None or chosen.DefaultLangSys is None:
        return []
    lookups: list[int] = []
    for index in chosen.DefaultLangSys.FeatureIndex:
        record = table.FeatureList.FeatureRecord[index]
        if record.FeatureTag == tag:
            lookups.extend(record.Feature.LookupListIndex)
    return lookups


def _ligatures(font: TTFont, glyphs: set[str]) -> dict[str, str]:
    """Ligatures from `liga` whose components are all in `glyphs`: "f i" -> "fi" glyph."""
    out: dict[str, str] = {}
    if "GSUB" not in font:
        return out
    table = font["GSUB"].table
    for index in _feature_lookups(table, "liga"):
        lookup = table.LookupList.Lookup[index]
        for sub in lookup.SubTable:
            if lookup.LookupType == 7:  # extension: the real subtable is wrapped
                sub = sub.ExtSubTable
            for first, ligs in getattr(sub, "ligatures", {}).items():
                for lig in ligs:
                    seq = [first, *lig.Component]
                    if all(g in glyphs for g in seq):
                        out.setdefault(" ".join(seq), lig.LigGlyph)
    return out


def _pair_value(record: Any) -> int:
    value = getattr(record, "Value1", None)
    return int(getattr(value, "XAdvance", 0) or 0) if value is not None else 0


def _kerning(font: TTFont, glyphs: set[str]) -> dict[str, dict[str, int]]:
    """Pair kerning (first lookup/subtable that covers a pair wins) restricted to `glyphs`."""
    kern: dict[str, dict[str, int]] = {}
    if "GPOS" not in font:
        return kern
    table = font["GPOS"].table
    seen: set[tuple[str, str]] = set()
    for index in _feature_lookups(table, "kern"):
        lookup = table.LookupList.Lookup[index]
        for sub in lookup.SubTable:
            if lookup.LookupType == 9:  # extension: the real subtable is wrapped
                sub = sub.ExtSubTable
            if not hasattr(sub, "Class1Record") and not hasattr(sub, "PairSet"):
                continue  # not a pair-adjustment subtable
            coverage = [g for g in sub.Coverage.glyphs if g in glyphs]
            if sub.Format == 1:
                for first, pair_set in zip(sub.Coverage.glyphs, sub.PairSet, strict=True):
                    if first not in glyphs:
                        continue
                    for rec in pair_set.PairValueRecord:
                        if rec.SecondGlyph in glyphs and (first, rec.SecondGlyph) not in seen:
                            seen.add((first, rec.SecondGlyph))
                            if v := _pair_value(rec):
                                kern.setdefault(first, {})[rec.SecondGlyph] = v
            elif sub.Format == 2:
                class1 = sub.ClassDef1.classDefs
                class2 = sub.ClassDef2.classDefs
                for first in coverage:
                    row = sub.Class1Record[class1.get(first, 0)].Class2Record
                    for second in glyphs:
                        if (first, second) in seen:
                            continue
                        seen.add((first, second))
                        if v := _pair_value(row[class2.get(second, 0)]):
                            kern.setdefault(first, {})[second] = v
    return {k: dict(sorted(v.items())) for k, v in sorted(kern.items())}


def face_table(path: Path) -> dict[str, Any]:
    """Everything the badge measurer needs from one font file, in font units."""
    font = TTFont(str(path))
    cmap = font.getBestCmap()
    hmtx = font["hmtx"].metrics
    chars = {ch: cmap[ord(ch)] for ch in CHARSET if ord(ch) in cmap}
    glyphs = set(chars.values())
    ligatures = _ligatures(font, glyphs)
    glyphs |= set(ligatures.values())
    advances = {g: hmtx[g][0] for g in sorted(glyphs)}
    missing = [ch for ch in CHARSET if ord(ch) not in cmap]
    if missing:
        log.warning("%s has no glyph for %r", path.name, "".join(missing))
    name = font["name"]
    return {
        "file": path.name,
        "family": str(name.getDebugName(1)),
        "style": str(name.getDebugName(2)),
        "version": str(name.getDebugName(5)),
        "units_per_em": font["head"].unitsPerEm,
        # Characters outside the table are drawn by some fallback font we cannot know;
        # measuring them as wide as "M" keeps such text inside its box.
        "fallback_advance": hmtx[cmap[ord("M")]][0],
        "cmap": chars,
        "advances": advances,
        "ligatures": ligatures,
        "kerning": _kerning(font, glyphs),
    }


def build_table(regular: Path, bold: Path) -> dict[str, Any]:
    return {
        "comment": "Generated by scripts/font_widths.py from real font files; do not edit.",
        "faces": {"regular": face_table(regular), "bold": face_table(bold)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regular", type=Path, default=DEFAULT_REGULAR)
    parser.add_argument("--bold", type=Path, default=DEFAULT_BOLD)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in (args.regular, args.bold):
        if not path.is_file():
            log.error(
                "%s not found. Fix: install DejaVu Sans (apt-get install fonts-dejavu-core) "
                "or pass --regular/--bold",
                path,
            )
            return 2
    table = build_table(args.regular, args.bold)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(table, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    args.out.write_text(text, encoding="utf-8")
    for key, face in table["faces"].items():
        pairs = sum(len(v) for v in face["kerning"].values())
        log.info(
            "%s: %s %s, %d glyphs, %d ligatures, %d kerning pairs",
            key,
            face["family"],
            face["style"],
            len(face["advances"]),
            len(face["ligatures"]),
            pairs,
        )
    log.info("wrote %s (%d bytes)", args.out, len(text.encode()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
