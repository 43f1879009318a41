"""packages.yaml: the tracked packages and the settings, validated with line numbers.

Every problem is collected and reported at once (`ConfigError.problems`), each naming the
file and line, so a contributor fixes a pull request in one pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ConfigError, Problem
from generator.names import is_valid_name, normalize

SOURCES = ("auto", "pypistats", "bigquery")
PACKAGE_KEYS = ("name", "group", "note")


@dataclass(frozen=True)
class Package:
    name: str
    normalized: str
    group: str | None = None
    note: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Settings:
    source: str = "auto"
    refetch_days: int = 2
    api_url: str = "https://pypistats.org/api"
    requests_per_minute: int = 30
    site_title: str = "PyPI download stats"
    base_url: str = ""
    bigquery_project: str | None = None
    maximum_bytes_billed: int = 32 * 2**30
    top_k: int = 10
    backfill_since: str = "2016-01-01"


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings = field(default_factory=Settings)
    packages: tuple[Package, ...] = ()

    def package(self, name: str) -> Package | None:
        wanted = normalize(name)
        return next((p for p in self.packages if p.normalized == wanted), None)


_SETTING_KINDS: dict[str, tuple[type, ...]] = {
    "source": (str,),
    "refetch_days": (int,),
    "api_url": (str,),
    "requests_per_minute": (int,),
    "site_title": (str,),
    "base_url": (str,),
    "bigquery_project": (str, type(None)),
    "maximum_bytes_billed": (int,),
    "top_k": (int,),
    "backfill_since": (str,),
}
_TYPE_WORDS = {str: "a string", int: "an integer", type(None): "empty"}


def load_config(path: Path) -> Config:
    """Read and validate packages.yaml; raise ConfigError listing every problem."""
    config, problems = parse_config(read_config_text(path), path)
    if problems:
        raise ConfigError(problems)
    return config


def read_config_text(path: Path, *, missing_ok: bool = False) -> str:
    """The text of packages.yaml; a file we cannot read is a ConfigError saying why.

    With `missing_ok`, a file that does not exist reads as empty (for `add`).
    """
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return ""
        raise ConfigError(
            [
                Problem(
                    path,
                    0,
                    "file not found. Run from the repository root, pass --config FILE, "
                    "or create it with `python -m generator add NAME`",
                )
            ]
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            [Problem(path, 0, "is a directory; pass --config with the path of packages.yaml")]
        ) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [Problem(path, line, "not UTF-8 text; save the file with UTF-8 encoding")]
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(
            [Problem(path, 0, f"cannot read the file ({reason}); check its permissions")]
        ) from None


def parse_config(text: str, path: Path) -> tuple[Config, list[Problem]]:
    """Pure: the Config described by `text`, and every problem found in it."""
    problems: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(exc, "problem", None) or str(exc)
        return Config(path), [Problem(path, line, f"not valid YAML: {reason}")]
    if root is None:
        return Config(path), [
            Problem(path, 1, "the file is empty; it needs a `packages:` list of `- name: ...`")
        ]
    if not isinstance(root, yaml.MappingNode):
        return Config(path), [
            Problem(path, _line(root), "the top level must be a mapping with a `packages:` key")
        ]

    settings_values: dict[str, Any] = {}
    packages: list[Package] = []
    seen_keys: dict[str, int] = {}
    packages_node: yaml.Node | None = None
    for key_node, value_node in root.value:
        key = key_node.value
        if key in seen_keys:
            problems.append(
                Problem(
                    path, _line(key_node), f"`{key}` is set twice (first on line {seen_keys[key]})"
                )
            )
            continue
        seen_keys[key] = _line(key_node)
        if key == "packages":
            packages_node = value_node
        elif key in _SETTING_KINDS:
            value, problem = _setting(key, value_node, path)
            if problem:
                problems.append(problem)
            else:
                settings_values[key] = value
        else:
            known = ", ".join(["packages", *_SETTING_KINDS])
            problems.append(
                Problem(path, _line(key_node), f"unknown setting `{key}`; known settings: {known}")
            )

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

    settings = Settings(**settings_values)
    return Config(path, settings, tuple(packages)), problems


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node) -> Any:
    """The Python value of a scalar node, using YAML's safe type resolution.

    A tag the safe loader refuses (`!!python/...`, `!custom`) gives back the node itself,
    which every caller reports as the wrong type, on its line.
    """
    try:
        return yaml.safe_load(yaml.serialize(node))
    except yaml.YAMLError:
        return node


def _setting(key: str, node: yaml.Node, path: Path) -> tuple[Any, Problem | None]:
    kinds = _SETTING_KINDS[key]
    value: Any = _scalar(node) if isinstance(node, yaml.ScalarNode) else node
    if not isinstance(node, yaml.ScalarNode) or type(value) not in kinds:
        wanted = " or ".join(_TYPE_WORDS[k] for k in kinds)
        return None, Problem(path, _line(node), f"`{key}` must be {wanted}")
    if key == "source" and value not in SOURCES:
        return None, Problem(path, _line(node), f"`source` must be one of {', '.join(SOURCES)}")
    if isinstance(value, int) and value <= 0:
        return None, Problem(path, _line(node), f"`{key}` must be a positive integer")
    if key == "api_url" and not value.startswith(("http://", "https://")):
        return None, Problem(path, _line(node), "`api_url` must start with http:// or https://")
    if key == "backfill_since":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return None, Problem(path, _line(node), "`backfill_since` must be a date YYYY-MM-DD")
    return value, None


def _packages(node: yaml.Node, path: Path) -> tuple[list[Package], list[Problem]]:
    problems: list[Problem] = []
    packages: list[Package] = []
    if not isinstance(node, yaml.SequenceNode):
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return [], [
                Problem(path, _line(node), "`packages:` is empty; list at least one package")
            ]
        return [], [Problem(path, _line(node), "`packages:` must be a list of `- name: ...` items")]
    first_line: dict[str, tuple[int, str]] = {}
    for item in node.value:
        line = _line(item)
        if isinstance(item, yaml.ScalarNode):
            problems.append(
                Problem(path, line, f"each package must be a mapping: write `- name: {item.value}`")
            )
            continue
        if not isinstance(item, yaml.MappingNode):
            problems.append(Problem(path, line, "each package must be a mapping with a `name`"))
            continue
        fields: dict[str, str | None] = {}
        name_reported = False
        seen_in_item: set[str] = set()
        for key_node, value_node in item.value:
            key = key_node.value
            if key in seen_in_item:
                problems.append(
                    Problem(path, _line(key_node), f"`{key}` is set twice in this package")
                )
                name_reported = name_reported or key == "name"
                continue
            seen_in_item.add(key)
            if key not in PACKAGE_KEYS:
                problems.append(
                    Problem(
                        path,
                        _line(key_node),
                        f"unknown key `{key}` in a package; allowed keys: {', '.join(PACKAGE_KEYS)}",
                    )
                )
                continue
            value = _scalar(value_node) if isinstance(value_node, yaml.ScalarNode) else value_node
            if key != "name" and value is None:
                fields[key] = None
                continue
            if not isinstance(value, str):
                name_reported = name_reported or key == "name"
                hint = " (quote it)" if isinstance(value, int | float | bool) else ""
                problems.append(Problem(path, _line(value_node), f"`{key}` must be a string{hint}"))
                continue
            fields[key] = value
        name = fields.get("name")
        if "name" not in fields:
            if not name_reported:
                problems.append(Problem(path, line, "this package has no `name`"))
            continue
        assert name is not None
        if not is_valid_name(name):
            problems.append(
                Problem(
                    path,
                    line,
                    f"`{name}` is not a valid PyPI project name (PEP 508: letters, digits, "
                    "and . _ - between them)",
                )
            )
            continue
        normalized = normalize(name)
        if normalized in first_line:
            other_line, other_name = first_line[normalized]
            problems.append(
                Problem(
                    path,
                    line,
                    f"`{name}` is the same project as `{other_name}` on line {other_line} "
                    f"(both normalise to `{normalized}`); keep one",
                )
            )
            continue
        first_line[normalized] = (line, name)
        packages.append(Package(name, normalized, fields.get("group"), fields.get("note"), line))
    if not node.value:
        problems.append(
            Problem(path, _line(node), "`packages:` is empty; list at least one package")
        )
    return packages, problems
