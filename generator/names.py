"""PyPI project names: the one rule for a valid name, PEP 503 normalisation, and safe paths.

A name is ASCII letters, digits, `.`, `_` and `-`, starting and ending with a letter or a
digit (PEP 508's shape, and PyPI's own PROJECT_NAME_RE in warehouse/utils/project.py,
which is compiled with re.ASCII), at most MAX_NAME_LENGTH characters, with no whitespace
or line break anywhere. `packages.yaml` (`validate`), `add`, `import` and
scripts/check_new_packages.py all ask `name_problem`.

`quoted` shows any value from a file in a message: on one line, never longer than a line,
so a hostile key or name cannot add lines to a log (or forge a GitHub workflow command).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_NAME_LENGTH = 128
"""PyPI sets no hard limit (warehouse stores a project's name in an unbounded Text column
and checks only its pattern). 128 is far above any real project's name and keeps the
directory data/<name>/ (and site/packages/<name>/) well under the 255-byte limit most
filesystems put on one path component."""

# fullmatch with an explicit ASCII class: re.IGNORECASE alone lets `ſ` and `İ` match [a-z],
# and `$` would match before a trailing newline.
_VALID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?", re.ASCII)
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
_SEPARATORS = re.compile(r"[-_.]+")
RULE = (
    f"ASCII letters, digits and . _ - only, starting and ending with a letter or digit, "
    f"at most {MAX_NAME_LENGTH} characters"
)


def quoted(value: object, limit: int = 60) -> str:
    """`value` for a message: in backticks when it is plain, else escaped; one line, short.

    Printable text is shown as it is; anything else (a line break, a control, format or
    separator character, a backtick) is shown as an ASCII Python literal, whose escapes
    keep it on one line. A long value is cut, saying how long it was.
    """
    text = value if isinstance(value, str) else repr(value)
    long = len(text) > limit
    head = text[:limit]
    if head.isprintable() and "`" not in head:
        shown = f"`{head}...`" if long else f"`{head}`"
    else:
        literal = ascii(head)
        shown = literal[:-1] + "..." + literal[-1] if long else literal
    return f"{shown} ({len(text):,} characters)" if long else shown


def character(char: str) -> str:
    """One character for a message: "`ſ` (U+017F, latin small letter long s)"."""
    label = unicodedata.name(char, "a control character").lower()
    return f"{quoted(char)} (U+{ord(char):04X}, {label})"


def name_problem(name: object) -> str | None:
    """Why `name` is not a PyPI project name we track, in words; None when it is one."""
    if not isinstance(name, str):
        return f"{quoted(name)} is not a valid PyPI project name: it must be text"
    if _VALID.fullmatch(name) and len(name) <= MAX_NAME_LENGTH:
        return None
    why = _why_not(name)
    return f"{quoted(name)} is not a valid PyPI project name: {why} ({RULE})"


def _why_not(name: str) -> str:
    if not name:
        return "it is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"it is {len(name):,} characters long"
    if name != name.strip():
        return "remove the whitespace or line break at its start or end"
    bad = next((c for c in name if c not in _ALLOWED), None)
    if bad is not None:
        return f"{character(bad)} is not allowed"
    return "it must start and end with a letter or digit"


def is_valid_name(name: str) -> bool:
    """True when `name` is a valid project name by the rule above."""
    return name_problem(name) is None


def normalize(name: str) -> str:
    """PEP 503 normalised form, used wherever a name becomes a path or a URL."""
    return _SEPARATORS.sub("-", name).lower()


def safe_dir(root: Path, name: str) -> Path:
    """`root/<normalized name>`, refusing any name that would escape `root`."""
    problem = name_problem(name)
    if problem is not None:
        raise ValueError(problem)
    path = root / normalize(name)
    if path.parent != root or path.name in {"", ".", ".."}:
        raise ValueError(f"{quoted(name)} would escape {root}")
    return path


def group_slug(group: str) -> str:
    """A group's address on the site, `groups/<slug>/` and `#group-<slug>`: lower case,
    every run of other characters a hyphen ("Web & HTTP" → "web-http")."""
    return re.sub(r"[^a-z0-9]+", "-", group.lower()).strip("-") or "group"
