"""A package page's chart grid: no holes, and a one-line note for each dimension that
has no data, saying which and why."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

PYPISTATS_DIMENSIONS = (("python_minor", "Python-version"), ("system", "operating-system"))
BIGQUERY_KINDS = ("version", "country", "installer", "ci")


def without_holes(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chart entries laid out on a two-column grid with no empty cell: a half-width
    chart left alone in its row (before a wide chart, or last) spans both columns."""
    out = [dict(e) for e in entries]
    alone: dict[str, Any] | None = None  # a half-width chart waiting for a neighbour
    for entry in out:
        if entry.get("wide"):
            if alone is not None:
                alone["wide"] = True
            alone = None
        elif alone is None:
            alone = entry
        else:
            alone = None
    if alone is not None:
        alone["wide"] = True
    return out


def dimension_notes(
    present: Collection[str], charted: Collection[str], window_days: int
) -> list[dict[str, str]]:
    """One line for each dimension this package has no chart of, and why."""
    notes = []
    absent = [(k, label) for k, label in PYPISTATS_DIMENSIONS if k not in present]
    if absent:
        labels = " or ".join(label for _k, label in absent)
        files = " or ".join(k for k, _label in absent)
        notes.append(
            {
                "kind": " ".join(k for k, _label in absent),
                "text": f"No {labels} data: this package's history came from an import"
                f" without {files}.",
            }
        )
    for kind, label in PYPISTATS_DIMENSIONS:
        if kind in present and kind not in charted:
            text = f"No {label} data in the last {window_days} days of this package's history."
            notes.append({"kind": kind, "text": text})
    if not any(kind in present for kind in BIGQUERY_KINDS):
        notes.append(
            {
                "kind": "bigquery",
                "text": "Versions, countries and installers come from BigQuery; this"
                " package's history came from pypistats.org, which does not report them.",
            }
        )
    return notes
