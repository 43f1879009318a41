"""The static JSON API: pypistats.org's response shapes, as files. Pure text builders.

`api/packages/<name>/{recent,overall,python_major,python_minor,system}.json`, each
`{"data": …, "package": …, "type": …}` with the same keys, order and compact encoding as
pypistats.org, including the trailing newline. Like pypistats.org, the time series cover
the 180 days before the last date in the history, and that date
(the full history is in `data/<name>/<kind>.csv`). Each file is also published without the
`.json` extension, so the `pypistats` client, which requests `…/packages/<name>/recent`,
works when pointed at the site.

`api/packages/<name>/provenance.json` is this site's own: in the same envelope, which
source gave which runs of stored days of each kind (`provenance.api_rows`).

Every string is also escaped for HTML and JavaScript (`<`, `>`, `&`, U+2028 and U+2029 as
`\\uXXXX`): the same JSON to any parser, and inert should a file ever be read as a page or
pasted into a script. pypistats.org's answers never hold those characters, so its bytes
are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

from generator.model import Row

API_WINDOW_DAYS = 180
"""Series start this many days before the last date (181 dates), as pypistats.org's do."""
SERIES_KINDS = ("overall", "python_major", "python_minor", "system")
TYPES = {
    "recent": "recent_downloads",
    "overall": "overall_downloads",
    "python_major": "python_major_downloads",
    "python_minor": "python_minor_downloads",
    "system": "system_downloads",
}


_INERT = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _inert(text: str) -> str:
    """JSON text with the characters that mean something to HTML or JavaScript escaped;
    they can only occur inside strings, where `\\uXXXX` is the same character."""
    return text.translate(_INERT)


def _dumps(value: Any) -> str:
    return _inert(json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False))


def recent_json(package: str, recent: Mapping[str, int]) -> str:
    data = {k: recent[k] for k in ("last_day", "last_month", "last_week")}
    return _dumps({"data": data, "package": package, "type": TYPES["recent"]}) + "\n"


def series_json(package: str, kind: str, rows: Iterable[Row]) -> str:
    """A time-series response; rows sorted by category then date, as pypistats.org does."""
    ordered = sorted(rows, key=itemgetter(1, 0))
    encoded = {c: _dumps(c) for c in {r[1] for r in ordered}}
    items = ",".join(
        f'{{"category":{encoded[c]},"date":"{d}","downloads":{n}}}' for d, c, n in ordered
    )
    return f'{{"data":[{items}],"package":{_dumps(package)},"type":"{TYPES[kind]}"}}\n'


def provenance_json(package: str, rows: Iterable[Mapping[str, Any]]) -> str:
    """`{"data": [{"first_date", "kind", "last_date", "source"}, …], "package", "type"}`;
    `source` is null where the source of stored days was not recorded."""
    return _dumps({"data": list(rows), "package": package, "type": "provenance"}) + "\n"


def dumps_document(value: Any) -> str:
    """Any of this site's own documents (summary.json): compact, sorted keys, inert."""
    return _dumps(value) + "\n"


def packages_json(entries: Iterable[Mapping[str, Any]]) -> str:
    """`api/packages.json`: every tracked package with its recent numbers and links."""
    text = json.dumps({"packages": list(entries)}, indent=1, sort_keys=True, ensure_ascii=False)
    return _inert(text)
