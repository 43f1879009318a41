"""The settings of packages.yaml: declared once, and everything else derived from that.

`Settings` declares each setting (its type, default, meaning and checks); from it come the
type and rule checks of a value (`read_setting`), the defaults shown in `--help`
(`setting_default`, `describe_default`) and the README's settings table
(`settings_table_markdown`). Nothing here reads YAML: `generator.config` hands over each
value with the line it came from, and re-exports the names of this module.
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, get_args, get_type_hints

from generator.config_rules import EXAMPLE_BASE_URL as EXAMPLE_BASE_URL
from generator.config_rules import (
    base_url_message,
    repository_url_problem,
    text_problem,
    url_problem,
)
from generator.config_rules import repository_url as repository_url
from generator.names import quoted

SOURCES = ("auto", "pypistats", "bigquery", "clickhouse")
EXTRAS_SOURCES = ("clickhouse", "none")


@dataclass(frozen=True)
class Rule:
    """A check a setting's value must pass beyond its type.

    `values` describes the accepted values in the README's type column ("" leaves the
    column to the other rules, or to the type); `message` is the problem reported on the
    setting's line: a text (`{key}` is replaced by the setting's name), or a function of
    the key and the value that says what is wrong with this value.
    """

    values: str
    test: Callable[[Any], bool]
    message: str | Callable[[str, Any], str]


POSITIVE = Rule("integer > 0", lambda value: value > 0, "`{key}` must be a positive integer")
ONE_OF_SOURCES = Rule(
    ", ".join(f"`{source}`" for source in SOURCES[:-1]) + f" or `{SOURCES[-1]}`",
    lambda value: value in SOURCES,
    "`{key}` must be one of " + ", ".join(SOURCES),
)
ONE_OF_EXTRAS = Rule(
    "`clickhouse` or `none`",
    lambda value: value in EXTRAS_SOURCES,
    "`{key}` must be `clickhouse` or `none`",
)
CLICKHOUSE_USER = Rule(
    "",
    lambda value: re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", value, re.ASCII) is not None,
    "`{key}` must be a ClickHouse user name such as `demo` (letters, digits, `_`, `.`, `-`)",
)
HTTP_URL = Rule(
    "URL starting with `http://` or `https://`",
    lambda value: value.startswith(("http://", "https://")),
    "`{key}` must start with http:// or https://",
)


def at_most(limit: int) -> Rule:
    """An upper bound: a huge number would overflow a date or a query further on."""
    return Rule("", lambda value: value <= limit, f"`{{key}}` must be at most {limit:,}")


PLAIN_URL = Rule(
    "",
    lambda value: url_problem(value) is None,
    lambda key, value: f"`{key}` {url_problem(value)}, e.g. `https://pypistats.org/api`",
)
BASE_URL = Rule(
    "",
    lambda value: value == "" or url_problem(value, base=True) is None,
    lambda key, value: base_url_message(f"`{key}`", value),
)
REPOSITORY_URL = Rule(
    "",
    lambda value: value == "" or repository_url_problem(value) is None,
    lambda key, value: (
        f"`{key}` must be empty or the repository's absolute http:// or https:// address: "
        f"{quoted(value)} {repository_url_problem(value)}. For example: "
        "`https://github.com/user/repo`"
    ),
)
PROJECT_ID = Rule(
    "",
    lambda value: re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.:_-]{0,99}", value, re.ASCII) is not None,
    "`{key}` must be a Google Cloud project ID such as `my-project-123`",
)
TEXT_LIMITS = {"site_title": 100, "group": 100, "note": 500}  # characters
ONE_LINE_TITLE = Rule(
    "",
    lambda value: text_problem(value, TEXT_LIMITS["site_title"]) is None,
    lambda key, value: f"`{key}` {text_problem(value, TEXT_LIMITS[key])}",
)


def _gib(value: object) -> str:
    assert isinstance(value, int)
    return f"{value / 2**30:g} GiB"


def _about(help: str, *rules: Rule, show: Callable[[object], str] | None = None) -> dict[str, Any]:
    """A setting's field metadata: its meaning, its checks and how to show its default."""
    return {"help": help, "rules": rules, "show": show}


def _address(default: str, help: str) -> Any:
    """A setting that is a service's http(s) address."""
    return field(default=default, metadata=_about(help, HTTP_URL, PLAIN_URL))


@dataclass(frozen=True)
class Settings:
    """The settings of packages.yaml: the one place each is declared.

    Each field's annotation is the setting's type, its default the default, and its
    metadata (`_about`) the meaning and the checks. Validation, `setting_default`,
    `describe_default` and the README's settings table (`settings_table_markdown`) are all
    derived from these fields.
    """

    source: str = field(
        default="auto",
        metadata=_about(
            "where `fetch` gets daily counts. `auto` picks BigQuery when Google credentials "
            "are configured (`GOOGLE_APPLICATION_CREDENTIALS` or `BIGQUERY_API_ENDPOINT` is "
            "set), otherwise pypistats.org (with `extras_source` beside it); `clickhouse` "
            "takes every kind from ClickHouse's public dataset",
            ONE_OF_SOURCES,
        ),
    )
    extras_source: str = field(
        default="clickhouse",
        metadata=_about(
            "with pypistats.org as the source: where versions, countries and installers "
            "come from each night, and the older history of a newly added package. `none` "
            "keeps to pypistats.org alone",
            ONE_OF_EXTRAS,
        ),
    )
    clickhouse_url: str = _address(
        "https://sql-clickhouse.clickhouse.com",
        "ClickHouse: the HTTP(S) address of the public PyPI dataset's service (the one "
        "ClickPy uses)",
    )
    clickhouse_user: str = field(
        default="demo",
        metadata=_about(
            "ClickHouse: the user the queries run as; `demo` is the public read-only user, "
            "with an empty password",
            CLICKHOUSE_USER,
        ),
    )
    refetch_days: int = field(
        default=2,
        metadata=_about(
            "BigQuery and ClickHouse: re-query the last N complete UTC days each night, so "
            "rows that arrive late replace the stored days (`--days` overrides it)",
            POSITIVE,
            at_most(3650),
        ),
    )
    api_url: str = _address(
        "https://pypistats.org/api",
        "the pypistats.org API root; a mirror or a local test server can stand in for it "
        "(`--api-url` overrides it)",
    )
    requests_per_minute: int = field(
        default=30,
        metadata=_about(
            "at most this many pypistats.org requests a minute; the 5-a-second cap always "
            "applies (`--requests-per-minute` overrides it)",
            POSITIVE,
            at_most(100_000),
        ),
    )
    pypi_url: str = _address(
        "https://pypi.org/pypi",
        "PyPI's JSON API root, where `releases` asks for each package's releases "
        "(`<pypi_url>/<name>/json`); a local test server can stand in (`--pypi-url` overrides it)",
    )
    site_title: str = field(
        default="PyPI download stats",
        metadata=_about("the site's name, in every page's title", ONE_LINE_TITLE),
    )
    base_url: str = field(
        default="",
        metadata=_about(
            "the public URL of the site, e.g. `https://user.github.io/repo/`; used for badge "
            "snippets and the 404 page (`build --base-url` overrides it)",
            BASE_URL,
        ),
    )
    repository_url: str = field(
        default="",
        metadata=_about(
            "the address of the repository that holds packages.yaml, e.g. "
            "`https://github.com/user/repo`; the site links to it (the footer, and how to add "
            "a package when a search finds nothing). Empty: the repository the GitHub Actions "
            "job runs in (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`), when there is one",
            REPOSITORY_URL,
        ),
    )
    bigquery_project: str | None = field(
        default=None,
        metadata=_about(
            "BigQuery: the Google Cloud project that runs and pays for the queries; without "
            "it, the project of the credentials",
            PROJECT_ID,
        ),
    )
    maximum_bytes_billed: int = field(
        default=32 * 2**30,
        metadata=_about(
            "BigQuery: refuse any query whose dry run is above this many bytes, and tell "
            "BigQuery not to bill more; also the most one run may bill in all. The default "
            "keeps 31 nights inside the 1 TiB free tier (`--max-bytes-billed` overrides it)",
            POSITIVE,
            at_most(2**63 - 1),  # BigQuery's maximumBytesBilled is an int64
            show=_gib,
        ),
    )
    top_k: int = field(
        default=10,
        metadata=_about(
            "BigQuery and ClickHouse: keep the K largest versions, countries and installers "
            "of each day; the rest are summed into `other`",
            POSITIVE,
            at_most(10_000),
        ),
    )
    backfill_since: dt.date = field(
        default=dt.date(2016, 1, 1),
        metadata=_about(
            "BigQuery and ClickHouse: the first day of history fetched for a package that "
            "has none yet (`backfill --since` overrides it)"
        ),
    )


_NOT_THIS_KIND = object()
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _as_date(value: object) -> object:
    """A date from YAML: a date YAML already made (unquoted), or a quoted `YYYY-MM-DD`."""
    if type(value) is dt.date:
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return _NOT_THIS_KIND


def _exactly(kind: type) -> Callable[[object], object]:
    """Accept a value of exactly this type: `true` is not an integer."""
    return lambda value: value if type(value) is kind else _NOT_THIS_KIND


@dataclass(frozen=True)
class _Kind:
    word: str  # in a problem: "`top_k` must be an integer"
    column: str  # in the README's type column
    read: Callable[[object], object]  # a YAML value as this type, or _NOT_THIS_KIND


# Every type a Settings field may be annotated with (a union of them is "X or Y").
_KINDS: dict[object, _Kind] = {
    str: _Kind("a string", "string", _exactly(str)),
    int: _Kind("an integer", "integer", _exactly(int)),
    type(None): _Kind("empty", "empty", _exactly(type(None))),
    dt.date: _Kind("a date YYYY-MM-DD", "date `YYYY-MM-DD`", _as_date),
}


@dataclass(frozen=True)
class _Spec:
    name: str
    kinds: tuple[object, ...]
    default: object
    help: str
    rules: tuple[Rule, ...]
    show: Callable[[object], str] | None


def _specs() -> dict[str, _Spec]:
    hints = get_type_hints(Settings)
    specs: dict[str, _Spec] = {}
    for f in fields(Settings):
        hint = hints[f.name]
        kinds = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        unknown = [kind for kind in kinds if kind not in _KINDS]
        if unknown:
            raise TypeError(f"Settings.{f.name}: no YAML reader for {unknown}; add it to _KINDS")
        specs[f.name] = _Spec(
            f.name, kinds, f.default, f.metadata["help"], f.metadata["rules"], f.metadata["show"]
        )
    return specs


_SPECS = _specs()
SETTING_NAMES: tuple[str, ...] = tuple(_SPECS)


def _spec(name: str) -> _Spec:
    try:
        return _SPECS[name]
    except KeyError:
        raise KeyError(f"unknown setting {name!r}; known settings: {', '.join(_SPECS)}") from None


def takes_text(name: str) -> bool:
    """Whether setting `name` may be a string (an unquoted number or date is then a slip)."""
    return str in _spec(name).kinds


def setting_default(name: str) -> object:
    """The default of setting `name` (a KeyError for a name that is not a setting)."""
    return _spec(name).default


def _show(spec: _Spec) -> str:
    value = spec.default
    if spec.show is not None:
        return spec.show(value)
    if value is None or value == "":
        return "none"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def describe_default(name: str) -> str:
    """The default of setting `name` for a help string, e.g. `settings.refetch_days, 2`."""
    return f"settings.{name}, {_show(_spec(name))}"


def _type_words(spec: _Spec, *, column: bool = False) -> str:
    return " or ".join(_KINDS[kind].column if column else _KINDS[kind].word for kind in spec.kinds)


def settings_table_markdown() -> str:
    """The README's table of the settings (setting, type, default, meaning), one row each.

    README.md holds exactly this text; tests/test_config.py fails when the two differ.
    """
    rows = [
        "| setting | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for spec in _SPECS.values():
        values = "; ".join(r.values for r in spec.rules if r.values) or _type_words(
            spec, column=True
        )
        shown = _show(spec)
        if spec.show is not None:
            default = f"{shown} (`{spec.default}`)"
        elif shown == "none" or isinstance(spec.default, int):
            default = shown
        else:
            default = f"`{shown}`"
        cells = (f"`{spec.name}`", values, default, spec.help)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def read_setting(key: str, raw: object) -> tuple[Any, str | None]:
    """The value of setting `key` read as its type and checked: (value, None) or (None, why).

    `raw` is the value YAML made of the setting; anything YAML could not make a plain value
    of (a mapping, a list, a refused tag: its node) is the wrong type.
    """
    spec = _SPECS[key]
    value: object = _NOT_THIS_KIND
    for kind in spec.kinds:
        value = _KINDS[kind].read(raw)
        if value is not _NOT_THIS_KIND:
            break
    if value is _NOT_THIS_KIND:
        return None, f"`{key}` must be {_type_words(spec)}"
    for rule in spec.rules:
        if value is not None and not rule.test(value):
            message = rule.message
            return None, message(key, value) if callable(message) else message.format(key=key)
    return value, None
