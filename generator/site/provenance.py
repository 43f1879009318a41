"""Where a package's numbers come from, as its page and its JSON API show it. Pure.

The store records, per kind, which source gave which runs of days (`store.provenance`,
`data/_meta/provenance/<package>.csv`). Here those spans meet the days the package has
stored: each kind's stored days, in date order, fall into runs by source (`segments`);
a stored day no span covers is "source not recorded" (history kept before provenance
was). A day that is not stored (a zero-download day, an outage) neither breaks a run nor
counts as unrecorded. Kinds with identical runs share one line (`lines`), so the section
stays short: "Downloads, Python versions and systems: ClickHouse 2016-01-03 – 2026-06-04,
pypistats.org 2026-06-05 – 2026-12-01".
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.model import ALL_KINDS
from generator.store.clickhouse_log import ClickHouseRun
from generator.store.provenance import SOURCE_NAMES, Span

KIND_LABELS = {
    "overall": "downloads",
    "python_minor": "Python versions",
    "python_major": "Python major versions",
    "system": "systems",
    "version": "package versions",
    "country": "countries",
    "installer": "installers",
    "ci": "CI share",
}
ANCHORS = {
    "pypistats": "source-pypistats",
    "bigquery": "source-bigquery",
    "clickhouse": "source-clickhouse",
}
"""The methodology page's section about each source (sources without one are not linked)."""
UNRECORDED_ANCHOR = "which-source-gave-which-days"
SEGMENTS_SHOWN = 8  # per line; the rest are counted ("and 3 earlier runs")
EXTRAS_WITHOUT_CI = ("version", "country", "installer")


@dataclass(frozen=True)
class Segment:
    """Stored days `first`..`last` of one kind came from `source` (None: not recorded)."""

    source: str | None
    first: str  # YYYY-MM-DD
    last: str


def _painted(spans: Iterable[Span]) -> list[tuple[str, str, str]]:
    """Disjoint (first, last, source) intervals, sorted; where spans overlap (only a file
    edited by hand can), the one that starts later wins."""
    out: list[tuple[str, str, str]] = []
    for span in sorted(spans, key=lambda s: (s.first, s.last)):
        first, last = span.first.isoformat(), span.last.isoformat()
        kept = []
        for a, b, source in out:
            if b < first or a > last:
                kept.append((a, b, source))
                continue
            if a < first:
                kept.append((a, _shift(first, -1), source))
            if b > last:
                kept.append((_shift(last, 1), b, source))
        kept.append((first, last, span.source))
        out = sorted(kept)
    return out


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def segments(spans: Iterable[Span], days: Collection[str]) -> list[Segment]:
    """The stored `days` of one kind in runs by source, oldest first."""
    ordered = sorted(days)
    out: list[Segment] = []

    def add(source: str | None, lo: int, hi: int) -> None:  # the days ordered[lo:hi]
        if lo >= hi:
            return
        if out and out[-1].source == source:
            out[-1] = Segment(source, out[-1].first, ordered[hi - 1])
        else:
            out.append(Segment(source, ordered[lo], ordered[hi - 1]))

    done = 0
    for first, last, source in _painted(spans):
        lo = bisect.bisect_left(ordered, first, done)
        hi = bisect.bisect_right(ordered, last, lo)
        add(None, done, lo)
        add(source, lo, hi)
        done = hi
    add(None, done, len(ordered))
    return out


def by_kind(
    spans: Iterable[Span], stored: Mapping[str, Collection[str]]
) -> dict[str, list[Segment]]:
    """`segments` for every kind that has stored days, in the site's kind order."""
    of_kind: dict[str, list[Span]] = {}
    for span in spans:
        of_kind.setdefault(span.kind, []).append(span)
    return {
        kind: segments(of_kind.get(kind, []), stored[kind])
        for kind in ALL_KINDS
        if stored.get(kind)
    }


def label(kinds: Sequence[str]) -> str:
    """ "Downloads, Python versions and systems" (Python major versions go without saying
    beside Python versions: they are summed from them)."""
    names = [KIND_LABELS[k] for k in kinds if not (k == "python_major" and "python_minor" in kinds)]
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return text[0].upper() + text[1:]


def lines(kinds: Mapping[str, Sequence[Segment]], methodology: str) -> list[dict[str, Any]]:
    """What the page lists: kinds with the same runs on one line, each run with its
    source's name and the methodology section (`methodology` + "#anchor") about it."""
    grouped: dict[tuple[Segment, ...], list[str]] = {}
    for kind, runs in kinds.items():
        grouped.setdefault(tuple(runs), []).append(kind)
    out = []
    for runs, members in grouped.items():
        shown = runs[-SEGMENTS_SHOWN:]
        out.append(
            {
                "kinds": members,
                "label": label(members),
                "segments": [_shown(s, methodology) for s in shown],
                "earlier": len(runs) - len(shown),
            }
        )
    return out


def _shown(segment: Segment, methodology: str) -> dict[str, Any]:
    source = segment.source
    if source is None:
        name, anchor = "source not recorded", UNRECORDED_ANCHOR
    else:
        name, anchor = SOURCE_NAMES.get(source, source), ANCHORS.get(source, "")
    return {
        "source": source,
        "name": name,
        "href": f"{methodology}#{anchor}" if anchor else "",
        "first": segment.first,
        "last": segment.last,
    }


def api_rows(kinds: Mapping[str, Sequence[Segment]]) -> list[dict[str, Any]]:
    """The JSON API's `provenance` rows: every run of every kind (source null: not
    recorded), in kind order, then by date."""
    return [
        {"first_date": s.first, "kind": kind, "last_date": s.last, "source": s.source}
        for kind, runs in kinds.items()
        for s in runs
    ]


def used(spans: Iterable[Span], source: str, kinds: Collection[str] = ALL_KINDS) -> bool:
    """Whether `source` gave any day of any of `kinds`."""
    return any(s.source == source and s.kind in kinds for s in spans)


def ci_missing_from_clickhouse(present: Collection[str], spans: Iterable[Span]) -> bool:
    """Versions, countries or installers are there, no CI, and they came from ClickHouse,
    whose public dataset has no CI flag."""
    return (
        "ci" not in present
        and any(k in present for k in EXTRAS_WITHOUT_CI)
        and used(spans, "clickhouse", EXTRAS_WITHOUT_CI)
    )


def kind_days(
    overall_days: Sequence[str],
    window: Collection[str],
    bounds: tuple[str, str] | None,
    since: str,
) -> list[str]:
    """The stored days of a category file, in order, from what the build reads anyway:
    exactly its `window` rows' days (from `since` on); before that, the package's
    `overall_days` (sorted: the days with downloads without mirrors, which every category
    file has) inside the file's own first and last day (`bounds`; None: no rows)."""
    after = sorted(window)
    if bounds is None:
        return after
    first, last = bounds
    lo = bisect.bisect_left(overall_days, first)
    hi = min(bisect.bisect_left(overall_days, since), bisect.bisect_right(overall_days, last))
    return [*overall_days[lo:hi], *after]


def clickhouse_notice(run: ClickHouseRun | None) -> dict[str, Any] | None:
    """The "ClickHouse is behind" notice from the newest ClickHouse run; None when it
    was not behind (or there is no run)."""
    if run is None or not run.behind:
        return None
    return {
        "newest_day": run.newest_day,
        "checked": run.run_at[:10],
        "packages": frozenset(run.packages),
    }
