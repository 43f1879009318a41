"""What a stored row may hold: the one rule every source, `import` and the store apply.

Only what round-trips is stored. A category is a non-empty string of printable characters
with no separator or control character (so no line break of any kind, U+2028 and U+0085
included), at most MAX_CATEGORY_LENGTH long. A date is a real day, not after tomorrow
(UTC). A count is an integer from 0 to MAX_DOWNLOADS. Each check returns the problem in
words, or None.
"""

from __future__ import annotations

import datetime as dt
import reprlib
import unicodedata

from generator.dates import is_date, utc_today

MAX_CATEGORY_LENGTH = 100
"""Longer than any Python version, system, country, installer or release seen on PyPI."""
MAX_DOWNLOADS = 10**12
"""A day's downloads of one package: PyPI serves about 10**9 downloads a day in all."""
_FORBIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, format, separators
_ALLOWED_SPACE = " "


def category_problem(category: object) -> str | None:
    """Why `category` cannot be stored, or None."""
    if not isinstance(category, str):
        return f"the category {_short(category)} is a {type(category).__name__}, not a string"
    if not category:
        return "the category is empty"
    if len(category) > MAX_CATEGORY_LENGTH:
        return f"the category is {len(category)} characters long (at most {MAX_CATEGORY_LENGTH})"
    for char in category:
        kind = unicodedata.category(char)
        if kind in _FORBIDDEN or (kind == "Zs" and char != _ALLOWED_SPACE):
            return f"the category {_short(category)} contains the character U+{ord(char):04X}"
    if category != category.strip():
        return f"the category {_short(category)} starts or ends with a space"
    return None


def date_problem(date: object, today: dt.date | None = None) -> str | None:
    """Why `date` is not a day we may store (a real day, not after tomorrow UTC), or None."""
    if not isinstance(date, str) or not is_date(date):
        return f"the date {date!r} is not a real day written YYYY-MM-DD"
    tomorrow = (today or utc_today()) + dt.timedelta(days=1)
    if date > tomorrow.isoformat():
        return f"the date {date} is in the future (after {tomorrow.isoformat()}, UTC)"
    return None


def count_problem(count: object) -> str | None:
    """Why `count` is not a download count we may store, or None."""
    if not isinstance(count, int) or isinstance(count, bool):
        return f"the count {_short(count)} is not an integer"
    if count < 0 or count > MAX_DOWNLOADS:
        return f"the count {_short(count)} is outside 0..{MAX_DOWNLOADS:,}"
    return None


def row_problem(date: object, category: object, count: object) -> str | None:
    """The first problem of a (date, category, downloads) row, or None."""
    return date_problem(date) or category_problem(category) or count_problem(count)


def _short(value: object) -> str:
    """A value for a message, cut to a readable length (a count may have 5,000 digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"with {len(str(abs(value))) if abs(value) < 10**4000 else 'thousands of'} digits"
    text = reprlib.repr(value)  # bounded in depth and length, whatever the value
    return text if len(text) <= 40 else text[:37] + "..."
