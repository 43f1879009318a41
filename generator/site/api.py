"""The static JSON API: pypistats.org's response shapes, as files. Pure text builders.

`api/packages/<name>/{recent,overall,python_major,python_minor,system}.json`, each
`{"data": …, "package": …, "type": …}` with the same keys, order and compact encoding as
pypistats.org, including the trailing newline. Like pypistats.org, the time series cover
the 180 days before the last date in the history, and that date
(the full history is in `data/<name>/<kind>.csv`). Each file is also published without the
`.json` extension, so the `pypistats` client, which requests `…/packages/<name>/recent`,
works when pointed at the site.
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


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


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


def packages_json(entries: Iterable[Mapping[str, Any]]) -> str:
    """`api/packages.json`: every tracked package with its recent numbers and links."""
    return json.dumps({"packages": list(entries)}, indent=1, sort_keys=True, ensure_ascii=False)
