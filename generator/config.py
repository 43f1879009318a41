"""packages.yaml: the tracked packages and the settings, validated with line numbers.

Every problem is collected and reported at once (`ConfigError.problems`), each naming the
file and line, so a contributor fixes a pull request in one pass.

This module reads the file and walks its YAML: the top-level keys, the `packages:` list
and the line of each problem. The settings themselves (declaration, types, checks and
defaults) are `generator.config_settings`, whose names are re-exported here, so
`generator.config` stays the one place to import from.

The file arrives in pull requests from strangers: `generator.config_edit` reads and
composes it within bounds (size, nesting, no aliases), and every value shown in a
message here is `quoted` onto one line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.config_edit import MAX_CONFIG_BYTES, MAX_DEPTH, compose_text, read_config_text
from generator.config_settings import (
    BASE_URL,
    HTTP_URL,
    ONE_OF_SOURCES,
    POSITIVE,
    SETTING_NAMES,
    SOURCES,
    TEXT_LIMITS,
    Rule,
    Settings,
    describe_default,
    read_setting,
    setting_default,
    settings_table_markdown,
    takes_text,
    text_problem,
)
from generator.errors import ConfigError, Problem
from generator.names import group_slug, name_problem, normalize, quoted

__all__ = [
    "BASE_URL",
    "HTTP_URL",
    "MAX_CONFIG_BYTES",
    "MAX_DEPTH",
    "ONE_OF_SOURCES",
    "PACKAGE_KEYS",
    "POSITIVE",
    "SETTING_NAMES",
    "SOURCES",
    "Config",
    "Package",
    "Rule",
    "Settings",
    "describe_default",
    "load_config",
    "parse_config",
    "read_config_text",
    "setting_default",
    "settings_table_markdown",
]

PACKAGE_KEYS = ("name", "group", "note")
MAX_PROBLEMS = 100
"""Problems listed at once; the rest are counted (a pull request's check stays readable)."""
_INT = "tag:yaml.org,2002:int"
_READ_AS = (  # what YAML makes of an unquoted value that looks like a date, number, ...
    ((dt.date, dt.datetime), "a date"),
    ((bool,), "true or false"),
    ((int, float), "a number"),
)


@dataclass(frozen=True)
class Package:
    name: str
    normalized: str
    group: str | None = None
    note: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings = field(default_factory=Settings)
    packages: tuple[Package, ...] = ()

    def package(self, name: str) -> Package | None:
        wanted = normalize(name)
        return next((p for p in self.packages if p.normalized == wanted), None)


def load_config(path: Path) -> Config:
    """Read and validate packages.yaml; raise ConfigError listing every problem."""
    config, problems = parse_config(read_config_text(path), path)
    if problems:
        raise ConfigError(problems)
    return config


# ---------------------------------------------------------------- the top level


def parse_config(text: str, path: Path) -> tuple[Config, list[Problem]]:
    """Pure: the Config described by `text`, and every problem found in it."""
    root = _root(text, path)
    if isinstance(root, Problem):
        return Config(path), [root]
    settings_values, packages_node, problems = _top_level(root, path)
    packages: list[Package] = []
    if packages_node is None:
        problems.append(
            Problem(
                path,
                1,
                "missing `packages:`; add a list of packages, e.g. `packages: [{name: requests}]`",
            )
        )
    else:
        packages, package_problems = _packages(packages_node, path)
        problems.extend(package_problems)
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], Problem(path, 0, f"and {more:,} more problems")]
    settings = Settings(**settings_values)
    return Config(path, settings, tuple(packages)), problems


def _root(text: str, path: Path) -> yaml.MappingNode | Problem:
    """The top-level mapping of `text`, or the one problem that stops us reading further."""
    root = compose_text(text, path)
    if isinstance(root, Problem):
        return root
    if root is None:
        return Problem(path, 1, "the file is empty; it needs a `packages:` list of `- name: ...`")
    if not isinstance(root, yaml.MappingNode):
        return Problem(path, _line(root), "the top level must be a mapping with a `packages:` key")
    return root


def _key(node: yaml.Node, path: Path, problems: list[Problem]) -> str | None:
    """A mapping key as text; None (and a problem) for a key that is a list or mapping."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    problems.append(
        Problem(
            path,
            _line(node),
            "a key must be a plain word such as `name` or `packages`, "
            "not a list or mapping (`? [a, b]` makes one)",
        )
    )
    return None


def _top_level(
    root: yaml.MappingNode, path: Path
) -> tuple[dict[str, Any], yaml.Node | None, list[Problem]]:
    """The settings' values, the `packages:` node (None if absent) and the keys' problems."""
    problems: list[Problem] = []
    settings_values: dict[str, Any] = {}
    seen_keys: dict[str, int] = {}
    packages_node: yaml.Node | None = None
    for key_node, value_node in root.value:
        key = _key(key_node, path, problems)
        if key is None:
            continue
        if key in seen_keys:
            where = f"first on line {seen_keys[key]}"
            problems.append(Problem(path, _line(key_node), f"{quoted(key)} is set twice ({where})"))
            continue
        seen_keys[key] = _line(key_node)
        if key == "packages":
            packages_node = value_node
        elif key in SETTING_NAMES:
            value, problem = _setting(key, value_node, path)
            if problem:
                problems.append(problem)
            else:
                settings_values[key] = value
        else:
            known = ", ".join(["packages", *SETTING_NAMES])
            problems.append(
                Problem(
                    path, _line(key_node), f"unknown setting {quoted(key)}; known settings: {known}"
                )
            )
    return settings_values, packages_node, problems


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


_CONSTRUCTOR = yaml.SafeLoader("")  # builds one scalar's value, nothing else


def _scalar(node: yaml.ScalarNode) -> Any:
    """The Python value of a scalar node, using YAML's safe type resolution.

    A tag the safe loader refuses (`!!python/...`, `!custom`), or a value it cannot build
    (an unquoted impossible date such as `2020-13-45`, an integer of 5,000 digits), gives
    back the node itself, which every caller reports as the wrong type, on its line.
    """
    try:
        return _CONSTRUCTOR.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return node
    finally:
        _CONSTRUCTOR.constructed_objects.clear()


def _hint(key: str, node: yaml.Node, value: object, kinds: tuple[type, ...]) -> str:
    """For an unquoted value YAML read as a date, number or boolean: how to quote it."""
    if not isinstance(node, yaml.ScalarNode) or node.style or not isinstance(value, kinds):
        return ""
    word = next(word for types, word in _READ_AS if isinstance(value, types))
    shown = f'; write `{key}: "{node.value}"`' if len(node.value) <= 30 else ""
    return f" (quote it): unquoted, YAML reads it as {word}{shown}"


def _setting(key: str, node: yaml.Node, path: Path) -> tuple[Any, Problem | None]:
    """The value of setting `key` from its YAML node, read as its type and checked."""
    raw = _scalar(node) if isinstance(node, yaml.ScalarNode) else node
    unreadable_int = raw is node and isinstance(node, yaml.ScalarNode) and node.tag == _INT
    if unreadable_int and not takes_text(key):  # more digits than Python makes an int of
        digits = f"`{key}` is a number of {len(node.value):,} digits, far too large"
        return None, Problem(path, _line(node), digits)
    value, message = read_setting(key, raw)
    if message is None:
        return value, None
    if takes_text(key):  # a date where text is expected; numbers say "must be a string"
        message += _hint(key, node, raw, (dt.date,))
    return None, Problem(path, _line(node), message)


# ---------------------------------------------------------------- the packages list


def _packages(node: yaml.Node, path: Path) -> tuple[list[Package], list[Problem]]:
    """The packages of the `packages:` list, and every problem found in it."""
    if not isinstance(node, yaml.SequenceNode):
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return [], [
                Problem(path, _line(node), "`packages:` is empty; list at least one package")
            ]
        return [], [Problem(path, _line(node), "`packages:` must be a list of `- name: ...` items")]
    problems: list[Problem] = []
    packages: list[Package] = []
    first: dict[str, Package] = {}  # normalized name → the package that first had it
    groups: dict[str, Package] = {}  # group slug → the first package of that group
    for item in node.value:
        package = _package(item, path, problems)
        if package is None:
            continue
        if package.normalized in first:
            problems.append(_same_project(package, first[package.normalized], path))
            continue
        first[package.normalized] = package
        packages.append(package)
        if package.group:
            other = groups.setdefault(group_slug(package.group), package)
            if other.group != package.group:
                problems.append(_same_group_page(package, other, path))
    if not node.value:
        problems.append(
            Problem(path, _line(node), "`packages:` is empty; list at least one package")
        )
    return packages, problems


def _package(item: yaml.Node, path: Path, problems: list[Problem]) -> Package | None:
    """One item of `packages:` as a Package; None when it is not one (its problems added)."""
    line = _line(item)
    if isinstance(item, yaml.ScalarNode):
        example = item.value if name_problem(item.value) is None else "NAME"
        problems.append(
            Problem(path, line, f"each package must be a mapping: write `- name: {example}`")
        )
        return None
    if not isinstance(item, yaml.MappingNode):
        problems.append(Problem(path, line, "each package must be a mapping with a `name`"))
        return None
    fields, name_reported = _package_fields(item, path, problems)
    name = fields.get("name")
    if "name" not in fields:
        if not name_reported:
            problems.append(Problem(path, line, "this package has no `name`"))
        return None
    assert name is not None
    problem = name_problem(name)
    if problem is not None:
        problems.append(Problem(path, line, problem))
        return None
    return Package(name, normalize(name), fields.get("group"), fields.get("note"), line)


def _package_fields(
    item: yaml.MappingNode, path: Path, problems: list[Problem]
) -> tuple[dict[str, str | None], bool]:
    """The keys of one package and their values, and whether a problem with its `name` was
    reported (so a missing name is not reported again). Problems are added to `problems`."""
    fields: dict[str, str | None] = {}
    name_reported = False
    seen_in_item: set[str] = set()
    for key_node, value_node in item.value:
        key = _key(key_node, path, problems)
        if key is None:
            continue
        if key in seen_in_item:
            problems.append(
                Problem(path, _line(key_node), f"{quoted(key)} is set twice in this package")
            )
            name_reported = name_reported or key == "name"
            continue
        seen_in_item.add(key)
        if key not in PACKAGE_KEYS:
            problems.append(
                Problem(
                    path,
                    _line(key_node),
                    f"unknown key {quoted(key)} in a package; allowed keys: "
                    + ", ".join(PACKAGE_KEYS),
                )
            )
            continue
        value = _package_value(key, value_node, path)
        if isinstance(value, Problem):
            problems.append(value)
            name_reported = name_reported or key == "name"
        else:
            fields[key] = value
    return fields, name_reported


def _package_value(key: str, node: yaml.Node, path: Path) -> str | Problem | None:
    """The value of a package's `key`: a string, None (an empty `group` or `note`), or the
    problem with it."""
    value = _scalar(node) if isinstance(node, yaml.ScalarNode) else node
    if key != "name" and value is None:
        return None
    if value is None:
        return Problem(path, _line(node), "`name` is empty; write the project's name on PyPI")
    if not isinstance(value, str):
        hint = _hint(key, node, value, (dt.date, bool, int, float))
        return Problem(path, _line(node), f"`{key}` must be a string{hint}")
    problem = text_problem(value, TEXT_LIMITS[key]) if key in TEXT_LIMITS else None
    if problem is not None:
        return Problem(path, _line(node), f"`{key}` {problem}")
    return value


def _same_group_page(package: Package, first: Package, path: Path) -> Problem:
    """Two group names that would share one page (groups/<slug>/)."""
    return Problem(
        path,
        package.line,
        f"group `{package.group}` and group `{first.group}` (line {first.line}) would share "
        f"one page, groups/{group_slug(package.group or '')}/; spell them the same or rename one",
    )


def _same_project(package: Package, first: Package, path: Path) -> Problem:
    """`package` repeats `first` under another spelling (or the same one)."""
    return Problem(
        path,
        package.line,
        f"`{package.name}` is the same project as `{first.name}` on line {first.line} "
        f"(both normalise to `{package.normalized}`); keep one",
    )
