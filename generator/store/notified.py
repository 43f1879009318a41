"""data/_meta/notified.csv: the milestones already posted to the webhook, one line each.

    id,date,sent_at
    requests/week-10000,2026-05-14,2026-05-15T03:21:07Z

`id` is the milestone's stable id (generator.milestones), `date` the day it is dated and
`sent_at` when the webhook accepted it (UTC, whole seconds). A milestone listed here is
never posted again. Sorted by id; written atomically by the notify use case under the
store's lock; a line that does not parse is a CorruptFileError naming it, and the file is
then never written over. Only lines the parser reads back are written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.dates import is_date
from generator.errors import CorruptFileError
from generator.names import normalize
from generator.store.files import read_plain_text, write_checked
from generator.store.layout import META_DIR
from generator.store.records import lines_of

FILE_NAME = "notified.csv"
NOTIFIED_HEADER = "id,date,sent_at"
_TIME = re.compile(r"\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ")
_ID = re.compile(r"([^/\x00-\x20\x7f]{1,200})/[^\x00-\x20\x7f,\"]{1,250}")


@dataclass(frozen=True)
class Sent:
    """One milestone the webhook accepted."""

    date: str  # the milestone's day, YYYY-MM-DD
    sent_at: str  # ISO 8601 UTC, e.g. 2026-05-15T03:21:07Z


def path_in(data_dir: Path) -> Path:
    return data_dir / META_DIR / FILE_NAME


def problem(milestone_id: str, entry: Sent) -> str | None:
    """Why this line could not be stored (so could not be read back), or None."""
    match = _ID.fullmatch(milestone_id)
    if match is None or normalize(match[1]) != match[1]:
        return (
            f"id {milestone_id[:100]!r} is not a milestone id "
            "(<normalized package>/<what>, no spaces, commas or quotes)"
        )
    if not is_date(entry.date):
        return f"date {entry.date[:40]!r} is not a date YYYY-MM-DD"
    if not _TIME.fullmatch(entry.sent_at) or not is_date(entry.sent_at[:10]):
        return f"sent_at {entry.sent_at[:40]!r} is not a UTC time YYYY-MM-DDTHH:MM:SSZ"
    return None


def serialize_record(sent: Mapping[str, Sent]) -> str:
    """The file's text, sorted by id; ValueError for an entry that cannot be stored."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(NOTIFIED_HEADER.split(","))
    for milestone_id in sorted(sent):
        entry = sent[milestone_id]
        reason = problem(milestone_id, entry)
        if reason is not None:
            raise ValueError(reason)
        writer.writerow([milestone_id, entry.date, entry.sent_at])
    return out.getvalue()


def parse_record(text: str, path: Path) -> dict[str, Sent]:
    """Every line of the file; CorruptFileError names the first that does not parse."""
    sent: dict[str, Sent] = {}
    for number, fields in lines_of(text, path, NOTIFIED_HEADER, 3):
        milestone_id, date, sent_at = fields
        entry = Sent(date, sent_at)
        reason = problem(milestone_id, entry)
        if reason is not None:
            raise CorruptFileError(path, number, reason)
        sent[milestone_id] = entry
    return sent


def read(data_dir: Path) -> dict[str, Sent]:
    """{milestone id: Sent}; {} when nothing was posted yet."""
    path = path_in(data_dir)
    text = read_plain_text(path)  # never through a symbolic link
    return {} if text is None else parse_record(text, path)


def write(data_dir: Path, sent: Mapping[str, Sent]) -> bool:
    """Store the whole record atomically; False when the bytes are unchanged. The caller
    holds the store's lock (store.locked)."""
    return write_checked(path_in(data_dir), serialize_record(sent), parse_record)
