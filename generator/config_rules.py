"""The value rules behind the URL and text settings: what a base_url, a repository URL, a
site title, a group or a note may hold (pure). `generator.config_settings` builds its
`Rule`s from these; commands that take the same values on the command line use them too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from generator.names import character, quoted

EXAMPLE_BASE_URL = "https://user.github.io/repo/"
# RFC 3986's characters, less the quote and the parentheses (they end a Markdown link).
_URL_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&*+,;=%"
)
_AUTHORITY = re.compile(  # a host name or an IPv6 literal, and an optional port
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?",
    re.ASCII,
)
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NOT_TEXT = frozenset({"Cc", "Cs", "Co", "Cn", "Zl", "Zp"})  # controls, line breaks, unassigned


def url_problem(url: str, *, base: bool = False) -> str | None:
    """What is wrong with `url` as an absolute http(s) URL, in words; None when it is one.

    No whitespace, quote, `<>`, backslash, parenthesis, control or non-ASCII character.
    With `base` (the site's address, page paths are appended to it) it must also end in
    `/` and have no query or fragment.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        return "is not an absolute URL starting with http:// or https://"
    bad = next((c for c in url if c not in _URL_CHARS), None)
    if bad is not None:
        return (
            f"contains {character(bad)}; a URL here has no spaces, "
            "quotes, `<>`, parentheses or non-ASCII text (percent-encode it, and write an "
            "international domain in its xn-- form)"
        )
    host_port, slash, _ = rest.partition("/")
    if "@" in host_port:
        return "holds a user name or password; publish the address without them"
    authority = _AUTHORITY.fullmatch(host_port)
    if authority is None or int(authority.group(1) or 0) > 65535:
        return "has no valid host name (and port) after the scheme"
    if re.search(r"%(?![0-9A-Fa-f]{2})", url):
        return "has a `%` that does not start a percent-escape such as %20"
    if base and ("?" in url or "#" in url):
        return "has a query (`?`) or a fragment (`#`); page paths are appended to it"
    if base and not (slash and url.endswith("/")):
        return "does not end with `/`"
    return None


def base_url_message(where: str, value: str) -> str:
    """The problem with a base URL (the setting, or `--base-url`) and a valid example."""
    why = url_problem(value, base=True)
    example = value + "/" if url_problem(value + "/", base=True) is None else EXAMPLE_BASE_URL
    return (
        f"{where} must be empty or the site's absolute http:// or https:// address ending "
        f"in `/`: {quoted(value)} {why}. For example: `{example}`"
    )


def repository_url_problem(url: str) -> str | None:
    """Why `url` is not a repository's address (absolute http(s), no query or fragment:
    paths such as `/issues/new` are appended to it), or None."""
    why = url_problem(url)
    if why is None and ("?" in url or "#" in url):
        return "has a query (`?`) or a fragment (`#`); paths such as /issues/new are appended to it"
    return why


def repository_url(setting: str, environ: Mapping[str, str]) -> str:
    """The repository's address without a final `/`: the setting, or else the repository
    the GitHub Actions job runs in (GITHUB_SERVER_URL/GITHUB_REPOSITORY), or else ""."""
    if setting:
        return setting.rstrip("/")
    server = environ.get("GITHUB_SERVER_URL", "").rstrip("/")
    name = environ.get("GITHUB_REPOSITORY", "").strip("/")
    candidate = f"{server}/{name}" if server and name else ""
    return candidate if candidate and repository_url_problem(candidate) is None else ""


def text_problem(text: str, limit: int) -> str | None:
    """Why `text` (a title, group or note) is not one line of at most `limit` printable
    characters (no control, separator or bidirectional override), or None."""
    if len(text) > limit:
        return f"is {len(text):,} characters long (at most {limit})"
    for char in text:
        if unicodedata.category(char) in _NOT_TEXT or char in _BIDI_CONTROLS:
            return f"contains {character(char)}; write it on one line, without control characters"
    return None
